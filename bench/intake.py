"""Throughput of status intake: the real bot against a bare python-telegram-bot echo bot.

Both poll the same local Bot API server in one run; N status updates from 20 people are queued
up front and the clock runs until every one of them is answered (the echo bot echoes each; the
bot confirms each, several to a message where a person's confirmations queue up). Each update
is plausible (stored and confirmed, never asked about), and every run starts with no stored
updates, so each run does the same work. The database is a real file on disk. The server runs in a process of its own, as Telegram does not share the
bot's CPU (`--in-process` puts it in the bot's process, sharing the GIL, for comparison).
Each round runs the echo bot, the bot without a rate limiter (its own work) and with it
(Telegram's limits, as deployed), both as it runs (a person's queued confirmations combined)
and with every confirmation sent alone (as it ran before); they take turns ROUNDS times so that
a machine whose speed drifts during the run (a shared virtual machine) slows all alike; ratios
are the median of the rounds'. CPU is the thread time of each event loop (time.thread_time).

`--callgrind` counts instructions instead (valgrind's callgrind, so a busy machine does not
change them): the kinds run in a child process under valgrind, each once to warm up and once
counted (callgrind_control zeroes the counters before and dumps them after), so start-up and
first-use costs are left out; the stand-in runs outside valgrind. Valgrind runs Python about
50 times slower: keep N small (the default, 100, takes some minutes).

`--kinds` runs only some of them (comma-separated, e.g. `--kinds echo,alone`); ratios need echo.

    python bench/intake.py [N] [--rounds R] [--in-process] [--kinds K,...]
    python bench/intake.py [N] --callgrind [--kinds K,...]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
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
# What each round runs: the echo bot, then the bot without and with its rate limiter, its
# confirmations combined where a person's queue up (as it runs) or each alone (as it ran before).
KINDS = ("echo", "bot", "bot paced", "alone", "alone paced")
ALONE_PACED = 300  # updates for "alone paced": at one message a second each, enough to show it
# One status update answered: its progress, as the echo bot repeats it ("进度12%") or the bot
# confirms it ("进度 12%"); a message may answer several.
ANSWERED_RE = re.compile(r"进度 ?\d+%")


class OwnProcessServer:
    """The local Bot API server in a child process, driven over a pipe.

    Offers what the benchmark needs of a `BotAPIServer`: api_url, queue_messages, counts,
    wait_answered.
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

    def counts(self) -> tuple[int, int]:
        return self._call("counts")

    def wait_answered(self, count: int) -> None:
        """Block until `count` updates have been answered (call it off the bot's event loop)."""
        self._call("wait", count)

    def stop(self) -> None:
        self._call("stop")
        self.process.join(10)


class InProcessServer:
    """The same interface over a `BotAPIServer` in this process (it shares the bot's GIL)."""

    def __init__(self, token: str) -> None:
        self.server = BotAPIServer(token=token).start()
        self.api_url = self.server.api_url
        self.messages = self.answered = 0
        self.changed = threading.Condition()
        self.server.add_listener(self.count)

    def count(self, record: dict) -> None:
        with self.changed:
            self.messages += 1
            self.answered += len(ANSWERED_RE.findall(record["body"] or ""))
            self.changed.notify_all()

    def queue_messages(self, messages: list[tuple[int, str]]) -> None:
        for user, text in messages:
            self.server.queue_message(user, text)

    def counts(self) -> tuple[int, int]:
        """(messages sent, updates answered) so far."""
        with self.changed:
            return self.messages, self.answered

    def wait_answered(self, count: int) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.answered >= count)

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
        elif command == "counts":
            conn.send(server.counts())
        elif command == "wait":
            conn.send(server.wait_answered(*args))
        else:
            server.stop()
            conn.send(None)
            return


@dataclass
class Run:
    count: int  # updates answered
    seconds: float  # wall clock until the last update was answered
    cpu: float  # CPU seconds of the bot's event loop meanwhile
    messages: int  # messages it sent


