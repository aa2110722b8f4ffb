"""Who may do what, end to end: the permissions matrix of DESIGN.md ("People and permissions",
"Commands") for an admin, a leader, a member of unit A, a member of unit B and a stranger.

One real bot (bot.build_application) polls the local Bot API server for the whole module, on
the demo ledger (console/demo/ledger_zh.csv). Each row of MATRIX does one thing as one caller
and waits until the bot has recorded that update as processed (its inbox, transport/intake.py:
after every handler returned, so everything the row caused has been sent). It then checks:

- OK: answered, not refused (and, where the table says, the answer shows that text);
- NO: exactly one line starting with ⛔ (a message, or a button's alert; a forged button
  may get "this button no longer works"), nothing else sent anywhere, and the database
  unchanged;
- SILENT: nothing sent at all, and the database unchanged.

And on every row, whoever the caller: nothing a member can see (their private chat, their
unit's group, their button alerts, the button data they get, the files sent to them) names a
project or unit of another unit, apart from what they typed (quoted back to them, never to
their group); and every chart drawn into their chat or their unit's group, whoever asked for
it, is of their unit only.
The last test runs a reminder and digest round and checks the same of what units receive.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from string import Formatter

import pytest
import pytest_asyncio

from i18n import CATALOGUE, LANGUAGES, t
from localapi import BotAPIServer
from schedules.runner import remind
from services import views as view_services
from services.floods import Allowance
from storage.inbox import inbox_state
from storage.people import bind_group, find_unit, grant_role
from storage.problems import open_problem
from storage.projects import get_project, get_project_by_id
from tests.conftest import ADMIN, LEADER, SAMPLES, TOKEN, RunningBot, seed_ledger, started_bot

UNIT_A, UNIT_B = "科创城管委会", "区投资促进服务中心"  # QB-001 and QB-002; QB-003
MEMBER_A, MEMBER_B, STRANGER = 101, 102, 999
GROUP_A, GROUP_B = -100101, -100102
GROUP_X = -100199  # a group bound to no unit
GROUPS = {"A": GROUP_A, "X": GROUP_X}
CALLERS = {"admin": ADMIN, "leader": LEADER, "member_a": MEMBER_A, "member_b": MEMBER_B,
           "unknown": STRANGER}
UNITS = {"A": UNIT_A, "B": UNIT_B}
MEMBERS = {MEMBER_A: ("A", GROUP_A), MEMBER_B: ("B", GROUP_B)}  # member -> unit, its group
LEDGER = SAMPLES / "ledger_zh.csv"
WEB_URL = "https://dashboard.example.org"  # the dashboard's address (not served here)

OK, NO, SILENT = "allowed", "refused", "silent"

# What is done (see `perform`): a command in the caller's private chat; "text:", "photo:",
# "document: NAME CAPTION" in the private chat; "group A:" a message in unit A's group ("group
# X:" in a group bound to no unit), "forwarded:" a message forwarded from someone else,
# "group A reply:" one replying to the bot there; "tap:" a
# button's data sent from the caller's own chat (copied or forged), "group A tap:" a tap on the
# bot's last message in unit A's group;
# "edit: OLD → NEW" the caller sends OLD privately, then edits it to NEW.
# Placeholders: {p[CODE]} a project's id, {u[A]}/{u[B]} a unit's id, {problem_a} an open
# problem of QB-001, {new_problem_a}/{new_problem_b} a fresh one (of QB-001/QB-003), {ask} the
# first button of the question member A just got for an update naming no project (in the chat
# of the tap), {ask_pending} that question's pending update.
MATRIX: list[tuple[str, str, str, str, str, str, str]] = [
    # what is done                        admin leader A   B   unknown  an allowed answer shows
    ("/start",                             OK, OK, OK, OK, OK,      ""),
    ("/help",                              OK, OK, OK, OK, OK,      "/whoami"),
    ("/whoami",                            OK, OK, OK, OK, OK,      "编号"),
    ("/lang zh",                           OK, OK, OK, OK, NO,      ""),
    ("/update QB-001 进度51%",              OK, OK, OK, NO, NO,      "QB-001"),
    ("/update QB-003 进度51%",              OK, OK, NO, OK, NO,      "QB-003"),
    ("/status",                            OK, OK, OK, OK, NO,      ""),
    ("/status QB-001",                     OK, OK, OK, NO, NO,      "QB-001"),
    ("/status QB-003",                     OK, OK, NO, OK, NO,      "QB-003"),
    (f"/status {UNIT_A}",                  OK, OK, OK, NO, NO,      UNIT_A),
    (f"/status {UNIT_B}",                  OK, OK, NO, OK, NO,      UNIT_B),
    ("/status QB-999",                     NO, NO, NO, NO, NO,      ""),
    ("/lagging",                           OK, OK, OK, OK, NO,      ""),
    (f"/lagging {UNIT_B}",                 OK, OK, NO, OK, NO,      ""),
    ("/lagging 不存在的单位",                NO, NO, NO, NO, NO,      ""),
    ("/problems",                          OK, OK, OK, OK, NO,      ""),
    (f"/problems {UNIT_B}",                OK, OK, NO, OK, NO,      "QB-003"),
    ("/problem QB-001 电力接入方案未批复",     OK, OK, OK, NO, NO,      "QB-001"),
    ("/problem QB-003 用地指标未落实",         OK, OK, NO, OK, NO,      "QB-003"),
    (f"/assign {{problem_a}} {UNIT_A}",    OK, OK, NO, NO, NO,      UNIT_A),
    ("/resolve {new_problem_a} 已协调",      OK, OK, OK, NO, NO,      ""),
    ("/resolve {new_problem_b} 已协调",      OK, OK, NO, OK, NO,      ""),
    ("/chart",                             OK, OK, OK, OK, NO,      ""),
    (f"/chart {UNIT_B}",                   OK, OK, NO, OK, NO,      UNIT_B),
    ("/export",                            OK, OK, NO, NO, NO,      "QB-003"),
    (f"/invite member {UNIT_A}",           OK, NO, NO, NO, NO,      "start="),
    ("/invite leader",                     OK, NO, NO, NO, NO,      "start="),
    (f"/bind {UNIT_A}",                    NO, NO, NO, NO, NO,      ""),  # not in a group
    (f"group A: /bind {UNIT_A}",           OK, NO, NO, NO, NO,      UNIT_A),
    # an invite link is a key anyone in a group could use; a unit list there would leak
    (f"group A: /invite member {UNIT_A}",  NO, NO, NO, NO, NO,      ""),
    ("group A: /invite leader",            NO, NO, NO, NO, NO,      ""),
    ("group A: /bind 不存在的单位",          NO, NO, NO, NO, NO,      ""),
    ("/import",                            OK, NO, NO, NO, NO,      ".csv"),
    ("document: ledger.csv /import",       OK, NO, NO, NO, NO,      "✅"),
    ("/settings",                          OK, NO, NO, NO, NO,      "stale_days"),
    ("/settings stale_days 7",             OK, NO, NO, NO, NO,      "stale_days"),
    ("/revoke 4242",                       OK, NO, NO, NO, NO,      "4242"),
    # messages
    ("text: QB-001 进度52%",                OK, OK, OK, NO, NO,      "QB-001"),
    ("text: QB-003 进度52%",                OK, OK, NO, OK, NO,      "QB-003"),
    ("photo: QB-001 现场照片，进度53%",        OK, OK, OK, NO, NO,      "QB-001"),
    ("document: 验收资料.pdf QB-001 进度54%",  OK, OK, OK, NO, NO,      "QB-001"),
    ("group A: QB-001 进度55%",             SILENT, SILENT, SILENT, SILENT, SILENT, ""),
    ("group A reply: QB-001 进度56%",       OK, OK, OK, NO, SILENT,  "QB-001"),
    ("group A reply: 今天开了协调会，推进顺利",  OK, OK, OK, NO, SILENT,  "QB-002"),  # asks which
    ("group A: /update QB-001 进度57%",     OK, OK, OK, NO, NO,      "QB-001"),
    ("forwarded: QB-001 进度51%",            NO, NO, NO, NO, NO,      ""),
    ("forwarded: /update QB-001 进度51%",    NO, NO, NO, NO, NO,      ""),
    ("edit: QB-001 进度58% → QB-002 进度60%", OK, OK, OK, SILENT, SILENT, "QB-002"),
    ("edit: QB-001 进度58% → QB-003 进度60%", OK, OK, NO, SILENT, SILENT, "QB-003"),
    # button taps
    ("tap: {ask}",                         NO, NO, OK, NO, NO,      "QB-00"),
    ("group A tap: {ask}",                 NO, NO, OK, NO, NO,      "QB-00"),
    ("tap: pick:{ask_pending}:{p[QB-003]}", NO, NO, NO, NO, NO,     ""),
    ("tap: pick:99999:{p[QB-001]}",        NO, NO, NO, NO, NO,      ""),
    ("tap: pg:s::0",                       OK, OK, NO, NO, NO,      UNIT_B),
    ("tap: pg:u:{u[A]}:0",                 OK, OK, OK, NO, NO,      UNIT_A),
    ("tap: pg:u:{u[B]}:0",                 OK, OK, NO, OK, NO,      UNIT_B),
    ("tap: pg:p:{p[QB-003]}:0",            OK, OK, NO, OK, NO,      "QB-003"),
    ("tap: pg:l::0",                       OK, OK, NO, NO, NO,      ""),
    ("tap: pg:l:{u[B]}:0",                 OK, OK, NO, OK, NO,      ""),
    ("tap: pg:q::0",                       OK, OK, NO, NO, NO,      ""),
    ("tap: pg:q:{u[B]}:0",                 OK, OK, NO, OK, NO,      "QB-003"),
    # In unit A's group, which all its members read, every view is unit A's, whoever asks
    # (issue #6); in a group bound to no unit a leader sees everything, as in private.
    ("group A: /status",                   OK, OK, OK, NO, NO,      UNIT_A),
    ("group A tap: pg:s::0",               NO, NO, NO, NO, NO,      ""),  # allowed ones: below
    ("group A tap: pg:u:{u[B]}:0",         NO, NO, NO, NO, NO,      ""),
    ("group A tap: pg:p:{p[QB-003]}:0",    NO, NO, NO, NO, NO,      ""),
    ("group A tap: pg:l::0",               NO, NO, NO, NO, NO,      ""),
    ("group A tap: pg:q:{u[B]}:0",         NO, NO, NO, NO, NO,      ""),
    ("group A: /status QB-001",            OK, OK, OK, NO, NO,      "QB-001"),
    ("group A: /status QB-003",            NO, NO, NO, NO, NO,      ""),
    (f"group A: /status {UNIT_B}",         NO, NO, NO, NO, NO,      ""),
    ("group A: /lagging",                  OK, OK, OK, NO, NO,      ""),
    (f"group A: /lagging {UNIT_B}",        NO, NO, NO, NO, NO,      ""),
    ("group A: /lagging 不存在的单位",        NO, NO, NO, NO, NO,      ""),
    ("group A: /problems",                 OK, OK, OK, NO, NO,      "QB-001"),
    (f"group A: /problems {UNIT_B}",       NO, NO, NO, NO, NO,      ""),
    ("group A: /chart",                    OK, OK, OK, NO, NO,      UNIT_A),
    (f"group A: /chart {UNIT_B}",          NO, NO, NO, NO, NO,      ""),
    ("group A: /export",                   OK, OK, NO, NO, NO,      "QB-002"),
    # Writes too are unit A's only there: another unit's project or unit is refused without
    # naming it, and a member of another unit posts in their own group or privately.
    ("group A: /update QB-003 进度58%",      NO, NO, NO, NO, NO,      ""),
    ("group A reply: QB-003 进度59%",       NO, NO, NO, NO, SILENT,  ""),
    ("group A: /problem QB-001 电力接入方案未批复", OK, OK, OK, NO, NO, "QB-001"),
    ("group A: /problem QB-003 用地指标未落实",  NO, NO, NO, NO, NO,      ""),
    (f"group A: /assign {{problem_a}} {UNIT_A}", OK, OK, NO, NO, NO,  UNIT_A),
    (f"group A: /assign {{problem_a}} {UNIT_B}", NO, NO, NO, NO, NO,  ""),
    ("group A: /assign {problem_a} 不存在的单位", NO, NO, NO, NO, NO,   ""),
    (f"group A: /assign {{new_problem_b}} {UNIT_A}", NO, NO, NO, NO, NO, ""),
    ("group A: /resolve {new_problem_a} 已协调", OK, OK, OK, NO, NO,    ""),
    ("group A: /resolve {new_problem_b} 已协调", NO, NO, NO, NO, NO,    ""),
    ("group X: /status",                   OK, OK, OK, OK, NO,      ""),
    ("group X: /export",                   OK, OK, NO, NO, NO,      "QB-003"),
    # The meeting pack: the whole portfolio, so never in a unit's group.
    ("/pack",                              OK, OK, NO, NO, NO,      "QB-003"),
    ("group A: /pack",                     NO, NO, NO, NO, NO,      ""),
    ("group X: /pack",                     OK, OK, NO, NO, NO,      "QB-003"),
    # The dashboard (web/): a Mini App button for staff; screen links for leaders, privately.
    ("/dashboard",                         OK, OK, OK, OK, NO,      ""),
    ("group A: /dashboard",                OK, OK, OK, NO, NO,      UNIT_A),
    ("/screen",                            OK, OK, NO, NO, NO,      "/screen#k="),
    ("/screen off",                        OK, OK, NO, NO, NO,      ""),
    ("/screen now",                        NO, NO, NO, NO, NO,      ""),
    ("group A: /screen",                   NO, NO, NO, NO, NO,      ""),
    # The problems loop: limits, history, closed ones, a leader's own projects, the buttons.
    ("/deadline {problem_a} 2099-12-31",   OK, OK, NO, NO, NO,      "2099-12-31"),
    ("/deadline {new_problem_b} 2099-12-31", OK, OK, NO, NO, NO,    "2099-12-31"),
    ("/deadline {problem_a} someday",      NO, NO, NO, NO, NO,      ""),
    ("group A: /deadline {problem_a} 2099-12-31", OK, OK, NO, NO, NO, "2099-12-31"),
    ("group A: /deadline {new_problem_b} 2099-12-31", NO, NO, NO, NO, NO, ""),
    ("/problem {problem_a}",               OK, OK, OK, NO, NO,      "QB-001"),
    ("/problem {new_problem_b}",           OK, OK, NO, OK, NO,      "QB-003"),
    ("group A: /problem {new_problem_b}",  NO, NO, NO, NO, NO,      ""),
    ("/problems closed",                   OK, OK, OK, OK, NO,      ""),
    (f"/problems closed {UNIT_B}",         OK, OK, NO, OK, NO,      ""),
    ("group A: /problems closed",          OK, OK, OK, NO, NO,      ""),
    (f"group A: /problems closed {UNIT_B}", NO, NO, NO, NO, NO,     ""),
    ("/mine",                              OK, OK, NO, NO, NO,      ""),
    ("group A: /mine",                     NO, NO, NO, NO, NO,      ""),
    ("tap: st:QB-003",                     OK, OK, NO, OK, NO,      "QB-003"),
    ("tap: st:QB-999",                     NO, NO, NO, NO, NO,      ""),
    ("group A tap: st:QB-003",             NO, NO, NO, NO, NO,      ""),
    ("tap: pc:{problem_a}:1:y",            NO, NO, NO, NO, NO,      ""),  # not awaiting
    ("tap: pc:{new_problem_b}:999999:n",   NO, NO, NO, NO, NO,      ""),  # forged
    ("tap: pc:garbage",                    NO, NO, NO, NO, NO,      ""),
    # A unit chosen among an ambiguous /chart's buttons (last: it leaves a picture to tap on).
    ("group A tap: pg:ch:{u[B]}:0",        NO, NO, NO, NO, NO,      ""),
    ("tap: pg:ch:{u[B]}:0",                OK, OK, NO, OK, NO,      ""),
]

ROWS = [pytest.param(what, caller, expected, shows, id=f"{what} | {caller}")
        for what, *outcomes, shows in MATRIX
        for caller, expected in zip(CALLERS, outcomes, strict=True)]


# ---------------------------------------------------------------------------- the ledger


def ledger_marks() -> dict[str, set[str]]:
    """Per unit of the demo ledger, the words that give it away: its name, and its projects'
    codes, names and aliases."""
    marks: dict[str, set[str]] = {}
    with LEDGER.open(encoding="utf-8-sig") as rows:
        for row in csv.DictReader(rows):
            words = marks.setdefault(row["责任单位"], {row["责任单位"]})
            words |= {row["编号"], row["项目名称"], *filter(None, re.split("[;、]", row["别名"]))}
    return marks


MARKS = ledger_marks()


def foreign_marks(unit: str) -> set[str]:
    return set().union(*(words for name, words in MARKS.items() if name != unit))


def fixed_examples() -> list[str]:
    """The bot's fixed texts that quote a demo project as an example (/help's "QB-001
    进度45%…"): not anyone's data, so they are left out of the search for leaks."""
    marks = set().union(*MARKS.values())
    literals = (literal for texts in CATALOGUE.values() for text in texts.values()
                for literal, *_ in Formatter().parse(text))
    plain = (html.unescape(re.sub(r"<[^>]+>", "", literal)) for literal in literals)
    return [text for text in plain if any(mark in text for mark in marks)]


