"""What the dashboard reads beyond the project states: progress over time, investment figures."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlite_utils import Database

from storage.db import select


def progress_history(db: Database, project_id: int) -> list[dict]:
    """A project's reported progress, oldest first: created_at, progress."""
    return list(select(db, "select created_at, progress from updates where project_id = ? "
                           "and progress is not null order by created_at, id", [project_id]))


def investment_around(db: Database, boundary: str, until: str) -> Iterator[dict]:
    """Per project (code), the last investment reported before `boundary` (before_at,
    before) and the last one from then up to `until` (latest_at, latest), both cumulative
    (万元); times as stored (ISO 8601, UTC). Four index look-ups a project, not every figure."""
    def last(before: str, column: str) -> str:
        return (f"(select {column} from updates u where u.project_id = p.id and u.invested "
                f"is not null and {before} order by u.created_at desc, u.id desc limit 1)")

    window = "u.created_at >= :boundary and u.created_at <= :until"
    return select(db, f"""
        select p.code, {last("u.created_at < :boundary", "created_at")} as before_at,
               {last("u.created_at < :boundary", "invested")} as before,
               {last(window, "created_at")} as latest_at, {last(window, "invested")} as latest
        from projects p""", {"boundary": boundary, "until": until})


def project_milestones(db: Database, project_id: int) -> list[dict]:
    """A project's nodes in date order: due, progress (planned percent), title."""
    return list(select(db, "select due, progress, title from milestones where project_id = ? "
                           "order by due", [project_id]))



def update_files(db: Database, update_id: int) -> dict | None:
    """An update's attachments (file_ids, a list of Telegram file ids) and its project's
    unit_id."""
    rows = list(select(db, "select u.file_ids, p.unit_id from updates u "
                           "join projects p on p.id = u.project_id where u.id = ?", [update_id]))
    if not rows:
        return None
    return {"unit_id": rows[0]["unit_id"], "file_ids": json.loads(rows[0]["file_ids"] or "[]")}