async def run(application, server, n: int, counted: str | None = None) -> Run:
    """Run `application` until `n` more updates are answered.

    The CPU time of the loop's thread is the bot's whole cost (handlers, python-telegram-bot,
    httpx, SQLite), untouched by whatever else the machine is doing. `counted`: callgrind's
    counters are zeroed first and dumped (named so) once they are answered.
    """
    async with application:
        if application.post_init:
            await application.post_init(application)
        messages, answered = server.counts()
        if counted:
            callgrind_control("-z")
        start, cpu_start = time.perf_counter(), time.thread_time()
        # As deployed (run_polling): a getUpdates waits up to 10 s for updates, so waiting for
        # Telegram's pace costs no empty polls.
        await application.updater.start_polling(poll_interval=0.0, timeout=10)
        await application.start()
        # Waited for in another thread: asking the server from the loop would stall the bot.
        await asyncio.to_thread(server.wait_answered, answered + n)
        elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu_start
        if counted:
            callgrind_control("-d", counted.replace(" ", "-"))
        await application.updater.stop()
        await application.stop()
    return Run(n, elapsed, cpu, server.counts()[0] - messages)


def progress(i: int) -> int:
    """The progress the i-th update reports: plausible, so each is stored and confirmed (never
    asked about): people sharing a project report the same figure, one point up on each
    round of USERS, and 59 falls back to 40 (19 points down; more than 20 is asked about)."""
    return 40 + (i // USERS) % 20


def queue(server, users: dict[int, str], n: int) -> None:
    ids = list(users)
    server.queue_messages([(ids[i % len(ids)], f"{users[ids[i % len(ids)]]} 进度{progress(i)}%，"
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


def application_for(kind: str, config, db, api_url: str):
    """The application a kind runs: the echo bot, or the bot with or without its rate limiter
    and with its confirmations combined or each sent alone."""
    if kind == "echo":
        app = ApplicationBuilder().token(TOKEN).base_url(api_url).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        return app
    app = build_application(config, db, rate_limit="paced" in kind)
    app.outbox.combine = "alone" not in kind
    return app


def run_kinds(kinds_of_rounds: list[tuple[str, ...]], n: int, in_process: bool = False,
              counted: int | None = None) -> list[list[Run]]:
    """Each round's kinds run in turn on one database, n updates each ("alone paced": at most
    ALONE_PACED); from round `counted` on, each run's instructions are dumped by callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        db = open_db(db_path)
        users = seed(db)
        server = InProcessServer(TOKEN) if in_process else OwnProcessServer(TOKEN)
        try:
            config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.api_url,
                                  "BOT_DB": str(db_path), "BOT_LOG_LEVEL": "WARNING"})
            runs = []
            for number, kinds in enumerate(kinds_of_rounds):
                round_runs = []
                for kind in kinds:
                    count = min(n, ALONE_PACED) if kind == "alone paced" else n
                    # Every run starts from the same ledger: the runs before would otherwise
                    # have stored thousands of today's figures on its nine projects.
                    db.execute("delete from updates")
                    queue(server, users, count)
                    application = application_for(kind, config, db, server.api_url)
                    counting = kind if counted is not None and number >= counted else None
                    round_runs.append(asyncio.run(run(application, server, count, counting)))
                runs.append(round_runs)
            return runs
        finally:
            server.stop()


def callgrind_control(*args: str) -> None:
    """Ask the callgrind this process runs under to zero (-z) or dump (-d) its counters."""
    subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True,
                   capture_output=True)


def count_instructions(n: int, kinds: tuple[str, ...] = KINDS, keep: Path | None = None) -> None:
    """Instructions per ingested update of each kind, counted by callgrind in a child process
    that runs every kind twice: once to warm up, then counted from the first getUpdates to
    the last answer. `keep`: a directory the counted runs' callgrind files are copied to."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        child = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                sys.executable, __file__, str(n), "--counted",
                                "--kinds", ",".join(kinds)],
                               check=True, capture_output=True, text=True)
        per_update = {}
        for dump in Path(tmp).glob("callgrind.out.*"):
            text = dump.read_text()
            kind = re.search(r"^desc: Trigger: .*?dump (\S+)", text, re.MULTILINE).group(1)
            total = int(re.search(r"^summary: (\d+)", text, re.MULTILINE).group(1))
            count = min(n, ALONE_PACED) if kind == "alone-paced" else n
            per_update[kind.replace("-", " ")] = total / count
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"callgrind.{kind}").write_text(text)
    # Messages sent by each counted run: where confirmations are combined, how many were depends
    # on timing, and each message costs about as much as an echo.
    messages = dict(line.split("\t")[1:] for line in child.stdout.splitlines()
                    if line.startswith("sent\t"))
    print(f"instructions per ingested update (callgrind; {n} updates a kind, counted after a "
          f"warm-up run of as many; the bot's process, all its threads; the stand-in outside "
          f"valgrind; messages the counted run sent):")
    print("| " + " | ".join(kinds) + " |\n" + "|---" * len(kinds) + "|")
    print("| " + " | ".join(f"{per_update[kind] / 1e6:.2f} M" + (
        "" if kind == "echo" or "echo" not in per_update
        else f" ({per_update[kind] / per_update['echo']:.2f}x)")
        + f", {messages.get(kind, '?')} sent" for kind in kinds) + " |")


def kinds_of(text: str) -> tuple[str, ...]:
    """`--kinds`' value: known kinds, in the order given."""
    kinds = tuple(kind.strip() for kind in text.split(","))
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"unknown kind(s) {unknown}; known: {', '.join(KINDS)}")
    return kinds


