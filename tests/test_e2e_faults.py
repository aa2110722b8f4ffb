"""Faults end to end (issue #6, "Prove it holds"): the promises hold through a flaky Bot API.

`python bot.py run` is a real process against the local Bot API server, which fails 10% of the
bot's calls with a fixed seed: 5xx, now and then `429 retry_after`, or an answer later than the
bot waits (BOT_API_TIMEOUT) — a timeout whose message still arrives, so resending it would be a
duplicate. A compressed week of traffic (ledger imports, invitations, status updates from six
units in Chinese and English, a project picked with a button, an edit, a refusal, a group,
leaders' reports, a reminder round and a digest) then has to end with every update stored
exactly once, each answer delivered exactly once, each reminder exactly once, the process still
running and the database intact. See transport/retry.py for what is retried and why.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from config import DAY_NAMES
from storage import open_db, rounds
from storage.people import find_unit, grant_role
from tests.conftest import ADMIN, LEADER, SAMPLES, TOKEN, seed_ledger
from tests.test_e2e_reminders import in_force_for_an_hour
from tests.test_reminders import B1, B2, GROUP_A, make_world
from transport.retry import RETRY_ATTEMPTS, Outcome, backoff_delay, outcome_of, should_retry

API_TIMEOUT = 1  # seconds the bot waits for an answer (BOT_API_TIMEOUT) ...
LATE_ANSWER = 1.5  # ... and how late an injected timeout answers: after the bot gave up waiting
FAULT_SEED = 16
# Every method the bot calls, getUpdates too (a late getUpdates answer is only slow: its read
# timeout is longer than a long poll).
FAULTED_METHODS = ("getMe", "deleteWebhook", "setMyCommands", "getUpdates", "sendMessage",
                   "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup",
                   "answerCallbackQuery", "getFile", "sendChatAction")
REPLY_TIMEOUT = 60.0  # generous: a reply may wait out retries, timeouts and 429s in a row

# Members, one per unit of the two sample ledgers (and the Sihui bureau's group).
KC, TZ, ZJ = 401, 402, 403  # 科创城管委会 (QB-001, QB-002), 区投资促进服务中心, 区住房和城乡建设局
HT, ND, SH = 404, 405, 406  # High-tech Zone Committee, New District Investment Office, Sihui
SIHUI_GROUP = -100_406
UNITS = {KC: "科创城管委会", TZ: "区投资促进服务中心", ZJ: "区住房和城乡建设局",
         HT: "High-tech Zone Committee", ND: "New District Investment Office",
         SH: "Sihui City Industry Bureau"}
LANGS = {KC: "zh", TZ: "zh", ZJ: "zh", HT: "en", ND: "en", SH: "en"}


# --- talking to the bot process -----------------------------------------------------------------

class Conversation:
    """Users talking to a `python bot.py run` process; remembers what the bot owes each chat."""

    def __init__(self, api, bot) -> None:
        self.api, self.bot = api, bot
        self.update_ids: list[int] = []
        self.owed: Counter[int] = Counter()  # chat id -> messages the bot must have sent it
        self.status_messages: dict[tuple[int, int], int] = {}  # (chat, message) -> updates stored
        self.last_message_id: dict[int, int] = {}  # user -> id of the user's latest message

    async def say(self, user_id: int, text: str | None = None, *, chat_id: int | None = None,
                  replies: int = 1, stores: int = 0, **message) -> list[dict]:
        """Send a message as `user_id`; wait for the bot's `replies` messages to the chat.
        `stores`: how many status updates the message must leave in the database."""
        chat = chat_id or user_id
        before = len(self.api.messages_to(chat))
        if chat_id is not None:
            message.setdefault("chat_type", "group")
        update = self.api.queue_message(user_id, text, chat_id=chat_id,
                                        language_code=LANGS.get(user_id, "zh"), **message)
        return await self._expect(update, chat, before, replies, stores)

    async def edit(self, user_id: int, message_id: int, text: str, *, stores: int) -> list[dict]:
        before = len(self.api.messages_to(user_id))
        update = self.api.queue_edit(user_id, user_id, message_id, text)
        self.status_messages.pop((user_id, message_id))  # corrected, not added
        return await self._expect(update, user_id, before, 1, stores, message_id=message_id)

    async def tap(self, user_id: int, data: str, *, stores: int, message_id: int) -> list[dict]:
        before = len(self.api.messages_to(user_id))
        update = self.api.queue_callback(user_id, data, chat_id=user_id)
        return await self._expect(update, user_id, before, 1, stores, message_id=message_id)

    async def _expect(self, update: dict, chat: int, before: int, replies: int, stores: int,
                      message_id: int | None = None) -> list[dict]:
        self.update_ids.append(update["update_id"])
        self.owed[chat] += replies
        if "message" in update:
            self.last_message_id[update["message"]["from"]["id"]] = update["message"]["message_id"]
        if stores:
            self.status_messages[(chat, message_id or update["message"]["message_id"])] = stores
        return await self.wait(lambda: len(self.api.messages_to(chat)) >= before + replies,
                               f"{replies} answer(s) in chat {chat}",
                               lambda: self.api.messages_to(chat)[before:before + replies])

    async def wait(self, condition, what: str, result=lambda: None, timeout=REPLY_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.bot.process.poll() is None, f"the bot exited:\n{self.bot.output()[-3000:]}"
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; the bot's "
                                     f"log ends:\n{self.bot.output()[-6000:]}")
            await asyncio.sleep(0.03)
        return result()

    async def settle(self, quiet: float = 1.5) -> None:
        """Until nothing was asked of the Bot API for `quiet` seconds (so no late duplicate is
        still on its way) and every queued update was fetched."""
        def calls() -> int:  # the bot's calls but its long polls
            return self.api.request_count() - self.api.request_count("getUpdates")

        last, since = calls(), time.monotonic()

        def quiet_now() -> bool:
            nonlocal last, since
            now = calls()
            if now != last:
                last, since = now, time.monotonic()
            return time.monotonic() - since > quiet and not self.api.pending_updates()

        await self.wait(quiet_now, "the bot to go quiet")


def invite_code(reply: dict) -> str:
    return re.search(r"\?start=([\w-]+)", reply["text"]).group(1)


def schedule_in(seconds: int) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return f"{DAY_NAMES[moment.weekday()]} {moment:%H:%M:%S}"


def log_count(output: str, phrase: str) -> int:
    return sum(phrase in line for line in output.splitlines())


# --- the week ---------------------------------------------------------------------------------------

async def day_one(talk: Conversation) -> None:
    """The admin loads both ledgers, invites a leader and a member per unit, binds a group."""
    for name in ("ledger_zh.csv", "ledger_en.csv"):
        [reply] = await talk.say(ADMIN, document=(name, (SAMPLES / name).read_bytes()),
                                 caption="/import")
        assert reply["text"].startswith("✅"), reply["text"]
    [invite] = await talk.say(ADMIN, "/invite leader")
    await talk.say(LEADER, f"/start {invite_code(invite)}")
    for member, unit in UNITS.items():
        [invite] = await talk.say(ADMIN, f"/invite member {unit}")
        await talk.say(member, f"/start {invite_code(invite)}")
    [bound] = await talk.say(ADMIN, "/bind Sihui City Industry Bureau", chat_id=SIHUI_GROUP)
    assert "Sihui" in bound["text"]


PROJECTS = {KC: ("QB-001", "QB-002"), TZ: ("QB-003",), ZJ: ("QB-005", "QB-006"),
            HT: ("ZQ-101",), ND: ("ZQ-102",), SH: ("ZQ-103",)}
DAILY = {  # a working day's report, by language: the usual phrasings, with and without extras
    "zh": ("{code} 进度{p}%，在建", "{code} 完成{p}%。存在问题：资金拨付滞后；下步：加快施工",
           "{code} 进度{p}％，累计完成投资{p}00万元"),
    "en": ("{code} {p}% complete", "{code}: progress {p}%, issue: permits delayed, next: piling",
           "{code} under construction, {p}% done, invested {p} million yuan"),
}


async def member_week(talk: Conversation, member: int) -> None:
    """A week of one unit's reporting in its language, plus the unusual cases."""
    chat = SIHUI_GROUP if member == SH else None
    prefix = "/update " if member == SH else ""
    for day in range(7):
        for i, code in enumerate(PROJECTS[member]):
            text = DAILY[LANGS[member]][(day + i) % 3].format(code=code, p=20 + 6 * day + i)
            await talk.say(member, prefix + text, chat_id=chat, stores=1)
    if member == KC:  # by alias, picked with a button, several projects in one message
        await talk.say(KC, "卫星产业园 进度62%，完成投资3000万元", stores=1)
        [question] = await talk.say(KC, "本周进度64%，厂房基础开挖")
        [[button], *_] = question["reply_markup"]["inline_keyboard"]
        await talk.tap(KC, button["callback_data"], stores=1, message_id=talk.last_message_id[KC])
        await talk.say(KC, "QB-001 进度65%\nQB-002 签约，进度55%", stores=2)
        await talk.say(KC, "/problems")
    elif member == TZ:  # a figure out of range is refused; an edit corrects, never adds
        [refusal] = await talk.say(TZ, "QB-003 进度120%")
        assert "120" in refusal["text"], refusal["text"]
        await talk.say(TZ, "汽车零部件项目 进度55%", stores=1)
        await talk.edit(TZ, talk.last_message_id[TZ], "汽车零部件项目 进度58%", stores=1)
        await talk.say(TZ, "/status QB-003")
    elif member == ZJ:
        await talk.say(ZJ, "城东污水处理厂扩建 进度百分之八十，存在问题：管网迁改滞后；征地未完成", stores=1)
        await talk.say(ZJ, "/lagging")
    elif member == HT:
        await talk.say(HT, "ESS plant: 64%. Problem: grid connection approval delayed", stores=1)
        await talk.say(HT, "/status")
    elif member == ND:
        await talk.say(ND, "/lang en")
        await talk.say(ND, "logistics hub 58%, issue: land transfer pending", stores=1)
    elif member == SH:
        await talk.say(SH, "/whoami")


