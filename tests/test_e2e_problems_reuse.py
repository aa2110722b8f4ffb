"""/problems is built once per version of the data: a ◀ ▶ tap or the same command again reads
and formats nothing, and after any change to a problem or project (opened, assigned, resolved,
confirmed, reopened, a new limit, a ladder step, a write from another connection) the pages
equal a fresh build; in the chat, a ◀ ▶ tap after a change shows it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from services.ladder import climb
from services.problems import answer_resolution, assign, raise_problem, resolve, set_deadline
from services.views import Views
from storage.problems import last_event_id
from tests.test_e2e_problems import add_problem
from tests.test_e2e_status import LEADER, TZZX, seed, today
from tests.test_services_problems import CONFIG, PRIVATE, last_problem, leader, member
from tests.test_services_problems import db as db  # noqa: F401,PLC0414 (the fixture)


def fresh_pages(db, caller, arg=""):
    return Views(db).pages(CONFIG, caller, "q", arg)


@pytest.fixture
def views(db):
    return Views(db)


def test_the_same_pages_are_given_again_until_a_change(db, views):
    raise_problem(db, CONFIG, leader(), "QB-003 用地未落实", PRIVATE)
    first = views.pages(CONFIG, leader(), "q", "")
    assert views.pages(CONFIG, leader(), "q", "") is first  # reused: nothing formatted
    assert views.pages(CONFIG, member(db), "q", views.unit_scope(member(db), "")) \
        is not first  # another scope: its own pages
    raise_problem(db, CONFIG, leader(), "QB-002 资金未到位", PRIVATE)
    again = views.pages(CONFIG, leader(), "q", "")
    assert again is not first and "资金未到位" in "".join(again)
    assert again == fresh_pages(db, leader())


def test_every_step_of_a_problem_shows_at_once(db, views):
    def shown(caller=None, arg=""):
        caller = caller or leader()
        pages = views.pages(CONFIG, caller, "q", arg)
        assert pages == fresh_pages(db, caller, arg)
        return "".join(pages)

    assert "用地未落实" not in shown()
    raise_problem(db, CONFIG, leader(), "QB-002 用地未落实", PRIVATE)
    problem_id = last_problem(db)
    assert "用地未落实" in shown()
    kcc_arg = views.unit_scope(member(db), "")
    assert "用地未落实" in shown(member(db), kcc_arg)
    assign(db, CONFIG, leader(), f"{problem_id} {TZZX}", PRIVATE)
    assert TZZX in shown()
    set_deadline(db, CONFIG, leader(), f"{problem_id} {today() + timedelta(days=9)}", PRIVATE)
    assert (today() + timedelta(days=9)).strftime("%m") in shown()
    # The acting unit resolves: it waits for the leader's confirmation (no longer open).
    resolve(db, CONFIG, member(db, TZZX, 301), f"{problem_id} 已协调", PRIVATE)
    assert "用地未落实" not in shown()
    event = last_event_id(db, problem_id, "resolved")
    answer_resolution(db, CONFIG, leader(), f"pc:{problem_id}:{event}:n")  # reopened
    assert "用地未落实" in shown()
    resolve(db, CONFIG, member(db, TZZX, 301), f"{problem_id} 再次协调", PRIVATE)
    event = last_event_id(db, problem_id, "resolved")
    answer_resolution(db, CONFIG, leader(), f"pc:{problem_id}:{event}:y")  # confirmed
    assert "用地未落实" not in shown()


def test_a_ladder_step_another_connection_and_other_settings_are_followed(db, views, tmp_path):
    raise_problem(db, CONFIG, leader(), "QB-003 手续未办", PRIVATE)
    problem_id = last_problem(db)
    before = views.pages(CONFIG, leader(), "q", "")
    climb(db, CONFIG, today() + timedelta(days=60))  # an overdue step: an event only
    assert views.pages(CONFIG, leader(), "q", "") is not before
    other = sqlite3.connect(tmp_path / "bot.db")  # another process: the CLI, a second bot
    other.execute("update problems set text = '另一连接改写' where id = ?", [problem_id])
    other.commit()
    other.close()
    assert "另一连接改写" in "".join(views.pages(CONFIG, leader(), "q", ""))
    stricter = CONFIG.with_overrides(problem_days=1)  # other settings: other limits
    assert views.pages(stricter, leader(), "q", "") == Views(db).pages(stricter, leader(), "q", "")


async def test_a_page_tap_after_a_new_problem_shows_it(running_bot):
    db, api = running_bot.db, running_bot.api
    seed(db)
    for n in range(40):
        add_problem(db, "QB-001", f"第{n}个问题" + "用地指标未落实" * 20)
    [first] = await running_bot.send(LEADER, "/problems")
    assert "（40）（1/" in first["text"]
    forward = first["reply_markup"]["inline_keyboard"][0][-1]["callback_data"]
    [opened] = await running_bot.send(LEADER, "/problem QB-002 新发现的问题")
    assert opened["text"].startswith("✅")
    mark = len(api.sent)
    api.queue_callback(LEADER, forward, message_id=first["message_id"])
    edit = await api.wait_for_async(lambda r: r["kind"] == "edit", since=mark)
    assert "（41）（2/" in edit["text"]
    [again] = await running_bot.send(LEADER, "/problems")
    assert "（41）（1/" in again["text"]
