"""The .xlsx export's CPU at 20,000 projects: the writer alone, and the whole child process that
makes `/export`'s file, in its parts.

    python bench/export.py [--projects 20000] [--rounds 3] [--writer-only]
                           [--units 100] [--updates 200000]

1. The writer (reports/xlsx.py through reports.spreadsheet.write_xlsx), in this process: the
   projects are made up (seeded; Chinese names and units, a status text, numbers, dates, an
   open problem for every fourth), the rows come from reports.spreadsheet.export_rows as in the
   bot; time.process_time around write_xlsx, the median of --rounds, in English and in
   Chinese, with the file's size.
2. The whole child (skipped with --writer-only): the database of bench/scale.py (`build_db`:
   --projects in --units, --updates updates, an open problem for every fourth project), the
   views warmed as the bot does at start, then /export as a leader asks it (Chinese):
   services.views.Views.export_file forks the child (services.offload.in_child), which reads
   the problems through its own connection, makes the rows and the nodes and writes the file.
   The child's CPU is read from getrusage(RUSAGE_CHILDREN) once it is reaped, the bot's own
   (the fork and reading the bytes back) with time.process_time; each round after the kept
   file is forgotten; the median of --rounds. Then the same steps in this process, one by one
   (time.process_time, the median of --rounds): where the child's CPU goes.

Target (issue #20): the file in under 3 s on a quiet 2-core machine, so the child's CPU about
2.5 s or less.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def cpu(rounds: int, call: Callable[[], object]) -> float:
    """The median CPU seconds of `call` in this process."""
    times = []
    for _ in range(rounds):
        started = time.process_time()
        call()
        times.append(time.process_time() - started)
    return statistics.median(times)


def writer_cpu(rounds: int, call: Callable[[], object]) -> float:
    """The median CPU seconds `call` spends in reports.xlsx.write_workbook."""
    import reports.spreadsheet as spreadsheet

    spent, write = [], spreadsheet.write_workbook

    def timed(*args: object) -> None:
        started = time.process_time()
        write(*args)
        spent.append(time.process_time() - started)

    spreadsheet.write_workbook = timed
    try:
        for _ in range(rounds):
            call()
    finally:
        spreadsheet.write_workbook = write
    return statistics.median(spent)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def writer(projects: int, rounds: int) -> None:
    data = rows(projects)
    for lang in ("en", "zh"):
        buffer = io.BytesIO()
        seconds = cpu(rounds, lambda: write_xlsx(data, buffer, lang=lang))  # noqa: B023
        size = len(buffer.getvalue()) / rounds
        print(f"writer, {projects:,} projects, {lang}: {seconds:.2f} s CPU "
              f"(median of {rounds}), {size / 2**20:.1f} MB")


def child(projects: int, units: int, updates: int, rounds: int) -> None:
    from bench.scale import LEADER, build_db
    from config import load_config
    from services.caller import Caller
    from services.deadlines import problems_by_project
    from services.views import Export, Views
    from storage import open_db

    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "bot.db"
        build_db(path, projects, units, updates)
        db = open_db(path)
        config = load_config({"BOT_TIMEZONE": "Asia/Shanghai"}, dotenv_path=None)
        views = Views(db)
        views.warm(config, "zh")
        leader = Caller(user_id=LEADER, role="leader", unit_id=None, unit_name=None, lang="zh")

        async def forked() -> tuple[list[float], list[float], int]:
            child_times, own_times, size = [], [], 0
            for _ in range(rounds):
                views.exports.clear()
                export = views.export(config, leader)
                before_child, before_own = children_cpu(), time.process_time()
                data = await views.export_file(export)
                own_times.append(time.process_time() - before_own)
                child_times.append(children_cpu() - before_child)
                size = len(data)
            return child_times, own_times, size

        child_times, own_times, size = asyncio.run(forked())
        print(f"/export's child, {projects:,} projects in {units} units, {updates:,} updates "
              f"(zh): {statistics.median(child_times):.2f} s CPU in the child, "
              f"{statistics.median(own_times):.3f} s in the bot (median of {rounds}), "
              f"{size / 2**20:.1f} MB")

        export = views.export(config, leader)

        def fresh() -> Export:
            return Export(export.items, db, config, export.now, "zh", export.key)

        made = fresh()
        made.problems, made.rows, made.nodes  # noqa: B018

        def problems() -> None:
            child_db = open_db(path, migrate=False)  # the child's own connection
            try:
                problems_by_project(child_db, config, export.now.date())
            finally:
                child_db.close()

        def rows_() -> None:
            fresh_export = fresh()
            fresh_export.problems = made.problems
            fresh_export.rows  # noqa: B018

        parts = [("problems read (own connection)", problems), ("rows (export_rows)", rows_),
                 ("nodes (node_rows)", lambda: fresh().nodes), ("the file (write_xlsx)", made.xlsx)]
        print(f"  where it goes, in this process (CPU s, median of {rounds}):")
        for label, call in parts:
            print(f"    {label:32} {cpu(rounds, call):6.2f}")
        print(f"      of which the sheets written    {writer_cpu(rounds, made.xlsx):6.2f}"
              " (reports.xlsx.write_workbook; the rest: columns and widths)")
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--updates", type=int, default=200_000)
    parser.add_argument("--writer-only", action="store_true")
    args = parser.parse_args()
    writer(args.projects, args.rounds)
    if not args.writer_only:
        child(args.projects, args.units, args.updates, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
