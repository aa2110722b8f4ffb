"""End to end: the real bot under a storm of random and hostile messages (fixed seed).

DESIGN.md, "What it promises": a huge or strange message gets a clear answer and changes
nothing wrongly; the bot never stops on one update's error. After ~2,000 nasty messages from
members, a leader, an admin and strangers, in private chats and groups, the bot still answers
a normal update normally; Telegram (the stand-in, which parses HTML as Telegram does) never
refused a message; nothing was logged as an error; and every stored update is sound.
"""

from __future__ import annotations

import logging
import random
import unicodedata
from dataclasses import dataclass

import pytest

from handlers.access import COMMANDS as COMMAND_NAMES
from i18n import CATALOGUE
from services.floods import Allowance
from services.intake import MAX_TEXT, clean_text
from storage import open_db
from storage.people import bind_group, find_unit, grant_role
from tests.conftest import ADMIN, LEADER, RunningBot, make_config, seed_ledger

SEED = 6
STORM = 2000
KC, TZ, HT = 301, 302, 303  # members of 科创城管委会 (QB-001, QB-002), 区投资…, High-tech Zone
STRANGERS = (901, 902, 903)
BOUND_GROUP, LOOSE_GROUP = -1001000000001, -1001000000002  # bound to 科创城管委会; bound to none

NASTY = [
    "", " ", "\n\n\t ", "\x00", "a\x00b", "\x01\x02\x1b[31m", "\r\n", "\u202e", "\u200f\u200e",
    "\u2066isolate\u2069", "👩\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "\u0301", "\u0301\u0302\u0303",
    "e\u0301", "\ufeff", "\u200b", "\uffff", "\U0010fffd", "<b>", "</b>", "<script>alert(1)</script>",
    "<a href='javascript:x'>", "&", "&amp;", "&lt;", "&#0;", "&#x110000;", "*_[", "`", "```",
    "]]>", "'; DROP TABLE projects;--", "\" OR 1=1 --", "%s%n%x", "{lang}", "{0}", "${jndi:x}",
    "=cmd|'/c calc'!A0", "null", "None", "NaN", "-1", "1e999", "１２３％", "٤٥%", "〇",
    "QB-001", "qb-002", "#QB-003", "QB-999", "ZQ-101", "P001", "卫星产业园", "信创基地",
    "storage plant", "进度", "45%", "120%", "-5%", "百分之四十五", "完成投资3000万元", "1.2亿元",
    "问题：", "存在问题：电力接入；用地", "下一步：", "problems:", "next:", "已签约", "开工", "竣工",
    "in operation", "2026-11-20", "11月20日", "13800138000", "¥45", "第45周", "مرحبا", "שלום",
    "Привет", "こんにちは", "안녕", "ไทย", "ॐ", "\u0e33\u0e33", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
]
COMMANDS = [
    "/status@OtherBot", "/status@KeyProjectBot", "/status", "/status QB-001", "/status <b>",
    "/lagging", "/problems", "/whoami", "/help", "/lang xx", "/lang en", "/lang zh",
    "/start", "/start " + "A" * 64, "/start <b>&", "/start \x00", "/start ../../etc/passwd",
    "/update", "/update ", "/problem", "/problem QB-001", "/assign 999999 x", "/resolve abc",
    "/invite", "/invite member <b>", "/bind", "/settings nope x", "/import", "/nonsense",
    "/", "//", "/\u202estatus",
]


