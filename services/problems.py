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

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlite_utils import Database

from config import Config
from i18n import esc, t
from parsing.deadlines import extract_deadline, parse_date
from reports.standing import days_since
from reports.states import Shared, shared_text
from reports.summary import (
    ESCALATE_DAYS,
    TG_LIMIT,
    OpenProblem,
    fmt_date,
    paginate,
    problem_order,
    problem_size,
    problems_pages,
)
from services.caller import Caller, unit_suffix
from services.deadlines import due_of
from services.people import people_langs
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
from storage.people import get_person, get_unit, unit_group, unit_members
from storage.projects import changed_projects, get_project

PROBLEM_MAX = 1000  # characters of a problem text
NOTE_MAX = 1000  # characters of a resolution note
NOTICE_TEXT = 500  # characters of a problem text quoted in a notice
HISTORY_MAX = 30  # events shown by /problem <id>
_ID = re.compile(r"^[#＃]?(\d{1,9})$")


@view("q", "problems")
def problems_view(views: Views, config: Config, caller: Caller, arg: str) -> Sequence[str]:
    """Open problems, overdue first: all (arg "", leaders) or those of one unit. Built once
    per version of the data (a problem's or project's change, a ladder step, a new day, other
    settings): a ◀ ▶ tap or the same command again reads and formats nothing; after a change
    only the changed problems are read again (OpenProblems)."""
    unit_id = visible_unit_arg(caller, arg)

    def build(items: list, now: datetime) -> Sequence[str]:
        kept = views.kept.setdefault("open problems", OpenProblems())
        rows = kept.rows_at(views.db, config, now)
        if unit_id is not None:
            rows = [row for row in rows if unit_id in row.units]
        rows.sort(key=ORDER)
        return problems_pages([row.problem for row in rows], caller.lang, today=now.date(),
                              presorted=True, sizes=kept.sizes(rows, caller.lang, now.date()))

    key = ("q", arg, caller.lang, config, ledger.problems_version(views.db))
    return views.reused(config, key, build)


@dataclass(frozen=True, slots=True)
class KeptProblem:
    """An open problem as /problems lists it, with what it is found by."""

    problem: OpenProblem
    project_id: int
    units: tuple[int, ...]  # the units it has to do with (storage.problems._open_of_unit)
    order: tuple  # where it is listed (reports.summary.problem_order), the day it was read


ORDER = operator.attrgetter("order")


@dataclass
class OpenProblems:
    """Every open problem, kept between reads: on each read only the problems changed since
    (a problem event after the last one seen) and those of projects changed since (the
    project change log, which a problem's own row changing moves) are read again; a new day,
    other settings or a change log that does not reach back read them all."""

    key: tuple | None = None
    seq: int = 0  # the last project change seen
    event: int = 0  # the last problem event seen
    rows: dict[int, KeptProblem] = field(default_factory=dict)
    # language -> problem id -> its problem_size on the day read (kept while it stays open
    # and unchanged: a page cut of 5,000 problems formats only the changed ones again)
    measured: dict[str, dict[int, int]] = field(default_factory=dict)
    shared: Shared = field(default_factory=Shared)  # the few due days and sets of units

    def rows_at(self, db: Database, config: Config, now: datetime) -> list[KeptProblem]:
        key = (now.date(), str(now.tzinfo), config.timezone, config.problem_days)
        seq, changed = changed_projects(db, self.seq)
        event = ledger.problems_version(db)
        if key != self.key or changed is None:
            self.rows, self.measured, self.shared = {}, {}, Shared()
            self.rows = {row.problem.id: row for row in map(
                lambda q: kept_problem(q, config, now, self.shared),
                ledger.list_open_problems(db))}
        elif changed or event != self.event:
            problems = ledger.problems_with_events_after(db, self.event)
            for problem_id in [i for i, row in self.rows.items()
                               if i in problems or row.project_id in changed]:
                del self.rows[problem_id]
                for sizes in self.measured.values():
                    sizes.pop(problem_id, None)
            self.rows.update((q["id"], kept_problem(q, config, now, self.shared))
                             for q in ledger.open_problems_among(db, problems, changed))
        self.key, self.seq, self.event = key, seq, event
        return list(self.rows.values())

    def sizes(self, rows: Sequence[KeptProblem], lang: str, today: date) -> list[int]:
        """The problem_size of each of `rows` (read by the last rows_at, on `today`) in `lang`."""
        measured = self.measured.setdefault(lang, {})
        for row in rows:
            if row.problem.id not in measured:
                measured[row.problem.id] = problem_size(row.problem, lang, today, ESCALATE_DAYS)
        return [measured[row.problem.id] for row in rows]