async def leader_week(talk: Conversation) -> None:
    """A leader's reports during the week, in English."""
    await talk.say(LEADER, "/lang en")
    for command in ("/status", "/lagging", "/problems", "/status QB-001",
                    "/status High-tech Zone Committee", "/chart", "/export"):
        await talk.say(LEADER, command)
    await talk.say(LEADER, "/problem QB-004 land use approval pending")


# --- the test -----------------------------------------------------------------------------------------

async def test_a_week_through_a_flaky_bot_api(tmp_path, api, bot_process):
    db = open_db(tmp_path / "bot.db")
    api.fail_rate(0.10, FAULTED_METHODS, seed=FAULT_SEED, statuses=(500, 502, 503, 500, 502, 429),
                  timeout_share=0.3, timeout_seconds=LATE_ANSWER)  # from the start on
    bot = bot_process(BOT_TIMEZONE="UTC", BOT_API_TIMEOUT=API_TIMEOUT).start()
    talk = Conversation(api, bot)

    await day_one(talk)
    await asyncio.gather(leader_week(talk), *(member_week(talk, m) for m in UNITS))
    await talk.settle()
    answers = {chat: len(api.messages_to(chat)) for chat in talk.owed}
    owed = dict(talk.owed)

    # Day seven: the reminder round and the leaders' digest, scheduled by the admin in chat.
    await talk.say(ADMIN, f"/settings reminder_schedule {schedule_in(6)}")
    await talk.say(ADMIN, f"/settings digest_schedule {schedule_in(7)}")
    await talk.wait(lambda: [r["status"] for r in db.query("select status from rounds")]
                    == ["done", "done"], "the reminder round and the digest to finish")
    await talk.settle()
    output = bot.output()
    assert bot.process.poll() is None, "the bot exited"
    api.fail_rate(0)
    bot.stop()
    assert bot.process.returncode == 0, output[-3000:]

    # The faults happened, of every kind, and the bot retried through them.
    faults = Counter("timeout" if "delay" in f else f["status"] for f in api.faults)
    calls = api.request_count() - api.request_count("getUpdates")
    print(f"\n{calls} Bot API calls {dict(api.request_counts)}, "
          f"{len(api.faults)} faults {dict(faults)}; "
          f"{log_count(output, 'retrying in')} retries, "
          f"{log_count(output, 'not repeated')} unknown outcomes not repeated, "
          f"{log_count(output, 'gave up')} give-ups, "
          f"{log_count(output, 'flood limit')} reminder 429s waited out")
    assert faults["timeout"] >= 3 and faults[429] >= 2 and faults[500] + faults[502] >= 8
    # Each 5xx answer to the bot's own calls was retried (a failed getUpdates is simply polled
    # again by the Updater; how many polls a 5xx hits depends on timing, so count them).
    server_errors = [f for f in api.faults if f.get("status") in (500, 502, 503)
                     and f["method"] != "getUpdates"]
    assert len(server_errors) >= 3
    assert log_count(output, "retrying in") >= len(server_errors)
    assert "gave up" not in output  # 10% faults never fail one call four times running here
    assert TOKEN not in output

    # No update lost: each one fetched, stored in the inbox once and processed.
    inbox = {row["update_id"]: row["state"] for row in db.query("select * from inbox")}
    assert sorted(inbox) == sorted(talk.update_ids)
    assert set(inbox.values()) == {"done"}
    # Each status message stored exactly once (an edit corrects, a refusal stores nothing).
    stored = Counter((r["chat_id"], r["message_id"]) for r in db.query("select * from updates"))
    assert stored == talk.status_messages

    # Every answer delivered, exactly once: as many messages in each chat as it is owed.
    assert answers == owed

    # Each reminder and digest message arrived exactly once, and only those were sent after.
    deliveries = [d for r in db.query("select id from rounds")
                  for d in rounds.list_deliveries(db, r["id"])]
    assert {d["state"] for d in deliveries} == {"sent"}
    reminded = {d["chat_id"] for d in deliveries if d["chat_id"] not in (ADMIN, LEADER)}
    assert len(reminded) >= 3 and SIHUI_GROUP in reminded
    for delivery in deliveries:
        parts = delivery["payload"].get("parts") or [delivery["payload"]]
        texts = api.texts_to(delivery["chat_id"])
        for part in parts:
            if "text" in part:
                assert texts.count(part["text"]) == 1, (delivery, part)
    after_week = {chat: len(api.messages_to(chat)) - answers.get(chat, 0)
                  for chat in set(answers) | {d["chat_id"] for d in deliveries}}
    expected = Counter({ADMIN: 2})  # the two /settings answers
    for delivery in deliveries:
        expected[delivery["chat_id"]] += len(delivery["payload"].get("parts") or [1])
    assert {c: n for c, n in after_week.items() if n} == dict(expected)

    check = sqlite3.connect(tmp_path / "bot.db")
    assert check.execute("pragma integrity_check").fetchall() == [("ok",)]
    check.close()
    db.close()