def nasty_text(rng: random.Random) -> str:
    """A message: pieces of the lists above, random unicode, sometimes huge or empty."""
    shape = rng.random()
    if shape < 0.05:
        return rng.choice(["", " ", "\n", "\t \n"])
    if shape < 0.12:  # huge: up to Telegram's 4,096 characters
        piece = rng.choice(NASTY[1:]) or "x"
        return (piece * (4096 // len(piece) + 1))[: rng.randint(1000, 4096)]
    parts = []
    for _ in range(rng.randint(1, 12)):
        pick = rng.random()
        if pick < 0.55:
            parts.append(rng.choice(NASTY))
        elif pick < 0.85:
            parts.append("".join(chr(rng.choice([rng.randint(0x20, 0x7e), rng.randint(0, 0x2fff),
                                                 rng.randint(0x4e00, 0x9fff),
                                                 rng.randint(0x1f300, 0x1faff)]))
                                 for _ in range(rng.randint(1, 8))))
        else:
            parts.append(rng.choice([" ", "\n", "，", ";", ":"]))
    text = "".join(parts)
    # no lone surrogates: Telegram only carries valid UTF-8
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cs")[:4096]


@dataclass
class Sent:
    user_id: int
    chat_id: int
    message_id: int
    texts: list[str]  # text or caption as queued, then each edit's
    private: bool


def queue_storm(bot: RunningBot, rng: random.Random, group_messages: dict[int, int]) -> list[Sent]:
    """Queue the storm: new messages, and now and then an edit of an earlier private one."""
    sent: list[Sent] = []
    senders = [KC, KC, KC, TZ, HT, LEADER, ADMIN, *STRANGERS]
    for _ in range(STORM):
        user = rng.choice(senders)
        earlier = [s for s in sent[-50:] if s.user_id == user and s.private]
        if earlier and rng.random() < 0.05:
            edited = rng.choice(earlier)
            edited.texts.append(nasty_text(rng))
            bot.api.queue_edit(user, edited.chat_id, edited.message_id, edited.texts[-1])
            continue
        text = rng.choice(COMMANDS) + " " + nasty_text(rng) if rng.random() < 0.15 \
            else nasty_text(rng)
        options: dict = {"language_code": rng.choice(["zh", "en", "ar", None, "xx-Nonsense"])}
        where = rng.random()
        if where < 0.15:  # a group: commands, and replies to the bot's message there
            options["chat_id"] = rng.choice([BOUND_GROUP, LOOSE_GROUP])
            options["chat_title"] = "科创城 <b>&</b>"
            if rng.random() < 0.6:
                options["reply_to_message_id"] = group_messages[options["chat_id"]]
        media = rng.random()
        if media < 0.06:
            options["photo"] = True
        elif media < 0.09:
            options["document"] = (rng.choice(["site.jpg", "<b>.pdf", "\u202egpj.exe"]), b"x")
        elif media < 0.11:
            options["forward_from"] = rng.choice([KC, 999])
        if "photo" in options or "document" in options:
            options["caption"] = text[:1024] if rng.random() < 0.7 else None
            text = None
        update = bot.api.queue_message(user, text, **options)
        chat_id = options.get("chat_id", user)
        sent.append(Sent(user, chat_id, update["message_id"],
                         [text if text is not None else options.get("caption") or ""],
                         chat_id == user))
    return sent


@pytest.fixture
async def fuzz_bot(tmp_path, api):
    """The real bot, as `running_bot`, without the 30-a-second send limiter (the storm would
    take minutes to be answered; the handling is the same)."""
    from bot import build_application

    config = make_config(tmp_path, api)
    db = open_db(config.db_path)
    application = build_application(config, db, rate_limit=False)
    async with application:
        await application.post_init(application)
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()
        try:
            bot = RunningBot(application, api, db)
            seed_ledger(db, "ledger_zh.csv")
            seed_ledger(db, "ledger_en.csv")
            for user, unit in ((KC, "科创城管委会"), (TZ, "区投资促进服务中心"),
                               (HT, "High-tech Zone Committee")):
                grant_role(db, user, "member", find_unit(db, unit)["id"])
            grant_role(db, LEADER, "leader")
            bind_group(db, BOUND_GROUP, find_unit(db, "科创城管委会")["id"], "kc", ADMIN)
            yield bot
        finally:
            await application.updater.stop()
            await application.stop()
    db.close()


def error_texts() -> set[str]:
    return {text for text in CATALOGUE["error_generic"].values()}


async def test_a_storm_of_hostile_messages(fuzz_bot: RunningBot, caplog) -> None:
    bot, db = fuzz_bot, fuzz_bot.db
    caplog.set_level(logging.WARNING)
    # Every hostile message must reach the handlers, strangers' too: not their allowance of
    # three answers a minute (tests/test_e2e_floods.py).
    bot.application.bot_data["strangers"] = Allowance(count=10**6)
    rng = random.Random(SEED)
    # a bot message in each group, for the storm's replies to answer
    group_messages = {}
    for group in (BOUND_GROUP, LOOSE_GROUP):
        [reply] = await bot.send(ADMIN, "/whoami", chat_id=group)
        group_messages[group] = reply["message_id"]
    storm = queue_storm(bot, rng, group_messages)
    await bot.idle(quiet=1.0, timeout=120)

    # 1. It still answers a normal update normally.
    [reply] = await bot.send(KC, "QB-001 进度45%，主体结构完成过半")
    assert reply["text"].startswith("✅ 已记录") and "进度 45%" in reply["text"], reply["text"]

    # 2. Telegram refused nothing: no 400 "can't parse entities", no text too long, nothing.
    refused = [(r["method"], r.get("description"), str(r["params"])[:200])
               for r in bot.api.requests if r["status"] not in (200, None)
               and r["method"] != "getUpdates"]
    assert refused == [], refused[:5]

    # 3. No handler failed: nothing logged as an error, no "something went wrong" sent.
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], errors[:5]
    assert not [r for r in bot.api.sent if r.get("text") in error_texts()]

    # 4. Every private message got an answer (strangers are told whom to ask); one message
    # may confirm several of a chat's updates (a burst's confirmations go together).
    for chat_id in {s.chat_id for s in storm if s.private}:
        queued = sum(1 for s in storm if s.chat_id == chat_id)
        also_confirmed = sum(row["n"] - 1 for row in db.query(
            "select count(distinct message_id) as n from updates where chat_id = ? and "
            "reply_message_id is not null group by reply_message_id", [chat_id]))
        assert len(bot.api.messages_to(chat_id)) + also_confirmed >= queued, chat_id

    # 5. No stored garbage.
    by_message = {(s.chat_id, s.message_id): s for s in storm}
    rows = list(db.query(
        "select u.*, p.unit_id as project_unit, pe.role, pe.unit_id as author_unit "
        "from updates u left join projects p on p.id = u.project_id "
        "left join people pe on pe.user_id = u.author_id"))
    assert rows, "the storm stored some updates (else this checks nothing)"
    for row in rows:
        assert row["project_unit"] is not None, row  # a real project
        assert row["unit_id"] == row["project_unit"], row
        assert row["role"] in ("admin", "leader", "member"), row  # never a stranger's
        if row["role"] == "member":
            assert row["author_unit"] == row["project_unit"], row  # only their unit's
        assert row["progress"] is None or 0 <= row["progress"] <= 100, row
        text = row["raw_text"]
        assert text and len(text) <= MAX_TEXT
        assert not [ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t"]
        source = by_message.get((row["chat_id"], row["message_id"]))
        if source is not None:  # (the normal update above is not in the storm)
            assert any(text in clean_text(t) for t in source.texts), (text, source.texts)
    strangers = list(db.query("select count(*) as n from updates where author_id in (901, 902, 903)"))
    assert strangers[0]["n"] == 0


async def test_a_nul_in_a_message_is_dropped_and_the_rest_is_kept(fuzz_bot: RunningBot) -> None:
    [reply] = await fuzz_bot.send(KC, "QB-001 进度45%\x00 after the NUL\x01")
    assert reply["text"].startswith("✅")
    [row] = fuzz_bot.db.query("select raw_text, progress from updates")
    assert (row["raw_text"], row["progress"]) == ("QB-001 进度45% after the NUL", 45)


@pytest.mark.parametrize("text", ["/nonsense", "/status@OtherBot", "//", "/\u202estatus x"])
async def test_an_unknown_command_in_a_private_chat_is_answered(fuzz_bot: RunningBot,
                                                                text: str) -> None:
    [reply] = await fuzz_bot.send(KC, text)
    assert reply["text"].startswith("🤔 没有") and "/help" in reply["text"]
    [reply] = await fuzz_bot.send(901, text, language_code="en")
    assert reply["text"].startswith("🤔 There is no command")


LONG = "长" * 2500 + "x" * 2500  # 5,000 characters: more than a message may hold when quoted
LONG_ARGUMENTS = [f"/{name} {LONG}" for name in COMMAND_NAMES] + [
    f"/settings {LONG} 7", f"/settings timezone {LONG}", f"/settings holidays {LONG}",
    f"/settings reminder_schedule {LONG}", f"/settings stale_days {'9' * 5000}",
    f"/problem QB-001 {LONG}", f"/resolve 1 {LONG}", f"/assign 1 {LONG}",
    f"/invite member {LONG}", f"/update QB-001 {LONG}", f"/status QB-001 {LONG}"]


@pytest.mark.parametrize("text", LONG_ARGUMENTS, ids=lambda text: text[:30])
async def test_every_command_with_a_5000_character_argument_gets_a_clear_answer(
        fuzz_bot: RunningBot, text: str) -> None:
    """The admin (who may use every command) sends it: a clear answer within Telegram's
    4,096 characters, never the generic error."""
    [reply] = await fuzz_bot.send(ADMIN, text, timeout=20)
    shown = reply.get("text") or reply.get("caption")  # /export answers with a file
    assert shown and shown not in error_texts(), shown
    assert len(shown) <= 4096
