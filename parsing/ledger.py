"""Reading a ledger file (CSV or XLSX, English or Chinese headers) into validated rows.

All or nothing: `read_ledger` returns every bad row with its number and reason; the caller
imports only when there are none.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from parsing.normalize import clean_name, has_hidden_characters

STAGES = ("negotiating", "signed", "started", "completed")
STAGE_WORDS = {
    "negotiating": "negotiating",
    "在谈": "negotiating",
    "洽谈": "negotiating",
    "signed": "signed",
    "签约": "signed",
    "已签约": "signed",
    "started": "started",
    "开工": "started",
    "在建": "started",
    "under construction": "started",
    "completed": "completed",
    "竣工": "completed",
    "投产": "completed",
    "建成": "completed",
    "in operation": "completed",
}

# Canonical column -> accepted headers (compared after normalising brackets, case and spaces).
HEADERS = {
    "code": ("code", "编号", "项目编号"),
    "name": ("name", "项目名称", "名称"),
    "unit": ("unit", "责任单位"),
    "leader": ("leader", "分管领导"),
    "stage": ("stage", "阶段"),
    "planned_start": ("planned_start", "计划开工"),
    "planned_end": ("planned_end", "计划竣工"),
    "total_investment": ("total_investment", "总投资"),
    "annual_plan": ("annual_plan", "年度计划投资"),
    "aliases": ("aliases", "别名"),
}
REQUIRED = ("code", "name", "unit")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,31}")  # a project code as the ledger allows it
MAX_ROWS = 50_000
# A ledger has a dozen columns; a sheet may declare 16,384 and a million rows in 2 KB, so an
# .xlsx is read only this wide and refused beyond these sizes before it is unpacked.
MAX_COLUMNS = 64
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_SHEET_ROWS = 4 * MAX_ROWS  # rows counted with the empty ones between them
# cells holding names: normalised (parsing.normalize.clean_name) as they are read, so a unit
# written with an invisible character or a full-width letter is the same unit
NAMES = ("code", "name", "unit", "leader", "aliases")
# longest text a cell may hold (aliases: each alias); longer is a bad row, never cut silently
MAX_LENGTH = {"name": 200, "unit": 100, "leader": 100, "aliases": 200}
# our CSV export writes '=x for a text =x so no spreadsheet runs it; reading it back undoes that
_QUOTED_FORMULA = re.compile(r"'(?=[=+\-@\t\r])")


class LedgerError(ValueError):
    """The file as a whole cannot be read (not a ledger, no header, wrong format)."""


@dataclass
class LedgerRow:
    line: int
    code: str
    name: str
    unit: str
    leader: str | None = None
    stage: str | None = None
    planned_start: str | None = None
    planned_end: str | None = None
    total_investment: float | None = None
    annual_plan: float | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass
class RowError:
    line: int
    reason: str  # an i18n-neutral code with details, e.g. "missing:code", "bad_date:planned_end=2026-13-01"
    sheet: str | None = None  # "nodes": a row of an .xlsx ledger's nodes sheet


def _normalise_header(text: object) -> str:
    value = str(text or "").strip().lstrip("\ufeff").lower()
    value = re.sub(r"[（(].*?[)）]", "", value)  # "总投资（万元）" -> "总投资"
    return re.sub(r"[\s_]+", "_", value).strip("_")


def column_map(header: list[object], headers: dict[str, tuple[str, ...]] = HEADERS,
               required: tuple[str, ...] = REQUIRED) -> dict[str, int]:
    """Each of `headers`' columns (canonical key -> accepted names) found in the header row, by
    its index; LedgerError "missing_columns:..." when a `required` one is not there."""
    lookup = {_normalise_header(alias): key for key, names in headers.items() for alias in names}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = lookup.get(_normalise_header(cell))
        if key and key not in found:
            found[key] = index
    missing = [key for key in required if key not in found]
    if missing:
        raise LedgerError("missing_columns:" + ",".join(missing))
    return found


def cell_text(value: object) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole floats without .0, our CSV's formula quote
    undone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text[1:] if _QUOTED_FORMULA.match(text) else text


# YYYY-MM-DD, also with / or . or 年月日 and one-digit months and days (2027/5/1, 2027年5月1日),
# optionally with a time of day after it; nothing else
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|\.(\d{1,2})\.(\d{1,2})"
                   r"|年(\d{1,2})月(\d{1,2})日)(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def iso_date(text: str) -> str:
    """A date as YYYY-MM-DD (see _DATE); ValueError for anything else or junk after it."""
    text = text.strip()
    found = _DATE.fullmatch(text)
    if not found:  # date.fromisoformat would also take "20260101" and week dates "2026-W01-1"
        raise ValueError(text)
    month, day = (int(v) for v in found.groups()[1:] if v is not None)
    return date(int(found.group(1)), month, day).isoformat()


# An amount in 万元 above this (a trillion yuan) is a typo or a unit mix-up, not a project.
MAX_AMOUNT = 100_000_000


def _number(text: str) -> float:
    value = float(text.replace(",", "").replace("，", ""))
    if not 0 <= value <= MAX_AMOUNT:  # NaN fails the comparison too
        raise ValueError(text)
    return value


def _rows_from_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LedgerError("not_utf8") from exc
    if "\x00" in text:
        raise LedgerError("not_a_table")
    try:
        return [row for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise LedgerError("not_a_table") from exc


def _unpacked_size(data: bytes) -> int:
    """The declared size of every part of an .xlsx once unpacked (zipfile stops reading a part
    at its declared size, so this bounds what openpyxl can be made to read)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise LedgerError("not_xlsx") from exc


