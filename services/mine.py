"""`/mine`: a linked leader's own projects (reports.mine), as a paged view."""

from __future__ import annotations

from datetime import datetime

from config import Config
from i18n import t
from reports.mine import mine_pages
from services.caller import Caller
from services.ladder import overdue_problems
from services.views import Refusal, Views, view
from storage.people import get_person


def leader_name_of(views: Views, caller: Caller) -> str | None:
    person = get_person(views.db, caller.user_id) or {}
    return (person.get("leader_name") or "").strip() or None


@view("m", "mine")
def mine_view(views: Views, config: Config, caller: Caller, arg: str) -> list[str]:
    """The caller's projects as leader in charge; one not linked to a name is told how."""
    if not caller.sees_all:  # a unit's group may not read other units' projects
        raise Refusal(t("lead_refused_in_group", caller.lang))
    leader = leader_name_of(views, caller)
    if leader is None:
        raise Refusal(t("mine_not_linked", caller.lang))
    now = datetime.now(config.timezone)
    return mine_pages(leader, views.items(config, now),
                      overdue_problems(views.db, config, now.date()), caller.lang)
