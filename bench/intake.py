"""Throughput of status intake: the real bot against a bare python-telegram-bot echo bot.

Both poll the same local Bot API server in one run; N status updates are queued up front and
the clock runs until the N-th answer is recorded. The database is a real file on disk.
The ratio compares the two without a rate limiter (the bot's own work); the last row shows
the bot as deployed, capped by AIORateLimiter at Telegram's 30 messages a second.

    python bench/intake.py [N]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.ext import ApplicationBuilder, MessageHandler, filters  # noqa: E402

from bot import build_application  # noqa: E402
from config import load_config  # noqa: E402
from localapi import BotAPIServer  # noqa: E402
from storage import open_db  # noqa: E402
from storage.people import grant_role, list_units  # noqa: E402
from storage.projects import list_projects  # noqa: E402

TOKEN = "999:BENCH"
USERS = 20


async def run(application, server: BotAPIServer, n: int) -> float:
    """Seconds from start until `n` messages have been sent by the bot."""
    before = len(server.sent)
    async with application:
        if application.post_init:
            await application.post_init(application)
        before = len(server.sent)
        start = time.perf_counter()
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()
        while len(server.sent) < before + n:
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - start
        await application.updater.stop()
        await application.stop()
    return elapsed


def queue(server: BotAPIServer, users: dict[int, str], n: int) -> None:
    ids = list(users)
    for i in range(n):
        user = ids[i % len(ids)]
        server.queue_message(user, f"{users[user]} 进度{i % 100}%，存在问题：无。下步：继续施工")


async def echo(update, context) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


def main(n: int = 1000) -> None:
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        db = open_db(db_path)
        from handlers.ledger import import_bytes

        for ledger in sorted((root / "console" / "demo").glob("ledger_*.csv")):
            import_bytes(db, ledger.read_bytes(), ledger.name, None, "en")
        first_code = {}
        for project in list_projects(db):
            first_code.setdefault(project["unit_id"], project["code"])
        users = {}
        for i, unit in enumerate(list_units(db) * (USERS // len(list_units(db)) + 1)):
            if len(users) == USERS:
                break
            grant_role(db, 5000 + i, "member", unit["id"])
            users[5000 + i] = first_code[unit["id"]]

        server = BotAPIServer(token=TOKEN)
        server.start()
        try:
            config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.api_url,
                                  "BOT_DB": str(db_path), "BOT_LOG_LEVEL": "WARNING"})
            echo_app = (ApplicationBuilder().token(TOKEN).base_url(server.api_url).build())
            echo_app.add_handler(MessageHandler(filters.TEXT, echo))
            queue(server, users, n)
            echo_seconds = asyncio.run(run(echo_app, server, n))
            queue(server, users, n)
            bot_seconds = asyncio.run(run(build_application(config, db, rate_limit=False),
                                          server, n))
            queue(server, users, n)
            limited_seconds = asyncio.run(run(build_application(config, db), server, n))
        finally:
            server.stop()
    echo_rate, bot_rate = n / echo_seconds, n / bot_seconds
    print(f"updates: {n}, users: {USERS}, database on disk")
    print(f"| bot | updates/s |\n|---|---|\n| echo bot (python-telegram-bot) | {echo_rate:.0f} |"
          f"\n| Key Project Bot | {bot_rate:.0f} |"
          f"\n| Key Project Bot with AIORateLimiter (Telegram's 30/s cap) | {n / limited_seconds:.0f} |")
    print(f"ratio bot/echo: {bot_rate / echo_rate:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
