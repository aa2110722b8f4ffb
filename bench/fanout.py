"""Fan-out benchmark: one reminder round to many units through the real sending path.

    python bench/fanout.py [--units 1000] [--concurrency 8]

The local Bot API server (localapi) runs with Telegram's flood limits switched on (30
messages a second overall, 1 a second per private chat, 20 a minute per group; a send over
the limit gets 429 retry_after). The round goes through bot.build_application's bot (with
its AIORateLimiter) and schedules.runner.Runner, exactly as the scheduler sends it. Half the
units have a bound group, the other half one member each (private chats). Prints messages
per second (first to last message), the number of 429 answers, and whether every message
arrived exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import build_application  # noqa: E402
from config import load_config  # noqa: E402
from localapi import BotAPIServer  # noqa: E402
from schedules.runner import Runner  # noqa: E402
from storage import open_db, rounds  # noqa: E402
from storage.people import bind_group, get_or_create_unit, grant_role  # noqa: E402

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz"


def seed(db, units: int) -> set[int]:
    """`units` units with one lagging project each; even ones bound to a group."""
    created = (datetime.now(UTC) - timedelta(days=40)).isoformat(timespec="seconds")
    chats = set()
    with db.atomic():
        for i in range(units):
            unit = get_or_create_unit(db, f"Unit {i:04}")
            db["projects"].insert({"code": f"U{i:04}", "name": f"Project {i}", "unit_id": unit,
                                   "created_at": created})
            if i % 2 == 0:
                bind_group(db, -1_000_000 - i, unit, None, 1)
                chats.add(-1_000_000 - i)
            else:
                grant_role(db, 100_000 + i, "member", unit)
                chats.add(100_000 + i)
    return chats


async def run(units: int, concurrency: int) -> dict:
    api = BotAPIServer(token=TOKEN, flood_limits=True).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.api_url,
                                  "BOT_DB": str(Path(tmp) / "bot.db"), "BOT_ADMINS": "1"})
            db = open_db(config.db_path)
            chats = seed(db, units)
            application = build_application(config, db)
            async with application:
                runner = Runner(db, config, application.bot, concurrency=concurrency)
                round_id, _ = rounds.open_round(db, "reminder", datetime.now(config.timezone))
                started = time.monotonic()
                summary = await runner.run_round(round_id)
                wall = time.monotonic() - started
            sent = [r for r in api.sent if r["kind"] == "send"]
            counts = Counter(r["chat_id"] for r in sent)
            stamps = sorted(r["at"] for r in sent)
            span = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
            # The fastest second: Telegram's limit is about 30 in any one second.
            peak, j = 0, 0
            for i, stamp in enumerate(stamps):
                while stamp - stamps[j] >= 1.0:
                    j += 1
                peak = max(peak, i - j + 1)
            db.close()
            return {
                "units": units,
                "messages": len(sent),
                "seconds": round(span, 2),
                "wall_seconds_incl_planning": round(wall, 2),
                "msgs_per_second": round((len(sent) - 1) / span, 1) if span else None,
                "peak_in_one_second": peak,
                "answers_429": api.flood_429_count,
                "exactly_once": set(counts) == chats and set(counts.values()) == {1},
                "round": {k: summary[k] for k in ("status", "sent", "failed", "blocked", "total")},
            }
    finally:
        api.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(run(args.units, args.concurrency))
    for key, value in result.items():
        print(f"{key:28} {value}")
    ok = result["exactly_once"] and result["round"]["status"] == "done"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
