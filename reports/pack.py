"""The weekly scheduling-meeting pack: the schedule table (调度表, .xlsx) and the bulletin
(通报, .docx), built from the same standings and ranking as /status, /lagging and /problems.

Pure: `PackData` holds what the views hold at one moment; `write_schedule` and
`write_bulletin` turn it into files. Numbers are numbers and dates are dates in the table;
the bulletin's sentences are made from the data (nothing in it is fixed prose about projects).
"""

from __future__ import annotations

import html
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from i18n import t
from i18n.reports import reasons_text
from reports.ranking import UnitRank
from reports.standing import AT_RISK, LAGGING, STAGES, STANDINGS, Item, worst_first

Target = str | os.PathLike | IO[bytes]
OLD_PROBLEM_DAYS = 14  # the bulletin counts problems open longer than this
NUMBER = "#,##0.##"
PERCENT = "0.0"
DATE = "yyyy-mm-dd"


@dataclass(frozen=True)
class PackProblem:
    """One open problem as the pack lists it."""

    id: int
    project_code: str
    project_name: str
    acting_unit: str
    opened: date
    days_open: int
    text: str


@dataclass
class PackData:
    """Everything the pack says, as of `now` (aware, in the bot's timezone)."""

    now: datetime
    items: Sequence[Item]
    ranking: Sequence[UnitRank]
    problems: Sequence[PackProblem]

    @property
    def today(self) -> date:
        return self.now.date()

    def light_counts(self) -> Counter:
        return Counter(s.standing for _, s in self.items)

    def stage_counts(self) -> Counter:
        return Counter(p.stage if p.stage in STAGES else None for p, _ in self.items)

    def flagged(self) -> list[Item]:
        """Lagging, then at-risk projects, worst first (as /lagging lists them)."""
        return [it for it in worst_first(self.items) if it[1].standing in (LAGGING, AT_RISK)]

    def lagging(self) -> list[Item]:
        return [it for it in self.flagged() if it[1].standing == LAGGING]

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
            ("annual_plan", NUMBER), ("invested", NUMBER), ("last_update", DATE),
            ("problems", "0"))
LAGGING_COLUMNS = (("code", None), ("name", None), ("unit", None), ("light", None),
                   ("reason", None), ("planned", PERCENT), ("progress", PERCENT),
                   ("forecast", DATE), ("last_update", DATE))
PROBLEM_COLUMNS = (("problem_id", "0"), ("code", None), ("name", None), ("acting_unit", None),
                   ("opened", DATE), ("days_open", "0"), ("status", None), ("text", None))
RANKING_COLUMNS = (("rank", "0"), ("change", "0"), ("unit", None), ("score", PERCENT),
                   ("standing_share", PERCENT), ("plan_attainment", PERCENT),
                   ("promptness", PERCENT), ("projects", "0"), ("lagging", "0"),
                   ("at_risk", "0"))
WIDTHS = {"name": 36, "reason": 40, "text": 50, "unit": 20}


