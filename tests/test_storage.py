"""The database: WAL, foreign keys, migrations that upgrade an older database in place."""

import sqlite3

import pytest

from parsing.ledger import read_ledger
from storage import open_db
from storage.db import StorageError, pending_migrations
from storage.people import create_invite, get_or_create_unit, get_person, redeem_invite
from storage.projects import get_project, import_ledger, ledger_version, project_states
from storage.schema import migrations


def test_fresh_database_is_wal_with_foreign_keys(fresh_db):
    assert fresh_db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert fresh_db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert pending_migrations(fresh_db) == []
    with pytest.raises(sqlite3.IntegrityError):
        fresh_db["projects"].insert({"code": "X", "name": "x", "unit_id": 999, "created_at": "t"})


@pytest.mark.parametrize("stop_before", [m.name for m in migrations.pending(open_db(":memory:", migrate=False))][1:] or [None])
def test_older_database_upgrades_in_place(tmp_path, stop_before):
    path = tmp_path / "old.db"
    old = open_db(path, migrate=False)
    migrations.apply(old, stop_before=stop_before) if stop_before else migrations.apply(old)
    old["units"].insert({"name": "Old Unit", "created_at": "2026-01-01T00:00:00+00:00"})
    old.close()
    upgraded = open_db(path)
    assert pending_migrations(upgraded) == []
    assert [u["name"] for u in upgraded["units"].rows] == ["Old Unit"]


def test_database_of_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "newer.db"
    open_db(path).close()
    conn = sqlite3.connect(path)
    conn.execute("insert into _sqlite_migrations (migration_set, name, applied_at) "
                 "values ('key_project_bot', 'm999_from_the_future', '2030-01-01')")
    conn.commit()
    before = conn.execute("select count(*) from _sqlite_migrations").fetchone()
    conn.close()
    with pytest.raises(StorageError, match="newer version of the bot .m999_from_the_future.; "
                                           "upgrade the bot, or restore a backup"):
        open_db(path)
    conn = sqlite3.connect(path)
    assert conn.execute("select count(*) from _sqlite_migrations").fetchone() == before
    conn.close()


def test_ledger_version_moves_with_any_project_or_unit_change(fresh_db):
    versions = [ledger_version(fresh_db)]
    rows, _ = read_ledger(b"code,name,unit\nA1,First,Unit A\n", "l.csv")
    import_ledger(fresh_db, rows, actor_id=1)
    versions.append(ledger_version(fresh_db))
    fresh_db.execute("update units set name = 'Unit A2'")
    versions.append(ledger_version(fresh_db))
    fresh_db.execute("insert into settings (key, value, updated_at) values ('x', 'y', 'now')")
    versions.append(ledger_version(fresh_db))  # not the ledger: unchanged
    assert versions[0] < versions[1] < versions[2] == versions[3]


def test_import_updates_by_code_and_keeps_history(fresh_db):
    csv = b"code,name,unit\nA1,First,Unit A\n"
    rows, errors = read_ledger(csv, "l.csv")
    assert not errors
    import_ledger(fresh_db, rows, actor_id=1)
    project = get_project(fresh_db, "a1")
    fresh_db["updates"].insert({"project_id": project["id"], "created_at": "2026-11-01T00:00:00+00:00",
                                "raw_text": "A1 50%", "progress": 50, "chat_id": 5, "message_id": 1})
    rows, _ = read_ledger(b"code,name,unit\nA1,First renamed,Unit B\n", "l.csv")
    assert import_ledger(fresh_db, rows, actor_id=1) == {"created": 0, "updated": 1}
    state = project_states(fresh_db, code="A1")[0]
    assert (state["name"], state["unit_name"], state["progress"]) == ("First renamed", "Unit B", 50)


def test_invite_works_once(fresh_db):
    unit_id = get_or_create_unit(fresh_db, "Unit A")
    code = create_invite(fresh_db, "member", unit_id, actor_id=1, days=7)
    assert redeem_invite(fresh_db, code, 42, "Ann")[0] == "joined"
    assert get_person(fresh_db, 42)["unit_name"] == "Unit A"
    assert redeem_invite(fresh_db, code, 43, "Bob") == ("used", None)
    assert get_person(fresh_db, 43) is None
    assert redeem_invite(fresh_db, "nope", 43, "Bob") == ("unknown", None)


