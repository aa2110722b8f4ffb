"""Projects: the ledger import, look-ups, and each project's current state derived from history."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlite_utils import Database

from storage.db import now_iso, select
from storage.people import get_or_create_unit, record_audit
from storage.problems import open_at

LEDGER_FIELDS = ("name", "leader", "stage", "planned_start", "planned_end", "total_investment",
                 "annual_plan")


def import_ledger(db: Database, rows: Iterable[Any], actor_id: int | None,
                  nodes: Mapping[str, Iterable[Any]] | None = None) -> dict[str, int]:
    """Create or update projects by code in one transaction; history is kept. `rows` have the
    attributes of parsing.ledger.LedgerRow (code, unit, aliases and LEDGER_FIELDS). `nodes`
    (see `replace_milestones`) are replaced in the same transaction."""
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
        if nodes is not None:
            replace_milestones(db, nodes, actor_id)
    return {"created": created, "updated": updated}


def replace_milestones(db: Database, nodes: Mapping[str, Iterable[Any]],
                       actor_id: int | None) -> int:
    """Make each named project's nodes exactly these, all in one transaction: `nodes` maps a
    project code to its nodes (attributes due, progress, title of parsing.nodes.NodeRow; an
    empty list removes them all). Returns how many nodes were stored."""
    with db.atomic():
        ids = {row["code"].upper(): row["id"] for row in select(db, "select id, code from projects")}
        unknown = [code for code in nodes if code.upper() not in ids]
        if unknown:
            raise KeyError(unknown[0])  # the caller checked the codes: this rolls back all
        db.conn.executemany("delete from milestones where project_id = ?",
                            [(ids[code.upper()],) for code in nodes])
        records = [{"project_id": ids[code.upper()], "due": n.due, "progress": n.progress,
                    "title": n.title or ""} for code, own in nodes.items() for n in own]
        db["milestones"].insert_all(records)
        record_audit(db, actor_id, "import_nodes", projects=len(nodes), nodes=len(records))
    return len(records)


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


REPEATED_TEXTS = ("unit_name", "leader", "stage", "aliases")


def list_projects(db: Database, unit_id: int | None = None) -> list[dict]:
    """Projects with their unit name, optionally of one unit, in code order."""
    where, params = ("where p.unit_id = ?", [unit_id]) if unit_id is not None else ("", [])
    rows = list(select(db,
        "select p.*, u.name as unit_name from projects p join units u on u.id = p.unit_id "
        f"{where} order by p.code", params))
    for row in rows:  # one copy of the texts many rows repeat
        for column in REPEATED_TEXTS:
            if isinstance(row.get(column), str):
                row[column] = sys.intern(row[column])
    return rows


def latest_texts(db: Database) -> dict[str, str]:
    """{project code: the text of its latest update}, of every project with an update."""
    return {row["code"]: row["text"] for row in select(
        db, f"select p.code, {_latest_text()} as text from projects p") if row["text"] is not None}


def ledger_entries(db: Database) -> Iterator[dict]:
    """What status messages are matched and stored against, of every project in code order:
    id, code, name, unit_id, unit_name, aliases (JSON text), active, total_investment. Read
    lazily, a row at a time: the caller keeps what it needs in its own form."""
    return select(db,
        "select p.id, p.code, p.name, p.unit_id, u.name as unit_name, p.aliases, p.active, "
        "p.total_investment from projects p join units u on u.id = p.unit_id order by p.code")


def add_milestone(db: Database, project_id: int, due: str, progress: float, title: str = "") -> None:
    db["milestones"].insert({"project_id": project_id, "due": due, "progress": progress,
                             "title": title})


# What follows from a project's updates (of `projects p`): the latest reported value of each.
# With `until`, only what was stored by then counts (the pack as of a past day): updates
# stored up to :until, and problems open at :until (storage.problems.open_at).
def _latest_text(by: str = "") -> str:
    """The SQL of project p's latest update's text (`by`: a further condition on the updates)."""
    return f"""(select raw_text from updates where project_id = p.id{by}
     order by created_at desc, id desc limit 1)"""


def _derived(until: bool = False, texts: bool = True) -> str:
    by = " and created_at <= :until" if until else ""
    latest_update = f"\n  {_latest_text(by)} as latest_update," if texts else ""
    open_problems = open_at("problems") if until else "status = 'open'"
    return f"""
  (select progress from updates where project_id = p.id and progress is not null{by}
     order by created_at desc, id desc limit 1) as progress,
  coalesce((select stage from updates where project_id = p.id and stage is not null{by}
     order by created_at desc, id desc limit 1), p.stage) as current_stage,
  (select invested from updates where project_id = p.id and invested is not null{by}
     order by created_at desc, id desc limit 1) as invested,
  (select max(created_at) from updates where project_id = p.id{by}) as last_update_at,{latest_update}
  (select count(*) from problems where project_id = p.id and {open_problems}) as open_problems,
  (select json_group_array(json_array(created_at, invested, coalesce(invested_kind, 'cumulative')))
     from (select created_at, invested, invested_kind from updates
           where project_id = p.id and invested is not null{by} order by created_at, id))
     as invested_history