def main(n: int = 1000, rounds: int = 3, in_process: bool = False,
         kinds: tuple[str, ...] = KINDS) -> None:
    runs = run_kinds([kinds] * rounds, n, in_process)  # Run of each of kinds, per round
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    where = "in the bot's process" if in_process else "in its own process"
    print(f"updates: {n} a run ({n // USERS} from each of {USERS} people, queued at once; "
          f"{min(n, ALONE_PACED)} for \"alone paced\"), {rounds} rounds, database on disk, "
          f"server {where}; load average after: {load}")
    print("| round | " + " | ".join(kinds) + " |\n" + "|---" * (len(kinds) + 1) + "|")
    for i, round_runs in enumerate(runs, 1):
        cells = [f"{r.count / r.seconds:.0f}/s, {r.cpu / r.count * 1000:.2f} ms, {r.messages}"
                 for r in round_runs]
        print(f"| {i} | " + " | ".join(cells) + " |")
    print("(each cell: updates answered a second, CPU ms of the event loop per update, "
          "messages sent)")
    if "echo" not in kinds:
        return
    echo_column = kinds.index("echo")
    for column, kind in enumerate(kinds):
        if kind == "echo":
            continue
        cpu = statistics.median((r[column].cpu / r[column].count)
                                / (r[echo_column].cpu / r[echo_column].count) for r in runs)
        print(f"{kind}: {cpu:.2f}x the echo bot's CPU per update (median of {rounds})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="intake throughput: the bot against an echo bot")
    parser.add_argument("n", nargs="?", type=int,
                        help="status updates a run (default 1000; 100 with --callgrind)")
    parser.add_argument("--rounds", type=int, default=3, help="echo and bot runs, taking turns")
    parser.add_argument("--in-process", action="store_true",
                        help="run the server in this process (shares the GIL with the bot)")
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions per update under valgrind (N: default 100)")
    parser.add_argument("--kinds", type=kinds_of, default=KINDS,
                        help="the kinds to run, comma-separated (default: all of "
                             + ",".join(KINDS) + ")")
    parser.add_argument("--keep", type=Path, help="with --callgrind: a directory to copy the "
                        "counted runs' callgrind files to (for callgrind_annotate)")
    parser.add_argument("--counted", action="store_true", help=argparse.SUPPRESS)  # under valgrind
    arguments = parser.parse_args()
    if arguments.counted:
        kinds = arguments.kinds
        for kind, counted_run in zip(kinds, run_kinds([kinds, kinds], arguments.n, counted=1)[1],
                                     strict=True):
            print(f"sent\t{kind}\t{counted_run.messages}")
    elif arguments.callgrind:
        count_instructions(arguments.n or 100, arguments.kinds, arguments.keep)
    else:
        main(arguments.n or 1000, arguments.rounds, arguments.in_process, arguments.kinds)
