"""Investment to date, as reported in the meetings: cumulative (累计) and this year's (本年).

Pure logic on plain values (days, amounts in 万元). Each reported figure is either
``cumulative`` — invested since the project began — or ``year`` — invested since 1 January
of the figure's own year. `investment_to_date` gives, on a day `today`, both figures:

* **baseline** = the last cumulative figure dated before 1 January of `today`'s year;
  0 when there is none and the project started this year (``started_on`` on or after
  1 January); unknown otherwise;
* **this year's investment** = the most recent of
  - the latest ``year`` figure dated this year (as reported), and
  - the latest ``cumulative`` figure dated this year − baseline (derived, ``derived=True``;
    only when the baseline is known);
  on the same day the reported figure wins. ``year`` figures of earlier years never count
  for this year; with nothing reported this year the figure is unknown (None);
* **cumulative investment** = the most recent of
  - the latest ``cumulative`` figure (as reported), and
  - baseline + the latest ``year`` figure dated this year (derived,
    ``cumulative_derived=True``; only when the baseline is known);
  on the same day the reported figure wins.

Figures dated after `today` are ignored; two figures of one kind on one day: the later in
the list wins (the order they were received in).

Example (today 2026-06-30): cumulative 5,000 on 2025-12-20, cumulative 6,100 on 2026-06-20
→ cumulative 6,100 (reported), this year 6,100 − 5,000 = 1,100 (derived).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

CUMULATIVE = "cumulative"
YEAR = "year"
KINDS = (CUMULATIVE, YEAR)


class Figure(NamedTuple):
    """One reported investment figure; a plain ``(day, amount, kind)`` tuple works too."""

    on: date  # the day it was reported (a datetime counts on its calendar day)
    amount: float  # 万元
    kind: str  # "cumulative" (累计) | "year" (本年)


@dataclass(frozen=True)
class Investment:
    year: int  # the year `this_year` is about
    cumulative: float | None  # 万元 invested since the project began; None: unknown
    cumulative_on: date | None  # the day of the figure it comes from
    cumulative_derived: bool  # baseline + a this-year figure, not reported as cumulative
    this_year: float | None  # 万元 invested since 1 January; None: unknown
    this_year_on: date | None
    derived: bool  # this year's figure is cumulative − baseline, not reported as such


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _latest(figures: list[Figure], kind: str, since: date | None = None) -> Figure | None:
    """The last figure of `kind` (on or after `since`); figures are in day order."""
    chosen = None
    for f in figures:
        if f.kind == kind and (since is None or f.on >= since):
            chosen = f
    return chosen


def _baseline(figures: list[Figure], jan1: date, started_on: date | None) -> float | None:
    before = [f for f in figures if f.kind == CUMULATIVE and f.on < jan1]
    if before:
        return before[-1].amount
    if started_on is not None and started_on >= jan1:
        return 0.0
    return None


def _newer(reported: tuple[float, date] | None, derived: tuple[float, date] | None):
    """(amount, day, derived?) of the more recent of the two; the reported one on a tie."""
    if derived is not None and (reported is None or derived[1] > reported[1]):
        return derived[0], derived[1], True
    if reported is not None:
        return reported[0], reported[1], False
    return None, None, False


def investment_to_date(
    figures: Iterable[tuple[date | datetime, float, str]],
    today: date,
    started_on: date | None = None,
) -> Investment:
    """Cumulative and this year's investment on `today` (see the module docstring).

    `figures`: ``(day, amount in 万元, "cumulative" | "year")`` in the order received;
    `started_on`: when the project started (its planned start when that is all that is
    known), used only to know that nothing was invested before this year.
    """
    known = [Figure(_day(on), float(amount), kind) for on, amount, kind in figures]
    for f in known:
        if f.kind not in KINDS:
            raise ValueError(f"unknown investment figure kind {f.kind!r}")
    ordered = sorted((f for f in known if f.on <= today), key=lambda f: f.on)
    jan1 = date(today.year, 1, 1)
    baseline = _baseline(ordered, jan1, started_on)
    cumulative = _latest(ordered, CUMULATIVE)
    cumulative_this_year = _latest(ordered, CUMULATIVE, jan1)
    year = _latest(ordered, YEAR, jan1)
    year_value, year_on, year_derived = _newer(
        None if year is None else (year.amount, year.on),
        None
        if cumulative_this_year is None or baseline is None
        else (round(cumulative_this_year.amount - baseline, 4), cumulative_this_year.on),
    )
    cum_value, cum_on, cum_derived = _newer(
        None if cumulative is None else (cumulative.amount, cumulative.on),
        None if year is None or baseline is None else (round(baseline + year.amount, 4), year.on),
    )
    return Investment(
        year=today.year,
        cumulative=cum_value,
        cumulative_on=cum_on,
        cumulative_derived=cum_derived,
        this_year=year_value,
        this_year_on=year_on,
        derived=year_derived,
    )
