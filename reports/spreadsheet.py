"""The ledger export: the import columns of DESIGN.md plus the current standing, as .xlsx or .csv.

Columns (`EXPORT_COLUMNS`), English headers by default so the file imports again as it is:
the ledger columns code, name, unit, leader, stage, planned_start, planned_end,
total_investment, annual_plan, aliases (joined with ";"); then progress, planned_progress,
behind (percent / percentage points, one decimal), standing (on_track | at_risk | lagging |
done), last_update_at (ISO 8601 with offset, in the timezone of `now`; empty if never
updated), days_since_update (whole days since the last update, or since the project was added
when it was never updated — the number its staleness is judged by), invested (万元 since the
project began), open_problems, latest_update (the last update's text), overdue_problems (how
many open ones are past their limit), problems (each open or awaiting problem: `#id status due
YYYY-MM-DD`, `overdue N` days when it is, and its text; separated by " | "), invested_derived
("derived" when the cumulative figure is worked out from this year's rather than reported),
invested_this_year (万元 since 1 January), invested_this_year_derived ("derived" when worked
out from cumulative figures; reports/investment.py).

Dates are text `YYYY-MM-DD`; numbers are numbers; unknown values are empty cells. With
`lang="zh"` the headers (and stage and standing values) are in Chinese instead — headers the
import also understands for the ledger columns.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from i18n import t
from reports.standing import STAGES, Item

LEDGER_COLUMNS = (
    "code",
    "name",
    "unit",
    "leader",
    "stage",
    "planned_start",
    "planned_end",
    "total_investment",
    "annual_plan",
    "aliases",
)
EXPORT_COLUMNS = (
    *LEDGER_COLUMNS,
    "progress",
    "planned_progress",
    "behind",
    "standing",
    "last_update_at",
    "days_since_update",
    "invested",
    "open_problems",
    "latest_update",
    "overdue_problems",
    "problems",
    "invested_derived",
    "invested_this_year",
    "invested_this_year_derived",
)
DATE_TIME_COLUMNS = frozenset({"last_update_at"})  # ISO text in csv, a date-time in xlsx
NUMBER_FORMATS = {
    "total_investment": "#,##0.##",
    "annual_plan": "#,##0.##",
    "invested": "#,##0.##",
    "invested_this_year": "#,##0.##",
    "progress": "0.0",
    "planned_progress": "0.0",
    "behind": "0.0",
    "days_since_update": "0",
    "open_problems": "0",
    "overdue_problems": "0",
}
DERIVED = "derived"  # an investment figure worked out from the other kind (reports.investment)
MAX_WIDTH = 60
CELL_TEXT_MAX = 32_767  # Excel's limit for one cell


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def problems_cell(problems: Sequence[dict]) -> str | None:
    """A project's open and awaiting problems in one cell (dicts: id, status, due, late, text)."""
    parts = []
    for q in problems:
        late = f" overdue {q['late']}" if q.get("late") else ""
        parts.append(f"#{q['id']} {q['status']} due {q['due'].isoformat()}{late}: {q['text']}")
    return " | ".join(parts) or None


def export_rows(items: Iterable[Item], now: datetime,
                problems: Mapping[str, Sequence[dict]] | None = None) -> list[dict[str, Any]]:
    """One dict per project, keyed by `EXPORT_COLUMNS`, in ledger order (by code);
    `problems`: each project's open and awaiting problems by code (see `problems_cell`)."""
    problems = problems or {}
    rows = []
    for p, s in sorted(items, key=lambda it: it[0].code):
        last = p.last_update_at
        if last is not None and now.tzinfo is not None and last.tzinfo is not None:
            last = last.astimezone(now.tzinfo)
        rows.append(
            {
                "code": p.code,
                "name": p.name,
                "unit": p.unit,
                "leader": p.leader or None,
                "stage": p.stage or None,
                "planned_start": _date(p.planned_start),
                "planned_end": _date(p.planned_end),
                "total_investment": p.total_investment,
                "annual_plan": p.annual_plan,
                "aliases": ";".join(p.aliases) or None,
                "progress": _round(p.progress),
                "planned_progress": _round(s.planned),
                "behind": _round(s.behind),
                "standing": s.standing,
                "last_update_at": last.isoformat(timespec="seconds") if last else None,
                "days_since_update": s.stale_days,
                "invested": p.invested,
                "open_problems": p.open_problems,
                "latest_update": p.latest_update or None,
                "overdue_problems": sum(1 for q in problems.get(p.code, ()) if q.get("late")),
                "problems": problems_cell(problems.get(p.code, ())),
                "invested_derived": DERIVED if p.invested_derived else None,
                "invested_this_year": p.invested_year,
                "invested_this_year_derived": DERIVED if p.invested_year_derived else None,
            }
        )
    return rows


def _headers(lang: str | None) -> list[str]:
    if lang in (None, "en"):
        return list(EXPORT_COLUMNS)
    return [t(f"rep_col_{c}", lang) for c in EXPORT_COLUMNS]


