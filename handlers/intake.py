"""Status intake: a unit head's message becomes stored updates, confirmed in their language."""

from __future__ import annotations

import json
import logging
import re
import weakref
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from handlers.access import (
    Caller,
    app_db,
    command,
    command_args,
    effective_config,
    identify,
    in_chat,
    in_chat_to_write,
)
from handlers.status import refused_other_unit
from i18n import esc, t
from parsing.language import detect_language
from parsing.status import ParsedMessage, ProjectRef, parse_message
from reports.standing import Thresholds
from reports.states import items_from_rows
from storage.people import group_unit
from storage.projects import (
    aliases_of,
    get_project,
    get_project_by_id,
    ledger_version,
    list_projects,
    state_after_update,
)
from storage.updates import (
    NewUpdate,
    attach_files,
    correct_updates,
    get_pending,
    last_update_by,
    pending_for_message,
    resolve_pending,
    save_pending,
    set_pending_question,
    store_updates,
    update_pending_text,
    updates_of_message,
)
from transport.intake import mark_answered

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_BUTTONS = 20
PHOTO_WINDOW = timedelta(hours=1)
CODE_RE = re.compile(r"#?\b([A-Za-z]{1,6}-?\d{1,6})\b")


# The control characters (Unicode category Cc: U+0000–U+001F, U+007F–U+009F) but tab and newline.
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str | None) -> str:
    """The text as stored: control characters (NUL included) removed, length bounded."""
    return CONTROL_RE.sub("", text or "").strip()[:MAX_TEXT]


def project_refs(projects: list[dict]) -> tuple[ProjectRef, ...]:
    return tuple(ProjectRef(code=p["code"], name=p["name"], unit=p["unit_name"],
                            aliases=tuple(aliases_of(p)), active=bool(p["active"]))
                 for p in projects)


@dataclass(frozen=True)
class Ledger:
    """The projects status messages are matched against, as of one ledger version.

    Callers share these rows: read them, never change them.
    """

    version: int
    projects: list[dict]
    by_code: dict[str, dict]
    by_id: dict[int, dict]
    refs: tuple[ProjectRef, ...]


_LEDGERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # database -> Ledger


def current_ledger(db) -> Ledger:
    """The ledger, read again only when a project or unit changed (in any process) since."""
    version = ledger_version(db)
    ledger = _LEDGERS.get(db)
    if ledger is None or ledger.version != version:
        projects = list_projects(db)
        ledger = Ledger(version, projects, {p["code"]: p for p in projects},
                        {p["id"]: p for p in projects}, project_refs(projects))
        _LEDGERS[db] = ledger
    return ledger


def reply_language(text: str, caller: Caller) -> str:
    return detect_language(text) or caller.lang


def message_time(message: Message) -> str:
    moment = message.date or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def file_ids_of(message: Message) -> list[str]:
    if message.photo:
        return [message.photo[-1].file_id]
    if message.document:
        return [message.document.file_id]
    return []


def fmt_number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


# --- confirmation ----------------------------------------------------------------------------

def confirmation(context: ContextTypes.DEFAULT_TYPE, stored: list[tuple[NewUpdate, dict]],
                 lang: str, corrected: bool = False) -> str:
    """What was recorded, per project (`state_after_update`'s row), with its standing now."""
    config = effective_config(context)
    now = datetime.now(config.timezone)
    thresholds = Thresholds(config.stale_days, config.lag_points)
    blocks = [t("in_corrected_head" if corrected else "in_recorded_head", lang)]
    states = [row for _, row in stored]
    standings = [item[1].standing for item in items_from_rows(states, now, thresholds)]
    for (update, project), standing in zip(stored, standings, strict=True):
        previous = None if corrected else project["previous_progress"]  # a correction: no change
        lines = [t("in_project", lang, code=esc(project["code"]), name=esc(project["name"]))]
        if update.progress is not None:
            if previous is None:
                change = t("in_change_first", lang)
            else:
                delta = update.progress - previous
                change = t("in_change", lang, sign="+" if delta >= 0 else "−",
                           delta=fmt_number(abs(delta)))
            lines.append(t("in_progress", lang, progress=fmt_number(update.progress), change=change))
        if update.stage:
            lines.append(t("in_stage", lang, stage=t(f"in_stage_{update.stage}", lang)))
        if update.invested is not None:
            lines.append(t("in_invested", lang, amount=fmt_number(update.invested)))
        if update.problems:
            items = "；".join(esc(p[:200]) for p in update.problems[:10])
            lines.append(t("in_problems", lang, count=len(update.problems), items=items))
        if update.next_steps:
            lines.append(t("in_next", lang, text=esc(update.next_steps[:300])))
        if update.file_ids:
            lines.append(t("in_files", lang, count=len(update.file_ids)))
        if update.progress is None and not update.stage and update.invested is None:
            lines.append(t("in_nothing_parsed", lang))
        lines.append(t("in_standing", lang, standing=t(f"in_standing_{standing}", lang)))
        blocks.append("\n".join(lines))
    text = "\n\n".join(blocks)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


