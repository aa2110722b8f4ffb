"""The problems ledger: /problems, /problem, /assign, /resolve, and the notices they send.

The unit that must act on a problem is its acting unit, by default the project's own unit.
A handed-over problem is announced to the new unit at once (its bound group, else each member
privately); a resolved one to the unit that raised it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime

from sqlite_utils import Database
from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from config import Config
from handlers.access import Caller, app_db, command, command_args, in_chat_to_write, unit_suffix
from handlers.status import (
    Refusal,
    answer_unit_scoped_view,
    clean_code,
    moment,
    refused_other_unit,
    settings_config,
    unit_for,
    view,
    visible_unit_arg,
)
from i18n import esc, t
from reports.standing import days_since
from reports.summary import OpenProblem, fmt_date, problems_list
from storage.people import get_person, unit_group, unit_members
from storage.problems import (
    assign_problem,
    get_problem,
    list_open_problems,
    open_problem,
    resolve_problem,
)
from storage.projects import get_project

log = logging.getLogger(__name__)

PROBLEM_MAX = 1000  # characters of a problem text
NOTE_MAX = 1000  # characters of a resolution note
NOTICE_TEXT = 500  # characters of a problem text quoted in a notice
_ID = re.compile(r"^[#＃]?(\d{1,9})$")


@view("q", "problems")
def problems_view(db: Database, config: Config, caller: Caller, arg: str) -> list[str]:
    """Open problems, oldest first: all (arg "", leaders) or those of one unit."""
    unit_id = visible_unit_arg(caller, arg)
    now = datetime.now(config.timezone)
    rows = [OpenProblem(q["id"], q["text"], days_since(moment(q["created_at"]), now),
                        q["acting_unit_name"], q["project_code"], q["project_name"])
            for q in list_open_problems(db, unit_id)]
    return problems_list(rows, caller.lang)


@command("problems")
async def problems(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Open problems with their age, project and the unit that must act."""
    await answer_unit_scoped_view(update, context, caller, "q")


# ---------------------------------------------------------------------------- notices


def _person_lang(person: dict, default: str) -> str:
    telegram = (person.get("language_code") or "")[:2].lower()
    return person.get("lang") or (telegram if telegram in ("zh", "en") else default)


async def _send(bot: Bot, chat_id: int, text: str) -> bool:
    try:
        await bot.send_message(chat_id, text)
        return True
    except TelegramError as exc:  # blocked, kicked, deleted: tell the others all the same
        log.warning("could not send a problem notice to chat %s: %s", chat_id, exc)
        return False


async def tell_unit(bot: Bot, db: Database, config: Config, unit_id: int,
                    render: Callable[[str], str], skip_user: int | None, lang: str,
                    here: int | None = None) -> str:
    """Tell a unit: its bound group, else each member privately (not `skip_user`).
    What was done, as a sentence in `lang`. `here`, the chat the command came from: when it
    is the unit's group, the answer there tells the unit (a second message would repeat it)."""
    group = unit_group(db, unit_id)
    if group is not None and (group == here or await _send(bot, group, render(config.language))):
        return t("lead_told_group", lang)
    told = 0
    for person in unit_members(db, unit_id):
        if person["user_id"] != skip_user:
            text = render(_person_lang(person, config.language))
            told += await _send(bot, person["user_id"], text)
    return t("lead_told_members", lang, n=told) if told else t("lead_told_nobody", lang)


def _clip(text: str | None, limit: int = NOTICE_TEXT) -> str:
    text = " ".join((text or "").split())
    return esc(text if len(text) <= limit else text[: limit - 1] + "…")


def _who(caller: Caller, lang: str) -> str:
    """Who did it, with their unit: 张三（科创城管委会）."""
    return esc(caller.name or str(caller.user_id)) + unit_suffix(caller.unit_name, lang)


def _problem_id(text: str) -> int | None:
    match = _ID.match(text)
    return int(match.group(1)) if match else None


def _usage(caller: Caller, key: str) -> str:
    return t("usage", caller.lang, usage=t(key, caller.lang))


def _open_problem_or_refusal(db: Database, caller: Caller, problem_id: int) -> dict:
    problem = get_problem(db, problem_id)
    if problem is None:
        raise Refusal(t("lead_unknown_problem", caller.lang, id=problem_id))
    # The caller's if one of its units is (as in /problems): its project's, the one that must
    # act, or the one that raised it; in a unit's group, that unit must be one of them.
    if not any(caller.can_see_unit(unit_id) for unit_id in (
            problem["project_unit_id"], problem["must_act_unit_id"], problem["raised_unit_id"])):
        raise refused_other_unit(caller)
    if problem["status"] != "open":
        raise Refusal(t("lead_problem_closed", caller.lang, id=problem_id,
                        date=fmt_date(moment(problem["resolved_at"]), caller.lang)
                        if problem["resolved_at"] else "—"))
    return problem


# ---------------------------------------------------------------------------- commands


