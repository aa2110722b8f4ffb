"""Ask before storing the implausible: the rules (services.intake.doubts) case by case, and end
to end through the real bot — the question with what was understood and ✅/✖️ buttons, nothing
stored before the tap, a tap stores once, cancel stores nothing, nobody else may answer, and an
edit while the question waits."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.ledger import import_bytes
from parsing.status import ProjectReport
from services.intake import doubts
from storage import open_db
from storage.projects import get_project, progress_before
from tests.conftest import LEADER
from tests.test_e2e_intake import KC, seed_world, stored

NOW = datetime(2026, 6, 30, 9, 0, tzinfo=UTC)
PROJECT = {"code": "QB-002", "total_investment": 42_000.0, "annual_plan": 15_000.0}


def before(progress, days_ago=1):
    return {"progress": progress, "created_at": (NOW - timedelta(days=days_ago)).isoformat()}


def codes(report=None, previous=None, project=PROJECT, **fields):
    report = report or ProjectReport(project="QB-002", text="", **fields)
    return [d.code for d in doubts(report, project, previous, NOW)]


# ------------------------------------------------------------------------------- the rules

_DB = None

# Updates of two projects, each (project 1 or 2, message id, time, progress or None), stored in
# this order: times repeat and go back and forth, some figures are missing.
STORED = st.lists(st.tuples(st.sampled_from([1, 2]), st.integers(1, 6),
                            st.sampled_from(["2026-06-01T08:00:00+00:00",
                                             "2026-06-01T08:00:30+00:00",
                                             "2026-06-02T09:00:00+00:00"]),
                            st.one_of(st.none(), st.integers(0, 100))), max_size=12)


@settings(max_examples=60, deadline=None)
@given(updates=STORED, message_id=st.integers(1, 6))
def test_a_figure_is_checked_against_each_projects_newest_other_figure(tmp_path_factory, updates,
                                                                        message_id):
    """What a new figure is checked against: each project's newest figure (by time, then as
    stored), the message's own figures left out (an edit is not checked against itself)."""
    global _DB
    if _DB is None:
        _DB = open_db(tmp_path_factory.mktemp("before") / "bot.db")
        ledger = "code,name,unit\nP-1,One,Unit P\nP-2,Two,Unit P\n"
        assert import_bytes(_DB, ledger.encode(), "l.csv", None, "en").startswith("✅")
    _DB.execute("delete from updates")
    projects = {int(code[-1]): get_project(_DB, code) for code in ("P-1", "P-2")}
    rows = []
    for part, (number, message, at, progress) in enumerate(updates):
        project = projects[number]
        cursor = _DB.execute(
            "insert into updates (project_id, unit_id, author_id, chat_id, message_id, part, "
            "created_at, raw_text, lang, progress) values (?, ?, 1, 7, ?, ?, ?, 'x', 'en', ?)",
            [project["id"], project["unit_id"], message, part, at, progress])
        rows.append((project["id"], message, at, cursor.lastrowid, progress))
    want = {}
    for project_id, message, at, _row_id, progress in sorted(rows, key=lambda r: (r[2], r[3])):
        if progress is not None and message != message_id:
            want[project_id] = {"project_id": project_id, "progress": progress, "created_at": at}
    ids = [projects[2]["id"], projects[1]["id"], projects[2]["id"]]
    assert progress_before(_DB, ids, 7, message_id) == want


@pytest.mark.parametrize(("fields", "previous", "want"), [
    ({"progress": 45.0}, None, []),                                   # a first figure
    ({"progress": 45.0}, before(40), []),
    ({"progress": 70.0}, before(90), []),                             # down 20: allowed
    ({"progress": 69.5}, before(90), ["progress_drop"]),              # down 20.5
    ({"progress": 50.0}, before(90, days_ago=300), ["progress_drop"]),  # at any interval
    ({"progress": 60.0}, before(10), []),                             # up 50 in a day
    ({"progress": 61.0}, before(10), ["progress_jump"]),              # up 51 in a day
    ({"progress": 61.0}, before(10, days_ago=7), ["progress_jump"]),  # within the week
    ({"progress": 61.0}, before(10, days_ago=8), []),                 # over more than a week
    ({"progress": 100.0}, before(None), []),                          # no earlier figure
    ({"stage": "completed"}, None, []),                               # no progress stated
    ({"stage": "completed", "progress": 100.0}, None, []),
    ({"stage": "completed", "progress": 90.0}, None, []),
    ({"stage": "completed", "progress": 89.0}, None, ["completed_low"]),
    ({"stage": "completed", "progress": 60.0}, before(90), ["completed_low", "progress_drop"]),
    ({"stage": "started", "progress": 10.0}, None, []),
    ({"invested": 42_000.0}, None, []),                               # the whole total
    ({"invested": 42_000.5}, None, ["invested_over_total"]),
    ({"invested": 510_000.0, "invested_kind": "cumulative"}, None, ["invested_over_total"]),
    ({"invested": 50_000.0, "invested_kind": "year"}, None, ["invested_over_total"]),
    ({"invested_error": "out_of_range"}, None, ["invested_cap"]),
])
def test_the_rules(fields, previous, want):
    assert codes(previous=previous, **fields) == want


