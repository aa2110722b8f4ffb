"""End to end over HTTP: problems that get solved — time limits (/problem with a limit,
/deadline), the overdue ladder run by the real JobQueue (the unit, then the leader in charge,
once each, across a restart), and the digest's overdue section."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, date, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from schedules import content
from schedules.ladder import ladder_job
from services.ledger import ledger_rows
from storage import open_db
from storage.people import find_unit, get_person, grant_role, set_language
from storage.settings import set_setting
from tests.conftest import make_config, started_bot
from tests.test_e2e_problems import GXJ_MEMBER, GXJ_MEMBER_2, add_problem, ledger, problems_table
from tests.test_e2e_status import (
    GXJ,
    KCC,
    LEADER,
    MEMBER,
    OTHER_MEMBER,
    TZ,
    TZZX,
    is_one_line_refusal,
    seed,
)

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


# --- the overdue ladder, run by the real JobQueue --------------------------------------------

IN_CHARGE, OTHER_LEADER = 60, 61  # 张区长 (in charge of QB-001/002), 王副区长


def ladder_world(db) -> None:
    seed(db)
    grant_role(db, IN_CHARGE, "leader", name="Zhang", leader_name=" 张区长 ")
    set_language(db, IN_CHARGE, "en")
    grant_role(db, OTHER_LEADER, "leader", name="王", leader_name="王副区长")


def overdue_since(db, problem_id: int, days: int) -> None:
    """The problem's limit `days` days ago (as if the clock had moved on)."""
    db["problems"].update(problem_id, {"due_on": (today() - timedelta(days=days)).isoformat()})


def ladder_events(db) -> list[tuple[int, str]]:
    return [(r["problem_id"], r["kind"]) for r in db.query(
        "select * from problem_events where kind in ('overdue', 'escalated') order by id")]


def texts(api, chat_id) -> list[str]:
    return [m["text"] for m in api.messages_to(chat_id)]


