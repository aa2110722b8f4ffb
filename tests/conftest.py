"""Shared fixtures: a fresh database, the local Bot API server, and the real bot polling it."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from hypothesis import settings

from config import load_config
from storage import open_db

# The same examples on every run, so a CI run cannot turn red by luck; a failure found while
# exploring (HYPOTHESIS_PROFILE=explore) is pinned as a plain example test beside its property.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))



def pytest_sessionstart(session) -> None:
    """Before the xdist workers start: compile the product's modules and build Hypothesis's
    table of Unicode characters, once each, for every worker and bot process to reuse."""
    if hasattr(session.config, "workerinput"):  # a worker: the controller did it
        return
    compile_the_product()
    build_the_unicode_table()


def compile_the_product() -> None:
    """Write the product's bytecode even where PYTHONDONTWRITEBYTECODE is set (as on CI
    machines): otherwise every worker and each of the ~90 `python bot.py` processes compiles
    what it imports again (~0.2 s of CPU a process). Files already compiled are skipped."""
    import compileall

    root = Path(__file__).resolve().parents[1]
    for package in sorted(p.parent for p in root.glob("*/__init__.py")):
        compileall.compile_dir(package, quiet=2)
    compileall.compile_file(root / "bot.py", quiet=2)


def build_the_unicode_table() -> None:
    """Hypothesis keeps it on disk (.hypothesis/unicode_data), where a fresh checkout has none
    yet, and each worker would otherwise build its own (~2 s of CPU each)."""
    import warnings

    from hypothesis import given
    from hypothesis import strategies as st
    from hypothesis.errors import HypothesisSideeffectWarning

    @settings(max_examples=1, database=None)
    @given(st.text(min_size=1, max_size=1))
    def draw_a_character(text: str) -> None:
        assert text

    with warnings.catch_warnings():  # slow on purpose, and once, before the workers
        warnings.simplefilter("ignore", HypothesisSideeffectWarning)
        draw_a_character()


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: two workers per core, since most tests mostly wait (bot processes starting,
    Telegram's pace per chat, scheduled rounds) and another worker's test uses the core."""
    return 2 * (os.cpu_count() or 1)


def pytest_collection_modifyitems(config, items) -> None:
    """The longest kinds of test first, so that, handed out one at a time (`--dist load
    --maxschedchunk 1`), no worker is left running a long one after the others are done:
    real bot processes, then property tests, then the in-process bot, then the rest (a stable
    sort: a module's tests stay in their order and together)."""
    from hypothesis import is_hypothesis_test

    def kind(item) -> int:
        fixtures = getattr(item, "fixturenames", ())
        if "bot_process" in fixtures:
            return 0
        if is_hypothesis_test(getattr(item, "obj", None)):
            return 1
        if "api" in fixtures:
            return 2
        return 3

    items.sort(key=kind)


SAMPLES = Path(__file__).resolve().parents[1] / "console" / "demo"
TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
ADMIN, LEADER = 1, 2


@pytest.fixture
def fresh_db(tmp_path):
    """A new, migrated database in a real file."""
    db = open_db(tmp_path / "bot.db")
    yield db
    db.close()


@pytest.fixture
def api():
    """The local Bot API: over HTTP on 127.0.0.1 for processes and plain clients, in process
    for the bot of `running_bot` and `started_bot`."""
    from localapi import BotAPIServer

    server = BotAPIServer(token=TOKEN, bot_username="KeyProjectBot")
    server.start()
    yield server
    server.stop()


def make_config(tmp_path, api, **env):
    values = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api.api_url,
        "BOT_DB": str(tmp_path / "bot.db"),
        "BOT_ADMINS": str(ADMIN),
        "BOT_LANGUAGE": "zh",
    }
    values.update({k: str(v) for k, v in env.items()})
    return load_config(values)


class RunningBot:
    """The real Application from bot.py, polling the local Bot API; helpers to talk to it."""

    def __init__(self, application, api, db) -> None:
        self.application, self.api, self.db = application, api, db

    async def send(self, user_id: int, text: str | None = None, *, timeout: float = 10,
                   replies: int = 1, **message) -> list[dict]:
        """Queue a message from `user_id` and wait for the bot's `replies` messages to that chat."""
        chat_id = message.get("chat_id") or user_id
        before = len(self.api.messages_to(chat_id))
        self.api.queue_message(user_id, text, **message)
        return await self.wait_replies(chat_id, before, replies, timeout)

    async def tap(self, user_id: int, data: str, *, chat_id: int | None = None,
                  message_id: int | None = None, replies: int = 1, timeout: float = 10):
        chat_id = chat_id or user_id
        before = len(self.api.messages_to(chat_id))
        self.api.queue_callback(user_id, data, chat_id=chat_id, message_id=message_id)
        return await self.wait_replies(chat_id, before, replies, timeout)

    async def wait_replies(self, chat_id: int, before: int, replies: int = 1,
                           timeout: float = 10) -> list[dict]:
        """The `replies` messages sent to `chat_id` after the first `before` ones."""
        def arrived() -> list[dict] | None:
            records = self.api.messages_to(chat_id)
            return records[before:before + replies] if len(records) >= before + replies else None

        found = await self.api.wait_until_async(arrived, timeout)
        if found is None:
            raise AssertionError(f"expected {before + replies} messages to chat {chat_id}, got "
                                 f"{len(self.api.messages_to(chat_id))}: "
                                 f"{[r.get('text') for r in self.api.messages_to(chat_id)]}")
        return found

    async def idle(self, quiet: float = 0.3, timeout: float = 10) -> None:
        """Wait until the bot has processed everything queued (answers held back to go with
        others included: their updates stay pending) and sent nothing for `quiet` s; fails if
        it is still busy after `timeout` s (what it sends later is no test's answer)."""
        deadline = time.monotonic() + timeout
        last, since = len(self.api.sent), time.monotonic()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            now = len(self.api.sent)
            if now != last:
                last, since = now, time.monotonic()
            elif (time.monotonic() - since > quiet and not self.api.pending_updates()
                  and self.application.update_queue.empty() and not self.db.execute(
                      "select 1 from inbox where state = 'pending' limit 1").fetchone()):
                return
        raise AssertionError(
            f"the bot was still busy after {timeout} s: {len(self.api.pending_updates())} "
            f"update(s) not fetched, {self.application.update_queue.qsize()} queued, "
            f"{len(self.api.sent) - last} sent in the last {quiet} s")


