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
from parsing.ledger import LedgerError, RowError, read_ledger
from reports.spreadsheet import export_rows, write_csv, write_xlsx
from reports.standing import Thresholds
from reports.states import items_from_rows
from services.settings import effective_config
from storage.projects import import_ledger, iter_project_states

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ImportResult:
    """What an import did: all rows stored (ok), or nothing at all and why.

    `problem` is a parsing.ledger reason code when the file as a whole is no ledger;
    `bad_rows` are the rows that stopped it, each with its line and reason.
    """

    ok: bool
    created: int = 0
    updated: int = 0
    problem: str | None = None
    bad_rows: list[RowError] = field(default_factory=list)


def import_file(db: Database, data: bytes, filename: str, actor_id: int | None) -> ImportResult:
    """Validate and import a ledger file (.csv or .xlsx); nothing changes unless all rows are good."""
    return _store(db, _read(data, filename), actor_id)


async def import_file_off_loop(db: Database, data: bytes, filename: str,
                               actor_id: int | None) -> ImportResult:
    """import_file for the running bot: the file is read in a worker thread (within the
    limits of parsing.ledger), so every other chat is answered meanwhile."""
    return _store(db, await asyncio.to_thread(_read, data, filename), actor_id)


def _read(data: bytes, filename: str) -> ImportResult | tuple:
    try:
        return read_ledger(data, filename)
    except LedgerError as exc:
        return ImportResult(False, problem=str(exc))


def _store(db: Database, read: ImportResult | tuple, actor_id: int | None) -> ImportResult:
    if isinstance(read, ImportResult):
        return read
    rows, errors = read
    if errors:
        return ImportResult(False, bad_rows=errors)
    counts = import_ledger(db, rows, actor_id)
    return ImportResult(True, counts["created"], counts["updated"])


@dataclass(frozen=True)
class ExportResult:
    """The ledger with every project's standing: its rows, and the file in `fmt`."""

    fmt: str  # "csv" | "xlsx"
    rows: list[dict[str, Any]]
    data: bytes


def ledger_rows(db: Database, config: Config, now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per project (reports.spreadsheet.EXPORT_COLUMNS) with its standing at `now`."""
    from services.deadlines import problems_by_project

    now = now or datetime.now(config.timezone)
    thresholds = Thresholds(config.stale_days, config.lag_points)
    return export_rows(items_from_rows(iter_project_states(db), now, thresholds), now,
                       problems_by_project(db, config, now.date()))


def export_ledger(db: Database, base: Config, fmt: str = "csv",
                  now: datetime | None = None) -> ExportResult:
    """The ledger as a file, with /settings applied (thresholds, timezone); headers in English,
    as the import reads them."""
    if fmt not in FORMATS:
        raise ValueError(f"no export format {fmt!r}")
    rows = ledger_rows(db, effective_config(db, base), now)
    buffer = io.BytesIO()
    (write_xlsx if fmt == "xlsx" else write_csv)(rows, buffer)
    return ExportResult(fmt, rows, buffer.getvalue())