def _localise(row: dict[str, Any], lang: str | None) -> dict[str, Any]:
    if lang in (None, "en"):
        return row
    row = dict(row)
    if row.get("stage") in STAGES:
        row["stage"] = t(f"rep_stage_{row['stage']}", lang)
    if row.get("standing"):
        row["standing"] = t(f"rep_standing_{row['standing']}", lang)
    for col in ("invested_derived", "invested_this_year_derived"):
        if row.get(col) == DERIVED:
            row[col] = t("rep_value_derived", lang)
    return row


def _display_width(value: Any) -> int:
    text = value if isinstance(value, str) else ("" if value is None else f"{value:,}")
    return sum(2 if ord(c) >= 0x1100 else 1 for c in text.split("\n")[0][:MAX_WIDTH])


def _cell_values(row: dict[str, Any], lang: str | None) -> list[Any]:
    row = _localise(row, lang)
    values = []
    for col in EXPORT_COLUMNS:
        value = row.get(col)
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if len(value) > CELL_TEXT_MAX:
                value = value[: CELL_TEXT_MAX - 1] + "…"
        values.append(value)
    return values


def write_xlsx(
    rows: Sequence[dict[str, Any]],
    path_or_buffer: str | os.PathLike | IO[bytes],
    *,
    lang: str | None = None,
    nodes: Sequence[dict[str, Any]] | None = None,
) -> None:
    """Write `rows` (from `export_rows`) as one sheet: a bold header row, panes frozen below
    it, widths fitted to the content, numbers as numbers, the last update's time as a
    date-time (ISO text in csv), plan dates as text. `nodes` (from `node_rows`) make a second
    sheet (see `write_nodes_sheet`).

    Streamed (openpyxl's write-only mode): memory stays flat however many rows; the widths
    are measured in a first pass over `rows`."""
    headers = _headers(lang)
    widths = [_display_width(h) for h in headers]
    for row in rows:
        for i, value in enumerate(_cell_values(row, lang)):
            widths[i] = max(widths[i], _display_width(value))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("projects" if lang in (None, "en") else "项目")
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(8, width + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    bold, middle = Font(bold=True), Alignment(vertical="center")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font, cell.alignment = bold, middle
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        cells = []
        for col, value in zip(EXPORT_COLUMNS, _cell_values(row, lang), strict=True):
            if col in DATE_TIME_COLUMNS and isinstance(value, str):
                # a date-time a spreadsheet can sort and filter, in the export's timezone
                value = datetime.fromisoformat(value).replace(tzinfo=None)
            cell = WriteOnlyCell(ws, value=value)
            if col in DATE_TIME_COLUMNS and value is not None:
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, str):
                cell.data_type = "s"  # text that starts with "=" stays text, never a formula
            elif col in NUMBER_FORMATS and value is not None:
                cell.number_format = NUMBER_FORMATS[col]
            cells.append(cell)
        ws.append(cells)
    if nodes is not None:
        write_nodes_sheet(wb, nodes, lang)
    wb.save(path_or_buffer)


# The nodes sheet: headers the import reads back (parsing.nodes.NODE_HEADERS).
NODE_COLUMNS = ("code", "due", "progress", "title")


def node_rows(items: Iterable[Item]) -> list[dict[str, Any]]:
    """Every project's nodes, one dict per node keyed by `NODE_COLUMNS`, by code and date."""
    return [{"code": p.code, "due": m.due.isoformat(), "progress": float(m.progress),
             "title": m.title or None}
            for p, _ in sorted(items, key=lambda it: it[0].code)
            for m in sorted(p.milestones, key=lambda m: m.due)]


def write_nodes_sheet(wb: Workbook, nodes: Sequence[dict[str, Any]], lang: str | None) -> None:
    """The sheet named milestones (节点 in Chinese): code, due date (text), planned progress
    (percent, a number), title; a bold header row, even when there are no nodes."""
    english = lang in (None, "en")
    ws = wb.create_sheet("milestones" if english else "节点")
    for letter, width in zip("ABCD", (16, 14, 12, 40), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    header = []
    for col in NODE_COLUMNS:
        cell = WriteOnlyCell(ws, value=col if english else t(f"node_col_{col}", lang))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for node in nodes:
        cells = []
        for col in NODE_COLUMNS:
            value = node.get(col)
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif value is not None:
                cell.number_format = "0.##"
            cells.append(cell)
        ws.append(cells)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # spreadsheet programs must not run a cell as a formula
    return value


def write_csv(
    rows: Sequence[dict[str, Any]],
    path_or_buffer: str | os.PathLike | IO[bytes] | IO[str],
    *,
    lang: str | None = None,
) -> None:
    """Write `rows` as CSV, UTF-8 with a BOM (so Excel opens Chinese right). A path, a binary
    buffer (bytes are written) or a text buffer (the BOM is written as U+FEFF) will do.
    Text cells starting with = + - @ get a leading ' so no spreadsheet runs them."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(_headers(lang))
    for row in rows:
        row = _localise(row, lang)
        writer.writerow([_csv_value(row.get(col)) for col in EXPORT_COLUMNS])
    data = "\ufeff" + text.getvalue()
    if isinstance(path_or_buffer, str | os.PathLike):
        with open(path_or_buffer, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
    elif isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write(data)
    else:
        path_or_buffer.write(data.encode("utf-8"))
