"""schedules.delivery.deliver_round: exactly once, through Telegram's errors and kills."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from schedules import delivery
from schedules.delivery import deliver_round
from storage import rounds
from storage.db import open_db

ROOT = Path(__file__).resolve().parents[1]
CHATS = [101, 102, 103, 104, 105, 106]


class Killed(BaseException):
    """Stands for the process dying: nothing in deliver_round may catch it."""


class Telegram:
    """A fake Bot API: records what arrived; `script` maps chat id to errors to raise first."""

    def __init__(self, script=None, delay=0.0):
        self.arrived: list[int] = []
        self.calls: list[int] = []
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.delay = delay

    async def send(self, chat_id: int, payload: dict) -> int:
        self.calls.append(chat_id)
        if self.delay:
            await asyncio.sleep(self.delay)
        errors = self.script.get(chat_id)
        if errors:
            raise errors.pop(0)
        assert payload == {"text": f"hello {chat_id}"}
        self.arrived.append(chat_id)
        return 1000 + len(self.arrived)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "bot.db"


@pytest.fixture
def db(path):
    return open_db(path)


def planned_round(db, chats=CHATS, period="2024-06-10T09:00:00+08:00"):
    rid, _ = rounds.open_round(db, "reminder", period)
    rounds.plan_deliveries(db, rid, [(c, None, {"text": f"hello {c}"}) for c in chats])
    return rid


async def test_sent_once_even_when_called_twice(db):
    rid = planned_round(db)
    tg = Telegram()
    first = await deliver_round(db, rid, tg.send)
    second = await deliver_round(db, rid, tg.send)
    assert tg.arrived == CHATS
    assert first["status"] == second["status"] == "done"
    assert first["sent"] == 6
    assert [d["message_id"] for d in rounds.list_deliveries(db, rid)] == list(range(1001, 1007))
    # the whole scheduling path again: opening and planning the same period changes nothing
    again, created = rounds.open_round(db, "reminder", "2024-06-10T09:00:00+08:00")
    assert (again, created) == (rid, False)
    assert rounds.plan_deliveries(db, rid, [(999, None, {"text": "hello 999"})]) == 0
    await deliver_round(db, rid, tg.send)
    assert tg.arrived == CHATS


async def test_concurrent_calls_same_connection(db):
    rid = planned_round(db)
    tg = Telegram(delay=0.001)
    results = await asyncio.gather(*(deliver_round(db, rid, tg.send) for _ in range(3)))
    assert sorted(tg.arrived) == CHATS and len(tg.calls) == 6
    assert all(r["status"] == "done" and r["sent"] == 6 for r in results)


async def test_concurrent_calls_without_the_lock_rely_on_the_claim(path, monkeypatch):
    """Separate connections, and no in-process lock: the database claim alone prevents repeats."""
    monkeypatch.setattr(delivery, "_lock_for", lambda db, rid: asyncio.Lock())
    dbs = [open_db(path) for _ in range(3)]
    rid = planned_round(dbs[0], chats=list(range(1, 41)))
    tg = Telegram()

    async def send(chat_id, payload):
        tg.calls.append(chat_id)
        await asyncio.sleep(0.001)
        tg.arrived.append(chat_id)
        return chat_id

    await asyncio.gather(*(deliver_round(d, rid, send) for d in dbs))
    assert sorted(tg.arrived) == list(range(1, 41))
    assert rounds.round_summary(dbs[0], rid)["status"] == "done"


async def test_unplanned_and_finished_rounds(db):
    rid, _ = rounds.open_round(db, "digest", "2024-06-10T10:00:00+08:00")
    with pytest.raises(ValueError):
        await deliver_round(db, rid, Telegram().send)
    skipped, _ = rounds.open_round(db, "digest", "2024-06-03T10:00:00+08:00", status="skipped")
    assert (await deliver_round(db, skipped, Telegram().send))["status"] == "skipped"
    empty, _ = rounds.open_round(db, "digest", "2024-05-27T10:00:00+08:00")
    rounds.plan_deliveries(db, empty, [])
    assert (await deliver_round(db, empty, Telegram().send))["status"] == "done"
    with pytest.raises(KeyError):
        await deliver_round(db, 999, Telegram().send)


@pytest.mark.parametrize("k", [0, 2, 5])
@pytest.mark.parametrize("arrived_before_kill", [True, False])
async def test_kill_mid_round_then_recover(db, k, arrived_before_kill):
    rid = planned_round(db)
    arrived: list[int] = []

    async def dying(chat_id, payload):
        if len(arrived) == k:
            if arrived_before_kill:  # Telegram got it, but the process died before the reply
                arrived.append(chat_id)
            raise Killed
        arrived.append(chat_id)
        return 1

    with pytest.raises(Killed):
        await deliver_round(db, rid, dying)
    in_flight = [d for d in rounds.list_deliveries(db, rid) if d["state"] == "sending"]
    assert [d["chat_id"] for d in in_flight] == [CHATS[k]]
    assert rounds.get_round(db, rid)["status"] == "sending"

    db2 = open_db(db.conn.execute("pragma database_list").fetchone()[2])  # "restart"
    assert rounds.recover_in_flight(db2) == 1
    tg = Telegram()
    summary = await deliver_round(db2, rid, tg.send)
    assert summary["status"] == "done" and summary["sent"] == 6
    total = Counter(arrived + tg.arrived)
    assert set(total) == set(CHATS)
    repeats = {c for c, n in total.items() if n > 1}
    assert repeats == ({CHATS[k]} if arrived_before_kill else set())


async def test_cancelled_task_leaves_only_the_in_flight_message(db):
    rid = planned_round(db)
    gate = asyncio.Event()
    sent: list[int] = []

    async def slow(chat_id, payload):
        if len(sent) == 3:
            await gate.wait()  # never set: the shutdown cancels us here
        sent.append(chat_id)
        return 1

    task = asyncio.create_task(deliver_round(db, rid, slow))
    while len(sent) < 3:
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    states = Counter(d["state"] for d in rounds.list_deliveries(db, rid))
    assert states == {"sent": 3, "sending": 1, "pending": 2}
    rounds.recover_in_flight(db)
    tg = Telegram()
    await deliver_round(db, rid, tg.send)
    assert sent + tg.arrived == CHATS


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter()
async def test_retry_after_is_waited_out_and_not_counted(db, caplog):
    rid = planned_round(db)
    tg = Telegram({102: [RetryAfter(0), RetryAfter(1), RetryAfter(0)] + [RetryAfter(0)] * 5})
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        summary = await deliver_round(db, rid, tg.send, max_attempts=2)
    assert time.monotonic() - started >= 1
    assert summary["sent"] == 6 and tg.arrived == CHATS
    d = next(d for d in rounds.list_deliveries(db, rid) if d["chat_id"] == 102)
    assert (d["state"], d["attempts"]) == ("sent", 1)
    assert "chat 102" in caplog.text and f"round {rid}" in caplog.text


async def test_forbidden_is_blocked_and_skipped(db, caplog):
    rid = planned_round(db)
    tg = Telegram({103: [Forbidden("Forbidden: bot was blocked by the user")]})
    with caplog.at_level(logging.WARNING):
        summary = await deliver_round(db, rid, tg.send)
    assert tg.arrived == [c for c in CHATS if c != 103]
    assert tg.calls.count(103) == 1
    assert (summary["status"], summary["sent"], summary["blocked"]) == ("done", 5, 1)
    assert "chat 103 blocked" in caplog.text


async def test_network_errors_retried_then_succeed(db):
    rid = planned_round(db)
    # (a read timeout is not retried: the message may have arrived; see test_e2e_faults.py)
    tg = Telegram({104: [NetworkError("Bad Gateway"), NetworkError("Service Unavailable"),
                         NetworkError("(500)")]})
    summary = await deliver_round(db, rid, tg.send, backoff=0)
    assert tg.arrived == CHATS and summary["sent"] == 6
    d = next(d for d in rounds.list_deliveries(db, rid) if d["chat_id"] == 104)
    assert (d["state"], d["attempts"]) == ("sent", 4)


async def test_a_read_timeout_is_recorded_sent_and_never_resent(db):
    """The message may have arrived (Telegram only answered late): resending could repeat it."""
    rid = planned_round(db)
    tg = Telegram({104: [TimedOut()]})
    summary = await deliver_round(db, rid, tg.send, backoff=0)
    assert tg.calls.count(104) == 1 and summary["sent"] == 6
    d = next(d for d in rounds.list_deliveries(db, rid) if d["chat_id"] == 104)
    assert (d["state"], d["attempts"], d["message_id"]) == ("sent", 1, None)


async def test_max_attempts_then_failed_and_round_finishes(db, caplog):
    rid = planned_round(db)
    tg = Telegram({105: [NetworkError("Bad Gateway")] * 10,
                   101: [BadRequest("Bad Request: chat not found")],
                   106: [ValueError("a bug in rendering")]})
    with caplog.at_level(logging.WARNING):
        summary = await deliver_round(db, rid, tg.send, max_attempts=3, backoff=0)
    assert tg.calls.count(105) == 3 and tg.calls.count(101) == 1 and tg.calls.count(106) == 1
    assert tg.arrived == [102, 103, 104]
    assert (summary["status"], summary["sent"], summary["failed"]) == ("done", 3, 3)
    by_chat = {d["chat_id"]: d for d in rounds.list_deliveries(db, rid)}
    assert by_chat[105]["attempts"] == 3 and "Bad Gateway" in by_chat[105]["error"]
    assert "chat not found" in by_chat[101]["error"].lower()
    for chat in (105, 101, 106):
        assert f"chat {chat}" in caplog.text
    assert "giving up after 3 attempts" in caplog.text


async def test_backoff_grows(db, monkeypatch):
    rid = planned_round(db, chats=[1])
    waits = []

    async def fake_sleep(seconds):
        waits.append(seconds)

    monkeypatch.setattr(delivery.asyncio, "sleep", fake_sleep)

    async def flaky(chat_id, payload):
        raise NetworkError("down")

    summary = await deliver_round(db, rid, flaky, max_attempts=5, backoff=1.5, max_backoff=5)
    assert waits == [1.5, 3.0, 5, 5]
    assert summary["failed"] == 1


async def test_chat_migrated_goes_to_the_new_chat(db):
    rid = planned_round(db, chats=[-5])
    got = []

    async def send(chat_id, payload):
        if chat_id == -5:
            raise ChatMigrated(-1005)
        got.append(chat_id)
        return 9

    summary = await deliver_round(db, rid, send)
    assert got == [-1005] and summary["sent"] == 1


KILL_SCRIPT = r"""
import asyncio, os, sys
sys.path.insert(0, sys.argv[3])
from schedules.delivery import deliver_round
from storage.db import open_db

