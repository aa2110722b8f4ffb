"""The weekly scheduling-meeting pack: the schedule table (调度表, .xlsx) and the bulletin
(通报, .docx), built from the same standings and ranking as /status, /lagging and /problems.

Pure: `PackData` holds what the views hold at one moment; `write_schedule` and
`write_bulletin` turn it into files. Numbers are numbers and dates are dates in the table;
the bulletin's sentences are made from the data (nothing in it is fixed prose about projects).
"""

from __future__ import annotations

import html
import io
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import IO, TYPE_CHECKING, Any

from i18n import t
from i18n.reports import reasons_text
from reports.ranking import UnitRank
from reports.standing import (
    AT_RISK,
    DONE,
    LAGGING,
    ON_TRACK,
    STAGES,
    STANDINGS,
    Item,
    worst_first,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# openpyxl (about 15 MB resident) is imported in the functions that write the schedule: only a
# pack needs it, and the bot should not hold it from its start.
Target = str | os.PathLike | IO[bytes]
OLD_PROBLEM_DAYS = 14  # the bulletin counts problems open longer than this
WEEK_DAYS = 7  # "this week": the seven days up to the pack's moment
NAMED = 10  # projects named in one sentence of the bulletin's changes, then "and n more"
DATETIME = "yyyy-mm-dd hh:mm"
NUMBER = "#,##0.##"
PERCENT = "0.0"
DATE = "yyyy-mm-dd"


@dataclass(frozen=True)
class PackProblem:
    """One open problem as the pack lists it (as /problems does)."""

    id: int
    project_code: str
    project_name: str
    acting_unit: str
    opened: date
    days_open: int
    text: str
    due: date | None = None  # its time limit
    overdue: int = 0  # days past the limit


@dataclass(frozen=True)
class PackUpdate:
    """One status update of the week: when (aware), who, which project, what it reported."""

    at: datetime
    author: str
    code: str
    name: str
    unit: str
    progress: float | None
    stage: str | None
    invested: float | None
    text: str


@dataclass(frozen=True)
class PackNode:
    """One node (milestone) of a project: its date, the progress due by then, and the day an
    update first reported that progress (None: not yet)."""

    code: str
    name: str
    unit: str
    due: date
    progress: float
    title: str
    reached: date | None

    def status(self, today: date) -> str:
        """reached | late (reached after its date) | missed (past its date) | upcoming."""
        if self.reached is not None:
            return "reached" if self.reached <= self.due else "late"
        return "missed" if self.due < today else "upcoming"


@dataclass
class PackData:
    """Everything the pack says, as of `now` (aware, in the bot's timezone). `previous`: the
    standings a week before (what changed since last week); `updates`: the week's updates;
    `chart`: the wall chart (PNG) put in both files."""

    now: datetime
    items: Sequence[Item]
    ranking: Sequence[UnitRank]
    problems: Sequence[PackProblem]
    previous: Sequence[Item] = ()
    updates: Sequence[PackUpdate] = ()
    nodes: Sequence[PackNode] = ()
    opened: int = 0  # problems opened this week
    closed: int = 0  # problems closed this week
    chart: bytes | None = None

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def week_start(self) -> date:
        return self.today - timedelta(days=WEEK_DAYS)

    def changes(self) -> dict[str, list[Item]]:
        """Since a week before: projects that turned red (lagging now, not then), turned
        green (on track now, lagging or at risk then), and were completed (done now, not
        then); new projects count against no standing."""
        before = {p.code: s.standing for p, s in self.previous}
        out: dict[str, list[Item]] = {"red": [], "green": [], "done": []}
        for p, s in worst_first(self.items):
            then = before.get(p.code)
            if then is None:
                continue
            if s.standing == LAGGING and then != LAGGING:
                out["red"].append((p, s))
            elif s.standing == ON_TRACK and then in (LAGGING, AT_RISK):
                out["green"].append((p, s))
            elif s.standing == DONE and then != DONE:
                out["done"].append((p, s))
        return out

    def nodes_of_week(self) -> tuple[list[PackNode], list[PackNode]]:
        """(nodes reached this week, nodes whose date passed this week and still unreached)."""
        start, today = self.week_start, self.today
        reached = [n for n in self.nodes if n.reached and start < n.reached <= today]
        missed = [n for n in self.nodes if start < n.due < today and n.reached is None]
        return reached, missed

    def overdue_by_unit(self) -> dict[str, list[PackProblem]]:
        """Overdue problems by the unit that must act, most overdue first."""
        groups: dict[str, list[PackProblem]] = defaultdict(list)
        for q in sorted(self.problems, key=lambda q: (-q.overdue, q.id)):
            if q.overdue:
                groups[q.acting_unit or ""].append(q)
        return dict(sorted(groups.items(), key=lambda kv: (-kv[1][0].overdue, kv[0])))

    def investment(self) -> tuple[float, float]:
        """(this year's investment, annual plan) of all projects, in 万元, as /status sums
        them: the plan of projects that have one."""
        invested = sum(p.invested_year or 0.0 for p, _ in self.items)
        plan = sum(p.annual_plan for p, _ in self.items if p.annual_plan and p.annual_plan > 0)
        return invested, plan

    def light_counts(self) -> Counter:
        return Counter(s.standing for _, s in self.items)

    def stage_counts(self) -> Counter:
        return Counter(p.stage if p.stage in STAGES else None for p, _ in self.items)

    def flagged(self) -> list[Item]:
        """Lagging, then at-risk projects, worst first (as /lagging lists them)."""
        return [it for it in worst_first(self.items) if it[1].standing in (LAGGING, AT_RISK)]

    def lagging(self) -> list[Item]:
        return [it for it in self.flagged() if it[1].standing == LAGGING]

    def forecast_end(self, item: Item) -> date | None:
        """When the project should be done at its pace so far (None: not known)."""
        forecast = item[1].forecast
        return forecast.end if forecast else None

    def last_update(self, item: Item) -> date | None:
        last = item[0].last_update_at
        return last.astimezone(self.now.tzinfo).date() if last else None


def reason_of(item: Item, lang: str) -> str:
    """The project's reasons as plain text (reason_text gives HTML-escaped phrases)."""
    return html.unescape(reasons_text(item[1].why, lang)) if item[1].why else ""


def _light(standing: str, lang: str) -> str:
    return t(f"rep_standing_{standing}", lang)


def _stage(stage: str | None, lang: str) -> str:
    return t(f"rep_stage_{stage}" if stage in STAGES else "rep_stage_none", lang)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _one(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


# ---------------------------------------------------------------------------- the table

# Each table: (header key, number format or None) per column.
OVERVIEW = (("code", None), ("name", None), ("unit", None), ("leader", None), ("stage", None),
            ("planned", PERCENT), ("progress", PERCENT), ("light", None), ("reason", None),
            ("annual_plan", NUMBER), ("invested_year", NUMBER), ("invested", NUMBER),
            ("last_update", DATE), ("problems", "0"))
LAGGING_COLUMNS = (("code", None), ("name", None), ("unit", None), ("light", None),
                   ("reason", None), ("planned", PERCENT), ("progress", PERCENT),
                   ("forecast", DATE), ("last_update", DATE))
PROBLEM_COLUMNS = (("problem_id", "0"), ("code", None), ("name", None), ("acting_unit", None),
                   ("opened", DATE), ("due", DATE), ("days_overdue", "0"), ("status", None),
                   ("text", None))
RANKING_COLUMNS = (("rank", "0"), ("change", "0"), ("unit", None), ("score", PERCENT),
                   ("standing_share", PERCENT), ("plan_attainment", PERCENT),
                   ("promptness", PERCENT), ("projects", "0"), ("lagging", "0"),
                   ("at_risk", "0"))
WEEK_COLUMNS = (("when", DATETIME), ("author", None), ("code", None), ("name", None),
                ("unit", None), ("progress", PERCENT), ("stage", None),
                ("invested", NUMBER), ("update_text", None))
NODE_COLUMNS = (("code", None), ("name", None), ("unit", None), ("node", None),
                ("node_due", DATE), ("node_progress", PERCENT), ("node_reached", DATE),
                ("node_status", None))
WIDTHS = {"name": 36, "reason": 40, "text": 50, "update_text": 60, "unit": 20, "node": 24,
          "when": 17}
CHART_WIDTH_CM = 16  # the wall chart's width in the bulletin (an A4 page's text is 16 cm)


def _local(moment: datetime, tz) -> datetime:
    """A stored moment as the bot's local time, without its zone (a spreadsheet has none)."""
    return moment.astimezone(tz).replace(tzinfo=None)


@cache
def _header_style() -> tuple[Any, Any]:
    """The header cells' font and alignment."""
    from openpyxl.styles import Alignment, Font

    return Font(bold=True), Alignment(wrap_text=True, vertical="center")


def _page_setup(ws: Worksheet, header_row: int, columns: int, last_row: int) -> None:
    """A3 landscape, one page wide, the header repeated on every page, frozen and filtered."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A3
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.freeze_panes = f"A{header_row + 1}"
    last = f"{get_column_letter(columns)}{max(last_row, header_row)}"
    ws.auto_filter.ref = f"A{header_row}:{last}"
    ws.print_area = f"A1:{last}"  # the table; the chart beside it is for the screen


def _cell(ws: Worksheet, value: Any, fmt: str | None = None, bold: bool = False) -> Any:
    """A value as a cell: plain values go as they are (a cell object each costs time)."""
    if not bold and (value is None or (isinstance(value, str) and not value.startswith("="))
                     or (fmt is None and not isinstance(value, str))):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text starting with "=" stays text, never a formula
    elif fmt and value is not None:
        cell.number_format = fmt
    if bold:
        cell.font = _header_style()[0]
    return cell


def _table(ws: Worksheet, columns: Sequence[tuple[str, str | None]],
           rows: Iterable[Sequence[Any]], count: int, lang: str,
           above: Sequence[Sequence[Any]] = ()) -> int:
    """One table streamed into `ws` (openpyxl's write-only mode, so 2,000 projects write
    quickly): the rows `above` it, the header, `count` rows. The header's row."""
    from openpyxl.utils import get_column_letter

    header_row = len(above) + 1
    for i, (key, _) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(key, 14)
    _page_setup(ws, header_row, len(columns), header_row + count)
    for row in above:
        ws.append(row)
    header = []
    for key, _ in columns:
        cell = _cell(ws, t(f"pack_col_{key}", lang), bold=True)
        cell.alignment = _header_style()[1]
        header.append(cell)
    ws.append(header)
    for values in rows:
        ws.append([_cell(ws, value, fmt)
                   for (_, fmt), value in zip(columns, values, strict=True)])
    return header_row


def _overview(ws: Worksheet, data: PackData, lang: str) -> None:
    """The title, the summary block and one row per project, with the wall chart beside."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    day = data.today
    title = WriteOnlyCell(ws, value=t("pack_title", lang, y=day.year, m=day.month, d=day.day,
                                      date=day.isoformat()))
    title.font = Font(bold=True, size=16)
    lights, stages = data.light_counts(), data.stage_counts()
    stage_rows = [(_stage(k, lang), stages[k]) for k in (*STAGES, None) if stages[k]]
    light_rows = [(_light(k, lang), lights[k]) for k in STANDINGS]
    invested, plan = data.investment()
    money_rows = [(t("pack_col_annual_plan", lang), plan, NUMBER),
                  (t("pack_col_invested_year", lang), invested, NUMBER),
                  (t("pack_invest_share", lang),
                   round(100 * invested / plan, 1) if plan else None, PERCENT)]
    above: list[list[Any]] = [[title], [],
                              [_cell(ws, t("pack_by_light", lang), bold=True), None,
                               _cell(ws, t("pack_by_stage", lang), bold=True), None,
                               _cell(ws, t("pack_investment", lang), bold=True)]]
    for i in range(max(len(light_rows), len(stage_rows), len(money_rows))):
        row: list[Any] = []
        for block in (light_rows, stage_rows, money_rows):
            if i < len(block):
                label, value, *fmt = block[i]
                row += [_cell(ws, label), _cell(ws, value, fmt[0] if fmt else None)]
            else:
                row += [None, None]
        above.append(row)
    above += [[_cell(ws, t("pack_total", lang), bold=True), len(data.items)], []]
    rows = ((p.code, p.name, p.unit, p.leader, _stage(p.stage, lang), _one(s.planned),
             _one(p.progress), _light(s.standing, lang), reason_of((p, s), lang),
             p.annual_plan, p.invested_year, p.invested, data.last_update((p, s)),
             p.open_problems)
            for p, s in sorted(data.items, key=lambda it: (it[0].unit, it[0].code)))
    if data.chart:  # beside the table, below its header: it scrolls with the rows
        from openpyxl.drawing.image import Image  # needs Pillow, which matplotlib brings

        anchor = f"{get_column_letter(len(OVERVIEW) + 2)}{len(above) + 2}"
        ws.add_image(Image(io.BytesIO(data.chart)), anchor)
    _table(ws, OVERVIEW, rows, len(data.items), lang, above)


def write_schedule(data: PackData, target: Target, lang: str) -> None:
    """The schedule table: sheets Overview (with the wall chart), Lagging, Problems, Ranking,
    This week, and Nodes when any project has nodes."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    _overview(wb.create_sheet(t("pack_sheet_overview", lang)), data, lang)
    flagged = data.flagged()
    lagging = ((p.code, p.name, p.unit, _light(s.standing, lang), reason_of((p, s), lang),
                _one(s.planned), _one(p.progress), data.forecast_end((p, s)),
                data.last_update((p, s)))
               for p, s in flagged)
    _table(wb.create_sheet(t("pack_sheet_lagging", lang)), LAGGING_COLUMNS, lagging,
           len(flagged), lang)
    problems = ((q.id, q.project_code, q.project_name, q.acting_unit, q.opened, q.due,
                 q.overdue, t("pack_status_overdue" if q.overdue else "pack_status_open", lang),
                 q.text) for q in data.problems)
    _table(wb.create_sheet(t("pack_sheet_problems", lang)), PROBLEM_COLUMNS, problems,
           len(data.problems), lang)
    ranking = ((r.rank, r.change, r.unit, r.score, _pct(r.standing_share),
                _pct(r.plan_attainment), _pct(r.promptness), r.projects, r.lagging, r.at_risk)
               for r in data.ranking)
    _table(wb.create_sheet(t("pack_sheet_ranking", lang)), RANKING_COLUMNS, ranking,
           len(data.ranking), lang)
    tz = data.now.tzinfo
    week = ((_local(u.at, tz), u.author, u.code, u.name, u.unit, _one(u.progress),
             _stage(u.stage, lang) if u.stage else None, u.invested, u.text)
            for u in data.updates)
    _table(wb.create_sheet(t("pack_sheet_week", lang)), WEEK_COLUMNS, week, len(data.updates),
           lang)
    if data.nodes:
        nodes = ((n.code, n.name, n.unit, n.title, n.due, _one(n.progress), n.reached,
                  t(f"pack_node_{n.status(data.today)}", lang)) for n in data.nodes)
        _table(wb.create_sheet(t("pack_sheet_nodes", lang)), NODE_COLUMNS, nodes,
               len(data.nodes), lang)
    wb.save(target)


# ---------------------------------------------------------------------------- the bulletin


def _num(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def _change(r: UnitRank, lang: str) -> str:
    if r.change is None:
        return t("pack_change_new", lang)
    if r.change == 0:
        return t("pack_change_same", lang)
    key = "pack_change_up" if r.change > 0 else "pack_change_down"
    return t(key, lang, n=abs(r.change))


ZH_NUMBERS = "一二三四五六七八九十"


def _ordinal(n: int, lang: str) -> str:
    """（一）（二）… in Chinese (up to 十, then digits), "1." in English."""
    if lang != "zh":
        return f"{n}."
    return f"（{ZH_NUMBERS[n - 1] if n <= len(ZH_NUMBERS) else n}）"


def _ranks(ranks: Sequence[UnitRank], lang: str) -> str:
    sep = "；" if lang == "zh" else "; "
    return sep.join(t("pack_bul_rank", lang, rank=r.rank, unit=r.unit, score=_num(r.score),
                      change=_change(r, lang)) for r in ranks)


def overall_sentences(data: PackData, lang: str) -> list[str]:
    """The headline figures, as in /status: counts by light, average progress, investment,
    open problems."""
    day, items = data.today, data.items
    lights = data.light_counts()
    reported = any(p.progress is not None for p, _ in items)
    avg = (f"{_num(sum((p.progress or 0.0) for p, _ in items) / len(items))}%"
           if items and reported else "—")
    out = [t("pack_bul_overall", lang, y=day.year, m=day.month, d=day.day,
             date=day.isoformat(), n=len(items), avg=avg,
             **{k: lights[k] for k in STANDINGS})]
    invested, plan = data.investment()
    if plan > 0:
        out.append(t("pack_bul_invest", lang, invested=_num(invested), plan=_num(plan),
                     pct=f"{_num(100 * invested / plan)}%"))
    else:
        out.append(t("pack_bul_invest_noplan", lang, invested=_num(invested)))
    if data.problems:
        old = sum(1 for q in data.problems if q.days_open > OLD_PROBLEM_DAYS)
        out.append(t("pack_bul_problems", lang, n=len(data.problems), old=old,
                     days=OLD_PROBLEM_DAYS))
    return out


def _names(names: Sequence[str], lang: str) -> str:
    """Up to NAMED names, then how many more (projects are named, not coded: the bulletin
    gives codes to the lagging projects only)."""
    sep = "、" if lang == "zh" else ", "
    shown = sep.join(names[:NAMED])
    if len(names) > NAMED:
        shown += t("pack_bul_more", lang, n=len(names) - NAMED)
    return shown


def change_sentences(data: PackData, lang: str) -> list[str]:
    """What changed since a week before: lights turned red or green, projects completed,
    nodes reached and missed, problems opened, closed and overdue."""
    out = []
    changes = data.changes() if data.previous else {}
    if not data.previous:
        out.append(t("pack_bul_no_previous", lang))
    for key, items in changes.items():
        if items:
            out.append(t(f"pack_bul_{key}", lang, n=len(items),
                         names=_names([p.name for p, _ in items], lang)))
        else:
            out.append(t(f"pack_bul_no_{key}", lang))
    reached, missed = data.nodes_of_week()
    if reached or missed:
        out.append(t("pack_bul_nodes", lang, reached=len(reached), missed=len(missed)))
        if missed:
            out.append(t("pack_bul_nodes_missed", lang, names=_names(
                [f"{n.name}（{n.title or n.due.isoformat()}）" if lang == "zh"
                 else f"{n.name} ({n.title or n.due.isoformat()})" for n in missed], lang)))
    overdue = sum(1 for q in data.problems if q.overdue)
    out.append(t("pack_bul_problem_week", lang, opened=data.opened, closed=data.closed,
                 overdue=overdue))
    return out


def lagging_by_unit(data: PackData) -> dict[str, list[Item]]:
    """The lagging projects grouped by unit: the unit with most first, then by name."""
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in data.lagging():
        groups[item[0].unit].append(item)
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _sentences(parts: Sequence[str], lang: str) -> str:
    return "".join(parts) if lang == "zh" else " ".join(parts)


def write_bulletin(data: PackData, target: Target, lang: str) -> None:
    """The bulletin: overall figures, what changed since last week, lagging projects by unit
    with reason, the ranking's top and bottom three, overdue problems by unit, the chart."""
    from docx import Document  # python-docx: only the pack needs it
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document()
    day = data.today
    title = doc.add_heading(t("pack_bul_title", lang), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    asof = doc.add_paragraph(t("pack_bul_asof", lang, y=day.year, m=day.month, d=day.day,
                               date=day.isoformat()))
    asof.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(t("pack_bul_h_overall", lang), level=1)
    doc.add_paragraph(_sentences(overall_sentences(data, lang), lang))

    doc.add_heading(t("pack_bul_h_changes", lang), level=1)
    doc.add_paragraph(_sentences(change_sentences(data, lang), lang))

    doc.add_heading(t("pack_bul_h_lagging", lang), level=1)
    groups = lagging_by_unit(data)
    if not groups:
        doc.add_paragraph(t("pack_bul_no_lagging", lang))
    else:
        doc.add_paragraph(t("pack_bul_lagging_intro", lang, n=len(data.lagging()),
                            units=len(groups)))
        for number, (unit, items) in enumerate(groups.items(), 1):
            # Plain paragraphs numbered in the text: a named list style is looked up anew
            # on every paragraph by python-docx, far too slow for a thousand projects.
            doc.add_paragraph(t("pack_bul_unit", lang, i=_ordinal(number, lang), unit=unit,
                                n=len(items)))
            for p, s in items:
                reason = reason_of((p, s), lang) or t("pack_bul_no_reason", lang)
                doc.add_paragraph(t("pack_bul_project", lang, code=p.code, name=p.name,
                                    reason=reason))

    doc.add_heading(t("pack_bul_h_ranking", lang), level=1)
    ranking = list(data.ranking)
    if not ranking:
        doc.add_paragraph(t("pack_bul_no_ranking", lang))
    else:
        doc.add_paragraph(t("pack_bul_top", lang, units=_ranks(ranking[:3], lang)))
        bottom = ranking[max(3, len(ranking) - 3):]
        if bottom:
            doc.add_paragraph(t("pack_bul_bottom", lang, units=_ranks(bottom, lang)))

    doc.add_heading(t("pack_bul_h_overdue", lang), level=1)
    overdue = data.overdue_by_unit()
    if not overdue:
        doc.add_paragraph(t("pack_bul_no_overdue", lang))
    else:
        doc.add_paragraph(t("pack_bul_overdue_intro", lang,
                            n=sum(len(qs) for qs in overdue.values()), units=len(overdue)))
        sep = "；" if lang == "zh" else "; "
        for number, (unit, problems) in enumerate(overdue.items(), 1):
            listed = sep.join(t("pack_bul_overdue_item", lang, id=q.id, name=q.project_name,
                                days=q.overdue) for q in problems)
            doc.add_paragraph(t("pack_bul_overdue_unit", lang, i=_ordinal(number, lang),
                                unit=unit or t("pack_unassigned", lang), n=len(problems),
                                items=listed))

    if data.chart:
        doc.add_heading(t("pack_bul_h_chart", lang), level=1)
        doc.add_picture(io.BytesIO(data.chart), width=Cm(CHART_WIDTH_CM))
    doc.save(target)
