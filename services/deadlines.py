"""A problem's time limit, and each project's unclosed problems with theirs (for the export)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlite_utils import Database

from config import Config
from reports.states import moment
from reports.summary import overdue_days
from storage import problems as ledger


def due_of(problem: dict, config: Config) -> date:
    """A problem's time limit: the one written or set, else problem_days from its opening
    (the day it was opened in the bot's timezone)."""
    if problem.get("due_on"):
        return date.fromisoformat(problem["due_on"])
    opened = moment(problem["created_at"]).astimezone(config.timezone).date()
    return opened + timedelta(days=config.problem_days)


def problems_by_project(db: Database, config: Config, today: date) -> dict[str, list[dict]]:
    """Each project's open and awaiting problems with their limit and days overdue, by code
    (the export's problem columns)."""
    found: dict[str, list[dict]] = {}
    for q in ledger.list_unclosed_problems(db):
        due = due_of(q, config)
        late = overdue_days(due, today) if q["status"] == "open" else 0
        found.setdefault(q["project_code"], []).append(
            {"id": q["id"], "status": q["status"], "due": due, "late": late, "text": q["text"]})
    return found
