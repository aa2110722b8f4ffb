"""The overdue ladder: what happens to a problem past its time limit, one step at a time.

On the first day a problem is overdue its acting unit is told (its bound group, else its
members); `escalate_days` after that, the leader in charge of its project (the ledger's
leader column, linked to an account by /invite leader or `bot.py grant --name`) is told in
their language, with a button opening /status of the project. Each step is recorded in
problem_events before it is sent, under a unique index: a step is never taken twice, whatever
restarts or second processes do. A step due while the bot was down is taken when it runs
again (at start-up and at each daily run). An escalation with nobody linked to the name waits
(it is not recorded) until someone is; the weekly digest lists every overdue problem anyway.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from sqlite_utils import Database

from config import Config
from i18n import esc, t
from reports.summary import fmt_date, overdue_days
from services.people import person_lang
from services.problems import Notice, Telling, clip, due_of, tell_unit
from storage import problems as ledger
from storage.people import leaders_named

log = logging.getLogger(__name__)

STATUS_BUTTON = "st:"  # callback data: st:<project code>, answered with /status <code>
CALLBACK_MAX = 64  # bytes of a button's callback data


def _overdue_render(q: dict, due: date, config: Config):
    def render(lang: str) -> str:
        return t("loop_notice_overdue", lang, id=q["id"], date=fmt_date(due, lang),
                 code=esc(q["project_code"]), name=clip(q["project_name"], 60),
                 text=clip(q["text"]), days=config.escalate_days)
    return render


def _escalation(q: dict, due: date, late: int, leaders: list[dict], config: Config) -> Telling:
    notices = []
    for person in leaders:
        lang = person_lang(person, config.language)
        text = t("loop_notice_escalated", lang, id=q["id"], n=late, code=esc(q["project_code"]),
                 name=clip(q["project_name"], 60), text=clip(q["text"]),
                 unit=esc(q["acting_unit_name"]), date=fmt_date(due, lang))
        data = STATUS_BUTTON + q["project_code"]
        buttons = ((t("loop_open_status", lang, code=q["project_code"]), data),) \
            if len(data.encode()) <= CALLBACK_MAX else ()  # Telegram's limit: no button
        notices.append(Notice(person["user_id"], text, buttons, q["id"]))
    return Telling(config.language, members=notices)


def climb(db: Database, config: Config, today: date) -> list[Telling]:
    """Take the ladder steps due `today`, recording each; the notices they send."""
    taken = ledger.steps_taken(db)
    tellings = []
    for q in ledger.list_open_problems(db):
        due = due_of(q, config)
        late = overdue_days(due, today)
        if not late:
            continue
        steps = taken.get(q["id"], set())
        if "overdue" not in steps and ledger.record_event(db, q["id"], "overdue", due=str(due)):
            log.info("problem %s is overdue (due %s): its unit is told", q["id"], due)
            tellings.append(tell_unit(db, config, q["must_act_unit_id"],
                                      _overdue_render(q, due, config), None, config.language))
        if late <= config.escalate_days or "escalated" in steps:
            continue
        leaders = leaders_named(db, q["project_leader"]) if q["project_leader"] else []
        if leaders and ledger.record_event(db, q["id"], "escalated", days=late,
                                           to=[p["user_id"] for p in leaders]):
            log.info("problem %s is %d days overdue: %s told", q["id"], late, q["project_leader"])
            tellings.append(_escalation(q, due, late, leaders, config))
    return tellings


def overdue_problems(db: Database, config: Config, today: date) -> list[dict]:
    """Every overdue open problem, with `due` and `late` (days overdue): most overdue first."""
    found = []
    for q in ledger.list_open_problems(db):
        due = due_of(q, config)
        late = overdue_days(due, today)
        if late:
            found.append({**q, "due": due, "late": late})
    return sorted(found, key=lambda q: (-q["late"], q["id"]))


def confirm_unanswered(db: Database, config: Config, now: datetime) -> list[int]:
    """Resolutions nobody confirmed or reopened within confirm_days: confirmed by
    themselves, recorded as such; the problems closed."""
    cutoff = (now - timedelta(days=config.confirm_days)).astimezone(UTC)
    closed = []
    for q in ledger.awaiting_since(db, cutoff.isoformat(timespec="seconds")):
        event_id = ledger.last_event_id(db, q["id"], "resolved")
        if ledger.answer_resolution(db, q["id"], event_id, None, True, how="auto"):
            log.info("problem %s: resolution unanswered for %d days, confirmed by itself",
                     q["id"], config.confirm_days)
            closed.append(q["id"])
    return closed
