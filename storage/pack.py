"""What the meeting pack reads beyond the project states: the week's updates, the nodes, and
the problems opened and closed in a week. Times are stored times (ISO 8601, UTC); `until`
bounds every read to what was stored by then, so a past day's pack says what it said then."""

from __future__ import annotations

from collections.abc import Iterator

from sqlite_utils import Database

from storage.db import select
from storage.problems import open_at


def updates_between(db: Database, since: str, until: str) -> Iterator[dict]:
    """Every update stored after `since` up to `until`, oldest first: created_at, author
    (name, else id), code, name, unit_name, progress, stage, invested, raw_text."""
    return select(db, """
        select u.created_at, coalesce(pe.name, cast(u.author_id as text)) as author,
               p.code, p.name, un.name as unit_name, u.progress, u.stage, u.invested,
               u.raw_text
        from updates u join projects p on p.id = u.project_id
        join units un on un.id = p.unit_id
        left join people pe on pe.user_id = u.author_id
        where u.created_at > :since and u.created_at <= :until
        order by u.created_at, u.id""", {"since": since, "until": until})


def nodes_until(db: Database, until: str) -> list[dict]:
    """Every node (milestone) of the projects created by `until`, by unit, project and date:
    code, name, unit_name, due, progress, title, and reached_at: when an update stored by
    `until` first reported the node's progress (None: not yet)."""
    return list(select(db, """
        select p.code, p.name, un.name as unit_name, m.due, m.progress, m.title,
               (select min(u.created_at) from updates u where u.project_id = m.project_id
                  and u.progress >= m.progress and u.created_at <= :until) as reached_at
        from milestones m join projects p on p.id = m.project_id
        join units un on un.id = p.unit_id
        where p.created_at <= :until
        order by un.name, p.code, m.due, m.id""", {"until": until}))


def problems_opened_closed(db: Database, since: str, until: str) -> tuple[int, int]:
    """(problems opened after `since` up to `until`, problems resolved in that time and not
    open again at `until`)."""
    params = {"since": since, "until": until}
    opened = next(select(db, "select count(*) as n from problems "
                             "where created_at > :since and created_at <= :until", params))["n"]
    closed = next(select(db, f"""
        select count(*) as n from problems q where exists (
            select 1 from problem_events e where e.problem_id = q.id and e.kind = 'resolved'
              and e.at > :since and e.at <= :until) and not {open_at()}""", params))["n"]
    return opened, closed
