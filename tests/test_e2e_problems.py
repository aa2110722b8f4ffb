"""End to end over HTTP: the problems ledger — /problems, /problem, /assign, /resolve — for a
leader, members of the units involved, and outsiders; notices; bad input changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from storage.people import find_unit, grant_role
from storage.projects import get_project
from tests.test_e2e_status import (
    GXJ,
    KCC,
    LEADER,
    MEMBER,
    OTHER_MEMBER,
    TZ,
    TZZX,
    ZJJ,
    add_update,
    is_one_line_refusal,
    seed,
)

GXJ_MEMBER, GXJ_MEMBER_2, ZJJ_GROUP = 310, 311, -100200


def problems_table(db) -> list[dict]:
    return [dict(r) for r in db["problems"].rows_where(order_by="id")]


def add_problem(db, code: str, text: str, days_ago: float = 0, acting: str | None = None,
                raised: str | None = None, opened_by: int | None = MEMBER) -> int:
    at = datetime.now(TZ) - timedelta(days=days_ago)
    return db["problems"].insert({
        "project_id": get_project(db, code)["id"], "text": text, "status": "open",
        "opened_by": opened_by, "created_at": at.isoformat(timespec="seconds"),
        "acting_unit_id": find_unit(db, acting)["id"] if acting else None,
        "raised_unit_id": find_unit(db, raised)["id"] if raised else None,
    }).last_pk


@pytest.fixture
def ledger(running_bot):
    db = running_bot.db
    seed(db)
    grant_role(db, GXJ_MEMBER, "member", find_unit(db, GXJ)["id"], name="工信小赵")
    grant_role(db, GXJ_MEMBER_2, "member", find_unit(db, GXJ)["id"], name="工信小钱")
    return running_bot


async def test_member_opens_a_problem_and_everyone_sees_what_is_theirs(ledger):
    bot, db = ledger, ledger.db
    [reply] = await bot.send(MEMBER, "/problem QB-001 电力接入方案未批复 <需协调>")
    text = reply["text"]
    assert text.startswith("✅ 已登记问题 #1：<code>QB-001</code> 科创城卫星互联网产业园一期")
    assert "电力接入方案未批复 &lt;需协调&gt;" in text and f"办理单位：{KCC}" in text
    [row] = problems_table(db)
    kcc = find_unit(db, KCC)["id"]
    assert (row["status"], row["opened_by"], row["raised_unit_id"], row["acting_unit_id"]) == (
        "open", MEMBER, kcc, kcc)
    # A problem found in a status update (same table, no acting unit yet), 20 days old.
    update_id = add_update(db, "QB-003", 40, text="QB-003 进度40%。问题：土地指标未落实",
                           author=OTHER_MEMBER)
    db["problems"].insert({"project_id": get_project(db, "QB-003")["id"], "text": "土地指标未落实",
                           "status": "open", "opened_by": OTHER_MEMBER, "update_id": update_id,
                           "raised_unit_id": find_unit(db, TZZX)["id"], "created_at":
                           (datetime.now(TZ) - timedelta(days=20)).isoformat(timespec="seconds")})
    [everything] = await bot.send(LEADER, "/problems")
    text = everything["text"]
    assert "未解决问题</b>（2）" in text
    assert text.index("#2") < text.index("#1")  # overdue first
    # Found in an update: due problem_days (14) after it was opened, so 6 days overdue.
    assert "20天 🔥逾期6天" in text and "土地指标未落实" in text and f"办理：{TZZX}" in text
    assert f"期限 {(datetime.now(TZ) - timedelta(days=6)).date().isoformat()}" in text
    [mine] = await bot.send(MEMBER, "/problems")
    assert "电力接入方案未批复" in mine["text"] and "土地指标" not in mine["text"]
    [theirs] = await bot.send(OTHER_MEMBER, "/problems")
    assert "土地指标" in theirs["text"] and "电力接入" not in theirs["text"]
    [none] = await bot.send(GXJ_MEMBER, "/problems", language_code="en")
    assert none["text"].endswith("No open problems 👍")
    [refused] = await bot.send(MEMBER, f"/problems {TZZX}")
    assert is_one_line_refusal(refused["text"]) and "土地" not in refused["text"]
    [by_unit] = await bot.send(LEADER, f"/problems {TZZX}")
    assert "土地指标" in by_unit["text"] and "电力接入" not in by_unit["text"]
    # The project view lists its open problems.
    [project] = await bot.send(LEADER, "/status QB-003")
    assert "未解决问题（1）" in project["text"] and "土地指标未落实（20天" in project["text"]


async def test_member_may_not_open_a_problem_for_another_unit(ledger):
    [refused] = await ledger.send(MEMBER, "/problem QB-003 土地指标未落实")
    assert is_one_line_refusal(refused["text"]) and "新能源" not in refused["text"]
    assert problems_table(ledger.db) == []


async def test_leader_opens_a_problem_and_the_unit_is_told(ledger):
    bot, api = ledger, ledger.api
    [reply] = await bot.send(LEADER, "/problem QB-004 环评批复滞后")
    assert "已私信通知 2 人" in reply["text"]
    for member in (GXJ_MEMBER, GXJ_MEMBER_2):
        [notice] = api.messages_to(member)
        assert "新问题 #1" in notice["text"] and "环评批复滞后" in notice["text"]
        assert "User2" in notice["text"] and "/resolve 1" in notice["text"]


async def test_assign_tells_the_unit_group_or_members(ledger):
    bot, db, api = ledger, ledger.db, ledger.api
    problem = add_problem(db, "QB-001", "需规划局调整用地红线", raised=KCC, acting=KCC)
    # Members first: the industry bureau has no group; each member is told privately.
    [reply] = await bot.send(LEADER, f"/assign {problem} {GXJ}")
    assert reply["text"] == f"✅ 问题 #{problem} 已交办给 {GXJ}。已私信通知 2 人。"
    [notice] = api.messages_to(GXJ_MEMBER)
    assert f"交办问题 #{problem}" in notice["text"] and "需规划局调整用地红线" in notice["text"]
    assert problems_table(db)[0]["acting_unit_id"] == find_unit(db, GXJ)["id"]
    assert problems_table(db)[0]["assigned_at"]
    # A unit with a bound group is told there, once.
    await bot.send(1, f"/bind {ZJJ}", chat_id=ZJJ_GROUP, chat_type="group")
    [reply] = await bot.send(LEADER, f"/assign #{problem} {ZJJ}", language_code="en")
    assert reply["text"] == f"✅ Problem #{problem} handed to {ZJJ}. Its group chat has been told."
    notice = api.messages_to(ZJJ_GROUP)[-1]
    assert f"交办问题 #{problem}" in notice["text"]
    # Asked in that group itself, the answer there is what tells it: one message, not two.
    before = len(api.messages_to(ZJJ_GROUP))
    [reply] = await bot.send(LEADER, f"/assign {problem} {ZJJ}", chat_id=ZJJ_GROUP,
                             chat_type="group", language_code="en")
    assert reply["text"] == f"✅ Problem #{problem} handed to {ZJJ}. Its group chat has been told."
    await bot.idle()
    assert len(api.messages_to(ZJJ_GROUP)) == before + 1
    # A unit with nobody to tell.
    [reply] = await bot.send(LEADER, f"/assign {problem} {TZZX}")
    assert "已私信通知 1 人" in reply["text"]  # OTHER_MEMBER
    # Members may not assign.
    [refused] = await bot.send(MEMBER, f"/assign {problem} {KCC}")
    assert refused["text"] == "⛔ /assign 仅限管理员、领导使用，您的身份是单位成员。"


async def test_resolve_by_the_acting_unit_tells_the_raising_unit(ledger):
    bot, db, api = ledger, ledger.db, ledger.api
    problem = add_problem(db, "QB-001", "需工信局协调电力", raised=KCC, acting=GXJ)
    # The raising unit's member cannot resolve it (their unit is not the one to act).
    [not_yours] = await bot.send(MEMBER, f"/resolve {problem} 已解决")
    assert not_yours["text"] == f"⛔ 问题 #{problem} 由“{GXJ}”办理，只有该单位或领导可以办结。"
    # A member of an unrelated unit: refused without data.
    [refused] = await bot.send(OTHER_MEMBER, f"/resolve {problem}")
    assert is_one_line_refusal(refused["text"]) and "电力" not in refused["text"]
    assert problems_table(db)[0]["status"] == "open"
    before = len(api.messages_to(MEMBER))
    [done] = await bot.send(GXJ_MEMBER, f"/resolve {problem} 已协调供电公司 & 完成接入")
    assert done["text"] == f"✅ 问题 #{problem} 已办结，等待提出方确认销号。已私信通知 1 人。"
    row = problems_table(db)[0]
    assert (row["status"], row["resolved_by"], row["resolution"]) == (
        "awaiting", GXJ_MEMBER, "已协调供电公司 & 完成接入")
    [notice] = api.messages_to(MEMBER)[before:]
    assert f"问题 #{problem} 已办结，请确认销号" in notice["text"]
    assert "已协调供电公司 &amp; 完成接入" in notice["text"]
    assert f"User310（{GXJ}）" in notice["text"]
    # The raising unit confirms (销号): closed.
    [confirm, _] = notice["reply_markup"]["inline_keyboard"][0]
    [closed] = await bot.tap(MEMBER, confirm["callback_data"], message_id=notice["message_id"])
    assert closed["text"].startswith(f"✅ 问题 #{problem} 已确认销号。")
    row = problems_table(db)[0]
    assert (row["status"], row["confirmed_by"], row["confirmation"]) == (
        "resolved", MEMBER, "raiser")
    # It is gone from /problems; resolving again changes nothing.
    [listing] = await bot.send(LEADER, "/problems")
    assert "需工信局协调电力" not in listing["text"]
    [again] = await bot.send(LEADER, f"/resolve {problem} 再次")
    assert again["text"].startswith(f"⛔ 问题 #{problem} 已于 ") and "未作改动" in again["text"]
    assert problems_table(db)[0]["resolution"] == "已协调供电公司 & 完成接入"


async def test_leader_resolves_a_problem_the_leader_raised(ledger):
    bot, db, api = ledger, ledger.db, ledger.api
    problem = add_problem(db, "QB-002", "厂房设计变更", acting=KCC, opened_by=LEADER)
    [done] = await bot.send(MEMBER, f"/resolve {problem}")
    assert done["text"] == f"✅ 问题 #{problem} 已办结，等待提出方确认销号。已通知提出人。"
    [notice] = api.messages_to(LEADER)[-1:]
    assert "厂房设计变更" in notice["text"] and "（未填写）" in notice["text"]
    # The raising leader reopens it: open again, the reason asked for and passed on.
    [_, reopen] = notice["reply_markup"]["inline_keyboard"][0]
    [asked] = await bot.tap(LEADER, reopen["callback_data"], message_id=notice["message_id"])
    assert asked["text"].startswith(f"↩️ 问题 #{problem} 已退回办理单位。已私信通知 1 人。")
    assert "请回复本消息说明退回原因" in asked["text"]
    assert problems_table(db)[0]["status"] == "open"
    [told] = api.messages_to(MEMBER)[-1:]
    assert f"问题 #{problem} 被退回" in told["text"]
    [saved] = await bot.send(LEADER, "图纸仍未报审", reply_to_message_id=asked["message_id"])
    assert saved["text"] == f"✅ 已记录问题 #{problem} 的退回原因。已私信通知 1 人。"
    [reason] = api.messages_to(MEMBER)[-1:]
    assert "退回原因：图纸仍未报审" in reason["text"]
    # The old buttons are stale now: a second tap changes nothing.
    answers = len(api.callback_answers)
    api.queue_callback(LEADER, notice["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
                       chat_id=LEADER, message_id=notice["message_id"])
    await bot.idle()
    assert api.callback_answers[answers]["text"].startswith("⛔ 这个按钮已失效")
    assert problems_table(db)[0]["status"] == "open"


@pytest.mark.parametrize("user, command, answer", [
    (MEMBER, "/problem", "用法：/problem 项目编号 问题内容"),
    (MEMBER, "/problem QB-001", "用法：/problem 项目编号 问题内容"),
    (MEMBER, "/problem QB-999 电力", "⛔ 没有编号为“QB-999”的项目。"),
    (MEMBER, "/problem QB-001 " + "长" * 1001, "⛔ 问题内容太长（最多 1000 字）"),
    (LEADER, "/assign", "用法：/assign 问题号 单位名称"),
    (LEADER, "/assign 1", "用法：/assign 问题号 单位名称"),
    (LEADER, "/assign abc 区工业和信息化局", "用法：/assign 问题号 单位名称"),
    (LEADER, "/assign 999 区工业和信息化局", "⛔ 没有问题 #999。"),
    (LEADER, "/assign 1 不存在的局", "⛔ 没有名为“不存在的局”的单位。现有单位："),
    (LEADER, "/resolve", "用法：/resolve 问题号 [办理情况]"),
    (LEADER, "/resolve x1", "用法：/resolve 问题号 [办理情况]"),
    (LEADER, "/resolve 999 好了", "⛔ 没有问题 #999。"),
    (LEADER, "/status 不存在", "⛔ 没有编号或名称为“不存在”的项目或单位。"),
    (LEADER, "/lagging 不存在的局", "⛔ 没有名为“不存在的局”的单位。"),
    (LEADER, "/problems 不存在的局", "⛔ 没有名为“不存在的局”的单位。"),
])
async def test_bad_input_gets_one_line_and_changes_nothing(ledger, user, command, answer):
    db = ledger.db
    add_problem(db, "QB-001", "已有问题", raised=KCC, acting=KCC)
    before = problems_table(db)
    audit = db["audit"].count
    [reply] = await ledger.send(user, command)
    assert reply["text"].startswith(answer), reply["text"]
    assert "\n" not in reply["text"]
    assert problems_table(db) == before and db["audit"].count == audit