# --- regressions and the give-up path ----------------------------------------------------------

@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter
def test_what_is_retried_depends_on_whether_the_call_can_have_taken_effect():
    def caused(error: Exception, cause: BaseException | None) -> Exception:
        error.__cause__ = cause
        return error

    request = httpx.Request("POST", "http://127.0.0.1/botTOKEN/sendMessage")
    five_hundred = NetworkError("Internal Server Error")  # PTB: an error status it has no class for
    read_timeout = caused(TimedOut(), httpx.ReadTimeout("late", request=request))
    refused = caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused"))
    cut_off = caused(NetworkError("httpx.RemoteProtocolError"),
                     httpx.RemoteProtocolError("closed mid-answer"))
    assert outcome_of(five_hundred) is Outcome.NO_EFFECT
    assert outcome_of(refused) is Outcome.NO_EFFECT
    assert outcome_of(caused(TimedOut(), httpx.PoolTimeout("pool"))) is Outcome.NO_EFFECT
    assert outcome_of(read_timeout) is Outcome.UNKNOWN and outcome_of(cut_off) is Outcome.UNKNOWN
    for final in (BadRequest("Message is too long"), Forbidden("blocked"), RetryAfter(timedelta(seconds=3))):
        assert outcome_of(final) is Outcome.FINAL
    # A send is repeated only when it had no effect; a read also when its outcome is unknown.
    assert should_retry("sendMessage", five_hundred) and should_retry("sendMessage", refused)
    assert not should_retry("sendMessage", read_timeout)
    assert not should_retry("editMessageText", read_timeout)
    assert should_retry("getFile", read_timeout) and should_retry("setMyCommands", read_timeout)
    assert not should_retry("sendMessage", BadRequest("Message is too long"))
    assert [backoff_delay(n) for n in (1, 2, 3, 6)] == [0.5, 1.0, 2.0, 8.0]