EXAMPLES = fixed_examples()
REFUSAL_TEXTS = ("⛔", *(t("lead_cb_expired", lang) for lang in LANGUAGES))  # how each starts
ERRORS = tuple(t("error_generic", lang) for lang in LANGUAGES)


def seed_people(db) -> None:
    """The demo ledger, a leader, and one member in each of units A and B."""
    seed_ledger(db)
    grant_role(db, LEADER, "leader", name="王市长")
    grant_role(db, MEMBER_A, "member", find_unit(db, UNIT_A)["id"], name="科创小李")
    grant_role(db, MEMBER_B, "member", find_unit(db, UNIT_B)["id"], name="投促小陈")


# ---------------------------------------------------------------------------- what users see


def visible_text(record: dict) -> str:
    """Everything a sent record shows: text or caption, buttons (labels and data), and the
    cells of an attached spreadsheet or CSV file (fixed examples left out)."""
    parts = [record.get("plain_text") or record.get("body") or ""]
    for row in (record.get("reply_markup") or {}).get("inline_keyboard", []):
        parts += [f"{button.get('text', '')} {button.get('callback_data', '')}" for button in row]
    name, data = record.get("file_name") or "", record.get("file_bytes")
    if data and name.endswith(".xlsx"):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True)
        parts += [str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True)
                  for cell in row if cell is not None]
    elif data and name.endswith(".csv"):
        parts.append(data.decode("utf-8-sig"))
    text = "\n".join(parts)
    for example in EXAMPLES:
        text = text.replace(example, "")
    return text


