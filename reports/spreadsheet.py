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

from i18n import t
from reports.standing import STAGES, Item
from reports.xlsx import CELL_TEXT_MAX, Sheet, column_width, write_workbook

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
                problems: Mapping[str, Sequence[dict]] | None = None,
                latest: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One dict per project, keyed by `EXPORT_COLUMNS`, in ledger order (by code);
    `problems`: each project's open and awaiting problems by code (see `problems_cell`);
    `latest`: each project's latest update's text by code, when the states do not hold it."""
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
                "latest_update": (p.latest_update if latest is None
                                  else latest.get(p.code)) or None,
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


_LOCALISED = frozenset({"stage", "standing", "invested_derived", "invested_this_year_derived"})


def _column(rows: Sequence[dict[str, Any]], col: str, lang: str | None) -> list[Any]:
    """One column's cell values: in `lang`, each text cut to a cell's limit (reports.xlsx
    drops the characters Excel refuses)."""
    values = [row.get(col) for row in rows]
    if lang not in (None, "en") and col in _LOCALISED:
        values = [_localise({col: v}, lang)[col] if v else v for v in values]
    texts = [v for v in values if v.__class__ is str]
    if texts and max(map(len, texts)) > CELL_TEXT_MAX:
        values = [_cell_text(v) if isinstance(v, str) else v for v in values]
    return values


def _cell_text(value: str) -> str:
    return value[: CELL_TEXT_MAX - 1] + "…" if len(value) > CELL_TEXT_MAX else value


def write_xlsx(
    rows: Sequence[dict[str, Any]],
    path_or_buffer: str | os.PathLike | IO[bytes],
    *,
    lang: str | None = None,
    nodes: Sequence[dict[str, Any]] | None = None,
) -> None:
    """Write `rows` (from `export_rows`) as one sheet: a bold header row, panes frozen below
    it, widths fitted to the content, numbers as numbers, the last update's time as a
    date-time (ISO text in csv), plan dates as text (reports.xlsx writes the file). `nodes`
    (from `node_rows`) make a second sheet (see `nodes_sheet`)."""
    headers = _headers(lang)
    columns = [_column(rows, col, lang) for col in EXPORT_COLUMNS]
    widths = [column_width(h, values) for h, values in zip(headers, columns, strict=True)]
    formats = {i: NUMBER_FORMATS[c] for i, c in enumerate(EXPORT_COLUMNS) if c in NUMBER_FORMATS}
    for i, col in enumerate(EXPORT_COLUMNS):
        if col in DATE_TIME_COLUMNS:  # measured as the ISO text, as in the csv
            # a date-time a spreadsheet can sort and filter, in the export's timezone
            columns[i] = [datetime.fromisoformat(v).replace(tzinfo=None)
                          if isinstance(v, str) else v for v in columns[i]]
            formats[i] = "yyyy-mm-dd hh:mm"
    title = "projects" if lang in (None, "en") else "项目"
    sheets = [Sheet(title, headers, list(zip(*columns, strict=True)), widths, formats)]
    if nodes is not None:
        sheets.append(nodes_sheet(nodes, lang))
    write_workbook(sheets, path_or_buffer)


# The nodes sheet: headers the import reads back (parsing.nodes.NODE_HEADERS).
NODE_COLUMNS = ("code", "due", "progress", "title")
NODE_WIDTHS = (16, 14, 12, 40)


def node_rows(items: Iterable[Item]) -> list[dict[str, Any]]:
    """Every project's nodes, one dict per node keyed by `NODE_COLUMNS`, by code and date."""
    return [{"code": p.code, "due": m.due.isoformat(), "progress": float(m.progress),
             "title": m.title or None}
            for p, _ in sorted(items, key=lambda it: it[0].code)
            for m in sorted(p.milestones, key=lambda m: m.due)]


def nodes_sheet(nodes: Sequence[dict[str, Any]], lang: str | None) -> Sheet:
    """The sheet named milestones (节点 in Chinese): code, due date (text), planned progress
    (percent, a number), title; a bold header row, even when there are no nodes."""
    english = lang in (None, "en")
    headers = [col if english else t(f"node_col_{col}", lang) for col in NODE_COLUMNS]
    rows = [[_cell_text(v) if isinstance(v, str) else v for v in map(node.get, NODE_COLUMNS)]
            for node in nodes]
    return Sheet("milestones" if english else "节点", headers, rows, NODE_WIDTHS,
                 {NODE_COLUMNS.index("progress"): "0.##"}, filtered=False)


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