def kept_problem(q: dict, config: Config, now: datetime,
                 shared: Shared | None = None) -> KeptProblem:
    """An open problem's row as kept; its unit's and project's names are the one copy the
    projects' states and the ledger index keep too (reports.states), its due day and units
    the objects of the other problems in `shared`."""
    one = (shared or Shared()).one
    problem = OpenProblem(q["id"], q["text"], days_since(moment(q["created_at"]), now),
                          shared_text(q["acting_unit_name"]), shared_text(q["project_code"]),
                          shared_text(q["project_name"]), one(due_of(q, config)))
    units = (q["project_unit_id"], q["must_act_unit_id"], q["raised_unit_id"])
    return KeptProblem(problem, q["project_id"],
                       one(tuple(dict.fromkeys(one(u) for u in units if u is not None))),
                       problem_order(problem, now.date()))


CLOSED_DAYS = 30  # /problems closed: problems closed this many days back
CLOSED_WORDS = ("closed", "已销号", "销号")


@view("c", "problems")
def closed_view(views: Views, config: Config, caller: Caller, arg: str) -> list[str]:
    """/problems closed: the last CLOSED_DAYS days' closed problems, newest first, with who
    confirmed them: all (arg "", leaders) or those of one unit."""
    unit_id = visible_unit_arg(caller, arg)
    lang = caller.lang
    since = (datetime.now(config.timezone) - timedelta(days=CLOSED_DAYS)).astimezone(UTC)
    rows = ledger.closed_since(views.db, since.isoformat(timespec="seconds"), unit_id)
    blocks = []
    for q in rows:
        how = q["confirmation"] or "leader"
        who = esc(q["confirmer_name"] or str(q["confirmed_by"] or q["resolved_by"] or ""))
        when = fmt_date(moment(q["confirmed_at"] or q["resolved_at"]), lang, config.timezone)
        blocks.append(t("loop_closed_item", lang, id=q["id"], code=esc(q["project_code"]),
                        text=clip(q["text"], 120), unit=esc(q["acting_unit_name"] or "—"),
                        date=when, how=t(f"loop_closed_{how}", lang, who=who)))
    header = t("loop_closed_title", lang, days=CLOSED_DAYS, n=len(rows))
    if not blocks:
        return [f"{header}\n{t('loop_closed_none', lang)}"]
    return [f"{header}\n{page}" for page in paginate(blocks, TG_LIMIT - 200)]


# ---------------------------------------------------------------------------- notices


@dataclass(frozen=True)
class Notice:
    chat_id: int
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (label, callback data) of buttons under it
    problem_id: int | None = None  # remembered: a file sent in reply to it is evidence


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
    problem_id: int | None = None  # the answer is about this problem (a reply to it: evidence)


def tell_unit(db: Database, config: Config, unit_id: int, render: Callable[[str], str],
              skip_user: int | None, lang: str, here: int | None = None, *,
              buttons: Callable[[str], tuple] = lambda lang: (),
              problem_id: int | None = None) -> Telling:
    """Tell a unit: its bound group, else each member privately (not `skip_user`), each in
    their language. `here`, the chat the command came from: when it is the unit's group, the
    answer there tells the unit (a second message would repeat it)."""
    group = unit_group(db, unit_id)
    if group is not None and group == here:
        return Telling(lang, here=True)

    def notice(chat_id: int, lang: str) -> Notice:
        return Notice(chat_id, render(lang), buttons(lang), problem_id)

    told = [person for person in unit_members(db, unit_id) if person["user_id"] != skip_user]
    langs = people_langs(db, told, config.language)
    members = [notice(person["user_id"], langs[person["user_id"]]) for person in told]
    return Telling(lang, group=None if group is None else notice(group, config.language),
                   members=members)