def button_units(db, record: dict) -> set[int | None]:
    """The units whose data the record's buttons would show when tapped (None: every unit)."""
    units: set[int | None] = set()
    for row in (record.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data") or ""
            if match := re.fullmatch(r"pick:\d+:(\d+)|pg:p:(\d+):\d+", data):
                project_id = int(match.group(1) or match.group(2))
                units.add(get_project_by_id(db, project_id)["unit_id"])
            elif match := re.fullmatch(r"pg:\w+:(\d*):\d+", data):
                units.add(int(match.group(1)) if match.group(1) else None)
    return units


def snapshot(db) -> dict[str, list]:
    """What a refused action must not change (not the inbox, last-seen names or the
    scheduler's own bookkeeping)."""
    tables = ("units", "projects", "milestones", "updates", "problems", "invites", "groups",
              "settings", "pending_intake", "audit", "rank_snapshots")
    state = {name: [tuple(row.values()) for row in db[name].rows] for name in tables}
    state["people"] = list(db.query("select user_id, role, unit_id, lang from people"))
    return state


# ---------------------------------------------------------------------------- the world


@dataclass
class World:
    bot: RunningBot
    projects: dict[str, int]  # code -> id
    units: dict[str, int]  # "A" / "B" -> id
    problem_a: int
    charts: list[tuple[str, ...]] = field(default_factory=list)  # units of each chart drawn

    @property
    def api(self) -> BotAPIServer:
        return self.bot.api

    @property
    def db(self):
        return self.bot.db


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory) -> AsyncIterator[World]:
    """The bot on the demo ledger; both groups bound by the admin; everyone has said hello."""
    with BotAPIServer(token=TOKEN, bot_username="KeyProjectBot") as api, \
            pytest.MonkeyPatch.context() as patch:
        # Without pacing: at 20 messages a minute per group, unit A's group rows would wait
        # minutes (pacing is tested in test_pacing.py and test_e2e_reminders.py).
        async with started_bot(tmp_path_factory.mktemp("permissions"), api,
                               rate_limit=False, BOT_WEB_URL=WEB_URL) as bot:
            # The stranger asks for every command in turn: three answers a minute (strangers'
            # allowance, tests/test_e2e_floods.py) would cut the matrix short.
            bot.application.bot_data["strangers"] = Allowance(count=10**6)
            db = bot.db
            seed_people(db)
            projects = {code: get_project(db, code)["id"] for code in ("QB-001", "QB-003")}
            units = {key: find_unit(db, name)["id"] for key, name in UNITS.items()}
            problem_a = open_problem(db, projects["QB-001"], "施工许可未办结", MEMBER_A,
                                     units["A"], None)
            open_problem(db, projects["QB-003"], "用地指标未落实", MEMBER_B, units["B"], None)
            world = World(bot, projects, units, problem_a)

            pictures = view_services.Views.pictures

            async def spy(views, plan):  # every chart sent, drawn or kept from before
                world.charts.append(tuple(p.unit for p, _ in plan.items))
                return await pictures(views, plan)

            patch.setattr(view_services.Views, "pictures", spy)
            for chat_id, unit in ((GROUP_A, UNIT_A), (GROUP_B, UNIT_B)):
                [bound] = await bot.send(ADMIN, f"/bind {unit}", chat_id=chat_id)
                assert bound["text"].startswith("✅"), bound["text"]
            for user_id in CALLERS.values():
                await bot.send(user_id, "/whoami")
            await bot.idle()  # the first row's "before" must be after all of this
            yield world


