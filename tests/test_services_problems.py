"""The problems ledger through services.problems directly: what is done, and who is told in
which chat and language, as data (the handler only sends it)."""

from __future__ import annotations

import pytest

from config import load_config
from i18n import t
from services.caller import Caller
from services.problems import assign, raise_problem, resolve
from services.views import Refusal, Views
from storage.people import bind_group, find_unit, grant_role, set_language
from storage.problems import get_problem
from tests.test_e2e_status import KCC, LEADER, MEMBER, OTHER_MEMBER, TZZX, seed

CONFIG = load_config({"BOT_TIMEZONE": "Asia/Shanghai"}, dotenv_path=None)
KCC_GROUP, PRIVATE = -1001, 42


@pytest.fixture
def db(fresh_db):
    seed(fresh_db)
    grant_role(fresh_db, 302, "member", find_unit(fresh_db, KCC)["id"], name="科创小王")
    set_language(fresh_db, 302, "en")
    return fresh_db


def leader() -> Caller:
    return Caller(LEADER, "leader", None, None, "zh", name="王市长")


def member(db, unit: str = KCC, user_id: int = MEMBER) -> Caller:
    return Caller(user_id, "member", find_unit(db, unit)["id"], unit, "zh", name="小李")


def last_problem(db) -> int:
    return db.execute("select max(id) from problems").fetchone()[0]


def test_a_problem_raised_from_outside_tells_the_units_members_in_their_language(db):
    done = raise_problem(db, CONFIG, leader(), "QB-001 施工许可未办结", PRIVATE)
    telling = done.telling
    assert telling.group is None and not telling.here
    by_chat = {n.chat_id: n.text for n in telling.members}
    assert set(by_chat) == {MEMBER, 302}
    assert "施工许可未办结" in by_chat[MEMBER] and "王市长" in by_chat[MEMBER]
    assert by_chat[302].startswith("❗ <b>New problem")
    told = telling.sentence(group_told=False, members_told=2)
    assert told == t("lead_told_members", "zh", n=2)
    assert done.answer(told).endswith("\n" + told)


def test_a_units_group_is_told_and_once_when_the_command_is_given_there(db):
    kcc = find_unit(db, KCC)["id"]
    bind_group(db, KCC_GROUP, kcc, "科创城", LEADER)
    elsewhere = raise_problem(db, CONFIG, leader(), "QB-001 用地未落实", PRIVATE).telling
    assert elsewhere.group.chat_id == KCC_GROUP and not elsewhere.here
    here = raise_problem(db, CONFIG, leader(), "QB-001 用地未落实", KCC_GROUP).telling
    assert here.here and here.group is None and here.members == []
    assert here.sentence(group_told=False, members_told=0) == t("lead_told_group", "zh")


def test_a_problem_of_the_own_unit_tells_nobody_and_another_units_is_refused(db):
    done = raise_problem(db, CONFIG, member(db), "QB-002 资金未到位", PRIVATE)
    assert done.telling is None and "QB-002" in done.answer("")
    with pytest.raises(Refusal) as refused:
        raise_problem(db, CONFIG, member(db), "QB-003 资金未到位", PRIVATE)
    # as if it did not exist: whether it does is not the member's to learn
    assert str(refused.value) == t("lead_unknown_project", "zh", code="QB-003")
    with pytest.raises(Refusal) as usage:
        raise_problem(db, CONFIG, member(db), "QB-002", PRIVATE)
    assert str(usage.value) == t("usage", "zh", usage=t("lead_problem_usage", "zh"))


def test_assign_tells_the_new_unit_but_not_the_one_who_assigned(db):
    raise_problem(db, CONFIG, member(db), "QB-002 需要投促中心协调", PRIVATE)
    problem_id = last_problem(db)
    handed = assign(db, CONFIG, leader(), f"#{problem_id} {TZZX}", PRIVATE)
    assert [n.chat_id for n in handed.telling.members] == [OTHER_MEMBER]
    assert get_problem(db, problem_id)["must_act_unit_id"] == find_unit(db, TZZX)["id"]
    assert TZZX in handed.answer("")


def test_resolve_tells_the_raising_unit_or_the_opener(db):
    raise_problem(db, CONFIG, member(db), "QB-002 需要协调", PRIVATE)
    problem_id = last_problem(db)
    with pytest.raises(Refusal):  # a member of another unit may not see it
        resolve(db, CONFIG, member(db, TZZX, OTHER_MEMBER), str(problem_id), PRIVATE)
    done = resolve(db, CONFIG, leader(), f"{problem_id} 已协调", PRIVATE)
    assert {n.chat_id for n in done.telling.members} == {MEMBER, 302}
    with pytest.raises(Refusal):  # closed already
        resolve(db, CONFIG, leader(), str(problem_id), PRIVATE)
    # Raised by a leader (no unit): the person who opened it is told.
    raise_problem(db, CONFIG, leader(), "QB-003 问题", PRIVATE)
    problem_id = last_problem(db)
    by_member = resolve(db, CONFIG, member(db, TZZX, OTHER_MEMBER), str(problem_id), PRIVATE)
    assert by_member.telling.to_opener
    assert [n.chat_id for n in by_member.telling.members] == [LEADER]
    assert by_member.telling.sentence(group_told=False, members_told=0) == ""
    assert by_member.telling.sentence(group_told=False, members_told=1) == t(
        "lead_told_opener", "zh")


def test_the_problems_view_lists_what_the_caller_may_see(db):
    raise_problem(db, CONFIG, member(db), "QB-002 资金未到位", PRIVATE)
    raise_problem(db, CONFIG, leader(), "QB-003 用地未落实", PRIVATE)
    views = Views(db)
    everything = "".join(views.pages(CONFIG, leader(), "q", ""))
    assert "资金未到位" in everything and "用地未落实" in everything
    own = "".join(views.pages(CONFIG, member(db), "q", views.unit_scope(member(db), "")))
    assert "资金未到位" in own and "用地未落实" not in own