def test_expired_invite_is_refused(fresh_db):
    code = create_invite(fresh_db, "leader", None, actor_id=1, days=7)
    fresh_db.execute("update invites set expires_at = '2020-01-01T00:00:00+00:00'")
    assert redeem_invite(fresh_db, code, 42, "Ann") == ("expired", None)
    assert get_person(fresh_db, 42) is None


def test_only_changes_to_a_project_s_state_mark_it_changed(fresh_db):
    from storage.projects import changed_projects
    from storage.updates import NewUpdate, mark_replied, store_updates

    rows, _ = read_ledger(b"code,name,unit\nA1,First,Unit A\n", "l.csv")
    import_ledger(fresh_db, rows, actor_id=1)
    project = get_project(fresh_db, "A1")
    ids, _ = store_updates(fresh_db, [NewUpdate(
        project_id=project["id"], unit_id=project["unit_id"], author_id=1, chat_id=5,
        message_id=1, part=0, created_at="2026-11-20T00:00:00+00:00", raw_text="A1 40%",
        lang="en", progress=40)])
    seen, _ = changed_projects(fresh_db, 0)
    mark_replied(fresh_db, ids, 99)  # which message answered it: no change of state
    assert changed_projects(fresh_db, seen) == (seen, set())
    fresh_db.execute("update updates set progress = 45 where id = ?", ids)  # an edit: a change
    assert changed_projects(fresh_db, seen)[1] == {project["id"]}


def test_a_message_stored_twice_is_stored_once_and_its_rows_returned(fresh_db):
    from storage.projects import changed_projects
    from storage.updates import NewUpdate, mark_replied, store_updates

    rows, _ = read_ledger(b"code,name,unit\nA1,First,Unit A\n", "l.csv")
    import_ledger(fresh_db, rows, actor_id=1)
    project = get_project(fresh_db, "A1")
    update = NewUpdate(
        project_id=project["id"], unit_id=project["unit_id"], author_id=1, chat_id=5,
        message_id=1, part=0, created_at="2026-11-20T00:00:00+00:00", raw_text="A1 40%",
        lang="en", progress=40, problems=["no power"])
    ids, earlier = store_updates(fresh_db, [update])
    assert earlier == []  # stored now
    mark_replied(fresh_db, ids, 99)
    seen, _ = changed_projects(fresh_db, 0)
    again, earlier = store_updates(fresh_db, [update])  # processed again after a restart
    assert again == ids and [row["reply_message_id"] for row in earlier] == [99]
    assert fresh_db.execute("select count(*) from updates").fetchone()[0] == 1
    assert fresh_db.execute("select count(*) from problems").fetchone()[0] == 1
    assert changed_projects(fresh_db, seen) == (seen, set())  # nothing new for /status either


def test_a_message_of_two_projects_stored_twice_is_stored_once(fresh_db):
    from storage.updates import NewUpdate, store_updates

    rows, _ = read_ledger(b"code,name,unit\nA1,First,Unit A\nA2,Second,Unit A\n", "l.csv")
    import_ledger(fresh_db, rows, actor_id=1)
    parts = [NewUpdate(project_id=get_project(fresh_db, code)["id"], unit_id=None, author_id=1,
                       chat_id=5, message_id=1, part=part, created_at="2026-11-20T00:00:00+00:00",
                       raw_text=f"{code} 40%", lang="en", progress=40)
             for part, code in enumerate(["A1", "A2"])]
    ids, earlier = store_updates(fresh_db, parts)
    again, earlier = store_updates(fresh_db, parts)
    assert again == ids and [row["part"] for row in earlier] == [0, 1]
    assert fresh_db.execute("select count(*) from updates").fetchone()[0] == 2


