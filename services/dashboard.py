"""The leaders' dashboard (the Mini App and the meeting-room screen): its data as plain dicts.

The same use cases and the same scope as the chat: a `Caller` (services.caller), checked
with `Caller.can_see_unit` on every answer; standings from the application's one `Views`.
A member sees their own unit; a leader every unit; opened from a unit's bound group, that
unit only. What the caller may not see is `Forbidden`, which names nothing.
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from config import Config
from i18n.reports import reason_text
from reports.investment import CUMULATIVE, investment_to_date
from reports.ranking import UnitRank
from reports.standing import STAGES, STANDINGS, Item, days_since, planned_progress, worst_first
from reports.summary import ESCALATE_DAYS
from services.caller import LEADERS, Caller, identify_user
from services.settings import effective_config
from services.views import Refusal, Views, default_unit, moment
from services.webauth import WebUser, new_screen_token, screen_token_hash
from storage.dashboard import (
    investment_around,
    progress_history,
    project_milestones,
    update_files,
)
from storage.people import find_unit, get_person, get_unit, group_unit, list_units
from storage.problems import count_open_problems, list_open_problems, project_open_problems
from storage.projects import get_project, list_projects, recent_updates
from storage.screens import add_screen_link, live_screen_link, revoke_screen_links

WEB_ROLES = frozenset({"admin", "leader", "member"})  # who may open the Mini App: /dashboard
SCREEN_ROLES = LEADERS  # who may make a meeting-room screen link: /screen
SCREEN_HOURS = 12
UPDATES_SHOWN = 10
LAGGING_SHOWN = 20  # the overview's worst projects (GET /api/projects has them all)
_GROUP_PARAM = re.compile(r"^g(-?\d{1,20})$")  # start_param of a launch from a group


class Forbidden(Exception):
    """Not the caller's to see: answered 403 without saying whose it is."""


class NotFound(Exception):
    """No such project or unit."""


# ---------------------------------------------------------------------------- who


def group_start_param(chat_id: int) -> str:
    """The start parameter of a Mini App link posted in a group (`web_caller` reads it)."""
    return f"g{chat_id}"


def web_caller(db: Database, config: Config, user: WebUser) -> Caller:
    """The caller a verified initData stands for: the chat's caller, narrowed to a unit when
    the app was opened from that unit's bound group (a parameter can only narrow the scope,
    so a forged one shows less, never more). Forbidden for people without a role."""
    caller = identify_user(db, config, user.user_id, user.full_name, user.username,
                           user.language_code)
    if caller.role not in WEB_ROLES:
        raise Forbidden
    chat_id = user.chat_id
    found = _GROUP_PARAM.match(user.start_param or "")
    if chat_id is None and found:
        chat_id = int(found.group(1))
    unit = group_unit(db, chat_id) if chat_id is not None else None
    if unit is not None:
        caller = replace(caller, chat_unit_id=unit["id"], chat_unit_name=unit["name"])
        if not caller.can_see_unit(unit["id"]):  # a member of another unit, in this group
            raise Forbidden
    return caller


def make_screen_link(db: Database, caller: Caller, now: datetime) -> tuple[str, datetime]:
    """A new screen token (shown once; only its hash is kept) and when it expires."""
    token = new_screen_token()
    expires = now + timedelta(hours=SCREEN_HOURS)
    add_screen_link(db, screen_token_hash(token), caller.user_id, caller.lang, expires)
    return token, expires


def revoke_screens(db: Database, caller: Caller) -> int:
    return revoke_screen_links(db, caller.user_id)


def screen_caller(db: Database, config: Config, token: str, now: datetime) -> Caller | None:
    """The read-only portfolio viewer a live screen link stands for; None when the link is
    unknown, revoked or expired, or its maker is no longer a leader."""
    link = live_screen_link(db, screen_token_hash(token), now)
    if link is None:
        return None
    maker = get_person(db, link["created_by"])
    if link["created_by"] not in config.admins and (maker or {}).get("role") not in LEADERS:
        return None
    return Caller(user_id=link["created_by"], role="leader", unit_id=None, unit_name=None,
                  lang=link["lang"] or config.language)


