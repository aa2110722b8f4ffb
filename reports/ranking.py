"""Unit ranking ("horse racing"): one score per responsible unit, 0–100, higher is better.

    score = 100 × (0.5 × S + 0.3 × A + 0.2 × R)

over the unit's **scored projects**: all its projects except those done without ever having
been updated (finished before anyone reported on them: they say nothing about the unit now).
A project never updated counts as stale from its creation (reports.standing) and, whatever
its standing, gives the unit nothing: it counts 0 in S, A and R.

* **S — standing**: the share of scored projects that have been updated and are on track or
  done;
* **A — progress against plan**: the mean, over the scored projects that are done or have a
  planned progress above 0 today, of min(actual / planned, 1) (a done project counts 1, an
  unknown actual progress or a never-updated project counts 0). When no scored project has
  such a plan yet, A is left out and the other two weights are scaled up:
  score = 100 × (0.5 × S + 0.2 × R) / 0.7;
* **R — reporting promptness**: the share of scored projects that have been updated and are
  not stale (done projects are never stale).

A unit with no scored project scores 0. So a unit whose projects were never updated scores
at most 100 × 0.3 × 0 = 0, while a unit whose projects all report weekly and are on track
has S = R = 1 and scores at least 100 × 0.7 = 70: it always ranks above.

Example: projects a (updated yesterday, on track, plan 50 %, actual 50 %) and b (never
updated, no plan): S = 1/2, A = 1 (only a has a plan), R = 1/2 →
100 × (0.25 + 0.3 + 0.1) = 65.

The score is rounded to one decimal. Units are ordered by score (highest first), then by
fewer lagging projects, then by name; units with equal scores share a rank ("1, 2, 2, 4").
The rank change compares with last period's ranks: ``change = previous − rank``
(positive = moved up); a unit not ranked last period is new (``change`` is None).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reports.standing import AT_RISK, DONE, LAGGING, ON_TRACK, Item

W_STANDING = 0.5
W_PLAN = 0.3
W_PROMPT = 0.2


@dataclass(frozen=True)
class UnitRank:
    unit: str
    score: float  # 0–100
    rank: int  # 1 = best
    projects: int
    on_track: int
    at_risk: int
    lagging: int
    done: int
    stale: int
    avg_progress: float  # mean actual progress, percent (unknown counts 0)
    standing_share: float  # S, 0–1
    plan_attainment: float | None  # A, 0–1 (None: no project with a plan yet)
    promptness: float  # R, 0–1
    previous_rank: int | None = None
    change: int | None = None  # previous_rank − rank; None when new
    scored: int = 0  # the projects S and R are shares of (all but those done unreported)

    @property
    def is_new(self) -> bool:
        return self.previous_rank is None


def _reported(item: Item) -> bool:
    return item[0].last_update_at is not None


def _scored(items: list[Item]) -> list[Item]:
    """The projects that count: all but those done without ever being updated."""
    return [it for it in items if _reported(it) or it[1].standing != DONE]


def _attainment(item: Item) -> float | None:
    p, s = item
    if s.standing == DONE:
        return 1.0
    if s.planned is None or s.planned <= 0:
        return None
    if not _reported(item):
        return 0.0
    return min(max(p.progress or 0.0, 0.0) / s.planned, 1.0)


def unit_score(items: list[Item]) -> tuple[float, float, float | None, float]:
    """(score, S, A, R) for one unit's projects, as in the module docstring."""
    scored = _scored(items)
    n = len(scored)
    if n == 0:
        return 0.0, 0.0, None, 0.0
    reported = [it for it in scored if _reported(it)]
    good = sum(1 for _, s in reported if s.standing in (ON_TRACK, DONE)) / n
    prompt = sum(1 for _, s in reported if not s.is_stale) / n
    values = [a for a in map(_attainment, scored) if a is not None]
    attain = sum(values) / len(values) if values else None
    if attain is None:
        score = (W_STANDING * good + W_PROMPT * prompt) / (W_STANDING + W_PROMPT)
    else:
        score = W_STANDING * good + W_PLAN * attain + W_PROMPT * prompt
    return round(100 * score, 1), good, attain, prompt


def rank_units(items: Iterable[Item], previous: Mapping[str, int] | None = None) -> list[UnitRank]:
    """Score and rank every unit that has projects in `items`, best first.

    `previous` is last period's {unit: rank}; it fills `previous_rank` and `change`.
    """
    return _ranked([_unit_row(unit, its) for unit, its in _by_unit(items).items()], previous)


class UnitRanker:
    """The units' rows kept between rankings: after one project's change only its unit is
    scored again (`rescore`), one unit of a hundred."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}  # unit -> its row (a UnitRank without its rank)

    def rescore(self, unit: str, its: list[Item]) -> None:
        """Score `unit` again, of its projects `its` (none: it is left out)."""
        if its:
            self.rows[unit] = _unit_row(unit, its)
        else:
            self.rows.pop(unit, None)

    def ranked(self, previous: Mapping[str, int] | None = None) -> list[UnitRank]:
        """The units as last scored, ranked."""
        return _ranked(list(self.rows.values()), previous)


def _by_unit(items: Iterable[Item]) -> dict[str, list[Item]]:
    by_unit: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_unit[item[0].unit].append(item)
    return by_unit


def _unit_row(unit: str, its: list[Item]) -> dict:
    """One unit's score and counts (a UnitRank without its rank)."""
    score, good, attain, prompt = unit_score(its)
    count = defaultdict(int)
    for _, s in its:
        count[s.standing] += 1
    return dict(
        unit=unit,
        score=score,
        projects=len(its),
        on_track=count[ON_TRACK],
        at_risk=count[AT_RISK],
        lagging=count[LAGGING],
        done=count[DONE],
        stale=sum(1 for _, s in its if s.is_stale),
        avg_progress=round(sum((p.progress or 0.0) for p, _ in its) / len(its), 1),
        standing_share=good,
        plan_attainment=attain,
        promptness=prompt,
        scored=len(_scored(its)),
    )


def _ranked(rows: list[dict], previous: Mapping[str, int] | None) -> list[UnitRank]:
    """The units' rows ordered by score (then fewer lagging, then name) and ranked."""
    previous = previous or {}
    rows = sorted(rows, key=lambda r: (-r["score"], r["lagging"], r["unit"]))
    ranked: list[UnitRank] = []
    for i, row in enumerate(rows):
        tied = ranked and ranked[-1].score == row["score"]
        rank = ranked[-1].rank if tied else i + 1
        prev = previous.get(row["unit"])
        ranked.append(
            UnitRank(
                rank=rank,
                previous_rank=prev,
                change=None if prev is None else prev - rank,
                **row,
            )
        )
    return ranked


def ranks_of(ranking: Iterable[UnitRank]) -> dict[str, int]:
    """{unit: rank}, to be kept and passed as `previous` next period."""
    return {r.unit: r.rank for r in ranking}
