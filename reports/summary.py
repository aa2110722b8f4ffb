"""Report texts for Telegram (HTML parse mode), in Chinese or English.

Every renderer returns a list of pages (at least one), each within Telegram's 4096-character
limit (measured in UTF-16 code units of the HTML, which is never less than what Telegram
counts). Every user-supplied value (codes, names, units, people, update and problem texts)
goes through `esc()`. Standing markers: 🔴 lagging, 🟠 at risk, 🟢 on track, ✅ done.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import NamedTuple

from i18n import esc, t
from i18n.reports import reason_text, reasons_text
from reports.nodes import node_lines
from reports.ranking import UnitRank, rank_units
from reports.standing import (
    AT_RISK,
    DONE,
    LAGGING,
    ON_TRACK,
    STAGES,
    STANDINGS,
    Item,
    ProjectState,
    Standing,
    worst_first,
)

TG_LIMIT = 4096
MARKERS = {LAGGING: "🔴", AT_RISK: "🟠", ON_TRACK: "🟢", DONE: "✅"}
ESCALATE_DAYS = 14  # problems open longer than this are flagged ⏰
NAME_MAX = 40  # characters of a name shown in a list
TEXT_MAX = 300  # characters of an update or problem text shown


class UpdateRow(NamedTuple):
    """One past update, for `project_view`."""

    when: datetime | str
    who: str | None
    text: str | None
    files: int = 0  # attachments (photos, documents)


class OpenProblem(NamedTuple):
    """One open problem. `project_view` needs the first four fields; `problems_list` all."""

    id: int
    text: str
    age_days: int
    acting_unit: str | None  # None: not assigned yet
    project_code: str | None = None
    project_name: str | None = None
    due: date | None = None  # its time limit (None: flagged by age alone)


# ---------------------------------------------------------------------------- paging


def tg_len(text: str) -> int:
    """Length as Telegram counts it at most: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _split_long_line(line: str, limit: int) -> list[str]:
    """Cut one over-long line into pieces: tags dropped (so none is left open), entities kept."""
    text = _TAG.sub("", line)
    pieces: list[str] = []
    while text:
        cut, used = 0, 0
        while cut < len(text):
            w = 2 if ord(text[cut]) > 0xFFFF else 1
            if used + w > limit:
                break
            used += w
            cut += 1
        amp = text.rfind("&", max(0, cut - 10), cut)
        if cut < len(text) and amp > 0 and ";" not in text[amp:cut]:
            cut = amp  # do not cut an entity such as &amp; in two
        cut = max(cut, 1)
        pieces.append(text[:cut])
        text = text[cut:]
    return pieces


def _fit(block: str, limit: int) -> list[str]:
    if tg_len(block) <= limit:
        return [block]
    if "\n" in block:
        return [piece for line in block.split("\n") for piece in _fit(line, limit)]
    return _split_long_line(block, limit)


def paginate(lines: Iterable[str], limit: int = TG_LIMIT) -> list[str]:
    """Join `lines` with newlines into pages of at most `limit` (UTF-16 units) each.

    A line may be a block of several lines (an entry); blocks are kept on one page when they
    fit. A block longer than a page is split at its lines, and a single line longer than a
    page is cut (its HTML tags dropped so none is left open). No lines, no pages.
    """
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        whole = tg_len(line)  # measured once: /lagging pages 18,000 entries
        pieces = ([(line, whole)] if whole <= limit
                  else [(piece, tg_len(piece)) for piece in _fit(line, limit)])
        for piece, n in pieces:
            if current and size + 1 + n > limit:
                pages.append("\n".join(current))
                current, size = [], 0
            size += n + (1 if current else 0)
            current.append(piece)
    if current:
        pages.append("\n".join(current))
    return pages


def _page_reserve(header: str, lang: str) -> int:
    """What a page keeps for its header and its "(i/n)"."""
    return tg_len(header) + 1 + tg_len(t("rep_page", lang, i=99999, n=99999))


def _pages(header: str, blocks: Sequence[str], lang: str, limit: int = TG_LIMIT) -> list[str]:
    """`blocks` paged under `header`; with several pages the header says (i/n)."""
    bodies = [b.strip("\n") for b in paginate(blocks, max(64, limit - _page_reserve(header, lang)))]
    bodies = [b for b in bodies if b.strip()]
    if not bodies:
        return [header]
    if len(bodies) == 1:
        return [f"{header}\n{bodies[0]}"]
    n = len(bodies)
    return [f"{header}{t('rep_page', lang, i=i, n=n)}\n{body}" for i, body in enumerate(bodies, 1)]


