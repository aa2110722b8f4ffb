"""Throughput of status intake: the real bot against a bare python-telegram-bot echo bot.

Both poll the same local Bot API server in one run; N status updates are queued up front and
the clock runs until the N-th answer is recorded. The database is a real file on disk. The
server runs in a process of its own, as Telegram does not share the bot's CPU (`--in-process`
puts it in the bot's process, sharing the GIL, for comparison).
The two take turns, ROUNDS times (echo, bot, echo, bot, ...), so that a machine whose speed
drifts during the run (a shared virtual machine) slows both alike; the ratio reported is the
median of the rounds' ratios. It compares the two without a rate limiter (the bot's own
work); the last row shows the bot as deployed, capped by its rate limiter at Telegram's 30
messages a second (20 users: one a second each).

    python bench/intake.py [N] [--rounds R] [--in-process]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
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


class OwnProcessServer:
    """The local Bot API server in a child process, driven over a pipe.

    Offers what the benchmark needs of a `BotAPIServer`: api_url, queue_messages, wait_sent.
    """

    def __init__(self, token: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child, token), daemon=True)
        self.process.start()
        self.api_url = self.conn.recv()

    def _call(self, *command):
        self.conn.send(command)
        return self.conn.recv()

    def queue_messages(self, messages: list[tuple[int, str]]) -> None:
        self._call("queue", messages)

    def sent_count(self) -> int:
        return self._call("sent")

    def wait_sent(self, count: int) -> None:
        """Block until `count` messages have been sent (call it off the bot's event loop)."""
        self._call("wait", count)

    def stop(self) -> None:
        self._call("stop")
        self.process.join(10)


class InProcessServer:
    """The same interface over a `BotAPIServer` in this process (it shares the bot's GIL)."""

    def __init__(self, token: str) -> None:
        self.server = BotAPIServer(token=token).start()
        self.api_url = self.server.api_url

    def queue_messages(self, messages: list[tuple[int, str]]) -> None:
        for user, text in messages:
            self.server.queue_message(user, text)

    def sent_count(self) -> int:
        return len(self.server.sent)

    def wait_sent(self, count: int) -> None:
        while len(self.server.sent) < count:
            time.sleep(0.002)

    def stop(self) -> None:
        self.server.stop()


def serve(conn, token: str) -> None:
    """The child process: a server answering the parent's commands until told to stop."""
    server = InProcessServer(token)
    conn.send(server.api_url)
    while True:
        command, *args = conn.recv()
        if command == "queue":
            conn.send(server.queue_messages(*args))
        elif command == "sent":
            conn.send(server.sent_count())
        elif command == "wait":
            conn.send(server.wait_sent(*args))
        else:
            server.stop()
            conn.send(None)
            return


async def run(application, server, n: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the bot's event loop) until `n` more messages are sent.

    The CPU time of the loop's thread is the bot's whole cost (handlers, python-telegram-bot,
    httpx, SQLite), untouched by whatever else the machine is doing.
    """
    async with application:
        if application.post_init:
            await application.post_init(application)
        before = server.sent_count()
        start, cpu_start = time.perf_counter(), time.thread_time()
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()
        # Waited for in another thread: asking the server from the loop would stall the bot.
        await asyncio.to_thread(server.wait_sent, before + n)
        elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu_start
        await application.updater.stop()
        await application.stop()
    return elapsed, cpu


def queue(server, users: dict[int, str], n: int) -> None:
    ids = list(users)
    server.queue_messages([(ids[i % len(ids)], f"{users[ids[i % len(ids)]]} 进度{i % 100}%，"
                            "存在问题：无。下步：继续施工") for i in range(n)])


async def echo(update, context) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


def seed(db) -> dict[int, str]:
    """The demo ledgers and USERS members; each user's project code."""
    from handlers.ledger import import_bytes

    root = Path(__file__).resolve().parents[1]
    for ledger in sorted((root / "console" / "demo").glob("ledger_*.csv")):
        import_bytes(db, ledger.read_bytes(), ledger.name, None, "en")
    first_code: dict[int, str] = {}
    for project in list_projects(db):
        first_code.setdefault(project["unit_id"], project["code"])
    users: dict[int, str] = {}
    for i, unit in enumerate(list_units(db) * (USERS // len(list_units(db)) + 1)):
        if len(users) == USERS:
            break
        grant_role(db, 5000 + i, "member", unit["id"])
        users[5000 + i] = first_code[unit["id"]]
    return users


def main(n: int = 1000, rounds: int = 3, in_process: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        db = open_db(db_path)
        users = seed(db)
        server = InProcessServer(TOKEN) if in_process else OwnProcessServer(TOKEN)
        try:
            config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.api_url,
                                  "BOT_DB": str(db_path), "BOT_LOG_LEVEL": "WARNING"})

            def echo_app():
                app = ApplicationBuilder().token(TOKEN).base_url(server.api_url).build()
                app.add_handler(MessageHandler(filters.TEXT, echo))
                return app

            runs = []  # (echo seconds, echo CPU, bot seconds, bot CPU) per round
            for _ in range(rounds):
                queue(server, users, n)
                echo_seconds, echo_cpu = asyncio.run(run(echo_app(), server, n))
                queue(server, users, n)
                bot_seconds, bot_cpu = asyncio.run(run(
                    build_application(config, db, rate_limit=False), server, n))
                runs.append((echo_seconds, echo_cpu, bot_seconds, bot_cpu))
            limited = min(n, 300)  # at Telegram's pace: enough to show the cap
            queue(server, users, limited)
            limited_seconds, _ = asyncio.run(run(build_application(config, db), server, limited))
        finally:
            server.stop()
    where = "in the bot's process" if in_process else "in its own process"
    print(f"updates: {n} a run, {rounds} rounds, users: {USERS}, database on disk, "
          f"server {where}")
    print("| round | echo bot updates/s | Key Project Bot updates/s | ratio "
          "| CPU ms per update, echo / bot |\n|---|---|---|---|---|")
    for i, (echo_seconds, echo_cpu, bot_seconds, bot_cpu) in enumerate(runs, 1):
        print(f"| {i} | {n / echo_seconds:.0f} | {n / bot_seconds:.0f} "
              f"| {echo_seconds / bot_seconds:.2f} "
              f"| {echo_cpu / n * 1000:.2f} / {bot_cpu / n * 1000:.2f} |")
    print(f"Key Project Bot with its rate limiter (Telegram's limits): "
          f"{limited / limited_seconds:.0f} updates/s")
    ratio = statistics.median(e / b for e, _, b, _ in runs)
    cpu_ratio = statistics.median(ec / bc for _, ec, _, bc in runs)
    print(f"ratio bot/echo (median of {rounds}): {ratio:.2f} in updates/s, "
          f"{cpu_ratio:.2f} in CPU per update")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="intake throughput: the bot against an echo bot")
    parser.add_argument("n", nargs="?", type=int, default=1000, help="status updates a run")
    parser.add_argument("--rounds", type=int, default=3, help="echo and bot runs, taking turns")
    parser.add_argument("--in-process", action="store_true",
                        help="run the server in this process (shares the GIL with the bot)")
    arguments = parser.parse_args()
    main(arguments.n, arguments.rounds, arguments.in_process)
