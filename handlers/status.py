"""What leaders see: /status, /lagging, /chart, /export, and ◀ ▶ paging of long answers.

The answers are built by services.views (the application's `Views`, kept in bot_data); this
module turns an update into a caller and arguments, and the pages into messages. A long answer
is one message with buttons that edit it to the other pages. The button data
(`pg:<view>:<arg>:<page>`, a few bytes) says how to recompute the page, and every tap is
checked again against the tapping user's role and unit, by the same view as the command.
"""

from __future__ import annotations

import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from handlers.access import (
    COMMANDS,
    Caller,
    command,
    command_args,
    effective_config,
    identify,
    in_chat,
)
from i18n import plain_text, t
from services import views as view_services
from services.views import VIEWS, Ambiguous, Refusal, Views

log = logging.getLogger(__name__)

def app_views(context: ContextTypes.DEFAULT_TYPE) -> Views:
    """The application's view service (one per application: it keeps the state cache)."""
    return context.bot_data["views"]


# ---------------------------------------------------------------------------- paging


def page_buttons(name: str, arg: str, page: int, count: int,
                 lang: str) -> InlineKeyboardMarkup | None:
    """◀ i/n ▶ under page `page` (0-based) of `count`; none for a single page."""
    if count <= 1:
        return None
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(t("lead_page_prev", lang),
                                        callback_data=f"pg:{name}:{arg}:{page - 1}"))
    row.append(InlineKeyboardButton(f"{page + 1}/{count}", callback_data="pg:nop"))
    if page < count - 1:
        row.append(InlineKeyboardButton(t("lead_page_next", lang),
                                        callback_data=f"pg:{name}:{arg}:{page + 1}"))
    return InlineKeyboardMarkup([row])


async def answer_view(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
                      name: str, arg: str) -> None:
    """Reply with the first page of a view (and page buttons), or its one-line refusal."""
    try:
        pages = app_views(context).pages(effective_config(context), caller, name, arg)
    except Refusal as refusal:
        await update.effective_message.reply_text(str(refusal))
        return
    await update.effective_message.reply_text(
        pages[0], reply_markup=page_buttons(name, arg, 0, len(pages), caller.lang))


_PAGE_DATA = re.compile(r"^pg:(\w+):(\w*):(\d{1,4})$")


def _plain(text: str) -> str:
    """A refusal as a callback answer: plain text, at most 200 characters."""
    text = plain_text(text)
    return text if len(text) <= 200 else text[:199] + "…"


async def on_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A ◀ or ▶ tap: recompute the page for the tapping user and edit the message to it."""
    query = update.callback_query
    caller = identify(update, context)
    if caller is not None:
        caller = in_chat(update, context, caller)  # a tap in a unit's group: that unit only
    lang = caller.lang if caller else context.bot_data["config"].language
    match = _PAGE_DATA.match(query.data or "")
    if query.data == "pg:nop":
        await query.answer()
        return
    if match is None or match.group(1) not in VIEWS or caller is None:
        await query.answer(t("lead_cb_expired", lang), show_alert=True)
        return
    name, arg, page = match.group(1), match.group(2), int(match.group(3))
    if caller.role not in COMMANDS[VIEWS[name].command]:
        log.info("refused page %s for user %s (role %s)", query.data, caller.user_id, caller.role)
        await query.answer(t("lead_cb_refused", lang), show_alert=True)
        return
    try:
        pages = app_views(context).pages(effective_config(context), caller, name, arg)
    except Refusal as refusal:
        log.info("refused page %s for user %s", query.data, caller.user_id)
        await query.answer(_plain(str(refusal)) or t("lead_cb_expired", lang), show_alert=True)
        return
    page = min(page, len(pages) - 1)
    try:
        await query.edit_message_text(
            pages[page], reply_markup=page_buttons(name, arg, page, len(pages), caller.lang))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    await query.answer()


# ---------------------------------------------------------------------------- commands


def choice_buttons(refusal: Refusal, view_key: str | None) -> InlineKeyboardMarkup | None:
    """An ambiguous look-up's choices as buttons, each a page tap showing its view: the
    project's or unit's own (/status, `view_key` None), else `view_key` of the unit."""
    if not isinstance(refusal, Ambiguous):
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(choice.label[:60],
                              callback_data=f"pg:{view_key or choice.view}:{choice.id}:0")]
        for choice in refusal.choices])


async def refuse(update: Update, refusal: Refusal, view_key: str | None = None) -> None:
    """The one-line refusal; an ambiguous name's question comes with its choices."""
    await update.effective_message.reply_text(str(refusal),
                                              reply_markup=choice_buttons(refusal, view_key))


