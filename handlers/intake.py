"""Status intake: a unit head's message becomes stored updates, confirmed in their language."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from handlers.access import (
    Caller,
    app_config,
    app_db,
    command,
    command_args,
    identify,
    in_chat,
    in_chat_to_write,
)
from i18n import esc, t
from services.intake import (
    Reading,
    Recorded,
    answered_by_edit,
    attach_to_recent,
    build_updates,
    clean_text,
    confirm_refusal,
    doubts_of,
    kept_or_own,
    pick_refusal,
    picked_updates,
    projects_to_ask,
    question,
    question_payload,
    read_status,
    record_status,
    reply_language,
    report_for,
    reread_for_kept,
    reread_for_stored,
    sender_refusal,
    updates_of_payload,
)
from storage.people import group_unit
from storage.projects import get_project_by_id
from storage.updates import (
    CONFIRM,
    NewUpdate,
    get_pending,
    pending_for_message,
    resolve_pending,
    save_pending,
    set_pending_question,
    update_pending_payload,
    update_pending_text,
    updates_of_message,
)
from transport.outbox import confirm

log = logging.getLogger(__name__)

MAX_BUTTONS = 20


def message_time(message: Message) -> str:
    moment = message.date or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def is_ledger_file(message: Message) -> bool:
    name = (message.document.file_name or "").lower() if message.document else ""
    return name.endswith((".csv", ".xlsx"))


def file_ids_of(message: Message) -> list[str]:
    if message.photo:
        return [message.photo[-1].file_id]
    if message.document:
        return [message.document.file_id]
    return []


# --- the core --------------------------------------------------------------------------------

async def take_update(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
                      text: str, file_ids: list[str] | None = None, *, edit: bool = False,
                      pending: dict | None = None) -> None:
    """Parse, check, store and confirm one status message, or its edit: `edit` when the
    message has stored updates, `pending` when its question ("which project?", or "store
    this?") still waits. Implausible figures are asked about before anything is stored."""
    db, message = app_db(context), update.effective_message
    text = clean_text(text)
    lang = reply_language(text, caller)
    caller = await in_chat_to_write(update, context, caller, lang)  # a unit's group: its own
    if caller is None:
        return
    file_ids = file_ids or []
    # An edit, or a text with files, is never refused as saying nothing: it corrects or waits.
    reading = read_status(db, caller, text, lang,
                          with_files=bool(file_ids) or edit or pending is not None)
    if reading.refusal:
        await message.reply_text(reading.refusal)
        return
    confirming = pending is not None and pending["kind"] == CONFIRM
    if reading.ask_project and confirming:  # the edit named no project: the ones asked about
        reading = reread_for_kept(db, reading, text, pending)
    if reading.ask_project and edit:
        reading = reread_for_stored(db, reading, text, message.chat_id, message.message_id)
    if reading.ask_project:
        if pending:
            update_pending_text(db, pending["id"], text)  # the tap will read the new text
        elif not edit:
            await ask_project(update, context, caller, text, reading.lang, file_ids,
                              reading.candidates)
        return
    created_at, file_ids = kept_or_own(pending, "" if edit else message_time(message), file_ids)
    updates = build_updates(reading.reports, reading.projects, author_id=caller.user_id,
                            chat_id=message.chat_id, message_id=message.message_id,
                            created_at=created_at, text=text, lang=reading.lang,
                            file_ids=file_ids)
    found = doubts_of(db, reading, message.chat_id, message.message_id, created_at)
    if any(found):
        await ask_to_confirm(update, context, caller, updates, reading, found, edit=edit,
                             pending=pending)
        return
    if pending and not resolve_pending(db, pending["id"]):
        return  # tapped meanwhile: the tap recorded it, and the edit now corrects that
    await record(update, context, updates, reading.projects, reading.lang, edit=edit)
    if pending:
        await close_question(context, pending, answered_by_edit(reading))


async def ask_to_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
                         updates: list[NewUpdate], reading: Reading, found: list,
                         *, edit: bool, pending: dict | None) -> None:
    """Keep the implausible updates and ask, with ✅/✖️ buttons, before storing them; an edit
    while that question waits changes the question in place."""
    db, message = app_db(context), update.effective_message
    text = question(updates, reading.projects, found, reading.lang)
    payload = question_payload(updates, edit=edit)
    if pending and pending["kind"] == CONFIRM and pending["question_message_id"]:
        update_pending_payload(db, pending["id"], updates[0].raw_text, payload)
        await context.bot.edit_message_text(
            text, pending["chat_id"], pending["question_message_id"],
            reply_markup=confirm_buttons(pending["id"], pending["token"], reading.lang))
        return
    if pending:  # the "which project?" question: answered by the edit, replaced by this one
        if not resolve_pending(db, pending["id"]):
            return
        await close_question(context, pending)
    token = secrets.token_urlsafe(6)
    pending_id = save_pending(db, caller.user_id, message.chat_id, message.message_id,
                              updates[0].raw_text, reading.lang, updates[0].file_ids, kind=CONFIRM,
                              payload=payload, token=token)
    sent = await message.reply_text(text, reply_markup=confirm_buttons(pending_id, token,
                                                                       reading.lang))
    set_pending_question(db, pending_id, sent.message_id)


