"""Attacks from outside and careless operation, end to end (issue 18): each attack against the
real bot, and what the user — or the operator — sees instead of harm."""

from __future__ import annotations

import asyncio
import resource
import time

import pytest

from storage.projects import list_projects
from tests.attacks import xlsx_bomb, zip_bomb
from tests.conftest import ADMIN, LEADER, seed_ledger

MEMBER = 301  # a member of unit A


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def test_a_spreadsheet_declaring_a_huge_sheet_is_refused_and_others_are_answered(
        running_bot):
    """A 1.6 KB .xlsx declaring 16,384 columns × 25,000 rows: refused with one line within
    seconds, the bot's memory hardly grows, and another chat is answered meanwhile."""
    seed_ledger(running_bot.db)
    before = [dict(p) for p in list_projects(running_bot.db)]
    peak, start = peak_rss_mb(), time.monotonic()
    bomb = running_bot.send(ADMIN, caption="/import", document=("l.xlsx", xlsx_bomb()),
                            language_code="en", timeout=30)
    other = running_bot.send(MEMBER, "/whoami", language_code="en", timeout=5)
    [refusal], [answer] = await asyncio.gather(bomb, other)
    took, grew = time.monotonic() - start, peak_rss_mb() - peak
    print(f"xlsx bomb refused in {took:.2f} s, peak RSS +{grew:.0f} MB")
    assert refusal["text"].startswith("⛔") and "more columns than the limit of 64" in refusal["text"]
    assert answer["text"]
    assert took < 10 and grew < 200
    assert [dict(p) for p in list_projects(running_bot.db)] == before


async def test_a_spreadsheet_unpacking_to_hundreds_of_megabytes_is_refused(running_bot):
    [refusal] = await running_bot.send(ADMIN, caption="/import",
                                       document=("l.xlsx", zip_bomb()), language_code="en")
    assert "unpacks to more than 64 MB" in refusal["text"]


# ---------------------------------------------------------------------------- supergroups

GROUP, SUPERGROUP = -4001, -1004001
UNIT_A, UNIT_B = "科创城管委会", "区投资促进服务中心"
MEMBER_B = 302


async def bound_group(bot) -> None:
    from storage.people import find_unit, grant_role

    seed_ledger(bot.db)
    grant_role(bot.db, LEADER, "leader", name="王市长")
    grant_role(bot.db, MEMBER_B, "member", find_unit(bot.db, UNIT_B)["id"], name="投促小陈")
    [bound] = await bot.send(ADMIN, f"/bind {UNIT_A}", chat_id=GROUP)
    assert bound["text"].startswith("✅")


async def assert_scoped_to_unit_a(bot) -> None:
    """In the upgraded group, still unit A's only: a leader's /status is unit A's, another
    unit's project is refused, and another unit's member's update is not stored."""
    [status] = await bot.send(LEADER, "/status", chat_id=SUPERGROUP)
    assert UNIT_A in status["text"] and UNIT_B not in status["text"], status["text"]
    [other] = await bot.send(LEADER, "/status QB-003", chat_id=SUPERGROUP)
    assert other["text"].startswith("⛔") and "QB-003" not in other["text"]
    [refused] = await bot.send(MEMBER_B, "/update QB-003 进度51%", chat_id=SUPERGROUP)
    assert refused["text"].startswith("⛔")
    assert bot.db.execute("select count(*) from updates").fetchone()[0] == 0


async def test_a_group_upgraded_to_a_supergroup_keeps_its_unit(running_bot):
    """Telegram's migrate_to_chat_id / migrate_from_chat_id messages move the binding."""
    await bound_group(running_bot)
    running_bot.api.migrate_chat(GROUP, SUPERGROUP, user_id=ADMIN)
    await running_bot.idle()
    await assert_scoped_to_unit_a(running_bot)


async def test_an_answer_refused_as_group_upgraded_moves_the_binding(running_bot):
    """No migration message seen (missed while the bot was down): the 400 "group chat was
    upgraded" answer with migrate_to_chat_id moves the binding."""
    await bound_group(running_bot)
    running_bot.api.migrate_chat(GROUP, SUPERGROUP, user_id=ADMIN, announce=False)
    running_bot.api.queue_message(LEADER, "/status", chat_id=GROUP)  # sent before the upgrade
    await running_bot.idle()
    await assert_scoped_to_unit_a(running_bot)


# ---------------------------------------------------------------------------- admins


async def test_an_id_taken_out_of_bot_admins_is_no_admin_after_a_restart(tmp_path, api):
    """BOT_ADMINS is the authority: the configured admin stored at first contact is removed
    at the next start without their id; an admin granted by command stays."""
    from storage import open_db
    from storage.people import get_person, grant_role
    from tests.conftest import started_bot

    async with started_bot(tmp_path, api) as bot:
        [hello] = await bot.send(ADMIN, "/settings")
        assert "stale_days" in hello["text"]
        grant_role(bot.db, 7, "admin")  # from the command line: not BOT_ADMINS' to take back
    assert get_person(open_db(tmp_path / "bot.db"), ADMIN)["granted_by"] == "config"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tests.conftest.ADMIN", 999_999)  # BOT_ADMINS without the old admin
        async with started_bot(tmp_path, api) as bot:
            [refused] = await bot.send(ADMIN, "/settings")
            assert refused["text"].startswith("⛔"), refused["text"]
            assert get_person(bot.db, ADMIN) is None
            assert get_person(bot.db, 7)["role"] == "admin"


# ---------------------------------------------------------------------------- settings

