"""Status intake: a unit head's message read against the ledger, checked, stored and confirmed.

The handler gives the caller (already scoped to the chat: services.caller.Caller) and the
message's text; these functions say what to answer, and store what may be stored.
"""

from __future__ import annotations

import functools
import json
import math
import re
import secrets
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlite_utils import Database

from config import Config
from i18n import esc, t
from parsing.language import detect_language
from parsing.projects import index_for
from parsing.status import ParsedMessage, ProjectRef, ProjectReport, has_status_words, parse_message
from reports.investment import YEAR
from reports.standing import ON_TRACK
from reports.states import items_from_rows, moment
from reports.summary import fmt_amount
from services.caller import Caller, not_yours_here
from services.settings import effective_config, thresholds
from storage.projects import (
    aliases_of,
    get_project_by_id,
    ledger_entries,
    ledger_version,
    progress_before,
    progress_history,
    state_after_update,
)
from storage.updates import (
    CONFIRM,
    NewUpdate,
    attach_files,
    correct_updates,
    last_update_by,
    store_updates,
    updates_of_message,
)

MAX_TEXT = 4096
MAX_AMOUNT_SHOWN = {"zh": "1万亿元", "en": "1 trillion yuan"}  # parsing.ledger.MAX_AMOUNT 万元
PHOTO_WINDOW = timedelta(hours=1)  # a photo without a caption joins an update this recent

# The control characters (Unicode category Cc: U+0000–U+001F, U+007F–U+009F) but tab and newline.
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str | None) -> str:
    """The text as stored: control characters (NUL included) removed, length bounded."""
    return CONTROL_RE.sub("", text or "").strip()[:MAX_TEXT]


def reply_language(text: str, caller: Caller) -> str:
    return detect_language(text) or caller.lang


# --- the ledger the messages are read against ------------------------------------------------

def project_ref(row: dict, kind: type[ProjectRef] = ProjectRef, **more) -> ProjectRef:
    """A ledger row (with its unit_name) as the parser matches it (a `kind` of ProjectRef,
    with `more` fields); its texts interned, so the ledger index and the projects' states
    share one copy (reports.states keeps the same)."""
    return kind(code=sys.intern(row["code"]), name=sys.intern(row["name"]),
                unit=sys.intern(row["unit_name"]), aliases=tuple(aliases_of(row)),
                active=bool(row["active"]), **more)


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerProject(ProjectRef):
    """A project as the ledger index keeps it: what matching a message (it is the parser's
    ProjectRef itself) and storing an update need, nothing else (20,000 of these stay in
    memory, and the parser's index holds the same objects)."""

    id: int
    unit_id: int
    total_investment: float | None

    def row(self) -> dict:
        """As a ledger row: the keys of `storage.projects.ledger_entries`, aliases a list."""
        return {"id": self.id, "code": self.code, "name": self.name, "unit_id": self.unit_id,
                "unit_name": self.unit, "aliases": list(self.aliases), "active": int(self.active),
                "total_investment": self.total_investment}


def ledger_project(row: dict) -> LedgerProject:
    """`storage.projects.ledger_entries`' row in compact form."""
    return project_ref(row, LedgerProject, id=row["id"], unit_id=row["unit_id"],
                       total_investment=row["total_investment"])


@dataclass(frozen=True)
class LedgerIndex:
    """The projects status messages are matched against, as of one ledger version, in code
    order; they are the parser's refs too (`refs`: the same tuple)."""

    version: int
    projects: tuple[LedgerProject, ...]
    by_code: dict[str, LedgerProject]

    @property
    def refs(self) -> tuple[ProjectRef, ...]:
        return self.projects


@functools.lru_cache(maxsize=4)
def _index_at(db: Database, version: int) -> LedgerIndex:
    projects = tuple(ledger_project(row) for row in ledger_entries(db))
    return LedgerIndex(version, projects, {p.code: p for p in projects})


def ledger_index(db: Database) -> LedgerIndex:
    """The ledger, read again only when a project or unit changed (in any process) since."""
    return _index_at(db, ledger_version(db))


@functools.lru_cache(maxsize=64)
def _unit_refs(db: Database, version: int, unit_id: int | None) -> tuple[ProjectRef, ...]:
    return tuple(p for p in _index_at(db, version).projects if p.unit_id == unit_id)


