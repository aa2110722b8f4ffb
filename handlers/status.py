"""What leaders see: /status, /lagging, /chart, /export, and ◀ ▶ paging of long answers.

A long answer is one message with buttons that edit it to the other pages. The button data
(`pg:<view>:<arg>:<page>`, a few bytes) says how to recompute the page, and every tap is
checked again against the tapping user's role and unit: the same view functions decide what
a command and a tap may show. A member sees their own unit only; in a unit's bound group,
which all its members read, everyone sees that unit only (`handlers.access.in_chat`).
"""

from __future__ import annotations

import asyncio
import gc
import html
import io
import logging
import re
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

from sqlite_utils import Database
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from config import Config, apply_settings
from handlers.access import COMMANDS, Caller, app_db, command, command_args, identify, in_chat
from i18n import esc, t
from reports.spreadsheet import export_rows, write_xlsx
from reports.standing import Item, Thresholds, days_since
from reports.states import items_from_rows
from reports.summary import (
    OpenProblem,
    UpdateRow,
    lagging_list,
    leader_summary,
    project_view,
    unit_view,
)
from storage.people import find_unit, get_unit, list_units
from storage.problems import project_open_problems
from storage.projects import (
    changed_projects,
    get_project,
    get_project_by_id,
    iter_project_states,
    project_states,
    prune_changes,
    recent_updates,
)
from storage.ranks import weekly_ranking
from storage.settings import get_settings

log = logging.getLogger(__name__)

UNITS_SHOWN = 30  # units listed in an "unknown unit" answer


class Refusal(Exception):
    """A one-line answer given instead of the data: not allowed, or not found."""


# ---------------------------------------------------------------------------- data


def settings_config(db: Database, config: Config) -> Config:
    """The configuration with /settings values applied (they win over the environment)."""
    return apply_settings(config, get_settings(db))


class StateCache:
    """Every project's standing, kept between commands and paging taps: on each use only the
    projects changed since (storage.projects.changed_projects) are read again. A standing
    depends on the data, the day and the thresholds; a new day or new settings reload all."""

    PATCH_MAX = 500  # more changed projects than this: reload them all

    def __init__(self) -> None:
        self.db: weakref.ref | None = None  # the database the states are of
        self.key: tuple | None = None
        self.seq = 0
        self.items: dict[int, Item] = {}  # project id -> (state, standing), in ledger order

    def load(self, db: Database, config: Config, now: datetime) -> list[Item]:
        key = (now.date(), str(now.tzinfo), config.stale_days, config.lag_points)
        same_db = self.db is not None and self.db() is db
        seq, changed = changed_projects(db, self.seq if same_db else 0)
        thresholds = Thresholds(config.stale_days, config.lag_points)
        if not same_db or key != self.key or changed is None or len(changed) > self.PATCH_MAX:
            self.items = {}  # let the old states go before the new ones are made
            ids: list[int] = []

            def rows() -> Iterator[dict]:  # one at a time: 20,000 rows need not all be held
                for row in iter_project_states(db):
                    ids.append(row["id"])
                    yield row

            items = items_from_rows(rows(), now, thresholds)
            self.items = dict(zip(ids, items, strict=True))
            del items
            self.db, self.key = weakref.ref(db), key
            if seq > 10 * self.PATCH_MAX:
                prune_changes(db, self.PATCH_MAX)
        elif changed:
            rows = project_states(db, project_ids=changed)
            fresh = dict(zip((r["id"] for r in rows), items_from_rows(rows, now, thresholds),
                             strict=True))
            for project_id in changed - fresh.keys():
                self.items.pop(project_id, None)  # deleted
            added = fresh.keys() - self.items.keys()
            self.items.update(fresh)
            if added:
                self.items = dict(sorted(self.items.items(),
                                         key=lambda kv: (kv[1][0].unit, kv[1][0].code)))
        self.seq = seq
        return list(self.items.values())


STATES = StateCache()


def load_items(db: Database, config: Config, now: datetime, unit_id: int | None = None,
               code: str | None = None) -> list[Item]:
    """The projects (all, one unit's, or one) with their standing at `now`."""
    if unit_id is None and code is None:
        return STATES.load(db, config, now)
    rows = project_states(db, unit_id=unit_id, code=code)
    return items_from_rows(rows, now, Thresholds(config.stale_days, config.lag_points))


def refused_other_unit(caller: Caller) -> Refusal:
    """Not the caller's to see here. In a unit's group, anyone but that unit's own member is
    pointed to the private chat, and no unit is named: the group may not read theirs."""
    if caller.chat_unit_id is not None and (caller.is_leader
                                            or caller.unit_id != caller.chat_unit_id):
        return Refusal(t("lead_refused_in_group", caller.lang))
    return Refusal(t("refused_other_unit", caller.lang, unit=esc(caller.unit_name or "—")))


