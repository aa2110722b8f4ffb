"""Who may do what: the one place where roles and unit scope are enforced.

Every command handler is wrapped with `@command("name")`, which looks up the caller,
checks the role table below, answers a one-line refusal when it does not allow the call,
and otherwise calls the handler with the caller. Data scope (a member sees only their
unit; in a unit's bound group, whoever asks, only that unit: `in_chat`, and for changes
`in_chat_to_write`) is decided by `Caller.can_see_unit` (services/caller.py: plain data,
which the use cases in services/ take).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from config import Config
from i18n import t
from services.caller import LEADERS, LOOK_UP, Caller, identify_user
from services.caller import unit_suffix as unit_suffix  # where the handlers take it from
from services.dashboard import SCREEN_ROLES, WEB_ROLES
from services.people import role_label as role_label  # where the handlers take it from
from services.settings import effective_config as config_in_force
from storage.people import get_person, group_unit

log = logging.getLogger(__name__)

EVERYONE = frozenset({"admin", "leader", "member", None})
STAFF = frozenset({"admin", "leader", "member"})
ADMINS = frozenset({"admin"})

# command -> roles allowed to call it. Order is the order of the menu and of /help.
COMMANDS: dict[str, frozenset] = {
    "start": EVERYONE,
    "help": EVERYONE,
    "whoami": EVERYONE,
    "lang": EVERYONE,
    "update": STAFF,
    "status": STAFF,
    "lagging": STAFF,
    "problems": STAFF,
    "problem": STAFF,
    "assign": LEADERS,
    "resolve": STAFF,  # members only for problems their unit must act on: checked on the problem
    "chart": STAFF,
    "export": LEADERS,
    "invite": ADMINS,
    "bind": ADMINS,
    "import": ADMINS,
    "settings": ADMINS,
    "dashboard": WEB_ROLES,  # the web side checks the same roles (services.dashboard)
    "screen": SCREEN_ROLES,
    "deadline": LEADERS,
    "mine": LEADERS,
    "revoke": ADMINS,
    "pack": LEADERS,
}


def app_config(context: ContextTypes.DEFAULT_TYPE) -> Config:
    return context.bot_data["config"]


def app_db(context: ContextTypes.DEFAULT_TYPE):
    return context.bot_data["db"]


def sender_row(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict | None:
    """The stored person who sent this update (None: a stranger, or no sender), read for the
    stranger check and kept on the update's context for `identify`: one look-up an update."""
    user = update.effective_user
    person = get_person(app_db(context), user.id) if user else None
    context.sender_row = person
    return person


def identify(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Caller | None:
    """The caller of this update (None for updates without a user, e.g. channel posts)."""
    user = update.effective_user
    if user is None:
        return None
    # The row the stranger check read moments ago serves once; a second call (after a handler
    # may have changed the person) reads it again.
    person = vars(context).pop("sender_row", LOOK_UP)
    return identify_user(app_db(context), app_config(context), user.id, user.full_name,
                         user.username, user.language_code, person=person)


def bound_unit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict | None:
    """The unit whose bound group this update comes from (None: a private chat or a group
    bound to no unit)."""
    chat = update.effective_chat
    if chat is None or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return None
    return group_unit(app_db(context), chat.id)


def in_chat(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> Caller:
    """The caller as far as what may be shown in this chat goes: in a unit's bound group,
    which all its members read, only that unit, whoever asks (a leader too)."""
    unit = bound_unit(update, context)
    if unit is None:
        return caller
    return replace(caller, chat_unit_id=unit["id"], chat_unit_name=unit["name"])


async def in_chat_to_write(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
                           lang: str | None = None) -> Caller | None:
    """The caller as far as what may be changed from this chat goes: `in_chat`, so in a unit's
    bound group only that unit's projects and problems, whoever writes; and a member of
    another unit not at all (they post in their own group or privately): None, after a
    one-line refusal that names no unit."""
    caller = in_chat(update, context, caller)
    if caller.chat_unit_id is not None and not caller.can_see_unit(caller.chat_unit_id):
        await update.effective_message.reply_text(t("in_group_other_unit", lang or caller.lang))
        return None
    return caller


def allowed_commands(role: str | None) -> list[str]:
    return [name for name, roles in COMMANDS.items() if role in roles]


def refusal(caller: Caller, command: str) -> str:
    """The one-line reason why `caller` may not use `command`."""
    if caller.role is None:
        return t("refused_unknown", caller.lang, command=command)
    allowed = [r for r in ("admin", "leader", "member") if r in COMMANDS[command]]
    roles = "、".join if caller.lang == "zh" else ", ".join
    return t("refused_role", caller.lang, command=command,
             roles=roles(role_label(r, caller.lang) for r in allowed),
             role=role_label(caller.role, caller.lang))


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Caller], Awaitable[None]]


def command(name: str) -> Callable[[Handler], Callable[..., Awaitable[None]]]:
    """Wrap a handler so it runs only for callers whose role the COMMANDS table allows."""
    roles = COMMANDS[name]

    def decorate(func: Handler):
        @functools.wraps(func)
        async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            caller = identify(update, context)
            if caller is None:
                return
            if caller.role not in roles:
                log.info("refused /%s for user %s (role %s)", name, caller.user_id, caller.role)
                if update.effective_message:
                    await update.effective_message.reply_text(refusal(caller, name))
                return
            await func(update, context, caller)

        return wrapper

    return decorate


def command_args(update: Update) -> str:
    """The text after the command, as typed: line breaks kept (context.args would lose them)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 and parts[0].startswith("/") else ""


def effective_config(context: ContextTypes.DEFAULT_TYPE) -> Config:
    """The configuration with /settings values applied (they win over the environment)."""
    return config_in_force(app_db(context), app_config(context))
