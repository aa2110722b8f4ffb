"""Storage of the problems ledger and of the weekly rank snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime

from reports.standing import Thresholds
from reports.states import items_from_rows
from services.views import weekly_ranking
from storage.people import find_unit
from storage.problems import (
    assign_problem,
    get_problem,
    list_open_problems,
    open_problem,
    project_open_problems,
    resolve_problem,
)
from storage.projects import get_project, project_states
from storage.ranks import iso_week, previous_week, store_snapshot, week_ranks
from tests.conftest import seed_ledger


def test_problem_lifecycle_and_scope(fresh_db):
    db = fresh_db
    seed_ledger(db)
    kcc, housing = find_unit(db, "科创城管委会")["id"], find_unit(db, "区住房和城乡建设局")["id"]
    qb1, qb5 = get_project(db, "QB-001"), get_project(db, "QB-005")
    first = open_problem(db, qb1["id"], "电力接入", 300, kcc, None)
    second = open_problem(db, qb5["id"], "管网迁改", None, None, housing)
    row = get_problem(db, first)
    assert row["must_act_unit_id"] == kcc and row["acting_unit_name"] == "科创城管委会"
    assert [q["id"] for q in list_open_problems(db)] == [first, second]
    assert [q["id"] for q in list_open_problems(db, kcc)] == [first]
    assign_problem(db, first, housing, 2)  # handed to housing: now theirs too, and still kcc's
    assert [q["id"] for q in list_open_problems(db, housing)] == [first, second]
    assert [q["id"] for q in list_open_problems(db, kcc)] == [first]
    assert resolve_problem(db, first, 2, "好了") is True
    assert resolve_problem(db, first, 2, "again") is False
    assert get_problem(db, first)["resolution"] == "好了"
    assert project_open_problems(db, qb1["id"]) == []
    assert [a["action"] for a in db["audit"].rows_where("action like 'problem_%'")] == [
        "problem_open", "problem_open", "problem_assign", "problem_resolve"]


def test_iso_weeks():
    assert iso_week(date(2026, 1, 1)) == "2026-W01"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"
    assert previous_week(date(2026, 1, 5)) == "2026-W01"
    assert previous_week(date(2026, 1, 1)) == "2025-W52"


def test_weekly_snapshot_first_of_the_week_wins(fresh_db):
    db = fresh_db
    seed_ledger(db)
    now = datetime(2026, 11, 18, 9, tzinfo=UTC)  # a Wednesday, 2026-W47
    items = items_from_rows(project_states(db), now, Thresholds())
    ranking = weekly_ranking(db, items, now.date())
    assert all(r.change is None for r in ranking)  # no snapshot last week: all new
    assert week_ranks(db, "2026-W47") == {r.unit: r.rank for r in ranking}
    assert store_snapshot(db, "2026-W47", ranking[::-1]) is False  # kept as first stored
    # Next week compares with this one.
    later = weekly_ranking(db, items, date(2026, 11, 23))
    assert all(r.change == 0 for r in later)
    assert week_ranks(db, "2026-W48") == week_ranks(db, "2026-W47")