async def wait_for(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_the_ladder_takes_each_step_once_across_a_restart(tmp_path, api):
    db = open_db(tmp_path / "bot.db")
    ladder_world(db)
    late = add_problem(db, "QB-001", "电力接入方案未批复", raised=KCC)
    fresh = add_problem(db, "QB-002", "用地红线待调整", raised=KCC)
    overdue_since(db, late, 3)  # overdue, not yet escalated
    db["problems"].update(fresh, {"due_on": (today() + timedelta(days=5)).isoformat()})
    db.close()
    async with started_bot(tmp_path, api) as bot:  # the start-up run
        await wait_for(lambda: len(api.messages_to(MEMBER)) == 1)
        await bot.idle()
        [notice] = texts(api, MEMBER)
        assert f"问题 #{late} 已超过办理期限" in notice and "电力接入方案未批复" in notice
        assert "7 天后将报告分管领导" in notice
        assert texts(api, IN_CHARGE) == [] and texts(api, OTHER_MEMBER) == []
        assert ladder_events(bot.db) == [(late, "overdue")]
        overdue_since(bot.db, late, 8)  # a week later, while the bot is down
    async with started_bot(tmp_path, api) as bot:
        await wait_for(lambda: len(api.messages_to(IN_CHARGE)) == 1)
        await bot.idle()
        [escalation] = api.messages_to(IN_CHARGE)
        assert escalation["text"].startswith(f"🚨 <b>Overdue: problem #{late} is 8 days past")
        assert f"To act: {KCC}" in escalation["text"] and "电力接入方案未批复" in escalation["text"]
        [[button]] = escalation["reply_markup"]["inline_keyboard"]
        assert (button["text"], button["callback_data"]) == ("Open /status QB-001", "st:QB-001")
        assert len(api.messages_to(MEMBER)) == 1  # the unit is not told twice
        assert texts(api, OTHER_LEADER) == [] and texts(api, LEADER) == []  # not in charge
        assert ladder_events(bot.db) == [(late, "overdue"), (late, "escalated")]
        # The button answers /status QB-001 for the leader who taps it.
        [status] = await bot.tap(IN_CHARGE, "st:QB-001", message_id=escalation["message_id"])
        assert "QB-001" in status["text"] and "科创城卫星互联网产业园一期" in status["text"]
        # A forged tap: a member of another unit asking for this project sees nothing.
        answers = len(api.callback_answers)
        before = len(api.messages_to(IN_CHARGE))
        api.queue_callback(OTHER_MEMBER, "st:QB-001", chat_id=IN_CHARGE,
                           message_id=escalation["message_id"])
        await bot.idle()
        answer = api.callback_answers[answers]
        assert answer["show_alert"] and "QB-001" not in answer["text"]
        assert len(api.messages_to(IN_CHARGE)) == before
    async with started_bot(tmp_path, api) as bot:  # a third start: nothing again
        await bot.idle(quiet=1.0)
        assert len(api.messages_to(IN_CHARGE)) == 2 and len(api.messages_to(MEMBER)) == 1
        assert len(api.messages_to(OTHER_MEMBER)) == 0
        assert ladder_events(bot.db) == [(late, "overdue"), (late, "escalated")]


async def test_the_daily_job_fires_on_its_schedule(tmp_path, api):
    db = open_db(tmp_path / "bot.db")
    ladder_world(db)
    # An hour ahead, and the clock moved there by the scheduler's public API: a loaded machine
    # can neither make the run early nor let the moment pass before the problem exists.
    moment = (datetime.now(TZ) + timedelta(hours=1)).replace(microsecond=0)
    set_setting(db, "ladder_schedule", f"daily {moment:%H:%M:%S}", None)
    db.close()
    async with started_bot(tmp_path, api) as bot:
        [job] = bot.application.job_queue.get_jobs_by_name("problem ladder")
        assert isinstance(job.trigger, CronTrigger)
        assert job.next_t == moment
        await bot.idle()
        problem = add_problem(bot.db, "QB-003", "土地指标未落实", raised=TZZX)
        overdue_since(bot.db, problem, 1)  # became overdue after the start-up run
        await bot.idle()
        assert texts(api, OTHER_MEMBER) == []  # nothing before the moment
        job.job.modify(next_run_time=datetime.now(TZ))  # the moment has come
        await wait_for(lambda: len(api.messages_to(OTHER_MEMBER)) == 1)
        assert f"问题 #{problem} 已超过办理期限" in texts(api, OTHER_MEMBER)[0]
        assert texts(api, MEMBER) == []  # nothing of another unit
        assert job.next_t == moment  # and still on its schedule


async def test_the_digest_lists_overdue_problems_by_unit(tmp_path, api):
    db = open_db(tmp_path / "bot.db")
    ladder_world(db)
    first = add_problem(db, "QB-001", "电力接入方案未批复", raised=KCC)
    second = add_problem(db, "QB-003", "土地指标未落实", raised=TZZX)
    overdue_since(db, first, 2)
    overdue_since(db, second, 9)
    config = make_config(tmp_path, api)
    for lang in ("zh", "en"):
        data = content.digest_data(db, config, datetime.now(TZ), dry_run=True)
        text = "\n".join(content.escalation_pages(data, lang))
        if lang == "zh":
            assert "督办：逾期问题（2）" in text
            assert text.index(TZZX) < text.index(KCC)  # the most overdue first
            assert f"#{second} <code>QB-003</code> 土地指标未落实（逾期9天）" in text
        else:
            assert "Overdue problems (2)" in text and "(2 days overdue)" in text
    db.close()


# --- leaders in charge -----------------------------------------------------------------------

async def test_a_leader_invited_by_name_gets_their_projects(ledger):
    bot, db = ledger, ledger.db
    [link] = await bot.send(1, "/invite leader  张区长 ")
    assert "张区长" in link["text"]
    code = re.search(r"start=([\w-]+)", link["text"]).group(1)
    [joined] = await bot.send(80, f"/start {code}", language_code="en")
    assert joined["text"].startswith("✅ Joined as leader")
    assert get_person(db, 80)["leader_name"] == "张区长"
    problem = add_problem(db, "QB-001", "电力接入方案未批复", raised=KCC)
    overdue_since(db, problem, 4)
    [mine] = await bot.send(80, "/mine", language_code="en")
    text = mine["text"]
    assert text.startswith("<b>📋 Projects in 张区长's charge</b> (2)")
    assert "QB-001" in text and "QB-002" in text and "QB-003" not in text
    assert f"🔥 #{problem} 电力接入方案未批复 (4 days overdue)" in text
    # A leader with no name still sees everything (/status), and /mine says how to link.
    [unlinked] = await bot.send(LEADER, "/mine")
    assert unlinked["text"].startswith("ℹ️ 您的账号还没有对应台账中的分管领导姓名")
    [everything] = await bot.send(LEADER, "/status")
    assert "QB-003" in everything["text"] or "区投资促进服务中心" in everything["text"]
    # Members may not; /settings lists the names nobody is linked to.
    [refused] = await bot.send(MEMBER, "/mine")
    assert refused["text"] == "⛔ /mine 仅限管理员、领导使用，您的身份是单位成员。"
    [settings] = await bot.send(1, "/settings")
    assert "未关联账号的分管领导：李副区长、王副区长" in settings["text"]
    # Their weekly digest starts with their projects; another leader's does not.
    config = bot.application.bot_data["config"]
    data = content.digest_data(db, config, datetime.now(TZ), dry_run=True)
    plan = content.digest_plan(data, render_chart=False)
    payloads = {chat: payload for chat, _, payload in plan.items}
    assert payloads[80]["parts"][0]["text"].startswith("<b>📋 Projects in 张区长's charge</b>")
    assert not payloads[LEADER]["parts"][0]["text"].startswith("<b>📋")


def test_grant_names_the_leader_in_charge(tmp_path):
    from tests.test_cli import SAMPLES, run

    path = tmp_path / "x.db"
    assert run("import", str(SAMPLES / "ledger_zh.csv"), "--db", str(path)).returncode == 0
    result = run("--db", str(path), "grant", "42", "leader", "--name", " 张区长 ")
    assert result.returncode == 0 and "in charge as '张区长'" in result.stdout
    db = open_db(path)
    assert get_person(db, 42)["leader_name"] == "张区长"
    db.close()
    refused = run("--db", str(path), "grant", "43", "member", "--unit", "科创城管委会",
                  "--name", "张区长")
    assert refused.returncode == 2 and "--name is for leaders" in refused.stderr


# --- confirmed closing, evidence and history -------------------------------------------------

async def test_evidence_auto_confirmation_and_history(ledger):
    bot, db, api = ledger, ledger.db, ledger.api
    problem = add_problem(db, "QB-001", "需工信局协调电力", raised=KCC, acting=GXJ)
    due = today() + timedelta(days=10)
    await bot.send(LEADER, f"/deadline {problem} {due.isoformat()}")
    [notice] = api.messages_to(GXJ_MEMBER)
    updates = db["updates"].count
    # A photo in reply to the bot's message about the problem is its evidence.
    [kept] = await bot.send(GXJ_MEMBER, caption="供电方案批复", photo=True,
                            reply_to_message_id=notice["message_id"], language_code="en")
    assert kept["text"] == f"📎 Attached to problem #{problem} as evidence."
    [evidence] = [r for r in db.query("select * from problem_events where kind = 'evidence'")]
    assert evidence["problem_id"] == problem and evidence["actor_id"] == GXJ_MEMBER
    assert db["updates"].count == updates  # not taken for a status update
    # A photo replying to some other message of the bot is no evidence.
    [reply] = await bot.send(GXJ_MEMBER, "/whoami")
    await bot.send(GXJ_MEMBER, caption="x", photo=True, reply_to_message_id=reply["message_id"])
    assert db["problem_events"].count_where("kind = 'evidence'") == 1
    # Resolved by the acting unit, then nobody answers for confirm_days: it closes by itself.
    [done] = await bot.send(GXJ_MEMBER, f"/resolve {problem} 已协调")
    assert "等待提出方确认销号" in done["text"]
    [ask] = api.messages_to(MEMBER)[-1:]
    assert "7 天内未答复将自动销号" in ask["text"]
    long_ago = (datetime.now(TZ) - timedelta(days=8)).astimezone(UTC).isoformat(timespec="seconds")
    db["problems"].update(problem, {"resolved_at": long_ago})
    bot.application.job_queue.run_once(ladder_job, 0)  # the daily run, now
    await wait_for(lambda: problems_table(db)[0]["status"] == "resolved")
    row = problems_table(db)[0]
    assert (row["confirmation"], row["confirmed_by"]) == ("auto", None)
    # A late tap on the raiser's buttons changes nothing.
    answers = len(api.callback_answers)
    api.queue_callback(MEMBER, ask["reply_markup"]["inline_keyboard"][0][1]["callback_data"],
                       chat_id=MEMBER, message_id=ask["message_id"])
    await bot.idle()
    assert api.callback_answers[answers]["text"].startswith("⛔ 这个按钮已失效")
    assert problems_table(db)[0]["status"] == "resolved"
    # /problem <id>: the whole history.
    [history] = await bot.send(MEMBER, f"/problem {problem}")
    text = history["text"]
    assert text.startswith(f"<b>问题 #{problem}</b> <code>QB-001</code>")
    assert "状态：已销号" in text and f"期限 {due.isoformat()}" in text
    for line in (f"期限改为 {due.isoformat()}（User2）", "📎 佐证材料 photo（User310）供电方案批复",
                 "办结（User310）：已协调", "✅ 超期未确认，自动销号"):
        assert line in text, line
    assert text.index("期限改为") < text.index("佐证") < text.index("办结") < text.index("自动销号")
    [refused] = await bot.send(OTHER_MEMBER, f"/problem {problem}")
    assert is_one_line_refusal(refused["text"]) and "电力" not in refused["text"]


# --- what was closed, and the export ---------------------------------------------------------

async def test_closed_problems_and_the_export(ledger):
    bot, db, api = ledger, ledger.db, ledger.api
    mine = add_problem(db, "QB-001", "电力接入", raised=KCC, acting=GXJ)
    theirs = add_problem(db, "QB-003", "土地指标", raised=TZZX)
    late = add_problem(db, "QB-001", "红线调整", raised=KCC)
    overdue_since(db, late, 5)
    await bot.send(LEADER, f"/resolve {theirs} 已落实")  # a leader: closed at once
    await bot.send(GXJ_MEMBER, f"/resolve {mine} 已接入")
    ask = api.messages_to(MEMBER)[-1]
    await bot.tap(MEMBER, ask["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
                  message_id=ask["message_id"])
    [closed] = await bot.send(LEADER, "/problems closed", language_code="en")
    text = closed["text"]
    assert text.startswith("<b>✅ Problems closed in the last 30 days</b> (2)")
    assert f"#{mine}</b> <code>QB-001</code> 电力接入" in text and "confirmed by User300" in text
    assert f"#{theirs}</b>" in text and "closed by leader User2" in text
    [members] = await bot.send(MEMBER, "/problems 已销号")
    assert f"#{mine}</b>" in members["text"] and "土地指标" not in members["text"]
    [outsider] = await bot.send(OTHER_MEMBER, "/problems closed")
    assert "电力接入" not in outsider["text"] and f"#{theirs}</b>" in outsider["text"]
    # The export carries each project's problems with limit, status and days overdue.
    rows = ledger_rows(db, bot.application.bot_data["config"])
    [qb1] = [r for r in rows if r["code"] == "QB-001"]
    assert qb1["overdue_problems"] == 1
    assert f"#{late} open due {(today() - timedelta(days=5)).isoformat()} overdue 5: 红线调整" \
        in qb1["problems"]
    assert "电力接入" not in qb1["problems"]  # closed


async def test_settings_reschedule_the_ladder_and_refuse_bad_values(running_bot):
    bot = running_bot
    [saved] = await bot.send(1, "/settings ladder_schedule daily 07:30", language_code="en")
    assert "ladder_schedule" in saved["text"] and "daily 07:30" in saved["text"]
    [job] = bot.application.job_queue.get_jobs_by_name("problem ladder")
    assert str(job.trigger.fields[5]) == "7" and str(job.trigger.fields[6]) == "30"  # hour, min
    [bad] = await bot.send(1, "/settings problem_days 0", language_code="en")
    assert "problem_days" in bad["text"] and "at least 1" in bad["text"]
    [shown] = await bot.send(1, "/settings")
    for line in ("problem_days", "escalate_days", "confirm_days", "ladder_schedule"):
        assert line in shown["text"]