# ---------------------------------------------------------------------------- answers


def _text(html_text: str) -> str:
    """A catalogue phrase as plain text (the page escapes it as it shows it)."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def project_row(item: Item, lang: str, unit_ids: dict[str, int]) -> dict:
    """A project as lists show it (2,000 of them at once: only what a list needs)."""
    p, s = item
    return {
        "code": p.code, "name": p.name, "unit": p.unit, "unit_id": unit_ids.get(p.unit),
        "stage": p.stage, "progress": p.progress, "planned": s.planned, "behind": s.behind,
        "standing": s.standing, "stale_days": s.stale_days,
        "reasons": [_text(reason_text(r, lang)) for r in s.why],
        "open_problems": p.open_problems,
    }


def project_details(item: Item, lang: str, unit_ids: dict[str, int]) -> dict:
    p, s = item
    return {**project_row(item, lang, unit_ids), "leader": p.leader, "is_stale": s.is_stale,
            "past_end": s.past_end, "planned_start": _day(p.planned_start),
            "planned_end": _day(p.planned_end), "total_investment": p.total_investment,
            "annual_plan": p.annual_plan, "invested": p.invested,
            "invested_year": p.invested_year, "invested_year_derived": p.invested_year_derived,
            "last_update_at": p.last_update_at.isoformat() if p.last_update_at else None}


def rank_row(rank: UnitRank, unit_ids: dict[str, int]) -> dict:
    return {"unit": rank.unit, "unit_id": unit_ids.get(rank.unit), "rank": rank.rank,
            "score": round(rank.score, 1), "change": rank.change,
            "previous_rank": rank.previous_rank, "projects": rank.projects,
            "lagging": rank.lagging, "at_risk": rank.at_risk, "on_track": rank.on_track,
            "done": rank.done, "stale": rank.stale, "avg_progress": round(rank.avg_progress, 1)}


def problem_row(q: dict, now: datetime) -> dict:
    """An open problem; its deadline is when it is escalated (ESCALATE_DAYS after it opened)."""
    opened = moment(q["created_at"])
    deadline = (opened + timedelta(days=ESCALATE_DAYS)).astimezone(now.tzinfo).date()
    return {"id": q["id"], "text": q["text"], "project_code": q["project_code"],
            "project_name": q["project_name"], "acting_unit": q["acting_unit_name"],
            "raised_unit": q["raised_unit_name"], "opened": opened.isoformat(),
            "age_days": days_since(opened, now), "deadline": deadline.isoformat(),
            "overdue": deadline < now.date()}


@functools.lru_cache(maxsize=4)
def this_year_by_code(db: Database, change: int, today: date, tz: str, hour: str
                      ) -> dict[str, float]:
    """Each project's investment this year (reports.investment, on its last cumulative figure
    before 1 January and its latest since), for the ledger as of change number `change` of
    the project change log: recomputed only when an update arrives, the day turns or
    an hour passes (a figure dated ahead of that hour counts from then)."""
    zone = ZoneInfo(tz)
    jan1 = datetime(today.year, 1, 1, tzinfo=zone).astimezone(UTC).isoformat()
    until = f"{hour}:59:59+00:00"
    started = {p["code"]: p["planned_start"] for p in list_projects(db)}
    year: dict[str, float] = {}
    for row in investment_around(db, jan1, until):
        if row["latest_at"] is None:
            continue
        figures = [(moment(at).astimezone(zone).date(), amount, CUMULATIVE)
                   for at, amount in ((row["before_at"], row["before"]),
                                      (row["latest_at"], row["latest"])) if at]
        start = started.get(row["code"])
        value = investment_to_date(figures, today,
                                   date.fromisoformat(start) if start else None).this_year
        if value is not None:
            year[row["code"]] = value
    return year


class Dashboard:
    """The dashboard's answers for one database, on the application's view service."""

    def __init__(self, views: Views, config: Config) -> None:
        self.views, self.base_config = views, config
        # Every project's list row by language, as of one version of the states: a list of
        # 2,000 projects is made once per change, not on every request.
        self.rows_version: tuple | None = None
        self.rows: dict[str, list[dict]] = {}

    @property
    def db(self) -> Database:
        return self.views.db

    def _now(self) -> tuple[Config, datetime]:
        config = effective_config(self.db, self.base_config)
        return config, datetime.now(config.timezone)

    def unit_ids(self) -> dict[str, int]:
        return {u["name"]: u["id"] for u in list_units(self.db)}

    def _visible(self, caller: Caller, items: list[Item], unit_ids: dict[str, int]) -> list[Item]:
        try:
            default_unit(caller)  # a member without a unit sees nothing
        except Refusal:
            raise Forbidden from None
        if caller.sees_all:
            return items
        return [i for i in items if caller.can_see_unit(unit_ids.get(i[0].unit))]

    def _all(self, caller: Caller) -> tuple[Config, datetime, list[Item], list[Item], dict]:
        config, now = self._now()
        unit_ids = self.unit_ids()
        items = self.views.items(config, now)
        try:
            return config, now, items, self._visible(caller, items, unit_ids), unit_ids
        finally:
            self.views.states.trim_change_log(self.db)

    def me(self, caller: Caller) -> dict:
        scope = caller.chat_unit_name or (None if caller.sees_all else caller.unit_name)
        return {"name": caller.name, "role": caller.role, "unit": caller.unit_name,
                "scope": scope, "lang": caller.lang}

    def overview(self, caller: Caller) -> dict:
        """Projects by light and by stage, this year's investment against the annual plan,
        the ranking, the lagging projects with reasons, the open problems' count."""
        config, now, items, visible, unit_ids = self._all(caller)
        lights = Counter(s.standing for _, s in visible)
        stages = Counter(p.stage or "unknown" for p, _ in visible)
        behind = [i for i in worst_first(visible) if i[1].standing in ("lagging", "at_risk")]
        lagging = [project_row(i, caller.lang, unit_ids) for i in behind[:LAGGING_SHOWN]]
        return {
            "me": self.me(caller), "today": now.date().isoformat(), "projects": len(visible),
            "lights": {k: lights.get(k, 0) for k in STANDINGS},
            "stages": {k: stages.get(k, 0) for k in (*STAGES, "unknown") if stages.get(k)},
            "investment": self._investment(visible, now),
            "ranking": self._ranking(caller, config, now, unit_ids),
            "lagging": lagging, "lagging_total": len(behind),
            "open_problems": count_open_problems(self.db, self._problem_scope(caller)),
        }

    def _investment(self, items: list[Item], now: datetime) -> dict:
        """This year's investment of `items` against their annual plans."""
        year = this_year_by_code(self.db, self.views.states.seq, now.date(), str(now.tzinfo),
                                 now.astimezone(UTC).isoformat()[:13])
        reported = [year[p.code] for p, _ in items if p.code in year]
        done = sum(reported)
        plan = sum(p.annual_plan or 0 for p, _ in items)
        return {"year": now.year, "this_year": round(done, 1), "plan": round(plan, 1),
                "share": round(done / plan, 4) if plan else None, "reported": len(reported)}

    def _ranking(self, caller: Caller, config: Config, now: datetime,
                 unit_ids: dict[str, int]) -> list[dict]:
        """Every unit's rank for a leader; a member (or a unit's group) sees its own row."""
        ranking = self.views.ranking(config, now)
        self.views.keep_ranking(config)
        return [rank_row(r, unit_ids) for r in ranking if caller.can_see_unit(unit_ids.get(r.unit))]

    def all_rows(self, items: list[Item], lang: str, unit_ids: dict[str, int]) -> list[dict]:
        """`project_row` of every project (`items`, as `_all` just loaded them)."""
        if self.rows_version != self.views.states.version:
            self.rows_version, self.rows = self.views.states.version, {}
        if lang not in self.rows:
            self.rows[lang] = [project_row(i, lang, unit_ids) for i in items]
        return self.rows[lang]

    def projects(self, caller: Caller) -> dict:
        _, now, items, visible, unit_ids = self._all(caller)
        units = sorted({p.unit for p, _ in visible})
        rows = self.all_rows(items, caller.lang, unit_ids)
        if len(visible) < len(items):
            rows = [row for row in rows if caller.can_see_unit(row["unit_id"])]
        return {"me": self.me(caller), "today": now.date().isoformat(),
                "units": [{"id": unit_ids.get(u), "name": u} for u in units],
                "projects": rows}

    def ranking(self, caller: Caller) -> dict:
        config, now, _, _, unit_ids = self._all(caller)
        return {"me": self.me(caller), "week_of": now.date().isoformat(),
                "ranking": self._ranking(caller, config, now, unit_ids)}

    @staticmethod
    def _problem_scope(caller: Caller) -> int | None:
        """The unit whose problems the caller sees (None: all)."""
        try:
            return default_unit(caller)
        except Refusal:
            raise Forbidden from None

    def _problem_rows(self, caller: Caller) -> list[dict]:
        return list_open_problems(self.db, self._problem_scope(caller))

    def problems(self, caller: Caller) -> dict:
        _, now = self._now()
        return {"me": self.me(caller),
                "problems": [problem_row(q, now) for q in self._problem_rows(caller)]}

    def unit(self, caller: Caller, ref: str) -> dict:
        unit = get_unit(self.db, int(ref)) if ref.isdigit() else find_unit(self.db, ref)
        if unit is None:
            raise NotFound
        if not caller.can_see_unit(unit["id"]):
            raise Forbidden
        config, now, items, _, unit_ids = self._all(caller)
        mine = worst_first(i for i in items if i[0].unit == unit["name"])
        rank = [r for r in self._ranking(caller, config, now, unit_ids)
                if r["unit_id"] == unit["id"]]
        return {"me": self.me(caller), "unit": {"id": unit["id"], "name": unit["name"]},
                "rank": rank[0] if rank else None,
                "projects": [project_row(i, caller.lang, unit_ids) for i in mine],
                "problems": [problem_row(q, now) for q in list_open_problems(self.db, unit["id"])]}

    def project(self, caller: Caller, code: str) -> dict:
        """One project: its standing, progress over time against the plan line, its nodes,
        its last updates and open problems."""
        project = get_project(self.db, code.strip().lstrip("#＃"))
        if project is None:
            raise NotFound
        if not caller.can_see_unit(project["unit_id"]):
            raise Forbidden
        config, now = self._now()
        found = self.views.items(config, now, code=project["code"])
        if not found:
            raise NotFound
        p, s = found[0]
        today = now.date()
        plan_days = sorted({d for d in (p.planned_start, p.planned_end, today,
                                        *(m.due for m in p.milestones)) if d})
        plan = [{"on": d.isoformat(), "progress": planned_progress(p, d)} for d in plan_days]
        return {
            "me": self.me(caller),
            "project": project_details(found[0], caller.lang, {p.unit: project["unit_id"]}),
            "history": [{"at": moment(h["created_at"]).astimezone(now.tzinfo).isoformat(),
                         "progress": h["progress"]}
                        for h in progress_history(self.db, project["id"])],
            "plan": [pt for pt in plan if pt["progress"] is not None],
            "nodes": [{"due": m["due"], "progress": m["progress"], "title": m["title"],
                       "missed": m["due"] < today.isoformat()
                       and (p.progress or 0) < m["progress"]}
                      for m in project_milestones(self.db, project["id"])],
            "updates": [{"id": u["id"],
                         "at": moment(u["created_at"]).astimezone(now.tzinfo).isoformat(),
                         "who": u["author"] or "", "text": u["raw_text"],
                         "files": u["files"] or 0}
                        for u in recent_updates(self.db, project["id"], UPDATES_SHOWN)],
            "problems": [problem_row(q, now) for q in project_open_problems(self.db,
                                                                            project["id"])],
            "standing_today": s.standing,
        }

    def update_file(self, caller: Caller, update_id: str, index: str) -> str:
        """The Telegram file id of an update's attachment number `index`, if the caller may
        see the update's project."""
        if not (update_id.isdigit() and index.isdigit()):
            raise NotFound
        found = update_files(self.db, int(update_id))
        if found is None or int(index) >= len(found["file_ids"]):
            raise NotFound
        if not caller.can_see_unit(found["unit_id"]):
            raise Forbidden
        return found["file_ids"][int(index)]
