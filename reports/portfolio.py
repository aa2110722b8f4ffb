"""Every project's standing kept as the leaders' views need it: worst first, counted and summed,
by unit, each unit scored. After an update only the projects that changed are taken out and
put in again (one project of 20,000), not the whole portfolio sorted, summed and ranked."""

from __future__ import annotations

import bisect
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence

from reports.ranking import UnitRank, UnitRanker
from reports.standing import AT_RISK, LAGGING, Item, WorstFirst
from reports.summary import Totals

Change = tuple[Item | None, Item | None]  # (a project's old item, its new one); None: none


def _code(item: Item) -> str:
    return item[0].code


class Portfolio:
    """The portfolio of `reset`'s items, followed through `change`s."""

    def __init__(self) -> None:
        self.reset(())

    def reset(self, items: Iterable[Item]) -> None:
        """Start again from `items` (every project)."""
        items = list(items)
        self.worst = WorstFirst(items)
        self.totals = Totals(items)
        # unit -> its projects in code order (the ledger's order: sums over a unit are added
        # up in the same order whichever way the portfolio was built), found by bisection
        self.units: dict[str, list[Item]] = {}
        for item in items:
            self.units.setdefault(item[0].unit, []).append(item)
        for its in self.units.values():
            its.sort(key=_code)
        self.ranker = UnitRanker()
        self.unscored = set(self.units)
        # name -> (a measure of an item, its value for each item in the worst-first order)
        self.measured: dict[str, tuple[Callable[[Item], int], list[int]]] = {}

    def change(self, changes: Sequence[Change]) -> None:
        """Follow projects' changes: each old item out, then each new one in (a project may
        take a code another one had)."""
        for old, _ in changes:
            if old is not None:
                if (at := self.worst.remove(old)) is not None:
                    for _, values in self.measured.values():
                        del values[at]
                self.totals.remove(old)
                its = self.units.get(old[0].unit, [])
                at = bisect.bisect_left(its, old[0].code, key=_code)
                if at < len(its) and its[at] is old:
                    del its[at]
                self.unscored.add(old[0].unit)
        for _, new in changes:
            if new is not None:
                at = self.worst.add(new)
                for measure, values in self.measured.values():
                    values.insert(at, measure(new))
                self.totals.add(new)
                its = self.units.setdefault(new[0].unit, [])
                at = bisect.bisect_left(its, new[0].code, key=_code)
                if at < len(its) and its[at][0].code == new[0].code:
                    its[at] = new
                else:
                    its.insert(at, new)
                self.unscored.add(new[0].unit)

    def ranking(self, previous: Mapping[str, int] | None = None) -> list[UnitRank]:
        """The units ranked, only the units changed since the last ranking scored again."""
        for unit in self.unscored:
            its = self.units.get(unit)
            self.ranker.rescore(unit, list(its) if its else [])
            if not its:
                self.units.pop(unit, None)
        self.unscored = set()
        return self.ranker.ranked(previous)

    def ordered(self) -> list[Item]:
        """Every project, worst first (the list kept: not to be changed)."""
        return self.worst.items

    def lagging_and_at_risk(self) -> tuple[list[Item], list[Item]]:
        """The lagging projects and the at-risk ones, each worst first."""
        lagging = self.totals.standings[LAGGING]
        at_risk = self.totals.standings[AT_RISK]
        ordered = self.worst.items
        return ordered[:lagging], ordered[lagging:lagging + at_risk]

    def unit_items(self, unit: str) -> list[Item]:
        """The projects of `unit`, in code order."""
        return list(self.units.get(unit, ()))

    def measures(self, name: str, measure: Callable[[Item], int],
                 items: Sequence[Item]) -> list[int]:
        """`measure` of each of `items` (items of the portfolio), kept under `name` for every
        project in the worst-first order: measured once, and after a change only the changed
        projects again. For a run of the worst-first order (/lagging's 18,000 entries) the
        values are a slice of that list."""
        if name not in self.measured:
            self.measured[name] = (measure, list(map(measure, self.worst.items)))
        values = self.measured[name][1]
        if not items:
            return []
        start = self.worst.position(items[0])
        run = self.worst.items[start:start + len(items)]
        if len(run) == len(items) and all(map(operator.is_, run, items)):
            return values[start:start + len(items)]
        return [values[self.worst.position(item)] for item in items]
