"""The weekly scheduling-meeting pack (调度表 and 通报), made from what /status, /lagging and
/problems show at the same moment: the same cached standings, the same weekly ranking."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from config import Config
from i18n import t
from reports.pack import PackData, PackProblem, write_bulletin, write_schedule
from reports.standing import days_since
from reports.states import moment
from services.caller import Caller
from services.settings import effective_config
from services.views import Refusal, Views, visible_unit_arg, weekly_ranking
from storage.problems import list_open_problems


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


def pack_data(views: Views, config: Config, now: datetime) -> PackData:
    """The portfolio at `now`: every project's standing, the unit ranking, the open problems."""
    items = views.items(config, now)
    ranking = weekly_ranking(views.db, items, now.date())
    problems = []
    for q in list_open_problems(views.db):
        opened = moment(q["created_at"])
        problems.append(PackProblem(q["id"], q["project_code"], q["project_name"],
                                    q["acting_unit_name"], opened.astimezone(now.tzinfo).date(),
                                    days_since(opened, now), q["text"]))
    return PackData(now, items, ranking, problems)


@dataclass
class PackPlan:
    """A pack's data gathered (on the event loop, where the state cache lives), its files
    still to be written (`build`, in a worker thread)."""

    data: PackData
    lang: str

    def build(self) -> Pack:
        schedule, bulletin = io.BytesIO(), io.BytesIO()
        write_schedule(self.data, schedule, self.lang)
        write_bulletin(self.data, bulletin, self.lang)
        return Pack(self.data.today.isoformat(), self.lang, len(self.data.items),
                    schedule.getvalue(), bulletin.getvalue())


def plan_pack(views: Views, config: Config, lang: str, now: datetime | None = None) -> PackPlan:
    """The pack as of `now` (default: this moment in the bot's timezone)."""
    now = now or datetime.now(config.timezone)
    data = pack_data(views, config, now)
    views.states.trim_change_log(views.db)
    return PackPlan(data, lang)


def make_pack(views: Views, config: Config, lang: str, now: datetime | None = None) -> Pack:
    """Both files as of `now`."""
    return plan_pack(views, config, lang, now).build()


def pack_for(views: Views, config: Config, caller: Caller) -> PackPlan:
    """/pack: the whole portfolio, for leaders and admins outside a unit's bound group."""
    visible_unit_arg(caller, "")  # every unit: refused in a unit's group
    now = datetime.now(config.timezone)
    if not views.items(config, now):
        raise Refusal(t("pack_empty", caller.lang))
    return plan_pack(views, config, caller.lang, now)


def write_pack(db: Database, base: Config, directory: Path, lang: str) -> list[Path]:
    """`python bot.py pack`: both files written into `directory`; their paths."""
    pack = make_pack(Views(db), effective_config(db, base), lang)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / pack.schedule_name, directory / pack.bulletin_name]
    paths[0].write_bytes(pack.schedule)
    paths[1].write_bytes(pack.bulletin)
    return paths
