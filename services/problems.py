"""The problems ledger without Telegram: list, open, assign, resolve, and who is told.

The unit that must act on a problem is its acting unit, by default the project's own unit.
A problem raised by someone outside the project's unit is announced to that unit; a
handed-over one to the new unit; a resolved one to the unit that raised it (or, raised by
nobody's unit, to the person who opened it). A unit is told in its bound group, else each
member privately in their language. A command given in the unit's own group is answered once
there: its answer tells the unit, so no second message is sent.

Each command returns an `Outcome`: its answer (which names who was told) and a `Telling`, the
notices to send; the handler sends them and completes the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from config import Config
from i18n import esc, t
from reports.standing import days_since
from reports.summary import OpenProblem, fmt_date, problems_list
from services.caller import Caller, unit_suffix
from services.views import (
    Refusal,
    Views,
    clean_code,
    conceals,
    moment,
    refused_other_unit,
    unit_for,
    view,
    visible_unit_arg,
)
from storage import problems as ledger
from storage.people import get_person, unit_group, unit_members
from storage.projects import get_project

PROBLEM_MAX = 1000  # characters of a problem text
NOTE_MAX = 1000  # characters of a resolution note
NOTICE_TEXT = 500  # characters of a problem text quoted in a notice
_ID = re.compile(r"^[#＃]?(\d{1,9})$")


@view("q", "problems")
def problems_view(views: Views, config: Config, caller: Caller, arg: str) -> list[str]:
    """Open problems, oldest first: all (arg "", leaders) or those of one unit."""
    unit_id = visible_unit_arg(caller, arg)
    now = datetime.now(config.timezone)
    rows = [OpenProblem(q["id"], q["text"], days_since(moment(q["created_at"]), now),
                        q["acting_unit_name"], q["project_code"], q["project_name"])
            for q in ledger.list_open_problems(views.db, unit_id)]
    return problems_list(rows, caller.lang)


# ---------------------------------------------------------------------------- notices


@dataclass(frozen=True)
class Notice:
    chat_id: int
    text: str


@dataclass
class Telling:
    """Who is told of a change, and how the answer says so (in the caller's language).

    The group's notice is sent first; the members' only when there is no group or it could
    not be told. `here`: the group is the chat the command came from, so its answer tells it.
    """

    lang: str
    group: Notice | None = None
    here: bool = False
    members: list[Notice] = field(default_factory=list)
    to_opener: bool = False  # `members` is the one person who opened the problem

    def sentence(self, group_told: bool, members_told: int) -> str:
        """What was done, given what could be sent."""
        if self.here or group_told:
            return t("lead_told_group", self.lang)
        if self.to_opener:
            return t("lead_told_opener", self.lang) if members_told else ""
        if members_told:
            return t("lead_told_members", self.lang, n=members_told)
        return t("lead_told_nobody", self.lang)


@dataclass
class Outcome:
    """A command done: its answer, once the sentence saying who was told is known."""

    answer: Callable[[str], str]
    telling: Telling | None = None


def person_lang(person: dict, default: str) -> str:
    telegram = (person.get("language_code") or "")[:2].lower()
    return person.get("lang") or (telegram if telegram in ("zh", "en") else default)


def tell_unit(db: Database, config: Config, unit_id: int, render: Callable[[str], str],
              skip_user: int | None, lang: str, here: int | None = None) -> Telling:
    """Tell a unit: its bound group, else each member privately (not `skip_user`), each in
    their language. `here`, the chat the command came from: when it is the unit's group, the
    answer there tells the unit (a second message would repeat it)."""
    group = unit_group(db, unit_id)
    if group is not None and group == here:
        return Telling(lang, here=True)
    members = [Notice(person["user_id"], render(person_lang(person, config.language)))
               for person in unit_members(db, unit_id) if person["user_id"] != skip_user]
    return Telling(lang, group=None if group is None else Notice(group, render(config.language)),
                   members=members)


def _clip(text: str | None, limit: int = NOTICE_TEXT) -> str:
    text = " ".join((text or "").split())
    return esc(text if len(text) <= limit else text[: limit - 1] + "…")


def _who(caller: Caller, lang: str) -> str:
    """Who did it, with their unit: 张三（科创城管委会）."""
    return esc(caller.name or str(caller.user_id)) + unit_suffix(caller.unit_name, lang)


def _problem_id(text: str) -> int | None:
    match = _ID.match(text)
    return int(match.group(1)) if match else None


def _usage(caller: Caller, key: str) -> Refusal:
    return Refusal(t("usage", caller.lang, usage=t(key, caller.lang)))


def _open_problem_or_refusal(db: Database, caller: Caller, problem_id: int) -> dict:
    problem = ledger.get_problem(db, problem_id)
    units = () if problem is None else (
        problem["project_unit_id"], problem["must_act_unit_id"], problem["raised_unit_id"])
    # The caller's if one of its units is (as in /problems): its project's, the one that must
    # act, or the one that raised it; in a unit's group, that unit must be one of them.
    visible = any(caller.can_see_unit(unit_id) for unit_id in units)
    if problem is None or (not visible and conceals(caller, *units)):
        raise Refusal(t("lead_unknown_problem", caller.lang, id=problem_id))
    if not visible:
        raise refused_other_unit(caller)
    if problem["status"] != "open":
        raise Refusal(t("lead_problem_closed", caller.lang, id=problem_id,
                        date=fmt_date(moment(problem["resolved_at"]), caller.lang)
                        if problem["resolved_at"] else "—"))
    return problem


# ---------------------------------------------------------------------------- commands


def raise_problem(db: Database, config: Config, caller: Caller, args: str,
                  here: int | None) -> Outcome:
    """/problem <code> <text>: open a problem of a project (Refusal: usage, unknown, not the
    caller's, too long). `here`: the chat the command came from."""
    code, _, text = args.partition(" ")
    code, text = clean_code(code), text.strip()
    if not code or not text:
        raise _usage(caller, "lead_problem_usage")
    project = get_project(db, code)
    if project is None or (not caller.can_see_unit(project["unit_id"])
                           and conceals(caller, project["unit_id"])):
        raise Refusal(t("lead_unknown_project", caller.lang, code=esc(code[:60])))
    if not caller.can_see_unit(project["unit_id"]):
        raise refused_other_unit(caller)
    if len(text) > PROBLEM_MAX:
        raise Refusal(t("lead_problem_too_long", caller.lang, max=PROBLEM_MAX))
    problem_id = ledger.open_problem(db, project["id"], text, caller.user_id, caller.unit_id,
                                     project["unit_id"])

    def render(lang: str) -> str:
        return t("lead_notice_opened", lang, id=problem_id, code=esc(project["code"]),
                 name=_clip(project["name"], 60), text=_clip(text), who=_who(caller, lang))

    def answer(told: str) -> str:
        return t("lead_problem_opened", caller.lang, id=problem_id, code=esc(project["code"]),
                 name=_clip(project["name"], 60), text=_clip(text),
                 unit=esc(project["unit_name"]), told="\n" + told if told else "")

    telling = None
    if caller.unit_id != project["unit_id"]:  # raised by someone outside the unit: tell it
        telling = tell_unit(db, config, project["unit_id"], render, caller.user_id,
                            caller.lang, here)
    return Outcome(answer, telling)


def assign(db: Database, config: Config, caller: Caller, args: str,
           here: int | None) -> Outcome:
    """/assign <problem id> <unit>: hand a problem to a unit, which is told at once."""
    first, _, unit_name = args.partition(" ")
    problem_id, unit_name = _problem_id(first), unit_name.strip()
    if problem_id is None or not unit_name:
        raise _usage(caller, "lead_assign_usage")
    found = _open_problem_or_refusal(db, caller, problem_id)
    unit = unit_for(db, caller, unit_name)  # in a unit's group, only that unit
    ledger.assign_problem(db, problem_id, unit["id"], caller.user_id)

    def render(lang: str) -> str:
        return t("lead_notice_assigned", lang, id=problem_id, code=esc(found["project_code"]),
                 name=_clip(found["project_name"], 60), text=_clip(found["text"]),
                 who=_who(caller, lang))

    def answer(told: str) -> str:
        return t("lead_assigned", caller.lang, id=problem_id, unit=esc(unit["name"]), told=told)

    return Outcome(answer, tell_unit(db, config, unit["id"], render, caller.user_id,
                                     caller.lang, here))


def resolve(db: Database, config: Config, caller: Caller, args: str,
            here: int | None) -> Outcome:
    """/resolve <problem id> [note]: close a problem (leaders, or the unit that must act)."""
    first, _, note = args.partition(" ")
    problem_id, note = _problem_id(first), note.strip()
    if problem_id is None:
        raise _usage(caller, "lead_resolve_usage")
    found = _open_problem_or_refusal(db, caller, problem_id)
    if not caller.is_leader and caller.unit_id != found["must_act_unit_id"]:
        raise Refusal(t("lead_resolve_not_yours", caller.lang, id=problem_id,
                        unit=esc(found["acting_unit_name"])))
    if len(note) > NOTE_MAX:
        raise Refusal(t("lead_problem_too_long", caller.lang, max=NOTE_MAX))
    if not ledger.resolve_problem(db, problem_id, caller.user_id, note):
        raise Refusal(t("lead_problem_closed", caller.lang, id=problem_id, date="—"))

    def render(lang: str) -> str:
        return t("lead_notice_resolved", lang, id=problem_id, code=esc(found["project_code"]),
                 name=_clip(found["project_name"], 60), text=_clip(found["text"]),
                 note=_clip(note) if note else t("lead_no_note", lang), who=_who(caller, lang))

    def answer(told: str) -> str:
        return t("lead_resolved", caller.lang, id=problem_id, told=told).strip()

    telling = None
    raised_by, opener = found["raised_unit_id"], found["opened_by"]
    if raised_by is not None and raised_by != caller.unit_id:
        telling = tell_unit(db, config, raised_by, render, caller.user_id, caller.lang, here)
    elif raised_by is None and opener not in (None, caller.user_id):
        lang = person_lang(get_person(db, opener) or {}, config.language)
        telling = Telling(caller.lang, members=[Notice(opener, render(lang))], to_opener=True)
    return Outcome(answer, telling)
