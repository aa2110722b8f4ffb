"""The CPU time of building what leaders see, in process, at 20,000 projects.

Builds the database of bench/scale.py (`build_db`: 20,000 projects in 100 units, 200,000
updates, an open problem for every fourth project), warms the views as the bot does at start
(services.views.Views.warm, its CPU printed too), then times with time.process_time (this process's CPU, all
threads) around Views.pages, the median of --repeat calls each:

* /problems again (a ◀ ▶ tap or the same command: the pages are reused);
* /problems built anew (the pages forgotten first: the open problems are kept, not read again);
* /problems after a problem was opened from another connection;
* /status and /lagging, each after an update of one project written from another connection;
* a ◀ ▶ tap on /lagging: a page not shown before, with no change, and after one project's update;
* /status <unit>, the first call for a unit after start (its page not built yet).

Each timed call also makes the page a person is shown (the first, or the tapped one) and
counts the pages, as the handlers do: a page is formatted only when shown.

    python bench/views_cpu.py [--projects 20000] [--units 100] [--updates 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale import LEADER, build_db, new_update  # noqa: E402
from config import load_config  # noqa: E402
from services import problems as _problems  # noqa: E402,F401  (registers the /problems view)
from services.caller import Caller  # noqa: E402
from services.views import Views  # noqa: E402
from storage import open_db  # noqa: E402


def cpu_ms(repeat: int, before: Callable[[], None], call: Callable[[], object]) -> float:
    """The median CPU milliseconds of `call`, each time after `before` (not timed)."""
    times = []
    for _ in range(repeat):
        before()
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def new_problem(db_path: Path, rnd: random.Random) -> None:
    """A problem opened on some project, written by another connection."""
    conn = sqlite3.connect(db_path, timeout=30)
    with conn:
        conn.execute("insert into problems (project_id, text, status, created_at) "
                     "values (?, '新问题', 'open', ?)",
                     [rnd.randint(1, 1000), datetime.now(UTC).isoformat(timespec="seconds")])
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--updates", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rnd = random.Random(11)
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "bot.db"
        build_db(path, args.projects, args.units, args.updates)
        db = open_db(path)
        config = load_config({"BOT_TIMEZONE": "Asia/Shanghai"}, dotenv_path=None)
        views = Views(db)
        started = time.process_time()
        views.warm(config, "zh")  # as bot.py does before it handles any update
        warm_ms = (time.process_time() - started) * 1000
        leader = Caller(user_id=LEADER, role="leader", unit_id=None, unit_name=None, lang="zh")

        def page(name: str, arg: str = "", index: int | None = 0) -> Callable[[], object]:
            def shown() -> str:
                pages = views.pages(config, leader, name, arg)
                return f"{len(pages)} {pages[min(index, len(pages) - 1)]}"
            return shown

        def tap() -> str:  # ▶ to a page not shown yet
            pages = views.pages(config, leader, "l", "")
            return pages[rnd.randrange(len(pages))]

        units = iter(rnd.sample(range(1, args.units + 1), args.units))

        def unit_first() -> str:  # a unit not asked for yet since start
            return page("u", str(next(units)))()

        nothing = lambda: None  # noqa: E731
        page("q")()
        rows = [
            ("/problems again (reused)", cpu_ms(args.repeat, nothing, page("q"))),
            ("/problems built anew", cpu_ms(args.repeat, views.built_pages.clear, page("q"))),
            ("/problems after a problem opened",
             cpu_ms(args.repeat, lambda: new_problem(path, rnd), page("q"))),
            ("/status after one project's update",
             cpu_ms(args.repeat, lambda: new_update(path, rnd), page("s"))),
            ("/lagging after one project's update",
             cpu_ms(args.repeat, lambda: new_update(path, rnd), page("l"))),
            ("◀ ▶ tap on /lagging, no change", cpu_ms(args.repeat, nothing, tap)),
            ("◀ ▶ tap on /lagging after an update",
             cpu_ms(args.repeat, lambda: new_update(path, rnd), tap)),
            ("/status <unit>, first call for it", cpu_ms(args.repeat, nothing, unit_first)),
        ]
        db.close()
    print(f"{args.projects} projects, CPU ms (median of {args.repeat}):")
    print(f"  {'the warm-up at start (once, both languages)':44} {warm_ms:8.1f}")
    for label, ms in rows:
        print(f"  {label:44} {ms:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