def refs_for(db: Database, index: LedgerIndex, caller: Caller) -> tuple[ProjectRef, ...]:
    """The projects `caller`'s messages are read against: a member's own unit's only, so
    another unit's code is as unknown to them as one that does not exist, and its names and
    aliases match nothing (leaders, and in a unit's group whose answers quote nothing: all)."""
    if caller.is_leader or caller.chat_unit_id is not None:
        return index.refs
    return _unit_refs(db, index.version, caller.unit_id)


def warm_ledger_index(db: Database) -> None:
    """Read the ledger and build the index leaders' messages are matched against, before the
    first message needs them (20,000 projects take seconds)."""
    index_for(ledger_index(db).refs)


# --- refusal rules ---------------------------------------------------------------------------

def sender_refusal(caller: Caller, lang: str, *, forwarded: bool) -> str | None:
    """Why a private message from this sender is no status update at all, or None."""
    if caller.role is None:
        return t("in_not_registered", lang)
    if forwarded:  # someone else's words: not the sender's report
        return t("in_forwarded", lang)
    return None


def scope_unit(caller: Caller) -> str | None:
    """The unit whose projects are meant when none is named: the group's, else the sender's."""
    return caller.chat_unit_name or caller.unit_name


def out_of_range_value(text: str) -> str:
    """The figure the sender wrote as progress: a percentage, else a number over 100."""
    percent = re.search(r"-?\d+(?:\.\d+)?\s*[%％]", text)
    if percent:
        return percent.group(0)
    big = [n for n in re.findall(r"\d+(?:\.\d+)?", text) if float(n) > 100]
    return big[0] if big else text[:20]


def other_unit_refusal(caller: Caller, project: dict, lang: str) -> str:
    """The caller wrote about a project that is not theirs to change here. In a unit's group,
    which the whole unit reads, no project or unit is named: anyone but that unit's own member
    is pointed to the private chat (services.caller.not_yours_here)."""
    if caller.chat_unit_id is None:
        return t("in_other_unit", lang, code=esc(project["code"]))
    return not_yours_here(caller, lang)


def report_refusal(reports: Sequence[ProjectReport], by_code: dict[str, LedgerProject],
                   caller: Caller, lang: str) -> str | None:
    """Why these reports must not be stored, or None: a progress outside 0–100, a project of
    another unit, or (when no project could be told) a code that names no project."""
    for report in reports:
        if report.progress_error:
            return t("in_out_of_range", lang, value=esc(out_of_range_value(report.text)))
        if report.project and not caller.can_see_unit(by_code[report.project].unit_id):
            return other_unit_refusal(caller, by_code[report.project].row(), lang)
    unknown = next((r.unknown_code for r in reports if r.project is None and r.unknown_code), None)
    if unknown:
        return t("in_unknown_code", lang, code=esc(unknown.upper()))
    return None


# --- reading a message -----------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """A status message read: refused (with the answer), about projects, or to be asked about."""

    lang: str  # the reply language: the message's own, else the caller's
    refusal: str | None = None
    reports: list[ProjectReport] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)  # each report's project
    candidates: tuple[str, ...] = ()  # near matches of a mistyped name: asked about first

    @property
    def ask_project(self) -> bool:
        """Which project it is about could not be told: ask (buttons of the unit's projects)."""
        return self.refusal is None and not self.reports


def names_a_project(parsed: ParsedMessage) -> bool:
    return any(r.project or r.candidates or r.unknown_code for r in parsed.reports)


def says_nothing(parsed: ParsedMessage, text: str, refs: tuple[ProjectRef, ...]) -> bool:
    """Nothing a status update has: no figure, stage, problem or next step, no word of
    progress, and no project named (the unit's only project, taken when none is, is not)."""
    if any(r.progress is not None or r.progress_error or r.stage or r.invested is not None
           or r.problems or r.next_steps or r.parts or r.no_problems for r in parsed.reports):
        return False
    if re.search(r"\d", text) or has_status_words(text):
        return False
    return not names_a_project(parsed if parsed.ambiguous else parse_message(text, refs, None))