def unknown_unit(db: Database, name: str, lang: str, caller: Caller | None = None) -> Refusal:
    """`name` is no unit: the answer lists the units, but only the one shown in a unit's
    group, and to a member only their own."""
    if caller is None or caller.sees_all:
        names = [u["name"] for u in list_units(db)]
    else:  # only the unit shown here: a unit's group's, or a member's own
        shown_unit = caller.chat_unit_name or caller.unit_name
        names = [shown_unit] if shown_unit else []
    shown = "、".join(names[:UNITS_SHOWN]) + ("…" if len(names) > UNITS_SHOWN else "")
    return Refusal(t("lead_unknown_unit", lang, unit=esc(name[:100]), units=esc(shown or "—")))


def default_unit(caller: Caller) -> int | None:
    """The unit a view shows when none is named: every unit (None) for a leader outside a
    unit's group; in a unit's group, that unit; else a member's own (a member without one is
    told to ask an admin)."""
    if caller.sees_all:
        return None
    unit_id = caller.chat_unit_id if caller.chat_unit_id is not None else caller.unit_id
    if unit_id is None:
        raise Refusal(t("lead_no_unit", caller.lang))
    if not caller.can_see_unit(unit_id):  # a member of another unit in a unit's group
        raise refused_other_unit(caller)
    return unit_id


def visible_unit_arg(caller: Caller, arg: str) -> int | None:
    """The unit a view's button data names ("": every unit), if the caller may see it here."""
    unit_id = None if arg == "" else id_arg(arg)
    if unit_id is None and not caller.sees_all:
        # A leader in a unit's group is pointed to the private chat; others may never.
        raise refused_other_unit(caller) if caller.is_leader else Refusal(
            t("lead_cb_refused", caller.lang))
    if unit_id is not None and not caller.can_see_unit(unit_id):
        raise refused_other_unit(caller)
    return unit_id


def unit_for(db: Database, caller: Caller, name: str) -> dict:
    """The unit called `name`, if the caller may see it."""
    unit = find_unit(db, name)
    if unit is None:
        raise unknown_unit(db, name, caller.lang, caller)
    if not caller.can_see_unit(unit["id"]):
        raise refused_other_unit(caller)
    return unit


def moment(value: str) -> datetime:
    """A stored ISO 8601 time as an aware datetime (UTC when it has no offset)."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def clean_code(text: str) -> str:
    return text.strip().lstrip("#＃").strip()


# ---------------------------------------------------------------------------- views

# A view: (db, config, caller, arg) -> pages. `arg` is what the button data keeps.
View = Callable[[Database, Config, Caller, str], list[str]]
VIEWS: dict[str, tuple[str, View]] = {}  # name -> (the command whose roles apply, view)


def view(name: str, command_name: str) -> Callable[[View], View]:
    def register(func: View) -> View:
        VIEWS[name] = (command_name, func)
        return func

    return register


def id_arg(arg: str) -> int:
    if not arg.isdigit():
        raise Refusal("")
    return int(arg)


@view("s", "status")
def summary_view(db: Database, config: Config, caller: Caller, arg: str) -> list[str]:
    """Leaders: the whole portfolio, with the unit ranking."""
    visible_unit_arg(caller, "")  # every unit
    now = datetime.now(config.timezone)
    items = load_items(db, config, now)
    ranking = weekly_ranking(db, items, now.date())
    return leader_summary(items, caller.lang, now.date(), ranking=ranking)


@view("u", "status")
def unit_status_view(db: Database, config: Config, caller: Caller, arg: str) -> list[str]:
    """One unit's projects, worst first, with its rank among all units."""
    unit = get_unit(db, id_arg(arg))
    if unit is None:
        raise Refusal(t("lead_cb_expired", caller.lang))
    if not caller.can_see_unit(unit["id"]):
        raise refused_other_unit(caller)
    now = datetime.now(config.timezone)
    items = load_items(db, config, now)  # all of them: the rank is among all units
    ranking = weekly_ranking(db, items, now.date())
    return unit_view(unit["name"], items, caller.lang, ranking=ranking)