# The sheet of an .xlsx ledger that holds its nodes (parsing.nodes), by its name.
NODE_SHEETS = ("节点", "milestones", "nodes")


@dataclass
class Tables:
    """The tables of a ledger file: `main` (a CSV's only table, an .xlsx's first sheet other
    than its nodes sheet) and `nodes` (the nodes sheet; None without one). Rows are lists of
    cells, blank rows dropped; `lines` holds each kept row's number in the file."""

    main: list[list[object]]
    lines: list[int]
    nodes: list[list[object]] | None = None
    node_lines: list[int] = field(default_factory=list)


def _rows_from_xlsx(data: bytes) -> Tables:
    from openpyxl import load_workbook

    if _unpacked_size(data) > MAX_UNPACKED_BYTES:
        raise LedgerError(f"too_large:{MAX_UNPACKED_BYTES // 2**20}")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise LedgerError("not_xlsx") from exc
    try:  # read-only sheets are parsed lazily: a broken sheet fails only here
        sheets = workbook.worksheets
        nodes = next((s for s in sheets if s.title.strip().lower() in NODE_SHEETS), None)
        main = next((s for s in sheets if s is not nodes), nodes)
        if main is None:
            raise LedgerError("empty")
        if main is nodes:  # a workbook of nodes alone: its one table is read as nodes
            return Tables(*_bounded_rows(main, percent_as_text=True))
        found = Tables(*_bounded_rows(main))
        if nodes is not None:
            found.nodes, found.node_lines = _bounded_rows(nodes, percent_as_text=True)
        return found
    except LedgerError:
        raise
    except Exception as exc:
        raise LedgerError("not_xlsx") from exc
    finally:
        workbook.close()


def _percent_text(cell) -> object:
    """A cell's value; a number shown as a percentage (0.6 as 60%) as the text "60%"."""
    value = cell.value
    if isinstance(value, int | float) and "%" in (getattr(cell, "number_format", "") or ""):
        return f"{round(value * 100, 6):g}%"
    return value


def _bounded_rows(sheet, *, percent_as_text: bool = False) -> tuple[list[list[object]], list[int]]:
    """The sheet's non-blank rows and their numbers, at most MAX_ROWS + 1 of them and
    MAX_COLUMNS wide. The size the sheet declares is checked first; as it may lie, reading
    stops at the limits too (one column more is read to tell a wider sheet from a row with
    nothing beyond the limit). `percent_as_text`: see `_percent_text` (slower: reads cells)."""
    if (sheet.max_column or 0) > MAX_COLUMNS:
        raise LedgerError(f"too_many_columns:{MAX_COLUMNS}")
    if (sheet.max_row or 0) > MAX_SHEET_ROWS:
        raise LedgerError(f"too_many_rows:{MAX_ROWS}")
    rows: list[list[object]] = []
    lines: list[int] = []
    for index, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1,
                                                values_only=not percent_as_text)):
        if index > MAX_SHEET_ROWS:
            raise LedgerError(f"too_many_rows:{MAX_ROWS}")
        if percent_as_text:
            row = tuple(_percent_text(cell) for cell in row)
        if len(row) > MAX_COLUMNS and cell_text(row[MAX_COLUMNS]):
            raise LedgerError(f"too_many_columns:{MAX_COLUMNS}")
        if row.count(None) < len(row):  # gaps between rows come as rows of None: skip them fast
            rows.append(list(row[:MAX_COLUMNS]))
            lines.append(index + 1)
        if len(rows) > MAX_ROWS + 1:
            raise LedgerError(f"too_many_rows:{MAX_ROWS}")
    return rows, lines


