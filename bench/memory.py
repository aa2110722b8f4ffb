"""The bot's memory at scale, step by step: resident memory (VmRSS) and its peak (VmHWM).

Builds bench/scale.py's database (20,000 projects in 100 units, 60,000 updates by default),
then imports and starts the real bot (bot.build_application) in this process against the
local Bot API stand-in (no socket) and reads /proc/self/status after each step: the imports,
the start (views warmed, charts warmed up), then every leader's command, a member's update
and an update in English. The export's file is made in a forked child: not counted here.

With --tracemalloc, each step also shows the live Python objects and their peak since the
step before (tracemalloc's own bookkeeping inflates VmRSS then), and the --top places that
hold the most after the start and at the end, by traceback; /export is left out then.

    python bench/memory.py [--projects 20000] [--units 100] [--updates 60000]
                           [--db PATH] [--tracemalloc] [--top 25]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOKEN = "999000:BENCH-TOKEN-memory"
ADMIN, LEADER, MEMBER = 1, 2, 10_001  # bench/scale.py's people


def memory_mb() -> tuple[float, float]:
    """This process's resident memory and its peak so far, in MB (Linux)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def report(step: str) -> None:
    rss, peak = memory_mb()
    traced = ""
    if tracemalloc.is_tracing():
        live, live_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        traced = f" {live / 2**20:.1f} MB | {live_peak / 2**20:.1f} MB |"
    print(f"| {step} | {rss:.0f} MB | {peak:.0f} MB |{traced}", flush=True)


def show_top(title: str, places: int) -> None:
    """The `places` tracebacks holding the most live memory now (with --tracemalloc)."""
    if not tracemalloc.is_tracing() or not places:
        return
    stats = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]).statistics("traceback")
    print(f"\n{title}: the {places} places holding the most (tracemalloc, by traceback)")
    for stat in stats[:places]:
        frames = [f for f in stat.traceback if str(ROOT) in f.filename] or list(stat.traceback)
        where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in frames[-1:-5:-1])
        print(f"  {stat.size / 2**20:6.1f} MB {stat.count:8d} blocks  {where}")
    print()


async def run(db_path: Path, top: int) -> None:
    """Start the bot on `db_path` in process; the memory after each step."""
    report("Python")
    from config import load_config
    from localapi import BotAPI
    from localapi.inprocess import InProcessRequest
    from storage import open_db

    report("the stand-in, storage (sqlite-utils, numpy)")
    import bot
    bot.one_malloc_arena()  # as `python bot.py run` does, before its threads start
    api = BotAPI(token=TOKEN)
    config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": "http://127.0.0.1:1/bot",
                          "BOT_DB": str(db_path), "BOT_ADMINS": str(ADMIN), "BOT_LANGUAGE": "zh"})
    db = open_db(config.db_path)
    application = bot.build_application(
        config, db, make_request=lambda **settings: InProcessRequest(api, **settings))
    report("bot.build_application (its imports)")
    from services.views import CHART_THREAD

    async def send(user: int, text: str, replies: int = 1) -> None:
        since = len(api.sent)
        api.queue_message(user, text)
        await api.wait_for_count_async(replies, lambda r: r["chat_id"] == user, 120, since=since)

    async with application:
        await application.post_init(application)
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()
        await asyncio.sleep(0.5)
        report("started (views warm)")
        await asyncio.wrap_future(CHART_THREAD.submit(lambda: None))  # the warm-up is done
        report("charts warmed up")
        show_top("after the start", top)
        commands = ["/status", "/status BP-00001", "/status 区第001责任单位", "/lagging",
                    "/problems", "/chart", "/export"]
        if top:
            commands.remove("/export")  # its forked child, traced too, takes minutes
        for text in commands:
            await send(LEADER, text)
            await asyncio.sleep(0.5)
            report(f"`{text}`")
        await send(MEMBER, "BP-00001 进度50%")
        report("a member's update")
        await send(LEADER, "BP-00001 at 47%, grid connection approval still pending")
        await asyncio.sleep(2)
        report("an update in English (peak: VmHWM)")
        show_top("at the end", top)
        await application.updater.stop()
        await application.stop()
        await application.post_shutdown(application)
    db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--updates", type=int, default=60_000)
    parser.add_argument("--db", type=Path,
                        help="keep the built database here and reuse it when it exists")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python's allocations (slower; inflates VmRSS)")
    parser.add_argument("--top", type=int, default=25,
                        help="with --tracemalloc: how many places to list")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # the child's database
    args = parser.parse_args()
    if args.build:
        from bench.scale import build_db

        build_db(args.build, args.projects, args.units, args.updates)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        built = args.db or Path(tmp) / "built.db"
        if not built.exists():
            # Built in a child: what building takes is not the bot's memory.
            subprocess.run([sys.executable, __file__, "--build", str(built), "--projects",
                            str(args.projects), "--units", str(args.units), "--updates",
                            str(args.updates)], check=True)
        db_path = Path(tmp) / "memory.db"  # a copy: the run stores updates and replies
        shutil.copyfile(built, db_path)
        print(f"{args.projects:,} projects, {args.units} units, {args.updates:,} updates"
              f"{' (the database of --db: built with its own figures)' if args.db else ''}\n")
        if args.tracemalloc:
            tracemalloc.start(8)
            print("| after | VmRSS | VmHWM | traced | traced peak |\n|---|---|---|---|---|")
        else:
            print("| after | VmRSS | VmHWM |\n|---|---|---|")
        asyncio.run(run(db_path, args.top if args.tracemalloc else 0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