def _page_setup(ws: Worksheet, header_row: int, columns: int, last_row: int) -> None:
    """A3 landscape, one page wide, the header repeated on every page, frozen and filtered."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = (f"A{header_row}:{get_column_letter(columns)}"
                          f"{max(last_row, header_row)}")


def _table(ws: Worksheet, header_row: int, columns: Sequence[tuple[str, str | None]],
           rows: Sequence[Sequence[Any]], lang: str) -> None:
    bold = Font(bold=True)
    for i, (key, _) in enumerate(columns, 1):
        cell = ws.cell(header_row, i, t(f"pack_col_{key}", lang))
        cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(key, 14)
    for r, values in enumerate(rows, header_row + 1):
        for i, ((_, fmt), value) in enumerate(zip(columns, values, strict=True), 1):
            cell = ws.cell(r, i, value)
            if isinstance(value, str):
                cell.data_type = "s"  # text starting with "=" stays text, never a formula
            elif fmt and value is not None:
                cell.number_format = fmt
    _page_setup(ws, header_row, len(columns), header_row + len(rows))


def _overview(ws: Worksheet, data: PackData, lang: str) -> None:
    day = data.today
    ws.cell(1, 1, t("pack_title", lang, y=day.year, m=day.month, d=day.day,
                    date=day.isoformat())).font = Font(bold=True, size=16)
    row = 3
    lights, stages = data.light_counts(), data.stage_counts()
    ws.cell(row, 1, t("pack_by_light", lang)).font = Font(bold=True)
    ws.cell(row, 3, t("pack_by_stage", lang)).font = Font(bold=True)
    stage_rows = [(_stage(k, lang), stages[k]) for k in (*STAGES, None) if stages[k]]
    light_rows = [(_light(k, lang), lights[k]) for k in STANDINGS]
    for i in range(max(len(light_rows), len(stage_rows))):
        for col, block in ((1, light_rows), (3, stage_rows)):
            if i < len(block):
                ws.cell(row + 1 + i, col, block[i][0])
                ws.cell(row + 1 + i, col + 1, block[i][1])
    row += 1 + max(len(light_rows), len(stage_rows))
    ws.cell(row, 1, t("pack_total", lang)).font = Font(bold=True)
    ws.cell(row, 2, len(data.items))
    header = row + 2
    rows = [(p.code, p.name, p.unit, p.leader, _stage(p.stage, lang), _one(s.planned),
             _one(p.progress), _light(s.standing, lang), reason_of((p, s), lang),
             p.annual_plan, p.invested, data.last_update((p, s)), p.open_problems)
            for p, s in sorted(data.items, key=lambda it: (it[0].unit, it[0].code))]
    _table(ws, header, OVERVIEW, rows, lang)


def write_schedule(data: PackData, target: Target, lang: str) -> None:
    """The schedule table: sheets Overview, Lagging, Problems, Ranking."""
    wb = Workbook()
    overview = wb.active
    overview.title = t("pack_sheet_overview", lang)
    _overview(overview, data, lang)
    lagging = [(p.code, p.name, p.unit, _light(s.standing, lang), reason_of((p, s), lang),
                _one(s.planned), _one(p.progress),
                s.forecast.end if s.forecast else None, data.last_update((p, s)))
               for p, s in data.flagged()]
    _table(wb.create_sheet(t("pack_sheet_lagging", lang)), 1, LAGGING_COLUMNS, lagging, lang)
    problems = [(q.id, q.project_code, q.project_name, q.acting_unit, q.opened, q.days_open,
                 t("pack_status_open", lang), q.text) for q in data.problems]
    _table(wb.create_sheet(t("pack_sheet_problems", lang)), 1, PROBLEM_COLUMNS, problems, lang)
    ranking = [(r.rank, r.change, r.unit, r.score, _pct(r.standing_share),
                _pct(r.plan_attainment), _pct(r.promptness), r.projects, r.lagging, r.at_risk)
               for r in data.ranking]
    _table(wb.create_sheet(t("pack_sheet_ranking", lang)), 1, RANKING_COLUMNS, ranking, lang)
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
    invested = sum(p.invested_year or 0.0 for p, _ in items)  # this year's, as the plan is
    plan = sum(p.annual_plan for p, _ in items if p.annual_plan and p.annual_plan > 0)
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


def lagging_by_unit(data: PackData) -> dict[str, list[Item]]:
    """The lagging projects grouped by unit: the unit with most first, then by name."""
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in data.lagging():
        groups[item[0].unit].append(item)
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def write_bulletin(data: PackData, target: Target, lang: str) -> None:
    """The bulletin: overall figures, lagging projects by unit with reason, top and bottom
    three units of the ranking."""
    from docx import Document  # python-docx: only the pack needs it
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    day = data.today
    title = doc.add_heading(t("pack_bul_title", lang), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    asof = doc.add_paragraph(t("pack_bul_asof", lang, y=day.year, m=day.month, d=day.day,
                               date=day.isoformat()))
    asof.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(t("pack_bul_h_overall", lang), level=1)
    doc.add_paragraph("".join(overall_sentences(data, lang)) if lang == "zh"
                      else " ".join(overall_sentences(data, lang)))

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
    doc.save(target)
