"""End to end over HTTP: joining by invite, refusals, import and the command menu."""

import io
import re

from openpyxl import Workbook

from services.floods import Allowance
from storage.people import get_person, list_units
from storage.projects import list_projects
from tests.conftest import ADMIN, SAMPLES, seed_ledger

STRANGER = 777


async def test_invite_join_whoami(running_bot):
    seed_ledger(running_bot.db)
    [reply] = await running_bot.send(ADMIN, "/invite member 科创城管委会")
    link = re.search(r"https://t\.me/KeyProjectBot\?start=([\w-]+)", reply["text"])
    assert link, reply["text"]
    [joined] = await running_bot.send(500, f"/start {link.group(1)}")
    assert "已加入" in joined["text"] and "科创城管委会" in joined["text"]
    [who] = await running_bot.send(500, "/whoami")
    assert "500" in who["text"] and "单位成员" in who["text"] and "科创城管委会" in who["text"]
    # The link works once.
    [again] = await running_bot.send(501, f"/start {link.group(1)}")
    assert "已被使用" in again["text"]
    assert get_person(running_bot.db, 501) is None


async def test_leader_invite_and_english_user(running_bot):
    [reply] = await running_bot.send(ADMIN, "/invite leader", language_code="en")
    code = re.search(r"start=([\w-]+)", reply["text"]).group(1)
    [joined] = await running_bot.send(600, f"/start {code}", language_code="en")
    assert joined["text"].startswith("✅ Joined as leader")
    assert get_person(running_bot.db, 600)["role"] == "leader"


async def test_bad_invite_arguments(running_bot):
    seed_ledger(running_bot.db)
    [usage] = await running_bot.send(ADMIN, "/invite member", language_code="en")
    assert usage["text"].startswith("Usage: /invite member")
    [unknown] = await running_bot.send(ADMIN, "/invite member Nowhere Office", language_code="en")
    assert "There is no unit called “Nowhere Office”" in unknown["text"]
    [bogus] = await running_bot.send(STRANGER, "/start not-a-real-code", language_code="en")
    assert "not valid" in bogus["text"]
    assert get_person(running_bot.db, STRANGER) is None


async def test_unknown_user_gets_start_help_whoami_and_one_line_refusals(running_bot):
    # Seven answers in a row: more than a stranger's three a minute (tests/test_e2e_floods.py).
    running_bot.application.bot_data["strangers"] = Allowance(count=10)
    [start] = await running_bot.send(STRANGER, "/start", language_code="en")
    assert f"<code>{STRANGER}</code>" in start["text"]
    [helptext] = await running_bot.send(STRANGER, "/help", language_code="en")
    assert "not registered" in helptext["text"]
    [who] = await running_bot.send(STRANGER, "/whoami", language_code="en")
    assert str(STRANGER) in who["text"] and str(ADMIN) in who["text"]
    for command in ("/invite leader", "/bind x", "/import", "/lang en"):
        [refusal] = await running_bot.send(STRANGER, command, language_code="en")
        assert refusal["text"].startswith("⛔"), (command, refusal["text"])
        assert "\n" not in refusal["text"]
    assert get_person(running_bot.db, STRANGER) is None


async def test_member_cannot_use_admin_commands(running_bot):
    seed_ledger(running_bot.db)
    from storage.people import find_unit, grant_role

    grant_role(running_bot.db, 300, "member", find_unit(running_bot.db, "科创城管委会")["id"])
    [refusal] = await running_bot.send(300, "/invite leader")
    assert refusal["text"] == "⛔ /invite 仅限管理员使用，您的身份是单位成员。"
    [helptext] = await running_bot.send(300, "/help")
    assert "/invite" not in helptext["text"] and "/status" in helptext["text"]


async def test_import_good_file_in_chat(running_bot):
    data = (SAMPLES / "ledger_en.csv").read_bytes()
    [reply] = await running_bot.send(ADMIN, caption="/import", document=("ledger.csv", data),
                                     language_code="en")
    assert reply["text"] == "✅ Ledger imported: 4 projects created, 0 updated."
    assert len(list_projects(running_bot.db)) == 4
    [again] = await running_bot.send(ADMIN, caption="/import", document=("ledger.csv", data),
                                     language_code="en")
    assert again["text"] == "✅ Ledger imported: 0 projects created, 4 updated."


async def test_import_bad_xlsx_changes_nothing(running_bot):
    seed_ledger(running_bot.db)
    before = [dict(p) for p in list_projects(running_bot.db)]
    book = Workbook()
    book.active.append(["编号", "项目名称", "责任单位", "计划开工"])
    book.active.append(["QB-001", "改名了", "新单位", "2026-01-01"])
    book.active.append(["QB-009", "", "新单位", "明天"])
    buffer = io.BytesIO()
    book.save(buffer)
    [reply] = await running_bot.send(ADMIN, caption="/import", document=("l.xlsx", buffer.getvalue()))
    assert reply["text"].startswith("⛔ 台账未导入，数据未作任何改动")
    assert "第3行：缺少“项目名称”" in reply["text"] and "第3行：计划开工“明天”" in reply["text"]
    assert [dict(p) for p in list_projects(running_bot.db)] == before
    assert "新单位" not in [u["name"] for u in list_units(running_bot.db)]


async def test_import_without_file_and_wrong_type(running_bot):
    [usage] = await running_bot.send(ADMIN, "/import", language_code="en")
    assert "Send a .csv or .xlsx" in usage["text"]
    [wrong] = await running_bot.send(ADMIN, caption="/import", document=("x.pdf", b"%PDF"),
                                     language_code="en")
    assert "only .csv and .xlsx" in wrong["text"]


async def test_bind_group(running_bot):
    seed_ledger(running_bot.db)
    [reply] = await running_bot.send(ADMIN, "/bind 科创城管委会", chat_id=-1001, chat_type="group")
    assert "本群已绑定" in reply["text"]
    [private] = await running_bot.send(ADMIN, "/bind 科创城管委会")
    assert "群聊" in private["text"]


async def test_lang_switch(running_bot):
    seed_ledger(running_bot.db)
    [reply] = await running_bot.send(ADMIN, "/lang en")
    assert reply["text"] == "✅ I will reply in English from now on."
    [helptext] = await running_bot.send(ADMIN, "/help")
    assert "Key Project Bot" in helptext["text"]
    [usage] = await running_bot.send(ADMIN, "/lang fr")
    assert usage["text"].startswith("Usage:")


async def test_command_menu_registered_in_both_languages(running_bot):
    await running_bot.idle()
    menus = running_bot.api.all_commands()
    zh, en = running_bot.api.commands(language_code="zh"), running_bot.api.commands(language_code="en")
    assert {"command": "status", "description": "总体情况 / 单个项目或单位"} in zh, menus
    assert {"command": "status", "description": "Summary, or one project or unit"} in en
    assert running_bot.api.commands() == zh  # the default menu is in BOT_LANGUAGE