db = open_db(sys.argv[1])
out = open(sys.argv[2], "a")

async def send(chat_id, payload):
    out.write(f"{chat_id}\n"); out.flush(); os.fsync(out.fileno())
    await asyncio.sleep(0.02)
    return 1

asyncio.run(deliver_round(db, int(sys.argv[4]), send))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize("kill_after", [1, 7])
async def test_real_process_killed_with_sigkill(path, tmp_path, kill_after):
    chats = list(range(1, 21))
    db = open_db(path)
    rid = planned_round(db, chats=[c for c in chats])
    log_file = tmp_path / "telegram.log"
    log_file.touch()
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(path), str(log_file),
                             str(ROOT), str(rid)])
    try:
        deadline = time.monotonic() + 30
        while len(log_file.read_text().split()) < kill_after:
            assert proc.poll() is None and time.monotonic() < deadline
            await asyncio.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    before = [int(x) for x in log_file.read_text().split()]
    assert 0 < len(before) < len(chats)

    in_flight = {d["chat_id"] for d in rounds.list_deliveries(db, rid) if d["state"] == "sending"}
    assert len(in_flight) <= 1
    rounds.recover_in_flight(db)
    tg_after: list[int] = []

    async def send(chat_id, payload):
        tg_after.append(chat_id)
        return 2

    summary = await deliver_round(db, rid, send)
    assert summary["status"] == "done" and summary["sent"] == len(chats)
    total = Counter(before + tg_after)
    assert set(total) == set(chats)
    assert {c for c, n in total.items() if n > 1} <= in_flight