class Pages(Sequence[str]):
    """`_pages(header, blocks, lang)` without making every page: the cut is worked out from
    each block's size (`sizes`, tg_len) alone, and a page's text is made from `block(i)` (the
    i-th block's text) when it is asked for, then kept. /lagging at 20,000 projects is 18,000
    entries on 400 pages, of which one is shown. An empty block ("") is a blank line; a block
    larger than a page is cut as `_pages` cuts it (every page made at once)."""

    def __init__(self, header: str, lang: str, sizes: Sequence[int],
                 block: Callable[[int], str], limit: int = TG_LIMIT) -> None:
        self.header, self.lang, self.block = header, lang, block
        self.made: dict[int, str] = {}
        body = max(64, limit - _page_reserve(header, lang))
        if sizes and max(sizes) > body:
            self.cuts: list[tuple[int, int]] = []
            self.made = dict(enumerate(_pages(header, [block(i) for i in range(len(sizes))],
                                              lang, limit)))
            return
        # ends[k]: the size of blocks 0..k-1 with a newline after each; a page of blocks i..j-1
        # is ends[j] - ends[i] - 1 long, so its last block is found by bisection.
        ends = list(map(operator.add, itertools.accumulate(sizes, initial=0),
                        range(len(sizes) + 1)))
        cuts, i = [], 0
        while i < len(sizes):
            j = bisect.bisect_right(ends, ends[i] + body + 1, lo=i + 1) - 1
            if ends[j] - ends[i] > j - i:  # not blank lines only
                cuts.append((i, j))
            i = j
        self.cuts = cuts

    def __len__(self) -> int:
        return len(self.cuts) or len(self.made) or 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (list, Pages)) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index not in self.made:
            self.made[index] = self._make(index)
        return self.made[index]

    def _make(self, index: int) -> str:
        if not self.cuts:
            return self.header
        first, end = self.cuts[index]
        body = "\n".join(self.block(i) for i in range(first, end)).strip("\n")
        if len(self.cuts) == 1:
            return f"{self.header}\n{body}"
        page = t("rep_page", self.lang, i=index + 1, n=len(self.cuts))
        return f"{self.header}{page}\n{body}"


# ---------------------------------------------------------------------------- formatting