async def ask(world: World, chat_id: int, user_id: int = MEMBER_A) -> dict:
    """Member A (or `user_id`) posts an update naming no project (in their chat or unit A's
    group); the bot's question, whose buttons list unit A's projects."""
    reply_to = world.api.last_message_id(chat_id) if chat_id == GROUP_A else None
    update = world.api.queue_message(user_id, "今天开了协调会，推进顺利", chat_id=chat_id,
                                     reply_to_message_id=reply_to)
    await processed(world, update["update_id"])  # the question's id is stored after it is sent
    question = world.api.messages_to(chat_id)[-1]
    assert question["reply_markup"], question["text"]
    return question


class Placeholders(dict):
    """Values for the placeholders of MATRIX; fresh problems are opened when asked for."""

    def __init__(self, world: World, **values) -> None:
        super().__init__(p=world.projects, u=world.units, problem_a=world.problem_a, **values)
        self.world = world

    FRESH = {"new_problem_a": ("QB-001", "A", MEMBER_A), "new_problem_b": ("QB-003", "B", MEMBER_B)}

    def __missing__(self, key: str) -> int:
        code, unit, opener = self.FRESH[key]  # a problem raised by the project's own unit
        return open_problem(self.world.db, self.world.projects[code], "临时用电未接入", opener,
                            self.world.units[unit], None)