# --- the core --------------------------------------------------------------------------------

def scope_unit(caller: Caller) -> str | None:
    """The unit whose projects are meant when none is named: the group's, else the sender's.

    `caller` comes through `in_chat`, which has already looked up the group's unit.
    """
    return caller.chat_unit_name or caller.unit_name


def out_of_range_value(text: str) -> str:
    """The figure the sender wrote as progress: a percentage, else a number over 100."""
    percent = re.search(r"-?\d+(?:\.\d+)?\s*[%％]", text)
    if percent:
        return percent.group(0)
    big = [n for n in re.findall(r"\d+(?:\.\d+)?", text) if float(n) > 100]
    return big[0] if big else text[:20]


def refusal_for(parsed: ParsedMessage, projects: dict[str, dict], caller: Caller, lang: str,
                text: str) -> str | None:
    """Why this message must not be stored, or None."""
    for report in parsed.reports:
        if report.progress_error:
            return t("in_out_of_range", lang, value=esc(out_of_range_value(report.text)))
        if report.project and not caller.can_see_unit(projects[report.project]["unit_id"]):
            if caller.chat_unit_id is not None:  # the whole group reads it: name nothing
                return str(refused_other_unit(replace(caller, lang=lang)))
            return t("in_other_unit", lang, code=esc(projects[report.project]["code"]))
    return None


async def take_update(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
                      text: str, file_ids: list[str] | None = None, *, edit: bool = False) -> None:
    """Parse, check, store and confirm one status message (or its edit)."""
    db, message = app_db(context), update.effective_message
    text = clean_text(text)
    lang = reply_language(text, caller)
    caller = await in_chat_to_write(update, context, caller, lang)  # a unit's group: its own
    if caller is None:
        return
    file_ids = file_ids or []
    if not text:
        await message.reply_text(t("in_empty", lang))
        return
    ledger = current_ledger(db)
    by_code = ledger.by_code
    parsed = parse_message(text, ledger.refs, scope_unit(caller))
    if parsed.lang:
        lang = parsed.lang
    refusal = refusal_for(parsed, by_code, caller, lang, text)
    if refusal:
        await message.reply_text(refusal)
        return
    if parsed.ambiguous or not parsed.reports:
        unknown = CODE_RE.search(text)
        if unknown and not get_project(db, unknown.group(1)) and re.search(r"\d", unknown.group(1)):
            await message.reply_text(t("in_unknown_code", lang, code=esc(unknown.group(1).upper())))
            return
        if edit:
            return
        await ask_project(update, context, caller, text, lang, file_ids)
        return
    when = message_time(message) if not edit else None
    updates, projects = [], [by_code[report.project] for report in parsed.reports]
    for part, (report, project) in enumerate(zip(parsed.reports, projects, strict=True)):
        updates.append(NewUpdate(
            project_id=project["id"], unit_id=project["unit_id"], author_id=caller.user_id,
            chat_id=message.chat_id, message_id=message.message_id, part=part,
            created_at=when or "", raw_text=report.text or text, lang=lang,
            progress=report.progress, stage=report.stage, invested=report.invested,
            next_steps=report.next_steps, problems=list(report.problems),
            file_ids=file_ids if part == 0 else [],
            parsed={"progress": report.progress, "stage": report.stage,
                    "invested": report.invested, "problems": report.problems},
        ))
    await record(update, context, updates, projects, lang, edit=edit)