def read_tables(data: bytes, filename: str) -> Tables:
    """The tables of a .csv or .xlsx file (see Tables); LedgerError when it has none."""
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix == "xlsx":
        found = _rows_from_xlsx(data)
    elif suffix in ("csv", "txt"):
        table = _rows_from_csv(data)
        found = Tables(table, list(range(1, len(table) + 1)))
    else:
        raise LedgerError("unsupported_format")
    found.main, found.lines = _without_blank_rows(found.main, found.lines)
    if not found.main:
        raise LedgerError("empty")
    if len(found.main) > MAX_ROWS + 1:
        raise LedgerError(f"too_many_rows:{MAX_ROWS}")
    if found.nodes is not None:
        found.nodes, found.node_lines = _without_blank_rows(found.nodes, found.node_lines)
        if len(found.nodes) > MAX_ROWS + 1:
            raise LedgerError(f"too_many_rows:{MAX_ROWS}")
    return found


def _without_blank_rows(table: list[list[object]], lines: list[int]
                        ) -> tuple[list[list[object]], list[int]]:
    kept = [(row, line) for row, line in zip(table, lines, strict=True)
            if any(cell_text(c) for c in row)]
    return [row for row, _ in kept], [line for _, line in kept]


def header_keys(header: list[object], headers: dict[str, tuple[str, ...]] = HEADERS) -> set[str]:
    """Which of `headers`' columns (canonical key -> accepted names) a header row has."""
    return set(column_map(header, headers, required=()))


def read_ledger(data: bytes, filename: str) -> tuple[list[LedgerRow], list[RowError]]:
    """Parse and validate a whole ledger file; raises LedgerError when it is not one at all."""
    return ledger_rows(read_tables(data, filename).main)


def ledger_rows(table: list[list[object]]) -> tuple[list[LedgerRow], list[RowError]]:
    """Validate a ledger table (header first, blank rows dropped); LedgerError when its header
    lacks a required column."""
    columns = column_map(table[0])
    rows: list[LedgerRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(table[1:], start=2):
        values = {
            key: cell_text(raw[index]) if index < len(raw) else "" for key, index in columns.items()
        }
        hidden = [key for key in NAMES if has_hidden_characters(values.get(key, ""))]
        values.update({key: clean_name(values[key]) for key in NAMES if key in values})
        problems: list[str] = [f"missing:{key}" for key in REQUIRED if not values.get(key)]
        problems += [f"hidden_characters:{key}" for key in hidden]
        code = values.get("code", "")
        if code and not CODE.fullmatch(code):
            problems.append(f"bad_code:{code[:40]}")
        elif code:
            if code.upper() in seen:
                problems.append(f"duplicate_code:{code}@{seen[code.upper()]}")
            else:
                seen[code.upper()] = line
        row = LedgerRow(
            line=line,
            code=code.upper(),
            name=values.get("name", ""),
            unit=values.get("unit", ""),
            leader=values.get("leader") or None,
        )
        stage = values.get("stage", "")
        if stage:
            row.stage = STAGE_WORDS.get(stage.lower())
            if row.stage is None:
                problems.append(f"bad_stage:{stage[:40]}")
        for key in ("planned_start", "planned_end"):
            if values.get(key):
                try:
                    setattr(row, key, iso_date(values[key]))
                except ValueError:
                    problems.append(f"bad_date:{key}={values[key][:40]}")
        if row.planned_start and row.planned_end and row.planned_end < row.planned_start:
            problems.append("end_before_start")
        for key in ("total_investment", "annual_plan"):
            if values.get(key):
                try:
                    setattr(row, key, _number(values[key]))
                except ValueError:
                    problems.append(f"bad_number:{key}={values[key][:40]}")
        if values.get("aliases"):
            row.aliases = [a.strip() for a in re.split(r"[;；、]", values["aliases"]) if a.strip()]
        for key, limit in MAX_LENGTH.items():
            texts = row.aliases if key == "aliases" else [values.get(key, "")]
            if any(len(text) > limit for text in texts):
                problems.append(f"too_long:{key}={limit}")
        if problems:
            errors.extend(RowError(line, problem) for problem in problems)
        else:
            rows.append(row)
    return rows, errors
