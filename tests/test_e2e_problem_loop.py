"""End to end over HTTP: problems that get solved — time limits (/problem with a limit,
/deadline), the overdue ladder run by the real JobQueue (the unit, then the leader in charge,
once each, across a restart), and the digest's overdue section."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from storage.people import find_unit
from tests.test_e2e_problems import GXJ_MEMBER, GXJ_MEMBER_2, add_problem, ledger, problems_table
from tests.test_e2e_status import KCC, LEADER, MEMBER, OTHER_MEMBER, TZ, is_one_line_refusal

__all__ = ["ledger"]  # the fixture, used by name


def today() -> date:
    return datetime.now(TZ).date()


async def test_a_limit_written_in_the_problem_is_kept_and_shown(ledger):
    bot, db = ledger, ledger.db
    due = today() + timedelta(days=2)
    [reply] = await bot.send(MEMBER, f"/problem QB-001 电力接入方案未批复 限期{due.isoformat()}")
    assert "电力接入方案未批复" in reply["text"] and "限期" not in reply["text"]
    assert f"办理期限：{due.isoformat()}" in reply["text"]
    [row] = problems_table(db)
    assert (row["text"], row["due_on"]) == ("电力接入方案未批复", due.isoformat())
    # Without a limit: problem_days (14) from opening.
    [reply] = await bot.send(MEMBER, "/problem QB-002 用地指标未下达", language_code="en")
    assert f"Due: {(today() + timedelta(days=14)).isoformat()}" in reply["text"]
    assert problems_table(db)[1]["due_on"] is None
    [listing] = await bot.send(LEADER, "/problems")
    assert "#1</b> 0天 ⏰" in listing["text"]  # due within 3 days
    assert f"期限 {due.isoformat()}" in listing["text"]
    # A limit with nothing else is no problem: usage, nothing stored.
    [usage] = await bot.send(MEMBER, "/problem QB-001 by 15 Dec", language_code="en")
    assert usage["text"].startswith("Usage") or "/problem CODE TEXT" in usage["text"]
    assert len(problems_table(db)) == 2


async def test_deadline_changes_the_limit_and_tells_the_acting_unit(ledger):
    bot, db, api = ledger, ledger.db, ledger.api
    problem = add_problem(db, "QB-004", "环评批复滞后")
    due = today() + timedelta(days=30)
    [reply] = await bot.send(LEADER, f"/deadline {problem} {due.isoformat()}")
    assert reply["text"] == f"✅ 问题 #{problem} 的办理期限改为 {due.isoformat()}。已私信通知 2 人。"
    for member in (GXJ_MEMBER, GXJ_MEMBER_2):
        [notice] = api.messages_to(member)
        assert f"问题 #{problem} 办理期限调整为 {due.isoformat()}" in notice["text"]
    assert problems_table(db)[0]["due_on"] == due.isoformat()
    # Members may not; a bad or past date changes nothing.
    [refused] = await bot.send(GXJ_MEMBER, f"/deadline {problem} 2030-01-01")
    assert refused["text"] == "⛔ /deadline 仅限管理员、领导使用，您的身份是单位成员。"
    [bad] = await bot.send(LEADER, f"/deadline {problem} someday", language_code="en")
    assert bad["text"].startswith("⛔ “someday” is not a date")
    [past] = await bot.send(LEADER, f"/deadline {problem} 2020-01-01")
    assert past["text"].startswith("⛔ 2020-01-01 已经过去")
    [unknown] = await bot.send(LEADER, "/deadline 999 2030-01-01")
    assert unknown["text"].startswith("⛔ 没有问题 #999")
    assert problems_table(db)[0]["due_on"] == due.isoformat()
    # In another unit's group, a leader sees nothing of this problem.
    await bot.send(1, f"/bind {KCC}", chat_id=-100300, chat_type="group")
    [hidden] = await bot.send(LEADER, f"/deadline {problem} 2030-01-01", chat_id=-100300,
                              chat_type="group")
    assert is_one_line_refusal(hidden["text"]) and "环评" not in hidden["text"]
    assert problems_table(db)[0]["due_on"] == due.isoformat()
    assert OTHER_MEMBER not in {m["chat_id"] for m in api.sent if "环评" in (m["text"] or "")}
    assert find_unit(db, KCC)
