"""The problems ledger: problems raised by hand (/problem) or found in status updates.

A problem belongs to a project; `raised_unit_id` is the unit that raised it and
`acting_unit_id` the unit that must act on it (by default the project's own unit). Problems
are never deleted: resolving one records who, when and how.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

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


def open_at(alias: str = "q") -> str:
    """The condition that problem `alias` was open at :until (a stored time): opened by then,
    and its last resolution or reopening by then was a reopening (or there was none). A
    problem from before problem events were kept counts as closed from its resolved_at."""
    return f"""({alias}.created_at <= :until and coalesce(
        (select e.kind from problem_events e where e.problem_id = {alias}.id
           and e.kind in ('resolved', 'reopened') and e.at <= :until
           order by e.at desc, e.id desc limit 1),
        case when {alias}.status <> 'open' and {alias}.resolved_at <= :until
                  and not exists (select 1 from problem_events e where e.problem_id = {alias}.id
                                    and e.kind = 'resolved')
             then 'resolved' else 'reopened' end) = 'reopened')"""


def _open_of_unit(unit_id: int | None, until: str | None = None) -> tuple[str, dict]:
    """The open problems a unit has to do with (all, without a unit): the where clause; with
    `until`, those open at that stored time."""
    where = f"where {open_at()}" if until else "where q.status = 'open'"
    params: dict = {"until": until, "unit_id": unit_id}
    if unit_id is not None:
        where += (" and (p.unit_id = :unit_id or coalesce(q.acting_unit_id, p.unit_id) = :unit_id"
                  " or q.raised_unit_id = :unit_id)")
    return where, params


def list_open_problems(db: Database, unit_id: int | None = None,
                       until: str | None = None) -> list[dict]:
    """Open problems, oldest first; with `unit_id`, those that unit has to do with: on its
    projects, handed to it, or raised by it; with `until` (a stored time), those open then."""
    where, params = _open_of_unit(unit_id, until)
    return list(select(db, f"{_SELECT} {where} order by q.created_at, q.id", params))


def open_problems_among(db: Database, problem_ids: Iterable[int] = (),
                        project_ids: Iterable[int] = ()) -> list[dict]:
    """The open problems among `problem_ids` and those on `project_ids` (as
    list_open_problems reads them)."""
    problems, projects = json.dumps(list(problem_ids)), json.dumps(list(project_ids))
    return list(select(db, f"{_SELECT} where q.status = 'open' and "
                           "(q.id in (select value from json_each(?)) "
                           "or q.project_id in (select value from json_each(?)))",
                       [problems, projects]))


def problems_with_events_after(db: Database, event_id: int) -> set[int]:
    """The problems that something happened to after problem event `event_id`."""
    return {row["problem_id"] for row in select(
        db, "select distinct problem_id from problem_events where id > ?", [event_id])}


def count_open_problems(db: Database, unit_id: int | None = None) -> int:
    """How many problems `list_open_problems` would list."""
    where, params = _open_of_unit(unit_id)
    return next(select(db, "select count(*) as n from problems q join projects p "
                           f"on p.id = q.project_id {where}", params))["n"]


def list_unclosed_problems(db: Database) -> list[dict]:
    """Open and awaiting problems, oldest first."""
    return list(select(db, f"{_SELECT} where q.status in ('open', 'awaiting') "
                           "order by q.created_at, q.id"))


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
                    note: str | None, confirmation: str | None = "leader") -> bool:
    """Resolve an open problem: closed at once (`confirmation`: leader | own, who confirmed
    it), or with `confirmation` None waiting for the raising side ('awaiting'); False if it
    was not open (nothing changed)."""
    status = "awaiting" if confirmation is None else "resolved"
    now = now_iso()
    with db.atomic():
        cursor = db.execute(
            "update problems set status = ?, resolved_at = ?, resolved_by = ?, resolution = ?, "
            "confirmed_at = ?, confirmed_by = ?, confirmation = ? "
            "where id = ? and status = 'open'",
            [status, now, actor_id, note or None, None if confirmation is None else now,
             None if confirmation is None else actor_id, confirmation, problem_id])
        if not cursor.rowcount:
            return False
        record_event(db, problem_id, "resolved", actor_id, note=note or None,
                     confirmation=confirmation)
        record_audit(db, actor_id, "problem_resolve", problem_id=problem_id)
    return True


def answer_resolution(db: Database, problem_id: int, event_id: int, actor_id: int | None,
                      confirm: bool, how: str = "raiser") -> bool:
    """Confirm (closed) or reopen (open again) a resolution awaiting confirmation; only the
    latest resolution (`event_id`) of a problem still awaiting: else False, nothing changed."""
    with db.atomic():
        if last_event_id(db, problem_id, "resolved") != event_id:
            return False
        now = now_iso()
        if confirm:
            cursor = db.execute(
                "update problems set status = 'resolved', confirmed_at = ?, confirmed_by = ?, "
                "confirmation = ? where id = ? and status = 'awaiting'",
                [now, actor_id, how, problem_id])
        else:
            cursor = db.execute(
                "update problems set status = 'open', resolved_at = null, resolved_by = null, "
                "resolution = null where id = ? and status = 'awaiting'", [problem_id])
        if cursor.rowcount:
            record_event(db, problem_id, "confirmed" if confirm else "reopened", actor_id,
                         how=how if confirm else None)
            record_audit(db, actor_id, "problem_confirm" if confirm else "problem_reopen",
                         problem_id=problem_id)
    return bool(cursor.rowcount)


def awaiting_since(db: Database, before_iso: str) -> list[dict]:
    """Problems awaiting confirmation whose resolution is older than `before_iso` (UTC ISO),
    with the id of that resolution's event."""
    return list(select(db,
        f"select * from ({_SELECT} where q.status = 'awaiting' and q.resolved_at < ?) "
        "order by id", [before_iso]))


