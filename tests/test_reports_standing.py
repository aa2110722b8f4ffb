from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.standing import (
    Milestone,
    ProjectState,
    Thresholds,
    assess,
    compute_standing,
    days_since,
    planned_progress,
    worst_first,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=TZ)  # a Monday, the reminder's hour
TODAY = NOW.date()
TH = Thresholds()


def project(**kw) -> ProjectState:
    base = dict(
        code="P001",
        name="科创城卫星互联网产业园一期",
        unit="科创城管委会",
        leader=None,
        stage="started",
        planned_start=None,
        planned_end=None,
        total_investment=None,
        annual_plan=None,
        progress=None,
        invested=None,
        last_update_at=NOW - timedelta(days=1),
        created_at=NOW - timedelta(days=100),
    )
    base.update(kw)
    return ProjectState(**base)


def standing(**kw):
    today = kw.pop("today", TODAY)
    now = kw.pop("now", NOW)
    th = kw.pop("th", TH)
    return compute_standing(project(**kw), today, now, th)


# ------------------------------------------------------------------ planned progress, straight line

LINE = dict(planned_start=date(2026, 3, 1), planned_end=date(2026, 3, 21))  # 20 days


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2026, 2, 1), 0.0),  # before the start
        (date(2026, 3, 1), 0.0),  # the start day
        (date(2026, 3, 2), 5.0),
        (date(2026, 3, 11), 50.0),
        (date(2026, 3, 21), 100.0),  # the deadline day
        (date(2026, 4, 30), 100.0),  # after it: clamped
    ],
)
def test_straight_line(today, expected):
    assert planned_progress(project(**LINE), today) == expected


@pytest.mark.parametrize(
    "dates",
    [
        dict(),
        dict(planned_start=date(2026, 3, 1)),
        dict(planned_end=date(2026, 3, 21)),
    ],
)
def test_no_dates_no_plan(dates):
    s = standing(progress=30, **dates)
    assert s.planned is None and s.behind is None
    assert s.standing == "on_track"


def test_end_not_after_start():
    p = project(planned_start=date(2026, 3, 10), planned_end=date(2026, 3, 10))
    assert planned_progress(p, date(2026, 3, 9)) == 0
    assert planned_progress(p, date(2026, 3, 10)) == 100


# ------------------------------------------------------------------ planned progress, milestones

MS = (Milestone(date(2026, 1, 21), 60.0), Milestone(date(2026, 1, 11), 20.0))  # unsorted on purpose


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2025, 12, 31), 0.0),
        (date(2026, 1, 1), 0.0),  # planned_start: 0 %
        (date(2026, 1, 6), 10.0),  # halfway to the first milestone
        (date(2026, 1, 11), 20.0),  # on the milestone's day
        (date(2026, 1, 16), 40.0),
        (date(2026, 1, 21), 60.0),
        (date(2026, 1, 26), 80.0),  # towards planned_end at 100 %
        (date(2026, 1, 31), 100.0),
        (date(2026, 3, 1), 100.0),
    ],
)
def test_milestones_with_start_and_end(today, expected):
    p = project(planned_start=date(2026, 1, 1), planned_end=date(2026, 1, 31), milestones=MS)
    assert planned_progress(p, today) == expected


def test_milestones_without_dates():
    p = project(milestones=MS)
    assert planned_progress(p, date(2026, 1, 10)) == 0  # nothing due yet
    assert planned_progress(p, date(2026, 1, 11)) == 20  # due from its day on
    assert planned_progress(p, date(2026, 1, 16)) == 40
    assert planned_progress(p, date(2026, 6, 1)) == 60  # the last milestone holds


def test_milestones_win_over_straight_line():
    p = project(planned_start=date(2026, 1, 1), planned_end=date(2026, 12, 31), milestones=MS)
    assert planned_progress(p, date(2026, 1, 21)) == 60  # the line would say about 5.5


def test_milestone_behind_makes_lagging():
    s = standing(milestones=MS, progress=45, today=date(2026, 1, 21), now=NOW)
    assert (s.planned, s.behind, s.standing) == (60, 15, "lagging")


# ------------------------------------------------------------------ behind


