"""Reminder wording as members read it: in the language they write, "today" rather than
"0 days", an example whose progress makes sense for the project, and no blank names."""

import re
from datetime import UTC, datetime, timedelta

from schedules.runner import remind
from storage.people import find_unit, grant_role
from storage.projects import get_project
from tests.conftest import SAMPLES, seed_ledger
from tests.test_cli import run

MEMBER = 300


async def test_member_writing_english_gets_an_english_reminder_that_reads_right(running_bot):
    db, api = running_bot.db, running_bot.api
    seed_ledger(db)
    grant_role(db, MEMBER, "member", find_unit(db, "科创城管委会")["id"], name="Li")
    # Telegram says Chinese; the member writes English.
    await running_bot.send(MEMBER, "QB-002 progress 75%, next: roofing", language_code="zh")
    await running_bot.send(MEMBER, "QB-001 progress 40%, foundations poured", language_code="zh")
    ten_days_ago = (datetime.now(UTC) - timedelta(days=10)).isoformat(timespec="seconds")
    db.execute("update updates set created_at = ? where project_id = ?",
               [ten_days_ago, get_project(db, "QB-002")["id"]])  # QB-002 is stale at 75%
    before = len(api.messages_to(MEMBER))
    runner = running_bot.application.bot_data["rounds_runner"]
    assert await remind(runner, dry_run=False, kinds=("reminder",), out=lambda line: None) == 0
    await running_bot.idle()
    [reminder] = api.messages_to(MEMBER)[before:]
    text = reminder["plain_text"]
    assert text.startswith("📌 Weekly reminder"), text
    assert "updated today" in text and not re.search(r"\b0 days", text), text
    example = re.search(r"(QB-00\d) (\d+)% next", text)
    assert example, text
    actual = {"QB-001": 40, "QB-002": 75}[example.group(1)]
    assert actual <= int(example.group(2)) <= 100, text


async def test_never_updated_project_added_today_is_worded_for_today(running_bot):
    db, api = running_bot.db, running_bot.api
    seed_ledger(db)
    grant_role(db, MEMBER, "member", find_unit(db, "科创城管委会")["id"], name="李")
    runner = running_bot.application.bot_data["rounds_runner"]
    assert await remind(runner, dry_run=False, kinds=("reminder",), out=lambda line: None) == 0
    await running_bot.idle()
    [reminder] = api.messages_to(MEMBER)
    text = reminder["plain_text"]
    assert "建档已0天" not in text and "今天建档" in text, text
    example = re.search(r"(QB-00\d) 进度(\d+)%", text)
    assert example and int(example.group(2)) <= 100, text


def test_dry_run_names_people_without_a_name_by_id_only(tmp_path):
    db = tmp_path / "bot.db"
    assert run("import", str(SAMPLES / "ledger_zh.csv"), "--db", str(db)).returncode == 0
    assert run("grant", "9", "leader", "--db", str(db)).returncode == 0
    result = run("remind", "--dry-run", "--only", "digest", "--db", str(db),
                 env={"BOT_ADMINS": "8"})
    assert result.returncode == 0, result.stderr
    assert "(; " not in result.stdout and "()" not in result.stdout, result.stdout
    assert "-> leader 9 (zh)" in result.stdout and "-> leader 8 (zh)" in result.stdout