OUT_OF_RANGE = {"catchup_hours": ["99999999999", "-1", "721"], "stale_days": ["0", "366"],
                "lag_points": ["0", "101", "9" * 400],
                "holidays": [",".join(f"2027-{m:02}-{d:02}" for m in range(1, 13)
                                      for d in range(1, 29)) + ",2028-01-01" * 100]}


async def test_a_setting_outside_its_range_is_refused_and_reminders_keep_going(running_bot):
    """Every number setting has a sane range: outside it, one clear refusal and nothing stored
    (a huge catchup_hours was saved and then failed every round); a value stored outside it
    (by an older version) is ignored and the rounds run."""
    from schedules.runner import remind
    from storage.settings import get_settings, set_setting

    for key, values in OUT_OF_RANGE.items():
        for value in values:
            [reply] = await running_bot.send(ADMIN, f"/settings {key} {value}", language_code="en")
            assert reply["text"].startswith("⚠️ Not saved: "), reply["text"]
            assert key in reply["text"].split(".")[0], reply["text"]
            assert len(reply["text"]) < 600
    assert get_settings(running_bot.db) == {}
    seed_ledger(running_bot.db)
    set_setting(running_bot.db, "catchup_hours", "99999999999", None)
    runner = running_bot.application.bot_data["rounds_runner"]
    failed = await remind(runner, dry_run=False, kinds=("digest",), out=lambda line: None)
    assert failed == 0
    await running_bot.idle()
    digest = running_bot.api.messages_to(ADMIN)
    assert digest and digest[-1]["method"] == "sendDocument"  # the meeting pack, last
    assert any(r["text"] for r in digest)


# ---------------------------------------------------------------------------- names and figures


async def test_an_investment_beyond_the_ledger_cap_is_asked_about_and_never_stored(running_bot):
    """A 400-digit figure was stored as inf ("inf亿元（inf%）"): now the sender is asked, the
    figure is named as beyond the ledger's cap (never as inf), and nothing is stored; storing
    keeps the rest of the message and not the figure."""
    from storage.people import find_unit, grant_role

    seed_ledger(running_bot.db)
    grant_role(running_bot.db, MEMBER, "member", find_unit(running_bot.db, UNIT_A)["id"])
    for figure in ("9" * 400 + "亿元", "2000000000000万元"):
        [ask] = await running_bot.send(MEMBER, f"QB-001 进度50%，累计完成投资{figure}")
        assert "⚠️ 完成投资超出上限（1万亿元），这个数字不会记录" in ask["text"], ask["text"]
        assert "inf" not in ask["text"]
    assert running_bot.db.execute("select count(*) from updates").fetchone()[0] == 0
    store = ask["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    [recorded] = await running_bot.tap(MEMBER, store)
    assert "进度 50%" in recorded["text"] and "投资" not in recorded["text"], recorded["text"]
    rows = running_bot.db.execute("select progress, invested from updates").fetchall()
    assert rows == [(50.0, None)]


async def test_a_unit_written_with_invisible_characters_is_the_same_unit(running_bot):
    """A zero-width space or bidi marks in a ledger's unit cell: the same unit (its member
    keeps the project); a private-use character that cannot be normalised is a bad row; a
    command naming the unit that way finds it."""
    from storage.people import find_unit, grant_role, list_units

    seed_ledger(running_bot.db)
    grant_role(running_bot.db, MEMBER, "member", find_unit(running_bot.db, UNIT_A)["id"])
    grant_role(running_bot.db, LEADER, "leader")
    units = len(list_units(running_bot.db))
    look_alike = "科创城\u200b管委会\u200f"
    data = (f"编号,项目名称,责任单位\nQB-001,科创城卫星互联网产业园一期,{look_alike}\n"
            f"QB-002,信创产业基地标准厂房,\u202a科创城管委会\u202c\n").encode()
    [done] = await running_bot.send(ADMIN, caption="/import", document=("l.csv", data))
    assert done["text"].startswith("✅"), done["text"]
    assert len(list_units(running_bot.db)) == units
    [ok] = await running_bot.send(MEMBER, "QB-001 进度61%")
    assert ok["text"].startswith("✅"), ok["text"]
    [status] = await running_bot.send(LEADER, f"/status {look_alike}")
    assert UNIT_A in status["text"] and not status["text"].startswith("⛔")
    bad = "编号,项目名称,责任单位\nQB-001,科创城卫星互联网产业园一期,科创城管委会\ue000\n".encode()
    [refused] = await running_bot.send(ADMIN, caption="/import", document=("l.csv", bad))
    assert "第2行：“责任单位”含有不可见或无法显示的字符" in refused["text"], refused["text"]
    assert len(list_units(running_bot.db)) == units


async def test_a_forwarded_update_command_is_refused_like_forwarded_text(running_bot):
    from storage.people import find_unit, grant_role

    seed_ledger(running_bot.db)
    grant_role(running_bot.db, MEMBER, "member", find_unit(running_bot.db, UNIT_A)["id"])
    [text] = await running_bot.send(MEMBER, "QB-001 进度70%", forward_from=999)
    [command] = await running_bot.send(MEMBER, "/update QB-001 进度70%", forward_from=999)
    assert command["text"] == text["text"] and text["text"].startswith("⛔ 转发的消息")
    assert running_bot.db.execute("select count(*) from updates").fetchone()[0] == 0


def test_a_job_failing_at_every_moment_is_logged_once(caplog):
    import logging

    from schedules.runner import log_job_failure

    with caplog.at_level(logging.DEBUG, logger="schedules.runner"):
        for _ in range(5):
            log_job_failure("the test round", OverflowError("date value out of range"))
        log_job_failure("the other round", ValueError("x"))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage().split(" failed")[0] for r in errors] == ["the test round",
                                                                     "the other round"]