def clip(text: str | None, limit: int = NOTICE_TEXT) -> str:
    text = " ".join((text or "").split())
    return esc(text if len(text) <= limit else text[: limit - 1] + "…")


def _who(caller: Caller, lang: str) -> str:
    """Who did it, with their unit: 张三（科创城管委会）."""
    return esc(caller.name or str(caller.user_id)) + unit_suffix(caller.unit_name, lang)


def _problem_id(text: str) -> int | None:
    match = _ID.match(text)
    return int(match.group(1)) if match else None


def _id_and_text(caller: Caller, args: str, usage_key: str) -> tuple[int, str]:
    """`<problem id> <text>`, both needed (Refusal: the usage)."""
    first, _, text = args.partition(" ")
    problem_id, text = _problem_id(first), text.strip()
    if problem_id is None or not text:
        raise _usage(caller, usage_key)
    return problem_id, text


def _usage(caller: Caller, key: str) -> Refusal:
    return Refusal(t("usage", caller.lang, usage=t(key, caller.lang)))


def _sees_problem(caller: Caller, problem: dict) -> bool:
    """The caller's if one of its units is (as in /problems): its project's, the one that must
    act, or the one that raised it; in a unit's group, that unit must be one of them."""
    return any(caller.can_see_unit(unit_id) for unit_id in (
        problem["project_unit_id"], problem["must_act_unit_id"], problem["raised_unit_id"]))


def _visible_problem(db: Database, caller: Caller, problem_id: int) -> dict:
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
    return problem


def _open_problem_or_refusal(db: Database, caller: Caller, problem_id: int) -> dict:
    problem = _visible_problem(db, caller, problem_id)
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
    if _problem_id(code) is not None and not text.strip():  # /problem <id>: its history
        shown = "\n".join(history(db, config, caller, _problem_id(code)))
        return Outcome(lambda told: shown)
    code = clean_code(code)
    due, text = extract_deadline(text.strip(), datetime.now(config.timezone).date())
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
                                     project["unit_id"], due.isoformat() if due else None)
    limit = due or due_of(ledger.get_problem(db, problem_id), config)

    def render(lang: str) -> str:
        return t("lead_notice_opened", lang, id=problem_id, code=esc(project["code"]),
                 name=clip(project["name"], 60), text=clip(text), who=_who(caller, lang)
                 ) + t("loop_opened_due", lang, date=fmt_date(limit, lang))

    def answer(told: str) -> str:
        return t("lead_problem_opened", caller.lang, id=problem_id, code=esc(project["code"]),
                 name=clip(project["name"], 60), text=clip(text),
                 unit=esc(project["unit_name"]),
                 told=t("loop_opened_due", caller.lang, date=fmt_date(limit, caller.lang))
                 + ("\n" + told if told else ""))

    telling = None
    if caller.unit_id != project["unit_id"]:  # raised by someone outside the unit: tell it
        telling = tell_unit(db, config, project["unit_id"], render, caller.user_id,
                            caller.lang, here, problem_id=problem_id)
    return Outcome(answer, telling, problem_id)


def assign(db: Database, config: Config, caller: Caller, args: str,
           here: int | None) -> Outcome:
    """/assign <problem id> <unit>: hand a problem to a unit, which is told at once."""
    problem_id, unit_name = _id_and_text(caller, args, "lead_assign_usage")
    found = _open_problem_or_refusal(db, caller, problem_id)
    unit = unit_for(db, caller, unit_name)  # in a unit's group, only that unit
    ledger.assign_problem(db, problem_id, unit["id"], caller.user_id)

    def render(lang: str) -> str:
        return t("lead_notice_assigned", lang, id=problem_id, code=esc(found["project_code"]),
                 name=clip(found["project_name"], 60), text=clip(found["text"]),
                 who=_who(caller, lang))

    def answer(told: str) -> str:
        return t("lead_assigned", caller.lang, id=problem_id, unit=esc(unit["name"]), told=told)

    return Outcome(answer, tell_unit(db, config, unit["id"], render, caller.user_id,
                                     caller.lang, here, problem_id=problem_id), problem_id)


