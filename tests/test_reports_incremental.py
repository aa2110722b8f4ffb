"""The worst-first order and the unit ranking kept across changes (reports.portfolio.Portfolio,
with reports.standing.WorstFirst and reports.ranking.UnitRanker): after one project's change
only that project moves and only its unit is scored again. That they equal a full sort and a
full rank_units whatever changes is tests/test_views_kept.py's property, over the changes drawn
here."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from reports.portfolio import Portfolio
from reports.ranking import rank_units
from reports.standing import ProjectState, assess, worst_first
from tests.test_ranking_fairness import NOW, STAGES, TODAY, project

UNITS = ("甲单位", "乙单位", "丙单位", "丁单位")


@st.composite
def state(draw, n: int) -> ProjectState:
    start = TODAY + timedelta(days=draw(st.integers(-400, 50)))
    updated = draw(st.one_of(st.none(), st.integers(0, 40)))
    return project(
        draw(st.sampled_from(UNITS)), n, code=f"P-{n:03d}", stage=draw(STAGES),
        planned_start=start, planned_end=start + timedelta(days=draw(st.integers(1, 700))),
        progress=draw(st.one_of(st.none(), st.floats(0, 100))),
        last_update_at=None if updated is None else NOW - timedelta(days=updated))


@st.composite
def ledger_and_changes(draw):
    """A ledger, then rounds of changes (each: projects changed or added, and removed)."""
    ledger = {n: draw(state(n)) for n in range(draw(st.integers(0, 30)))}
    rounds = []
    for _ in range(draw(st.integers(1, 6))):
        touched = draw(st.lists(st.integers(0, 40), max_size=4))
        removed = draw(st.lists(st.integers(0, 40), max_size=2))
        rounds.append(({n: draw(state(n)) for n in touched}, set(removed)))
    return ledger, rounds


def test_after_one_change_only_that_project_moves_and_only_its_unit_is_scored_again():
    states = [project(UNITS[n % 4], n, code=f"P-{n:03d}", progress=float(n),
                      last_update_at=NOW - timedelta(days=n % 20),
                      planned_start=TODAY - timedelta(days=100),
                      planned_end=TODAY + timedelta(days=100)) for n in range(200)]
    items = assess(states, TODAY, NOW)
    kept = Portfolio()
    kept.reset(items)
    before = kept.ranking()
    rows = dict(kept.ranker.rows)
    changed = assess([project(UNITS[1], 1, code="P-001", progress=0.0,
                              last_update_at=NOW - timedelta(days=60),
                              planned_start=TODAY - timedelta(days=100),
                              planned_end=TODAY + timedelta(days=100))], TODAY, NOW)[0]
    kept.change([(items[1], changed)])
    items[1] = changed
    assert kept.ordered() == worst_first(items)
    assert kept.ordered()[0] is changed  # the worst now: moved to the front
    after = kept.ranking()
    assert after == rank_units(items) and after != before
    rescored = [unit for unit in UNITS if kept.ranker.rows[unit] is not rows[unit]]
    assert rescored == [UNITS[1]]