"""


_DERIVED = _derived()


def project_states(db: Database, unit_id: int | None = None, code: str | None = None,
                   project_ids: Iterable[int] | None = None, until: str | None = None,
                   texts: bool = True) -> list[dict]:
    """Each project's ledger row plus its state derived from its updates.

    Adds: progress, stage (latest reported, else the ledger's), invested, last_update_at,
  (select count(*) from problems where project_id = p.id and {open_problems}) as open_problems,
  (select json_group_array(json_array(created_at, invested, coalesce(invested_kind, 'cumulative')))
     from (select created_at, invested, invested_kind from updates
           where project_id = p.id and invested is not null{by} order by created_at, id))
     as invested_history
    """
    return list(iter_project_states(db, unit_id, code, project_ids, until, texts))


def iter_project_states(db: Database, unit_id: int | None = None, code: str | None = None,
                        project_ids: Iterable[int] | None = None, until: str | None = None,
                        texts: bool = True) -> Iterator[dict]:
    """`project_states` one row at a time (tens of thousands of rows need not all be held);
    `texts=False` leaves out latest_update, the last update's text: what is kept of every
    project need not hold it, only the export shows it (`latest_texts`)."""
    where: list[str] = []
    params: dict[str, object] = {"until": until}
    if project_ids is not None:
        ids = sorted(set(project_ids))
        params.update((f"id{i}", v) for i, v in enumerate(ids))
        where.append(f"p.id in ({','.join(f':id{i}' for i in range(len(ids))) or 'null'})")
    if unit_id is not None:
        where.append("p.unit_id = :unit_id")
        params["unit_id"] = unit_id
    if code is not None:
        where.append("p.code = :code collate nocase")
        params["code"] = code
    if until is not None:
        where.append("p.created_at <= :until")
    sql = f"""
        select p.*, u.name as unit_name, {_derived(until is not None, texts)}
        from projects p join units u on u.id = p.unit_id
        {"where " + " and ".join(where) if where else ""}
        order by u.name, p.code
    """
    milestones: dict[int, list[dict]] = {}
    scope = (f" where project_id in (select p.id from projects p where {' and '.join(where)})"
             if where else "")  # a few projects must not read every milestone
    for m in select(db, f"select project_id, due, progress, title from milestones{scope} "
                        "order by due", params):
        milestones.setdefault(m["project_id"], []).append(
            {"due": m["due"], "progress": m["progress"], "title": m["title"] or None})
    histories = recent_progress(db, scope.removeprefix(" where ") or "1", params, until)
    for row in select(db, sql, params):
        row["milestones"] = milestones.get(row["id"], [])
        row["aliases"] = aliases_of(row)
        row["progress_history"] = histories.pop(row["id"], [])  # let each go once read
        yield row


# What a forecast (reports.forecast) reads of a project's progress figures, in one query for
# all projects: the figures of the last HISTORY_DAYS days before its newest one (its 56-day
# window, with a margin for times stored with another offset than UTC), the newest figure
# before them, and the figures of its last six (UTC) days: the three local days a stall is
# judged on; of figures in one minute, the last only. Each bound is an index look-up
# (idx_updates_progress_latest); 2,000 projects with 132,000 progress figures take about
# 0.13 s of CPU (docs/benchmarks.md).
HISTORY_DAYS = 58


def recent_progress(db: Database, scope: str = "1", params: dict | None = None,
                    until: str | None = None) -> dict[int, list[tuple[str, float]]]:
    """{project id: [(created_at, progress), oldest first]} as described above; `scope` is a
    condition on `project_id` with its `params` (default: every project); with `until` (a
    stored time), only the figures stored by then."""
    found: dict[int, list[tuple[str, float]]] = {}
    by = " and u.created_at <= :until" if until else ""
    params = {**(params or {}), "until": until}
    figures = f"from updates u where u.project_id = ids.project_id and u.progress is not null{by}"
    # One range of the index a project, read in its order: from the lower bound, or from the
    # newest figure before the cutoff when that is older (no figure lies between the two; others
    # stored at that same moment are read too, and give way to it as figures of its minute).
    for project_id, created_at, progress in db.execute(f"""
        with bounds as materialized (
          select project_id,
            (select strftime('%Y-%m-%dT%H:%M:%S', max(u.created_at), '-{HISTORY_DAYS} days')
             {figures}) as cutoff,
            (select case when count(*) = 6 then min(day) end from (
               select distinct substr(u.created_at, 1, 10) as day {figures}
               order by u.created_at desc limit 6)) as sixth_day
          from (select id as project_id from projects) ids where {scope}),
        limits as materialized (
          select project_id, min(cutoff, coalesce(sixth_day, ''), coalesce((
              select max(v.created_at) from updates v
              where v.project_id = bounds.project_id and v.progress is not null
                and v.created_at < bounds.cutoff{by.replace("u.", "v.")}), cutoff)) as low
          from bounds)
        select b.project_id, u.created_at, u.progress
        from limits b join updates u on u.project_id = b.project_id
          and u.progress is not null and u.created_at >= b.low{by}
        order by b.project_id, u.created_at, u.id""", params).fetchall():  # tuples: cheaper
        figures = found.setdefault(project_id, [])
        if figures and same_minute(figures[-1][0], created_at):
            figures[-1] = (created_at, progress)  # the earlier is not its day's last: not needed
        else:
            figures.append((created_at, progress))
    return found


def same_minute(earlier: str, later: str) -> bool:
    """Two stored times in the same minute with the same offset: on one day wherever they are
    read (a forecast keeps each day's last figure; a burst of a project's updates, each asked
    for its standing, would otherwise make every one of them read all the others)."""
    if earlier[16:17] != ":" or later[16:17] != ":":  # not "YYYY-MM-DDTHH:MM:SS…"
        return earlier == later
    return earlier[:16] == later[:16] and earlier[19:] == later[19:]


def state_after_update(db: Database, project: dict, update_id: int, *,
                       history: bool = True) -> dict:
    """`project_states`' row of the project (`project`: any row with its id) a status update
    was just stored for, plus `previous_progress`: the progress of its update
    before that one (None: none reported) — for a correction too, so that the change shown is
    against the update it follows. `history=False` leaves out its progress_history
    (`progress_history` reads it when needed)."""
    row = next(select(db, f"""
        select p.*, (select name from units where id = p.unit_id) as unit_name, {_DERIVED},
          (select b.progress from updates b, updates this where this.id = :update_id
             and b.project_id = p.id and b.progress is not null
             and (b.created_at < this.created_at or (b.created_at = this.created_at
                                                     and b.id < this.id))
             order by b.created_at desc, b.id desc limit 1) as previous_progress,
          (select json_group_array(json_object('due', due, 'progress', progress,
                                               'title', nullif(title, '')))
             from (select due, progress, title from milestones where project_id = p.id
                   order by due))
             as milestones
        from projects p where p.id = :project_id
    """, {"update_id": update_id, "project_id": project["id"]}))
    state = {**row, "milestones": json.loads(row["milestones"]), "aliases": aliases_of(row)}
    if history:
        state["progress_history"] = progress_history(db, project["id"])
    return state


def progress_history(db: Database, project_id: int) -> list[tuple[str, float]]:
    """One project's `recent_progress`: what its forecast reads."""
    return recent_progress(db, "project_id = :project_id", {"project_id": project_id}).get(
        project_id, [])


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


def progress_before(db: Database, project_ids: Iterable[int], chat_id: int,
                    message_id: int) -> dict[int, dict]:
    """Each project's latest reported progress ({progress, created_at}) from updates other
    than those of message (`chat_id`, `message_id`): what a new figure is checked against."""
    ids = sorted(set(project_ids))
    if not ids:
        return {}
    # Each project's newest figure read off the index from its end: a window over all of a
    # project's updates cost more the more it had (every status update asks this).
    wanted = ",".join("(?)" for _ in ids)
    rows = select(db, f"""
        select project_id, progress, created_at from updates where id in (
          select (select u.id from updates u where u.project_id = wanted.column1
                    and u.progress is not null and not (u.chat_id = ? and u.message_id = ?)
                    order by u.created_at desc, u.id desc limit 1)
          from (values {wanted}) wanted)""", [chat_id, message_id, *ids])
    return {row["project_id"]: row for row in rows}