async def record(update: Update, context: ContextTypes.DEFAULT_TYPE, updates: list[NewUpdate],
                 projects: list[dict], lang: str, *, edit: bool = False) -> None:
    """Store the updates (idempotently) and send the confirmation; `projects` are theirs."""
    db = app_db(context)
    if edit:
        existing = updates_of_message(db, updates[0].chat_id, updates[0].message_id)
        if not existing:
            return
        for u in updates:
            u.created_at = existing[0]["created_at"]
        ids = correct_updates(db, updates)
    else:
        ids, earlier = store_updates(db, updates)
        if earlier and earlier[0]["reply_message_id"]:
            return  # processed and answered before a restart: nothing to do
    states = [state_after_update(db, project, update_id)
              for project, update_id in zip(projects, ids, strict=True)]
    text = confirmation(context, list(zip(updates, states, strict=True)), lang, corrected=edit)
    # A group talks about many things: the confirmation quotes the message it answers. In a
    # private chat it follows the message (as Telegram's own default); a correction quotes it.
    chat = update.effective_chat
    quote = edit or chat is None or chat.type != ChatType.PRIVATE
    sent_id = await context.bot.send_text(updates[0].chat_id, text,
                                          quote=updates[0].message_id if quote else None)
    mark_answered(db, ids, sent_id)  # and the update processed, in one commit


async def ask_project(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
                      text: str, lang: str, file_ids: list[str]) -> None:
    """Keep the text and ask, with buttons, which of the unit's projects it is about."""
    db, message = app_db(context), update.effective_message
    unit = scope_unit(caller)
    candidates = ([p for p in current_ledger(db).projects if p["unit_name"] == unit and p["active"]]
                  if unit else [])
    if unit and not candidates:
        await message.reply_text(t("in_no_projects", lang, unit=esc(unit)))
        return
    if not candidates:
        await message.reply_text(t("in_ask_code", lang))
        return
    pending_id = save_pending(db, caller.user_id, message.chat_id, message.message_id, text, lang,
                              file_ids)
    buttons = [[InlineKeyboardButton(f"{p['code']} {p['name']}"[:60],
                                     callback_data=f"pick:{pending_id}:{p['id']}")]
               for p in candidates[:MAX_BUTTONS]]
    question = t("in_ask_project", lang)
    if len(candidates) > MAX_BUTTONS:
        question += "\n" + t("in_more_projects", lang, count=len(candidates) - MAX_BUTTONS)
    sent = await message.reply_text(question, reply_markup=InlineKeyboardMarkup(buttons))
    set_pending_question(db, pending_id, sent.message_id)


# --- Telegram entry points -------------------------------------------------------------------

async def on_private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A plain private message (text, or a photo/file with a caption) is a status update."""
    caller = identify(update, context)
    message = update.effective_message
    if caller is None or message is None:
        return
    lang = reply_language(message.text or message.caption or "", caller)
    if caller.role is None:
        await message.reply_text(t("in_not_registered", lang))
        return
    if message.forward_origin is not None:
        await message.reply_text(t("in_forwarded", lang))
        return
    files = file_ids_of(message)
    if message.text is not None or message.caption:
        await take_update(update, context, caller, message.text or message.caption, files)
    elif files:
        await attach_or_ask(update, context, caller, files, lang)
    else:
        await message.reply_text(t("in_unsupported", lang))


async def attach_or_ask(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
                        files: list[str], lang: str) -> None:
    """A photo without a caption joins the sender's update of the past hour, or we ask."""
    db, message = app_db(context), update.effective_message
    since = (datetime.now(UTC) - PHOTO_WINDOW).isoformat(timespec="seconds")
    last = last_update_by(db, caller.user_id, message.chat_id, since)
    if last:
        attach_files(db, last["id"], files)
        project = get_project_by_id(db, last["project_id"])
        await message.reply_text(t("in_photo_attached", lang, code=esc(project["code"])))
        return
    await ask_project(update, context, caller, "", lang, files)


