"""The ledger: import a file of projects and units, export the projects with their standing.

Both return result objects; the chat, the command line and the console word them.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from config import Config
from parsing.ledger import LedgerError, RowError
from parsing.nodes import NODES_SHEET, LedgerFile, by_project, check_nodes, read_ledger_file
from reports.spreadsheet import export_rows, node_rows, write_csv, write_xlsx
from reports.standing import Item
from reports.states import items_from_rows
from services.settings import effective_config, thresholds
from storage.projects import import_ledger, iter_project_states, list_projects, replace_milestones

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ImportResult:
    """What an import did: all rows stored (ok), or nothing at all and why.

    `problem` is a parsing.ledger reason code when the file as a whole is no ledger;
    `bad_rows` are the rows that stopped it, each with its line and reason. `projects` is
    False for a nodes file (no projects in it); `nodes` is how many nodes were stored (None:
    the file had no nodes to say), for `node_projects` projects.
    """

    ok: bool
    created: int = 0
    updated: int = 0
    problem: str | None = None
    bad_rows: list[RowError] = field(default_factory=list)
    projects: bool = True
    nodes: int | None = None
    node_projects: int = 0


def import_file(db: Database, data: bytes, filename: str, actor_id: int | None) -> ImportResult:
    """Validate and import a ledger file (.csv or .xlsx); nothing changes unless all rows are good."""
    return _store(db, _read(data, filename), actor_id)


async def import_file_off_loop(db: Database, data: bytes, filename: str,
                               actor_id: int | None) -> ImportResult:
    """import_file for the running bot: the file is read in a worker thread (within the
    limits of parsing.ledger), so every other chat is answered meanwhile."""
    return _store(db, await asyncio.to_thread(_read, data, filename), actor_id)


def _read(data: bytes, filename: str) -> ImportResult | LedgerFile:
    try:
        return read_ledger_file(data, filename)
    except LedgerError as exc:
        return ImportResult(False, problem=str(exc))


def _store(db: Database, read: ImportResult | LedgerFile, actor_id: int | None) -> ImportResult:
    if isinstance(read, ImportResult):
        return read
    errors = list(read.errors)
    nodes = None
    if read.nodes is not None and not (read.ledger is not None and errors):
        # against the projects as they will be: the stored ones, updated by the file's rows
        spans = {p["code"].upper(): (p["planned_start"], p["planned_end"])
                 for p in list_projects(db)}
        spans.update({r.code: (r.planned_start, r.planned_end) for r in read.ledger or ()})
        errors += check_nodes(read.nodes, spans, NODES_SHEET if read.ledger is not None else None)
        nodes = by_project(read.nodes)
        if read.ledger is not None:  # a workbook's nodes sheet is the whole plan of its projects
            nodes = {r.code: [] for r in read.ledger} | nodes
    if errors:
        return ImportResult(False, bad_rows=sorted(errors, key=lambda e: (e.sheet or "", e.line)))
    node_counts = {} if nodes is None else {
        "nodes": sum(len(own) for own in nodes.values()),
        "node_projects": sum(1 for own in nodes.values() if own)}
    if read.ledger is None:
        replace_milestones(db, nodes, actor_id)
        return ImportResult(True, projects=False, **node_counts)
    counts = import_ledger(db, read.ledger, actor_id, nodes)
    return ImportResult(True, counts["created"], counts["updated"], **node_counts)


@dataclass(frozen=True)
class ExportResult:
    """The ledger with every project's standing: its rows, and the file in `fmt`."""

    fmt: str  # "csv" | "xlsx"
    rows: list[dict[str, Any]]
    data: bytes


def ledger_rows(db: Database, config: Config, now: datetime | None = None,
                items: list[Item] | None = None) -> list[dict[str, Any]]:
    """One row per project (reports.spreadsheet.EXPORT_COLUMNS) with its standing at `now`
    (`items`: the projects with their standing, when already assessed at `now`)."""
    from services.deadlines import problems_by_project

    now = now or datetime.now(config.timezone)
    items = _assessed(db, config, now) if items is None else items
    return export_rows(items, now, problems_by_project(db, config, now.date()))


def _assessed(db: Database, config: Config, now: datetime) -> list[Item]:
    return items_from_rows(iter_project_states(db), now, thresholds(config))


def export_ledger(db: Database, base: Config, fmt: str = "csv",
                  now: datetime | None = None) -> ExportResult:
    """The ledger as a file, with /settings applied (thresholds, timezone); headers in English,
    as the import reads them. The .xlsx has the projects' nodes on a second sheet."""
    if fmt not in FORMATS:
        raise ValueError(f"no export format {fmt!r}")
    config = effective_config(db, base)
    now = now or datetime.now(config.timezone)
    items = _assessed(db, config, now)
    rows = ledger_rows(db, config, now, items)
    buffer = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(rows, buffer, nodes=node_rows(items))
    else:
        write_csv(rows, buffer)
    return ExportResult(fmt, rows, buffer.getvalue())
