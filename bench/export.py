"""The .xlsx export's writer alone: CPU seconds to write N projects' sheet, in this process.

    python bench/export.py [--projects 20000] [--rounds 3]

The projects are made up (seeded): Chinese names and units, a status text, numbers, dates, an
open problem for every fourth. The rows come from reports.spreadsheet.export_rows as in the
bot; the figure is time.process_time around write_xlsx (the median of --rounds), in English
and in Chinese, with the file's size.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports.spreadsheet import export_rows, write_xlsx  # noqa: E402
from reports.standing import ProjectState, assess  # noqa: E402


def rows(projects: int, seed: int = 7) -> list[dict]:
    """`projects` made-up projects as export rows."""
    rnd = random.Random(seed)
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    states = []
    for i in range(1, projects + 1):
        start = (now - timedelta(days=rnd.randint(30, 400))).date()
        progress = round(rnd.random() * 100, 1)
        states.append(ProjectState(
            code=f"BP-{i:05d}", name=f"重点项目{i}号智能制造产业园", unit=f"区第{i % 100:03d}责任单位",
            leader="张区长", stage=rnd.choice(["negotiating", "signed", "started"]),
            planned_start=start, planned_end=start + timedelta(days=rnd.randint(200, 900)),
            total_investment=rnd.randint(5_000, 200_000), annual_plan=rnd.randint(1_000, 50_000),
            progress=progress, invested=progress * 50.5,
            last_update_at=(now - timedelta(days=rnd.random() * 20)).astimezone(UTC),
            created_at=now - timedelta(days=420), open_problems=int(i % 4 == 0),
            latest_update=f"BP-{i:05d} 进度{progress:.0f}%，主体结构施工。存在问题：无。下步：继续"))
    problems = {f"BP-{i:05d}": [{"id": i, "status": "open", "due": now.date(), "late": 0,
                                 "text": f"第{i}号项目用地指标未落实"}]
                for i in range(4, projects + 1, 4)}
    return export_rows(assess(states, now.date(), now), now, problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = rows(args.projects)
    for lang in ("en", "zh"):
        times, size = [], 0
        for _ in range(args.rounds):
            buffer = io.BytesIO()
            started = time.process_time()
            write_xlsx(data, buffer, lang=lang)
            times.append(time.process_time() - started)
            size = len(buffer.getvalue())
        print(f"{args.projects:,} projects, {lang}: {statistics.median(times):.2f} s CPU "
              f"(median of {args.rounds}), {size / 2**20:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