async def prepare(world: World, what: str, user_id: int) -> str:
    """`what` with its placeholders filled in (a question asked first, if one is needed); for
    an edit, the message to edit sent (as "edit: MESSAGE_ID NEW")."""
    if what.startswith("edit: "):
        old, _, new = what.removeprefix("edit: ").partition(" → ")
        update = world.api.queue_message(user_id, old)
        await processed(world, update["update_id"])
        return f"edit: {update['message_id']} {new}"
    names = {name for _, name, _, _ in Formatter().parse(what) if name}
    values = {}
    if names & {"ask", "ask_pending"}:
        question = await ask(world, GROUP_A if what.startswith("group A") else MEMBER_A)
        data = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        values = {"ask": data, "ask_pending": data.split(":")[1]}
    return what.format_map(Placeholders(world, **values))


def perform(world: World, what: str, user_id: int) -> tuple[dict, int, str]:
    """Queue `what` from `user_id`: the update, the chat it happens in, and the text the user
    typed."""
    api = world.api
    kind, _, rest = ("text", "", what) if what.startswith("/") else what.partition(": ")
    if kind == "text":
        return api.queue_message(user_id, rest), user_id, rest
    if kind == "photo":
        return api.queue_message(user_id, caption=rest, photo=True), user_id, rest
    if kind == "forwarded":  # someone else's words, forwarded by the caller
        return api.queue_message(user_id, rest, forward_from=STRANGER), user_id, rest
    if kind == "document":
        name, _, caption = rest.partition(" ")
        data = LEDGER.read_bytes() if name.endswith(".csv") else b"%PDF-1.4 site acceptance"
        return api.queue_message(user_id, caption=caption, document=(name, data)), user_id, rest
    if kind in ("group A", "group X", "group A reply"):
        chat_id = GROUPS[kind.split()[1]]
        reply_to = api.last_message_id(chat_id) if kind.endswith(" reply") else None
        update = api.queue_message(user_id, rest, chat_id=chat_id, reply_to_message_id=reply_to)
        return update, chat_id, rest
    if kind in ("tap", "group A tap"):
        chat_id = GROUP_A if kind == "group A tap" else user_id
        update = api.queue_callback(user_id, rest, chat_id=chat_id,
                                    message_id=api.last_message_id(chat_id))
        return update, chat_id, ""  # button data is not text the user typed
    if kind == "edit":
        message_id, _, text = rest.partition(" ")
        return api.queue_edit(user_id, user_id, int(message_id), text), user_id, text
    raise ValueError(f"unknown kind of action: {what!r}")


