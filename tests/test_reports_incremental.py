"""The worst-first order and the unit ranking kept across changes (reports.standing.WorstFirst,
reports.ranking.UnitRanker) always equal a full sort and a full rank_units, whatever changes:
a project's progress, stage or unit, a project added or removed, many at once."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.ranking import UnitRanker, rank_units
from reports.standing import ProjectState, WorstFirst, assess, worst_first
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


@settings(max_examples=150, deadline=None)
@given(ledger_and_changes(), st.dictionaries(st.sampled_from(UNITS), st.integers(1, 4)))
def test_kept_order_and_ranking_equal_a_full_one_after_any_change(case, previous):
    ledger, rounds = case
    # As the state cache does: an unchanged project keeps its very item.
    items = dict(zip(ledger, assess(ledger.values(), TODAY, NOW), strict=True))
    kept_order, ranker = WorstFirst(), UnitRanker()
    kept_order.REBUILD_SHARE = 1  # move the changed items even when most changed
    for changed, removed in [({}, set()), *rounds]:
        items.update(zip(changed, assess(changed.values(), TODAY, NOW), strict=True))
        for n in removed:
            items.pop(n, None)
        now_items = list(items.values())
        assert kept_order.order(now_items) == worst_first(now_items)
        assert ranker.rank(now_items, previous) == rank_units(now_items, previous)


def test_after_one_change_only_that_project_moves_and_only_its_unit_is_scored_again():
    states = [project(UNITS[n % 4], n, code=f"P-{n:03d}", progress=float(n),
                      last_update_at=NOW - timedelta(days=n % 20),
                      planned_start=TODAY - timedelta(days=100),
                      planned_end=TODAY + timedelta(days=100)) for n in range(200)]
    items = assess(states, TODAY, NOW)
    kept_order, ranker = WorstFirst(), UnitRanker()
    kept_order.order(items)
    before = ranker.rank(items)
    rows = dict(ranker.rows)
    changed = assess([project(UNITS[1], 1, code="P-001", progress=0.0,
                              last_update_at=NOW - timedelta(days=60),
                              planned_start=TODAY - timedelta(days=100),
                              planned_end=TODAY + timedelta(days=100))], TODAY, NOW)[0]
    items[1] = changed
    assert kept_order.order(items) == worst_first(items)
    assert kept_order.order(items)[0] is changed  # the worst now: moved to the front
    after = ranker.rank(items)
    assert after == rank_units(items) and after != before
    rescored = [unit for unit in UNITS if ranker.rows[unit][1] is not rows[unit][1]]
    assert rescored == [UNITS[1]]