def not_understood(db: Database, caller: Caller, lang: str) -> str:
    """A short "not understood", with an example on one of the sender's own projects."""
    _, projects = projects_to_ask(db, caller)
    code = projects[0]["code"] if projects else ("QB-001" if lang == "zh" else "ZQ-101")
    return t("in_not_understood", lang, code=esc(code))


def read_status(db: Database, caller: Caller, text: str, lang: str, *,
                with_files: bool = False) -> Reading:
    """Parse and check `text` (already `clean_text`) from `caller`, scoped to the chat.
    `with_files`: the text is a caption, so what it says nothing about may still be an update."""
    if not text:
        return Reading(lang, t("in_empty", lang))
    index = ledger_index(db)
    parsed = parse_message(text, refs_for(db, index, caller), scope_unit(caller))
    lang = parsed.lang or lang
    refusal = report_refusal(parsed.reports, index.by_code, caller, lang)
    if refusal:
        return Reading(lang, refusal)
    if not with_files and says_nothing(parsed, text, index.refs):
        return Reading(lang, not_understood(db, caller, lang))
    if parsed.ambiguous or not parsed.reports:
        candidates = tuple(c for r in parsed.reports for c in r.candidates)
        return Reading(lang, candidates=candidates)
    return Reading(lang, reports=parsed.reports,
                   projects=[index.by_code[r.project].row() for r in parsed.reports])


def projects_to_ask(db: Database, caller: Caller, first: Sequence[str] = ()
                    ) -> tuple[str | None, list[dict]]:
    """The unit meant, and its active projects: the buttons of "which project is it?"; the
    codes in `first` (near matches of what was written) lead."""
    unit = scope_unit(caller)
    if not unit:
        return None, []
    projects = [p.row() for p in ledger_index(db).projects if p.unit == unit and p.active]
    rank = {code: i for i, code in enumerate(first)}
    return unit, sorted(projects, key=lambda p: rank.get(p["code"], len(rank)))


def build_updates(reports: Sequence[ProjectReport], projects: Sequence[dict], *, author_id: int,
                  chat_id: int, message_id: int, created_at: str, text: str, lang: str,
                  file_ids: list[str]) -> list[NewUpdate]:
    """One stored update per project the message reports on; the files go with the first."""
    return [
        NewUpdate(
            project_id=project["id"], unit_id=project["unit_id"], author_id=author_id,
            chat_id=chat_id, message_id=message_id, part=part, created_at=created_at,
            raw_text=report.text or text, lang=lang,
            progress=report.progress, stage=report.stage, invested=report.invested,
            invested_kind=report.invested_kind, next_steps=report.next_steps,
            problems=list(report.problems),
            file_ids=file_ids if part == 0 else [],
            parsed={"progress": report.progress, "stage": report.stage,
                    "invested": report.invested, "problems": report.problems,
                    **({"invested_kind": report.invested_kind} if report.invested is not None else {}),
                    **({"invested_error": report.invested_error} if report.invested_error else {}),
                    **({"parts": [list(p) for p in report.parts]} if report.parts else {})},
        )
        for part, (report, project) in enumerate(zip(reports, projects, strict=True))
    ]


# --- a project picked from the buttons ------------------------------------------------------

def pick_refusal(pending: dict | None, project: dict | None, caller: Caller, chat_id: int | None,
                 lang: str) -> str | None:
    """Why a tap on a project button (`pick:<pending>:<project>`) records nothing, or None.

    `caller` is scoped to the chat tapped in; `pending` and `project` are None when the button
    named none (forged, or its question is gone)."""
    if chat_id is not None and pending and pending["chat_id"] != chat_id:
        pending = None  # a copied button: it is recorded, and scoped, in its question's chat
    if not pending or not project:
        return t("lead_cb_expired", caller.lang)
    if pending["user_id"] != caller.user_id:
        return t("in_pick_not_yours", caller.lang)
    if not caller.can_see_unit(project["unit_id"]):
        return t("in_pick_other_unit", lang)  # the id may be forged: name neither project nor unit
    return None


def report_for(text: str, project: dict) -> ProjectReport:
    """`text` read as being about `project` (picked from the buttons, or stored before)."""
    parsed = parse_message(text, (project_ref(project),), project["unit_name"]) if text else None
    return parsed.reports[0] if parsed and parsed.reports else ProjectReport(
        project=project["code"], text=text)


