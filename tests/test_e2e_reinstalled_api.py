"""A re-installed Bot API server numbers updates from 1 again: new messages are still answered.

Telegram also picks a new first update_id after a week without updates. The inbox recognises
an update by what it carries (chat and message id, a query's id), so an update_id seen before
does not hide a new message.
"""

from localapi import BotAPIServer
from storage import open_db
from storage.people import grant_role, list_units
from storage.projects import list_projects
from tests.conftest import TOKEN, seed_ledger, started_bot

MEMBERS = 5
MESSAGES = 4  # per member and per server


def seed(db) -> dict[int, str]:
    """Members of the first unit, each reporting on its first project."""
    seed_ledger(db, "ledger_zh.csv")
    unit = list_units(db)[0]
    code = next(p["code"] for p in list_projects(db) if p["unit_id"] == unit["id"])
    members = {}
    for i in range(MEMBERS):
        grant_role(db, 3000 + i, "member", unit["id"])
        members[3000 + i] = code
    return members


async def report_all(bot, members: dict[int, str], first_progress: int) -> list[str]:
    """Every member reports MESSAGES times; the progress each confirmation names."""
    confirmed = []
    for n in range(MESSAGES):
        for user_id, code in members.items():
            progress = first_progress + n
            [reply] = await bot.send(user_id, f"{code} 进度{progress}%，本周推进正常", timeout=20)
            confirmed.append((user_id, progress, f"进度 {progress}%" in reply["text"]))
    return confirmed


async def test_every_message_is_answered_after_the_bot_api_numbers_updates_afresh(tmp_path, api):
    db = open_db(tmp_path / "bot.db")
    members = seed(db)
    async with started_bot(tmp_path, api) as bot:
        before = await report_all(bot, members, 10)
    assert all(ok for *_, ok in before)

    # The same chats, a new server: update ids from 1 again, message ids going on.
    reinstalled = BotAPIServer(token=TOKEN, bot_username="KeyProjectBot", first_message_id=1000)
    reinstalled.start()
    try:
        async with started_bot(tmp_path, reinstalled) as bot:
            after = await report_all(bot, members, 50)
    finally:
        reinstalled.stop()
    assert all(ok for *_, ok in after), [a for a in after if not a[2]]
    reused = db.execute("select count(*) from (select update_id from inbox group by update_id "
                        "having count(*) > 1)").fetchone()[0]
    assert reused == MEMBERS * MESSAGES  # every update_id of the second server was seen before
    stored = db.execute("select count(*) from updates where progress >= 50").fetchone()[0]
    assert stored == MEMBERS * MESSAGES
    db.close()
