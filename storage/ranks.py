"""Weekly snapshots of the unit ranking, for "rank change since last week".

The first ranking computed in an ISO week (by /status or the leader digest, through
services.views.weekly_ranking) is stored as that week's snapshot (`rank_snapshots`: week,
unit_id, rank, score); later rankings of the same week leave it as it is. A ranking's change
compares with the previous ISO week's snapshot; a unit missing from it is new.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Protocol

from sqlite_utils import Database

from storage.db import select


class RankRow(Protocol):
    """A unit's place in a ranking (reports.ranking.UnitRank is one)."""

    unit: str  # the unit's name
    rank: int
    score: float


def iso_week(day: date) -> str:
    """'2026-W07' for any day of that ISO week."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def previous_week(day: date) -> str:
    return iso_week(day - timedelta(days=7))


def week_ranks(db: Database, week: str) -> dict[str, int]:
    """{unit name: rank} of a week's snapshot (empty when there is none)."""
    return {row["name"]: row["rank"] for row in select(db,
        "select u.name, s.rank from rank_snapshots s join units u on u.id = s.unit_id "
        "where s.week = ?", [week])}


def store_snapshot(db: Database, week: str, ranking: Iterable[RankRow]) -> bool:
    """Store `ranking` as the week's snapshot unless the week has one; True if stored."""
    ids = {row["name"]: row["id"] for row in select(db, "select id, name from units")}
    rows = [{"week": week, "unit_id": ids[r.unit], "rank": r.rank, "score": r.score}
            for r in ranking if r.unit in ids]
    if not rows:
        return False
    with db.atomic():
        if list(select(db, "select 1 from rank_snapshots where week = ? limit 1", [week])):
            return False
        db["rank_snapshots"].insert_all(rows)
    return True

