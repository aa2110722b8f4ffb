"""Projects: the ledger import, look-ups, and each project's current state derived from history."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlite_utils import Database

from storage.db import now_iso, select
from storage.people import get_or_create_unit, record_audit

LEDGER_FIELDS = ("name", "leader", "stage", "planned_start", "planned_end", "total_investment",
                 "annual_plan")


def import_ledger(db: Database, rows: Iterable[Any], actor_id: int | None) -> dict[str, int]:
    """Create or update projects by code in one transaction; history is kept. `rows` have the
    attributes of parsing.ledger.LedgerRow (code, unit, aliases and LEDGER_FIELDS)."""
    created = updated = 0
    now = now_iso()
    with db.atomic():
        for row in rows:
            unit_id = get_or_create_unit(db, row.unit)
            values = {key: getattr(row, key) for key in LEDGER_FIELDS}
            values.update(unit_id=unit_id, aliases=json.dumps(row.aliases, ensure_ascii=False),
                          updated_at=now, active=0 if row.stage == "completed" else 1)
            existing = get_project(db, row.code)
            if existing:
                db["projects"].update(existing["id"], values)
                updated += 1
            else:
                db["projects"].insert({"code": row.code, "created_at": now, **values})
                created += 1
        record_audit(db, actor_id, "import", created=created, updated=updated)
    return {"created": created, "updated": updated}


def get_project(db: Database, code: str) -> dict | None:
    rows = list(select(db,
        "select p.*, u.name as unit_name from projects p join units u on u.id = p.unit_id "
        "where p.code = ? collate nocase", [code.strip()]))
    return rows[0] if rows else None


def get_project_by_id(db: Database, project_id: int) -> dict | None:
    rows = list(select(db,
        "select p.*, u.name as unit_name from projects p join units u on u.id = p.unit_id "
        "where p.id = ?", [project_id]))
    return rows[0] if rows else None


def ledger_version(db: Database) -> int:
    """A number that changes whenever any project or unit does (kept by triggers, m006)."""
    return db.execute("select version from ledger_version").fetchone()[0]


def list_projects(db: Database, unit_id: int | None = None) -> list[dict]:
    """Projects with their unit name, optionally of one unit, in code order."""
    where, params = ("where p.unit_id = ?", [unit_id]) if unit_id is not None else ("", [])
    return list(select(db,
        "select p.*, u.name as unit_name from projects p join units u on u.id = p.unit_id "
        f"{where} order by p.code", params))


def add_milestone(db: Database, project_id: int, due: str, progress: float, title: str = "") -> None:
    db["milestones"].insert({"project_id": project_id, "due": due, "progress": progress,
                             "title": title})


# What follows from a project's updates (of `projects p`): the latest reported value of each.
_DERIVED = """
  (select progress from updates where project_id = p.id and progress is not null
     order by created_at desc, id desc limit 1) as progress,
  coalesce((select stage from updates where project_id = p.id and stage is not null
     order by created_at desc, id desc limit 1), p.stage) as current_stage,
  (select invested from updates where project_id = p.id and invested is not null
     order by created_at desc, id desc limit 1) as invested,
  (select max(created_at) from updates where project_id = p.id) as last_update_at,
  (select raw_text from updates where project_id = p.id
     order by created_at desc, id desc limit 1) as latest_update,
  (select count(*) from problems where project_id = p.id and status = 'open') as open_problems
