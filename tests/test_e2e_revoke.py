"""Removing people: /revoke and `python bot.py revoke` take the role away; the person's updates
stay, under their name; `grant` refuses options that do not apply."""

import sqlite3

from storage.people import find_unit, get_person, grant_role
from storage.projects import get_project, recent_updates
from tests.conftest import ADMIN, SAMPLES, seed_ledger
from tests.test_cli import run

MEMBER, OTHER_ADMIN = 300, 301


async def test_admin_revokes_a_member_whose_updates_stay(running_bot):
    db = running_bot.db
    seed_ledger(db)
    grant_role(db, MEMBER, "member", find_unit(db, "科创城管委会")["id"], name="科创小李")
    [confirmed] = await running_bot.send(MEMBER, "QB-001 进度61%")
    assert "QB-001" in confirmed["text"]
    [done] = await running_bot.send(ADMIN, f"/revoke {MEMBER}")
    assert done["text"] == f"✅ 已移除用户 {MEMBER}（User300）的身份：单位成员（科创城管委会）。其已报送的进展保留。"
    [who] = await running_bot.send(MEMBER, "/whoami")
    assert "未登记" in who["text"]
    [refused] = await running_bot.send(MEMBER, "/status")
    assert refused["text"].startswith("⛔ 您尚未登记")
    [update] = recent_updates(db, get_project(db, "QB-001")["id"], 1)
    assert update["author"] == "User300" and "61%" in update["raw_text"]


async def test_admin_revokes_another_admin_but_not_self_or_a_stranger(running_bot):
    db = running_bot.db
    grant_role(db, OTHER_ADMIN, "admin", name="Old Admin")
    [done] = await running_bot.send(ADMIN, f"/revoke {OTHER_ADMIN}", language_code="en")
    assert done["text"] == (f"✅ User {OTHER_ADMIN} (Old Admin) is no longer admin. "
                            "Their updates stay.")
    assert get_person(db, OTHER_ADMIN)["role"] is None
    [who] = await running_bot.send(OTHER_ADMIN, "/whoami", language_code="en")
    assert "not registered" in who["text"]
    [stranger] = await running_bot.send(ADMIN, "/revoke 4242", language_code="en")
    assert stranger["text"] == "ℹ️ User 4242 is not registered; nothing to remove."
    [self_] = await running_bot.send(ADMIN, f"/revoke {ADMIN}", language_code="en")
    assert self_["text"].startswith("⛔ User 1 is an admin through BOT_ADMINS")
    [usage] = await running_bot.send(ADMIN, "/revoke someone", language_code="en")
    assert usage["text"].startswith("Usage: /revoke")


async def test_revoke_is_for_admins_and_in_help(running_bot):
    seed_ledger(running_bot.db)
    grant_role(running_bot.db, MEMBER, "member", find_unit(running_bot.db, "科创城管委会")["id"])
    [refused] = await running_bot.send(MEMBER, f"/revoke {MEMBER}")
    assert refused["text"] == "⛔ /revoke 仅限管理员使用，您的身份是单位成员。"
    assert get_person(running_bot.db, MEMBER)["role"] == "member"
    [helptext] = await running_bot.send(ADMIN, "/help")
    assert "/revoke" in helptext["text"]


def test_cli_revoke_and_grant_options(tmp_path):
    db = tmp_path / "bot.db"
    assert run("import", str(SAMPLES / "ledger_zh.csv"), "--db", str(db)).returncode == 0
    assert run("grant", "42", "member", "--unit", "科创城管委会", "--db", str(db)).returncode == 0
    result = run("grant", "43", "leader", "--unit", "科创城管委会", "--db", str(db))
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --unit is for members only (leaders and admins see every unit)"
    result = run("revoke", "42", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("✅ User 42 is no longer unit member (科创城管委会). "
                                     "Their updates stay.")
    row = sqlite3.connect(db).execute("select role, unit_id from people where user_id = 42")
    assert row.fetchone() == (None, None)
    result = run("revoke", "42", "--db", str(db))
    assert result.returncode == 2
    assert result.stderr.strip() == "error: User 42 is not registered; nothing to remove."
    result = run("revoke", "7", "--db", str(db), env={"BOT_ADMINS": "7"})
    assert result.returncode == 2
    assert "BOT_ADMINS" in result.stderr
