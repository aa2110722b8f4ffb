"""The CPU time of drawing /chart's pictures, in process, at 2,000 and 20,000 projects.

Builds the database of bench/scale.py (`build_db`: the projects in 100 units, 200,000
updates), then, in a fresh child process per size (so nothing of matplotlib is loaded yet):

* "warm-up": services.views._warm_up, what the bot runs in its chart thread at start
  (imports matplotlib, loads the CJK font, draws a small chart with every kind of text);
* "first": the leader's /chart right after it (Views.chart's plan, then draw_chart);
* "first+warm-up": the two together, what a /chart sent at the very start costs at most;
* "drawn": the median of --repeat more /chart pictures, each after an update written from
  another connection (a kept picture is re-sent until its data change; these are drawn anew),
  and of it the drawing alone (draw_chart; the rest is reading the changed project);
* "RSS +": how much the process's resident memory grew from before the warm-up to after the
  last chart (ru_maxrss is the peak; the current RSS is read from /proc/self/statm).

Figures are CPU seconds of the child (time.process_time: all its threads), not wall-clock:
on a quiet 2-core machine the chart thread gets a core and wall time is close to CPU time.
The views are warmed first (Views.warm, as the bot does before it handles updates) and not
counted. With --profile, cProfile's top functions of one drawn chart are printed too, and
with --save DIR the pictures are written there to look at.

    python bench/chart.py [--projects 2000] [--big 20000] [--units 100] [--updates 200000]
                          [--repeat 5] [--skip-big] [--profile] [--save DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    """The process's resident memory now, in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(db_path: Path, repeat: int, profile: bool, save: str | None) -> dict:
    """In this (fresh) process: the warm-up, the first /chart and `repeat` drawn ones."""
    from bench.scale import LEADER, new_update
    from config import load_config
    from services.caller import Caller
    from services.views import Views, _warm_up, draw_chart
    from storage import open_db
    from transport.intake import settle_startup_objects

    db = open_db(db_path)
    config = load_config({"BOT_TIMEZONE": "Asia/Shanghai"}, dotenv_path=None)
    views = Views(db)
    views.warm(config, "zh")
    settle_startup_objects()  # as the bot does after warming up, and again after _warm_up
    leader = Caller(user_id=LEADER, role="leader", unit_id=None, unit_name=None, lang="zh")

    drawing: list[float] = []  # CPU of draw_chart alone in each chart()

    def chart() -> list[bytes]:
        plan = views.chart(config, leader, "")
        started = time.process_time()
        pictures = draw_chart(plan.items, plan.lang, plan.today, plan.pictures, plan.title,
                              plan.presorted)
        drawing.append(time.process_time() - started)
        return pictures

    rss_before = _rss_mb()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.process_time()
    _warm_up()
    warm_up = time.process_time() - started
    settle_startup_objects()
    rss_warm = _rss_mb()
    started = time.process_time()
    pictures = chart()
    first = time.process_time() - started
    rnd = random.Random()  # message ids only: the project is picked by SQLite
    drawn = []
    for _ in range(repeat):
        new_update(db_path, rnd)
        started = time.process_time()
        pictures = chart()
        drawn.append(time.process_time() - started)
    rss_after = _rss_mb()
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if save:
        for i, png in enumerate(pictures, 1):
            Path(save, f"chart-{len(plan_items(views, config))}-{i}.png").write_bytes(png)
    if profile:
        import cProfile
        import pstats

        new_update(db_path, rnd)
        with cProfile.Profile() as prof:
            chart()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(20)
    return {"warm_up": warm_up, "first": first, "drawn": statistics.median(drawn),
            "drawn_max": max(drawn), "drawing": statistics.median(drawing[1:]),
            "bytes": sum(len(p) for p in pictures), "rss_warm": rss_warm - rss_before,
            "rss": rss_after - rss_before, "peak": peak_after - peak_before}


def plan_items(views, config) -> list:
    """Every project, as the leader's chart takes them."""
    from datetime import datetime

    return views.items(config, datetime.now(config.timezone))


def main() -> int:
    from bench.scale import size_arguments

    parser = size_arguments(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--save", help="a folder to write the last drawn pictures to")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # the database, in the child
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child), args.repeat, args.profile, args.save)))
        return 0

    from bench.scale import build_db

    sizes = [args.projects] + ([] if args.skip_big else [args.big])
    print(f"CPU seconds (time.process_time of a fresh process, all threads); "
          f"{args.units} units, {args.updates:,} updates; load average "
          f"{Path('/proc/loadavg').read_text().split()[0]}")
    print(f"{'projects':>9} {'warm-up':>8} {'first':>7} {'first+warm-up':>14} "
          f"{'drawn (median)':>15} {'of it drawing':>14} {'drawn max':>10} {'PNG bytes':>10} "
          f"{'RSS + warm-up':>14} {'RSS + all':>10} {'peak +':>7}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as workdir:
            path = Path(workdir) / "bot.db"
            build_db(path, n, args.units, args.updates)
            command = [sys.executable, __file__, "--child", str(path), "--repeat", str(args.repeat)]
            command += ["--profile"] if args.profile else []
            command += ["--save", args.save] if args.save else []
            out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{n:>9,} {r['warm_up']:>8.3f} {r['first']:>7.3f} "
                  f"{r['warm_up'] + r['first']:>14.3f} {r['drawn']:>15.3f} "
                  f"{r['drawing']:>14.3f} {r['drawn_max']:>10.3f} {r['bytes']:>10,} "
                  f"{r['rss_warm']:>11.1f} MB {r['rss']:>7.1f} MB {r['peak']:>4.1f} MB",
                  flush=True)
    print("Target (issue #20): /chart under 1 s wall on a quiet machine, the first included.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