async def processed(world: World, update_id: int, timeout: float = 60) -> None:
    """Wait until the bot has finished handling the update: it records that in its inbox
    after every handler returned (transport.intake), so all it sent for it is sent."""
    deadline = time.monotonic() + timeout
    while inbox_state(world.db, update_id) not in ("done", "failed"):
        assert time.monotonic() < deadline, f"update {update_id} was never processed"
        await asyncio.sleep(0.01)


# ---------------------------------------------------------------------------- the matrix


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("what", "caller", "expected", "shows"), ROWS)
async def test_permissions_matrix(world: World, what: str, caller: str, expected: str,
                                  shows: str) -> None:
    api, db, user_id = world.api, world.db, CALLERS[caller]
    what = await prepare(world, what, user_id)
    before, since = snapshot(db), api.mark()
    answers_before, charts_before = len(api.callback_answers), len(world.charts)
    update, chat_id, typed = perform(world, what, user_id)
    await processed(world, update["update_id"])
    records = api.sent[since:]
    alerts = [a for a in api.callback_answers[answers_before:] if a["text"]]
    shown = [r.get("plain_text") or r.get("body") or "" for r in records]
    shown += [a["text"] for a in alerts]

    if expected == SILENT:
        assert not records and not alerts, shown
        assert snapshot(db) == before
    elif expected == NO:
        assert len(records) + len(alerts) == 1, shown
        assert shown[0].startswith(REFUSAL_TEXTS) and "\n" not in shown[0].strip(), shown
        assert not records or records[0]["chat_id"] == chat_id
        assert snapshot(db) == before, "a refused action changed the database"
    else:
        assert records, f"no answer; alerts: {shown}"
        assert not any(text.startswith(REFUSAL_TEXTS + ERRORS) for text in shown), shown
        if shows:
            everything = "\n".join(visible_text(r) for r in records)
            assert shows in everything, shown

    drawn = world.charts[charts_before:]  # all sent to the row's chat
    if "/chart" in what and expected == OK:
        assert drawn and drawn[0], "no chart drawn"

    # Nothing of another unit reaches a member, whoever acted.
    for member, (key, group) in MEMBERS.items():
        unit = UNITS[key]
        forbidden = foreign_marks(unit)
        own_words = {m for m in forbidden if m in typed} if member == user_id else set()
        to_them = [visible_text(r) for r in records if r["chat_id"] == member]
        to_them += [a["text"] for a in alerts if a["user_id"] == member]
        to_group = [visible_text(r) for r in records if r["chat_id"] == group]
        # What they typed may be quoted back to them, never to all of their unit's group.
        leaked = {mark for text in to_them for mark in forbidden - own_words if mark in text}
        leaked |= {mark for text in to_group for mark in forbidden if mark in text}
        assert not leaked, f"member of {unit} was shown {leaked}: {to_them + to_group}"
        for record in records:
            if record["chat_id"] in (member, group):
                assert button_units(db, record) <= {world.units[key]}
        if chat_id in (member, group):  # whoever asked, a leader in the group too
            assert all(set(chart) <= {unit} for chart in drawn), drawn


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("caller", ["admin", "leader", "member_a"])
async def test_a_page_tapped_in_unit_a_group_is_unit_a_s(world: World, caller: str) -> None:
    """The allowed taps in unit A's group, which a MATRIX row cannot show (after the first
    caller's tap the message already shows that page, so the others' taps change nothing):
    /status there answers with unit A's view, and a tap to unit A's lagging list edits it."""
    api, user_id = world.api, CALLERS[caller]
    [answer] = await world.bot.send(user_id, "/status", chat_id=GROUP_A)
    since = api.mark()
    update = api.queue_callback(user_id, f"pg:l:{world.units['A']}:0", chat_id=GROUP_A,
                                message_id=answer["message_id"])
    await processed(world, update["update_id"])
    [edited] = api.sent[since:]
    assert (edited["method"], edited["message_id"]) == ("editMessageText", answer["message_id"])
    assert edited["body"] != answer["body"] and not edited["body"].startswith(REFUSAL_TEXTS)
    for record in (answer, edited):
        text = visible_text(record)
        assert not {mark for mark in foreign_marks(UNIT_A) if mark in text}, text
        assert button_units(world.db, record) <= {world.units["A"]}
    assert UNIT_A in visible_text(answer)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("tapped_in", ["group A", "private"])