@view("p", "status")
def project_status_view(db: Database, config: Config, caller: Caller, arg: str) -> list[str]:
    """One project: plan against actual, the last five updates, open problems."""
    project = get_project_by_id(db, id_arg(arg))
    if project is None:
        raise Refusal(t("lead_cb_expired", caller.lang))
    if not caller.can_see_unit(project["unit_id"]):
        raise refused_other_unit(caller)
    now = datetime.now(config.timezone)
    found = load_items(db, config, now, code=project["code"])
    if not found:
        raise Refusal(t("lead_cb_expired", caller.lang))
    p, s = found[0]
    updates = [UpdateRow(moment(u["created_at"]), u["author"] or str(u["author_id"] or ""),
                         u["raw_text"], u["files"] or 0)
               for u in recent_updates(db, project["id"], 5)]
    problems = [OpenProblem(q["id"], q["text"], days_since(moment(q["created_at"]), now),
                            q["acting_unit_name"])
                for q in project_open_problems(db, project["id"])]
    return project_view(p, s, caller.lang, updates, problems, today=now.date(),
                        tz=config.timezone)


@view("l", "lagging")
def lagging_view(db: Database, config: Config, caller: Caller, arg: str) -> list[str]:
    """Lagging, then at-risk projects, worst first: all (arg "") or one unit's."""
    unit_id = visible_unit_arg(caller, arg)
    now = datetime.now(config.timezone)
    return lagging_list(load_items(db, config, now, unit_id=unit_id), caller.lang)


# ---------------------------------------------------------------------------- paging


def page_buttons(name: str, arg: str, page: int, count: int,
                 lang: str) -> InlineKeyboardMarkup | None:
    """◀ i/n ▶ under page `page` (0-based) of `count`; none for a single page."""
    if count <= 1:
        return None
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(t("lead_page_prev", lang),
                                        callback_data=f"pg:{name}:{arg}:{page - 1}"))
    row.append(InlineKeyboardButton(f"{page + 1}/{count}", callback_data="pg:nop"))
    if page < count - 1:
        row.append(InlineKeyboardButton(t("lead_page_next", lang),
                                        callback_data=f"pg:{name}:{arg}:{page + 1}"))
    return InlineKeyboardMarkup([row])


async def answer_view(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller,
                      name: str, arg: str) -> None:
    """Reply with the first page of a view (and page buttons), or its one-line refusal."""
    db = app_db(context)
    config = settings_config(db, context.bot_data["config"])
    try:
        pages = VIEWS[name][1](db, config, caller, arg)
    except Refusal as refusal:
        await update.effective_message.reply_text(str(refusal))
        return
    await update.effective_message.reply_text(
        pages[0], reply_markup=page_buttons(name, arg, 0, len(pages), caller.lang))


_PAGE_DATA = re.compile(r"^pg:(\w+):(\w*):(\d{1,4})$")


def _plain(text: str) -> str:
    """A refusal as a callback answer: plain text, at most 200 characters."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return text if len(text) <= 200 else text[:199] + "…"


async def on_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A ◀ or ▶ tap: recompute the page for the tapping user and edit the message to it."""
    query = update.callback_query
    caller = identify(update, context)
    if caller is not None:
        caller = in_chat(update, context, caller)  # a tap in a unit's group: that unit only
    lang = caller.lang if caller else context.bot_data["config"].language
    match = _PAGE_DATA.match(query.data or "")
    if query.data == "pg:nop":
        await query.answer()
        return
    if match is None or match.group(1) not in VIEWS or caller is None:
        await query.answer(t("lead_cb_expired", lang), show_alert=True)
        return
    name, arg, page = match.group(1), match.group(2), int(match.group(3))
    command_name, build = VIEWS[name]
    if caller.role not in COMMANDS[command_name]:
        log.info("refused page %s for user %s (role %s)", query.data, caller.user_id, caller.role)
        await query.answer(t("lead_cb_refused", lang), show_alert=True)
        return
    db = app_db(context)
    config = settings_config(db, context.bot_data["config"])
    try:
        pages = build(db, config, caller, arg)
    except Refusal as refusal:
        log.info("refused page %s for user %s", query.data, caller.user_id)
        await query.answer(_plain(str(refusal)) or t("lead_cb_expired", lang), show_alert=True)
        return
    page = min(page, len(pages) - 1)
    try:
        await query.edit_message_text(
            pages[page], reply_markup=page_buttons(name, arg, page, len(pages), caller.lang))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    await query.answer()


# ---------------------------------------------------------------------------- commands