@command("problem")
async def problem(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Open a problem of a project: /problem <code> <text>."""
    db, caller = app_db(context), await in_chat_to_write(update, context, caller)
    if caller is None:
        return
    code, _, text = command_args(update).partition(" ")
    code, text = clean_code(code), text.strip()
    if not code or not text:
        await update.effective_message.reply_text(_usage(caller, "lead_problem_usage"))
        return
    project = get_project(db, code)
    if project is None:
        await update.effective_message.reply_text(
            t("lead_unknown_project", caller.lang, code=esc(code[:60])))
        return
    if not caller.can_see_unit(project["unit_id"]):
        await update.effective_message.reply_text(str(refused_other_unit(caller)))
        return
    if len(text) > PROBLEM_MAX:
        await update.effective_message.reply_text(
            t("lead_problem_too_long", caller.lang, max=PROBLEM_MAX))
        return
    problem_id = open_problem(db, project["id"], text, caller.user_id, caller.unit_id,
                              project["unit_id"])
    told = ""
    if caller.unit_id != project["unit_id"]:  # raised by someone outside the unit: tell it

        def render(lang: str) -> str:
            return t("lead_notice_opened", lang, id=problem_id, code=esc(project["code"]),
                     name=_clip(project["name"], 60), text=_clip(text), who=_who(caller, lang))

        config = settings_config(db, context.bot_data["config"])
        told = "\n" + await tell_unit(context.bot, db, config, project["unit_id"], render,
                                      caller.user_id, caller.lang, update.effective_chat.id)
    await update.effective_message.reply_text(t(
        "lead_problem_opened", caller.lang, id=problem_id, code=esc(project["code"]),
        name=_clip(project["name"], 60), text=_clip(text), unit=esc(project["unit_name"]),
        told=told))


@command("assign")
async def assign(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Hand a problem to a unit, which is told at once: /assign <problem id> <unit>."""
    db, caller = app_db(context), await in_chat_to_write(update, context, caller)
    if caller is None:
        return
    first, _, unit_name = command_args(update).partition(" ")
    problem_id, unit_name = _problem_id(first), unit_name.strip()
    if problem_id is None or not unit_name:
        await update.effective_message.reply_text(_usage(caller, "lead_assign_usage"))
        return
    try:
        found = _open_problem_or_refusal(db, caller, problem_id)
        unit = unit_for(db, caller, unit_name)  # in a unit's group, only that unit
    except Refusal as refusal:
        await update.effective_message.reply_text(str(refusal))
        return
    assign_problem(db, problem_id, unit["id"], caller.user_id)

    def render(lang: str) -> str:
        return t("lead_notice_assigned", lang, id=problem_id, code=esc(found["project_code"]),
                 name=_clip(found["project_name"], 60), text=_clip(found["text"]),
                 who=_who(caller, lang))

    config = settings_config(db, context.bot_data["config"])
    told = await tell_unit(context.bot, db, config, unit["id"], render, caller.user_id,
                           caller.lang, update.effective_chat.id)
    await update.effective_message.reply_text(
        t("lead_assigned", caller.lang, id=problem_id, unit=esc(unit["name"]), told=told))


@command("resolve")
async def resolve(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Close a problem (leaders, or the unit that must act): /resolve <problem id> [note]."""
    db, caller = app_db(context), await in_chat_to_write(update, context, caller)
    if caller is None:
        return
    first, _, note = command_args(update).partition(" ")
    problem_id, note = _problem_id(first), note.strip()
    if problem_id is None:
        await update.effective_message.reply_text(_usage(caller, "lead_resolve_usage"))
        return
    try:
        found = _open_problem_or_refusal(db, caller, problem_id)
        if not caller.is_leader and caller.unit_id != found["must_act_unit_id"]:
            raise Refusal(t("lead_resolve_not_yours", caller.lang, id=problem_id,
                            unit=esc(found["acting_unit_name"])))
        if len(note) > NOTE_MAX:
            raise Refusal(t("lead_problem_too_long", caller.lang, max=NOTE_MAX))
    except Refusal as refusal:
        await update.effective_message.reply_text(str(refusal))
        return
    if not resolve_problem(db, problem_id, caller.user_id, note):
        await update.effective_message.reply_text(
            t("lead_problem_closed", caller.lang, id=problem_id, date="—"))
        return

    def render(lang: str) -> str:
        return t("lead_notice_resolved", lang, id=problem_id, code=esc(found["project_code"]),
                 name=_clip(found["project_name"], 60), text=_clip(found["text"]),
                 note=_clip(note) if note else t("lead_no_note", lang), who=_who(caller, lang))

    config = settings_config(db, context.bot_data["config"])
    told = ""
    raised_by = found["raised_unit_id"]
    if raised_by is not None and raised_by != caller.unit_id:
        told = await tell_unit(context.bot, db, config, raised_by, render, caller.user_id,
                               caller.lang, update.effective_chat.id)
    elif raised_by is None and found["opened_by"] not in (None, caller.user_id):
        opener = get_person(db, found["opened_by"]) or {}
        if await _send(context.bot, found["opened_by"],
                       render(_person_lang(opener, config.language))):
            told = t("lead_told_opener", caller.lang)
    await update.effective_message.reply_text(
        t("lead_resolved", caller.lang, id=problem_id, told=told).strip())
