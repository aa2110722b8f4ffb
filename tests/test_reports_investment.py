from datetime import UTC, date, datetime

import pytest

from reports.investment import Investment, investment_to_date

D = date
C, Y = "cumulative", "year"
JUNE = D(2026, 6, 30)


def test_the_worked_example_cumulative_only():
    figures = [(D(2025, 12, 20), 5000, C), (D(2026, 3, 31), 5600, C), (D(2026, 6, 20), 6100, C)]
    assert investment_to_date(figures, JUNE) == Investment(
        year=2026,
        cumulative=6100.0,
        cumulative_on=D(2026, 6, 20),
        cumulative_derived=False,
        this_year=1100.0,
        this_year_on=D(2026, 6, 20),
        derived=True,
    )


def test_started_this_year_the_baseline_is_zero():
    figures = [(D(2026, 4, 30), 800, C), (D(2026, 6, 20), 1500, C)]
    inv = investment_to_date(figures, JUNE, started_on=D(2026, 2, 1))
    assert (inv.cumulative, inv.this_year, inv.derived) == (1500, 1500, True)


@pytest.mark.parametrize("started_on", [None, D(2025, 5, 1)])
def test_no_baseline_no_year_figure(started_on):
    inv = investment_to_date([(D(2026, 4, 30), 800, C)], JUNE, started_on=started_on)
    assert (inv.cumulative, inv.this_year, inv.derived) == (800, None, False)


def test_a_year_figure_as_reported_and_the_cumulative_derived_from_it():
    figures = [(D(2025, 12, 20), 5000, C), (D(2026, 5, 31), 900, Y)]
    inv = investment_to_date(figures, JUNE)
    assert (inv.this_year, inv.derived, inv.this_year_on) == (900, False, D(2026, 5, 31))
    assert (inv.cumulative, inv.cumulative_derived, inv.cumulative_on) == (5900, True, D(2026, 5, 31))


def test_the_more_recent_figure_wins():
    year_newer = [(D(2025, 12, 20), 5000, C), (D(2026, 3, 31), 5600, C), (D(2026, 5, 31), 900, Y)]
    inv = investment_to_date(year_newer, JUNE)
    assert (inv.this_year, inv.derived, inv.cumulative, inv.cumulative_derived) == (900, False, 5900, True)
    cumulative_newer = [(D(2025, 12, 20), 5000, C), (D(2026, 3, 31), 400, Y), (D(2026, 5, 31), 5900, C)]
    inv = investment_to_date(cumulative_newer, JUNE)
    assert (inv.this_year, inv.derived, inv.cumulative, inv.cumulative_derived) == (900, True, 5900, False)


def test_on_the_same_day_the_reported_figures_win():
    figures = [(D(2025, 12, 20), 5000, C), (D(2026, 5, 31), 900, Y), (D(2026, 5, 31), 5950, C)]
    inv = investment_to_date(figures, JUNE)
    assert (inv.this_year, inv.derived, inv.cumulative, inv.cumulative_derived) == (900, False, 5950, False)


def test_across_the_year_boundary():
    figures = [(D(2026, 6, 20), 6100, C), (D(2026, 12, 25), 6800, C), (D(2027, 1, 10), 6900, C)]
    inv = investment_to_date(figures, D(2027, 1, 15))
    assert (inv.year, inv.cumulative, inv.this_year, inv.derived) == (2027, 6900, 100, True)
    # the same figures seen in December 2026: this year from the start of 2026 (started then)
    inv = investment_to_date(figures, D(2026, 12, 31), started_on=D(2026, 3, 1))
    assert (inv.year, inv.cumulative, inv.this_year, inv.derived) == (2026, 6800, 6800, True)


def test_last_years_year_figure_does_not_count_this_year():
    figures = [(D(2026, 12, 25), 1800, Y), (D(2026, 12, 25), 6800, C)]
    inv = investment_to_date(figures, D(2027, 1, 15))
    assert (inv.cumulative, inv.this_year) == (6800, None)


def test_new_years_day_belongs_to_the_new_year():
    figures = [(D(2026, 12, 31), 6800, C), (D(2027, 1, 1), 6850, C)]
    inv = investment_to_date(figures, D(2027, 1, 1))
    assert (inv.this_year, inv.this_year_on) == (50, D(2027, 1, 1))


def test_figures_after_today_are_ignored_and_datetimes_count_by_day():
    tz = UTC
    figures = [(datetime(2025, 12, 31, 23, 0, tzinfo=tz), 5000, C), (D(2026, 7, 1), 9999, C)]
    inv = investment_to_date(figures, JUNE)
    assert (inv.cumulative, inv.cumulative_on, inv.this_year) == (5000, D(2025, 12, 31), None)


def test_the_later_of_two_figures_on_one_day_wins():
    figures = [(D(2025, 12, 20), 5000, C), (D(2026, 5, 31), 900, Y), (D(2026, 5, 31), 950, Y)]
    assert investment_to_date(figures, JUNE).this_year == 950


def test_nothing_reported():
    inv = investment_to_date([], JUNE)
    assert (inv.cumulative, inv.this_year, inv.derived, inv.cumulative_derived) == (None, None, False, False)


def test_an_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        investment_to_date([(JUNE, 1, "total")], JUNE)
