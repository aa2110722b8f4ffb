"""The weekly scheduling-meeting pack (调度表 and 通报), made from what /status, /lagging and
/problems show at the same moment: the same cached standings, the same weekly ranking."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlite_utils import Database

from config import Config
from i18n import t
from reports.pack import (
    WEEK_DAYS,
    PackData,
    PackNode,
    PackProblem,
    PackUpdate,
    write_bulletin,
    write_schedule,
)
from reports.ranking import rank_units
from reports.standing import Item, days_since
from reports.states import moment
from reports.summary import overdue_days
from services.caller import Caller
from services.deadlines import due_of
from services.settings import effective_config
from services.views import (
    CHART_PICTURES,
    Refusal,
    Views,
    draw_chart,
    project_items,
    visible_unit_arg,
    weekly_ranking,
)
from storage.pack import (
    nodes_until,
    problems_opened_closed,
    updates_between,
)
from storage.problems import list_open_problems
from storage.ranks import previous_week, week_ranks


@dataclass
class Pack:
    """The two files of one pack, in one language."""

    day: str
    lang: str
    projects: int
    schedule: bytes
    bulletin: bytes

    @property
    def schedule_name(self) -> str:
        return t("pack_schedule_file", self.lang, date=self.day)

    @property
    def bulletin_name(self) -> str:
        return t("pack_bulletin_file", self.lang, date=self.day)

    @property
    def caption(self) -> str:
        return t("pack_caption", self.lang, date=self.day, n=self.projects)


def stored(moment: datetime) -> str:
    """A moment as times are stored (ISO 8601 in UTC, to the second): for `until` bounds."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def end_of_day(day: date, config: Config) -> datetime:
    """The last second of `day` in the bot's timezone: a past day's pack is made as of then."""
    return datetime.combine(day, time(23, 59, 59), config.timezone)


def items_as_of(views: Views, config: Config, now: datetime, until: str | None) -> list[Item]:
    """Every project's standing at `now`: from the state cache (what /status shows), or
    with `until` from what was stored by then."""
    if until is None:
        return views.items(config, now)
    return project_items(views.db, config, now, until=until)


def pack_data(views: Views, config: Config, now: datetime, *, as_of: bool = False) -> PackData:
    """The portfolio at `now`: every project's standing, the unit ranking, the open problems
    with their limits, the standings a week before, the week's updates, the nodes. `as_of`:
    only what was stored by `now` counts (a past day's pack), and no ranking snapshot is
    stored (the week's snapshot is the first ranking made in that week)."""
    db, today = views.db, now.date()
    until = stored(now) if as_of else None
    items = items_as_of(views, config, now, until)
    if as_of:
        ranking = rank_units(items, week_ranks(db, previous_week(today)))
    else:
        ranking = weekly_ranking(db, items, today)
    problems = []
    for q in list_open_problems(db, until=until):
        opened = moment(q["created_at"])
        due = due_of(q, config)
        problems.append(PackProblem(q["id"], q["project_code"], q["project_name"],
                                    q["acting_unit_name"], opened.astimezone(now.tzinfo).date(),
                                    days_since(opened, now), q["text"], due,
                                    overdue_days(due, today)))
    week_ago = now - timedelta(days=WEEK_DAYS)
    previous = project_items(db, config, week_ago, until=stored(week_ago))
    end = until or stored(now)
    updates = [PackUpdate(moment(u["created_at"]), u["author"] or "", u["code"], u["name"],
                          u["unit_name"], u["progress"], u["stage"], u["invested"],
                          u["raw_text"])
               for u in updates_between(db, stored(week_ago), end)]
    nodes = [PackNode(n["code"], n["name"], n["unit_name"], date.fromisoformat(n["due"][:10]),
                      n["progress"], n["title"] or "",
                      moment(n["reached_at"]).astimezone(now.tzinfo).date()
                      if n["reached_at"] else None)
             for n in nodes_until(db, end)]
    opened, closed = problems_opened_closed(db, stored(week_ago), end)
    data = PackData(now, items, ranking, problems, previous=previous, updates=updates,
                    nodes=nodes, opened=opened, closed=closed)
    return data


@dataclass
class PackPlan:
    """A pack's data gathered (on the event loop, where the state cache lives), its files
    still to be written (`build`, in a worker thread)."""

    data: PackData
    lang: str

    def build(self) -> Pack:
        """Both files, with the wall chart drawn first unless it was given (call it in the
        chart thread: services.views.CHART_THREAD)."""
        if self.data.chart is None:
            title = t("rep_chart_title", self.lang, date=self.data.today.isoformat())
            self.data.chart = draw_chart(list(self.data.items), self.lang, self.data.today,
                                         CHART_PICTURES, title)[0]
        schedule, bulletin = io.BytesIO(), io.BytesIO()
        write_schedule(self.data, schedule, self.lang)
        write_bulletin(self.data, bulletin, self.lang)
        return Pack(self.data.today.isoformat(), self.lang, len(self.data.items),
                    schedule.getvalue(), bulletin.getvalue())


def plan_pack(views: Views, config: Config, lang: str, now: datetime | None = None, *,
              as_of: bool = False) -> PackPlan:
    """The pack as of `now` (default: this moment in the bot's timezone); `as_of`: from what
    was stored by then only (see pack_data)."""
    now = now or datetime.now(config.timezone)
    data = pack_data(views, config, now, as_of=as_of)
    views.states.trim_change_log(views.db)
    return PackPlan(data, lang)


def make_pack(views: Views, config: Config, lang: str, now: datetime | None = None, *,
              as_of: bool = False) -> Pack:
    """Both files as of `now`."""
    return plan_pack(views, config, lang, now, as_of=as_of).build()


def pack_for(views: Views, config: Config, caller: Caller) -> PackPlan:
    """/pack: the whole portfolio, for leaders and admins outside a unit's bound group."""
    visible_unit_arg(caller, "")  # every unit: refused in a unit's group
    now = datetime.now(config.timezone)
    if not views.items(config, now):
        raise Refusal(t("pack_empty", caller.lang))
    return plan_pack(views, config, caller.lang, now)


def write_pack(db: Database, base: Config, directory: Path, lang: str,
               day: date | None = None) -> list[Path]:
    """`python bot.py pack`: both files written into `directory`; their paths. With `day`,
    the pack as of the end of that day, from what was stored by then."""
    config = effective_config(db, base)
    if day is None:
        pack = make_pack(Views(db), config, lang)
    else:
        pack = make_pack(Views(db), config, lang, end_of_day(day, config), as_of=True)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / pack.schedule_name, directory / pack.bulletin_name]
    paths[0].write_bytes(pack.schedule)
    paths[1].write_bytes(pack.bulletin)
    return paths