def picked_updates(pending: dict, project: dict, author_id: int) -> list[NewUpdate]:
    """The kept message (`save_pending`'s row) read again for the project picked."""
    text = pending["text"]
    reports = [report_for(text, project)]
    return build_updates(reports, [project], author_id=author_id, chat_id=pending["chat_id"],
                         message_id=pending["message_id"], created_at=pending["created_at"],
                         text=text, lang=pending["lang"],
                         file_ids=json.loads(pending["file_ids"] or "[]"))


def kept_or_own(pending: dict | None, created_at: str, file_ids: list[str]
                ) -> tuple[str, list[str]]:
    """The time and files of an update: those kept with its waiting question (an edit answered
    it), else the message's own."""
    if pending is None:
        return created_at, file_ids
    return pending["created_at"], json.loads(pending["file_ids"] or "[]")


def answered_by_edit(reading: Reading) -> str:
    """What the "which project?" question becomes when an edit named the project."""
    codes = "、".join(p["code"] for p in reading.projects)
    return t("in_answered_by_edit", reading.lang, code=esc(codes))


def stored_projects(db: Database, chat_id: int, message_id: int) -> list[dict]:
    """The projects a message's stored updates are about, in their order."""
    by_id = {p.id: p for p in ledger_index(db).projects}
    return [by_id[u["project_id"]].row() for u in updates_of_message(db, chat_id, message_id)
            if u["project_id"] in by_id]


def reread_for_stored(db: Database, reading: Reading, text: str, chat_id: int,
                      message_id: int) -> Reading:
    """An edit that no longer names a project corrects the projects its message was stored
    on (picked from the buttons, or named before): the text read again for each."""
    projects = stored_projects(db, chat_id, message_id)
    if not projects:
        return reading
    return Reading(reading.lang, reports=[report_for(text, p) for p in projects],
                   projects=projects)


def reread_for_kept(db: Database, reading: Reading, text: str, pending: dict) -> Reading:
    """An edit naming no project while "store this?" waits: the text read again for the
    projects the question is about."""
    by_id = {p.id: p for p in ledger_index(db).projects}
    updates, _ = updates_of_payload(pending["payload"])
    projects = [by_id[u.project_id].row() for u in updates if u.project_id in by_id]
    if not projects:
        return reading
    return Reading(reading.lang, reports=[report_for(text, p) for p in projects],
                   projects=projects)


# --- storing and confirming ------------------------------------------------------------------

@dataclass(frozen=True)
class Recorded:
    """Updates stored: their ids (to note the reply against) and the confirmation to send."""

    ids: list[int]
    confirmation: str


def record_status(db: Database, base: Config, updates: list[NewUpdate], projects: list[dict],
                  lang: str, *, edit: bool = False) -> Recorded | None:
    """Store the updates (idempotently; an edit corrects the ones its message created) and word
    the confirmation. None: nothing to answer (an edit of no update, or answered before)."""
    if edit:
        existing = updates_of_message(db, updates[0].chat_id, updates[0].message_id)
        if not existing:
            return None
        for u in updates:
            u.created_at = existing[0]["created_at"]
        ids = correct_updates(db, updates)
    else:
        ids, earlier = store_updates(db, updates)
        if earlier and earlier[0]["reply_message_id"]:
            return None  # processed and answered before a restart: nothing to do
    states = [state_after_update(db, project, update_id, history=False)
              for project, update_id in zip(projects, ids, strict=True)]
    config = effective_config(db, base)
    text = confirmation(list(zip(updates, states, standings_now(db, config, states), strict=True)),
                        lang, corrected=edit)
    return Recorded(ids, text)


def standings_now(db: Database, config: Config, states: list[dict]) -> list[str]:
    """Each project's standing now (`state_after_update`'s rows, read without their progress
    history). A forecast can only add "at risk", so the history it is made from is read only
    for a project on track without it: one lagging, at risk or done stays so whatever it says."""
    now, limits = datetime.now(config.timezone), thresholds(config)
    standings = []
    for state in states:
        [(_, standing)] = items_from_rows([state], now, limits)
        if standing.standing == ON_TRACK:
            state["progress_history"] = progress_history(db, state["id"])
            [(_, standing)] = items_from_rows([state], now, limits)
        standings.append(standing.standing)
    return standings


