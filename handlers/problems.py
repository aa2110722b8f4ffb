"""The problems ledger: /problems, /problem, /assign, /resolve, and the notices they send.

What is done and who is told is decided by services.problems; this module sends the notices
(a blocked or deleted chat is logged, and the others are told all the same) and the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlite_utils import Database
from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from config import Config
from handlers.access import (
    COMMANDS,
    Caller,
    app_db,
    command,
    command_args,
    effective_config,
    identify,
    in_chat,
    in_chat_to_write,
)
from handlers.status import answer_unit_scoped_view, answer_view, app_views, page_buttons
from i18n import t
from schedules.notices import tell
from services import mine as mine_views  # noqa: F401  (registers the "m" view)
from services import problems as problem_services
from services.ladder import STATUS_BUTTON
from services.problems import Outcome
from services.views import Refusal

log = logging.getLogger(__name__)


@command("problems")
async def problems(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Open problems with their limit, project and the unit that must act; `/problems closed`:
    the last 30 days' closed ones."""
    words = command_args(update).split(maxsplit=1)
    if words and words[0].lower() in problem_services.CLOSED_WORDS:
        caller = in_chat(update, context, caller)
        try:
            arg = app_views(context).unit_scope(caller, words[1] if len(words) > 1 else "")
        except Refusal as refusal:
            await update.effective_message.reply_text(str(refusal))
            return
        await answer_view(update, context, caller, "c", arg)
        return
    await answer_unit_scoped_view(update, context, caller, "q")


Action = Callable[[Database, Config, Caller, str, int | None], Outcome]


async def run(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
              action: Action) -> None:
    """A problem command from the chat it was given in: done, notices sent, answered."""
    caller = await in_chat_to_write(update, context, caller)
    if caller is None:
        return
    try:
        outcome = action(app_db(context), effective_config(context), caller,
                         command_args(update), update.effective_chat.id)
    except Refusal as refusal:
        await update.effective_message.reply_text(str(refusal))
        return
    told = await tell(context.bot, outcome.telling, app_db(context)) if outcome.telling else ""
    sent = await update.effective_message.reply_text(outcome.answer(told))
    if outcome.problem_id is not None:
        problem_services.remember_answer(app_db(context), outcome.problem_id, sent.chat_id,
                                         sent.message_id)


@command("problem")
async def problem(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Open a problem of a project: /problem <code> <text>."""
    await run(update, context, caller, problem_services.raise_problem)


@command("assign")
async def assign(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Hand a problem to a unit, which is told at once: /assign <problem id> <unit>."""
    await run(update, context, caller, problem_services.assign)


@command("resolve")
async def resolve(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Close a problem (leaders, or the unit that must act): /resolve <problem id> [note]."""
    await run(update, context, caller, problem_services.resolve)


@command("deadline")
async def deadline(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """A problem's new time limit (leaders); the acting unit is told: /deadline <id> <date>."""
    await run(update, context, caller, problem_services.set_deadline)


async def tapper(update: Update, context: ContextTypes.DEFAULT_TYPE,
                 command_name: str) -> Caller | None:
    """Who tapped a button, as far as this chat goes, if their role may use `command_name`
    (else the tap is answered with a refusal: None)."""
    caller = identify(update, context)
    if caller is None or caller.role not in COMMANDS[command_name]:
        lang = caller.lang if caller else context.bot_data["config"].language
        await update.callback_query.answer(t("lead_cb_refused", lang), show_alert=True)
        return None
    return in_chat(update, context, caller)


async def on_status_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button under an escalation: /status of its project, for the tapping user as the
    command would answer them (a forged code or another unit's project: refused)."""
    query = update.callback_query
    caller = await tapper(update, context, "status")
    if caller is None:
        return
    code = (query.data or "")[len(STATUS_BUTTON):]
    try:
        name, arg = app_views(context).status_target(caller, code)
        pages = app_views(context).pages(effective_config(context), caller, name, arg)
    except Refusal:
        log.info("refused %s for user %s", query.data, caller.user_id)
        await query.answer(t("lead_cb_refused", caller.lang), show_alert=True)
        return
    await query.answer()
    await update.effective_message.reply_text(
        pages[0], reply_markup=page_buttons(name, arg, 0, len(pages), caller.lang))


@command("mine")
async def mine(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """A linked leader's own projects: lights, progress against plan, overdue problems."""
    await answer_view(update, context, in_chat(update, context, caller), "m", "")


async def on_confirm_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Confirm (销号) or reopen under a resolution: for the side that raised the problem only;
    a forged or stale tap is answered and changes nothing."""
    query = update.callback_query
    caller = await tapper(update, context, "resolve")
    if caller is None:
        return
    db = app_db(context)
    try:
        outcome = problem_services.answer_resolution(db, effective_config(context), caller,
                                                     query.data)
    except Refusal as refusal:
        log.info("refused %s for user %s", query.data, caller.user_id)
        await query.answer(str(refusal)[:200], show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)  # answered: the buttons go
    told = await tell(context.bot, outcome.telling, db) if outcome.telling else ""
    sent = await update.effective_message.reply_text(outcome.answer(told))
    if query.data.endswith(":n"):  # the answer asks why: a reply to it is the reason
        problem_services.asked_reason(db, int(query.data.split(":")[1]), sent.chat_id,
                                      sent.message_id)


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to the bot's problem messages: the reason for a reopening, or a photo or file
    as evidence. Anything else goes on to the other handlers (status updates)."""
    message, caller = update.effective_message, identify(update, context)
    replied = message.reply_to_message if message else None
    if caller is None or replied is None or replied.from_user is None \
            or replied.from_user.id != context.bot.id:
        return
    db, config = app_db(context), effective_config(context)
    caller = in_chat(update, context, caller)
    outcome = None
    if message.text and not message.text.startswith("/"):
        outcome = problem_services.give_reason(db, config, caller, message.chat_id,
                                               replied.message_id, message.text)
    elif message.photo or message.document:
        file_id = message.photo[-1].file_id if message.photo else message.document.file_id
        try:
            outcome = problem_services.attach_evidence(
                db, caller, message.chat_id, replied.message_id, file_id,
                "photo" if message.photo else (message.document.file_name or "file"),
                message.caption or "")
        except Refusal as refusal:
            await message.reply_text(str(refusal))
            raise ApplicationHandlerStop from None
    if outcome is None:
        return
    told = await tell(context.bot, outcome.telling, db) if outcome.telling else ""
    await message.reply_text(outcome.answer(told))
    raise ApplicationHandlerStop