async def test_a_chat_failing_every_time_is_given_up_and_the_others_are_answered(
        tmp_path, api, bot_process):
    failing, fine = 501, 502
    db = open_db(tmp_path / "bot.db")
    bot = bot_process().start()
    talk = Conversation(api, bot)
    api.fail_chat(failing, 500)
    api.queue_message(failing, "/whoami")
    await api.wait_for_request_async("sendMessage", lambda p: p["chat_id"] == failing,
                                     timeout=REPLY_TIMEOUT)
    # While the failing chat's answer waits to be retried, another user is answered.
    [answer] = await talk.say(fine, "/whoami")
    assert str(fine) in answer["text"]
    gave_up = f"sendMessage to chat {failing}: gave up after {RETRY_ATTEMPTS} attempts"
    await talk.wait(lambda: gave_up in bot.output(), "the bot to give up")
    attempts = [r for r in api.requests if r["params"].get("chat_id") == failing]
    assert [r["status"] for r in attempts] == [500] * RETRY_ATTEMPTS  # and no apology after
    assert answer["at"] < attempts[-1]["at"], "the fine chat waited for the failing one"

    # The bot carries on, with that chat too once Telegram takes its messages again.
    api.clear_faults()
    [reply] = await talk.say(failing, "/whoami")
    assert str(failing) in reply["text"]
    await talk.settle()
    assert len(api.messages_to(failing)) == 1 and len(api.messages_to(fine)) == 1
    assert bot.process.poll() is None
    bot.stop()
    assert [r["state"] for r in db.query("select state from inbox")] == ["done"] * 3
    db.close()