"""


def project_states(db: Database, unit_id: int | None = None, code: str | None = None,
                   project_ids: Iterable[int] | None = None) -> list[dict]:
    """Each project's ledger row plus its state derived from its updates.

    Adds: progress, stage (latest reported, else the ledger's), invested, last_update_at,
    latest_update (text), open_problems, milestones (list of {due, progress}), unit_name.
    `unit_id`, `code` and `project_ids` (a few ids) narrow it down.
    """
    return list(iter_project_states(db, unit_id, code, project_ids))


def iter_project_states(db: Database, unit_id: int | None = None, code: str | None = None,
                        project_ids: Iterable[int] | None = None) -> Iterator[dict]:
    """`project_states` one row at a time (tens of thousands of rows need not all be held)."""
    where, params = [], []
    if project_ids is not None:
        ids = sorted(set(project_ids))
        where.append(f"p.id in ({','.join('?' for _ in ids) or 'null'})")
        params += ids
    if unit_id is not None:
        where.append("p.unit_id = ?")
        params.append(unit_id)
    if code is not None:
        where.append("p.code = ? collate nocase")
        params.append(code)
    sql = f"""
        select p.*, u.name as unit_name, {_DERIVED}
        from projects p join units u on u.id = p.unit_id
        {"where " + " and ".join(where) if where else ""}
        order by u.name, p.code
    """
    milestones: dict[int, list[dict]] = {}
    scope = (f" where project_id in (select p.id from projects p where {' and '.join(where)})"
             if where else "")  # a few projects must not read every milestone
    for m in select(db, f"select project_id, due, progress from milestones{scope} order by due",
                      params):
        milestones.setdefault(m["project_id"], []).append({"due": m["due"], "progress": m["progress"]})
    for row in select(db, sql, params):
        row["milestones"] = milestones.get(row["id"], [])
        row["aliases"] = aliases_of(row)
        yield row


def state_after_update(db: Database, project: dict, update_id: int) -> dict:
    """`project_states`' row of the project a status update was just stored for, built on its
    ledger row (`project`, as `list_projects` gives it; not read again), plus
    `previous_progress`: the progress of its update before that one (None: none reported) —
    for a correction too, so that the change shown is against the update it follows."""
    row = next(select(db, f"""
        select {_DERIVED},
          (select b.progress from updates b, updates this where this.id = :update_id
             and b.project_id = p.id and b.progress is not null
             and (b.created_at < this.created_at or (b.created_at = this.created_at
                                                     and b.id < this.id))
             order by b.created_at desc, b.id desc limit 1) as previous_progress,
          (select json_group_array(json_object('due', due, 'progress', progress))
             from (select due, progress from milestones where project_id = p.id order by due))
             as milestones
        from projects p where p.id = :project_id
    """, {"update_id": update_id, "project_id": project["id"]}))
    return {**project, **row, "milestones": json.loads(row["milestones"]),
            "aliases": aliases_of(project)}


def aliases_of(project: dict) -> list[str]:
    """A project row's aliases as a list (stored as JSON text; rows of project_states have
    them decoded already)."""
    value = project.get("aliases")
    return json.loads(value or "[]") if isinstance(value, str) else list(value or [])


def recent_updates(db: Database, project_id: int, limit: int = 5) -> list[dict]:
    """A project's latest updates, newest first: id, created_at, raw_text, author (name, else
    id), files (how many attachments)."""
    return list(select(db,
        "select u.id, u.created_at, u.raw_text, u.author_id, pe.name as author, "
        "json_array_length(coalesce(u.file_ids, '[]')) as files "
        "from updates u left join people pe on pe.user_id = u.author_id "
        "where u.project_id = ? order by u.created_at desc, u.id desc limit ?",
        [project_id, limit]))


def changed_projects(db: Database, after: int) -> tuple[int, set[int] | None]:
    """(the latest change number, the ids of projects changed after change number `after`).

    The ids are None when everything must be reloaded: a unit was renamed or removed, or the
    log no longer reaches back to `after` (it was pruned). Changes are recorded by triggers
    (migration m005), whichever process writes.
    """
    last = next(select(db, "select coalesce(max(seq), 0) as seq from project_changes"))["seq"]
    if last == after:
        return last, set()
    first = next(select(db, "select min(seq) as seq from project_changes"))["seq"]
    if first is None or after < first - 1 or after > last:
        return last, None
    ids: set[int] = set()
    for row in select(db, "select project_id from project_changes where seq > ?", [after]):
        if row["project_id"] is None:
            return last, None
        ids.add(row["project_id"])
    return last, ids


def last_change(db: Database) -> int:
    """The number of the latest project change (m005): while it stands, no project's state,
    problems or unit changed."""
    return next(select(db, "select coalesce(max(seq), 0) as seq from project_changes"))["seq"]


def prune_changes(db: Database, keep: int = 1000) -> None:
    """Forget all but the last `keep` project changes (a reader further behind reloads all)."""
    db.execute("delete from project_changes where seq <= "
               "(select max(seq) from project_changes) - ?", [keep])
