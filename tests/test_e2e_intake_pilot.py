"""End to end: what a pilot's first week hit in status intake (issue 17) — edits around the
"which project?" buttons, corrections, messages that say nothing, near matches, parts."""

import asyncio

import pytest

from tests.conftest import ADMIN
from tests.test_e2e_intake import HT, KC, TZ, seed_world, stored


@pytest.fixture
def bot(running_bot):
    seed_world(running_bot.db)
    return running_bot


def buttons_of(message):
    return [b for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def ask(bot, user, text):
    """Send `text`, expect the "which project?" question; the queued message and the question."""
    queued = bot.api.queue_message(user, text)
    [question] = await bot.wait_replies(user, len(bot.api.messages_to(user)), 1)
    assert question["text"].startswith("❓"), question["text"]
    return queued["message"]["message_id"], question


async def test_edit_after_the_tap_corrects_the_picked_update(bot):
    message_id, question = await ask(bot, KC, "本周进度达到86%")
    first = buttons_of(question)[0]
    [recorded] = await bot.tap(KC, first["callback_data"], message_id=question["message_id"])
    assert "进度 86%" in recorded["text"]
    before = len(bot.api.messages_to(KC))
    bot.api.queue_edit(KC, KC, message_id, "本周进度达到87%")
    [corrected] = await bot.wait_replies(KC, before, 1)
    assert corrected["text"].startswith("✏️ 已更正") and "进度 87%" in corrected["text"]
    [row] = stored(bot.db)
    assert (row["code"], row["progress"]) == ("QB-001", 87) and row["edited_at"]


async def test_edit_naming_a_project_answers_the_waiting_question(bot):
    message_id, question = await ask(bot, KC, "本周进度达到90%")
    before = len(bot.api.messages_to(KC))
    bot.api.queue_edit(KC, KC, message_id, "QB-001 本周进度达到91%")
    [recorded] = await bot.wait_replies(KC, before, 1)
    assert recorded["text"].startswith("✅ 已记录")
    assert "<b>QB-001</b>" in recorded["text"] and "进度 91%" in recorded["text"]
    [row] = stored(bot.db)
    assert (row["code"], row["progress"]) == ("QB-001", 91)
    # The question says it was answered, and its buttons are gone; a late tap stores nothing.
    await bot.idle()
    edited = bot.api.message(KC, question["message_id"])
    assert "QB-001" in edited["text"] and "已按修改后的消息记录" in edited["text"]
    assert not edited.get("reply_markup", {}).get("inline_keyboard")
    bot.api.queue_callback(KC, buttons_of(question)[1]["callback_data"], chat_id=KC,
                           message_id=question["message_id"])
    await bot.idle()
    assert [(r["code"], r["progress"]) for r in stored(bot.db)] == [("QB-001", 91)]


async def test_edit_without_a_project_while_waiting_updates_the_waiting_text(bot):
    message_id, question = await ask(bot, KC, "本周进度达到60%")
    bot.api.queue_edit(KC, KC, message_id, "本周进度达到61%")
    await bot.idle()
    second = buttons_of(question)[1]
    [recorded] = await bot.tap(KC, second["callback_data"], message_id=question["message_id"])
    assert "<b>QB-002</b>" in recorded["text"] and "进度 61%" in recorded["text"]


async def test_correction_shows_the_change_against_the_update_before(bot):
    await bot.send(TZ, "QB-003 进度80%")
    queued = bot.api.queue_message(TZ, "QB-003 进度82%")
    await bot.wait_replies(TZ, 1, 1)
    bot.api.queue_edit(TZ, TZ, queued["message"]["message_id"], "QB-003 进度83%")
    [corrected] = await bot.wait_replies(TZ, 2, 1)
    assert corrected["text"].startswith("✏️ 已更正")
    assert "进度 83%（较上次 +3）" in corrected["text"]
    assert "首次" not in corrected["text"]


async def test_correction_of_the_only_update_is_still_the_first(bot):
    queued = bot.api.queue_message(HT, "ZQ-101: construction is 40% complete")
    await bot.wait_replies(HT, 0, 1)
    bot.api.queue_edit(HT, HT, queued["message"]["message_id"], "ZQ-101: construction is 41% complete")
    [corrected] = await bot.wait_replies(HT, 1, 1)
    assert "progress 41% (first progress reported)" in corrected["text"]


@pytest.mark.parametrize("user, text, expected", [
    (KC, "asdfghjkl", "🤔 没看懂"),
    (KC, "今天天气不错", "🤔 没看懂"),
    (HT, "what a lovely day", "🤔 I did not understand"),
])
async def test_nonsense_is_not_understood_and_not_stored(bot, user, text, expected):
    [reply] = await bot.send(user, text)
    assert reply["text"].startswith(expected), reply["text"]
    assert "QB-001" in reply["text"] or "ZQ-101" in reply["text"]  # an example to follow
    assert not reply.get("reply_markup")
    assert stored(bot.db) == []
    assert bot.db.execute("select count(*) from pending_intake").fetchone()[0] == 0


async def test_a_status_word_without_a_project_is_still_asked_about(bot):
    [question] = await bot.send(KC, "本周正常推进")
    assert question["text"].startswith("❓") and question["reply_markup"]


@pytest.mark.parametrize("name", ["ledger.csv", "台账.xlsx"])
async def test_ledger_file_without_the_import_caption_gets_a_hint(bot, name):
    [reply] = await bot.send(ADMIN, document=(name, b"code,name\n"))
    assert "/import" in reply["text"] and "没能判断" not in reply["text"]
    assert stored(bot.db) == []


async def test_near_matches_come_first_among_the_buttons(bot):
    [question] = await bot.send(KC, "信创基他 进度50%")
    assert question["text"].startswith("❓")
    assert [b["text"].split()[0] for b in buttons_of(question)] == ["QB-002", "QB-001"]


async def test_parts_without_overall_progress_are_named(bot):
    [reply] = await bot.send(TZ, "QB-003 厂房建设 90%，设备基础 40%")
    assert "厂房 90%" in reply["text"] and "设备基础 40%" in reply["text"]
    assert "未记录总体进度" in reply["text"]
    [row] = stored(bot.db)
    assert row["progress"] is None


async def test_language_profiles_are_loaded_at_start(tmp_path, api, monkeypatch):
    from parsing import language
    from tests.conftest import started_bot

    monkeypatch.setattr(language, "_factory_ready", False)
    async with started_bot(tmp_path, api):
        for _ in range(200):  # loaded beside start-up, in a thread: no message needed
            if language._factory_ready:
                break
            await asyncio.sleep(0.05)
        assert language._factory_ready
