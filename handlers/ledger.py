"""/import with a ledger file attached: services.ledger imports it; this module words the outcome."""

from __future__ import annotations

import io

from telegram import Update
from telegram.ext import ContextTypes

from handlers.access import Caller, app_db, command
from i18n import esc, t
from parsing.ledger import HEADERS
from parsing.nodes import NODE_HEADERS
from services.ledger import ImportResult, import_file, import_file_off_loop

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_ERRORS_SHOWN = 30


def column_label(key: str, lang: str) -> str:
    """A ledger or nodes column as the user knows it: `planned_end` in English, 计划竣工 in
    Chinese."""
    names = HEADERS.get(key) or NODE_HEADERS.get(key)
    return names[1] if lang == "zh" and names else key


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
    if kind == "hidden_characters":
        return t("ledger_hidden_characters", lang, column=esc(column_label(detail, lang)))
    if kind == "too_long":
        return t("ledger_too_long", lang, column=esc(column), limit=value)
    if kind in ("bad_code", "bad_stage", "too_many_rows", "too_many_columns", "too_large",
                "unknown_code", "bad_progress"):
        return t(f"ledger_{kind}", lang, value=esc(detail))
    return describe_node_problem(kind, detail, lang) or t(f"ledger_{kind}", lang)


def describe_node_problem(kind: str, detail: str, lang: str) -> str | None:
    """The reasons only a node row has (parsing.nodes) in words; None for any other."""
    if kind == "ambiguous_progress":
        return t("ledger_ambiguous_progress", lang, value=esc(detail),
                 pct=f"{float(detail) * 100:g}")
    if kind == "duplicate_node":
        node, _, other = detail.partition("@")
        code, _, due = node.partition(" ")
        return t("ledger_duplicate_node", lang, code=esc(code), due=due, other=other)
    if kind == "outside_span":
        due, _, span = detail.partition("@")
        start, _, end = span.partition("..")
        return t("ledger_outside_span", lang, due=due, start=start or "…", end=end or "…")
    if kind == "not_increasing":
        progress, due, other, line = detail.split(";")
        return t("ledger_not_increasing", lang, progress=progress, due=due, other=other,
                 line=line)
    return None


def import_reply(result: ImportResult, lang: str, failed_key: str = "import_failed") -> str:
    """The answer to an import: what was stored, or every bad row by number and reason (the
    first MAX_ERRORS_SHOWN, then a count). `failed_key` heads a refusal (the command line
    has its own wording: no file is "sent" there)."""
    if result.ok:
        nodes = {"nodes": result.nodes, "projects": result.node_projects}
        if not result.projects:
            return t("import_nodes_done", lang, **nodes)
        done = t("import_done", lang, created=result.created, updated=result.updated)
        return done if result.nodes is None else f"{done}\n{t('import_nodes_also', lang, **nodes)}"
    if result.problem:
        return t(failed_key, lang, errors=describe_ledger_problem(result.problem, lang))
    errors = result.bad_rows
    lines = [t("import_sheet_row_error" if e.sheet else "import_row_error", lang, line=e.line,
               reason=describe_ledger_problem(e.reason, lang))
             for e in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        lines.append(t("import_more_errors", lang, count=len(errors) - MAX_ERRORS_SHOWN))
    return t(failed_key, lang, errors="\n".join(lines))


def import_bytes(db, data: bytes, filename: str, actor_id: int | None, lang: str) -> str:
    """Import a ledger file (services.ledger.import_file) and word the outcome."""
    return import_reply(import_file(db, data, filename, actor_id), lang)


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
    result = await import_file_off_loop(app_db(context), buffer.getvalue(),
                                        document.file_name or "", caller.user_id)
    await message.reply_text(import_reply(result, caller.lang))