def test_a_reminder_whose_answer_times_out_is_not_sent_again(tmp_path, api, bot_process):
    """Regression: schedules.delivery resent a reminder after a read timeout, though the
    message had arrived: the unit got it twice."""
    db = open_db(tmp_path / "bot.db")
    make_world(db)
    api.delay_next("sendMessage", LATE_ANSWER, count=1, apply=True)  # the first reminder
    moment = datetime.now(UTC) + timedelta(seconds=2)
    env = {"BOT_TIMEZONE": "UTC", "BOT_API_TIMEOUT": API_TIMEOUT,
           "BOT_REMINDER_SCHEDULE": f"{DAY_NAMES[moment.weekday()]} {moment:%H:%M:%S}",
           "BOT_DIGEST_SCHEDULE": schedule_in(-3600)}
    in_force_for_an_hour(tmp_path, api, db, env)  # sent on time, or caught up at a slow start
    bot = bot_process(**env).start()
    wait_sync(lambda: [r["status"] for r in db.query("select status from rounds")] == ["done"],
              bot, "the reminder round to finish")
    bot.stop()
    [round_id] = [r["id"] for r in db.query("select id from rounds")]
    deliveries = rounds.list_deliveries(db, round_id)
    assert {d["chat_id"] for d in deliveries} == {GROUP_A, B1, B2}
    for delivery in deliveries:
        [part] = delivery["payload"]["parts"]
        assert api.texts_to(delivery["chat_id"]) == [part["text"]]
    assert "unknown outcome (TimedOut: Timed out); recorded as sent, not resent" in bot.output()
    assert {d["state"] for d in deliveries} == {"sent"}