@pytest.mark.parametrize("total", [None, 0.0, -5.0])
def test_without_a_total_investment_no_figure_is_above_it(total):
    assert codes(project={**PROJECT, "total_investment": total}, invested=9e7) == []


def test_the_parser_marks_figures_beyond_the_cap_or_not_numbers():
    """What the cap rule rests on: a figure beyond 100,000,000 万元, or too long to be a finite
    number, is never handed on as a figure."""
    from parsing.status import ProjectRef as Ref
    from parsing.status import parse_message

    refs = (Ref(code="QB-002", name="信创产业基地标准厂房", unit="U", aliases=(), active=True),)
    for figure in ("9" * 400 + "万元", "2000000000000万元", "1" + "0" * 400 + "亿元"):
        [report] = parse_message(f"QB-002 累计完成投资{figure}", refs, "U").reports
        assert report.invested is None and report.invested_error == "out_of_range"
        assert codes(report=report) == ["invested_cap"]
    [fine] = parse_message("QB-002 累计完成投资1亿元", refs, "U").reports
    assert fine.invested == 10_000 and math.isfinite(fine.invested) and not codes(report=fine)


# ------------------------------------------------------------------------------- end to end

@pytest.fixture
def bot(running_bot):
    seed_world(running_bot.db)  # QB-002: total investment 42,000 万元 (4.2亿)
    return running_bot


def buttons(message) -> dict[str, str]:
    return {b["text"]: b["callback_data"]
            for row in message["reply_markup"]["inline_keyboard"] for b in row}


async def asked(bot, text, user=KC, language_code="zh"):
    """Send `text`, expect the question; the question and the queued message's id."""
    queued = bot.api.queue_message(user, text, language_code=language_code)
    [question] = await bot.wait_replies(user, len(bot.api.messages_to(user)), 1)
    assert question["text"].startswith("❓"), question["text"]
    assert len(buttons(question)) == 2
    return question, queued["message"]["message_id"]


def edit(bot, message_id, text, nth):
    """The member's message `message_id` edited to `text`: the `nth` edit, a second apart from
    the others (Telegram's edit_date is in seconds, and tells edits apart)."""
    message = bot.api.message(KC, message_id)
    message.update(text=text, edit_date=int(time.time()) + nth)
    bot.api.queue_raw({"edited_message": message})


async def answer_of(bot, user, data, message_id):
    """Tap a button that answers with an alert only; the alert's text."""
    seen = len(bot.api.callback_answers)
    bot.api.queue_callback(user, data, chat_id=KC, message_id=message_id)
    found = await bot.api.wait_until_async(
        lambda: bot.api.callback_answers[seen:] or None, 10)
    await bot.idle()
    return found[0]["text"]


async def test_each_implausible_case_is_asked_and_nothing_is_stored_before_the_tap(bot):
    await bot.send(KC, "QB-001 进度90%")
    cases = [
        ("QB-002 invested RMB 5.1 billion", "en",
         ["invested so far: CNY 5.1bn",
          "⚠️ investment CNY 5.1bn is more than the project's total investment CNY 420M"]),
        ("QB-002 累计完成投资" + "9" * 400 + "万元", "zh",
         ["⚠️ 完成投资超出上限（1万亿元），这个数字不会记录"]),
        ("QB-001 进度50%", "zh", ["进度 50%", "⚠️ 进度从 90% 降到 50%（下降 40 个百分点）"]),
        ("QB-002 已竣工投产，进度60%", "zh",
         ["进度 60%", "阶段：竣工投产", "⚠️ 写的是竣工投产，但进度只有 60%"]),
    ]
    for text, lang, lines in cases:
        question, _ = await asked(bot, text, language_code=lang)
        for line in lines:
            assert line in question["text"], question["text"]
        assert "inf" not in question["text"]
    [_first] = stored(bot.db)  # only the plausible 90% of before
    await bot.send(KC, "QB-002 进度10%")
    question, _ = await asked(bot, "QB-002 进度70%")  # +60 within a week
    assert "⚠️ 进度 1 天内从 10% 升到 70%（上升 60 个百分点）" in question["text"]
    assert len(stored(bot.db)) == 2


