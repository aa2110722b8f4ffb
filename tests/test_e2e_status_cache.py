"""The in-memory project states (services.views.StateCache) always equal a fresh computation,
whoever changes the database: this process, another connection, an import, a unit rename; the
pages and the ranking built of them (Views) are reused until a change, and warmed up at start."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from config import load_config
from handlers.ledger import import_bytes
from reports.standing import Thresholds
from reports.states import items_from_rows
from services.caller import Caller
from services.views import StateCache, Views, entry_size
from storage.people import find_unit
from storage.problems import open_problem, resolve_problem
from storage.projects import add_milestone, changed_projects, get_project, project_states
from storage.ranks import iso_week
from tests.test_e2e_status import LEADER, TZ, add_update, ledger_csv, seed, today

CONFIG = load_config({}, dotenv_path=None)


def fresh(db, now):
    """Every project read afresh, as the cache keeps it: without the latest update's text."""
    return items_from_rows(project_states(db, texts=False), now, Thresholds())


def test_cache_follows_every_kind_of_change(fresh_db, tmp_path):
    db, cache = fresh_db, StateCache()
    seed(db)
    now = datetime.now(TZ)
    assert cache.load(db, CONFIG, now) == fresh(db, now)
    # This connection: an update, a problem opened and resolved, a milestone.
    add_update(db, "QB-002", 55, days_ago=0)
    assert changed_projects(db, cache.seq)[1] == {get_project(db, "QB-002")["id"]}
    assert cache.load(db, CONFIG, now) == fresh(db, now)
    problem = open_problem(db, get_project(db, "QB-003")["id"], "x", LEADER, None, None)
    assert cache.load(db, CONFIG, now) == fresh(db, now)
    resolve_problem(db, problem, LEADER, None)
    add_milestone(db, get_project(db, "QB-004")["id"], today().isoformat(), 30)
    assert cache.load(db, CONFIG, now) == fresh(db, now)
    # Another connection (another process: the CLI, a second bot).
    other = sqlite3.connect(tmp_path / "bot.db")
    other.execute("update updates set progress = 99 where id = (select max(id) from updates)")
    other.commit()
    items = cache.load(db, CONFIG, now)
    assert items == fresh(db, now) and any(p.progress == 99 for p, _ in items)
    # A re-import with a new project; a unit renamed (everything reloads).
    csv = ledger_csv() + "QB-007,新增项目,新单位,,,,,,,\n".encode()
    assert import_bytes(db, csv, "l.csv", None, "zh").startswith("✅")
    items = cache.load(db, CONFIG, now)
    assert items == fresh(db, now) and len(items) == 7
    other.execute("update units set name = '改名单位' where name = '新单位'")
    other.commit()
    assert {p.unit for p, _ in cache.load(db, CONFIG, now)} >= {"改名单位"}
    # A project removed.
    db.execute("delete from projects where code = 'QB-007'")
    assert cache.load(db, CONFIG, now) == fresh(db, now)
    other.close()


def test_cache_reloads_on_a_new_day_and_new_thresholds(fresh_db):
    db, cache = fresh_db, StateCache()
    seed(db)
    now = datetime.now(TZ)
    cache.load(db, CONFIG, now)
    later = now + timedelta(days=30)
    assert cache.load(db, CONFIG, later) == fresh(db, later)
    strict = CONFIG.with_overrides(lag_points=3)
    assert cache.load(db, strict, later) == items_from_rows(
        project_states(db, texts=False), later, Thresholds(strict.stale_days, strict.lag_points))


def test_cache_after_the_log_was_pruned(fresh_db):
    db, cache = fresh_db, StateCache()
    seed(db)
    now = datetime.now(TZ)
    cache.load(db, CONFIG, now)
    for i in range(30):
        add_update(db, "QB-001", 50 + i % 10, days_ago=0)
    db.execute("delete from project_changes")  # pruned by someone else: a gap
    add_update(db, "QB-002", 77, days_ago=0)
    assert changed_projects(db, cache.seq)[1] is None
    assert cache.load(db, CONFIG, now) == fresh(db, now)


async def test_status_sees_an_update_written_by_another_process(running_bot, tmp_path):
    seed(running_bot.db)
    [before] = await running_bot.send(LEADER, "/lagging")
    assert "QB-002" in before["text"]
    other = sqlite3.connect(tmp_path / "bot.db")
    project = get_project(running_bot.db, "QB-002")
    other.execute(
        "insert into updates (project_id, unit_id, author_id, chat_id, message_id, part, "
        "created_at, raw_text, progress, stage) "
        "values (?, ?, 1, 1, 999999, 0, ?, 'QB-002 已开工，进度50%', 50, 'started')",
        [project["id"], find_unit(running_bot.db, project["unit_name"])["id"],
         datetime.now(TZ).isoformat(timespec="seconds")])
    other.commit()
    other.close()
    [after] = await running_bot.send(LEADER, "/lagging")
    assert "QB-002" not in after["text"]


def built_afresh(db, name: str, arg: str = "", lang: str = "zh") -> list[str]:
    return Views(db).pages(CONFIG, Caller(LEADER, "leader", None, None, lang), name, arg)


def test_pages_are_reused_until_a_change(fresh_db, tmp_path):
    db = fresh_db
    seed(db)
    views, leader = Views(db), Caller(LEADER, "leader", None, None, "zh")
    unit = str(find_unit(db, "科创城管委会")["id"])
    first = {(name, arg): views.pages(CONFIG, leader, name, arg)
             for name, arg in (("s", ""), ("l", ""), ("u", unit), ("l", unit))}
    # Asked again (a ◀ ▶ tap, the same command): the very pages, nothing formatted again.
    for (name, arg), pages in first.items():
        assert views.pages(CONFIG, leader, name, arg) is pages
        assert pages == built_afresh(db, name, arg)
    english = views.pages(CONFIG, Caller(LEADER, "leader", None, None, "en"), "s", "")
    assert english != first["s", ""] and english == built_afresh(db, "s", "", "en")
    # A change from another connection: every page is built again, as a new service would,
    # with the entries' sizes of the projects that did not change kept.
    sizes = views.portfolio.measured["entry size zh"][1]
    other = sqlite3.connect(tmp_path / "bot.db")
    other.execute("update updates set progress = 99 where id = (select max(id) from updates)")
    other.commit()
    other.close()
    views.items(CONFIG, datetime.now(TZ))  # the change read: only its project measured again
    assert views.portfolio.measured["entry size zh"][1] is sizes
    assert sizes == [entry_size(item, "zh") for item in views.portfolio.ordered()]
    for name, arg in first:
        again = views.pages(CONFIG, leader, name, arg)
        assert again is not first[name, arg] and again == built_afresh(db, name, arg)
    assert views.pages(CONFIG, leader, "s", "") != first["s", ""]


def test_the_warm_up_builds_the_same_and_stores_no_ranking(fresh_db):
    db = fresh_db
    seed(db)
    views = Views(db)
    views.warm(CONFIG, "zh")
    assert db["rank_snapshots"].count == 0  # the week's snapshot is the first one a person sees
    for lang in ("zh", "en"):  # the other language's too
        caller = Caller(LEADER, "leader", None, None, lang)
        summary = views.built_pages["s", "", lang]  # built by the warm-up
        assert views.pages(CONFIG, caller, "s", "") is summary
        assert views.pages(CONFIG, caller, "l", "") is views.built_pages["l", "", lang]
        assert summary == built_afresh(db, "s", "", lang)
    week = iso_week(datetime.now(TZ).date())
    assert db["rank_snapshots"].count_where("week = ?", [week]) == 4  # stored by that /status
