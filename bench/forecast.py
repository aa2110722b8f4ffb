"""What the completion forecast costs every list: the one query reading the progress
histories of all projects (storage.projects.recent_progress) and the forecasts made from them
(reports.states.items_from_rows), in CPU time (time.process_time, best of --repeat).

The database is bench/scale.py's: 2,000 projects in 100 units with 200,000 stored updates.

    python bench/forecast.py [--projects 2000] [--units 100] [--updates 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale import build_db  # noqa: E402
from reports.standing import Thresholds  # noqa: E402
from reports.states import items_from_rows  # noqa: E402
from storage import open_db  # noqa: E402
from storage.projects import project_states, recent_progress  # noqa: E402


def best_cpu(work, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.process_time()
        result = work()
        best = min(best, time.process_time() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--updates", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        build_db(path, args.projects, args.units, args.updates)
        db = open_db(path)
        now = datetime.now(ZoneInfo("Asia/Shanghai"))
        figures = db.execute("select count(*) from updates where progress is not null").fetchone()[0]
        query, histories = best_cpu(lambda: recent_progress(db), args.repeat)
        kept = sum(map(len, histories.values()))
        rows = project_states(db)
        bare = [{**row, "progress_history": []} for row in rows]
        with_forecast, _ = best_cpu(lambda: items_from_rows(rows, now, Thresholds()), args.repeat)
        without, _ = best_cpu(lambda: items_from_rows(bare, now, Thresholds()), args.repeat)
        db.close()
    print(f"{args.projects} projects, {figures} progress figures; the query keeps {kept}")
    print(f"histories query (all projects): {1000 * query:.0f} ms CPU")
    print(f"standings with forecasts: {1000 * with_forecast:.0f} ms CPU; "
          f"without: {1000 * without:.0f} ms CPU")


if __name__ == "__main__":
    main()