def confirm_buttons(pending_id: int, token: str, lang: str) -> InlineKeyboardMarkup:
    """✅ store / ✖️ cancel: `iq:<pending id>:<token>:s|c` (at most 29 bytes)."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t("in_confirm_store", lang), callback_data=f"iq:{pending_id}:{token}:s"),
        InlineKeyboardButton(t("in_confirm_cancel", lang),
                             callback_data=f"iq:{pending_id}:{token}:c"),
    ]])


async def close_question(context: ContextTypes.DEFAULT_TYPE, pending: dict,
                         text: str | None = None) -> None:
    """A waiting question answered: its buttons go (and it says how, if `text`)."""
    question = pending["question_message_id"]
    if not question:
        return
    # The answer is already taken (the question resolved): a failed edit must not stop it being
    # stored and confirmed; the buttons left behind answer a later tap with "already done".
    try:
        if text:
            await context.bot.edit_message_text(text, pending["chat_id"], question)
        else:
            await context.bot.edit_message_reply_markup(pending["chat_id"], question)
    except TelegramError as error:
        log.warning("question %s in chat %s not closed: %s", question, pending["chat_id"], error)


async def record(update: Update, context: ContextTypes.DEFAULT_TYPE, updates: list[NewUpdate],
                 projects: list[dict], lang: str, *, edit: bool = False) -> None:
    """Store the updates (idempotently) and send the confirmation; `projects` are theirs."""
    db = app_db(context)
    recorded: Recorded | None = record_status(db, app_config(context), updates, projects, lang,
                                              edit=edit)
    if recorded is None:
        return
    # A group talks about many things: the confirmation quotes the message it answers. In a
    # private chat it follows the message (as Telegram's own default); a correction quotes it.
    chat = update.effective_chat
    quote = edit or chat is None or chat.type != ChatType.PRIVATE
    # Sent now or with the chat's other queued confirmations; noted answered as it is sent.
    await confirm(context.application, updates[0].chat_id, recorded.confirmation,
                  quote=updates[0].message_id if quote else None, update_ids=recorded.ids)


async def ask_project(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
                      text: str, lang: str, file_ids: list[str], first: tuple[str, ...] = ()
                      ) -> None:
    """Keep the text and ask, with buttons, which of the unit's projects it is about (the
    near matches of a mistyped name, `first`, lead)."""
    db, message = app_db(context), update.effective_message
    unit, candidates = projects_to_ask(db, caller, first)
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
    refusal = sender_refusal(caller, lang, forwarded=message.forward_origin is not None)
    if refusal:
        await message.reply_text(refusal)
        return
    files = file_ids_of(message)
    if is_ledger_file(message) and caller.role == "admin" and not message.caption:
        await message.reply_text(t("in_ledger_file_hint", lang))
        return
    if message.text is not None or message.caption:
        await take_update(update, context, caller, message.text or message.caption, files)
    elif files:
        await attach_or_ask(update, context, caller, files, lang)
    else:
        await message.reply_text(t("in_unsupported", lang))


async def attach_or_ask(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
                        files: list[str], lang: str) -> None:
    """A photo without a caption joins the sender's update of the past hour, or we ask."""
    message = update.effective_message
    code = attach_to_recent(app_db(context), caller, message.chat_id, files)
    if code:
        await message.reply_text(t("in_photo_attached", lang, code=esc(code)))
        return
    await ask_project(update, context, caller, "", lang, files)