def build_in_process(config, db, api, *, rate_limit: bool = True):
    """bot.build_application with its Bot API calls answered by `api` in process (no socket):
    its requests are InProcessRequests with the timeouts it would give HTTPXRequest."""
    from bot import build_application
    from localapi.inprocess import InProcessRequest

    def in_process(**settings) -> InProcessRequest:
        return InProcessRequest(api, **settings)

    application = build_application(config, db, rate_limit=rate_limit, make_request=in_process)
    # fails loudly if the bot came to build its requests some other way
    assert isinstance(application.bot.request.inner, InProcessRequest), application.bot.request
    return application


@asynccontextmanager
async def started_bot(tmp_path: Path, api, *, rate_limit: bool = True, **env
                      ) -> AsyncIterator[RunningBot]:
    """The real bot (bot.build_application) polling `api` in process, on `tmp_path`/bot.db; for
    fixtures of any scope (`rate_limit=False`: without Telegram's pacing, e.g. 20 messages a minute
    per group; `env`: more configuration, e.g. BOT_WEB_PORT)."""
    config = make_config(tmp_path, api, **env)
    db = open_db(config.db_path)
    application = build_in_process(config, db, api, rate_limit=rate_limit)
    async with application:
        await application.post_init(application)  # run_polling would call it
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()
        try:
            yield RunningBot(application, api, db)
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_shutdown(application)  # run_polling would call it
    db.close()


@pytest.fixture
async def running_bot(tmp_path, api):
    """Start the real bot (bot.build_application) against `api`; yields a RunningBot."""
    async with started_bot(tmp_path, api) as bot:
        yield bot


def wait_until(condition, timeout: float = 60) -> bool:
    """Poll `condition` (from a test's own thread) until it holds; False if it never did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def confirmations(api) -> Counter:
    """How many confirmations each (chat, progress reported) received.

    A private confirmation follows its message without quoting it, so tests that count the
    answers to each message give every message of a chat its own progress. One message may
    confirm several (a burst's confirmations go together): each counts.
    """
    counts: Counter = Counter()
    for record in api.sent:
        if record["method"] == "sendMessage":
            for confirmed in re.finditer(r"进度 (\d+)%", record["text"] or ""):
                counts[(record["chat_id"], int(confirmed.group(1)))] += 1
    return counts


def seed_ledger(db, filename: str = "ledger_zh.csv") -> None:
    """Import a sample ledger straight into `db`."""
    from services.ledger import import_file

    path = SAMPLES / filename
    result = import_file(db, path.read_bytes(), path.name, None)
    assert result.ok, result


class BotProcess:
    """`python bot.py run` as a real process polling the local server (for kills and logs)."""

    def __init__(self, tmp_path, api, **env) -> None:
        import os
        import sys

        self.root = Path(__file__).resolve().parents[1]
        self.log_path = tmp_path / f"bot-{time.monotonic_ns()}.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
        self.env.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.api_url,
                         "BOT_DB": str(tmp_path / "bot.db"), "BOT_ADMINS": str(ADMIN),
                         "BOT_LANGUAGE": "zh", "BOT_WARM_UP": "off"})  # a quicker start
        self.env.update({k: str(v) for k, v in env.items()})
        self.command = [sys.executable, str(self.root / "bot.py"), "run"]
        self.process = None

    def start(self) -> BotProcess:
        import subprocess

        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, env=self.env, cwd=self.root,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, like a power cut."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.log.close()

    def stop(self) -> None:
        """SIGTERM: python-telegram-bot's orderly shutdown."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except Exception:
                self.process.kill()
                self.process.wait(10)
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def bot_process(tmp_path, api):
    """Factory for bot processes; every one started is killed at the end of the test."""
    started: list[BotProcess] = []

    def make(**env) -> BotProcess:
        process = BotProcess(tmp_path, api, **env)
        started.append(process)
        return process

    yield make
    for process in started:
        process.kill()
