"""What the dashboard reads beyond the project states: progress over time, investment figures."""

from __future__ import annotations

from collections.abc import Iterator

from sqlite_utils import Database

from storage.db import select


def progress_history(db: Database, project_id: int) -> list[dict]:
    """A project's reported progress, oldest first: created_at, progress."""
    return list(select(db, "select created_at, progress from updates where project_id = ? "
                           "and progress is not null order by created_at, id", [project_id]))


def invested_figures(db: Database) -> Iterator[dict]:
    """Every reported cumulative investment, by project then in the order received:
    code (the project's), created_at, invested (万元)."""
    return select(db, "select p.code, u.created_at, u.invested from updates u "
                      "join projects p on p.id = u.project_id "
                      "where u.invested is not null order by u.project_id, u.created_at, u.id")


def project_milestones(db: Database, project_id: int) -> list[dict]:
    """A project's nodes in date order: due, progress (planned percent), title."""
    return list(select(db, "select due, progress, title from milestones where project_id = ? "
                           "order by due", [project_id]))
