"""End to end: one format for money in confirmations and views, plurals, "—" for nothing
reported, headings once, the unit named in /lagging <unit> and a unit's chart."""

from __future__ import annotations

import pytest

from tests.conftest import LEADER
from tests.test_e2e_intake import HT, TZ, seed_world


@pytest.fixture
def bot(running_bot):
    seed_world(running_bot.db)
    return running_bot


async def test_money_is_written_alike_in_confirmations_and_status(bot):
    [zh] = await bot.send(TZ, "QB-003 进度40%，累计完成投资32000万元")
    assert "累计完成投资 3.2亿元" in zh["text"], zh["text"]
    [view] = await bot.send(TZ, "/status QB-003")
    assert "3.2亿元" in view["text"]
    [small] = await bot.send(TZ, "QB-003 进度41%，累计完成投资8000万元")
    assert "累计完成投资 8,000万元" in small["text"], small["text"]
    [en] = await bot.send(HT, "ZQ-101: invested 450 million yuan so far, 65% complete",
                          language_code="en")
    assert "invested so far: CNY 450M" in en["text"], en["text"]
    [en_view] = await bot.send(HT, "/status ZQ-101", language_code="en")
    assert "CNY 450M" in en_view["text"]


async def test_one_project_is_not_projects(bot):
    [reply] = await bot.send(HT, "/status", language_code="en")
    assert "(1 project)" in reply["text"], reply["text"]
    assert "1 projects" not in reply["text"]


async def test_average_progress_is_a_dash_when_nothing_was_reported(bot):
    [reply] = await bot.send(LEADER, "/status")
    assert "平均进度 —" in reply["text"], reply["text"]


async def test_project_status_says_latest_update_once(bot):
    await bot.send(TZ, "QB-003 进度40%")
    [reply] = await bot.send(TZ, "/status QB-003")
    assert reply["text"].count("最近更新") == 1, reply["text"]


async def test_lagging_of_a_unit_names_the_unit(bot):
    [reply] = await bot.send(LEADER, "/lagging 区投资促进服务中心")
    assert "区投资促进服务中心" in reply["text"].splitlines()[0], reply["text"]


async def test_a_long_english_name_is_shown_in_full_in_its_status(bot):
    from handlers.ledger import import_bytes

    name = "Riverside Advanced Manufacturing and Clean Energy Demonstration Park Phase Two " \
           "Including Supporting Roads"
    reply = import_bytes(bot.db, f"code,name,unit\nZQ-199,{name},High-tech Zone Committee\n"
                         .encode(), "more.csv", None, "en")
    assert reply.startswith("✅")
    [unit] = await bot.send(HT, "/status", language_code="en")
    assert "ZQ-199" in unit["text"]  # the list shows the code to ask about
    [full] = await bot.send(HT, "/status ZQ-199", language_code="en")
    assert name in full["text"]


def test_a_units_chart_is_titled_with_the_unit(bot):
    from services.caller import Caller

    views = bot.application.bot_data["views"]
    leader = Caller(LEADER, "leader", None, None, "zh")
    plan = views.chart(bot.application.bot_data["config"], leader, "区投资促进服务中心")
    assert "区投资促进服务中心" in plan.title
    assert "区投资促进服务中心" not in views.chart(bot.application.bot_data["config"], leader,
                                                   "").title