async def test_a_rise_over_more_than_a_week_is_not_asked(bot):
    ten_days_ago = int((datetime.now(UTC) - timedelta(days=10)).timestamp())
    bot.api.queue_message(KC, "QB-002 进度10%", date=ten_days_ago)
    await bot.wait_replies(KC, 0, 1)
    [reply] = await bot.send(KC, "QB-002 进度70%")
    assert reply["text"].startswith("✅ 已记录") and "（较上次 +60）" in reply["text"]


async def test_store_stores_once_and_a_completed_stage_under_100_is_not_done(bot):
    question, _ = await asked(bot, "QB-002 已竣工投产，进度60%")
    store = buttons(question)["✅ 记录"]
    [recorded] = await bot.tap(KC, store, message_id=question["message_id"])
    assert recorded["text"].startswith("✅ 已记录") and "进度 60%" in recorded["text"]
    assert "已完成" not in recorded["text"], recorded["text"]  # the standing is not done
    [row] = stored(bot.db)
    assert (row["code"], row["progress"], row["stage"]) == ("QB-002", 60, "completed")
    edited = bot.api.message(KC, question["message_id"])
    assert edited["text"] == "✅ 已确认，已记录。" and "reply_markup" not in edited
    # a second tap, and the same tap delivered again, store nothing more
    assert await answer_of(bot, KC, store, question["message_id"]) == "该条进展已记录。"
    replay = bot.api.queue_callback(KC, store, chat_id=KC, message_id=question["message_id"])
    bot.api.queue_raw(replay)
    await bot.idle()
    assert len(stored(bot.db)) == 1
    [status] = await bot.send(KC, "/status QB-002")
    assert "✅" not in status["text"].split("\n")[0], status["text"]
    assert "60%" in status["text"]


async def test_cancel_stores_nothing(bot):
    question, _ = await asked(bot, "QB-002 invested RMB 5.1 billion", language_code="en")
    cancel = buttons(question)["✖️ Cancel"]
    seen = len(bot.api.callback_answers)
    bot.api.queue_callback(KC, cancel, chat_id=KC, message_id=question["message_id"])
    await bot.api.wait_until_async(lambda: bot.api.callback_answers[seen:] or None, 10)
    await bot.idle()
    assert stored(bot.db) == []
    assert bot.api.message(KC, question["message_id"])["text"] == "✖️ Cancelled; nothing was stored."
    # the store button of the cancelled question stores nothing either
    store = buttons(question)["✅ Store"]
    assert await answer_of(bot, KC, store, question["message_id"]) == \
        "That update has already been recorded."
    assert stored(bot.db) == []


async def test_nobody_else_may_answer_and_a_made_up_button_does_nothing(bot):
    question, _ = await asked(bot, "QB-002 已竣工投产，进度60%")
    store = buttons(question)["✅ 记录"]
    # the leader, in the member's chat (a copied button): refused, nothing stored
    refused = await answer_of(bot, LEADER, store, question["message_id"])
    assert refused == "⛔ 这不是您的消息，不能替他人选择。"
    pending_id, token = store.split(":")[1:3]
    for forged in (f"iq:{pending_id}:{'x' * len(token)}:s", f"iq:{int(pending_id) + 1}:{token}:s",
                   "iq:1:2", f"iq:{pending_id}:{token}:z"):
        assert await answer_of(bot, KC, forged, question["message_id"]) == \
            "这个按钮已失效，请重新发送命令。"
    assert stored(bot.db) == []
    [recorded] = await bot.tap(KC, store, message_id=question["message_id"])  # still works
    assert recorded["text"].startswith("✅ 已记录")