def attach_to_recent(db: Database, caller: Caller, chat_id: int, files: list[str]) -> str | None:
    """Files without a caption join the sender's update of the past hour: its project's code,
    or None when there is none."""
    since = (datetime.now(UTC) - PHOTO_WINDOW).isoformat(timespec="seconds")
    last = last_update_by(db, caller.user_id, chat_id, since)
    if not last:
        return None
    attach_files(db, last["id"], files)
    return get_project_by_id(db, last["project_id"])["code"]


def fmt_number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def figure_lines(update: NewUpdate, lang: str) -> list[str]:
    """What an update says besides its progress: stage is shown by the caller; investment (of
    its kind), problems opened, next steps, files."""
    lines = []
    if update.invested is not None:
        key = "in_invested_year" if update.invested_kind == YEAR else "in_invested"
        lines.append(t(key, lang, amount=fmt_amount(update.invested, lang)))
    if update.problems:
        items = "；".join(esc(p[:200]) for p in update.problems[:10])
        lines.append(t("in_problems", lang, count=len(update.problems), items=items))
    if update.next_steps:
        lines.append(t("in_next", lang, text=esc(update.next_steps[:300])))
    if update.file_ids:
        lines.append(t("in_files", lang, count=len(update.file_ids)))
    return lines


def confirmation(stored: list[tuple[NewUpdate, dict, str]], lang: str,
                 corrected: bool = False) -> str:
    """What was recorded, per project (`state_after_update`'s row), with its standing now."""
    blocks = [t("in_corrected_head" if corrected else "in_recorded_head", lang)]
    for update, project, standing in stored:
        previous = project["previous_progress"]  # a correction too: against the update before
        lines = [t("in_project", lang, code=esc(project["code"]), name=esc(project["name"]))]
        if update.progress is not None:
            if previous is None:
                change = t("in_change_first", lang)
            else:
                delta = update.progress - previous
                change = t("in_change", lang, sign="+" if delta >= 0 else "−",
                           delta=fmt_number(abs(delta)))
            lines.append(t("in_progress", lang, progress=fmt_number(update.progress), change=change))
        if update.stage:
            lines.append(t("in_stage", lang, stage=t(f"in_stage_{update.stage}", lang)))
        lines += figure_lines(update, lang)
        parts = update.parsed.get("parts") if update.progress is None else None
        if parts:
            read = ("、" if lang == "zh" else ", ").join(
                f"{esc(name)} {fmt_number(value)}%" for name, value in parts)
            lines.append(t("in_parts_only", lang, parts=read))
        elif update.progress is None and not update.stage and update.invested is None:
            lines.append(t("in_nothing_parsed", lang))
        lines.append(t("in_standing", lang, standing=t(f"in_standing_{standing}", lang)))
        blocks.append("\n".join(lines))
    text = "\n\n".join(blocks)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


# --- asking before storing the implausible -------------------------------------------------

DROP_POINTS = 20  # a fall of more than this many points, at any interval
JUMP_POINTS, JUMP_DAYS = 50, 7  # a rise of more than JUMP_POINTS within JUMP_DAYS days
COMPLETED_MIN_PROGRESS = 90  # "completed" with a stated progress below this


class Doubt(NamedTuple):
    """Why an update is asked about before it is stored: a code (i18n key in_doubt_<code>) and
    the figures to word it with."""

    code: str  # invested_cap | invested_over_total | progress_drop | progress_jump | completed_low
    values: dict


