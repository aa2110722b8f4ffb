"""storage.rounds: the exactly-once ledger, on a real SQLite file."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from storage import rounds
from storage.db import now_iso, open_db
from storage.people import get_or_create_unit

PERIOD = datetime(2024, 6, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "bot.db")


@pytest.fixture
def units(db):
    return [get_or_create_unit(db, name) for name in ("A", "B", "C")]


def test_open_round_is_idempotent(db):
    rid, created = rounds.open_round(db, "reminder", PERIOD)
    assert created
    assert rounds.open_round(db, "reminder", "2024-06-10T09:00:00+08:00") == (rid, False)
    assert rounds.open_round(db, "reminder", PERIOD, status="missed") == (rid, False)
    assert rounds.get_round(db, rid)["status"] == "planned"
    other, created = rounds.open_round(db, "digest", PERIOD)
    assert created and other != rid
    missed, _ = rounds.open_round(db, "reminder", "2024-06-03T09:00:00+08:00", status="missed")
    assert rounds.get_round(db, missed)["finished_at"]
    assert [r["id"] for r in rounds.unfinished_rounds(db)] == [rid, other]
    with pytest.raises(ValueError):
        rounds.open_round(db, "newsletter", PERIOD)
    with pytest.raises(ValueError):
        rounds.open_round(db, "digest", datetime(2024, 6, 10, 9))


def test_plan_once(db, units):
    rid, _ = rounds.open_round(db, "reminder", PERIOD)
    items = [(-100, units[0], {"text": "a"}), (-200, units[1], {"text": "b"}),
             (7, None, {"text": "c"}), (7, None, {"text": "c again"})]
    assert rounds.plan_deliveries(db, rid, items) == 3
    assert rounds.get_round(db, rid)["status"] == "sending"
    assert rounds.plan_deliveries(db, rid, items + [(-300, units[2], {})]) == 0
    rows = rounds.list_deliveries(db, rid)
    assert [(r["chat_id"], r["payload"]["text"], r["state"]) for r in rows] == [
        (-100, "a", "pending"), (-200, "b", "pending"), (7, "c", "pending")]
    summary = rounds.round_summary(db, rid)
    assert summary["total"] == 3 and summary["pending"] == 3 and summary["status"] == "sending"


def test_plan_is_one_transaction(db, units):
    rid, _ = rounds.open_round(db, "reminder", PERIOD)
    with pytest.raises(TypeError):  # the payload of the second item cannot be stored
        rounds.plan_deliveries(db, rid, [(1, units[0], {}), (2, units[1], {"x": object()})])
    assert rounds.list_deliveries(db, rid) == []
    assert rounds.get_round(db, rid)["status"] == "planned"
    assert rounds.plan_deliveries(db, rid, [(1, units[0], {})]) == 1


def test_empty_plan_finishes(db):
    rid, _ = rounds.open_round(db, "digest", PERIOD)
    assert rounds.plan_deliveries(db, rid, []) == 0
    assert rounds.finish_if_complete(db, rid)
    assert rounds.get_round(db, rid)["status"] == "done"
    assert rounds.plan_deliveries(db, rid, [(1, None, {})]) == 0


def test_claim_and_outcomes(db, units):
    rid, _ = rounds.open_round(db, "reminder", PERIOD)
    rounds.plan_deliveries(db, rid, [(c, None, {"n": c}) for c in (1, 2, 3, 4)])
    d1 = rounds.claim_next(db, rid)
    assert (d1["chat_id"], d1["state"], d1["attempts"], d1["payload"]) == (1, "sending", 1, {"n": 1})
    rounds.mark_sent(db, d1["id"], 555)
    d2 = rounds.claim_next(db, rid)
    assert d2["chat_id"] == 2
    assert rounds.mark_failed(db, d2["id"], "timeout", retryable=True, max_attempts=2) == "pending"
    d2 = rounds.claim_next(db, rid)
    assert (d2["chat_id"], d2["attempts"]) == (2, 2)
    assert rounds.mark_failed(db, d2["id"], "timeout", retryable=True, max_attempts=2) == "failed"
    assert rounds.mark_failed(db, d2["id"], "again", retryable=True) is None  # not in flight
    d3 = rounds.claim_next(db, rid)
    assert rounds.mark_blocked(db, d3["id"], "Forbidden")
    d4 = rounds.claim_next(db, rid)
    assert rounds.mark_failed(db, d4["id"], "bad request", retryable=False) == "failed"
    assert rounds.claim_next(db, rid) is None
    assert rounds.finish_if_complete(db, rid)
    s = rounds.round_summary(db, rid)
    assert (s["status"], s["sent"], s["failed"], s["blocked"], s["total"]) == ("done", 1, 2, 1, 4)
    assert rounds.get_delivery(db, d1["id"])["message_id"] == 555


def test_round_not_done_while_in_flight(db):
    rid, _ = rounds.open_round(db, "reminder", PERIOD)
    rounds.plan_deliveries(db, rid, [(1, None, {})])
    rounds.claim_next(db, rid)
    assert not rounds.finish_if_complete(db, rid)
    assert rounds.get_round(db, rid)["status"] == "sending"


def test_claims_across_connections_never_overlap(tmp_path):
    path = tmp_path / "bot.db"
    a, b = open_db(path), open_db(path)
    rid, _ = rounds.open_round(a, "reminder", PERIOD)
    rounds.plan_deliveries(a, rid, [(c, None, {}) for c in range(50)])
    claimed = []
    for i in range(60):
        d = rounds.claim_next(a if i % 2 else b, rid)
        if d:
            claimed.append(d["id"])
    assert len(claimed) == len(set(claimed)) == 50


def test_recover_in_flight(db):
    rid, _ = rounds.open_round(db, "reminder", PERIOD)
    rounds.plan_deliveries(db, rid, [(c, None, {}) for c in (1, 2, 3)])
    rounds.mark_sent(db, rounds.claim_next(db, rid)["id"], 1)
    in_flight = rounds.claim_next(db, rid)
    assert rounds.recover_in_flight(db) == 1
    again = rounds.get_delivery(db, in_flight["id"])
    assert (again["state"], again["attempts"]) == ("pending", 1)
    assert rounds.recover_in_flight(db) == 0
    assert rounds.claim_next(db, rid)["id"] == in_flight["id"]


def test_record_reminded(db, units):
    pid = db["projects"].insert({"code": "P1", "name": "p", "unit_id": units[0],
                                 "created_at": now_iso()}).last_pk
    rid, _ = rounds.open_round(db, "reminder", PERIOD)
    rounds.record_reminded(db, rid, [pid])
    rounds.record_reminded(db, rid, [pid])
    assert list(db.query("select round_id, project_id from reminded_projects")) == [
        {"round_id": rid, "project_id": pid}]


def test_mark_round(db):
    rid, _ = rounds.open_round(db, "digest", PERIOD)
    rounds.mark_round(db, rid, "skipped")
    assert rounds.get_round(db, rid)["status"] == "skipped"
    assert rounds.get_round(db, rid)["finished_at"]
    with pytest.raises(ValueError):
        rounds.mark_round(db, rid, "exploded")
