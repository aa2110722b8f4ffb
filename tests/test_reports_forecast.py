from datetime import date, datetime, timedelta, timezone

import pytest

from reports.forecast import Forecast, daily_figures, forecast_completion
from reports.standing import Thresholds

D = date


def test_the_worked_example():
    # 30 % on 1 March, 45 % on 29 March: 15 / 28 a day; 55 left -> ceil(102.67) = 103 days
    f = forecast_completion([(D(2026, 3, 1), 30), (D(2026, 3, 29), 45)])
    assert f == Forecast(D(2026, 7, 10), 0.5357, D(2026, 3, 1), D(2026, 3, 29), 45.0)
    assert f.days_late(D(2026, 6, 30)) == 10
    assert f.days_late(D(2026, 7, 31)) == -21
    assert f.days_late(None) is None


@pytest.mark.parametrize(
    "history",
    [
        [],
        [(D(2026, 3, 1), 30)],
        [(D(2026, 3, 1), 30), (D(2026, 3, 14), 40)],  # 13 days apart
        [(D(2026, 3, 1), None), (D(2026, 3, 29), 40)],  # one figure really
        [(D(2026, 3, 1), 30), (D(2026, 3, 10), 35), (D(2026, 3, 14), 40)],
    ],
)
def test_not_enough_history(history):
    assert forecast_completion(history) is None


def test_exactly_14_days_is_enough():
    f = forecast_completion([(D(2026, 3, 15), 54), (D(2026, 3, 1), 40)])  # any order
    assert (f.pace, f.end) == (1.0, D(2026, 4, 30))


def test_the_reference_is_the_oldest_figure_within_56_days():
    history = [(D(2026, 1, 1), 0), (D(2026, 2, 1), 20), (D(2026, 3, 1), 30), (D(2026, 3, 29), 45)]
    f = forecast_completion(history)
    # 1 February is exactly 56 days before 29 March: 25 / 56 a day, 55 left -> 124 days
    assert (f.since, f.pace, f.end) == (D(2026, 2, 1), 0.4464, D(2026, 7, 31))


def test_an_older_reference_when_nothing_fits_the_window():
    history = [(D(2025, 12, 1), 10), (D(2026, 3, 20), 40), (D(2026, 3, 29), 45)]
    f = forecast_completion(history)
    # 20 March is only 9 days back; 1 December is 118 days back: 35 / 118 a day -> 186 days
    assert (f.since, f.pace, f.end) == (D(2025, 12, 1), 0.2966, D(2026, 10, 1))


def test_one_figure_a_day_the_last_one():
    tz = timezone(timedelta(hours=8))
    history = [
        (datetime(2026, 3, 1, 9, 0, tzinfo=tz), 30),
        (datetime(2026, 3, 1, 18, 0, tzinfo=tz), 32),
        (datetime(2026, 3, 15, 9, 0, tzinfo=tz), 46),
    ]
    assert daily_figures(history) == [(D(2026, 3, 1), 32.0), (D(2026, 3, 15), 46.0)]
    f = forecast_completion(history)
    assert (f.pace, f.end) == (1.0, D(2026, 5, 8))


def test_falling_progress_has_no_end():
    f = forecast_completion([(D(2026, 3, 1), 50), (D(2026, 3, 20), 40)])
    assert (f.end, f.pace, f.stalled) == (None, -0.5263, False)


def test_stalled_over_the_last_three_updates():
    history = [(D(2026, 2, 1), 10), (D(2026, 3, 1), 40), (D(2026, 3, 8), 40), (D(2026, 3, 15), 40)]
    f = forecast_completion(history)
    assert f == Forecast(None, 0.0, D(2026, 3, 1), D(2026, 3, 15), 40.0, stalled=True)


def test_three_equal_figures_within_a_few_days_are_not_stalled():
    history = [(D(2026, 2, 1), 10), (D(2026, 3, 10), 40), (D(2026, 3, 12), 40), (D(2026, 3, 14), 40)]
    f = forecast_completion(history)
    # reference 1 February, 41 days: 30 / 41 a day, 60 left -> exactly 82 days
    assert (f.stalled, f.since, f.end) == (False, D(2026, 2, 1), D(2026, 6, 4))


def test_done_is_done_on_its_day():
    f = forecast_completion([(D(2026, 3, 1), 80), (D(2026, 3, 15), 100)])
    assert f.end == D(2026, 3, 15) and not f.stalled
    f = forecast_completion([(D(2026, 3, 1), 100), (D(2026, 3, 8), 100), (D(2026, 3, 15), 100)])
    assert f.end == D(2026, 3, 15) and not f.stalled


def test_a_row_with_its_progress_history_gets_its_forecast_and_node_titles():
    from zoneinfo import ZoneInfo

    from reports.states import items_from_rows

    now = datetime(2026, 3, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    row = {
        "code": "P1", "name": "n", "unit_name": "u", "stage": "started",
        "planned_start": "2026-01-01", "planned_end": "2026-05-31", "progress": 45,
        "last_update_at": "2026-03-29T02:00:00+00:00", "created_at": "2026-01-01T00:00:00+00:00",
        "milestones": [{"due": "2026-05-31", "progress": 100, "title": "竣工"}],
        # 22:00 UTC on 28 Feb is 1 March in Shanghai: the method's worked example
        "progress_history": [("2026-02-28T22:00:00+00:00", 30), ("2026-03-29T02:00:00+00:00", 45)],
    }
    [(p, s)] = items_from_rows([row], now, Thresholds())
    assert p.milestones[0].title == "竣工"
    assert s.forecast.end == D(2026, 7, 10)
    assert s.reason("forecast_late").days == 40  # 31 May → 10 July
    [(_, s)] = items_from_rows([{**row, "progress_history": []}], now, Thresholds())
    assert s.forecast is None