@command("update")
async def update_command(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """A status update anywhere: /update <text> (the way to post in a group)."""
    text = command_args(update)
    if not text:
        await update.effective_message.reply_text(
            t("usage", caller.lang, usage=t("in_update_usage", caller.lang)))
        return
    await take_update(update, context, caller, text, file_ids_of(update.effective_message))


async def on_group_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group, a reply to one of the bot's messages is a status update."""
    message = update.effective_message
    reply_to = message.reply_to_message
    if reply_to is None or reply_to.from_user is None or reply_to.from_user.id != context.bot.id:
        return  # ordinary group chatter: deliberately ignored
    caller = identify(update, context)
    if caller is None or caller.role is None:
        return
    if group_unit(app_db(context), message.chat_id) is None and not caller.unit_name:
        await message.reply_text(t("in_group_unbound", caller.lang))
        return
    await take_update(update, context, caller, message.text or message.caption or "",
                      file_ids_of(message))


async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message corrects the update it created; other edits change nothing."""
    message = update.edited_message
    db = app_db(context)
    caller = identify(update, context)
    if message is None or caller is None or caller.role is None:
        raise ApplicationHandlerStop
    text = message.text or message.caption or ""
    if text.startswith("/update"):
        text = text.partition(" ")[2]
    if updates_of_message(db, message.chat_id, message.message_id):
        await take_update(update, context, caller, text, edit=True)
    else:
        pending = pending_for_message(db, message.chat_id, message.message_id)
        if pending and pending["resolved_at"] is None:
            update_pending_text(db, pending["id"], clean_text(text))
    raise ApplicationHandlerStop  # an edited command must not run the command again


async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The tap on a project button: record the pending update for that project."""
    query = update.callback_query
    db = app_db(context)
    caller = identify(update, context)
    try:
        _, pending_id, project_id = query.data.split(":")
        pending = get_pending(db, int(pending_id))
        project = get_project_by_id(db, int(project_id))
    except (ValueError, TypeError):
        pending = project = None
    lang = pending["lang"] if pending else (caller.lang if caller else "zh")
    if caller is None:
        await query.answer()
        return
    caller = in_chat(update, context, caller)  # a tap in a unit's group records its projects only
    chat = update.effective_chat
    if chat is not None and pending and pending["chat_id"] != chat.id:
        pending = None  # a copied button: it is recorded, and scoped, in its question's chat
    if not pending or not project:  # forged, or its question is gone: say so, store nothing
        await query.answer(t("lead_cb_expired", caller.lang), show_alert=True)
        return
    if pending["user_id"] != caller.user_id:
        await query.answer(t("in_pick_not_yours", caller.lang), show_alert=True)
        return
    if not caller.can_see_unit(project["unit_id"]):
        # The id may be forged: name neither the project nor its unit.
        await query.answer(t("in_pick_other_unit", lang), show_alert=True)
        return
    if not resolve_pending(db, pending["id"]):
        await query.answer(t("in_pick_done", lang))
        return
    await query.answer()
    text = pending["text"]
    parsed = parse_message(text, project_refs([project]), project["unit_name"]) if text else None
    report = parsed.reports[0] if parsed and parsed.reports else None
    new = NewUpdate(
        project_id=project["id"], unit_id=project["unit_id"], author_id=caller.user_id,
        chat_id=pending["chat_id"], message_id=pending["message_id"], part=0,
        created_at=pending["created_at"], raw_text=text, lang=lang,
        progress=report.progress if report else None, stage=report.stage if report else None,
        invested=report.invested if report else None,
        next_steps=report.next_steps if report else None,
        problems=list(report.problems) if report else [],
        file_ids=json.loads(pending["file_ids"] or "[]"),
    )
    await record(update, context, [new], [project], lang)
    if pending["question_message_id"]:
        await context.bot.edit_message_reply_markup(pending["chat_id"],
                                                    pending["question_message_id"])


async def on_other_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, voice and the like in a private chat: say what is understood."""
    caller = identify(update, context)
    if caller is None or update.effective_message is None:
        return
    key = "in_unsupported" if caller.role else "in_not_registered"
    await update.effective_message.reply_text(t(key, caller.lang))