def test_state_after_update_is_project_states_row_and_the_progress_before(fresh_db):
    from storage.projects import add_milestone, list_projects, state_after_update
    from storage.updates import NewUpdate, store_updates

    rows, _ = read_ledger(b"code,name,unit,aliases\nA1,First,Unit A,F1;Un\nA2,Second,Unit A,\n",
                          "l.csv")
    import_ledger(fresh_db, rows, actor_id=1)
    add_milestone(fresh_db, get_project(fresh_db, "A1")["id"], "2026-12-31", 100)
    add_milestone(fresh_db, get_project(fresh_db, "A1")["id"], "2026-06-30", 50)
    ledger = {p["code"]: p for p in list_projects(fresh_db)}

    def store(message_id: int, code: str, created_at: str, **fields) -> int:
        project = ledger[code]
        return store_updates(fresh_db, [NewUpdate(
            project_id=project["id"], unit_id=project["unit_id"], author_id=1, chat_id=5,
            message_id=message_id, part=0, created_at=created_at, raw_text=f"{code} text",
            lang="en", **fields)])[0][0]

    first = store(1, "A1", "2026-11-01T00:00:00+00:00", progress=30, problems=["no power"])
    state = state_after_update(fresh_db, ledger["A1"], first)
    assert state["previous_progress"] is None  # the first progress ever reported
    store(2, "A2", "2026-11-02T00:00:00+00:00", progress=90)  # another project's: not counted
    store(3, "A1", "2026-11-03T00:00:00+00:00", stage="started")  # no progress in it
    latest = store(4, "A1", "2026-11-04T00:00:00+00:00", progress=45, invested=120)
    state = state_after_update(fresh_db, ledger["A1"], latest)
    assert state["previous_progress"] == 30
    expected = project_states(fresh_db, code="A1")[0]
    assert {key: state[key] for key in expected} == expected
    assert [m["due"] for m in state["milestones"]] == ["2026-06-30", "2026-12-31"]
    assert (state["progress"], state["current_stage"], state["invested"], state["open_problems"],
            state["aliases"]) == (45, "started", 120, 1, ["F1", "Un"])


def test_previous_progress_of_a_corrected_update_is_the_one_before_it(fresh_db):
    from storage.projects import list_projects, state_after_update
    from storage.updates import NewUpdate, store_updates

    rows, _ = read_ledger(b"code,name,unit\nA1,First,Unit A\n", "l.csv")
    import_ledger(fresh_db, rows, actor_id=1)
    project = list_projects(fresh_db)[0]

    def store(message_id: int, created_at: str, progress: float) -> int:
        return store_updates(fresh_db, [NewUpdate(
            project_id=project["id"], unit_id=project["unit_id"], author_id=1, chat_id=5,
            message_id=message_id, part=0, created_at=created_at, raw_text="A1",
            lang="en", progress=progress)])[0][0]

    first = store(1, "2026-11-01T00:00:00+00:00", 30)
    middle = store(2, "2026-11-02T00:00:00+00:00", 40)
    store(3, "2026-11-03T00:00:00+00:00", 50)  # a later update does not count for the middle one
    assert state_after_update(fresh_db, project, middle)["previous_progress"] == 30
    assert state_after_update(fresh_db, project, first)["previous_progress"] is None


def test_latest_texts_are_each_project_s_newest_update_and_states_may_leave_them_out(fresh_db):
    from storage.projects import latest_texts, list_projects
    from storage.updates import NewUpdate, store_updates

    rows, _ = read_ledger(b"code,name,unit\nA1,First,Unit A\nA2,Second,Unit A\nA3,Third,Unit A\n",
                          "l.csv")
    import_ledger(fresh_db, rows, actor_id=1)
    ledger = {p["code"]: p for p in list_projects(fresh_db)}
    for message_id, code, day, text in [(1, "A1", "03", "A1 newest"), (2, "A1", "01", "A1 old"),
                                        (3, "A2", "02", "A2 at 40%")]:
        store_updates(fresh_db, [NewUpdate(
            project_id=ledger[code]["id"], unit_id=ledger[code]["unit_id"], author_id=1,
            chat_id=5, message_id=message_id, part=0, created_at=f"2026-11-{day}T00:00:00+00:00",
            raw_text=text, lang="en")])
    assert latest_texts(fresh_db) == {"A1": "A1 newest", "A2": "A2 at 40%"}  # A3: none yet
    with_texts = {r["code"]: r for r in project_states(fresh_db)}
    assert with_texts["A1"]["latest_update"] == "A1 newest"
    without = project_states(fresh_db, texts=False)
    assert all("latest_update" not in row for row in without)
    assert [{k: v for k, v in with_texts[r["code"]].items() if k != "latest_update"}
            for r in without] == without
