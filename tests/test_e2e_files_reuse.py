"""/export and /chart for a big ledger: the export is made in another process while every other
chat is answered, and both files are kept until their data change (then made anew)."""

from __future__ import annotations

import io
import os

import pytest
from openpyxl import load_workbook

from services import offload
from services import views as view_services
from services.offload import ChildFailed, MadeFiles, in_child
from tests.test_e2e_status import LEADER, MEMBER, add_update, seed


def progress_of(document: dict, code: str) -> float | None:
    """The progress cell of project `code` in an exported spreadsheet."""
    rows = list(load_workbook(io.BytesIO(document["file_bytes"])).active.values)
    return {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}[code]["进度（%）"]


async def test_an_export_is_kept_until_its_data_change(running_bot, monkeypatch):
    db = running_bot.db
    seed(db)
    made = []

    async def counted(make):
        made.append(make)
        return await in_child(make)

    monkeypatch.setattr(view_services, "in_child", counted)
    [first] = await running_bot.send(LEADER, "/export")
    [again] = await running_bot.send(LEADER, "/export")
    assert again["file_bytes"] == first["file_bytes"] and len(made) == 1
    assert progress_of(first, "QB-001") == 50
    add_update(db, "QB-001", 77, days_ago=0.1)  # written by another connection, as by intake
    [after] = await running_bot.send(LEADER, "/export")
    assert len(made) == 2 and progress_of(after, "QB-001") == 77
    # The file of the data before the update is let go: nobody can ask for it any more.
    assert len(running_bot.application.bot_data["views"].exports) == 1
    [english] = await running_bot.send(LEADER, "/export", language_code="en")
    assert len(made) == 3  # another language, another file
    assert next(load_workbook(io.BytesIO(english["file_bytes"])).active.values)[0] == "code"


async def test_others_are_answered_while_an_export_is_made_in_another_process(
        running_bot, monkeypatch):
    db = running_bot.db
    seed(db)
    gate, release = os.pipe()

    def held_export(self) -> bytes:  # in the child: waits for the test, names its process
        os.read(gate, 1)
        return f"made by {os.getpid()}".encode()

    monkeypatch.setattr(view_services.Export, "xlsx", held_export)
    before = len(running_bot.api.messages_to(LEADER))
    running_bot.api.queue_message(LEADER, "/export")
    # While the export waits, a member's status update is confirmed.
    [confirmed] = await running_bot.send(MEMBER, "QB-001 进度66%")
    assert "66%" in confirmed["text"]
    assert not [m for m in running_bot.api.messages_to(LEADER)[before:]
                if m["method"] == "sendDocument"]
    os.write(release, b"x")
    [document] = await running_bot.wait_replies(LEADER, before, 1)
    maker = int(document["file_bytes"].decode().split()[-1])
    assert maker != os.getpid()
    os.close(gate)
    os.close(release)


async def test_a_chart_is_drawn_once_for_the_same_data(running_bot, monkeypatch):
    db = running_bot.db
    seed(db)
    drawn = []
    draw = view_services.draw_chart

    def counted(items, *args):  # runs in the chart thread
        drawn.append(len(items))
        return draw(items, *args)

    monkeypatch.setattr(view_services, "draw_chart", counted)
    [first] = await running_bot.send(LEADER, "/chart")
    [again] = await running_bot.send(LEADER, "/chart")
    assert again["file_bytes"] == first["file_bytes"] and drawn == [6]
    [mine] = await running_bot.send(MEMBER, "/chart")  # the member's unit: another picture
    assert mine["file_bytes"] != first["file_bytes"] and drawn == [6, 2]
    add_update(db, "QB-003", 60, days_ago=0.1)  # another unit's: not on the member's chart
    [mine_again] = await running_bot.send(MEMBER, "/chart")
    assert mine_again["file_bytes"] == mine["file_bytes"] and drawn == [6, 2]
    add_update(db, "QB-002", 90, days_ago=0.1)
    [after] = await running_bot.send(LEADER, "/chart")
    assert after["file_bytes"] != first["file_bytes"] and drawn == [6, 2, 6]
    # the leader's earlier pictures, of data since changed, are let go; the member's stay
    assert len(running_bot.application.bot_data["views"].charts) == 2


async def test_a_child_that_fails_makes_no_file_and_the_next_asker_tries_again():
    files = MadeFiles(2)
    calls = []

    def fails() -> bytes:
        raise ValueError("no file")

    async def make() -> bytes:
        calls.append(1)
        return await in_child(fails if len(calls) == 1 else (lambda: b"made"))

    with pytest.raises(ChildFailed):
        await files.get("key", make)
    assert await files.get("key", make) == b"made"
    assert await files.get("key", make) == b"made" and len(calls) == 2


async def test_files_kept_are_the_latest_few():
    files = MadeFiles(2)

    async def made(value: bytes) -> bytes:
        return value

    for key in ("a", "b", "c"):
        await files.get(key, lambda key=key: made(key.encode()))
    assert await files.get("a", lambda: made(b"again")) == b"again"  # pushed out by b and c
    assert await files.get("c", lambda: made(b"new")) == b"c"


def test_the_child_runs_elsewhere_without_fork_too(monkeypatch):
    """Where there is no fork, the file is made in a worker thread (the same bytes)."""
    import asyncio

    monkeypatch.delattr(offload.os, "fork")
    assert asyncio.run(in_child(lambda: b"made")) == b"made"


async def test_the_child_reads_the_problems_through_its_own_connection(running_bot, monkeypatch):
    """The bot's connection is never used in the child: the problem columns come from one of
    the child's own (the bot's would be shared across the fork)."""
    db = running_bot.db
    seed(db)
    from storage.problems import open_problem
    from storage.projects import get_project

    project = get_project(db, "QB-001")
    open_problem(db, project["id"], "施工许可未办结", MEMBER, project["unit_id"], None)
    read_by = []
    real = view_services.problems_by_project

    def spied(*args):  # in the child it fills the child's copy of the list
        read_by.append(os.getpid())
        return real(*args)

    monkeypatch.setattr(view_services, "problems_by_project", spied)
    [document] = await running_bot.send(LEADER, "/export")
    rows = list(load_workbook(io.BytesIO(document["file_bytes"])).active.values)
    qb1 = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}["QB-001"]
    assert "施工许可未办结" in qb1["问题及期限"]
    assert read_by == []  # not read in the bot's own process


def test_a_fork_refused_makes_the_file_in_a_thread(monkeypatch):
    import asyncio

    def refused():
        raise OSError("Cannot allocate memory")

    monkeypatch.setattr(offload.os, "fork", refused)
    assert asyncio.run(in_child(lambda: str(os.getpid()).encode())) == str(os.getpid()).encode()
