"""End to end: /status, /lagging, /problems and /chart find a project or unit by code, name,
alias (traditional characters too) or an unambiguous part; an ambiguous part is asked about
with buttons, among what the asker may see only."""

from __future__ import annotations

import pytest

from tests.test_e2e_status import KCC, LEADER, MEMBER, ZJJ, seed


@pytest.fixture
def bot(running_bot):
    seed(running_bot.db)
    return running_bot


def buttons_of(message) -> list[dict]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


@pytest.mark.parametrize("arg", ["卫星产业园", "科创城卫星互联网产业园一期", "衛星產業園", "qb-001"])
async def test_status_finds_a_project_by_code_name_or_alias(bot, arg):
    [reply] = await bot.send(LEADER, f"/status {arg}")
    assert "QB-001" in reply["text"] and not reply["text"].startswith("⛔"), reply["text"]
    assert "科创城卫星互联网产业园一期" in reply["text"]


@pytest.mark.parametrize("arg", ["住建局", "住房和城乡建设"])
async def test_status_finds_a_unit_by_an_unambiguous_part_of_its_name(bot, arg):
    [reply] = await bot.send(LEADER, f"/status {arg}")
    assert ZJJ in reply["text"] and "QB-005" in reply["text"], reply["text"]


async def test_an_ambiguous_part_is_asked_about_with_buttons(bot):
    [question] = await bot.send(LEADER, "/status 科创城")
    labels = [b["text"] for b in buttons_of(question)]
    assert question["text"].startswith("❓"), question["text"]
    assert any("QB-001" in label for label in labels)
    assert any("QB-006" in label for label in labels)
    assert any(KCC in label for label in labels)
    unit_button = next(b for b in buttons_of(question) if KCC in b["text"])
    bot.api.queue_callback(LEADER, unit_button["callback_data"], chat_id=LEADER,
                           message_id=question["message_id"])
    await bot.idle()
    page = bot.api.message(LEADER, question["message_id"])  # the question became the unit
    assert KCC in page["text"] and "QB-002" in page["text"] and "QB-006" not in page["text"]


async def test_a_member_is_offered_only_their_own_units_names(bot):
    [question] = await bot.send(MEMBER, "/status 科创城")
    text = question["text"] + " ".join(b["text"] for b in buttons_of(question))
    assert "人才公寓" not in text and "QB-006" not in text and ZJJ not in text
    assert "QB-001" in text or KCC in text
    [other] = await bot.send(MEMBER, "/status 住建局")  # another unit: never named
    assert other["text"].startswith("⛔") and ZJJ not in other["text"]
    assert "人才公寓" not in other["text"]


async def test_lagging_and_problems_take_a_part_of_a_unit_name(bot):
    [lagging] = await bot.send(LEADER, "/lagging 住建局")
    assert ZJJ in lagging["text"] and "QB-006" in lagging["text"], lagging["text"]
    [problems] = await bot.send(LEADER, "/problems 住建局")
    assert not problems["text"].startswith("⛔"), problems["text"]
    [ambiguous] = await bot.send(LEADER, "/lagging 区")
    assert ambiguous["text"].startswith("❓") and buttons_of(ambiguous)
    assert all(b["callback_data"].startswith("pg:l:") for b in buttons_of(ambiguous))


async def test_chart_takes_a_part_of_a_unit_name_and_names_it(bot):
    [chart] = await bot.send(LEADER, "/chart 住建局", timeout=60)
    assert ZJJ in chart["caption"]


async def test_an_ambiguous_chart_is_asked_about_and_the_choice_drawn(bot):
    [question] = await bot.send(LEADER, "/chart 区")
    assert question["text"].startswith("❓") and buttons_of(question)
    choice = next(b for b in buttons_of(question) if b["text"] == ZJJ)
    assert choice["callback_data"].startswith("pg:ch:")
    [chart] = await bot.tap(LEADER, choice["callback_data"], message_id=question["message_id"],
                            timeout=60)
    assert ZJJ in chart["caption"]