async def test_a_tap_is_recorded_though_its_answer_times_out_or_fails(tmp_path, api, bot_process):
    """Regression: when answering a button tap timed out (or kept failing), the handler stopped
    there: the project picked was never recorded and the member got no confirmation."""
    db = open_db(tmp_path / "bot.db")
    seed_ledger(db, "ledger_zh.csv")
    grant_role(db, KC, "member", find_unit(db, UNITS[KC])["id"])
    bot = bot_process(BOT_API_TIMEOUT=API_TIMEOUT).start()
    talk = Conversation(api, bot)
    api.delay_next("answerCallbackQuery", LATE_ANSWER)  # its answer comes too late
    api.fail_next("answerCallbackQuery", 502, count=RETRY_ATTEMPTS)  # every attempt fails
    for progress in (10, 20, 30):
        if progress == 30:  # a tap replayed after a restart: Telegram calls it too old
            api.fail_next("answerCallbackQuery", 400, description="Bad Request: query is too "
                          "old and response timeout expired or query id is invalid")
        [question] = await talk.say(KC, f"本周进度{progress}%")
        [[button], *_] = question["reply_markup"]["inline_keyboard"]
        [confirmation] = await talk.tap(KC, button["callback_data"], stores=1,
                                        message_id=talk.last_message_id[KC])
        assert f"进度 {progress}%" in confirmation["text"], confirmation["text"]
    await talk.settle()
    assert bot.process.poll() is None
    bot.stop()
    assert f"answerCallbackQuery: gave up after {RETRY_ATTEMPTS} attempts" in bot.output()
    assert "answerCallbackQuery: unknown outcome" in bot.output()
    assert "query is too old" in bot.output().lower()
    stored = Counter((r["chat_id"], r["message_id"]) for r in db.query("select * from updates"))
    assert stored == talk.status_messages
    db.close()


def wait_sync(condition, bot, what: str, timeout: float = REPLY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert bot.process.poll() is None, f"the bot exited:\n{bot.output()[-3000:]}"
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def test_the_bot_waits_for_telegram_at_start_up(tmp_path, api, bot_process):
    """Regression: Telegram failing getMe a few times in a row at start-up made the process
    exit; now it is waited for (a failing command menu is logged and skipped)."""
    db = open_db(tmp_path / "bot.db")
    seed_ledger(db, "ledger_zh.csv")
    grant_role(db, KC, "member", find_unit(db, UNITS[KC])["id"])
    db.close()
    api.fail_next("getMe", 502, count=RETRY_ATTEMPTS + 2)  # more than one round of retries
    api.fail_next("setMyCommands", 502, count=RETRY_ATTEMPTS)
    bot = bot_process(BOT_API_TIMEOUT=API_TIMEOUT).start()
    api.queue_message(KC, "QB-001 进度33%")
    wait_sync(lambda: any("进度 33%" in (m.get("text") or "") for m in api.messages_to(KC)),
              bot, "the confirmation after a slow start")
    bot.stop()
    assert bot.process.returncode == 0
    assert "command menu (zh) not published" in bot.output()


def test_a_wrong_token_stops_the_bot_with_a_clear_error(tmp_path, api, bot_process):
    """Waiting for Telegram must not mean waiting forever on a token it refuses; and the
    refusal must not print the token (python-telegram-bot's InvalidToken message does)."""
    bot = bot_process(TELEGRAM_BOT_TOKEN="999:WRONG-TOKEN").start()
    bot.process.wait(60)
    bot.log.close()
    assert bot.process.returncode == 2
    assert ("error: the Bot API rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): check the "
            "token, or run python bot.py check") in bot.output()
    assert "WRONG-TOKEN" not in bot.output()
