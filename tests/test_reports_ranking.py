from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.ranking import rank_units, ranks_of, unit_score
from reports.standing import ProjectState, Standing, assess

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


# ------------------------------------------------------------------ what was never reported

TODAY = NOW.date()


def state(unit, code, progress=None, stage="started", updated_days_ago=None, created_days_ago=3,
          start=None, end=None):
    return ProjectState(
        code=code, name=code, unit=unit, leader=None, stage=stage,
        planned_start=start, planned_end=end, total_investment=None, annual_plan=None,
        progress=progress, invested=None,
        last_update_at=None if updated_days_ago is None else NOW - timedelta(days=updated_days_ago),
        created_at=NOW - timedelta(days=created_days_ago),
    )


def test_never_updated_counts_as_stale_from_creation():
    (_, s), = assess([state("X", "X1", created_days_ago=20)], TODAY, NOW)
    assert (s.stale_days, s.is_stale, s.standing) == (20, True, "lagging")


def test_a_unit_that_never_reported_scores_nothing():
    # X: a project completed in the ledger and a new one still negotiating, neither updated.
    x = [state("X", "X1", stage="completed"), state("X", "X2", stage="negotiating")]
    assert [s.standing for _, s in assess(x, TODAY, NOW)] == ["done", "on_track"]
    # Y: reported yesterday, on track, 4 points behind a 50 % plan (A = 46 / 50 = 0.92).
    y = [state("Y", "Y1", progress=46, updated_days_ago=1,
               start=TODAY - timedelta(days=50), end=TODAY + timedelta(days=50))]
    ranking = rank_units(assess(x + y, TODAY, NOW))
    assert [(r.unit, r.score, r.rank) for r in ranking] == [("Y", 97.6, 1), ("X", 0.0, 2)]
    x_rank = ranking[1]
    assert (x_rank.standing_share, x_rank.plan_attainment, x_rank.promptness) == (0.0, None, 0.0)
    assert (x_rank.projects, x_rank.done, x_rank.on_track) == (2, 1, 1)  # still counted as projects


def test_a_never_updated_project_counts_zero():
    # a: updated yesterday, on track at plan 50 %; b: never updated, no plan.
    # S = 1/2, A = 1 (only a has a plan), R = 1/2 -> 100 × (0.25 + 0.3 + 0.1) = 65
    a = state("Z", "a", progress=50, updated_days_ago=1,
              start=TODAY - timedelta(days=50), end=TODAY + timedelta(days=50))
    b = state("Z", "b")
    score, good, attain, prompt = unit_score(assess([a, b], TODAY, NOW))
    assert (score, good, attain, prompt) == (65.0, 0.5, 1.0, 0.5)


def test_a_never_updated_project_with_a_plan_counts_zero_in_a():
    # both on a 50 % plan; a at 50 % (on track), b never updated (lagging, 50 behind)
    # S = 1/2, A = (1 + 0) / 2, R = 1/2 -> 100 × (0.25 + 0.15 + 0.1) = 50
    span = dict(start=TODAY - timedelta(days=50), end=TODAY + timedelta(days=50))
    a = state("Z", "a", progress=50, updated_days_ago=1, **span)
    b = state("Z", "b", **span)
    assert unit_score(assess([a, b], TODAY, NOW)) == (50.0, 0.5, 0.5, 0.5)


def test_a_done_project_that_was_reported_counts_in_full():
    done = state("Z", "a", progress=100, updated_days_ago=30, created_days_ago=200)
    assert unit_score(assess([done], TODAY, NOW)) == (100.0, 1.0, 1.0, 1.0)


# ------------------------------------------------------------------ the fairness property

STAGE = st.sampled_from([None, "negotiating", "signed", "started", "completed"])
PROGRESS = st.one_of(st.none(), st.floats(0, 100, allow_nan=False))


@st.composite
def silent_project(draw, unit, i):
    """Anything at all, but never updated."""
    start = draw(st.one_of(st.none(), st.integers(-800, 300).map(lambda d: TODAY + timedelta(days=d))))
    end = None if start is None else start + timedelta(days=draw(st.integers(1, 1500)))
    return state(unit, f"{unit}{i}", progress=draw(PROGRESS), stage=draw(STAGE),
                 created_days_ago=draw(st.integers(0, 400)), start=start, end=end)


@st.composite
def weekly_on_track_project(draw, unit, i):
    """Updated within the last 7 days, at most 4 points behind a plan (or with none), or done."""
    if draw(st.booleans()):
        start = TODAY - timedelta(days=draw(st.integers(0, 80)))
        end = TODAY + timedelta(days=draw(st.integers(1, 1000)))
    else:
        start = end = None
    p = state(unit, f"{unit}{i}", updated_days_ago=draw(st.integers(0, 7)), created_days_ago=400,
              start=start, end=end, stage=draw(st.sampled_from(["started", "completed"])))
    (_, s), = assess([p], TODAY, NOW)
    slack = draw(st.floats(-4.0, 60.0, allow_nan=False))
    progress = min(100.0, max(0.0, (s.planned or 0.0) + slack))
    return replace(p, progress=round(progress, 1))


@st.composite
def units(draw):
    silent = [draw(silent_project("X", i)) for i in range(draw(st.integers(1, 6)))]
    weekly = [draw(weekly_on_track_project("Y", i)) for i in range(draw(st.integers(1, 6)))]
    others = [
        draw(silent_project("O", i)) if draw(st.booleans()) else draw(weekly_on_track_project("O", i))
        for i in range(draw(st.integers(0, 4)))
    ]
    return silent, weekly, others


@settings(max_examples=300, deadline=None)
@given(units())
def test_a_unit_that_never_reported_never_ranks_above_one_reporting_weekly_on_track(drawn):
    silent, weekly, others = drawn
    items = assess(silent + weekly + others, TODAY, NOW)
    assert all(s.standing in ("on_track", "done") and not s.is_stale
               for p, s in items if p.unit == "Y")
    ranking = rank_units(items)
    order = [r.unit for r in ranking]
    x, y = (next(r for r in ranking if r.unit == u) for u in ("X", "Y"))
    assert order.index("Y") < order.index("X")
    assert y.rank < x.rank and y.score >= 70 and x.score == 0