@command("update")
async def update_command(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """A status update anywhere: /update <text> (the way to post in a group)."""
    text = command_args(update)
    if update.effective_message.forward_origin is not None:  # someone else's words, as text
        await update.effective_message.reply_text(t("in_forwarded", caller.lang))
        return
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
    pending = pending_for_message(db, message.chat_id, message.message_id)
    if pending and pending["resolved_at"] is not None:
        pending = None
    if updates_of_message(db, message.chat_id, message.message_id):
        confirming = pending if pending and pending["kind"] == CONFIRM else None
        await take_update(update, context, caller, text, edit=True, pending=confirming)
    elif pending:
        await take_update(update, context, caller, text, pending=pending)
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
    refusal = pick_refusal(pending, project, caller, chat.id if chat else None, lang)
    if refusal:
        await query.answer(refusal, show_alert=True)
        return
    if not resolve_pending(db, pending["id"]):
        await query.answer(t("in_pick_done", lang))
        return
    await query.answer()
    updates = picked_updates(pending, project, caller.user_id)
    reading = Reading(lang, reports=[report_for(pending["text"], project)], projects=[project])
    found = doubts_of(db, reading, pending["chat_id"], pending["message_id"],
                      pending["created_at"])
    await close_question(context, pending)
    if any(found):
        await ask_to_confirm(update, context, caller, updates, reading, found, edit=False,
                             pending=None)
        return
    await record(update, context, updates, [project], lang)


async def on_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The tap on ✅ store or ✖️ cancel of an implausible update's question."""
    query = update.callback_query
    db = app_db(context)
    caller = identify(update, context)
    if caller is None:
        await query.answer()
        return
    try:
        _, pending_id, token, choice = query.data.split(":")
        pending = get_pending(db, int(pending_id))
        updates, edit = updates_of_payload(pending["payload"]) if pending else ([], False)
        projects = [get_project_by_id(db, u.project_id) for u in updates]
    except (ValueError, TypeError, KeyError):
        pending, token, choice, updates, edit, projects = None, "", "", [], False, []
    caller = in_chat(update, context, caller)
    chat = update.effective_chat
    refusal = confirm_refusal(pending, token, caller, chat.id if chat else None,
                              [p for p in projects if p] if all(projects) else [])
    if refusal or choice not in ("s", "c") or not all(projects):
        await query.answer(refusal or t("lead_cb_expired", caller.lang), show_alert=True)
        return
    lang = pending["lang"]
    if not resolve_pending(db, pending["id"]):
        await query.answer(t("in_pick_done", lang))
        return
    await query.answer()
    if choice == "c":
        await close_question(context, pending, t("in_confirm_cancelled", lang))
        return
    await close_question(context, pending, t("in_confirm_stored", lang))
    await record(update, context, updates, projects, lang, edit=edit)


async def on_other_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, voice and the like in a private chat: say what is understood."""
    caller = identify(update, context)
    if caller is None or update.effective_message is None:
        return
    key = "in_unsupported" if caller.role else "in_not_registered"
    await update.effective_message.reply_text(t(key, caller.lang))
