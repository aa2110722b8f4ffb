"""The meeting pack at scale: `python bot.py pack` on a large portfolio, its time and memory.

The database is bench/scale.py's (2,000 projects in 100 units, 200,000 stored updates, an
open problem for every fourth project) plus, from `add_pack_history`: three nodes for every
fifth project, time limits on the problems (some overdue), and problems resolved this week.
`python bot.py pack` runs as its own process, --repeat times for each language; each run's
wall time, CPU time (user + system, of that process) and peak memory (its VmHWM, from
getrusage of the finished child) are reported, with the median and the worst.

    python bench/pack.py [--projects 2000] [--units 100] [--updates 200000] [--repeat 3]

Target: under 10 s and under 300 MB for 2,000 projects.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale import build_db  # noqa: E402
from storage import open_db  # noqa: E402


def add_pack_history(path: Path, seed: int = 11) -> None:
    """Nodes, problem time limits and resolutions on top of bench/scale.py's database."""
    rnd = random.Random(seed)
    db = open_db(path)
    now = datetime.now(UTC)
    today = now.date()

    def iso(moment: datetime) -> str:
        return moment.isoformat(timespec="seconds")

    projects = [r[0] for r in db.execute("select id from projects order by id")]
    with db.atomic():
        db["milestones"].insert_all(
            ({"project_id": p, "due": (today + timedelta(days=d)).isoformat(),
              "progress": float(k * 30), "title": f"节点{k}"}
             for p in projects[::5] for k, d in ((1, -rnd.randint(1, 9)), (2, 20), (3, 90))),
            batch_size=1000)
        problems = [r[0] for r in db.execute("select id from problems order by id")]
        for i, problem_id in enumerate(problems):
            if i % 3 == 0:  # a written time limit, some of them past
                db.execute("update problems set due_on = ? where id = ?",
                           [(today + timedelta(days=rnd.randint(-20, 20))).isoformat(),
                            problem_id])
            if i % 10 == 0:  # resolved in the last days, with the event the pack counts
                at = iso(now - timedelta(days=rnd.randint(0, 5)))
                db.execute("update problems set status = 'resolved', resolved_at = ?, "
                           "confirmed_at = ?, confirmation = 'leader' where id = ?",
                           [at, at, problem_id])
                db["problem_events"].insert({"problem_id": problem_id, "kind": "resolved",
                                             "at": at, "detail": "{}"})
    db.close()


def run_pack(db_path: Path, out: Path, lang: str) -> tuple[float, float, float]:
    """One `python bot.py pack`: (wall s, CPU s, peak MB) of that process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "bot.py"), "pack", "-o", str(out), "--lang",
                    lang, "--db", str(db_path)], check=True, env=env, cwd=ROOT,
                   capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024  # ru_maxrss: the largest child so far, in KB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--updates", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        took = build_db(db_path, args.projects, args.units, args.updates)
        add_pack_history(db_path)
        print(f"database: {args.projects} projects, {args.units} units, {args.updates} updates "
              f"({took:.1f} s to build)")
        for lang in ("zh", "en"):
            runs = [run_pack(db_path, Path(tmp) / f"out-{lang}", lang)
                    for _ in range(args.repeat)]
            walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
            sizes = sorted(p.stat().st_size // 1024 for p in (Path(tmp) / f"out-{lang}").iterdir())
            print(f"pack --lang {lang}: wall median {statistics.median(walls):.2f} s "
                  f"(worst {max(walls):.2f} s), CPU median {statistics.median(cpus):.2f} s, "
                  f"peak memory {max(r[2] for r in runs):.0f} MB; files {sizes} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
