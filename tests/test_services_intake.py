"""services.intake without Telegram: reading, refusing, building, storing and confirming."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from config import load_config
from services.caller import Caller
from services.intake import (
    attach_to_recent,
    build_updates,
    ledger_index,
    pick_refusal,
    picked_updates,
    projects_to_ask,
    read_status,
    record_status,
    sender_refusal,
)
from storage.people import find_unit
from storage.projects import get_project
from storage.updates import get_pending, mark_replied, save_pending, updates_of_message
from tests.conftest import seed_ledger

KC, TZ, HT = 301, 302, 303


@pytest.fixture
def db(fresh_db):
    seed_ledger(fresh_db, "ledger_zh.csv")
    seed_ledger(fresh_db, "ledger_en.csv")
    return fresh_db


@pytest.fixture
def base():
    return load_config({"TELEGRAM_BOT_TOKEN": "1:x", "BOT_LANGUAGE": "zh"}, dotenv_path=None)


def member(db, user_id: int, unit: str) -> Caller:
    return Caller(user_id, "member", find_unit(db, unit)["id"], unit, "zh")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def updates_for(db, caller: Caller, text: str, message_id: int = 10, files=()):
    reading = read_status(db, caller, text, caller.lang)
    assert reading.refusal is None and not reading.ask_project, reading
    updates = build_updates(reading.reports, reading.projects, author_id=caller.user_id,
                            chat_id=caller.user_id, message_id=message_id, created_at=now_iso(),
                            text=text, lang=reading.lang, file_ids=list(files))
    return reading, updates


def test_the_index_is_read_again_only_when_the_ledger_changes(db):
    first = ledger_index(db)
    assert ledger_index(db) is first
    assert {"QB-001", "ZQ-101"} <= first.by_code.keys() and len(first.refs) == len(first.projects)
    db.execute("update projects set name = 'Renamed' where code = 'QB-001'")
    db.conn.commit()
    second = ledger_index(db)
    assert second is not first and second.by_code["QB-001"].name == "Renamed"


def test_who_may_send_a_status_update(db):
    stranger = Caller(999, None, None, None, "en")
    assert "not registered" in sender_refusal(stranger, "en", forwarded=False)
    kc = member(db, KC, "科创城管委会")
    assert "转发" in sender_refusal(kc, "zh", forwarded=True)
    assert sender_refusal(kc, "zh", forwarded=False) is None


def test_a_member_writing_about_another_units_project_is_refused(db):
    """As if the project did not exist: whether it does is not theirs to learn."""
    tz = member(db, TZ, "区投资促进服务中心")
    reading = read_status(db, tz, "QB-001 进度90%", "zh")
    unknown = read_status(db, tz, "QB-999 进度90%", "zh")
    assert reading.refusal == unknown.refusal.replace("QB-999", "QB-001")
    assert reading.refusal.startswith("⛔ 没有编号为 QB-001 的项目")
    assert not reading.reports and not reading.ask_project


def test_in_a_units_group_the_refusal_names_no_project(db):
    kc = member(db, KC, "科创城管委会")
    unit = find_unit(db, "区投资促进服务中心")
    in_other_group = replace(kc, chat_unit_id=unit["id"], chat_unit_name=unit["name"])
    refusal = read_status(db, in_other_group, "QB-001 进度90%", "zh").refusal
    assert refusal.startswith("⛔") and "QB-001" not in refusal and "科创城" not in refusal


@pytest.mark.parametrize("text", ["QB-003 进度 120%", "QB-003 进度 -5%"])
def test_progress_outside_0_to_100_is_refused(db, text):
    tz = member(db, TZ, "区投资促进服务中心")
    refusal = read_status(db, tz, text, "zh").refusal
    assert refusal.startswith("⛔ 进度必须在 0–100% 之间")


def test_an_unknown_code_is_named(db):
    kc = member(db, KC, "科创城管委会")
    refusal = read_status(db, kc, "QB-099 进度 20%", "zh").refusal
    assert refusal.startswith("⛔") and "QB-099" in refusal


def test_an_empty_message_is_answered(db):
    assert read_status(db, member(db, KC, "科创城管委会"), "", "zh").refusal.startswith("🤔")


def test_no_project_told_means_ask_among_the_units_projects(db):
    kc = member(db, KC, "科创城管委会")
    reading = read_status(db, kc, "进度 50%", "zh")
    assert reading.ask_project and reading.refusal is None
    unit, candidates = projects_to_ask(db, kc)
    assert unit == "科创城管委会"
    assert [p["code"] for p in candidates] == ["QB-001", "QB-002"]
    leader = Caller(2, "leader", None, None, "zh")
    assert projects_to_ask(db, leader) == (None, [])


def test_one_update_per_project_with_the_files_on_the_first(db):
    kc = member(db, KC, "科创城管委会")
    text = "QB-001 进度45%\nQB-002 已签约，问题：用地未批"
    reading, updates = updates_for(db, kc, text, files=["photo"])
    assert [p["code"] for p in reading.projects] == ["QB-001", "QB-002"]
    assert [u.part for u in updates] == [0, 1]
    assert [u.file_ids for u in updates] == [["photo"], []]
    assert updates[0].progress == 45 and updates[1].stage == "signed"
    assert updates[1].problems == ["用地未批"]
    assert updates[0].parsed == {"progress": 45, "stage": None, "invested": None, "problems": []}
    assert "QB-002" not in updates[0].raw_text


def test_a_picked_project_is_built_the_same_way(db):
    project = get_project(db, "QB-002")
    kept = get_pending(db, save_pending(db, KC, KC, 11, "进度 30%，问题：资金未到位", "zh", ["f"]))
    [update] = picked_updates(kept, project, KC)
    assert (update.project_id, update.progress, update.file_ids) == (project["id"], 30, ["f"])
    assert (update.message_id, update.created_at, update.lang) == (11, kept["created_at"], "zh")
    assert update.parsed["problems"] == ["资金未到位"]
    photo = get_pending(db, save_pending(db, KC, KC, 12, "", "zh", ["f"]))
    [photo_only] = picked_updates(photo, project, KC)
    assert photo_only.progress is None and photo_only.raw_text == "" and photo_only.file_ids == ["f"]


def test_who_may_pick_a_project(db):
    kc, tz = member(db, KC, "科创城管委会"), member(db, TZ, "区投资促进服务中心")
    mine, other = get_project(db, "QB-002"), get_project(db, "QB-003")
    kept = get_pending(db, save_pending(db, KC, KC, 11, "进度 30%", "zh", []))
    assert pick_refusal(kept, mine, kc, KC, "zh") is None
    expired = pick_refusal(None, mine, kc, KC, "zh")
    assert expired and pick_refusal(kept, None, kc, KC, "zh") == expired
    assert pick_refusal(kept, mine, kc, 4242, "zh") == expired  # a button copied elsewhere
    assert pick_refusal(kept, mine, tz, KC, "zh") not in (None, expired)  # not the sender's
    refusal = pick_refusal(kept, other, kc, KC, "zh")
    assert refusal and "QB-003" not in refusal and "区投资" not in refusal


def test_recording_confirms_and_is_idempotent(db, base):
    kc = member(db, KC, "科创城管委会")
    reading, updates = updates_for(db, kc, "QB-001 进度45%")
    recorded = record_status(db, base, updates, reading.projects, reading.lang)
    assert recorded.confirmation.startswith("✅ 已记录")
    assert "进度 45%（首次报送进度）" in recorded.confirmation
    assert len(updates_of_message(db, KC, 10)) == 1
    mark_replied(db, recorded.ids, 500)
    _, again = updates_for(db, kc, "QB-001 进度45%")
    assert record_status(db, base, again, reading.projects, reading.lang) is None  # answered


def test_an_edit_corrects_the_update_it_created(db, base):
    kc = member(db, KC, "科创城管委会")
    reading, updates = updates_for(db, kc, "QB-001 进度45%")
    record_status(db, base, updates, reading.projects, reading.lang)
    reading, edited = updates_for(db, kc, "QB-001 进度50%")
    recorded = record_status(db, base, edited, reading.projects, reading.lang, edit=True)
    assert recorded.confirmation.startswith("✏️ 已更正")
    [row] = updates_of_message(db, KC, 10)
    assert row["progress"] == 50 and row["edited_at"]
    _, unknown = updates_for(db, kc, "QB-001 进度50%", message_id=99)
    assert record_status(db, base, unknown, reading.projects, "zh", edit=True) is None


def test_a_photo_joins_the_senders_recent_update(db, base):
    kc = member(db, KC, "科创城管委会")
    assert attach_to_recent(db, kc, KC, ["photo"]) is None
    reading, updates = updates_for(db, kc, "QB-002 进度10%")
    record_status(db, base, updates, reading.projects, reading.lang)
    assert attach_to_recent(db, kc, KC, ["photo"]) == "QB-002"


@pytest.mark.parametrize("text, understood", [
    ("asdfghjkl", False), ("今天天气不错", False), ("what a lovely day", False),
    ("本周正常推进", True), ("进度45%", True), ("施工许可未办结", True), ("on track", True),
    ("卫星产业园", True), ("QB-099", True),
])
def test_a_message_with_nothing_of_an_update_is_not_understood(db, text, understood):
    reading = read_status(db, member(db, KC, "科创城管委会"), text, "zh")
    assert (reading.refusal or "").startswith("🤔") is not understood, reading
    if not understood:
        assert "QB-001" in reading.refusal  # an example on the sender's own project


def test_a_captioned_file_is_never_refused_as_saying_nothing(db):
    reading = read_status(db, member(db, KC, "科创城管委会"), "asdf", "zh", with_files=True)
    assert reading.refusal is None and reading.ask_project


def test_near_matches_lead_the_projects_asked_about(db):
    kc = member(db, KC, "科创城管委会")
    reading = read_status(db, kc, "信创基他 进度50%", "zh")
    assert reading.ask_project and reading.candidates == ("QB-002",)
    _, projects = projects_to_ask(db, kc, reading.candidates)
    assert [p["code"] for p in projects] == ["QB-002", "QB-001"]


def test_the_confirmation_shows_the_standing_its_forecast_gives(fresh_db, base):
    """A project on plan whose forecast is late or stalled is confirmed at risk: its progress
    history is read for a project on track (and only then)."""
    from i18n import t
    from reports.states import items_from_rows
    from services.settings import thresholds
    from storage.projects import state_after_update
    from tests.test_e2e_forecast import UNIT, seed

    seed(fresh_db)
    writer = member(fresh_db, 900, UNIT)
    for message_id, (text, expected) in enumerate([("F-1 进度45%", "at_risk"),
                                                   ("F-2 进度40%", "at_risk"),
                                                   ("F-3 进度41%", "on_track"),
                                                   ("F-3 进度1%", "lagging")], start=10):
        reading, updates = updates_for(fresh_db, writer, text, message_id=message_id)
        recorded = record_status(fresh_db, base, updates, reading.projects, reading.lang)
        state = state_after_update(fresh_db, reading.projects[0], recorded.ids[0])
        [(_, standing)] = items_from_rows([state], datetime.now(base.timezone), thresholds(base))
        assert standing.standing == expected, text
        assert recorded.confirmation.endswith(t(f"in_standing_{expected}", "zh")), text
