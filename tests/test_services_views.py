"""What leaders see, through services.views directly: no Telegram, no bot."""

from __future__ import annotations

from datetime import datetime

import pytest

from config import load_config
from i18n import t
from services.caller import Caller
from services.views import VIEWS, Refusal, Views, weekly_ranking
from storage.people import find_unit
from storage.projects import get_project
from storage.ranks import iso_week, week_ranks
from tests.test_e2e_status import (
    GXJ,
    KCC,
    LEADER,
    MEMBER,
    OUTSIDER,
    TZ,
    TZZX,
    add_update,
    seed,
    today,
)

CONFIG = load_config({"BOT_TIMEZONE": "Asia/Shanghai"}, dotenv_path=None)


def leader(**fields) -> Caller:
    return Caller(LEADER, "leader", None, None, "zh", name="王市长", **fields)


def member(db, unit: str = KCC, user_id: int = MEMBER, **fields) -> Caller:
    return Caller(user_id, "member", find_unit(db, unit)["id"], unit, "zh", **fields)


def in_group(db, caller: Caller, unit: str) -> Caller:
    """`caller` in `unit`'s bound group (what handlers.access.in_chat makes)."""
    from dataclasses import replace

    return replace(caller, chat_unit_id=find_unit(db, unit)["id"], chat_unit_name=unit)


@pytest.fixture
def views(fresh_db):
    seed(fresh_db)
    return Views(fresh_db)


def test_every_view_names_the_command_whose_roles_apply():
    import services.mine  # noqa: F401  (registers /mine's view)
    import services.problems  # noqa: F401  (registers the views of /problems)

    assert {name: entry.command for name, entry in VIEWS.items()} == {
        "s": "status", "r": "status", "u": "status", "p": "status", "l": "lagging", "q": "problems",
        "c": "problems", "m": "mine"}


def test_status_without_text_is_the_summary_for_a_leader_and_the_own_unit_for_a_member(views):
    db = views.db
    assert views.status_target(leader(), "") == ("s", "")
    kcc = str(find_unit(db, KCC)["id"])
    assert views.status_target(member(db), "") == ("u", kcc)
    # In a unit's group a leader sees that unit too.
    assert views.status_target(in_group(db, leader(), TZZX), "") == (
        "u", str(find_unit(db, TZZX)["id"]))
    pages = views.pages(CONFIG, leader(), "s", "")
    assert KCC in "".join(pages)


def test_status_names_a_project_or_a_unit_or_neither(views):
    db = views.db
    assert views.status_target(leader(), "#QB-002") == ("p", str(get_project(db, "QB-002")["id"]))
    assert views.status_target(leader(), GXJ) == ("u", str(find_unit(db, GXJ)["id"]))
    with pytest.raises(Refusal) as refused:
        views.status_target(leader(), "QB-999")
    assert str(refused.value) == t("lead_unknown_target", "zh", arg="QB-999")


def test_a_member_sees_their_own_unit_only(views):
    db = views.db
    own = views.pages(CONFIG, member(db), "p", str(get_project(db, "QB-002")["id"]))
    assert "QB-002" in own[0]
    with pytest.raises(Refusal) as refused:
        views.pages(CONFIG, member(db), "p", str(get_project(db, "QB-003")["id"]))
    # another unit's project is answered as one that does not exist (a forged button's)
    assert str(refused.value) == t("lead_cb_expired", "zh")
    for target in ("QB-003", TZZX):
        with pytest.raises(Refusal) as refused:
            views.status_target(member(db), target)
        assert str(refused.value) == t("lead_unknown_target", "zh", arg=target)
    with pytest.raises(Refusal):  # every unit's lagging list is a leader's
        views.pages(CONFIG, member(db), "l", "")
    with pytest.raises(Refusal):
        views.unit_scope(member(db), TZZX)
    assert views.unit_scope(member(db), "") == str(find_unit(db, KCC)["id"])


def test_in_a_units_group_only_that_unit_whoever_asks(views):
    db = views.db
    here = in_group(db, leader(), KCC)
    with pytest.raises(Refusal) as refused:
        views.pages(CONFIG, here, "l", "")
    assert str(refused.value) == t("lead_refused_in_group", "zh")
    lagging = views.pages(CONFIG, here, "l", views.unit_scope(here, ""))
    assert "QB-002" in lagging[0] and "QB-006" not in lagging[0]
    stranger = in_group(db, member(db, TZZX, 301), KCC)
    with pytest.raises(Refusal):
        views.status_target(stranger, "")
    outsider = Caller(OUTSIDER, None, None, None, "zh")
    with pytest.raises(Refusal):
        views.pages(CONFIG, outsider, "u", str(find_unit(db, KCC)["id"]))


def test_the_first_ranking_of_the_week_is_stored(views):
    db = views.db
    assert week_ranks(db, iso_week(today())) == {}
    views.pages(CONFIG, leader(), "s", "")
    stored = week_ranks(db, iso_week(today()))
    assert set(stored) >= {KCC, TZZX}
    items = views.items(CONFIG, datetime.now(TZ))
    assert {r.unit: r.rank for r in weekly_ranking(db, items, today())} == stored


def test_the_state_cache_belongs_to_its_views_and_follows_changes(views):
    db = views.db
    now = datetime.now(TZ)
    before = views.items(CONFIG, now)
    add_update(db, "QB-002", 55, days_ago=0)
    after = views.items(CONFIG, now)
    assert [p.progress for p, _ in after if p.code == "QB-002"] == [55]
    assert before != after
    assert Views(db).states is not views.states
    views.states.invalidate()
    assert views.items(CONFIG, now) == after and views.states.reloaded


def test_reading_never_prunes_the_change_log_a_view_after_a_full_reload_does(views):
    db = views.db
    views.states.PATCH_MAX = 2
    for i in range(30):
        add_update(db, "QB-001", 40 + i, days_ago=0)
    count = db.execute("select count(*) from project_changes").fetchone()[0]
    views.items(CONFIG, datetime.now(TZ))  # a read: a full reload, nothing written
    assert db.execute("select count(*) from project_changes").fetchone()[0] == count
    views.states.invalidate()
    views.pages(CONFIG, leader(), "l", "")
    assert db.execute("select count(*) from project_changes").fetchone()[0] == 2


def test_chart_plan_and_export_without_drawing(views):
    db = views.db
    everything = views.chart(CONFIG, leader(), "")
    assert everything.pictures == 1 and len(everything.items) == 6
    assert everything.filename(0) == f"wall-chart-{today().isoformat()}-1.png"
    unit = views.chart(CONFIG, member(db), "")
    assert unit.pictures == 2 and {p.unit for p, _ in unit.items} == {KCC}
    assert KCC in unit.caption
    export = views.export(CONFIG, in_group(db, leader(), KCC))
    assert len(export.rows) == 2 and export.filename == f"key-projects-{today()}.xlsx"
    assert export.xlsx()[:2] == b"PK"


def test_nothing_to_export(fresh_db):
    with pytest.raises(Refusal) as refused:
        Views(fresh_db).export(CONFIG, leader())
    assert str(refused.value) == t("lead_export_empty", "zh")


def test_a_part_of_a_name_is_contained_or_a_chinese_abbreviation_in_order():
    from services.views import is_part_of

    assert is_part_of("科创城", "科创城管委会")
    assert is_part_of("住建局", "区住房和城乡建设局")
    assert not is_part_of("建住局", "区住房和城乡建设局")  # order kept
    assert not is_part_of("hub", "logisticscentre")
    assert is_part_of("hub", "newdistrictlogisticshub")
