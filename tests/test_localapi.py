"""The local Bot API stand-in, driven by python-telegram-bot's own client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import os
import threading
import time
import urllib.error
import urllib.request
import warnings
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from localapi import BotAPI, BotAPIServer, FloodLimits, WaitTimeout, parse_html
from localapi.htmlcheck import EntityParseError
from localapi.inprocess import InProcessRequest

TOKEN = "123:TEST"


@pytest.fixture
def server():
    srv = BotAPIServer(token=TOKEN).start()
    yield srv
    srv.stop()


def make_bot(srv: BotAPIServer, **kwargs) -> telegram.Bot:
    return telegram.Bot(TOKEN, base_url=srv.api_url, base_file_url=srv.file_api_url, **kwargs)


@pytest.fixture
async def bot(server):
    async with make_bot(server) as b:
        yield b


def seconds(err: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that retry_after becomes a timedelta
        value = err.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def raw_call(srv: BotAPIServer, method: str, body: bytes | None = None, ctype: str = "") -> dict:
    req = urllib.request.Request(f"{srv.api_url}{srv.token}/{method}", data=body)
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return json.loads(err.read())


# --------------------------------------------------------------------------- basics


async def test_get_me(server, bot):
    me = await bot.get_me()
    assert me.id == 123
    assert me.is_bot
    assert me.username == "KeyProjectBot"
    assert server.request_count("getMe") >= 1


async def test_wrong_token_and_unknown_method(server, bot):
    with pytest.raises(InvalidToken):
        async with telegram.Bot("999:WRONG", base_url=server.api_url):
            pass  # initialize() calls getMe
    body = raw_call(server, "getMe").get("result")
    assert body["username"] == "KeyProjectBot"
    req = urllib.request.Request(f"{server.api_url}999:WRONG/getMe")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 401
    assert json.loads(info.value.read()) == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized",
    }
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert raw_call(server, "NoSuchMethod")["error_code"] == 404
    # method names are case-insensitive, as on Telegram
    assert raw_call(server, "getme")["ok"] is True


async def test_send_message_recorded_with_html(server, bot):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("打开", callback_data="p:1")]])
    msg = await bot.send_message(
        42, "<b>项目</b> A &amp; B 😀 <i>x</i>", parse_mode="HTML", reply_markup=keyboard
    )
    assert msg.chat.id == 42
    assert msg.text == "项目 A & B 😀 x"
    assert msg.from_user.id == 123
    assert msg.reply_markup == keyboard
    assert msg.text_html == "<b>项目</b> A &amp; B 😀 <i>x</i>"
    assert [e.type for e in msg.entities] == ["bold", "italic"]
    assert msg.entities[1].offset == 12  # UTF-16: the emoji counts twice
    rec = server.sent[-1]
    assert rec["method"] == "sendMessage"
    assert rec["chat_id"] == 42
    assert rec["text"] == "<b>项目</b> A &amp; B 😀 <i>x</i>"
    assert rec["parse_mode"] == "HTML"
    assert rec["reply_markup"] == keyboard.to_dict()
    assert rec["message_id"] == msg.message_id
    assert isinstance(rec["at"], float)
    second = await bot.send_message(42, "123")
    assert second.text == "123"  # a str parameter is not JSON; "123" stays text
    assert second.message_id == msg.message_id + 1
    other = await bot.send_message(43, "hi")
    assert other.message_id == 1  # message ids count per chat
    assert server.texts_to(42) == ["<b>项目</b> A &amp; B 😀 <i>x</i>", "123"]
    assert len(server.messages_to(43)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "<b>unclosed",
        "<blink>x</blink>",
        "a < b",
        "fish & chips",
        "<b>x</i>",
        "</b>",
        "<span>x</span>",
        '<a href="x>y</a>',
    ],
)
async def test_bad_html_is_bad_request(server, bot, text):
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(1, text, parse_mode="HTML")
    assert server.sent == []


async def test_good_html_variants(bot):
    texts = [
        'a &lt;b&gt; &quot;c&quot; &#39; &#x4E2D; <a href="https://x.y/?a=1&amp;b=2">l</a>',
        '<pre><code class="language-python">x = 1</code></pre>',
        '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span>',
        "<blockquote>q</blockquote><u>u</u><s>s</s><ins>i</ins><del>d</del><em>e</em>",
        "<B>upper case tags</B>",
    ]
    for text in texts:
        assert (await bot.send_message(1, text, parse_mode="HTML")).text


def test_html_checker_entities():
    plain, ents = parse_html('<pre><code class="language-py">x</code></pre>')
    assert plain == "x"
    assert ents == [{"type": "pre", "offset": 0, "length": 1, "language": "py"}]
    with pytest.raises(EntityParseError, match='(?i)Unsupported start tag "br/"'):
        parse_html("a<br/>b")
    assert parse_html("fish & chips", strict_amp=False)[0] == "fish & chips"


async def test_text_limits(server, bot):
    assert (await bot.send_message(1, "字" * 4096)).text == "字" * 4096
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(1, "<b>" + "x" * 4097 + "</b>", parse_mode="HTML")
    # the limit is counted after entity parsing
    await bot.send_message(1, "<b>" + "x" * 4090 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)text is empty"):
        await bot.send_message(1, "")
    with pytest.raises(BadRequest, match="(?i)text is empty"):
        await bot.send_message(1, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_document(1, b"x", filename="a.txt", caption="c" * 1025)


async def test_button_data_limit(server, bot):
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 64)]])
    await bot.send_message(1, "fits", reply_markup=ok)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="数" * 22)]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(1, "66 bytes", reply_markup=too_long)
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.edit_message_reply_markup(1, 1, reply_markup=too_long)


# --------------------------------------------------------------------------- updates


async def test_get_updates_offset_semantics(server, bot):
    ids = [server.queue_message(7, f"m{i}")["update_id"] for i in range(4)]
    assert ids == sorted(ids) and len(set(ids)) == 4
    got = await bot.get_updates()
    assert [u.update_id for u in got] == ids
    assert server.confirmed_offset == 0
    # without a new offset, unconfirmed updates come again
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    # offset = last seen + 1 confirms everything before it
    got = await bot.get_updates(offset=ids[1] + 1)
    assert [u.update_id for u in got] == ids[2:]
    assert server.confirmed_offset == ids[1] + 1
    # confirmed updates never come back, not even with a smaller offset
    assert [u.update_id for u in await bot.get_updates(offset=ids[0])] == ids[2:]
    assert [u.update_id for u in await bot.get_updates()] == ids[2:]
    assert [u["update_id"] for u in server.pending_updates()] == ids[2:]
    # ... nor across a server restart, and unconfirmed ones survive it
    server.stop()
    server.start()
    assert [u.update_id for u in await bot.get_updates()] == ids[2:]
    new = server.queue_message(7, "after restart")["update_id"]
    assert new > ids[-1]
    assert [u.update_id for u in await bot.get_updates(offset=ids[3] + 1)] == [new]
    assert [u.update_id for u in await bot.get_updates(offset=new + 1, timeout=0)] == []
    assert server.pending_updates() == []
    offsets = [p.get("offset") for p in server.calls("getUpdates")]
    assert offsets[-1] == new + 1


async def test_negative_offset_keeps_last(server, bot):
    ids = [server.queue_message(7, f"m{i}")["update_id"] for i in range(5)]
    got = await bot.get_updates(offset=-2)
    assert [u.update_id for u in got] == ids[-2:]
    assert [u.update_id for u in await bot.get_updates()] == ids[-2:]


async def test_queued_updates_parse(server, bot):
    server.queue_message(
        7, "/start@KeyProjectBot 参数", first_name="张三", username="zhang", language_code="zh"
    )
    grp = server.queue_message(7, "/report A1", chat_id=-1001, chat_title="一组")
    doc = server.queue_message(7, "/import", document=("台账.csv", b"code,name\n"))
    server.queue_message(7, "pic", photo=True, reply_to_message_id=grp["message_id"])
    server.queue_message(8, "fwd", forward_from=9)
    server.queue_edit(7, 7, 1, "edited")
    updates = await bot.get_updates()
    first = updates[0].message
    assert first.from_user.first_name == "张三"
    assert first.from_user.language_code == "zh"
    assert first.chat.type == "private"
    assert first.entities[0].type == "bot_command"
    assert first.entities[0].length == len("/start@KeyProjectBot")
    group = updates[1].message
    assert group.chat.type == "supergroup" and group.chat.title == "一组"
    assert updates[2].message.document.file_name == "台账.csv"
    assert updates[2].message.caption == "/import"
    assert updates[2].message.caption_entities[0].type == "bot_command"
    assert doc["message_id"] == updates[2].message.message_id
    assert updates[3].message.photo
    assert updates[4].message.forward_origin.sender_user.id == 9
    assert updates[5].edited_message.text == "edited"


async def test_long_poll_returns_early(server, bot):
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, server.queue_message, 7, "wake up")
    started = time.monotonic()
    got = await bot.get_updates(timeout=10)
    elapsed = time.monotonic() - started
    assert [u.message.text for u in got] == ["wake up"]
    assert 0.2 < elapsed < 2


async def test_long_poll_times_out_empty(bot):
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 3


async def test_second_poller_conflicts_the_first(server, bot):
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_for_request_async("getUpdates")
    await asyncio.sleep(0.1)
    async with make_bot(server) as other:
        second = asyncio.create_task(other.get_updates(timeout=5))
        with pytest.raises(Conflict, match="(?i)terminated by other getUpdates"):
            await first
        server.queue_message(7, "hi")
        assert len(await second) == 1


# --------------------------------------------------------------------------- files


async def test_send_document_and_photo_multipart(server, bot):
    data = os.urandom(3000) + b"\r\n--boundary\r\n\r\r\n\n\x00" + os.urandom(300)
    msg = await bot.send_document(
        55, InputFile(data, filename="台账 2024.xlsx"), caption="<b>台账</b>", parse_mode="HTML"
    )
    assert msg.document.file_name == "台账 2024.xlsx"
    assert msg.document.file_size == len(data)
    assert msg.caption == "台账"
    rec = server.sent[-1]
    assert rec["method"] == "sendDocument"
    assert rec["file_name"] == "台账 2024.xlsx"
    assert rec["file_bytes"] == data
    assert rec["caption"] == "<b>台账</b>"
    assert rec["chat_id"] == 55

    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000002000000030802000000") + os.urandom(
        64
    )
    photo = await bot.send_photo(55, png, caption="chart")
    assert photo.photo[-1].width == 2 and photo.photo[-1].height == 3
    rec = server.sent[-1]
    assert rec["method"] == "sendPhoto"
    assert rec["file_bytes"] == png
    assert rec["caption"] == "chart"
    # the bot's own uploads can be sent again by file_id
    again = await bot.send_document(56, msg.document.file_id)
    assert again.document.file_id == msg.document.file_id
    assert server.sent[-1]["file_bytes"] == data
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_document(56, "nonsense")


async def test_get_file_downloads_queued_document(server, bot):
    data = b"code,name\r\nA1,\xe9\xa1\xb9\xe7\x9b\xae\n" + os.urandom(2000)
    server.queue_message(7, caption="/import", document=("ledger.csv", data))
    (update,) = await bot.get_updates()
    doc = update.message.document
    assert doc.file_size == len(data)
    tg_file = await bot.get_file(doc.file_id)
    assert tg_file.file_path.startswith(server.file_api_url + TOKEN + "/")
    assert bytes(await tg_file.download_as_bytearray()) == data
    assert server.file_bytes(doc.file_id) == data
    with pytest.raises(BadRequest, match="(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_json_and_form_bodies(server):
    body = json.dumps({"chat_id": "9", "text": "json body", "parse_mode": "HTML"}).encode()
    result = raw_call(server, "sendMessage", body, "application/json")
    assert result["ok"] and result["result"]["chat"]["id"] == 9
    form = b"chat_id=9&text=%7B%22a%22%3A1%7D"
    result = raw_call(server, "sendMessage", form, "application/x-www-form-urlencoded")
    assert result["result"]["text"] == '{"a":1}'
    req = urllib.request.Request(f"{server.api_url}{TOKEN}/sendMessage?chat_id=9&text=get")
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read())["result"]["text"] == "get"
    assert server.texts_to(9) == ["json body", '{"a":1}', "get"]


# --------------------------------------------------------------------------- faults


async def test_429_surfaces_as_retry_after(server, bot):
    server.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "x")
    assert seconds(info.value) == 3
    assert server.sent == []  # a refused call has no effect
    await bot.send_message(1, "x")
    assert len(server.sent) == 1
    assert server.faults[0]["status"] == 429


async def test_5xx_surfaces_as_network_error(server, bot):
    server.fail_next("sendMessage", 500)
    server.fail_next("sendMessage", 502)
    for _ in range(2):
        with pytest.raises(NetworkError) as info:
            await bot.send_message(1, "x")
        assert not isinstance(info.value, RetryAfter)
    assert server.sent == []
    server.fail_next("*", 503, count=2)
    with pytest.raises(NetworkError):
        await bot.get_me()
    with pytest.raises(NetworkError):
        await bot.send_chat_action(1, "typing")
    await bot.send_message(1, "ok")


async def test_delayed_answer_times_out_but_applies(server):
    async with telegram.Bot(
        TOKEN,
        base_url=server.api_url,
        request=telegram.request.HTTPXRequest(read_timeout=0.5),
    ) as slow:
        server.delay_next("sendMessage", 1.5)
        with pytest.raises(TimedOut):
            await slow.send_message(1, "maybe")
        assert server.texts_to(1) == ["maybe"]  # it arrived; the client cannot know
        server.delay_next("sendMessage", 1.5, apply=False)
        with pytest.raises(TimedOut):
            await slow.send_message(1, "lost")
        assert server.texts_to(1) == ["maybe"]


async def test_fail_rate_is_seeded(server, bot):
    server.fail_rate(0.5, methods=["sendMessage"], seed=1)
    outcomes = []
    for i in range(20):
        try:
            await bot.send_message(1, str(i))
            outcomes.append(True)
        except NetworkError:
            outcomes.append(False)
    assert 3 < outcomes.count(False) < 17
    server.fail_rate(0)
    await bot.send_message(1, "fine")
    assert len(server.sent) == outcomes.count(True) + 1


async def test_blocked_chat_is_forbidden(server, bot):
    server.block_chat(5)
    server.block_chat(-77)
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(5, "x")
    with pytest.raises(Forbidden, match="(?i)kicked"):
        await bot.send_message(-77, "x")
    server.unblock_chat(5)
    await bot.send_message(5, "x")


async def test_flood_limits_private_chat(server):
    server.flood_limits = FloodLimits(private_burst=1)
    async with make_bot(server) as b:
        await b.send_message(5, "one")
        with pytest.raises(RetryAfter) as info:
            await b.send_message(5, "two")
        assert seconds(info.value) >= 1
        await b.send_message(6, "other chat is fine")
        assert server.flood_429_count == 1
        await asyncio.sleep(1.05)
        await b.send_message(5, "two, later")
    assert server.texts_to(5) == ["one", "two, later"]


async def test_flood_limits_default_burst_and_groups():
    srv = BotAPIServer(token=TOKEN, flood_limits=True).start()
    try:
        async with make_bot(srv) as b:
            results = []
            for i in range(6):
                try:
                    await b.send_message(5, str(i))
                    results.append(True)
                except RetryAfter:
                    results.append(False)
            assert results[0] and not all(results)
            assert srv.flood_429_count == results.count(False)
            srv.flood_limits = FloodLimits(group_burst=3)
            for i in range(3):
                await b.send_message(-100, str(i))
            with pytest.raises(RetryAfter) as info:
                await b.send_message(-100, "4th")
            assert seconds(info.value) >= 2  # 20 a minute: one per 3 s
    finally:
        srv.stop()


# --------------------------------------------------------------------------- restart


async def test_restart_keeps_state_same_port(server, bot):
    port = server.port
    await bot.send_message(7, "before")
    server.queue_message(7, "pending")
    server.stop()
    with pytest.raises(NetworkError):
        await bot.send_message(7, "while down")
    server.start()
    assert server.port == port
    assert server.texts_to(7) == ["before"]
    (update,) = await bot.get_updates()
    assert update.message.text == "pending"
    msg = await bot.send_message(7, "after")
    assert msg.message_id == 3  # 1 before, 2 the user's, 3 now
    assert server.request_count("sendMessage") == 2  # the refused one never arrived


async def test_stop_drops_a_waiting_long_poll(server, bot):
    task = asyncio.create_task(bot.get_updates(timeout=20))
    await server.wait_for_request_async("getUpdates")
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await asyncio.to_thread(server.stop)
    with pytest.raises(NetworkError):
        await task
    assert time.monotonic() - started < 3
    server.start()


# --------------------------------------------------------------------------- other methods


async def test_edit_delete_and_callbacks(server, bot):
    kb = InlineKeyboardMarkup([[InlineKeyboardButton("下一页", callback_data="page:2")]])
    msg = await bot.send_message(7, "page 1", reply_markup=kb)
    update = server.queue_callback(7, "page:2")
    assert update["callback_query"]["message"]["message_id"] == msg.message_id
    (got,) = await bot.get_updates()
    query = got.callback_query
    assert query.data == "page:2"
    assert query.message.reply_markup == kb
    assert await query.answer("翻页")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await query.answer("twice")
    assert server.callback_answers[0]["text"] == "翻页"
    edited = await bot.edit_message_text("page 2", 7, msg.message_id, reply_markup=kb)
    assert edited.text == "page 2"
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("page 2", 7, msg.message_id, reply_markup=kb)
    await bot.edit_message_text("page 2", 7, msg.message_id)  # drops the keyboard
    assert "reply_markup" not in server.message(7, msg.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", 7, 999)
    assert await bot.delete_message(7, msg.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(7, msg.message_id)
    assert [r["method"] for r in server.sent] == [
        "sendMessage",
        "editMessageText",
        "editMessageText",
        "deleteMessage",
    ]
    assert len(server.edits_to(7)) == 2
    assert server.texts_to(7) == ["page 1"]


async def test_reply_to_missing_message(bot):
    with pytest.raises(BadRequest, match="(?i)replied not found"):
        await bot.send_message(7, "x", reply_to_message_id=99)
    msg = await bot.send_message(7, "x", reply_to_message_id=99, allow_sending_without_reply=True)
    assert msg.reply_to_message is None


async def test_commands_per_language_and_scope(server, bot):
    from telegram import BotCommand, BotCommandScopeAllGroupChats

    zh = [BotCommand("status", "查看状态"), BotCommand("help", "帮助")]
    en = [BotCommand("status", "Show status")]
    assert await bot.set_my_commands(zh)
    assert await bot.set_my_commands(en, language_code="en")
    assert await bot.set_my_commands(en[:1], scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in await bot.get_my_commands()] == ["status", "help"]
    assert server.commands(language_code="en") == [
        {"command": "status", "description": "Show status"}
    ]
    assert server.commands({"type": "all_group_chats"}) == [
        {"command": "status", "description": "Show status"}
    ]
    langs = sorted(p.get("language_code", "") for p in server.calls("setMyCommands"))
    assert langs == ["", "", "en"]
    assert await bot.delete_my_commands(language_code="en")
    assert server.commands(language_code="en") == []
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_chat_action_and_misc(server, bot):
    assert await bot.send_chat_action(7, "typing")
    assert server.chat_actions[0]["action"] == "typing"
    with pytest.raises(BadRequest):
        await bot.send_chat_action(7, "dancing")
    assert await bot.close()
    assert await bot.log_out()
    assert server.closed_count == 1 and server.logged_out
    server.queue_message(7, "hello", chat_id=-5, chat_title="Unit A")
    chat = await bot.get_chat(-5)
    assert chat.title == "Unit A"
    server.set_chat_member(-5, 7, "administrator")
    member = await bot.get_chat_member(-5, 7)
    assert member.status == "administrator"


# --------------------------------------------------------------------------- webhooks


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        secret = self.headers.get("X-Telegram-Bot-Api-Secret-Token")
        ok = secret == "s3cret"
        if ok:
            self.received.append(json.loads(body))
        self.send_response(200 if ok else 403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    _Hook.received = []
    httpd = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", _Hook.received
    httpd.shutdown()
    httpd.server_close()


async def test_webhook_delivery_and_post_update(server, bot, hook):
    url, received = hook
    assert server.post_update(url, {"update_id": 1}, secret_token="s3cret") == 200
    assert server.post_update(url, {"update_id": 2}) == 403
    assert received == [{"update_id": 1}]
    received.clear()

    queued = server.queue_message(7, "before the hook")
    assert await bot.set_webhook(url, secret_token="s3cret")
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates()
    server.queue_message(7, "after the hook")
    await server.wait_confirmed_async(timeout=5)
    assert [u["message"]["text"] for u in received] == ["before the hook", "after the hook"]
    assert server.confirmed_offset > queued["update_id"]
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    server.queue_message(7, "polling again")
    (update,) = await bot.get_updates()
    assert update.message.text == "polling again"


async def test_delete_webhook_drop_pending(server, bot):
    server.queue_message(7, "old")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


# --------------------------------------------------------------------------- helpers


def test_wait_helpers_from_threads(server):
    def later():
        time.sleep(0.2)
        raw_call(server, "sendMessage", b"chat_id=3&text=done")

    threading.Thread(target=later).start()
    rec = server.wait_for(lambda r: r["text"] == "done", timeout=5)
    assert rec["chat_id"] == 3
    assert len(server.wait_for_count(1, timeout=1)) == 1
    with pytest.raises(WaitTimeout):
        server.wait_for(lambda r: r["text"] == "never", timeout=0.2)
    mark = server.mark()
    with pytest.raises(WaitTimeout):
        server.wait_for(timeout=0.1, since=mark)
    server.clear_sent()
    assert server.sent == []


async def test_application_end_to_end(server):
    """A real PTB Application polls the stand-in, answers commands and buttons."""

    async def start(update, context):
        await update.message.reply_html(
            f"你好 <b>{update.effective_user.first_name}</b>",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]]),
        )

    async def button(update, context):
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("pressed")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(server.api_url)
        .base_file_url(server.file_api_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            server.queue_message(7, "/start", first_name="李四")
            rec = await server.wait_for_async(lambda r: r["chat_id"] == 7, timeout=10)
            assert rec["text"] == "你好 <b>李四</b>"
            assert rec["parse_mode"] == "HTML"
            server.queue_callback(7, "ok")
            await server.wait_for_async(lambda r: r["method"] == "editMessageText", timeout=10)
            assert server.message(7, rec["message_id"])["text"] == "pressed"
            assert len(server.callback_answers) == 1
        finally:
            await app.updater.stop()
            await app.stop()
    assert server.pending_updates() == []


def in_process_bot(api: BotAPI) -> telegram.Bot:
    """A Bot whose calls `api` answers in process: the URLs only carry the path."""
    return telegram.Bot(TOKEN, base_url="http://in-process/bot",
                        base_file_url="http://in-process/file/bot",
                        request=InProcessRequest(api),
                        get_updates_request=InProcessRequest(api, read_timeout=5))


async def test_in_process_long_poll_returns_when_a_message_is_queued():
    api = BotAPI(token=TOKEN)
    async with in_process_bot(api) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=10))
        await asyncio.sleep(0.1)
        assert not poll.done()  # it waits for an update ...
        queued = time.monotonic()
        api.queue_message(1000, "hello")
        [update] = await asyncio.wait_for(poll, 5)
        assert time.monotonic() - queued < 1  # ... and returns as one arrives, not at its timeout
        assert update.message.text == "hello"
        assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
        assert api.confirmed_offset == update.update_id + 1


async def test_in_process_send_is_recorded_and_files_go_both_ways():
    api = BotAPI(token=TOKEN)
    async with in_process_bot(api) as bot:
        sent = await bot.send_message(1000, "<b>hi</b>", parse_mode="HTML")
        [record] = api.messages_to(1000)
        assert (record["method"], record["text"], record["plain_text"]) == (
            "sendMessage", "<b>hi</b>", "hi")
        assert sent.message_id == api.last_message_id(1000) == record["message_id"]
        document = await bot.send_document(1000, b"a,b\n1,2\n", filename="table.csv")
        assert api.file_bytes(document.document.file_id) == b"a,b\n1,2\n"
        upload = api.queue_message(1000, document=("in.csv", b"x,y\n"))
        file = await bot.get_file(upload["message"]["document"]["file_id"])
        assert bytes(await file.download_as_bytearray()) == b"x,y\n"


async def test_in_process_faults_behave_as_over_http():
    api = BotAPI(token=TOKEN)
    async with in_process_bot(api) as bot:
        api.fail_next("sendMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter):
            await bot.send_message(1000, "one")
        api.delay_next("sendMessage", 2.0)  # past the read timeout, though it takes effect
        with pytest.raises(TimedOut):
            await bot.send_message(1000, "two", read_timeout=0.2)
        assert api.texts_to(1000) == ["two"]