@command("status")
async def status(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """The summary (leaders) or the caller's unit (members, and anyone in a unit's group);
    or one project or unit."""
    caller = in_chat(update, context, caller)
    try:
        name, arg = app_views(context).status_target(caller, command_args(update))
    except Refusal as refusal:
        await refuse(update, refusal)
        return
    await answer_view(update, context, caller, name, arg)


async def answer_unit_scoped_view(update: Update, context: ContextTypes.DEFAULT_TYPE,
                                  caller: Caller, view_key: str) -> None:
    """Answer a view scoped by an optional unit argument: by default every unit (leaders) or
    one (a member's own, a unit's group's own); another unit is refused."""
    caller = in_chat(update, context, caller)
    try:
        arg = app_views(context).unit_scope(caller, command_args(update))
    except Refusal as refusal:
        await refuse(update, refusal, view_key)
        return
    await answer_view(update, context, caller, view_key, arg)


@command("lagging")
async def lagging(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Lagging then at-risk projects, worst first (members: their unit's; leaders: all or
    one unit's with /lagging <unit>)."""
    await answer_unit_scoped_view(update, context, caller, "l")


@command("chart")
async def chart(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """The wall chart as pictures: all projects (leaders), one unit's (/chart <unit>, members,
    a unit's group)."""
    caller = in_chat(update, context, caller)
    try:
        plan = app_views(context).chart(effective_config(context), caller,
                                        command_args(update))
    except Refusal as refusal:
        await refuse(update, refusal, "ch")
        return
    await send_chart(update, context, plan)


async def on_chart_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A unit chosen among an ambiguous /chart's buttons (`pg:ch:<unit>:0`): its chart."""
    query = update.callback_query
    caller = identify(update, context)
    lang = caller.lang if caller else context.bot_data["config"].language
    if caller is None or caller.role not in COMMANDS["chart"]:
        await query.answer(t("lead_cb_refused", lang), show_alert=True)
        return
    caller = in_chat(update, context, caller)
    try:
        plan = app_views(context).unit_chart(effective_config(context), caller,
                                             query.data.split(":")[2])
    except (Refusal, IndexError) as refusal:
        await query.answer(_plain(str(refusal)) or t("lead_cb_expired", lang), show_alert=True)
        return
    await query.answer()
    if query.message and query.message.reply_markup:  # the question is answered
        await query.edit_message_reply_markup(None)
    await send_chart(update, context, plan)


async def send_chart(update: Update, context: ContextTypes.DEFAULT_TYPE,
                     plan: view_services.ChartPlan) -> None:
    await update.effective_chat.send_action(ChatAction.UPLOAD_PHOTO)
    pictures = await app_views(context).pictures(plan)
    plan.items = []  # the pictures are drawn: let the states go
    for i, picture in enumerate(pictures):
        await update.effective_message.reply_photo(
            picture, caption=plan.caption if i == 0 else None, filename=plan.filename(i))


@command("export")
async def export(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """The ledger with each project's current standing, as an .xlsx document (in a unit's
    group, that unit's projects only)."""
    caller = in_chat(update, context, caller)
    try:
        found = app_views(context).export(effective_config(context), caller)
    except Refusal as refusal:
        await update.effective_message.reply_text(str(refusal))
        return
    await update.effective_chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    data = await app_views(context).export_file(found)
    await update.effective_message.reply_document(data, filename=found.filename,
                                                  caption=found.caption)
