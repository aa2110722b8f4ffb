"""The problems ledger: problems raised by hand (/problem) or found in status updates.

A problem belongs to a project; `raised_unit_id` is the unit that raised it and
`acting_unit_id` the unit that must act on it (by default the project's own unit). Problems
are never deleted: resolving one records who, when and how.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from storage.db import now_iso, select
from storage.people import record_audit

ONCE = ("overdue", "escalated")  # ladder steps: at most one event of each kind per problem

_SELECT = """
    select q.*, p.code as project_code, p.name as project_name, p.unit_id as project_unit_id,
           trim(coalesce(p.leader, '')) as project_leader,
           coalesce(q.acting_unit_id, p.unit_id) as must_act_unit_id,
           a.name as acting_unit_name, r.name as raised_unit_name
    from problems q
    join projects p on p.id = q.project_id
    left join units a on a.id = coalesce(q.acting_unit_id, p.unit_id)
    left join units r on r.id = q.raised_unit_id
"""


def open_problem(db: Database, project_id: int, text: str, opened_by: int | None,
                 raised_unit_id: int | None, acting_unit_id: int | None,
                 due_on: str | None = None) -> int:
    """Open a problem of a project (`due_on`: its written time limit, YYYY-MM-DD); its id."""
    with db.atomic():
        problem_id = db["problems"].insert({
            "project_id": project_id, "text": text, "status": "open", "opened_by": opened_by,
            "raised_unit_id": raised_unit_id, "acting_unit_id": acting_unit_id,
            "created_at": now_iso(), "due_on": due_on,
        }).last_pk
        record_event(db, problem_id, "opened", opened_by, due=due_on)
        record_audit(db, opened_by, "problem_open", problem_id=problem_id, project_id=project_id)
    return problem_id


def record_event(db: Database, problem_id: int, kind: str, actor_id: int | None = None,
                 **detail) -> bool:
    """Note what happened to a problem; False when a ladder step (ONCE) was taken already."""
    cursor = db.execute(
        "insert or ignore into problem_events (problem_id, kind, at, actor_id, detail) "
        "values (?, ?, ?, ?, ?)",
        [problem_id, kind, now_iso(), actor_id,
         json.dumps({k: v for k, v in detail.items() if v is not None}, ensure_ascii=False)])
    return bool(cursor.rowcount)


def problem_events(db: Database, problem_id: int) -> list[dict]:
    """A problem's history, oldest first: [{kind, at, actor_id, actor_name, detail (dict)}]."""
    rows = select(db,
        "select e.*, p.name as actor_name from problem_events e "
        "left join people p on p.user_id = e.actor_id where e.problem_id = ? order by e.id",
        [problem_id])
    return [{**row, "detail": json.loads(row["detail"] or "{}")} for row in rows]


def steps_taken(db: Database) -> dict[int, set[str]]:
    """The ladder steps each problem has had."""
    taken: dict[int, set[str]] = {}
    marks = ",".join("?" for _ in ONCE)
    for row in select(db, f"select problem_id, kind from problem_events where kind in ({marks})",
                      list(ONCE)):
        taken.setdefault(row["problem_id"], set()).add(row["kind"])
    return taken


def set_deadline(db: Database, problem_id: int, due_on: str, actor_id: int | None) -> None:
    """Give an open problem a new time limit (YYYY-MM-DD)."""
    with db.atomic():
        db["problems"].update(problem_id, {"due_on": due_on})
        record_event(db, problem_id, "deadline", actor_id, due=due_on)
        record_audit(db, actor_id, "problem_deadline", problem_id=problem_id, due=due_on)


def get_problem(db: Database, problem_id: int) -> dict | None:
    """One problem with its project's code, name and unit, and the acting and raising units'
    names. `must_act_unit_id` is the acting unit, or the project's unit when none is set."""
    rows = list(select(db, _SELECT + " where q.id = ?", [problem_id]))
    return rows[0] if rows else None


def list_open_problems(db: Database, unit_id: int | None = None) -> list[dict]:
    """Open problems, oldest first; with `unit_id`, those that unit has to do with: on its
    projects, handed to it, or raised by it."""
    where, params = "where q.status = 'open'", []
    if unit_id is not None:
        where += (" and (p.unit_id = ? or coalesce(q.acting_unit_id, p.unit_id) = ?"
                  " or q.raised_unit_id = ?)")
        params = [unit_id, unit_id, unit_id]
    return list(select(db, f"{_SELECT} {where} order by q.created_at, q.id", params))


def project_open_problems(db: Database, project_id: int) -> list[dict]:
    """A project's open problems, oldest first."""
    return list(select(db,
        f"{_SELECT} where q.status = 'open' and q.project_id = ? order by q.created_at, q.id",
        [project_id]))


def assign_problem(db: Database, problem_id: int, unit_id: int, actor_id: int | None) -> None:
    """Hand a problem to a unit (it becomes the unit that must act)."""
    with db.atomic():
        db["problems"].update(problem_id, {"acting_unit_id": unit_id, "assigned_at": now_iso()})
        record_event(db, problem_id, "assigned", actor_id, unit_id=unit_id)
        record_audit(db, actor_id, "problem_assign", problem_id=problem_id, unit_id=unit_id)


def resolve_problem(db: Database, problem_id: int, actor_id: int | None,
                    note: str | None) -> bool:
    """Close an open problem; False if it was not open (nothing changed)."""
    with db.atomic():
        cursor = db.execute(
            "update problems set status = 'resolved', resolved_at = ?, resolved_by = ?, "
            "resolution = ? where id = ? and status = 'open'",
            [now_iso(), actor_id, note or None, problem_id])
        if cursor.rowcount:
            record_event(db, problem_id, "resolved", actor_id, note=note or None)
            record_audit(db, actor_id, "problem_resolve", problem_id=problem_id)
    return bool(cursor.rowcount)
