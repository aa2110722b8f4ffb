"""Updates of one chat are handled one at a time, in order; other chats are not held back."""

import asyncio
import json

from telegram import Update

from transport.intake import PerChatUpdateProcessor


def message_update(update_id: int, chat_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": "x",
        "chat": {"id": chat_id, "type": "private"}}}, None)


async def test_a_chat_s_updates_never_overlap_even_one_arriving_as_another_ends():
    """Regression: the chat's lock was dropped as soon as it looked free, so an update arriving
    just as the first one ended got a new lock and ran beside the second."""
    processor = PerChatUpdateProcessor(8)
    log: list[tuple[str, int]] = []
    late: list[asyncio.Task] = []

    async def handle(number: int) -> None:
        log.append(("start", number))
        await asyncio.sleep(0.01)
        if number == 1:  # the third update arrives right as the first one finishes
            late.append(asyncio.create_task(
                processor.do_process_update(message_update(3, 5), handle(3))))
        log.append(("end", number))

    await asyncio.gather(processor.do_process_update(message_update(1, 5), handle(1)),
                         processor.do_process_update(message_update(2, 5), handle(2)))
    await asyncio.gather(*late)
    assert log == [("start", 1), ("end", 1), ("start", 2), ("end", 2), ("start", 3), ("end", 3)]
    # nothing kept once the chat is quiet
    assert (processor._waiting, processor._busy, list(processor._round)) == ({}, set(), [])


async def test_other_chats_run_alongside():
    processor = PerChatUpdateProcessor(8)
    running: set[int] = set()
    overlapped = asyncio.Event()

    async def handle(chat_id: int) -> None:
        running.add(chat_id)
        if len(running) == 2:
            overlapped.set()
        await asyncio.wait_for(overlapped.wait(), 5)  # each waits until both run at once
        running.discard(chat_id)

    await asyncio.gather(processor.do_process_update(message_update(1, 5), handle(5)),
                         processor.do_process_update(message_update(2, 6), handle(6)))
    assert overlapped.is_set()


async def test_a_flooding_chat_holds_one_slot_and_chats_take_turns():
    """Two slots; chat 5 has six updates waiting, then chats 6 and 7 one each: chat 5 never
    runs two at once, and 6 and 7 are served before chat 5's third update."""
    processor = PerChatUpdateProcessor(2)
    log: list[tuple[int, int]] = []
    release = asyncio.Event()

    async def handle(update_id: int, chat_id: int) -> None:
        log.append((update_id, chat_id))
        await release.wait()
        await asyncio.sleep(0.01)

    tasks = [asyncio.create_task(processor.do_process_update(message_update(n, 5), handle(n, 5)))
             for n in range(1, 7)]
    tasks += [asyncio.create_task(processor.do_process_update(message_update(n, c), handle(n, c)))
              for n, c in ((7, 6), (8, 7))]
    await asyncio.sleep(0.05)
    assert log == [(1, 5), (7, 6)]  # chat 5's waiting updates took no second slot
    release.set()
    await asyncio.gather(*tasks)
    assert [update for update, _ in log] == [1, 7, 8, 2, 3, 4, 5, 6]
    assert (processor._waiting, processor._busy, list(processor._round)) == ({}, set(), [])


async def test_an_update_cancelled_while_waiting_leaves_no_trace():
    processor = PerChatUpdateProcessor(1)
    busy = asyncio.Event()

    async def handle() -> None:
        await busy.wait()

    running = asyncio.create_task(processor.do_process_update(message_update(1, 5), handle()))
    waiting = asyncio.create_task(processor.do_process_update(message_update(2, 6), handle()))
    await asyncio.sleep(0.01)
    waiting.cancel()
    busy.set()
    await running
    assert waiting.cancelled()
    assert (processor._waiting, processor._busy, list(processor._round)) == ({}, set(), [])


async def test_a_sent_reply_comes_back_without_the_message_it_quotes(api, fresh_db):
    """Telegram returns the quoted message inside every reply; the bot never reads it, and
    parsing it again cost as much as the update itself."""
    from tests.conftest import TOKEN
    from transport.intake import DurableBot

    asked = api.queue_message(7, "QB-001 进度 10%")["message"]
    bot = DurableBot(TOKEN, base_url=api.api_url, db=fresh_db)
    async with bot:
        sent = await bot.send_message(7, "✅", reply_to_message_id=asked["message_id"])
    assert sent.message_id and sent.text == "✅" and sent.reply_to_message is None
    # Telegram (here its stand-in) did get the reply, quoting the message.
    [record] = api.messages_to(7)
    assert record["message"]["reply_to_message"]["message_id"] == asked["message_id"]


async def test_links_are_never_previewed_and_plain_text_carries_no_options(api, fresh_db):
    from telegram import LinkPreviewOptions

    from tests.conftest import TOKEN
    from transport.intake import DurableBot

    bot = DurableBot(TOKEN, base_url=api.api_url, db=fresh_db)
    async with bot:
        await bot.send_message(7, "QB-001 进度 45%，下步：见 https://example.com/plan")
        await bot.send_message(7, "join: t.me/KeyProjectBot?start=abc")
        await bot.send_message(7, "✅ 已记录 QB-001 进度 45%（较上次 +3）. Next week")
        await bot.send_message(7, "see example.com", link_preview_options=LinkPreviewOptions(
            url="https://example.org"))  # the caller's own choice stands
        edited = await bot.send_message(7, "plain")
        await bot.edit_message_text("now with a.link", chat_id=7, message_id=edited.message_id)
    options = [r["params"].get("link_preview_options") for r in api.sent]
    assert [json.loads(o) if isinstance(o, str) else o for o in options] == [
        {"is_disabled": True}, {"is_disabled": True}, None, {"url": "https://example.org"},
        None, {"is_disabled": True}]


async def test_start_up_objects_are_left_out_of_full_collections_while_the_bot_runs(tmp_path, api):
    """The bot freezes what start-up built (a full collection walked all of it every time)
    and lets it go again at shutdown: a process starting bot after bot keeps none of them."""
    import gc

    from tests.conftest import started_bot

    async with started_bot(tmp_path, api) as running:
        frozen = gc.get_freeze_count()
        api.queue_message(7, "hello")
        await running.idle()
        assert gc.get_freeze_count() <= frozen  # nothing more is frozen after start-up
    assert frozen > 10_000  # the modules, handlers, compiled patterns…
    assert gc.get_freeze_count() == 0


async def test_send_text_sends_html_quoting_or_not_and_returns_the_message_id(api, fresh_db):
    """The confirmation's way out: what send_message would send, without building a Message."""
    from tests.conftest import TOKEN
    from transport.intake import DurableBot

    asked = api.queue_message(7, "QB-001 进度 10%")["message"]
    bot = DurableBot(TOKEN, base_url=api.api_url, db=fresh_db)
    async with bot:
        quoted = await bot.send_text(7, "<b>QB-001</b> 进度 10%", quote=asked["message_id"])
        plain = await bot.send_text(7, "see https://example.com &amp; <i>more</i>")
    first, second = api.messages_to(7)
    assert (first["message"]["message_id"], second["message"]["message_id"]) == (quoted, plain)
    assert first["message"]["reply_to_message"]["message_id"] == asked["message_id"]
    assert "reply_to_message" not in second["message"]
    assert [r["params"]["parse_mode"] for r in api.sent] == ["HTML", "HTML"]
    options = [r["params"].get("link_preview_options") for r in api.sent]
    assert [json.loads(o) if isinstance(o, str) else o for o in options] == [
        None, {"is_disabled": True}]