@pytest.mark.parametrize(
    "progress, verdict",
    [
        (40, "lagging"),  # behind 10 = lag_points
        (40.5, "at_risk"),  # 9.5
        (45, "at_risk"),  # 5 = half of lag_points
        (45.5, "on_track"),  # 4.5
        (50, "on_track"),
        (80, "on_track"),  # ahead
    ],
)
def test_behind_boundaries(progress, verdict):
    s = standing(progress=progress, today=date(2026, 3, 11), **LINE)
    assert s.planned == 50
    assert s.behind == 50 - progress
    assert s.standing == verdict


def test_unknown_progress_counts_zero():
    s = standing(progress=None, today=date(2026, 3, 11), **LINE)
    assert s.behind == 50 and s.standing == "lagging"


def test_custom_thresholds():
    th = Thresholds(stale_days=3, lag_points=20)
    assert standing(progress=31, today=date(2026, 3, 11), th=th, **LINE).standing == "at_risk"
    assert standing(progress=30, today=date(2026, 3, 11), th=th, **LINE).standing == "lagging"
    assert standing(progress=41, today=date(2026, 3, 11), th=th, **LINE).standing == "on_track"
    four_days = NOW - timedelta(days=4)
    assert standing(last_update_at=four_days, th=th).standing == "at_risk"


# ------------------------------------------------------------------ the deadline


def test_on_the_deadline_day_not_past():
    s = standing(progress=95, today=date(2026, 3, 21), **LINE)
    assert s.planned == 100 and s.behind == 5
    assert not s.past_end
    assert s.standing == "at_risk"


def test_the_day_after_the_deadline_lagging():
    s = standing(progress=95, today=date(2026, 3, 22), **LINE)
    assert s.past_end and s.standing == "lagging"


def test_done_past_the_deadline():
    s = standing(progress=100, today=date(2026, 5, 1), **LINE)
    assert s.standing == "done" and not s.past_end


# ------------------------------------------------------------------ stale


@pytest.mark.parametrize(
    "days, stale, verdict",
    [
        (0, False, "on_track"),
        (7, False, "on_track"),  # exactly stale_days: not yet stale
        (8, True, "at_risk"),  # one day more
        (14, True, "at_risk"),  # exactly twice
        (15, True, "lagging"),  # more than twice
    ],
)
def test_stale_boundaries(days, stale, verdict):
    s = standing(last_update_at=NOW - timedelta(days=days))
    assert s.stale_days == days
    assert s.is_stale is stale
    assert s.standing == verdict


def test_stale_counts_calendar_days_in_local_time():
    # 23:30 on 1 March in Shanghai is 15:30 UTC; 00:10 on 8 March is 7 calendar days later.
    then = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    now = datetime(2026, 3, 8, 0, 10, tzinfo=TZ)
    assert days_since(then, now) == 7
    assert days_since(then, now + timedelta(days=1)) == 8
    assert days_since(now + timedelta(hours=1), now) == 0  # never negative


@pytest.mark.parametrize(
    "age, stale, verdict",
    [(3, False, "on_track"), (7, False, "on_track"), (8, True, "at_risk"), (20, True, "lagging")],
)
def test_never_updated_stale_from_creation(age, stale, verdict):
    s = standing(last_update_at=None, created_at=NOW - timedelta(days=age))
    assert (s.stale_days, s.is_stale, s.standing) == (age, stale, verdict)


# ------------------------------------------------------------------ done


@pytest.mark.parametrize("kw", [dict(progress=100), dict(stage="completed", progress=40)])
def test_done_wins_and_is_never_stale(kw):
    s = standing(last_update_at=None, created_at=NOW - timedelta(days=90), **kw, **LINE)
    assert s.standing == "done"
    assert not s.is_stale
    assert s.stale_days == 90


def test_assess_and_worst_first():
    ps = [
        project(code="A", progress=50, **LINE),  # on track at 11 March
        project(code="B", progress=20, **LINE),  # behind 30
        project(code="C", progress=35, **LINE),  # behind 15
        project(code="D", progress=100, **LINE),
        project(code="E", progress=44, **LINE),  # at risk
        project(code="F", progress=50, last_update_at=NOW - timedelta(days=30), **LINE),
    ]
    items = assess(ps, date(2026, 3, 11), NOW)
    assert [p.code for p, _ in worst_first(items)] == ["B", "C", "F", "E", "A", "D"]
