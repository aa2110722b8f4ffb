"""A burst from one person is answered at once, within Telegram's limits: the confirmations
queued for a chat go out as one message, each update in it once by its own block."""

import asyncio
import re
from contextlib import asynccontextmanager

from telegram import Update

from storage import open_db
from storage.people import bind_group, find_unit, grant_role
from tests.conftest import LEADER, seed_ledger, started_bot

KC = 301  # member of 科创城管委会 (QB-001, QB-002)
TZ = 302  # member of 区投资促进服务中心 (QB-003 only)
GROUP = -100700  # bound to 区投资促进服务中心
CODES = ["QB-001", "QB-002", "QB-003", "QB-005", "QB-006"]


def seed(db) -> None:
    seed_ledger(db, "ledger_zh.csv")
    grant_role(db, KC, "member", find_unit(db, "科创城管委会")["id"])
    grant_role(db, TZ, "member", find_unit(db, "区投资促进服务中心")["id"])
    grant_role(db, LEADER, "leader")


def blocks(text: str) -> list[tuple[str, int]]:
    """(project code, progress) of each update a confirmation names, in order."""
    return [(code, int(progress)) for code, progress in
            re.findall(r"<b>([A-Z]+-\d+)</b>.*?\n进度 (\d+)%", text or "", re.S)]


def stored(db) -> list[dict]:
    return list(db.query("select u.message_id, u.reply_message_id, u.progress, p.code "
                         "from updates u join projects p on p.id = u.project_id order by u.id"))


def inbox_states(db) -> list[str]:
    return [row["state"] for row in db.query("select state from inbox order by rowid")]


async def test_a_burst_of_ten_is_answered_in_at_most_two_messages(running_bot):
    bot, api = running_bot, running_bot.api
    seed(bot.db)
    api.flood_limits = True  # Telegram's: about one message a second in a private chat
    sent = [(CODES[n % len(CODES)], 10 + n) for n in range(10)]
    for code, progress in sent:  # ten messages in a row, before the bot reads any
        api.queue_message(LEADER, f"{code} 进度{progress}%，本周推进正常")
    await api.wait_until_async(
        lambda: sum(len(blocks(m["text"])) for m in api.messages_to(LEADER)) >= 10 or None, 10)
    await bot.idle()

    replies = api.messages_to(LEADER)
    assert 1 <= len(replies) <= 2, [r["text"] for r in replies]
    assert all(r["text"].startswith("✅ 已记录") for r in replies)
    assert all(r["text"].count("✅ 已记录") == 1 for r in replies)  # one head a message
    assert [b for r in replies for b in blocks(r["text"])] == sent  # each once, in order
    assert api.flood_429_count == 0
    # Stored once each, and each noted against the message that carries its block.
    rows = stored(bot.db)
    assert [(r["code"], r["progress"]) for r in rows] == sent
    carried_by = {b: r["message_id"] for r in replies for b in blocks(r["text"])}
    assert all(r["reply_message_id"] == carried_by[(r["code"], r["progress"])] for r in rows)
    assert inbox_states(bot.db) == ["done"] * 10


async def test_other_answers_are_not_merged_and_keep_their_place(running_bot):
    """Three updates, a refused one, two more: the refusal stands alone, after the
    confirmations of what came before it and before those of what came after."""
    bot, api = running_bot, running_bot.api
    seed(bot.db)
    api.flood_limits = True
    texts = ["QB-001 进度11%", "QB-002 进度12%", "QB-001 进度13%", "QB-001 进度 120%",
             "QB-002 进度14%", "QB-001 进度15%"]
    for text in texts:
        api.queue_message(KC, text)
    await api.wait_until_async(
        lambda: sum(len(blocks(m["text"])) for m in api.messages_to(KC)) >= 5 or None, 10)
    await bot.idle()

    replies = [r["text"] for r in api.messages_to(KC)]
    [refused] = [i for i, text in enumerate(replies) if text.startswith("⛔")]
    assert "进度必须在 0–100% 之间" in replies[refused] and not blocks(replies[refused])
    assert [b for text in replies[:refused] for b in blocks(text)] == [
        ("QB-001", 11), ("QB-002", 12), ("QB-001", 13)]
    assert [b for text in replies[refused + 1:] for b in blocks(text)] == [
        ("QB-002", 14), ("QB-001", 15)]
    assert len(replies) <= 5  # some confirmations went together
    assert [r["progress"] for r in stored(bot.db)] == [11, 12, 13, 14, 15]
    assert inbox_states(bot.db) == ["done"] * 6
    assert api.flood_429_count == 0


@asynccontextmanager
async def bot_after(tmp_path, api, messages: list[dict]):
    """The bot started once `messages` (queue_message arguments) wait for it: it reads them
    all in its first getUpdates, as after a pause or a pasted batch."""
    db = open_db(tmp_path / "bot.db")
    seed(db)
    bind_group(db, GROUP, find_unit(db, "区投资促进服务中心")["id"], "group", LEADER)
    db.close()
    queued = [api.queue_message(**message) for message in messages]
    async with started_bot(tmp_path, api) as bot:
        bot.queued = queued
        yield bot


async def test_a_burst_in_a_group_is_one_reply_to_its_first_message(tmp_path, api):
    burst = [{"user_id": TZ, "text": f"/update 进度 {progress}%", "chat_id": GROUP,
              "chat_type": "group"} for progress in (40, 42, 45)]
    async with bot_after(tmp_path, api, burst) as bot:
        [reply] = await bot.wait_replies(GROUP, 0, 1)
        await bot.idle()
        assert len(api.messages_to(GROUP)) == 1
    assert blocks(reply["text"]) == [("QB-003", 40), ("QB-003", 42), ("QB-003", 45)]
    first = bot.queued[0]["message"]["message_id"]
    assert reply["message"]["reply_to_message"]["message_id"] == first


async def test_a_combined_answer_leaves_its_updates_pending_until_it_is_sent(tmp_path, api):
    """While the combined answer is on its way, its updates are stored but neither answered nor
    processed (a crash now re-handles them and answers them once); then all are, together. A
    second delivery of one of them meanwhile is not answered again."""
    api.delay_next("sendMessage", 1.0)  # the answer's round trip takes a second
    burst = [{"user_id": TZ, "text": f"QB-003 进度{progress}%"} for progress in (21, 22, 23)]
    async with bot_after(tmp_path, api, burst) as bot:
        while len(stored(bot.db)) < 3 or not api.messages_to(TZ):
            await asyncio.sleep(0.01)
        assert [r["reply_message_id"] for r in stored(bot.db)] == [None] * 3
        assert inbox_states(bot.db) == ["pending"] * 3
        # Delivered again meanwhile (a webhook whose 200 was lost): not answered again.
        again = {k: v for k, v in bot.queued[0].items() if k != "message_id"}
        await bot.application.update_queue.put(Update.de_json(again, bot.application.bot))
        [reply] = api.messages_to(TZ)
        while inbox_states(bot.db) != ["done"] * 3:
            await asyncio.sleep(0.01)
        assert {r["reply_message_id"] for r in stored(bot.db)} == {reply["message_id"]}
        await bot.idle()
        assert len(api.messages_to(TZ)) == 1
    assert blocks(reply["text"]) == [("QB-003", 21), ("QB-003", 22), ("QB-003", 23)]


async def test_one_message_at_a_time_is_answered_as_before(running_bot):
    bot = running_bot
    seed(bot.db)
    for progress in (31, 32, 33):
        [reply] = await bot.send(TZ, f"QB-003 进度{progress}%")
        assert blocks(reply["text"]) == [("QB-003", progress)]
