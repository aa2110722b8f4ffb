"""Reading a project's nodes (节点, milestones: a planned progress by a date) from a ledger file.

Nodes come as a CSV (or a one-sheet .xlsx) whose header names `code`/编号, `due`/计划完成时间,
`progress`/计划进度 and optionally `title`/节点内容, or as the sheet named 节点 or milestones of
an .xlsx ledger. `read_ledger_file` tells which a file is and reads it; `check_nodes` then
checks the nodes against the projects they belong to. Pure: no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from parsing.ledger import (
    CODE,
    LedgerError,
    LedgerRow,
    RowError,
    cell_text,
    column_map,
    header_keys,
    iso_date,
    ledger_rows,
    read_tables,
)
from parsing.normalize import clean_name

NODE_HEADERS = {
    "code": ("code", "编号", "项目编号"),
    "due": ("due", "计划完成时间", "完成时间", "节点时间"),
    "progress": ("progress", "计划进度", "节点进度"),
    "title": ("title", "节点内容", "节点名称", "节点"),
}
NODE_REQUIRED = ("code", "due", "progress")
TITLE_MAX = 100
NODES_SHEET = "nodes"  # RowError.sheet of a row of an .xlsx ledger's nodes sheet

_PERCENT = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*(%?)")


@dataclass(frozen=True)
class NodeRow:
    line: int
    code: str  # upper case, as the ledger stores codes
    due: str  # YYYY-MM-DD
    progress: float  # percent, 0–100
    title: str | None = None


@dataclass
class LedgerFile:
    """What a ledger file holds: projects (`ledger`; None for a nodes file) and nodes (`nodes`;
    None when the file has none to say: an .xlsx ledger without a nodes sheet), and every bad
    row of either."""

    ledger: list[LedgerRow] | None
    nodes: list[NodeRow] | None
    errors: list[RowError]


def is_nodes_header(header: list[object]) -> bool:
    """A nodes table names a due date, or a progress but no project name (a ledger export has a
    `progress` column beside `name`)."""
    keys = header_keys(header, NODE_HEADERS)
    return "due" in keys or ("progress" in keys and "name" not in header_keys(header))


def read_ledger_file(data: bytes, filename: str) -> LedgerFile:
    """Read a ledger, a nodes file, or an .xlsx ledger with a nodes sheet; LedgerError when the
    file is none of them."""
    tables = read_tables(data, filename)
    header = tables.main[0]
    if is_nodes_header(header):
        nodes, errors = node_rows(tables.main, tables.lines)
        return LedgerFile(None, nodes, errors)
    if not header_keys(header) & {"name", "unit"}:
        raise LedgerError("not_ledger_or_nodes")
    ledger, errors = ledger_rows(tables.main)
    nodes = None
    if tables.nodes:  # a nodes sheet with nothing on it says nothing
        try:
            nodes, node_errors = node_rows(tables.nodes, tables.node_lines, sheet=NODES_SHEET)
        except LedgerError as exc:  # the nodes sheet's header: one bad row of the file
            nodes, node_errors = [], [RowError(1, str(exc), NODES_SHEET)]
        errors += node_errors
    return LedgerFile(ledger, nodes, errors)


class AmbiguousProgress(ValueError):
    """A bare fraction such as 0.6: 60 % or 0.6 %? (its value, as a number, is the message)"""


def progress_value(text: str) -> float:
    """A node's progress in percent: `60`, `60%`, `６０％`, `0.6%`; ValueError for anything
    else, for more than 100, and for a bare fraction such as `0.6` (60 % or 0.6 %?)."""
    found = _PERCENT.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if not found:
        raise ValueError(text)
    value = float(found.group(1))
    if value > 100:
        raise ValueError(text)
    if not found.group(2) and 0 < value < 1:
        raise AmbiguousProgress(f"{value:g}")
    return value


def node_rows(table: list[list[object]], lines: list[int] | None = None,
              sheet: str | None = None) -> tuple[list[NodeRow], list[RowError]]:
    """The nodes of a table (header first, blank rows dropped; `lines`: each row's number in
    the file), each checked on its own and against the others for a repeated (code, due)."""
    columns = column_map(table[0], NODE_HEADERS, NODE_REQUIRED)
    lines = lines or list(range(1, len(table) + 1))
    rows: list[NodeRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in zip(lines[1:], table[1:], strict=True):
        values = {key: cell_text(raw[i]) if i < len(raw) else "" for key, i in columns.items()}
        problems = [f"missing:{key}" for key in NODE_REQUIRED if not values.get(key)]
        code = clean_name(values["code"]).upper()
        if code and not CODE.fullmatch(code):
            problems.append(f"bad_code:{code[:40]}")
        due = progress = None
        if values["due"]:
            try:
                due = iso_date(values["due"])
            except ValueError:
                problems.append(f"bad_date:due={values['due'][:40]}")
        if values["progress"]:
            try:
                progress = progress_value(values["progress"])
            except AmbiguousProgress as exc:
                problems.append(f"ambiguous_progress:{exc}")
            except ValueError:
                problems.append(f"bad_progress:{values['progress'][:40]}")
        title = clean_name(values.get("title", "")) or None
        if title and len(title) > TITLE_MAX:
            problems.append(f"too_long:title={TITLE_MAX}")
        if code and due and (code, due) in seen:
            problems.append(f"duplicate_node:{code} {due}@{seen[code, due]}")
        elif code and due:
            seen[code, due] = line
        if problems:
            errors += [RowError(line, problem, sheet) for problem in problems]
        else:
            rows.append(NodeRow(line, code, due, progress, title))
    return rows, errors


def by_project(nodes: list[NodeRow]) -> dict[str, list[NodeRow]]:
    """The nodes of each project code, in date order."""
    grouped: dict[str, list[NodeRow]] = {}
    for node in sorted(nodes, key=lambda n: (n.code, n.due)):
        grouped.setdefault(node.code, []).append(node)
    return grouped


def check_nodes(nodes: list[NodeRow], spans: Mapping[str, tuple[str | None, str | None]],
                sheet: str | None = None) -> list[RowError]:
    """The nodes that do not fit their project: `spans` maps each known project code to its
    (planned_start, planned_end) (YYYY-MM-DD or None). A node must name a known project, fall
    within its plan's dates, and plan more progress than every earlier node of the project."""
    errors: list[RowError] = []
    for code, own in by_project(nodes).items():
        if code not in spans:
            errors += [RowError(n.line, f"unknown_code:{code}", sheet) for n in own]
            continue
        start, end = spans[code]
        highest: NodeRow | None = None
        for node in own:
            if (start and node.due < start) or (end and node.due > end):
                span = f"{start or ''}..{end or ''}"
                errors.append(RowError(node.line, f"outside_span:{node.due}@{span}", sheet))
            if highest is not None and node.progress <= highest.progress:
                errors.append(RowError(node.line, f"not_increasing:{node.progress:g};{highest.due};"
                                                  f"{highest.progress:g};{highest.line}", sheet))
            if highest is None or node.progress > highest.progress:
                highest = node
    return sorted(errors, key=lambda e: e.line)
