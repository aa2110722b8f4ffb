"""End to end: status messages become stored updates, confirmed in the message's language."""

import json
import re

import pytest

from storage.people import find_unit, grant_role
from tests.conftest import ADMIN, LEADER, seed_ledger

KC = 301  # member of 科创城管委会 (QB-001, QB-002)
TZ = 302  # member of 区投资促进服务中心 (QB-003 only)
HT = 303  # member of High-tech Zone Committee (ZQ-101 only)


def seed_world(db) -> None:
    """Both ledgers, the three members above and a leader."""
    seed_ledger(db, "ledger_zh.csv")
    seed_ledger(db, "ledger_en.csv")
    grant_role(db, KC, "member", find_unit(db, "科创城管委会")["id"])
    grant_role(db, TZ, "member", find_unit(db, "区投资促进服务中心")["id"])
    grant_role(db, HT, "member", find_unit(db, "High-tech Zone Committee")["id"])
    grant_role(db, LEADER, "leader")


@pytest.fixture
def bot(running_bot):
    seed_world(running_bot.db)
    return running_bot


def stored(db, **where):
    clause = " and ".join(f"{k} = ?" for k in where) or "1"
    return list(db.query(f"select u.*, p.code from updates u join projects p on p.id = u.project_id "
                         f"where {clause} order by u.id", list(where.values())))


def problems(db):
    return [r["text"] for r in db.query("select text from problems order by id")]


async def test_chinese_update_is_stored_and_confirmed(bot):
    text = "QB-001 进度45%，主体结构完成过半。存在问题：电力接入方案未批复。下步：推进设备基础施工。"
    [reply] = await bot.send(KC, text)
    assert reply["text"].startswith("✅ 已记录")
    assert "<b>QB-001</b>" in reply["text"] and "进度 45%（首次报送进度）" in reply["text"]
    assert "新增问题 1 个：电力接入方案未批复" in reply["text"]
    assert "当前状态：" in reply["text"]
    [row] = stored(bot.db)
    assert (row["code"], row["progress"], row["lang"], row["author_id"]) == ("QB-001", 45, "zh", KC)
    assert row["raw_text"] == text and row["chat_id"] == KC
    assert problems(bot.db) == ["电力接入方案未批复"]
    [second] = await bot.send(KC, "卫星产业园 进度48%")
    assert "进度 48%（较上次 +3）" in second["text"]


async def test_english_update_by_alias(bot):
    [reply] = await bot.send(HT, "storage plant: invested 35 million yuan so far, 65% complete",
                             language_code="zh")
    assert reply["text"].startswith("✅ Recorded")
    assert "progress 65%" in reply["text"] and "invested so far: CNY 35M" in reply["text"]
    [row] = stored(bot.db)
    assert (row["code"], row["invested"], row["lang"]) == ("ZQ-101", 3500, "en")


async def test_single_project_unit_needs_no_name(bot):
    [reply] = await bot.send(TZ, "进度百分之六十，设备已进场调试")
    assert "QB-003" in reply["text"] and "进度 60%" in reply["text"]


