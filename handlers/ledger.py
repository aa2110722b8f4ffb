"""The ledger: /import with a file attached, /export as a spreadsheet."""

from __future__ import annotations

import io

from telegram import Update
from telegram.ext import ContextTypes

from handlers.access import Caller, app_db, command
from i18n import esc, t
from parsing.ledger import HEADERS, LedgerError, RowError, read_ledger
from storage.projects import import_ledger

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_ERRORS_SHOWN = 30


def column_label(key: str, lang: str) -> str:
    """A ledger column as the user knows it: `planned_end` in English, 计划竣工 in Chinese."""
    return HEADERS[key][1] if lang == "zh" and key in HEADERS else key


def describe_ledger_problem(reason: str, lang: str) -> str:
    """Turn a parsing.ledger reason code ("bad_date:planned_end=2026-13-01") into words."""
    kind, _, detail = reason.partition(":")
    column, _, value = detail.partition("=")
    column = column_label(column, lang)
    if kind == "missing":
        return t("ledger_missing", lang, column=esc(column_label(detail, lang)))
    if kind == "missing_columns":
        columns = "、".join(column_label(c, lang) for c in detail.split(","))
        return t("ledger_missing_columns", lang, columns=esc(columns))
    if kind == "duplicate_code":
        code, _, other = detail.partition("@")
        return t("ledger_duplicate_code", lang, value=esc(code), other=other)
    if kind in ("bad_date", "bad_number"):
        return t(f"ledger_{kind}", lang, column=esc(column), value=esc(value))
    if kind == "too_long":
        return t("ledger_too_long", lang, column=esc(column), limit=value)
    if kind in ("bad_code", "bad_stage", "too_many_rows"):
        return t(f"ledger_{kind}", lang, value=esc(detail))
    return t(f"ledger_{kind}", lang)


def import_report(errors: list[RowError], lang: str) -> str:
    """Every bad row by number and reason (the first MAX_ERRORS_SHOWN, then a count)."""
    lines = [t("import_row_error", lang, line=e.line, reason=describe_ledger_problem(e.reason, lang))
             for e in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        lines.append(t("import_more_errors", lang, count=len(errors) - MAX_ERRORS_SHOWN))
    return t("import_failed", lang, errors="\n".join(lines))


def import_bytes(db, data: bytes, filename: str, actor_id: int | None, lang: str) -> str:
    """Validate and import a ledger file; the reply text. Changes nothing unless all rows are good."""
    try:
        rows, errors = read_ledger(data, filename)
    except LedgerError as exc:
        return t("import_failed", lang, errors=describe_ledger_problem(str(exc), lang))
    if errors:
        return import_report(errors, lang)
    counts = import_ledger(db, rows, actor_id)
    return t("import_done", lang, **counts)


@command("import")
async def import_command(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Load or refresh the ledger from the attached .csv or .xlsx file."""
    message = update.effective_message
    document = message.document or (message.reply_to_message.document
                                     if message.reply_to_message else None)
    if document is None:
        await message.reply_text(t("import_usage", caller.lang))
        return
    if (document.file_size or 0) > MAX_IMPORT_BYTES:
        await message.reply_text(t("import_too_big", caller.lang, mb=MAX_IMPORT_BYTES // 2**20))
        return
    buffer = io.BytesIO()
    file = await document.get_file()
    await file.download_to_memory(buffer)
    reply = import_bytes(app_db(context), buffer.getvalue(), document.file_name or "", caller.user_id,
                         caller.lang)
    await message.reply_text(reply)


def export_cli(args, config, db) -> int:
    """`python bot.py export [--format csv|xlsx] [-o FILE]`: the ledger with current standing.

    CSV goes to stdout without -o; xlsx needs -o; the format comes from the file's suffix when
    --format is not given. Headers in English, as the import reads them.
    """
    import sys
    from datetime import datetime
    from pathlib import Path

    from config import ConfigError
    from handlers.status import load_items, settings_config
    from reports.spreadsheet import export_rows, write_csv, write_xlsx

    fmt, output = args.format, args.output
    if fmt is None and output:
        fmt = Path(output).suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise ConfigError(f"cannot tell the format of {output!r} from its name; "
                              "add --format csv or --format xlsx")
    fmt = fmt or "csv"
    if fmt == "xlsx" and not output:
        raise ConfigError("xlsx is not written to the terminal; give a file: -o ledger.xlsx")
    config = settings_config(db, config)
    now = datetime.now(config.timezone)
    rows = export_rows(load_items(db, config, now), now)
    if not output:
        write_csv(rows, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return 0
    try:
        (write_xlsx if fmt == "xlsx" else write_csv)(rows, output)
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from exc
    print(f"{len(rows)} projects written to {output}")
    return 0
