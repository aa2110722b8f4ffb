from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from i18n.reports import reason_text, reasons_text
from reports.forecast import Forecast
from reports.standing import (
    REASONS,
    Milestone,
    ProjectState,
    Reason,
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
    forecast = kw.pop("forecast", None)
    return compute_standing(project(**kw), today, now, th, forecast)


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


@pytest.mark.parametrize(
    "kw", [dict(progress=100), dict(stage="completed", progress=None), dict(stage="completed", progress=100)]
)
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


@pytest.mark.parametrize("progress", [40, 60, 90, 99.5])
def test_a_completed_stage_does_not_override_a_stated_progress_below_100(progress):
    s = standing(stage="completed", progress=progress, today=date(2026, 3, 11), **LINE)
    assert s.standing != "done" and not s.is_done
    assert s.behind == 50 - progress


def test_completed_stage_with_progress_40_is_lagging_and_says_why():
    s = standing(stage="completed", progress=40, today=date(2026, 3, 11), **LINE)
    assert (s.standing, s.reasons, s.reason("behind").points) == ("lagging", ("behind",), 10.0)


# ------------------------------------------------------------------ reasons, points rule


def test_on_track_and_done_have_no_reasons():
    assert standing(progress=50, today=date(2026, 3, 11), **LINE).reasons == ()
    assert standing(progress=100, today=date(2026, 5, 1), **LINE).reasons == ()


def test_behind_reason_carries_the_points():
    lag = standing(progress=40, today=date(2026, 3, 11), **LINE)
    risk = standing(progress=45, today=date(2026, 3, 11), **LINE)
    assert lag.reasons == ("behind",) and lag.reason("behind").points == 10.0
    assert risk.reasons == ("behind",) and risk.reason("behind").points == 5.0


def test_past_end_reason_first_then_behind():
    s = standing(progress=95, today=date(2026, 3, 22), **LINE)
    assert s.standing == "lagging"
    assert s.reasons == ("past_end", "behind")  # lagging-level reasons before at-risk ones
    r = s.reason("past_end")
    assert (r.on, r.days) == (date(2026, 3, 21), 1)


def test_stale_reason_carries_the_days():
    s = standing(last_update_at=NOW - timedelta(days=9))
    assert (s.standing, s.reasons, s.reason("stale").days) == ("at_risk", ("stale",), 9)
    s = standing(last_update_at=None, created_at=NOW - timedelta(days=20))
    assert (s.standing, s.reasons, s.reason("stale").days) == ("lagging", ("stale",), 20)


# ------------------------------------------------------------------ the ratio rule

RATIO = Thresholds(light_rule="ratio")


@pytest.mark.parametrize(
    "progress, verdict, ratio",
    [
        (29, "lagging", 0.58),  # below 0.6 × 50 = 30
        (30, "at_risk", 0.6),  # not below 30, below 0.8 × 50 = 40
        (39.9, "at_risk", 0.798),
        (40, "on_track", None),  # 10 points behind: lagging by points, fine by ratio
        (None, "lagging", 0.0),
    ],
)
def test_ratio_rule(progress, verdict, ratio):
    s = standing(progress=progress, today=date(2026, 3, 11), th=RATIO, **LINE)
    assert s.planned == 50 and s.standing == verdict
    if ratio is None:
        assert s.reasons == ()
    else:
        assert s.reasons == ("ratio",)
        assert s.reason("ratio").ratio == ratio
        assert s.reason("ratio").points == round(50 - (progress or 0), 2)


@pytest.mark.parametrize("progress, verdict", [(24, "lagging"), (25, "at_risk"), (44, "at_risk"), (45, "on_track")])
def test_ratio_rule_custom_ratios(progress, verdict):
    th = Thresholds(light_rule="ratio", red_ratio=0.5, yellow_ratio=0.9)
    assert standing(progress=progress, today=date(2026, 3, 11), th=th, **LINE).standing == verdict


def test_ratio_rule_with_nothing_planned_yet():
    s = standing(progress=None, today=date(2026, 3, 1), th=RATIO, **LINE)
    assert (s.planned, s.standing, s.reasons) == (0, "on_track", ())


def test_unknown_light_rule_is_an_error():
    with pytest.raises(ValueError):
        standing(progress=50, today=date(2026, 3, 11), th=Thresholds(light_rule="colour"), **LINE)


# ------------------------------------------------------------------ start grace

# 2025-12-01 → 2027-12-01 is 730 days; on 16 March 2026, 105 days in: plan 14.38 %.
LONG = dict(planned_start=date(2025, 12, 1), planned_end=date(2027, 12, 1))


@pytest.mark.parametrize("stage", ["negotiating", "signed"])
def test_still_negotiating_after_the_grace_is_lagging(stage):
    s = standing(stage=stage, progress=10, **LONG)
    assert s.planned == 14.38 and s.behind == 4.38  # fine by points
    assert (s.standing, s.reasons) == ("lagging", ("not_started",))
    r = s.reason("not_started")
    assert (r.on, r.days) == (date(2025, 12, 1), 105)


def test_start_grace_applies_under_the_ratio_rule_too():
    # 10 < 0.8 × 14.38 = 11.5: at risk by ratio; not started: lagging
    s = standing(stage="signed", progress=10, th=RATIO, **LONG)
    assert (s.standing, s.reasons) == ("lagging", ("not_started", "ratio"))


def test_started_with_progress_is_not_caught_by_the_grace():
    assert standing(stage="started", progress=10, **LONG).standing == "on_track"


@pytest.mark.parametrize("progress", [None, 0])
def test_no_progress_after_the_grace_is_lagging(progress):
    s = standing(stage="started", progress=progress, **LONG)
    assert s.standing == "lagging"
    assert s.reasons == ("behind", "not_started")  # 14.38 points behind as well


def test_start_grace_boundary():
    # 90 days after 1 Dec is 1 March: not yet; 2 March: lagging.
    assert standing(stage="negotiating", progress=10, today=date(2026, 3, 1), **LONG).reasons == ()
    s = standing(stage="negotiating", progress=10, today=date(2026, 3, 2), **LONG)
    assert s.reasons == ("not_started",) and s.reason("not_started").days == 91
    th = Thresholds(start_grace_days=120)
    assert standing(stage="negotiating", progress=10, th=th, **LONG).standing == "on_track"


# ------------------------------------------------------------------ nodes

NODES = dict(
    planned_start=date(2026, 1, 1),
    planned_end=date(2026, 12, 31),
    milestones=(
        Milestone(date(2026, 3, 10), 30.0, "主体封顶"),
        Milestone(date(2026, 6, 30), 80.0, "设备安装"),
    ),
)


def test_a_missed_node_makes_lagging_and_is_named():
    # 16 March: 6 of the 112 days from 10 March to 30 June: 30 + 50 × 6 / 112 = 32.68
    s = standing(progress=25, **NODES)
    assert (s.planned, s.behind) == (32.68, 7.68)  # only at risk by points
    assert s.standing == "lagging"
    assert s.reasons == ("node_missed", "behind")
    r = s.reason("node_missed")
    assert (r.title, r.on, r.target, r.points) == ("主体封顶", date(2026, 3, 10), 30.0, 5.0)


def test_a_reached_node_is_fine():
    s = standing(progress=30, **NODES)
    assert (s.standing, s.reasons) == ("on_track", ())


def test_a_node_counts_as_missed_from_the_day_after_it():
    on_the_day = standing(progress=25, today=date(2026, 3, 10), **NODES)
    assert (on_the_day.planned, on_the_day.standing, on_the_day.reasons) == (30, "at_risk", ("behind",))
    next_day = standing(progress=25, today=date(2026, 3, 11), **NODES)
    assert next_day.planned == 30.45 and next_day.standing == "lagging"
    assert next_day.reasons == ("node_missed", "behind")


def test_the_latest_missed_node_is_named():
    nodes = (Milestone(date(2026, 2, 1), 10.0, "A"), Milestone(date(2026, 3, 1), 20.0, "B"))
    s = standing(progress=5, planned_start=date(2026, 1, 1), planned_end=date(2026, 12, 31),
                 milestones=nodes)
    r = s.reason("node_missed")
    assert (r.title, r.points) == ("B", 15.0)


def test_a_node_without_title():
    s = standing(progress=25, milestones=(Milestone(date(2026, 3, 10), 30.0),))
    assert s.reason("node_missed").title is None


# ------------------------------------------------------------------ forecast

# 1 Jan → 31 Dec 2026 is 364 days; 16 March is day 74: plan 20.33 %.
YEAR = dict(planned_start=date(2026, 1, 1), planned_end=date(2026, 12, 31))


def forecast(end, stalled=False):
    return Forecast(end, 0.0 if stalled else 0.2, date(2026, 2, 1), date(2026, 3, 15), 20.0, stalled)


def test_forecast_late_puts_an_on_track_project_at_risk():
    s = standing(progress=20, forecast=forecast(date(2027, 2, 15)), **YEAR)
    assert (s.planned, s.behind) == (20.33, 0.33)
    assert (s.standing, s.reasons) == ("at_risk", ("forecast_late",))
    r = s.reason("forecast_late")
    assert (r.on, r.days) == (date(2027, 2, 15), 46)
    assert s.forecast.end == date(2027, 2, 15)


def test_forecast_late_boundary():
    exactly = standing(progress=20, forecast=forecast(date(2027, 1, 30)), **YEAR)  # 30 days late
    assert (exactly.standing, exactly.reasons) == ("on_track", ())
    th = Thresholds(forecast_late_days=60)
    assert standing(progress=20, forecast=forecast(date(2027, 2, 15)), th=th, **YEAR).reasons == ()


def test_forecast_on_time_or_unknown():
    assert standing(progress=20, forecast=forecast(date(2026, 12, 1)), **YEAR).reasons == ()
    assert standing(progress=20, forecast=forecast(None), **YEAR).reasons == ()
    assert standing(progress=20, forecast=forecast(date(2027, 6, 1))).reasons == ()  # no end date


def test_stalled_is_at_risk():
    s = standing(progress=20, forecast=forecast(None, stalled=True), **YEAR)
    assert (s.standing, s.reasons) == ("at_risk", ("stalled",))
    r = s.reason("stalled")
    assert (r.on, r.target) == (date(2026, 2, 1), 20.0)


def test_a_done_project_ignores_its_forecast():
    s = standing(progress=100, forecast=forecast(date(2027, 6, 1)), **YEAR)
    assert (s.standing, s.reasons) == ("done", ())


def test_assess_takes_forecasts_by_code():
    ps = [project(code="A", progress=20, **YEAR), project(code="B", progress=20, **YEAR)]
    items = assess(ps, TODAY, NOW, TH, forecasts={"A": forecast(date(2027, 3, 1))})
    assert [s.standing for _, s in items] == ["at_risk", "on_track"]


# ------------------------------------------------------------------ reasons in words


@pytest.mark.parametrize(
    "reason, zh, en",
    [
        (Reason("behind", points=12.5), "落后计划 12.5 个百分点", "12.5 points behind plan"),
        (
            Reason("ratio", points=21.0, ratio=0.58),
            "实际进度仅为计划的 58%（落后 21 个百分点）",
            "at 58% of planned progress (21 points behind)",
        ),
        (
            Reason("past_end", on=date(2026, 3, 21), days=1),
            "已过计划竣工日期 2026-03-21（1 天）",
            "1d past its planned end, 2026-03-21",
        ),
        (
            Reason("node_missed", on=date(2026, 3, 10), title="主体<封顶>", target=30.0, points=5.0),
            "节点“主体&lt;封顶&gt;”（2026-03-10 达到 30%）未完成，差 5 个百分点",
            "missed node “主体&lt;封顶&gt;” (30% by 2026-03-10), 5 points short",
        ),
        (
            Reason("node_missed", on=date(2026, 3, 10), target=30.0, points=5.0),
            "2026-03-10 节点（30%）未完成，差 5 个百分点",
            "missed the node due 2026-03-10 (30%), 5 points short",
        ),
        (
            Reason("not_started", on=date(2025, 12, 1), days=105),
            "计划开工 2025-12-01 已过 105 天，仍未开工",
            "not started 105d after its planned start, 2025-12-01",
        ),
        (Reason("stale", days=9), "9 天未更新", "no update for 9d"),
        (
            Reason("forecast_late", on=date(2027, 5, 10), days=41),
            "按目前进度预计 2027-05-10 完成，比计划晚 41 天",
            "at this pace: done 2027-05-10, 41 days after plan",
        ),
        (
            Reason("stalled", on=date(2026, 3, 1), target=40.0),
            "自 2026-03-01 起进度停在 40%",
            "progress stuck at 40% since 2026-03-01",
        ),
    ],
)
def test_reason_text(reason, zh, en):
    assert reason_text(reason, "zh") == zh
    assert reason_text(reason, "en") == en


def test_every_reason_code_has_a_text():
    for code in REASONS:
        assert reason_text(Reason(code, points=1, ratio=0.5, days=1, on=TODAY, target=1), "en")


def test_reasons_text_joins_a_standings_reasons():
    s = standing(progress=95, today=date(2026, 3, 22), **LINE)
    assert reasons_text(s.why, "zh") == "已过计划竣工日期 2026-03-21（1 天）；落后计划 5 个百分点"
    assert reasons_text(s.why, "en") == "1d past its planned end, 2026-03-21; 5 points behind plan"
