from datetime import UTC, datetime, timedelta

import pytest

from reports.ranking import rank_units, ranks_of, unit_score
from reports.standing import ProjectState, Standing

NOW = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)


def item(unit, standing="on_track", progress=50.0, planned=50.0, stale=False, code=None):
    p = ProjectState(
        code=code or f"{unit}-{progress}-{standing}",
        name="x",
        unit=unit,
        leader=None,
        stage="started",
        planned_start=None,
        planned_end=None,
        total_investment=None,
        annual_plan=None,
        progress=progress,
        invested=None,
        last_update_at=NOW - timedelta(days=20 if stale else 1),
        created_at=NOW - timedelta(days=100),
    )
    behind = None if planned is None else planned - (progress or 0)
    s = Standing(planned, behind, 20 if stale else 1, stale, standing)
    return p, s


def test_score_formula():
    # S = 1/2, A = (1 + 20/50) / 2 = 0.7, R = 1  ->  100 * (0.25 + 0.21 + 0.2) = 66
    items = [item("u"), item("u", "lagging", progress=20)]
    score, good, attain, prompt = unit_score(items)
    assert (good, attain, prompt) == (0.5, pytest.approx(0.7), 1.0)
    assert score == 66.0


def test_attainment_capped_done_counts_full_and_no_plan_left_out():
    # ahead of plan counts 1, not more; a done project counts 1; no plan: left out
    items = [
        item("u", progress=90, planned=50),
        item("u", "done", 100, planned=None),
        item("u", progress=10, planned=None),
    ]
    _, _, attain, _ = unit_score(items)
    assert attain == 1.0


def test_no_plan_at_all_scales_the_other_weights():
    items = [item("u", planned=None), item("u", "at_risk", planned=None, stale=True)]
    score, good, attain, prompt = unit_score(items)
    assert attain is None and good == 0.5 and prompt == 0.5
    assert score == pytest.approx(100 * (0.5 * 0.5 + 0.2 * 0.5) / 0.7, abs=0.05)


def test_order_ties_and_counts():
    items = [
        item("甲", "on_track"),
        item("甲", "done", 100),  # 100
        item("乙", "lagging", 10),
        item("乙", "on_track"),  # lower
        item("丙", "on_track"),  # 100, tie with 甲
        item("丁", "lagging", 0, stale=True),  # worst
    ]
    ranking = rank_units(items)
    assert [r.unit for r in ranking] == ["丙", "甲", "乙", "丁"]  # tie: by name
    assert [r.rank for r in ranking] == [1, 1, 3, 4]
    yi = ranking[2]
    assert (yi.projects, yi.on_track, yi.lagging, yi.done, yi.at_risk) == (2, 1, 1, 0, 0)
    assert ranking[3].stale == 1
    assert all(r.is_new and r.change is None for r in ranking)


def test_fewer_lagging_breaks_a_score_tie_before_the_name():
    a = [item("A", "lagging", 50, planned=50), item("A", "lagging", 50, planned=50)]
    b = [item("B", "at_risk", 50, planned=50), item("B", "at_risk", 50, planned=50)]
    ranking = rank_units(a + b)
    assert ranking[0].score == ranking[1].score
    assert [r.unit for r in ranking] == ["B", "A"]


def test_rank_change():
    items = [item("A"), item("B", "lagging", 10), item("C", "at_risk", 45), item("D")]
    previous = {"A": 3, "B": 1, "C": 3}
    ranking = {r.unit: r for r in rank_units(items, previous)}
    assert ranking["A"].rank == 1 and ranking["A"].change == 2
    assert ranking["D"].rank == 1 and ranking["D"].is_new
    assert ranking["C"].rank == 3 and ranking["C"].change == 0
    assert ranking["B"].rank == 4 and ranking["B"].change == -3
    assert ranks_of(ranking.values()) == {"A": 1, "D": 1, "C": 3, "B": 4}


def test_empty():
    assert rank_units([]) == []