@command("status")
async def status(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """The summary (leaders) or the caller's unit (members, and anyone in a unit's group);
    or one project or unit."""
    db, text, caller = app_db(context), command_args(update), in_chat(update, context, caller)
    if not text:
        try:
            unit_id = default_unit(caller)
        except Refusal as refusal:
            await update.effective_message.reply_text(str(refusal))
            return
        if unit_id is None:
            await answer_view(update, context, caller, "s", "")
        else:
            await answer_view(update, context, caller, "u", str(unit_id))
        return
    project = get_project(db, clean_code(text))
    if project is not None:
        await answer_view(update, context, caller, "p", str(project["id"]))
        return
    unit = find_unit(db, text)
    if unit is not None:
        await answer_view(update, context, caller, "u", str(unit["id"]))
        return
    await update.effective_message.reply_text(
        t("lead_unknown_target", caller.lang, arg=esc(text[:100])))


async def answer_unit_scoped_view(update: Update, context: ContextTypes.DEFAULT_TYPE,
                                  caller: Caller, view_key: str) -> None:
    """Answer a view scoped by an optional unit argument: by default every unit (leaders) or
    one (`default_unit`: a member's own, a unit's group's own); another unit is refused."""
    text, caller = command_args(update), in_chat(update, context, caller)
    try:
        if text:
            arg = str(unit_for(app_db(context), caller, text)["id"])
        else:
            unit_id = default_unit(caller)
            arg = "" if unit_id is None else str(unit_id)
    except Refusal as refusal:
        await update.effective_message.reply_text(str(refusal))
        return
    await answer_view(update, context, caller, view_key, arg)


@command("lagging")
async def lagging(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """Lagging then at-risk projects, worst first (members: their unit's; leaders: all or
    one unit's with /lagging <unit>)."""
    await answer_unit_scoped_view(update, context, caller, "l")


@command("chart")
async def chart(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """The wall chart as pictures: all projects (leaders), one unit's (/chart <unit>, members,
    a unit's group)."""
    db, text, caller = app_db(context), command_args(update), in_chat(update, context, caller)
    config = settings_config(db, context.bot_data["config"])
    try:
        if text:
            unit = unit_for(db, caller, text)
        else:
            unit_id = default_unit(caller)
            unit = None if unit_id is None else get_unit(db, unit_id)
    except Refusal as refusal:
        await update.effective_message.reply_text(str(refusal))
        return
    now = datetime.now(config.timezone)
    items = load_items(db, config, now, unit_id=unit["id"] if unit else None)
    count, most = len(items), CHART_PICTURES if unit is None else UNIT_PICTURES
    scope = esc(unit["name"]) if unit else t("lead_scope_all", caller.lang)
    caption = t("lead_chart_caption", caller.lang, date=now.date().isoformat(), scope=scope,
                n=count)
    if count > PER_PICTURE * most:
        caption += t("lead_chart_shown", caller.lang, shown=PER_PICTURE * most)
    await update.effective_chat.send_action(ChatAction.UPLOAD_PHOTO)
    pictures = await asyncio.get_running_loop().run_in_executor(
        CHART_THREAD, draw_chart, items, caller.lang, now.date(), most)
    del items
    for i, picture in enumerate(pictures):
        await update.effective_message.reply_photo(
            picture, caption=caption if i == 0 else None,
            filename=f"wall-chart-{now.date().isoformat()}-{i + 1}.png")


# One thread draws every chart: matplotlib keeps a font cache per thread (the CJK font is
# big), so a pool of threads would hold several copies.
CHART_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")
# A picture of 40 projects takes about 0.7 s to draw (the CJK text, mostly): the whole
# portfolio is one picture of the 40 projects that need attention most, a unit up to two.
# Everything is in /export.
PER_PICTURE = 40
CHART_PICTURES = 1
UNIT_PICTURES = 2


def draw_chart(items: list[Item], lang: str, today: date, pictures: int) -> list[bytes]:
    """The wall chart's PNG pictures (matplotlib is imported on the first chart)."""
    from reports.chart import render_wall_chart

    try:
        return render_wall_chart(items, lang, today=today, per_picture=PER_PICTURE,
                                 max_pictures=pictures)
    finally:
        gc.collect()  # figures are reference cycles: free their pixel buffers now


def xlsx_bytes(rows: list[dict], lang: str) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(rows, buffer, lang=lang)
    return buffer.getvalue()


@command("export")
async def export(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    """The ledger with each project's current standing, as an .xlsx document (in a unit's
    group, that unit's projects only)."""
    db, caller = app_db(context), in_chat(update, context, caller)
    config = settings_config(db, context.bot_data["config"])
    now = datetime.now(config.timezone)
    items = load_items(db, config, now, unit_id=default_unit(caller))
    if not items:
        await update.effective_message.reply_text(t("lead_export_empty", caller.lang))
        return
    await update.effective_chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    data = await asyncio.to_thread(xlsx_bytes, export_rows(items, now), caller.lang)
    day = now.date().isoformat()
    await update.effective_message.reply_document(
        data, filename=f"key-projects-{day}.xlsx",
        caption=t("lead_export_caption", caller.lang, n=len(items), date=day))