async def test_an_edit_while_the_question_waits(bot):
    await bot.send(KC, "QB-001 进度90%")
    question, message_id = await asked(bot, "QB-001 进度50%")
    # edited to another implausible figure: the same question, worded anew, buttons kept
    edits = len(bot.api.edits_to(KC))
    edit(bot, message_id, "QB-001 进度40%", 1)
    await bot.api.wait_until_async(lambda: bot.api.edits_to(KC)[edits:] or None, 10)
    await bot.idle()
    now = bot.api.message(KC, question["message_id"])
    assert "⚠️ 进度从 90% 降到 40%" in now["text"] and now["reply_markup"], now
    assert len(stored(bot.db)) == 1
    # edited to a plausible figure: stored at once, the question says so and loses its buttons
    before = len(bot.api.messages_to(KC))
    edit(bot, message_id, "QB-001 进度85%", 2)
    [recorded] = await bot.wait_replies(KC, before, 1)
    assert recorded["text"].startswith("✅ 已记录") and "进度 85%" in recorded["text"]
    await bot.idle()
    closed = bot.api.message(KC, question["message_id"])
    assert "QB-001" in closed["text"] and "reply_markup" not in closed
    assert [r["progress"] for r in stored(bot.db)] == [90, 85]
    # the old buttons store nothing more
    store = buttons(question)["✅ 记录"]
    assert await answer_of(bot, KC, store, question["message_id"]) == "该条进展已记录。"
    assert len(stored(bot.db)) == 2


async def test_an_edit_then_store_stores_the_edited_text(bot):
    await bot.send(KC, "QB-001 进度90%")
    question, message_id = await asked(bot, "QB-001 进度50%")
    edits = len(bot.api.edits_to(KC))
    edit(bot, message_id, "进度40%", 1)  # no project named: the one asked about
    await bot.api.wait_until_async(lambda: bot.api.edits_to(KC)[edits:] or None, 10)
    [recorded] = await bot.tap(KC, buttons(question)["✅ 记录"], message_id=question["message_id"])
    assert "进度 40%（较上次 −50）" in recorded["text"], recorded["text"]
    assert [(r["progress"], r["raw_text"]) for r in stored(bot.db)][-1] == (40, "进度40%")


async def test_an_edit_of_a_stored_update_into_an_implausible_one_is_asked_first(bot):
    queued = bot.api.queue_message(KC, "QB-001 进度45%")
    await bot.wait_replies(KC, 0, 1)
    before = len(bot.api.messages_to(KC))
    edit(bot, queued["message"]["message_id"], "QB-001 已竣工，进度50%", 1)
    [question] = await bot.wait_replies(KC, before, 1)
    assert question["text"].startswith("❓") and "⚠️ 写的是竣工投产" in question["text"]
    [row] = stored(bot.db)
    assert (row["progress"], row["stage"]) == (45, None)  # not corrected before the tap
    [corrected] = await bot.tap(KC, buttons(question)["✅ 记录"],
                                message_id=question["message_id"])
    assert corrected["text"].startswith("✏️ 已更正") and "进度 50%" in corrected["text"]
    [row] = stored(bot.db)
    assert (row["progress"], row["stage"]) == (50, "completed")


async def test_a_restart_between_the_question_and_the_tap(tmp_path, api):
    """The question waits in the database: a bot started anew stores it on the tap."""
    from tests.conftest import started_bot

    async with started_bot(tmp_path, api) as first:
        seed_world(first.db)
        question, _ = await asked(first, "QB-002 已竣工投产，进度60%")
    async with started_bot(tmp_path, api) as second:
        assert stored(second.db) == []
        [recorded] = await second.tap(KC, buttons(question)["✅ 记录"],
                                      message_id=question["message_id"])
        assert recorded["text"].startswith("✅ 已记录")
        [row] = stored(second.db)
        assert (row["progress"], row["stage"]) == (60, "completed")


async def test_a_project_picked_from_the_buttons_is_checked_too(bot):
    await bot.send(KC, "QB-001 进度90%")
    queued = bot.api.queue_message(KC, "本周进度30%")  # which of the unit's two projects?
    [which] = await bot.wait_replies(KC, len(bot.api.messages_to(KC)), 1)
    qb1 = next(data for text, data in buttons(which).items() if text.startswith("QB-001"))
    [question] = await bot.tap(KC, qb1, message_id=which["message_id"])
    assert question["text"].startswith("❓") and "⚠️ 进度从 90% 降到 30%" in question["text"]
    assert "reply_markup" not in bot.api.message(KC, which["message_id"])
    assert len(stored(bot.db)) == 1
    [recorded] = await bot.tap(KC, buttons(question)["✅ 记录"],
                               message_id=question["message_id"])
    assert "进度 30%（较上次 −60）" in recorded["text"], recorded["text"]
    assert [(r["code"], r["progress"], r["message_id"]) for r in stored(bot.db)][-1] == (
        "QB-001", 30, queued["message"]["message_id"])