async def test_a_forged_pick_never_records_unit_b_s_project_in_unit_a_s_group(
        world: World, tapped_in: str) -> None:
    """A leader's question in unit A's group lists unit A's projects; its button forged to
    name unit B's project, tapped there or copied to the leader's private chat, is refused
    in one line that names nothing of unit B, with nothing stored."""
    api, db = world.api, world.db
    question = await ask(world, GROUP_A, LEADER)
    pending = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1]
    chat_id = GROUP_A if tapped_in == "group A" else LEADER
    before, since, answers_before = snapshot(db), api.mark(), len(api.callback_answers)
    update = api.queue_callback(LEADER, f"pick:{pending}:{world.projects['QB-003']}",
                                chat_id=chat_id, message_id=api.last_message_id(chat_id))
    await processed(world, update["update_id"])
    [alert] = [a["text"] for a in api.callback_answers[answers_before:] if a["text"]]
    assert alert.startswith(REFUSAL_TEXTS) and not api.sent[since:], alert
    assert not {mark for mark in foreign_marks(UNIT_A) if mark in alert}, alert
    assert snapshot(db) == before, "a refused tap changed the database"


PROBES = ["/status {}", "/update {} 进度51%", "text: {} 进度51%", "/problem {} 资金未到位",
          "/lagging {}", "/chart {}", "/problems {}"]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("probe", PROBES)
