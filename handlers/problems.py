"""The problems ledger: /problems, /problem, /assign, /resolve, and the notices they send.

What is done and who is told is decided by services.problems; this module sends the notices
(a blocked or deleted chat is logged, and the others are told all the same) and the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlite_utils import Database
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

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
from services import mine as mine_views  # noqa: F401  (registers the "m" view)
from services import problems as problem_services
from services.ladder import STATUS_BUTTON
from services.problems import Notice, Outcome, Telling
from services.views import Refusal

log = logging.getLogger(__name__)


@command("problems")
async def problems(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Open problems with their age, project and the unit that must act."""
    await answer_unit_scoped_view(update, context, caller, "q")


async def _send(bot: Bot, notice: Notice) -> bool:
    markup = None
    if notice.button is not None:
        label, data = notice.button
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
    try:
        await bot.send_message(notice.chat_id, notice.text, reply_markup=markup)
        return True
    except TelegramError as exc:  # blocked, kicked, deleted: tell the others all the same
        log.warning("could not send a problem notice to chat %s: %s", notice.chat_id, exc)
        return False


async def tell(bot: Bot, telling: Telling) -> str:
    """Send a Telling's notices: the group's, else (no group, or it failed) the members';
    the sentence saying who was told."""
    if telling.here:
        return telling.sentence(group_told=True, members_told=0)
    if telling.group is not None and await _send(bot, telling.group):
        return telling.sentence(group_told=True, members_told=0)
    told = 0
    for notice in telling.members:
        told += await _send(bot, notice)
    return telling.sentence(group_told=False, members_told=told)


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
    told = await tell(context.bot, outcome.telling) if outcome.telling else ""
    await update.effective_message.reply_text(outcome.answer(told))


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


async def on_status_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button under an escalation: /status of its project, for the tapping user as the
    command would answer them (a forged code or another unit's project: refused)."""
    query = update.callback_query
    caller = identify(update, context)
    lang = caller.lang if caller else context.bot_data["config"].language
    if caller is None or caller.role not in COMMANDS["status"]:
        await query.answer(t("lead_cb_refused", lang), show_alert=True)
        return
    caller = in_chat(update, context, caller)
    code = (query.data or "")[len(STATUS_BUTTON):]
    try:
        name, arg = app_views(context).status_target(caller, code)
        pages = app_views(context).pages(effective_config(context), caller, name, arg)
    except Refusal:
        log.info("refused %s for user %s", query.data, caller.user_id)
        await query.answer(t("lead_cb_refused", lang), show_alert=True)
        return
    await query.answer()
    await update.effective_message.reply_text(
        pages[0], reply_markup=page_buttons(name, arg, 0, len(pages), caller.lang))


@command("mine")
async def mine(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """A linked leader's own projects: lights, progress against plan, overdue problems."""
    await answer_view(update, context, in_chat(update, context, caller), "m", "")