async def test_two_projects_ask_with_buttons_then_record_on_tap(bot):
    [question] = await bot.send(KC, "本周正常推进，进度50%")
    assert question["text"].startswith("❓")
    buttons = [b for row in question["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"].split()[0] for b in buttons] == ["QB-001", "QB-002"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    assert stored(bot.db) == []
    # Someone else's tap is refused and stores nothing.
    bot.api.queue_callback(TZ, buttons[1]["callback_data"], chat_id=KC,
                           message_id=question["message_id"])
    await bot.idle()
    assert stored(bot.db) == []
    [confirmed] = await bot.tap(KC, buttons[1]["callback_data"], message_id=question["message_id"])
    assert "QB-002" in confirmed["text"] and "进度 50%" in confirmed["text"]
    # A second tap does not store it again.
    bot.api.queue_callback(KC, buttons[0]["callback_data"], chat_id=KC,
                           message_id=question["message_id"])
    await bot.idle()
    assert [r["code"] for r in stored(bot.db)] == ["QB-002"]


async def test_a_tap_is_recorded_though_its_question_cannot_be_closed(bot):
    [question] = await bot.send(KC, "本周正常推进，进度50%")
    buttons = [b for row in question["reply_markup"]["inline_keyboard"] for b in row]
    # Removing the question's buttons fails (a deleted message; a timed-out edit alike).
    bot.api.fail_next("editMessageReplyMarkup", 400, description="Bad Request: message to edit "
                      "not found")
    [confirmed] = await bot.tap(KC, buttons[0]["callback_data"], message_id=question["message_id"])
    assert "QB-001" in confirmed["text"] and "进度 50%" in confirmed["text"]
    assert [r["code"] for r in stored(bot.db)] == ["QB-001"]


async def test_several_projects_in_one_message(bot):
    [reply] = await bot.send(LEADER, "QB-001 98%\nQB-003 12%，存在问题：拆迁尚有2户未签约")
    assert "QB-001" in reply["text"] and "QB-003" in reply["text"]
    rows = stored(bot.db)
    assert [(r["code"], r["progress"], r["part"]) for r in rows] == [("QB-001", 98, 0), ("QB-003", 12, 1)]
    assert problems(bot.db) == ["拆迁尚有2户未签约"]


async def test_member_writing_about_another_unit_is_refused(bot):
    """As if the project did not exist; its alias names nothing (the member is asked which of
    their own projects it is), and nothing of the other unit is shown."""
    [reply] = await bot.send(TZ, "QB-001 进度90%")
    [unknown] = await bot.send(TZ, "QB-999 进度90%")
    assert reply["text"] == unknown["text"].replace("QB-999", "QB-001")
    assert reply["text"].startswith("⛔ 没有编号为 QB-001 的项目")
    [alias] = await bot.send(KC, "汽车零部件项目 进度90%")  # QB-003's alias, of TZ's unit
    [nothing] = await bot.send(KC, "某某不存在的园区 进度90%")
    assert alias["text"] == nothing["text"] == "❓ 这条进展属于哪个项目？请点选："
    labels = [[b["text"] for b in row] for m in (alias, nothing)
              for row in m["reply_markup"]["inline_keyboard"]]
    assert labels[:2] == labels[2:]  # the member's own projects
    assert not re.search("科创城|卫星|QB-002", reply["text"] + unknown["text"])  # QB-001: typed
    assert not re.search("投资促进|汽车|QB-003", str(alias))
    assert stored(bot.db) == []


async def test_progress_out_of_range_is_refused(bot):
    [reply] = await bot.send(TZ, "QB-003 进度 120%")
    assert reply["text"].startswith("⛔ 进度必须在 0–100% 之间") and "120" in reply["text"]
    assert stored(bot.db) == []


async def test_unknown_code_is_refused(bot):
    [reply] = await bot.send(KC, "QB-099 进度 20%")
    assert "QB-099" in reply["text"] and reply["text"].startswith("⛔")
    assert stored(bot.db) == []


async def test_edit_corrects_the_same_update(bot):
    queued = bot.api.queue_message(TZ, "QB-003 进度 30%，问题：资金未到位")
    await bot.wait_replies(TZ, 0, 1)
    bot.api.queue_edit(TZ, TZ, queued["message"]["message_id"], "QB-003 进度 35%，问题：用地未批")
    [corrected] = await bot.wait_replies(TZ, 1, 1)
    assert corrected["text"].startswith("✏️ 已更正") and "35%" in corrected["text"]
    [row] = stored(bot.db)
    assert row["progress"] == 35 and row["edited_at"]
    assert problems(bot.db) == ["用地未批"]


async def test_edited_command_does_not_run_again(bot):
    queued = bot.api.queue_message(ADMIN, "/invite leader")
    await bot.wait_replies(ADMIN, 0, 1)
    bot.api.queue_edit(ADMIN, ADMIN, queued["message"]["message_id"], "/invite leader again")
    await bot.idle()
    assert len(bot.api.messages_to(ADMIN)) == 1
    assert bot.db.execute("select count(*) from invites").fetchone()[0] == 1


async def test_photo_with_caption_and_photo_joining_last_update(bot):
    [reply] = await bot.send(TZ, caption="QB-003 进度 40% 现场照片", photo=True)
    assert "进度 40%" in reply["text"] and "附件 1 个" in reply["text"]
    [attached] = await bot.send(TZ, photo=True)
    assert "QB-003" in attached["text"] and attached["text"].startswith("📎")
    [row] = stored(bot.db)
    assert len(json.loads(row["file_ids"])) == 2


async def test_photo_without_caption_and_no_recent_update_asks(bot):
    [question] = await bot.send(KC, photo=True)
    assert question["text"].startswith("❓") and question["reply_markup"]
    assert stored(bot.db) == []


async def test_group_update_and_reply_to_bot(bot):
    group = -100500
    [bound] = await bot.send(ADMIN, "/bind 区投资促进服务中心", chat_id=group, chat_type="group")
    [reply] = await bot.send(TZ, "/update 进度 70%", chat_id=group, chat_type="group")
    assert "QB-003" in reply["text"] and "进度 70%" in reply["text"]
    [reply2] = await bot.send(TZ, "进度 72%", chat_id=group, chat_type="group",
                              reply_to_message_id=reply["message_id"])
    assert "进度 72%" in reply2["text"]
    # Other chatter in the group is ignored.
    bot.api.queue_message(TZ, "大家中午吃什么", chat_id=group, chat_type="group")
    await bot.idle()
    assert len(bot.api.messages_to(group)) == 3
    assert [r["progress"] for r in stored(bot.db)] == [70, 72]
    assert bound["text"].startswith("✅")


@pytest.mark.parametrize("kwargs, expected", [
    ({"text": "   "}, "🤔"),
    ({"text": "\x00\x01\x02"}, "🤔"),
])
async def test_empty_and_control_text(bot, kwargs, expected):
    [reply] = await bot.send(TZ, **kwargs)
    assert reply["text"].startswith(expected)
    assert stored(bot.db) == []


async def test_unregistered_and_forwarded_and_sticker(bot):
    [stranger] = await bot.send(999, "QB-003 进度 50%")
    assert stranger["text"].startswith("⛔ 您尚未登记")
    [forwarded] = await bot.send(TZ, "QB-003 进度 50%", forward_from=12345)
    assert "转发" in forwarded["text"]
    assert stored(bot.db) == []


async def test_markup_and_huge_text_are_echoed_safely(bot):
    text = "<b>QB-003</b> 71% & rising; issue: <script>alert(1)</script>"
    [reply] = await bot.send(TZ, text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply["text"]
    huge = "QB-003 进度 80% " + "施工正常推进。" * 600
    [big] = await bot.send(TZ, huge[:4000])
    assert "进度 80%" in big["text"] and len(big["text"]) <= 4096
    assert [r["progress"] for r in stored(bot.db)] == [71, 80]


async def test_ledger_changed_by_another_process_is_used_at_once(bot, tmp_path):
    """The bot keeps the ledger in memory; an import by `bot.py import` (another connection)
    while it runs must still count for the very next message."""
    from handlers.ledger import import_bytes
    from storage import open_db

    [before] = await bot.send(TZ, "新能源基地 进度30%")  # no such alias yet: QB-003 by unit
    assert "<b>QB-003</b>" in before["text"]
    other = open_db(tmp_path / "bot.db")  # the bot's file, as a second process would open it
    header = "编号,项目名称,责任单位,别名\n"
    reply = import_bytes(other, (header + "QB-009,滨江新能源基地,区投资促进服务中心,江边基地\n")
                         .encode(), "more.csv", None, "zh")
    other.close()
    assert reply.startswith("✅"), reply
    [after] = await bot.send(TZ, "江边基地 进度12%")
    assert "<b>QB-009</b>" in after["text"] and "进度 12%" in after["text"]
    assert [row["code"] for row in stored(bot.db, author_id=TZ)] == ["QB-003", "QB-009"]


async def test_confirmation_quotes_the_message_in_groups_and_corrections_only(bot):
    # A private chat: the confirmation follows the message (Telegram's own default there).
    queued = bot.api.queue_message(TZ, "QB-003 进度 30%")
    [confirmed] = await bot.wait_replies(TZ, 0, 1)
    assert "reply_to_message" not in confirmed["message"]
    # A correction says which message it corrects.
    bot.api.queue_edit(TZ, TZ, queued["message"]["message_id"], "QB-003 进度 35%")
    [corrected] = await bot.wait_replies(TZ, 1, 1)
    assert corrected["message"]["reply_to_message"]["message_id"] == queued["message"]["message_id"]
    # A group talks about many things: the confirmation quotes what it answers.
    group = -100501
    await bot.send(ADMIN, "/bind 区投资促进服务中心", chat_id=group, chat_type="group")
    in_group = bot.api.queue_message(TZ, "/update 进度 40%", chat_id=group, chat_type="group")
    [reply] = await bot.wait_replies(group, 1, 1)
    assert "进度 40%" in reply["text"]
    assert reply["message"]["reply_to_message"]["message_id"] == in_group["message"]["message_id"]


async def test_a_known_sender_is_written_only_when_telegram_says_something_new(bot):
    writes: list[str] = []
    bot.db.conn.set_trace_callback(
        lambda sql: writes.append(sql) if sql.lstrip().lower().startswith("update people") else None)
    try:
        await bot.send(TZ, "QB-003 进度 31%", first_name="Wang", username="wang")
        await bot.send(TZ, "QB-003 进度 32%", first_name="Wang", username="wang")
        assert len(writes) == 1  # the first message told the name; the second told nothing new
        await bot.send(TZ, "QB-003 进度 33%", first_name="Wang", username="wang_2")
        assert len(writes) == 2
    finally:
        bot.db.conn.set_trace_callback(None)
    person = bot.db.execute("select name, username from people where user_id = ?",
                            [TZ]).fetchone()
    assert tuple(person) == ("Wang", "wang_2")


def test_clean_text_removes_exactly_the_control_characters_but_tab_and_newline():
    import unicodedata

    from services.intake import clean_text

    control = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc"]
    assert clean_text("a" + "".join(control) + "b") == "a\t\nb"
    others = "".join(chr(c) for c in range(0x20, 0x3000) if unicodedata.category(chr(c)) != "Cc")
    assert clean_text("a" + others + "b") == ("a" + others + "b")[:4096]