CONFIRM_BUTTON = "pc:"  # pc:<problem id>:<resolution event id>:y (confirm) | n (reopen)


def confirm_buttons(problem_id: int, event_id: int, lang: str) -> tuple[tuple[str, str], ...]:
    data = f"{CONFIRM_BUTTON}{problem_id}:{event_id}"
    return ((t("loop_confirm", lang), f"{data}:y"), (t("loop_reopen", lang), f"{data}:n"))


def _raised_by_caller(found: dict, caller: Caller) -> bool:
    """The caller's own side raised it: nobody else is there to confirm the resolution."""
    raised_by, opener = found["raised_unit_id"], found["opened_by"]
    if raised_by is not None:
        return raised_by == caller.unit_id
    return opener in (None, caller.user_id)


def resolve(db: Database, config: Config, caller: Caller, args: str,
            here: int | None) -> Outcome:
    """/resolve <problem id> [note]: a leader's closes the problem at once; the acting unit's
    waits for the side that raised it to confirm (销号) or reopen it (buttons), unless that
    side is the acting unit itself."""
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
    confirmation = ("leader" if caller.is_leader else "own" if _raised_by_caller(found, caller)
                    else None)
    if not ledger.resolve_problem(db, problem_id, caller.user_id, note, confirmation):
        raise Refusal(t("lead_problem_closed", caller.lang, id=problem_id, date="—"))
    event_id = ledger.last_event_id(db, problem_id, "resolved")
    waits = confirmation is None

    def render(lang: str) -> str:
        return t("loop_notice_awaiting" if waits else "lead_notice_resolved", lang,
                 id=problem_id, code=esc(found["project_code"]),
                 name=clip(found["project_name"], 60), text=clip(found["text"]),
                 note=clip(note) if note else t("lead_no_note", lang), who=_who(caller, lang),
                 days=config.confirm_days)

    def answer(told: str) -> str:
        return t("loop_resolved_awaiting" if waits else "lead_resolved", caller.lang,
                 id=problem_id, told=told).strip()

    def buttons(lang: str) -> tuple[tuple[str, str], ...]:
        return confirm_buttons(problem_id, event_id, lang) if waits else ()

    telling = None
    raised_by, opener = found["raised_unit_id"], found["opened_by"]
    if raised_by is not None and raised_by != caller.unit_id:
        telling = tell_unit(db, config, raised_by, render, caller.user_id, caller.lang, here,
                            buttons=buttons, problem_id=problem_id)
    elif raised_by is None and opener not in (None, caller.user_id):
        person = get_person(db, opener)
        lang = people_langs(db, [person], config.language)[opener] if person else config.language
        telling = Telling(caller.lang, members=[Notice(opener, render(lang), buttons(lang),
                                                       problem_id)], to_opener=True)
    return Outcome(answer, telling, problem_id)


