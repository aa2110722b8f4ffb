"""People: /start (with invite codes), /help, /whoami, /lang, /invite, /bind."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from handlers.access import (
    Caller,
    allowed_commands,
    app_config,
    app_db,
    command,
    command_args,
    identify,
    role_label,
    unit_suffix,
)
from i18n import esc, t
from services import people as people_service
from storage.people import (
    move_group,
    set_language,
)

log = logging.getLogger(__name__)


@command("start")
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Welcome the user; with an invite code (a deep link), join."""
    code = command_args(update)
    if code:
        joined = people_service.join(app_db(context), code, caller.user_id, caller.name)
        await update.effective_message.reply_text(joined.text(caller.lang))
        return
    if caller.role is None:
        await update.effective_message.reply_text(
            t("welcome_unknown", caller.lang, user_id=caller.user_id))
        return
    await update.effective_message.reply_text(t(
        "welcome_known", caller.lang, name=esc(caller.name), role=role_label(caller.role, caller.lang),
        unit=unit_suffix(caller.unit_name, caller.lang)))


def help_text(caller: Caller) -> str:
    """What this caller may do, in their language."""
    lang = caller.lang
    if caller.role is None:
        return t("help_unknown", lang)
    lines = [t("help_header", lang, role=role_label(caller.role, lang),
               unit=unit_suffix(caller.unit_name, lang))]
    lines += [t("help_line", lang, command=name, description=t(f"cmd_{name}", lang))
              for name in allowed_commands(caller.role)]
    lines.append(t("help_updates", lang))
    return "\n".join(lines)


@command("help")
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Show what this user may do, with examples."""
    await update.effective_message.reply_text(help_text(caller))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command no handler took, in a private chat ("/nonsense", "/status@OtherBot"): say so."""
    message, caller = update.effective_message, identify(update, context)
    if message is None or caller is None:
        return
    word = (message.text or "").split(maxsplit=1)[0][:64] if message.text else "/"
    await message.reply_text(t("unknown_command", caller.lang, command=esc(word)))


@command("whoami")
async def whoami(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Show the user's id, role and unit."""
    text = t("whoami", caller.lang, user_id=caller.user_id, role=role_label(caller.role, caller.lang),
             unit=unit_suffix(caller.unit_name, caller.lang), lang=caller.lang)
    if caller.role is None:
        admins = ", ".join(str(a) for a in sorted(app_config(context).admins)) or "—"
        text += t("whoami_unknown_hint", caller.lang, admins=admins)
    await update.effective_message.reply_text(text)


@command("lang")
async def lang(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Choose the reply language: /lang zh|en."""
    choice = command_args(update).lower()
    if choice not in ("zh", "en"):
        await update.effective_message.reply_text(
            t("usage", caller.lang, usage=t("lang_usage", caller.lang)))
        return
    if not set_language(app_db(context), caller.user_id, choice):
        await update.effective_message.reply_text(t("lang_not_registered", choice))
        return
    await update.effective_message.reply_text(t("lang_set", choice))


@command("invite")
async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Make a one-time join link: /invite member <unit> or /invite leader."""
    if update.effective_chat.type != ChatType.PRIVATE:
        await update.effective_message.reply_text(t("invite_private", caller.lang))
        return
    made = people_service.invite(app_db(context), app_config(context), command_args(update),
                                 caller.user_id, context.bot.username)
    await update.effective_message.reply_text(made.text(caller.lang))


@command("bind")
async def bind(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Bind this group chat to a unit: /bind <unit>."""
    chat = update.effective_chat
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        await update.effective_message.reply_text(t("bind_private", caller.lang))
        return
    bound = people_service.bind(app_db(context), chat.id, chat.title, command_args(update),
                                caller.user_id)
    await update.effective_message.reply_text(bound.text(caller.lang))



@command("revoke")
async def revoke(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Remove a person's role: /revoke <user id>. Their updates stay."""
    user_id = command_args(update)
    if not user_id.isdigit():
        await update.effective_message.reply_text(
            t("usage", caller.lang, usage=t("revoke_usage", caller.lang)))
        return
    outcome = people_service.revoke(app_db(context), app_config(context), int(user_id),
                                    caller.user_id)
    await update.effective_message.reply_text(outcome.text(caller.lang))


async def on_migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram upgraded a group to a supergroup (a new chat id): its unit binding moves with
    it, so the group keeps showing and recording only its unit's data. Both service messages
    (migrate_to_chat_id in the old chat, migrate_from_chat_id in the new) lead here."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    else:
        old, new = message.migrate_from_chat_id, message.chat_id
    follow_migration(app_db(context), old, new)


def follow_migration(db, old_chat_id: int, new_chat_id: int) -> None:
    if move_group(db, old_chat_id, new_chat_id):
        log.warning("group %s became supergroup %s; its unit binding moved with it",
                    old_chat_id, new_chat_id)