async def test_a_member_probing_another_unit_learns_nothing(world: World, probe: str) -> None:
    """Member A gets the same answer for unit B's project or unit as for one that does not
    exist (what they typed aside), so probing tells them nothing."""
    answers = {}
    for target in ("QB-003", "QB-999", UNIT_B, "不存在的单位"):
        since = world.api.mark()
        update, chat_id, _ = perform(world, probe.format(target), MEMBER_A)
        await processed(world, update["update_id"])
        [answer] = [r["text"] for r in world.api.sent[since:] if r["chat_id"] == chat_id] or [""]
        answers[target] = answer.replace(target, "…")
    assert answers["QB-003"] == answers["QB-999"], answers
    assert answers[UNIT_B] == answers["不存在的单位"], answers
    for answer in answers.values():
        assert not {mark for mark in foreign_marks(UNIT_A) if mark in answer}, answer


# ---------------------------------------------------------------------------- reminders


async def test_reminders_and_digest_reach_each_unit_with_its_own_projects_only(running_bot):
    """Unit A (no group: its member privately) and unit B (its bound group) are reminded of
    their own stale projects only; the digest, with every unit, goes to leaders and admins."""
    db, api = running_bot.db, running_bot.api
    seed_people(db)
    bind_group(db, GROUP_B, find_unit(db, UNIT_B)["id"], "投促中心工作群", ADMIN)
    runner = running_bot.application.bot_data["rounds_runner"]
    failed = await remind(runner, dry_run=False, kinds=("reminder", "digest"),
                          out=lambda line: None)
    assert failed == 0
    await running_bot.idle()

    [to_member_a] = api.messages_to(MEMBER_A)
    [to_group_b] = api.messages_to(GROUP_B)
    assert api.messages_to(MEMBER_B) == []  # their unit's group is told instead
    for record, unit, codes in ((to_member_a, UNIT_A, ("QB-001", "QB-002")),
                                (to_group_b, UNIT_B, ("QB-003",))):
        text = visible_text(record)
        assert unit in text and all(code in text for code in codes), text
        assert not {mark for mark in foreign_marks(unit) if mark in text}, text

    for leader in (ADMIN, LEADER):
        digest = api.messages_to(leader)
        everything = "\n".join(visible_text(r) for r in digest)
        assert any(r["method"] == "sendPhoto" for r in digest)  # the wall chart
        assert UNIT_A in everything and UNIT_B in everything