def answer_resolution(db: Database, config: Config, caller: Caller, data: str) -> Outcome:
    """A confirm (销号) or reopen tap under a resolution awaiting confirmation. Refusal for a
    forged tap (not the raising side) or a stale one (confirmed, reopened or resolved again
    since): nothing changes. A reopening asks its reason (the answer is the question)."""
    match = re.fullmatch(rf"{CONFIRM_BUTTON}(\d{{1,9}}):(\d{{1,12}}):([yn])", data or "")
    if match is None:
        raise Refusal(t("lead_cb_expired", caller.lang))
    problem_id, event_id, confirm = int(match[1]), int(match[2]), match[3] == "y"
    found = ledger.get_problem(db, problem_id)
    if found is None:
        raise Refusal(t("lead_cb_expired", caller.lang))
    raiser = (caller.can_see_unit(found["raised_unit_id"]) if found["raised_unit_id"]
              else caller.user_id == found["opened_by"] or caller.sees_all)
    if not raiser:
        raise Refusal(t("lead_cb_refused", caller.lang))
    if not ledger.answer_resolution(db, problem_id, event_id, caller.user_id, confirm):
        raise Refusal(t("loop_cb_stale", caller.lang, id=problem_id))

    def render(lang: str) -> str:
        return t("loop_notice_confirmed" if confirm else "loop_notice_reopened", lang,
                 id=problem_id, code=esc(found["project_code"]),
                 name=clip(found["project_name"], 60), text=clip(found["text"]),
                 who=_who(caller, lang))

    def answer(told: str) -> str:
        return t("loop_confirmed" if confirm else "loop_reopened", caller.lang, id=problem_id,
                 told=told).strip()

    return Outcome(answer, tell_unit(db, config, found["must_act_unit_id"], render,
                                     caller.user_id, caller.lang, problem_id=problem_id))


def give_reason(db: Database, config: Config, caller: Caller, chat_id: int,
                question_id: int, reason: str) -> Outcome | None:
    """A reply to the bot's "why reopened?" question: recorded and passed to the acting unit
    (None: the message answers no open question)."""
    asked = ledger.reopen_question(db, chat_id, question_id)
    if asked is None:
        return None
    reason = reason.strip()[:NOTE_MAX]
    ledger.update_event(db, asked["id"], reason=reason)
    found = ledger.get_problem(db, asked["problem_id"])

    def render(lang: str) -> str:
        return t("loop_notice_reason", lang, id=found["id"], code=esc(found["project_code"]),
                 text=clip(found["text"]), reason=clip(reason), who=_who(caller, lang))

    def answer(told: str) -> str:
        return t("loop_reason_saved", caller.lang, id=found["id"], told=told).strip()

    return Outcome(answer, tell_unit(db, config, found["must_act_unit_id"], render,
                                     caller.user_id, caller.lang, problem_id=found["id"]))


def asked_reason(db: Database, problem_id: int, chat_id: int, message_id: int) -> None:
    """The reopen answer (which asks the reason) went out as this message."""
    event_id = ledger.last_event_id(db, problem_id, "reopened")
    if event_id is not None:
        ledger.update_event(db, event_id, ask_chat=chat_id, ask_message=message_id)


def remember_message(db: Database, notice: Notice, message_id: int) -> None:
    if notice.problem_id is not None:
        ledger.note_message(db, notice.problem_id, notice.chat_id, message_id)


def remember_answer(db: Database, problem_id: int, chat_id: int, message_id: int) -> None:
    ledger.note_message(db, problem_id, chat_id, message_id)


def attach_evidence(db: Database, caller: Caller, chat_id: int, replied_id: int,
                    file_id: str, kind: str, caption: str) -> Outcome | None:
    """A photo or file sent in reply to the bot's message about a problem: attached to it as
    evidence (None: the message was about no problem; Refusal: another unit's problem)."""
    problem_id = ledger.problem_of_message(db, chat_id, replied_id)
    if problem_id is None:
        return None
    found = ledger.get_problem(db, problem_id)
    if not _sees_problem(caller, found) and caller.user_id != found["opened_by"]:
        raise refused_other_unit(caller)
    ledger.record_event(db, problem_id, "evidence", caller.user_id, file_id=file_id,
                        file_kind=kind[:100], caption=caption.strip()[:NOTE_MAX] or None)

    def answer(told: str) -> str:
        return t("loop_evidence_saved", caller.lang, id=problem_id)

    return Outcome(answer, None, problem_id)