def note_message(db: Database, problem_id: int, chat_id: int, message_id: int) -> None:
    """Remember a message of the bot about a problem (a reply with a file is evidence)."""
    db["problem_messages"].upsert({"chat_id": chat_id, "message_id": message_id,
                                   "problem_id": problem_id}, pk=("chat_id", "message_id"))


def problem_of_message(db: Database, chat_id: int, message_id: int) -> int | None:
    rows = list(select(db, "select problem_id from problem_messages "
                           "where chat_id = ? and message_id = ?", [chat_id, message_id]))
    return rows[0]["problem_id"] if rows else None


def reopen_question(db: Database, chat_id: int, message_id: int) -> dict | None:
    """The reopening whose "why?" question is this message, if its reason is still unsaid."""
    rows = list(select(db,
        "select * from problem_events where kind = 'reopened' "
        "and json_extract(detail, '$.ask_chat') = ? and json_extract(detail, '$.ask_message') = ? "
        "and json_extract(detail, '$.reason') is null", [chat_id, message_id]))
    return rows[0] if rows else None


def update_event(db: Database, event_id: int, **detail) -> None:
    row = db["problem_events"].get(event_id)
    merged = {**json.loads(row["detail"] or "{}"), **detail}
    db["problem_events"].update(event_id, {"detail": json.dumps(merged, ensure_ascii=False)})


def last_event_id(db: Database, problem_id: int, kind: str) -> int | None:
    rows = list(select(db, "select max(id) as id from problem_events "
                           "where problem_id = ? and kind = ?", [problem_id, kind]))
    return rows[0]["id"] if rows else None


def problems_version(db: Database) -> int:
    """The number of the latest problem event: with storage.projects.last_change (which a
    problem's own row changing moves), it changes whenever a problem list may read otherwise
    (a ladder step is an event only)."""
    return next(select(db, "select coalesce(max(id), 0) as id from problem_events"))["id"]


def closed_since(db: Database, since_iso: str, unit_id: int | None = None) -> list[dict]:
    """Problems closed (confirmed) since `since_iso`, newest first, with who confirmed them."""
    where = "where q.status = 'resolved' and coalesce(q.confirmed_at, q.resolved_at) >= ?"
    params: list = [since_iso]
    if unit_id is not None:
        where += (" and (p.unit_id = ? or coalesce(q.acting_unit_id, p.unit_id) = ?"
                  " or q.raised_unit_id = ?)")
        params += [unit_id, unit_id, unit_id]
    return list(select(db,
        f"select * from ({_SELECT} {where}) x left join (select user_id, name as confirmer_name "
        "from people) c on c.user_id = coalesce(x.confirmed_by, x.resolved_by) "
        "order by coalesce(x.confirmed_at, x.resolved_at) desc, x.id desc",
        params))