def doubts(report: ProjectReport, project: dict, previous: dict | None, at: datetime
           ) -> list[Doubt]:
    """What is implausible in `report` about `project` (a ledger row), given the project's
    latest progress before it (`previous`: {progress, created_at}, or None) and the update's
    time `at`: investment beyond the ledger's cap or not a number, or above the project's total
    investment; progress down more than 20 points, or up more than 50 within 7 days;
    "completed" with a stated progress under 90."""
    found = []
    if report.invested_error:
        found.append(Doubt("invested_cap", {}))
    total = project.get("total_investment")
    if report.invested is not None and total and total > 0 and report.invested > total:
        found.append(Doubt("invested_over_total", {"amount": report.invested, "total": total}))
    progress = report.progress
    if report.stage == "completed" and progress is not None and progress < COMPLETED_MIN_PROGRESS:
        found.append(Doubt("completed_low", {"now": progress}))
    if progress is not None and previous and previous.get("progress") is not None:
        before = previous["progress"]
        days = (at - moment(previous["created_at"])).total_seconds() / 86_400
        if before - progress > DROP_POINTS:
            found.append(Doubt("progress_drop",
                               {"before": before, "now": progress, "points": before - progress}))
        elif progress - before > JUMP_POINTS and days <= JUMP_DAYS:
            found.append(Doubt("progress_jump", {"before": before, "now": progress,
                                                 "points": progress - before,
                                                 "days": max(1, math.ceil(days))}))
    return found


def doubts_of(db: Database, reading: Reading, chat_id: int, message_id: int, created_at: str
              ) -> list[list[Doubt]]:
    """`doubts` for each report of `reading`, sent at `created_at` (ISO; empty: now), against
    the updates before (an edit: other than its own message's), in one query for all."""
    at = moment(created_at) or datetime.now(UTC)
    before = progress_before(db, (p["id"] for p in reading.projects), chat_id, message_id)
    return [doubts(report, project, before.get(project["id"]), at)
            for report, project in zip(reading.reports, reading.projects, strict=True)]


def _doubt_text(doubt: Doubt, lang: str) -> str:
    values = dict(doubt.values)
    if doubt.code == "invested_cap":
        values["limit"] = MAX_AMOUNT_SHOWN[lang]
    for key in ("amount", "total"):
        if key in values:
            values[key] = fmt_amount(values[key], lang)
    for key in ("before", "now", "points"):
        if key in values:
            values[key] = fmt_number(values[key])
    return t(f"in_doubt_{doubt.code}", lang, **values)


def question(updates: Sequence[NewUpdate], projects: Sequence[dict],
             found: Sequence[Sequence[Doubt]], lang: str) -> str:
    """The question asked before storing: per project, what was understood and what is odd."""
    blocks = [t("in_confirm_head", lang)]
    for update, project, its_doubts in zip(updates, projects, found, strict=True):
        lines = [t("in_project", lang, code=esc(project["code"]), name=esc(project["name"]))]
        if update.progress is not None:
            lines.append(t("in_progress", lang, progress=fmt_number(update.progress), change=""))
        if update.stage:
            lines.append(t("in_stage", lang, stage=t(f"in_stage_{update.stage}", lang)))
        lines += figure_lines(update, lang)
        lines += [_doubt_text(d, lang) for d in its_doubts]
        blocks.append("\n".join(lines))
    blocks.append(t("in_confirm_tail", lang))
    text = "\n\n".join(blocks)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def question_payload(updates: Sequence[NewUpdate], *, edit: bool) -> str:
    """The updates waiting for the answer, as kept in the database (a restart keeps them)."""
    return json.dumps({"edit": edit, "updates": [asdict(u) for u in updates]},
                      ensure_ascii=False, default=str)


def updates_of_payload(payload: str) -> tuple[list[NewUpdate], bool]:
    """`question_payload` read back: the updates, and whether they correct stored ones."""
    kept = json.loads(payload)
    return [NewUpdate(**u) for u in kept["updates"]], bool(kept["edit"])


def confirm_refusal(pending: dict | None, token: str, caller: Caller, chat_id: int | None,
                    projects: Sequence[dict]) -> str | None:
    """Why a tap on ✅/✖️ (`iq:<pending>:<token>:<s|c>`) does nothing, or None: a button not
    made by this bot (wrong token), another chat's, someone else's, or a project the tapper may
    no longer write."""
    if (not pending or pending["kind"] != CONFIRM or not pending["token"]
            or not secrets.compare_digest(pending["token"], token)
            or (chat_id is not None and pending["chat_id"] != chat_id)):
        return t("lead_cb_expired", caller.lang)
    if pending["user_id"] != caller.user_id:
        return t("in_pick_not_yours", caller.lang)
    if not all(caller.can_see_unit(p["unit_id"]) for p in projects):
        return t("in_pick_other_unit", pending["lang"])
    return None
