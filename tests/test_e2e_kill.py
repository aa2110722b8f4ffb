"""No update is lost: a burst of 500 updates, the bot SIGKILLed part-way and restarted."""

import re

from storage import open_db
from storage.people import grant_role, list_units
from storage.projects import list_projects
from tests.conftest import confirmations, seed_ledger, wait_until

USERS = 50
PER_USER = 10


def seed(db) -> dict[int, str]:
    """50 members spread over the units; each reports on their unit's first project."""
    seed_ledger(db, "ledger_zh.csv")
    seed_ledger(db, "ledger_en.csv")
    units = list_units(db)
    code_of_unit = {}
    for project in list_projects(db):
        code_of_unit.setdefault(project["unit_id"], project["code"])
    codes = {}
    for i in range(USERS):
        unit = units[i % len(units)]
        user_id = 1000 + i
        grant_role(db, user_id, "member", unit["id"])
        codes[user_id] = code_of_unit[unit["id"]]
    return codes





def test_burst_with_sigkill_loses_nothing_and_stores_once(tmp_path, api, bot_process):
    db = open_db(tmp_path / "bot.db")
    codes = seed(db)
    queued = []
    for n in range(PER_USER):
        for user_id, code in codes.items():
            update = api.queue_message(user_id, f"{code} 进度{n * 10 + 5}%，本周推进正常")
            queued.append((user_id, update["message"]["message_id"], n * 10 + 5))

    first = bot_process(BOT_LOG_LEVEL="WARNING").start()
    assert wait_until(lambda: len(confirmations(api)) >= 120, 60), "the bot did not start"
    first.kill()
    answered_before_kill = len(confirmations(api))
    assert answered_before_kill < len(queued), "the kill came too late to prove anything"

    second = bot_process(BOT_LOG_LEVEL="WARNING").start()
    assert wait_until(lambda: len(confirmations(api)) >= len(queued), 120), (
        f"only {len(confirmations(api))} of {len(queued)} answered after the restart")
    second.stop()

    rows = list(db.query("select chat_id, message_id, count(*) as n from updates "
                         "group by chat_id, message_id"))
    assert len(rows) == len(queued) and all(r["n"] == 1 for r in rows)
    assert {(r["chat_id"], r["message_id"]) for r in rows} == {q[:2] for q in queued}
    counts = confirmations(api)
    assert set(counts) == {(user_id, progress) for user_id, _, progress in queued}
    repeated = {key for key, n in counts.items() if n > 1}
    # Only what was in flight at the moment of the kill may repeat: the first answers of the
    # repeated updates came in at most two messages (one message may confirm several).
    carriers, seen = set(), set()
    for index, record in enumerate(api.sent):
        for progress in re.findall(r"进度 (\d+)%", record["text"] or ""):
            key = (record["chat_id"], int(progress))
            if key in repeated and key not in seen:
                seen.add(key)
                carriers.add(index)
    assert len(carriers) <= 2, sorted(repeated)
    assert db.execute("select count(*) from inbox where state = 'pending'").fetchone()[0] == 0