def _clip(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(text: str | None, limit: int = NAME_MAX) -> str:
    """A user-supplied value, shortened and escaped."""
    return esc(_clip(text, limit))


def fmt_num(value: float, decimals: int = 1) -> str:
    """12345.0 -> '12,345', 43.27 -> '43.3'."""
    text = f"{round(value, decimals):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_pct(value: float | None, lang: str) -> str:
    return t("rep_unknown", lang) if value is None else f"{fmt_num(value)}%"


def fmt_amount(wan: float | None, lang: str) -> str:
    """An amount in 万元: Chinese in 万元/亿元, English in CNY millions/billions."""
    if wan is None or not math.isfinite(wan):  # never "inf亿元"
        return t("rep_unknown", lang)
    if lang == "zh":
        if abs(wan) >= 10_000:
            return t("rep_amount_big", lang, v=fmt_num(wan / 10_000, 2))
        return t("rep_amount_small", lang, v=fmt_num(wan, 0 if abs(wan) >= 100 else 1))
    million = wan / 100
    if abs(million) >= 1_000:
        return t("rep_amount_big", lang, v=fmt_num(million / 1_000, 2))
    return t("rep_amount_small", lang, v=fmt_num(million, 1))


_EXACT = 1 << 1074  # any float times this is a whole number: sums of such are exact


def _exact(value: float) -> int:
    numerator, denominator = value.as_integer_ratio()
    return numerator * (_EXACT // denominator)


# (figure, its amount, its derived flag, the goal it is measured against)
INVESTMENTS = (("year", "invested_year", "invested_year_derived", "annual_plan"),
               ("total", "invested", "invested_derived", "total_investment"))


class Totals:
    """The counts and sums /status shows of many projects. Sums are exact (a total does not
    depend on the order projects are counted in), so a project can be taken away and counted
    again when it changes (services.views keeps the portfolio's totals that way)."""

    def __init__(self, items: Iterable[Item] = ()) -> None:
        self.n = 0
        self.standings: Counter[str] = Counter()
        self.stages: Counter[str | None] = Counter()
        self.reported = 0  # projects with a progress figure
        self.progress = 0  # their progress, exact (see _exact)
        self.known = dict.fromkeys(("year", "total"), 0)  # projects with the figure
        self.amount = dict.fromkeys(("year", "total"), 0)  # the figures' sum, exact
        self.goal = dict.fromkeys(("year", "total"), 0)  # the positive goals' sum, exact
        self.derived = dict.fromkeys(("year", "total"), 0)  # known figures worked out
        for item in items:
            self.add(item)

    def add(self, item: Item, sign: int = 1) -> None:
        """Count `item` in (`sign` -1: take it away)."""
        self.standings[item[1].standing] += sign
        self.add_project(item[0], sign)

    def remove(self, item: Item) -> None:
        self.add(item, -1)

    def add_project(self, p: ProjectState, sign: int = 1) -> None:
        """Count a project's own figures in (no standing)."""
        self.n += sign
        self.stages[p.stage if p.stage in STAGES else None] += sign
        if p.progress is not None:
            self.reported += sign
            self.progress += sign * _exact(p.progress)
        for key, amount, derived, goal in INVESTMENTS:
            value = getattr(p, amount)
            if value is not None:
                self.known[key] += sign
                self.amount[key] += sign * _exact(value)
                if getattr(p, derived):
                    self.derived[key] += sign
            target = getattr(p, goal) or 0
            if target > 0:
                self.goal[key] += sign * _exact(target)

    @property
    def average_progress(self) -> float | None:
        """Average progress, an unknown one counted as 0; None when none is known."""
        return self.progress / _EXACT / self.n if self.reported else None


def investment_lines(projects: Sequence[ProjectState], lang: str, one: bool = False) -> list[str]:
    """This year's investment against the annual plan, and the cumulative against the total
    investment, each its own figure; a figure worked out from the other kind is marked
    derived (for several projects: when any of theirs is). Sums count the known figures."""
    totals = Totals()
    for p in projects:
        totals.add_project(p)
    return investment_lines_of(totals, lang, one)


def investment_lines_of(totals: Totals, lang: str, one: bool = False) -> list[str]:
    """`investment_lines` of the projects `totals` counted."""
    lines = []
    for key, *_ in INVESTMENTS:
        figure = (totals.amount[key] / _EXACT if totals.known[key]
                  else (None if one else 0.0))
        target = totals.goal[key] / _EXACT
        mark = ""
        if totals.derived[key]:
            mark = t("rep_derived" if one else "rep_derived_some", lang)
        values = {"invested": fmt_amount(figure, lang) + mark}
        if target > 0:
            values.update(goal=fmt_amount(target, lang),
                          pct=fmt_pct(None if figure is None else 100 * figure / target, lang))
            lines.append(t(f"rep_invest_{key}", lang, **values))
        else:
            lines.append(t(f"rep_invest_{key}_nogoal", lang, **values))
    return lines


def fmt_date(value: date | datetime | None, lang: str, tz: tzinfo | None = None) -> str:
    if value is None:
        return t("rep_unknown", lang)
    if isinstance(value, datetime):
        if tz is not None and value.tzinfo is not None:
            value = value.astimezone(tz)
        return value.strftime("%Y-%m-%d")
    return value.isoformat()


def _when(value: datetime | str, tz: tzinfo | None) -> str:
    if isinstance(value, datetime):
        if tz is not None and value.tzinfo is not None:
            value = value.astimezone(tz)
        return value.strftime("%Y-%m-%d %H:%M")
    return esc(str(value))


def standing_label(standing: str, lang: str) -> str:
    return t(f"rep_standing_{standing}", lang)


def stage_label(stage: str | None, lang: str) -> str:
    return t(f"rep_stage_{stage}", lang) if stage in STAGES else t("rep_stage_none", lang)


def rank_change_label(r: UnitRank, lang: str) -> str:
    """↑2 / ↓1 / — / new."""
    if r.change is None:
        return t("rep_rank_new", lang)
    if r.change > 0:
        return f"↑{r.change}"
    if r.change < 0:
        return f"↓{-r.change}"
    return "—"


# Reasons a list entry already shows in its own words (points behind, past end, staleness).
SHOWN_IN_ENTRY = ("behind", "past_end", "stale")


def project_entry(p: ProjectState, s: Standing, lang: str, *, with_unit: bool = True) -> str:
    """Two short lines: marker, code and name; then unit and the numbers that matter."""
    head = f"{MARKERS[s.standing]} <code>{_name(p.code, 20)}</code> {_name(p.name)}"
    actual = fmt_pct(p.progress, lang)
    parts = [_name(p.unit, 30)] if with_unit else []
    if s.planned is None:
        parts.append(t("rep_item_progress_noplan", lang, actual=actual))
    else:
        parts.append(t("rep_item_progress", lang, actual=actual, planned=fmt_pct(s.planned, lang)))
    if s.standing != DONE:
        if s.behind is not None and s.behind > 0:
            parts.append(t("rep_item_behind", lang, n=fmt_num(s.behind)))
        if s.past_end:
            parts.append(t("rep_item_past_end", lang, date=fmt_date(p.planned_end, lang)))
        if p.last_update_at is None:
            parts.append(t("rep_item_never", lang))
        elif s.is_stale:
            parts.append(t("rep_item_stale", lang, n=s.stale_days))
        parts += [reason_text(r, lang) for r in s.why if r.code not in SHOWN_IN_ENTRY]
    if p.open_problems:
        parts.append(t("rep_item_problems", lang, n=p.open_problems))
    return head + "\n   " + " · ".join(parts)


def _standing_counts(items: Sequence[Item], lang: str,
                     counts: Mapping[str, int] | None = None) -> str:
    counts = Counter(s.standing for _, s in items) if counts is None else counts
    return " · ".join(f"{MARKERS[k]} {standing_label(k, lang)} {counts[k]}" for k in STANDINGS)


def _rank_block(r: UnitRank, lang: str) -> str:
    line = t(
        "rep_rank_line",
        lang,
        rank=r.rank,
        unit=_name(r.unit, 30),
        score=fmt_num(r.score),
        change=rank_change_label(r, lang),
    )
    detail = t(
        "rep_rank_detail",
        lang,
        n=r.projects,
        lagging=r.lagging,
        at_risk=r.at_risk,
        on_track=r.on_track,
        done=r.done,
    )
    return f"{line}\n{detail}"


# ---------------------------------------------------------------------------- reports


def leader_summary(
    items: Sequence[Item],
    lang: str,
    today: date,
    *,
    previous_ranks: Mapping[str, int] | None = None,
    ranking: Sequence[UnitRank] | None = None,
    worst: int = 10,
    ordered: Sequence[Item] | None = None,
    totals: Totals | None = None,
) -> list[str]:
    """`/status` for leaders: totals by standing and stage, average progress, investment
    against the annual plan, the `worst` worst projects, the unit ranking with rank change.

    `ranking` defaults to `rank_units(items, previous_ranks)`, `ordered` (the items worst
    first) to `worst_first(items)`, `totals` (of the items) to `Totals(items)`.
    """
    totals = Totals(items) if totals is None else totals
    header = t("rep_sum_title", lang, date=today.isoformat(), n=totals.n)
    if not totals.n:
        return [f"{header}\n{t('rep_no_projects', lang)}"]
    blocks: list[str] = [_standing_counts(items, lang, totals.standings)]
    stages = totals.stages
    order = [*STAGES, None]
    blocks.append(
        t(
            "rep_sum_stages",
            lang,
            stages=" · ".join(f"{stage_label(k, lang)} {stages[k]}" for k in order if stages[k]),
        )
    )
    blocks.append(t("rep_sum_avg", lang, pct=fmt_pct(totals.average_progress, lang)))
    blocks += investment_lines_of(totals, lang)

    blocks += ["", t("rep_sum_worst", lang)]
    ordered = worst_first(items) if ordered is None else ordered
    bad = totals.standings[LAGGING] + totals.standings[AT_RISK]  # the first `bad` of `ordered`
    if bad:
        blocks += [project_entry(p, s, lang) for p, s in ordered[:min(bad, worst)]]
        if bad > worst:
            blocks.append(t("rep_sum_worst_more", lang, n=bad - worst))
    else:
        blocks.append(t("rep_none_lagging", lang))

    if ranking is None:
        ranking = rank_units(items, previous_ranks)
    if ranking:
        blocks += ["", t("rep_sum_ranking", lang)]
        blocks += [_rank_block(r, lang) for r in ranking]
    return _pages(header, blocks, lang)


def unit_view(
    unit: str,
    items: Sequence[Item],
    lang: str,
    *,
    ranking: Sequence[UnitRank] | None = None,
) -> list[str]:
    """`/status <unit>` and a member's `/status`: the unit's projects, worst first.

    `items` may hold every project; only the unit's are shown. With `ranking` (of all units)
    the unit's rank, score and change are shown too.
    """
    mine = [it for it in items if it[0].unit == unit]
    header = t("rep_unit_title", lang, unit=_name(unit, 60), n=len(mine))
    if not mine:
        return [f"{header}\n{t('rep_no_projects', lang)}"]
    blocks = [_standing_counts(mine, lang)]
    for r in ranking or ():
        if r.unit == unit:
            blocks.append(
                t(
                    "rep_unit_rank",
                    lang,
                    rank=r.rank,
                    total=len(ranking),
                    score=fmt_num(r.score),
                    change=rank_change_label(r, lang),
                )
            )
    blocks.append("")
    blocks += [project_entry(p, s, lang, with_unit=False) for p, s in worst_first(mine)]
    return _pages(header, blocks, lang)


def project_view(
    p: ProjectState,
    s: Standing,
    lang: str,
    updates: Iterable[UpdateRow | tuple] = (),
    problems: Iterable[OpenProblem | tuple] = (),
    *,
    today: date | None = None,
    tz: tzinfo | None = None,
    last_updates: int = 5,
) -> list[str]:
    """`/status <code>`: plan against actual, behind, stage, investment, the last five updates
    (`updates`: (when, who, text[, files]) in any order) and the open problems (`problems`:
    (id, text, age_days, acting_unit)). Times are shown in `tz` when given; with `today` the
    nodes are listed (reports.nodes.node_lines).
    """
    header = f"{MARKERS[s.standing]} <b>{_name(p.code, 30)} {_name(p.name, 200)}</b>"
    lines = [t("rep_proj_unit", lang, unit=_name(p.unit, 100))]
    if p.leader:
        lines.append(t("rep_proj_leader", lang, leader=_name(p.leader, 60)))
    lines.append(
        t(
            "rep_proj_standing",
            lang,
            standing=standing_label(s.standing, lang),
            stage=stage_label(p.stage, lang),
        )
    )
    if p.planned_start or p.planned_end:
        lines.append(
            t(
                "rep_proj_dates",
                lang,
                start=fmt_date(p.planned_start, lang),
                end=fmt_date(p.planned_end, lang),
            )
        )
    actual = fmt_pct(p.progress, lang)
    if s.planned is None:
        lines.append(t("rep_proj_progress_noplan", lang, actual=actual))
    else:
        lines.append(t("rep_proj_progress", lang, actual=actual, planned=fmt_pct(s.planned, lang)))
        if s.behind is not None and s.behind > 0 and s.standing != DONE:
            lines.append(t("rep_proj_behind", lang, n=fmt_num(s.behind)))
        elif s.behind is not None and s.behind < 0:
            lines.append(t("rep_proj_ahead", lang, n=fmt_num(-s.behind)))
    if s.past_end:
        lines.append(t("rep_proj_past_end", lang, date=fmt_date(p.planned_end, lang)))
    if s.why:
        lines.append(t("rep_proj_why", lang, reasons=reasons_text(s.why, lang)))
    if s.standing != DONE:
        lines.append(forecast_line(p, s, lang))
    if p.invested is not None or p.invested_year is not None or p.total_investment or p.annual_plan:
        lines += investment_lines([p], lang, one=True)
    if p.last_update_at is None:
        lines.append(t("rep_proj_never", lang, days=s.stale_days))
    else:
        key = "rep_proj_last_stale" if s.is_stale else "rep_proj_last"
        lines.append(t(key, lang, date=fmt_date(p.last_update_at, lang, tz), days=s.stale_days))
    blocks = ["\n".join(lines)]
    if today is not None and p.milestones:
        blocks += ["", *node_lines(p, today, lang, done=s.is_done)]

    rows = [UpdateRow(*u) for u in updates]
    rows.sort(key=lambda u: _sort_time(u.when), reverse=True)
    if rows:
        blocks += ["", t("rep_proj_updates", lang)]
        for u in rows[:last_updates]:
            text = _name(u.text, TEXT_MAX)
            if u.files:
                text = f"{text} 📎{u.files}".strip()
            blocks.append(
                t(
                    "rep_proj_update_line",
                    lang,
                    when=_when(u.when, tz),
                    who=_name(u.who or t("rep_unknown", lang), 30),
                    text=text,
                )
            )
    open_ = [OpenProblem(*q) for q in problems]
    if open_:
        open_.sort(key=lambda q: (-q.age_days, q.id))
        blocks += ["", t("rep_proj_problems", lang, n=len(open_))]
        for q in open_:
            acting = (
                t("rep_acting", lang, unit=_name(q.acting_unit, 30))
                if q.acting_unit
                else t("rep_unassigned", lang)
            )
            blocks.append(
                t(
                    "rep_proj_problem_line",
                    lang,
                    id=q.id,
                    text=_name(q.text, TEXT_MAX),
                    age=t("rep_days", lang, n=q.age_days),
                    acting=acting,
                )
            )
    return _pages(header, blocks, lang)


def forecast_line(p: ProjectState, s: Standing, lang: str) -> str:
    """When the project is done at its recent pace (reports.forecast), against its plan."""
    f = s.forecast
    if f is None:
        return t("rep_proj_no_forecast", lang)
    if f.stalled:
        return t("rep_proj_stalled", lang, pct=fmt_pct(f.progress, lang), date=f.since.isoformat())
    if f.end is None:
        return t("rep_proj_no_pace", lang)
    late = f.days_late(p.planned_end)
    if late is None:
        return t("rep_proj_forecast_no_plan", lang, date=f.end.isoformat())
    key = ("rep_proj_forecast_late" if late > 0 else "rep_proj_forecast_early" if late < 0
           else "rep_proj_forecast_on_plan")
    return t(key, lang, date=f.end.isoformat(), days=abs(late))


def _sort_time(value: datetime | str) -> float:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return 0.0
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def lagging_list(items: Sequence[Item], lang: str, unit: str | None = None) -> list[str]:
    """`/lagging`: lagging projects, then at-risk ones, each worst first (most behind, most
    stale). `items` may hold every project; the others are left out. `unit`: the one unit
    they are of, named in the heading."""
    ordered = worst_first(items)
    return list(lagging_pages([it for it in ordered if it[1].standing == LAGGING],
                              [it for it in ordered if it[1].standing == AT_RISK], lang, unit))


def lagging_pages(lagging: Sequence[Item], at_risk: Sequence[Item], lang: str,
                  unit: str | None = None, *, entry: Callable[[Item, str], str] | None = None,
                  sizes: Callable[[Sequence[Item], str], list[int]] | None = None,
                  ) -> Sequence[str]:
    """`lagging_list` of the `lagging` and `at_risk` projects (each worst first), as Pages:
    an entry is formatted when its page is shown. `entry(item, lang)`: `project_entry`'s
    text of an item; `sizes(items, lang)`: the tg_len of each one's (the bot's keeps the
    size of a project that did not change)."""
    entry = entry or (lambda item, lang: project_entry(*item, lang))
    sizes = sizes or (lambda items, lang: [tg_len(entry(item, lang)) for item in items])
    counts = {"lagging": len(lagging), "at_risk": len(at_risk)}
    header = (t("rep_lag_title_unit", lang, unit=_name(unit, 60), **counts) if unit
              else t("rep_lag_title", lang, **counts))
    if not lagging and not at_risk:
        return [f"{header}\n{t('rep_none_lagging', lang)}"]
    blocks: list[str | Item] = []  # headings, blank lines and the projects' items
    block_sizes: list[int] = []
    for key, group in (("rep_lag_lagging", lagging), ("rep_lag_at_risk", at_risk)):
        if group:
            if blocks:
                blocks.append("")
                block_sizes.append(0)
            blocks += [t(key, lang), *group]
            block_sizes += [tg_len(blocks[-len(group) - 1]), *sizes(group, lang)]

    def block(i: int) -> str:
        b = blocks[i]
        return b if b.__class__ is str else entry(b, lang)

    return Pages(header, lang, block_sizes, block)


DUE_SOON_DAYS = 3  # a limit this close is flagged ⏰


def overdue_days(due: date | None, today: date | None) -> int:
    """Days past the limit (0: not overdue, or no limit)."""
    return max(0, (today - due).days) if due and today else 0


def due_flag(q: OpenProblem, lang: str, today: date | None, escalate_days: int) -> str:
    """🔥 with days overdue, ⏰ when due within DUE_SOON_DAYS; without a limit, ⏰ by age."""
    if q.due is None or today is None:
        return " ⏰" if q.age_days > escalate_days else ""
    late = overdue_days(q.due, today)
    if late:
        return t("loop_overdue_flag", lang, n=late)
    return t("loop_due_soon_flag", lang) if (q.due - today).days <= DUE_SOON_DAYS else ""


def problems_list(
    problems: Iterable[OpenProblem | tuple], lang: str, *, escalate_days: int = ESCALATE_DAYS,
    today: date | None = None,
) -> list[str]:
    """`/problems`: open problems, overdue first (the most overdue first), then oldest first:
    id, age, flag, project, text, the unit that must act and the limit. With `today`, a
    problem past its limit is flagged 🔥 with its days overdue and one due within
    DUE_SOON_DAYS ⏰; without a limit, one open longer than `escalate_days` is flagged ⏰."""
    return list(problems_pages(problems, lang, escalate_days=escalate_days, today=today))


def problem_order(q: OpenProblem, today: date | None) -> tuple:
    """Where `problems_list` lists a problem: overdue first (the most overdue first), then
    oldest first."""
    return (-overdue_days(q.due, today), -q.age_days, q.id)


def problems_pages(
    problems: Iterable[OpenProblem | tuple], lang: str, *, escalate_days: int = ESCALATE_DAYS,
    today: date | None = None, presorted: bool = False,
    sizes: Sequence[int] | None = None,
) -> Sequence[str]:
    """`problems_list` as Pages: a problem's lines are formatted when its page is shown.
    `presorted`: `problems` are OpenProblems in their order already (problem_order);
    `sizes`: their problem_size, measured before (a caller keeping the problems keeps their
    sizes: after one problem's change, the other thousands are not formatted again)."""
    rows = problems if presorted else sorted(
        (q if q.__class__ is OpenProblem else OpenProblem(*q) for q in problems),
        key=lambda q: problem_order(q, today))
    header = t("rep_probs_title", lang, n=len(rows))
    if not rows:
        return [f"{header}\n{t('rep_probs_none', lang)}"]
    if sizes is None:
        sizes = [problem_size(q, lang, today, escalate_days) for q in rows]
    return Pages(header, lang, sizes,
                 lambda i: problem_block(rows[i], lang, today, escalate_days))


def problem_size(q: OpenProblem, lang: str, today: date | None, escalate_days: int) -> int:
    """The size (tg_len) of `problem_block`."""
    return tg_len(problem_block(q, lang, today, escalate_days))


def problem_block(q: OpenProblem, lang: str, today: date | None, escalate_days: int) -> str:
    """One problem's lines in `/problems`."""
    project = " ".join(
        part
        for part in (
            f"<code>{_name(q.project_code, 20)}</code>" if q.project_code else "",
            _name(q.project_name) if q.project_name else "",
        )
        if part
    ) or t("rep_unknown", lang)
    head = t(
        "rep_probs_head",
        lang,
        id=q.id,
        age=t("rep_days", lang, n=q.age_days),
        flag=due_flag(q, lang, today, escalate_days),
        project=project,
    )
    acting = _name(q.acting_unit, 30) if q.acting_unit else t("rep_unassigned", lang)
    due = t("loop_due", lang, date=fmt_date(q.due, lang)) if q.due else ""
    return (f"{head}\n   {_name(q.text, TEXT_MAX)}\n" + t("rep_probs_acting", lang, unit=acting)
            + due)


def ranking_explained(ranking: Sequence[UnitRank], lang: str, stale_days: int) -> list[str]:
    """`/status ranking`: the ranking's formula in one paragraph, then each unit's score with
    its inputs (S and R as counts of its n projects, A to two decimals)."""
    header = t("rep_rank_explain_title", lang)
    blocks = [t("rep_rank_explain", lang, stale_days=stale_days), ""]
    for r in ranking:
        n = r.scored
        values = dict(rank=r.rank, unit=_name(r.unit, 30), score=fmt_num(r.score), n=n,
                      s=f"{round(r.standing_share * n)}/{n}" if n else "0",
                      r=f"{round(r.promptness * n)}/{n}" if n else "0")
        if r.plan_attainment is None:
            blocks.append(t("rep_rank_explain_line_no_a", lang, **values))
        else:
            blocks.append(t("rep_rank_explain_line", lang, a=f"{r.plan_attainment:.2f}",
                            **values))
    if not ranking:
        blocks.append(t("rep_no_projects", lang))
    return _pages(header, blocks, lang)

