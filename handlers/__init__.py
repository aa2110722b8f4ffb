"""Telegram glue: every handler is registered here, in one place."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.error import BadRequest, ChatMigrated, NetworkError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import dashboard as dashboard_commands
from handlers import intake, ledger, pack, people
from handlers import problems as problem_commands
from handlers import settings as settings_commands
from handlers import status as status_commands
from handlers.access import COMMANDS, app_db, identify, sender_row
from i18n import t
from services.floods import Allowance, serves
from transport.retry import Outcome, outcome_of

log = logging.getLogger(__name__)


def register(application: Application) -> None:
    """Register all handlers. Groups run in order; within a group the first match wins."""
    # Group -3: a stranger over their few answers a minute is dropped before anything else.
    application.bot_data["strangers"] = Allowance()
    application.add_handler(TypeHandler(Update, drop_flooding_stranger), group=-3)

    # Group -2: a reply to the bot's message about a problem (a reopening's reason, a photo or
    # file as evidence) is taken there and stops; any other reply goes on.
    application.add_handler(MessageHandler(
        filters.UpdateType.MESSAGE & filters.REPLY
        & (filters.TEXT | filters.PHOTO | filters.Document.ALL) & ~filters.COMMAND,
        problem_commands.on_reply), group=-2)
    # Group -1: an edited message corrects its stored update and stops there, so an edited
    # command never runs the command a second time.
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, intake.on_edit), group=-1)
    # A group upgraded to a supergroup changes its id: the unit binding follows it.
    application.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, people.on_migration), group=-1)

    # A file captioned /import is a ledger (before status updates: a caption is not a command).
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?\b"),
                       ledger.import_command))

    # Status updates in private chats, checked first: they are nearly all the traffic, and no
    # command can match them. Any text, or a photo/file (with a caption it is an update,
    # without one it joins the last update).
    private = filters.ChatType.PRIVATE & ~filters.COMMAND
    application.add_handler(MessageHandler(
        private & (filters.TEXT | filters.PHOTO | filters.Document.ALL), intake.on_private_message))

    # Commands.
    application.add_handler(CommandHandler("start", people.start))
    application.add_handler(CommandHandler("help", people.help_command))
    application.add_handler(CommandHandler("whoami", people.whoami))
    application.add_handler(CommandHandler("lang", people.lang))
    application.add_handler(CommandHandler("invite", people.invite))
    application.add_handler(CommandHandler("bind", people.bind))
    application.add_handler(CommandHandler("revoke", people.revoke))
    # What leaders see (handlers/status.py, handlers/problems.py); ◀ ▶ page taps are "pg:…".
    for name in ("status", "lagging", "chart", "export"):
        application.add_handler(CommandHandler(name, getattr(status_commands, name)))
    for name in ("problems", "problem", "assign", "resolve", "deadline", "mine"):
        application.add_handler(CommandHandler(name, getattr(problem_commands, name)))
    application.add_handler(CallbackQueryHandler(status_commands.on_chart_choice,
                                                 pattern=r"^pg:ch:"))
    application.add_handler(CallbackQueryHandler(status_commands.on_page, pattern=r"^pg:"))
    application.add_handler(CallbackQueryHandler(problem_commands.on_status_button,
                                                 pattern=r"^st:"))
    application.add_handler(CallbackQueryHandler(problem_commands.on_confirm_tap,
                                                 pattern=r"^pc:"))
    application.add_handler(CommandHandler("import", ledger.import_command))
    application.add_handler(CommandHandler("settings", settings_commands.settings))
    application.add_handler(CommandHandler("update", intake.update_command))
    application.add_handler(CallbackQueryHandler(intake.on_pick, pattern=r"^pick:"))
    application.add_handler(CallbackQueryHandler(intake.on_confirm, pattern=r"^iq:"))
    application.add_handler(CommandHandler("dashboard", dashboard_commands.dashboard))
    application.add_handler(CommandHandler("screen", dashboard_commands.screen))
    application.add_handler(CommandHandler("pack", pack.pack))

    # Status updates in groups: only replies to the bot's own messages (bots see little else).
    application.add_handler(MessageHandler(
        filters.ChatType.GROUPS & filters.REPLY & ~filters.COMMAND
        & (filters.TEXT | filters.CAPTION), intake.on_group_reply))
    application.add_handler(MessageHandler(
        private & ~filters.StatusUpdate.ALL, intake.on_other_private))
    # A command none of the above took ("/nonsense", "/status@OtherBot"): never silence.
    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & filters.COMMAND, people.unknown_command))

    application.add_error_handler(on_error)


async def drop_flooding_stranger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if not serves(context.bot_data["config"], context.bot_data["strangers"],
                  user.id if user else None, sender_row(update, context)):
        log.debug("update %s from stranger %s dropped: over their allowance", update.update_id,
                  user.id)
        raise ApplicationHandlerStop


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and tell the user something went wrong; the bot carries on."""
    if isinstance(context.error, ChatMigrated) and isinstance(update, Update) \
            and update.effective_chat:  # answered in a group Telegram has just upgraded
        people.follow_migration(app_db(context), update.effective_chat.id,
                                context.error.new_chat_id)
        return
    log.error("error while handling an update: %r", context.error, exc_info=context.error)
    if outcome_of(context.error) is not Outcome.FINAL:
        # Telegram failed (transport/retry.py gave up, or a send timed out): the work is done and
        # its answer lost or perhaps delivered; an apology would be wrong or fail the same way.
        return
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
        try:
            await application.bot.set_my_commands(commands, language_code=lang)
        except BadRequest:  # a NetworkError too, but a mistake of ours: it must show
            raise
        except NetworkError as error:  # Telegram failing: the menu is a convenience, start anyway
            log.warning("command menu (%s) not published: %s", lang or "default", error)
            return
