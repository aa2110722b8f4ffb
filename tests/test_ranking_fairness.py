"""Fair ranking (reports.ranking): a unit that never reported can never rank above a unit that
reports weekly and is on track, whatever their projects, the light rule and the thresholds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.ranking import rank_units
from reports.standing import DONE, ON_TRACK, ProjectState, Thresholds, assess

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 10, tzinfo=TZ)
TODAY = NOW.date()
STAGES = st.sampled_from([None, "negotiating", "signed", "started", "completed"])


def project(unit: str, n: int, **fields) -> ProjectState:
    base = dict(code=f"{unit}-{n}", name=f"{unit} {n}", unit=unit, leader=None, stage="started",
                planned_start=None, planned_end=None, total_investment=None, annual_plan=None,
                progress=None, invested=None, last_update_at=None,
                created_at=NOW - timedelta(days=400))
    return ProjectState(**{**base, **fields})


@st.composite
def silent_unit(draw, unit: str) -> list[ProjectState]:
    """Projects never updated: any stage, plan and age (a ledger's stage may say completed)."""
    out = []
    for n in range(draw(st.integers(1, 6))):
        start = TODAY + timedelta(days=draw(st.integers(-400, 100)))
        out.append(project(
            unit, n, stage=draw(STAGES),
            planned_start=draw(st.one_of(st.none(), st.just(start))),
            planned_end=draw(st.one_of(st.none(), st.just(
                start + timedelta(days=draw(st.integers(1, 700)))))),
            created_at=NOW - timedelta(days=draw(st.integers(0, 400)))))
    return out


@st.composite
def weekly_unit(draw, unit: str) -> list[ProjectState]:
    """Projects updated in the last week, at or ahead of plan (or done), before their end."""
    out = []
    for n in range(draw(st.integers(1, 6))):
        elapsed, left = draw(st.integers(0, 80)), draw(st.integers(1, 700))
        start, end = TODAY - timedelta(days=elapsed), TODAY + timedelta(days=left)
        planned = 100 * elapsed / (elapsed + left)
        progress = draw(st.one_of(st.floats(min(100.0, planned + 0.01), 100.0),
                                  st.just(100.0)))
        out.append(project(
            unit, n, planned_start=start, planned_end=end, progress=progress,
            last_update_at=NOW - timedelta(days=draw(st.integers(0, 7)),
                                           hours=draw(st.integers(0, 9)))))
    return out


THRESHOLDS = st.builds(Thresholds, stale_days=st.integers(7, 30), lag_points=st.integers(1, 100),
                       light_rule=st.sampled_from(["points", "ratio"]),
                       start_grace_days=st.integers(90, 365))


@settings(max_examples=200, deadline=None)
@given(silent=silent_unit("Silent"), weekly=weekly_unit("Weekly"), th=THRESHOLDS,
       others=st.lists(st.one_of(silent_unit("Other"), weekly_unit("Other")), max_size=1))
def test_a_unit_that_never_reported_never_ranks_above_one_reporting_weekly_on_track(
        silent, weekly, th, others):
    items = assess([*silent, *weekly, *(p for ps in others for p in ps)], TODAY, NOW, th)
    assert all(s.standing in (ON_TRACK, DONE) for p, s in items if p.unit == "Weekly")
    ranks = {r.unit: r for r in rank_units(items)}
    assert ranks["Silent"].score == 0
    assert ranks["Weekly"].score >= 70
    assert ranks["Silent"].rank > ranks["Weekly"].rank


async def test_status_ranking_shows_the_formula_and_each_units_inputs(running_bot):
    """`/status ranking`: a leader can redo each unit's score by hand from what is shown."""
    from tests.test_e2e_status import GXJ, KCC, LEADER, MEMBER, seed

    seed(running_bot.db)
    [reply] = await running_bot.send(LEADER, "/status ranking", language_code="en")
    text = reply["text"]
    assert text.startswith("<b>🏇 How the units are scored</b>")
    assert "score = 100 × (0.5 × S + 0.3 × A + 0.2 × R)" in text and "within 7 days" in text
    # 科创城: QB-001 on track (50 % of 50 %), QB-002 lagging (30 % of 50 %), both updated
    # this week: S = 1/2, A = (1 + 0.6) / 2 = 0.80, R = 2/2 → 25 + 24 + 20 = 69.
    assert f"{KCC}: 69 = 100 × (0.5 × 1/2 + 0.3 × 0.80 + 0.2 × 2/2), n = 2" in text
    # The unit whose one project was never updated (and has no plan) scores 0, last.
    assert f"{GXJ}: 0 = 100 × (0.5 × 0/1 + 0.2 × 0/1) ÷ 0.7, n = 1" in text
    [zh] = await running_bot.send(LEADER, "/status 排名")
    assert zh["text"].startswith("<b>🏇 单位排名怎么算</b>") and "得分 = 100 ×" in zh["text"]
    [member] = await running_bot.send(MEMBER, "/status ranking")
    assert "S" not in member["text"] and "\n" not in member["text"]  # one line, no data
