"""`python bot.py console --as ID` on the real database: it talks, but it never sends a
reminder or digest round and never takes the updates a crash left pending; both stay for
the real bot. (`console --demo`, on its own fresh database, runs everything.)"""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta

from bot import build_application
from config import load_config
from console import run_console
from storage import open_db, rounds
from storage.inbox import inbox_state, store_received
from storage.people import find_unit, grant_role
from tests.conftest import ADMIN, seed_ledger
from tests.test_e2e_reminders import NY, schedule_at

MEMBER = 300
PENDING_UPDATE = 987654321


def pending_message() -> dict:
    """An update the real bot received and had not handled when it died."""
    user = {"id": MEMBER, "is_bot": False, "first_name": "Li"}
    return {"update_id": PENDING_UPDATE, "message": {
        "message_id": 77, "date": int(time.time()), "chat": {"id": MEMBER, "type": "private"},
        "from": user, "text": "QB-001 进度61%"}}


def lines_slowly(*lines: str, pause: float = 2.0):
    """Typed lines, with a pause before each as a person leaves (the bot runs meanwhile)."""
    for line in lines:
        time.sleep(pause)
        yield line + "\n"


def test_console_on_the_real_database_leaves_rounds_and_pending_updates_alone(tmp_path):
    db_path = tmp_path / "bot.db"
    db = open_db(db_path)
    seed_ledger(db)
    grant_role(db, MEMBER, "member", find_unit(db, "科创城管委会")["id"], name="Li")
    store_received(db, [(PENDING_UPDATE, pending_message())])
    due = (datetime.now(NY) - timedelta(minutes=10)).replace(microsecond=0)
    config = load_config({"BOT_DB": str(db_path), "BOT_ADMINS": str(ADMIN), "BOT_LANGUAGE": "zh",
                          "BOT_TIMEZONE": "America/New_York",
                          "BOT_REMINDER_SCHEDULE": schedule_at(due),
                          "BOT_DIGEST_SCHEDULE": schedule_at(due), "BOT_CATCHUP_HOURS": "12"})
    for kind in rounds.KINDS:  # the real bot has run with these schedules for days
        rounds.schedule_since(db, kind, f"{config.reminder_schedule} America/New_York",
                              datetime.now(NY) - timedelta(days=3))
    out = io.StringIO()
    run_console(config, build_application, as_user=MEMBER,
                stdin=lines_slowly("/whoami", "/quit"), out=out)
    text = out.getvalue()
    assert "reminders and digests are not sent from here" in text, text
    assert "单位成员" in text  # the console did talk
    assert list(db.query("select kind, status from rounds")) == []
    assert inbox_state(db, PENDING_UPDATE) == "pending"
    assert list(db.query("select * from updates where author_id = ?", [MEMBER])) == []
    db.close()