def set_deadline(db: Database, config: Config, caller: Caller, args: str,
                 here: int | None) -> Outcome:
    """/deadline <problem id> <date>: a new time limit (leaders); the acting unit is told."""
    problem_id, written = _id_and_text(caller, args, "loop_deadline_usage")
    found = _open_problem_or_refusal(db, caller, problem_id)
    today = datetime.now(config.timezone).date()
    due = parse_date(written, today)
    if due is None:
        raise Refusal(t("loop_bad_date", caller.lang, text=clip(written, 40)))
    if due < today:
        raise Refusal(t("loop_past_date", caller.lang, date=fmt_date(due, caller.lang)))
    ledger.set_deadline(db, problem_id, due.isoformat(), caller.user_id)

    def render(lang: str) -> str:
        return t("loop_notice_deadline", lang, id=problem_id, date=fmt_date(due, lang),
                 code=esc(found["project_code"]), name=clip(found["project_name"], 60),
                 text=clip(found["text"]), who=_who(caller, lang))

    def answer(told: str) -> str:
        return t("loop_deadline_set", caller.lang, id=problem_id,
                 date=fmt_date(due, caller.lang), told=told).strip()

    return Outcome(answer, tell_unit(db, config, found["must_act_unit_id"], render,
                                     caller.user_id, caller.lang, here, problem_id=problem_id),
                   problem_id)


# ---------------------------------------------------------------------------- history


def _event_line(db: Database, event: dict, lang: str, tz) -> str:
    detail = event["detail"]
    who = esc(event["actor_name"] or (str(event["actor_id"]) if event["actor_id"] else ""))
    values = {"who": who or t("loop_ev_bot", lang)}
    kind = event["kind"]
    if kind == "assigned":
        unit = get_unit(db, detail.get("unit_id"))
        values["unit"] = esc(unit["name"]) if unit else "—"
    elif kind in ("deadline", "opened", "overdue"):
        values["date"] = detail.get("due") or "—"
    elif kind == "escalated":
        values["n"] = detail.get("days", "?")
    elif kind == "resolved":
        values["note"] = clip(detail.get("note"), 200) if detail.get("note") else t(
            "lead_no_note", lang)
    elif kind == "confirmed":
        kind = "confirmed_auto" if detail.get("how") == "auto" else kind
    elif kind == "reopened":
        values["reason"] = clip(detail.get("reason"), 200) if detail.get("reason") else "—"
    elif kind == "evidence":
        values["what"] = esc(detail.get("file_kind") or "")
        values["caption"] = clip(detail.get("caption"), 100) if detail.get("caption") else ""
    if kind == "opened" and not detail.get("due"):
        kind = "opened_default"
    when = moment(event["at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return f"{when} " + t(f"loop_ev_{kind}", lang, **values)


def history(db: Database, config: Config, caller: Caller, problem_id: int) -> list[str]:
    """/problem <id>: one problem, its limit and standing, and everything that happened to it
    (opened, assigned, limits, ladder steps, resolution, confirmation, evidence)."""
    q = _visible_problem(db, caller, problem_id)
    lang, today = caller.lang, datetime.now(config.timezone).date()
    due = due_of(q, config)
    late = (today - due).days if q["status"] == "open" else 0
    lines = [t("loop_hist_title", lang, id=q["id"], code=esc(q["project_code"]),
               name=clip(q["project_name"], 60)), clip(q["text"]),
             t("loop_hist_state", lang, state=t(f"loop_state_{q['status']}", lang),
               unit=esc(q["acting_unit_name"] or "—"), date=fmt_date(due, lang),
               late=t("loop_overdue_flag", lang, n=late) if late > 0 else ""),
             "", t("loop_hist_events", lang)]
    events = ledger.problem_events(db, problem_id)
    if not any(e["kind"] == "opened" for e in events):  # opened before events were kept
        events.insert(0, {"kind": "opened", "at": q["created_at"], "actor_id": q["opened_by"],
                          "actor_name": (get_person(db, q["opened_by"]) or {}).get("name")
                          if q["opened_by"] else None, "detail": {}})
    if len(events) > HISTORY_MAX:  # the first and the latest: one message
        events = events[:1] + events[1 - HISTORY_MAX:]
    lines += [_event_line(db, e, lang, config.timezone) for e in events]
    return lines
