"""What leaders see, without Telegram: /status, /lagging, /chart, /export and their pages.

`Views` is the application's one view service: it owns the cache of project standings and
builds every answer as pages of HTML text (or a chart's pictures, an export's rows). A view
is named by a short key and an argument (`VIEWS`), so a ◀ ▶ tap can recompute any page; every
view checks the caller again, so a command and a tap may show the same things. A member sees
their own unit only; in a unit's bound group, everyone sees that unit only.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain

from sqlite_utils import Database

from config import Config
from i18n import LANGUAGES, esc, t
from parsing.normalize import clean_name, is_han
from parsing.normalize import key as name_key
from reports.portfolio import Change, Portfolio
from reports.ranking import UnitRank, rank_units
from reports.spreadsheet import export_rows, node_rows, write_xlsx
from reports.standing import AT_RISK, LAGGING, Item, Thresholds, days_since, worst_first
from reports.states import items_from_rows, moment
from reports.summary import (
    OpenProblem,
    UpdateRow,
    lagging_pages,
    leader_summary,
    project_entry,
    project_view,
    ranking_explained,
    tg_len,
    unit_view,
)
from services.caller import Caller, not_yours_here
from services.deadlines import problems_by_project
from services.intake import LedgerProject, ledger_index
from services.offload import MadeFiles, in_child
from services.settings import thresholds
from storage.db import database_file, open_db
from storage.people import get_unit, list_units
from storage.problems import project_open_problems
from storage.projects import (
    changed_projects,
    get_project,
    get_project_by_id,
    iter_project_states,
    last_change,
    latest_texts,
    project_states,
    prune_changes,
    recent_updates,
)
from storage.ranks import iso_week, previous_week, store_snapshot, week_ranks

log = logging.getLogger(__name__)

UNITS_SHOWN = 30  # units listed in an "unknown unit" answer
CHOICES_SHOWN = 8  # projects and units offered when a part of a name fits several

# One thread draws every chart (/chart and the leader digest): matplotlib keeps a font cache
# per thread (the CJK font is big), so a pool of threads would hold several copies.
CHART_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")
# A picture of 40 projects takes about 0.7 s to draw (the CJK text, mostly): the whole
# portfolio is one picture of the 40 projects that need attention most, a unit up to two.
# Everything is in /export.
PER_PICTURE = 40
CHART_PICTURES = 1
UNIT_PICTURES = 2
# Files kept until their data change: an export of 20,000 projects is about 3.5 MB, a picture
# about 0.4 MB.
EXPORTS_KEPT = 2
CHARTS_KEPT = 6


class Refusal(Exception):
    """A one-line answer given instead of the data: not allowed, or not found."""


@dataclass(frozen=True, slots=True)
class Target:
    """A project ("p") or unit ("u") a look-up found: the view showing it, and a label."""

    view: str
    id: int
    name: str
    unit_id: int
    code: str = ""  # a project's, shown before its name

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}" if self.code else self.name


class Ambiguous(Refusal):
    """A part of a name that fits several projects or units the caller may see: the answer
    lists them (handlers offer each as a button)."""

    def __init__(self, text: str, choices: list[Target]) -> None:
        super().__init__(text)
        self.choices = choices


# ---------------------------------------------------------------------------- standings


class StateCache:
    """Every project's standing, kept between commands and paging taps: on each use only the
    projects changed since (storage.projects.changed_projects) are read again. A standing
    depends on the data, the day and the thresholds; a new day or new settings reload all."""

    PATCH_MAX = 500  # more changed projects than this: reload them all

    def __init__(self) -> None:
        self.db: Database | None = None  # the database the states are of
        self.key: tuple | None = None
        self.seq = 0
        self.items: dict[int, Item] = {}  # project id -> (state, standing), in ledger order
        self.reloaded = False  # the last load read every project again
        # What the last load changed: each changed project's (old item, new item), None for
        # every project (read again). The view service follows it (reports.portfolio).
        self.delta: list[Change] | None = None

    def invalidate(self) -> None:
        """Forget everything: the next load reads every project again."""
        self.db, self.key, self.seq, self.items = None, None, 0, {}

    def load(self, db: Database, config: Config, now: datetime) -> list[Item]:
        limits = thresholds(config)
        key = (now.date(), str(now.tzinfo), limits)
        same_db = self.db is db
        seq, changed = changed_projects(db, self.seq if same_db else 0)
        self.reloaded = (not same_db or key != self.key or changed is None
                         or len(changed) > self.PATCH_MAX)
        if self.reloaded:
            self.items = {}  # let the old states go before the new ones are made
            ids: list[int] = []

            def rows() -> Iterator[dict]:  # one at a time: 20,000 rows need not all be held
                for row in iter_project_states(db, texts=False):
                    ids.append(row["id"])
                    yield row

            items = items_from_rows(rows(), now, limits)
            self.items = dict(zip(ids, items, strict=True))
            del items
            self.db, self.key, self.delta = db, key, None
        else:
            self.delta = self._patch(db, changed, now, limits) if changed else []
        self.seq = seq
        return list(self.items.values())

    @property
    def version(self) -> tuple:
        """Changes whenever a load may give other standings: a change to the data, a new day,
        new settings, another database."""
        return id(self.db), self.key, self.seq

    def _patch(self, db: Database, changed: set[int], now: datetime,
               thresholds: Thresholds) -> list[Change]:
        """Read the `changed` projects again; their (old item, new item)."""
        rows = project_states(db, project_ids=changed, texts=False)
        fresh = dict(zip((r["id"] for r in rows), items_from_rows(rows, now, thresholds),
                         strict=True))
        delta = [(self.items.get(project_id), fresh.get(project_id)) for project_id in changed]
        for project_id in changed - fresh.keys():
            self.items.pop(project_id, None)  # deleted
        added = fresh.keys() - self.items.keys()
        self.items.update(fresh)
        if added:
            self.items = dict(sorted(self.items.items(),
                                     key=lambda kv: (kv[1][0].unit, kv[1][0].code)))
        return [(old, new) for old, new in delta if old is not None or new is not None]

    def trim_change_log(self, db: Database) -> None:
        """After a full reload, forget most of a long change log: a cache no further behind
        than PATCH_MAX changes still patches, one further behind reloads all anyway."""
        if self.reloaded and self.db is db and self.seq > 10 * self.PATCH_MAX:
            prune_changes(db, self.PATCH_MAX)
        self.reloaded = False


def project_items(db: Database, config: Config, now: datetime, unit_id: int | None = None,
                  code: str | None = None, until: str | None = None) -> list[Item]:
    """The projects (all, one unit's, or one) with their standing at `now`, read afresh;
    with `until` (a stored time), from what was stored by then."""
    rows = project_states(db, unit_id=unit_id, code=code, until=until)
    return items_from_rows(rows, now, thresholds(config))


def weekly_ranking(db: Database, items: Sequence[Item], today: date) -> list[UnitRank]:
    """The unit ranking of `items` (all projects) with each unit's change since last week;
    stores this week's snapshot when it is the first ranking of the week."""
    ranking = rank_units(items, week_ranks(db, previous_week(today)))
    store_snapshot(db, iso_week(today), ranking)
    return ranking


# ---------------------------------------------------------------------------- scope


def refused_other_unit(caller: Caller) -> Refusal:
    """Not the caller's to see here (services.caller.not_yours_here)."""
    return Refusal(not_yours_here(caller, caller.lang))


def conceals(caller: Caller, *unit_ids: int | None) -> bool:
    """Whether another unit's project or unit is answered to `caller` as if it did not exist:
    a member (not a leader) may not learn by probing what other units have. Not in a unit's
    group: an answer there quotes nothing typed, as the whole unit reads it."""
    return not caller.is_leader and caller.chat_unit_id is None and caller.unit_id not in unit_ids


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
    """The unit a view's argument names ("": every unit), if the caller may see it here."""
    unit_id = None if arg == "" else id_arg(arg)
    if unit_id is None and not caller.sees_all:
        # A leader in a unit's group is pointed to the private chat; others may never.
        raise refused_other_unit(caller) if caller.is_leader else Refusal(
            t("lead_cb_refused", caller.lang))
    if unit_id is not None and not caller.can_see_unit(unit_id):
        raise refused_other_unit(caller)
    return unit_id


def is_part_of(wanted: str, name: str) -> bool:
    """`wanted` (a name key) is a part of `name` (a name key): contained in it, or for Chinese
    an abbreviation keeping the order of its characters (住建局 of 住房和城乡建设局)."""
    if wanted in name:
        return True
    if len(wanted) < 2 or not all(is_han(c) for c in wanted):
        return False
    rest = iter(name)
    return all(c in rest for c in wanted)


Named = tuple[tuple[str, ...], tuple]  # name keys, and the unit or project each names


def _columns(pairs: list[tuple[str, object]]) -> Named:
    return tuple(key for key, _ in pairs), tuple(found for _, found in pairs)


@functools.lru_cache(maxsize=4)
def _named_at(db: Database, version: int) -> tuple[Named, Named]:
    """The name key of every unit, and of every project of the ledger index (its name and
    each alias), beside what it names, as of one ledger version: flat tuples, not a tuple
    of keys per project. A project's Target is made when a look-up finds it: 20,000 of them
    kept would take 2.5 MB."""
    units = [(name_key(u["name"]), Target("u", u["id"], u["name"], u["id"]))
             for u in list_units(db)]
    projects = [(name_key(name), p) for p in ledger_index(db).projects
                for name in (p.name, *p.aliases)]
    return _columns(units), _columns(projects)


def _targets(found: Iterable[Target | LedgerProject]) -> list[Target]:
    """Each unit or project found, once (a project's name and aliases are next to each
    other), as a Target."""
    targets, last = [], None
    for each in found:
        if each is not last:
            targets.append(each if isinstance(each, Target) else
                           Target("p", each.id, each.name, each.unit_id, each.code))
        last = each
    return targets


def resolve_target(db: Database, caller: Caller, text: str, *, projects: bool = True) -> Target:
    """The project (by code, name or alias; `projects`) or unit (by name) `text` names, in
    either script; else the one project or unit the caller may see that `text` is a part
    of. Ambiguous when it is a part of several; Refusal (None found) when of none."""
    if projects and (project := get_project(db, clean_code(text))) is not None:
        if Views._hidden(caller, project["unit_id"]):
            raise Refusal("")  # another unit's, to a member: as if it did not exist
        return Target("p", project["id"], project["code"], project["unit_id"])
    wanted = name_key(text)
    units, all_projects = _named_at(db, ledger_index(db).version)

    def named() -> Iterator[tuple[str, Target | LedgerProject]]:
        unit_names = zip(*units, strict=True)
        return chain(zip(*all_projects, strict=True), unit_names) if projects else unit_names

    exact = _targets(found for key, found in named() if key == wanted)
    if wanted and len(exact) == 1:
        if Views._hidden(caller, exact[0].unit_id):
            raise Refusal("")
        return exact[0]  # named in full: shown, or refused, by the view
    parts = (_targets(found for key, found in named() if caller.can_see_unit(found.unit_id)
                      and is_part_of(wanted, key)) if wanted else [])
    if len(parts) == 1:
        return parts[0]
    if parts:
        labels = "、".join(esc(target.label) for target in parts[:CHOICES_SHOWN])
        raise Ambiguous(t("lookup_ambiguous", caller.lang, arg=esc(text[:100]), choices=labels),
                        parts[:CHOICES_SHOWN])
    raise Refusal("")


def unit_for(db: Database, caller: Caller, name: str) -> dict:
    """The unit called `name`, or of which `name` is an unambiguous part, if the caller may
    see it (a unit the caller may not see is answered as if it did not exist)."""
    try:
        unit = get_unit(db, resolve_target(db, caller, name, projects=False).id)
    except Ambiguous:
        raise
    except Refusal:
        raise unknown_unit(db, name, caller.lang, caller) from None
    if not caller.can_see_unit(unit["id"]):
        raise refused_other_unit(caller)
    return unit


def unit_scope(db: Database, caller: Caller, text: str) -> str:
    """The argument of a view scoped by an optional unit name: by default every unit
    (leaders, "") or one (`default_unit`); a unit the caller may not see is refused."""
    if text:
        return str(unit_for(db, caller, text)["id"])
    unit_id = default_unit(caller)
    return "" if unit_id is None else str(unit_id)


def clean_code(text: str) -> str:
    return clean_name(text).lstrip("#").strip()


def id_arg(arg: str) -> int:
    if not arg.isdigit():
        raise Refusal("")
    return int(arg)


def entry_size(item: Item, lang: str) -> int:
    """The size (tg_len) of an item's list entry: a list's pages are cut by the sizes and
    only the page shown is formatted (18,000 entries take 250 ms to format)."""
    return tg_len(project_entry(*item, lang))


# ---------------------------------------------------------------------------- views

# A view: (views, config, caller, arg) -> pages. `arg` is what a page tap's data keeps.
View = Callable[["Views", Config, Caller, str], Sequence[str]]


@dataclass(frozen=True)
class ViewEntry:
    command: str  # the command whose roles apply to its pages
    build: View


VIEWS: dict[str, ViewEntry] = {}  # short name -> view


def view(name: str, command_name: str) -> Callable[[View], View]:
    def register(func: View) -> View:
        VIEWS[name] = ViewEntry(command_name, func)
        return func

    return register


@view("s", "status")
def summary_view(views: Views, config: Config, caller: Caller, arg: str) -> list[str]:
    """Leaders: the whole portfolio, with the unit ranking."""
    visible_unit_arg(caller, "")  # every unit
    pages = views.summary(config, caller.lang)
    views.keep_ranking(config)
    return pages


RANKING_WORDS = ("ranking", "rank", "排名", "赛马")  # /status ranking


@view("r", "status")
def ranking_view(views: Views, config: Config, caller: Caller, arg: str) -> list[str]:
    """Leaders: how the units are scored, with each unit's inputs."""
    visible_unit_arg(caller, "")  # every unit
    ranking = views.ranking(config, datetime.now(config.timezone))
    return ranking_explained(ranking, caller.lang, config.stale_days)


@view("u", "status")
def unit_status_view(views: Views, config: Config, caller: Caller, arg: str) -> list[str]:
    """One unit's projects, worst first, with its rank among all units."""
    unit = get_unit(views.db, id_arg(arg))
    if unit is None or (not caller.can_see_unit(unit["id"]) and conceals(caller, unit["id"])):
        raise Refusal(t("lead_cb_expired", caller.lang))
    if not caller.can_see_unit(unit["id"]):
        raise refused_other_unit(caller)
    # All the projects: the rank is among all units.
    pages = views.reused(config, ("u", arg, caller.lang), lambda items, now: unit_view(
        unit["name"], views.portfolio.unit_items(unit["name"]), caller.lang,
        ranking=views.ranking(config, now)))
    views.keep_ranking(config)
    return pages


@view("p", "status")
def project_status_view(views: Views, config: Config, caller: Caller, arg: str) -> list[str]:
    """One project: plan against actual, the last five updates, open problems."""
    db = views.db
    project = get_project_by_id(db, id_arg(arg))
    if project is None or (not caller.can_see_unit(project["unit_id"])
                           and conceals(caller, project["unit_id"])):
        raise Refusal(t("lead_cb_expired", caller.lang))
    if not caller.can_see_unit(project["unit_id"]):
        raise refused_other_unit(caller)
    now = datetime.now(config.timezone)
    found = project_items(db, config, now, code=project["code"])
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
def lagging_view(views: Views, config: Config, caller: Caller, arg: str) -> list[str]:
    """Lagging, then at-risk projects, worst first: all (arg "") or one unit's."""
    unit_id = visible_unit_arg(caller, arg)
    unit = get_unit(views.db, unit_id) if unit_id is not None else None

    def build(items: list[Item], now: datetime) -> Sequence[str]:
        if unit_id is None:
            lagging, at_risk = views.portfolio.lagging_and_at_risk()
        else:  # one unit's (none of a unit since removed)
            mine = worst_first(views.portfolio.unit_items(unit["name"]) if unit else [])
            lagging = [item for item in mine if item[1].standing == LAGGING]
            at_risk = [item for item in mine if item[1].standing == AT_RISK]
        return lagging_pages(lagging, at_risk, caller.lang, unit["name"] if unit else None,
                             sizes=views.entry_sizes)

    return views.reused(config, ("l", arg, caller.lang), build)


# ---------------------------------------------------------------------------- files


@dataclass
class ChartPlan:
    """A wall chart about to be drawn: its projects, caption and how many pictures at most."""

    items: list[Item]
    lang: str
    today: date
    caption: str
    pictures: int
    title: str  # drawn on each picture
    key: tuple = ()  # the data and settings drawn: the same key, the same pictures
    presorted: bool = False  # items already worst first (the portfolio's order)

    def filename(self, index: int) -> str:
        return f"wall-chart-{self.today.isoformat()}-{index + 1}.png"


def draw_chart(items: list[Item], lang: str, today: date, pictures: int,
               title: str | None = None, presorted: bool = False) -> list[bytes]:
    """The wall chart's PNG pictures (matplotlib is imported by the warm-up at start)."""
    from reports.chart import render_wall_chart

    return render_wall_chart(items, lang, today=today, per_picture=PER_PICTURE,
                             max_pictures=pictures, title=title, presorted=presorted)


async def draw_in_chart_thread(plan: ChartPlan) -> list[bytes]:
    """The plan's pictures, drawn in the one chart thread (the event loop carries on)."""
    return await asyncio.get_running_loop().run_in_executor(
        CHART_THREAD, draw_chart, plan.items, plan.lang, plan.today, plan.pictures, plan.title,
        plan.presorted)


def warm_up_charts() -> Future:
    """Draw a small chart in the chart thread now, beside start-up: matplotlib, the CJK font
    and the pixel buffer every picture is drawn into are made there (about half a second),
    not on the first /chart. Done when the returned future is."""
    return CHART_THREAD.submit(_warm_up)


@functools.cache  # once a process
def _warm_up() -> None:
    from reports.chart import render_wall_chart
    from reports.standing import ProjectState, assess

    now = datetime.now().astimezone()
    sample = ProjectState("QB-001", "重点项目 Key project 0123456789", "单位 Unit", None, "started",
                          now.date(), now.date(), None, None, 50.0, None, now, now)
    render_wall_chart(assess([sample], now.date(), now), "zh")


@dataclass
class Export:
    """The ledger with each project's standing at `now`, as spreadsheet rows."""

    items: list[Item]
    db: Database
    config: Config
    now: datetime
    lang: str
    key: tuple = ()  # the data and settings exported: the same key, the same file

    @property
    def day(self) -> str:
        return self.now.date().isoformat()

    @property
    def filename(self) -> str:
        return f"key-projects-{self.day}.xlsx"

    @property
    def caption(self) -> str:
        return t("lead_export_caption", self.lang, n=len(self.items), date=self.day)

    @functools.cached_property
    def problems(self) -> dict[str, list[dict]]:
        """Each project's unclosed problems (the problem columns)."""
        return problems_by_project(self.db, self.config, self.now.date())

    @functools.cached_property
    def latest(self) -> dict[str, str]:
        """Each project's latest update's text (the states kept do not hold it)."""
        return latest_texts(self.db)

    @functools.cached_property
    def rows(self) -> list[dict]:
        return export_rows(self.items, self.now, self.problems, self.latest)

    @functools.cached_property
    def nodes(self) -> list[dict]:
        """Every project's nodes (reports.spreadsheet.node_rows): the second sheet."""
        return node_rows(self.items)

    def xlsx(self) -> bytes:
        buffer = io.BytesIO()
        write_xlsx(self.rows, buffer, lang=self.lang, nodes=self.nodes)
        return buffer.getvalue()


# ---------------------------------------------------------------------------- the service


class Views:
    """What leaders see, for one database: the application keeps one (its state cache lives
    as long as it does)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.states = StateCache()
        self.exports = MadeFiles(EXPORTS_KEPT)
        self.charts = MadeFiles(CHARTS_KEPT)
        # The start-up warm-up runs in a thread: one load or build at a time.
        self.lock = threading.RLock()
        # What was built of the states as of one version (StateCache.version): the unit
        # ranking, and pages by (view, argument, language). A change empties it.
        self.built_version: tuple | None = None
        self.built_ranking: list[UnitRank] | None = None
        self.ranking_kept = False
        self.built_pages: dict[tuple, Sequence[str]] = {}
        # Every project worst first, counted, by unit and each unit scored: after a change
        # only the changed projects are taken out and put in again.
        self.portfolio = Portfolio()
        # What other views keep between reads, by name (services.problems: the open problems).
        self.kept: dict[str, object] = {}

    def items(self, config: Config, now: datetime, unit_id: int | None = None,
              code: str | None = None) -> list[Item]:
        """The projects (all, one unit's, or one) with their standing at `now`; all of them
        come from the cache."""
        if unit_id is None and code is None:
            with self.lock:
                items = self.states.load(self.db, config, now)
                if self.built_version != self.states.version:
                    self.built_version = self.states.version
                    self.built_ranking, self.ranking_kept, self.built_pages = None, False, {}
                    self._follow(self.states.delta, items)
                return items
        return project_items(self.db, config, now, unit_id=unit_id, code=code)

    def _follow(self, delta: list[Change] | None, items: list[Item]) -> None:
        """Bring the portfolio (and what is measured of it) up to the states' last load."""
        if delta is None:
            self.portfolio.reset(items)
        else:
            self.portfolio.change(delta)

    def entry_sizes(self, items: Sequence[Item], lang: str) -> list[int]:
        """The size of `project_entry` of each of `items` (the states' current items),
        measured once per item (reports.portfolio.Portfolio.measures)."""
        return self.portfolio.measures(f"entry size {lang}", functools.partial(
            entry_size, lang=lang), items)

    def ranking(self, config: Config, now: datetime) -> list[UnitRank]:
        """The unit ranking of every project with each unit's change since last week, ranked
        once per version of the states."""
        with self.lock:
            self.items(config, now)
            if self.built_ranking is None:
                previous = week_ranks(self.db, previous_week(now.date()))
                self.built_ranking = self.portfolio.ranking(previous)
            return self.built_ranking

    def summary(self, config: Config, lang: str) -> Sequence[str]:
        """The leaders' summary of the whole portfolio, with the unit ranking (stores
        nothing: see keep_ranking)."""
        return self.reused(config, ("s", "", lang), lambda items, now: leader_summary(
            items, lang, now.date(), ranking=self.ranking(config, now),
            ordered=self.portfolio.ordered(), totals=self.portfolio.totals))

    def keep_ranking(self, config: Config) -> None:
        """The ranking a leader or unit sees: stored as this week's snapshot when it is the
        first of the week (weekly_ranking); tried once per version of the states."""
        now = datetime.now(config.timezone)
        with self.lock:
            ranking = self.ranking(config, now)
            if not self.ranking_kept:
                store_snapshot(self.db, iso_week(now.date()), ranking)
                self.ranking_kept = True

    def reused(self, config: Config, key: tuple,
               build: Callable[[list[Item], datetime], Sequence[str]]) -> Sequence[str]:
        """The pages `key` (view, argument, language, and whatever else they depend on)
        stands for: built from every project's standing at most once per version of the
        states, so a ◀ ▶ tap or the same command again formats nothing until a project
        changes (or the day or the settings do)."""
        now = datetime.now(config.timezone)
        with self.lock:
            items = self.items(config, now)
            if key not in self.built_pages:
                self.built_pages[key] = build(items, now)
            return self.built_pages[key]

    def warm(self, config: Config, lang: str) -> None:
        """Build beforehand what a first command would wait for at scale: the ledger, every
        project's standing, the unit ranking, the leaders' summary, lagging list and open
        problems in `lang` and then in the other languages (the lists' entries measured),
        the names /status <name> looks up (bot.py calls it in a thread at start-up).
        Nothing is stored: this week's ranking snapshot is the first one a person sees."""
        ledger_index(self.db)  # what a member's first update waits for
        for each in (lang, *(other for other in LANGUAGES if other != lang)):
            self.summary(config, each)
            leader = Caller(user_id=0, role="leader", unit_id=None, unit_name=None, lang=each)
            for name in ("l", "q"):
                if name in VIEWS:  # "q": when services.problems is loaded, as in the bot
                    self.pages(config, leader, name, "")
        _named_at(self.db, ledger_index(self.db).version)

    def pages(self, config: Config, caller: Caller, name: str, arg: str) -> Sequence[str]:
        """The pages of view `name` for `arg`, as `caller` may see them (else Refusal)."""
        try:
            return VIEWS[name].build(self, config, caller, arg)
        finally:
            self.states.trim_change_log(self.db)

    def status_target(self, caller: Caller, text: str) -> tuple[str, str]:
        """The view /status <text> shows: the summary or the caller's unit without text,
        else the project or unit named (Refusal when `text` is neither)."""
        if not text:
            unit_id = default_unit(caller)
            return ("s", "") if unit_id is None else ("u", str(unit_id))
        if text.strip().lower() in RANKING_WORDS:
            return "r", ""
        try:
            target = resolve_target(self.db, caller, text)
        except Ambiguous:
            raise
        except Refusal:
            raise Refusal(t("lead_unknown_target", caller.lang, arg=esc(text[:100]))) from None
        return target.view, str(target.id)

    @staticmethod
    def _hidden(caller: Caller, unit_id: int) -> bool:
        return not caller.can_see_unit(unit_id) and conceals(caller, unit_id)

    def unit_scope(self, caller: Caller, text: str) -> str:
        return unit_scope(self.db, caller, text)

    def chart(self, config: Config, caller: Caller, text: str) -> ChartPlan:
        """The wall chart of every project (leaders), or of one unit (/chart <unit>, members,
        a unit's group)."""
        if text:
            unit = unit_for(self.db, caller, text)
        else:
            unit_id = default_unit(caller)
            unit = None if unit_id is None else get_unit(self.db, unit_id)
        return self.chart_of(config, caller, unit)

    def unit_chart(self, config: Config, caller: Caller, arg: str) -> ChartPlan:
        """The wall chart of the unit with id `arg` (a chosen button), if the caller may see it."""
        unit = get_unit(self.db, id_arg(arg))
        if unit is None:
            raise Refusal(t("lead_cb_expired", caller.lang))
        if not caller.can_see_unit(unit["id"]):
            raise refused_other_unit(caller)
        return self.chart_of(config, caller, unit)

    def chart_of(self, config: Config, caller: Caller, unit: dict | None) -> ChartPlan:
        from reports.chart import drawn  # matplotlib: loaded at start by warm_up_charts

        now = datetime.now(config.timezone)
        items = self.items(config, now, unit_id=unit["id"] if unit else None)
        count, most = len(items), CHART_PICTURES if unit is None else UNIT_PICTURES
        scope = esc(unit["name"]) if unit else t("lead_scope_all", caller.lang)
        caption = t("lead_chart_caption", caller.lang, date=now.date().isoformat(),
                    scope=scope, n=count)
        if count > PER_PICTURE * most:
            caption += t("lead_chart_shown", caller.lang, shown=PER_PICTURE * most)
        self.states.trim_change_log(self.db)
        day = now.date().isoformat()
        title = (t("rep_chart_title_unit", caller.lang, unit=unit["name"], date=day) if unit
                 else t("rep_chart_title", caller.lang, date=day))
        presorted = unit is None  # every project: in the order the portfolio keeps
        if presorted:
            with self.lock:  # a copy: the kept order changes with the next update
                items = list(self.portfolio.ordered())
        # What the pictures show, not the ledger's version: a change to a project left out
        # of the chart (most changes, at 20,000 projects) re-sends the pictures drawn before.
        key = (caller.lang, title, drawn(items, per_picture=PER_PICTURE, max_pictures=most,
                                         presorted=presorted))
        return ChartPlan(items, caller.lang, now.date(), caption, most, title, key, presorted)

    async def pictures(self, plan: ChartPlan) -> list[bytes]:
        """The plan's pictures: drawn in the chart thread, or as drawn before of the same data."""
        # Pictures of the same chart (language, title) of other data are let go: these data
        # have changed, and pictures are 0.4 MB each.
        scope = plan.key[:2]
        self.charts.forget(lambda key: key[:2] == scope and key != plan.key)
        return list(await self.charts.get(plan.key, lambda: draw_in_chart_thread(plan)))

    def export(self, config: Config, caller: Caller) -> Export:
        """The ledger with each project's current standing (in a unit's group, that unit's
        projects only); Refusal when there is nothing to export."""
        now = datetime.now(config.timezone)
        version = last_change(self.db)  # before the data: a change meanwhile makes a new key
        unit_id = default_unit(caller)
        items = self.items(config, now, unit_id=unit_id)
        self.states.trim_change_log(self.db)
        if not items:
            raise Refusal(t("lead_export_empty", caller.lang))
        return Export(items, self.db, config, now, caller.lang,
                      (version, config, now.date(), unit_id, caller.lang))

    async def export_file(self, export: Export) -> bytes:
        """The export as an .xlsx file, made in a child process (the event loop and every other
        chat carry on), or as made before of the same data."""
        version = export.key[0]  # an export of older data is never asked again: 3.5 MB each
        self.exports.forget(lambda key: key[0] != version)
        path = database_file(self.db)
        if not path:  # in memory: no other connection can read it
            export.problems, export.latest  # noqa: B018 -- read here, before the child

        return await self.exports.get(
            export.key, lambda: in_child(functools.partial(export_in_child, export, path)))


def export_in_child(export: Export, path: str) -> bytes:
    """The export's file, made in the child process: its problems and latest texts read through
    a connection of the child's own to the database file at `path` (the parent's may not be
    used there)."""
    if path and "problems" not in vars(export):
        db = open_db(path, migrate=False)
        try:
            export.problems = problems_by_project(db, export.config, export.now.date())
            export.latest = latest_texts(db)
        finally:
            db.close()
    return export.xlsx()
