"""Telegram glue: every handler is registered here, in one place."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from handlers import ledger, people
from handlers.access import COMMANDS, identify
from i18n import t

log = logging.getLogger(__name__)


def register(application: Application) -> None:
    """Register all handlers. Groups run in order; within a group the first match wins."""
    # Commands. /import is also recognised as the caption of an attached file.
    application.add_handler(CommandHandler("start", people.start))
    application.add_handler(CommandHandler("help", people.help_command))
    application.add_handler(CommandHandler("whoami", people.whoami))
    application.add_handler(CommandHandler("lang", people.lang))
    application.add_handler(CommandHandler("invite", people.invite))
    application.add_handler(CommandHandler("bind", people.bind))
    application.add_handler(CommandHandler("import", ledger.import_command))
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?\b"),
                       ledger.import_command))

    application.add_error_handler(on_error)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and tell the user something went wrong; the bot carries on."""
    log.error("error while handling an update: %r", context.error, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message and update.effective_user:
        caller = identify(update, context)
        lang = caller.lang if caller else context.bot_data["config"].language
        try:
            await update.effective_message.reply_text(t("error_generic", lang))
        except Exception:  # the error may be that we cannot send at all
            log.warning("could not tell the user about the error", exc_info=True)


async def publish_commands(application: Application, default_lang: str) -> None:
    """Register the command menu in Chinese and English (and the default language)."""
    for lang in ("zh", "en", None):
        menu_lang = lang or default_lang
        commands = [BotCommand(name, t(f"cmd_{name}", menu_lang)) for name in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=lang)
