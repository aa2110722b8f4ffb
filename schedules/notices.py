"""Problem notices sent to units and leaders: by the problem commands and by the daily ladder."""

from __future__ import annotations

import logging

from sqlite_utils import Database
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from services import problems as problem_services
from services.problems import Notice, Telling

log = logging.getLogger(__name__)


def buttons_markup(buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                  for label, data in buttons]])


async def _send(bot: Bot, notice: Notice, db: Database | None) -> bool:
    try:
        message = await bot.send_message(notice.chat_id, notice.text,
                                         reply_markup=buttons_markup(notice.buttons))
    except TelegramError as exc:  # blocked, kicked, deleted: tell the others all the same
        log.warning("could not send a problem notice to chat %s: %s", notice.chat_id, exc)
        return False
    if db is not None:
        problem_services.remember_message(db, notice, message.message_id)
    return True


async def tell(bot: Bot, telling: Telling, db: Database | None = None) -> str:
    """Send a Telling's notices: the group's, else (no group, or it failed) the members';
    the sentence saying who was told. With `db`, each message about a problem is remembered
    (a file sent in reply to it is evidence)."""
    if telling.here:
        return telling.sentence(group_told=True, members_told=0)
    if telling.group is not None and await _send(bot, telling.group, db):
        return telling.sentence(group_told=True, members_told=0)
    told = 0
    for notice in telling.members:
        told += await _send(bot, notice, db)
    return telling.sentence(group_told=False, members_told=told)
