"""The leaders' dashboard in the chat: /dashboard opens the Mini App, /screen gives (or with
`off` revokes) the meeting-room screen's read-only links. The pages themselves are web/."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from handlers.access import Caller, app_db, command, command_args, effective_config, in_chat
from i18n import esc, t
from services.dashboard import SCREEN_HOURS, group_start_param, make_screen_link, revoke_screens

log = logging.getLogger(__name__)


def menu_button(url: str, lang: str) -> MenuButtonWebApp:
    return MenuButtonWebApp(t("dash_menu_button", lang), WebAppInfo(url + "/"))


async def publish_menu_button(application: Application, url: str, lang: str) -> None:
    """The bot's menu button opens the dashboard in every private chat."""
    try:
        await application.bot.set_chat_menu_button(menu_button=menu_button(url, lang))
    except TelegramError as error:  # a convenience: the bot works without it
        log.warning("dashboard menu button not set: %s", error)


@command("dashboard")
async def dashboard(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """A button that opens the Mini App: in a private chat directly; in a group, Telegram
    opens Mini Apps from a t.me link only, which tells the app the group (start_param)."""
    url = context.bot_data["config"].web_url
    message, chat = update.effective_message, update.effective_chat
    if not url:
        await message.reply_text(t("dash_not_served", caller.lang))
        return
    if chat.type == ChatType.PRIVATE:
        button = InlineKeyboardButton(t("dash_button", caller.lang), web_app=WebAppInfo(url + "/"))
        await message.reply_text(t("dash_open", caller.lang),
                                 reply_markup=InlineKeyboardMarkup([[button]]))
        try:
            await context.bot.set_chat_menu_button(chat_id=chat.id,
                                                   menu_button=menu_button(url, caller.lang))
        except TelegramError as error:
            log.warning("dashboard menu button not set for a chat: %s", error)
        return
    shown = in_chat(update, context, caller)
    if shown.chat_unit_id is not None and not shown.can_see_unit(shown.chat_unit_id):
        await message.reply_text(t("in_group_other_unit", caller.lang))
        return
    link = f"https://t.me/{context.bot.username}?startapp={group_start_param(chat.id)}"
    button = InlineKeyboardButton(t("dash_button", caller.lang), url=link)
    text = (t("dash_open_unit", caller.lang, unit=esc(shown.chat_unit_name))
            if shown.chat_unit_name else t("dash_open", caller.lang))
    await message.reply_text(text, reply_markup=InlineKeyboardMarkup([[button]]))


@command("screen")
async def screen(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """/screen: a read-only portfolio link for the meeting room, valid SCREEN_HOURS;
    /screen off: every such link revoked. Only in a private chat: a group would share it."""
    message, chat = update.effective_message, update.effective_chat
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(t("screen_private_only", caller.lang))
        return
    args = command_args(update).lower()
    db = app_db(context)
    if args == "off":
        count = revoke_screens(db, caller)
        await message.reply_text(t("screen_revoked", caller.lang, n=count))
        return
    if args:
        await message.reply_text(t("screen_usage", caller.lang))
        return
    config = effective_config(context)
    url = config.web_url
    if not url:
        await message.reply_text(t("dash_not_served", caller.lang))
        return
    token, expires = make_screen_link(db, caller, datetime.now(config.timezone))
    await message.reply_text(t("screen_link", caller.lang, hours=SCREEN_HOURS,
                               until=expires.strftime("%Y-%m-%d %H:%M"),
                               url=esc(f"{url}/screen#k={token}")))
