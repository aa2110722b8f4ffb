"""/settings answers every refusal in the admin's language, and takes Chinese day names."""

import re

import pytest

from config import parse_schedule
from storage.settings import get_settings
from tests.conftest import ADMIN

LATIN = re.compile(r"[A-Za-z]{4,}")  # an English word (the key and the example are code)


def words_outside_code(text: str) -> list[str]:
    return LATIN.findall(re.sub(r"<code>.*?</code>", "", text))


@pytest.mark.parametrize("args, says", [
    ("reminder_schedule someday 09:00", "不认识的星期"),
    ("reminder_schedule 周一 25:00", "没有这个时刻"),
    ("reminder_schedule 09:00", "星期和时间"),
    ("lag_points abc", "整数"),
    ("stale_days 0", "须在 1 到 365 之间"),
    ("timezone Mars/Olympus", "时区"),
    ("language fr", "zh 或 en"),
    ("holidays 2025-13-01", "日期"),
])
async def test_chinese_admin_gets_chinese_errors(running_bot, args, says):
    [answer] = await running_bot.send(ADMIN, f"/settings {args}")
    assert says in answer["text"], answer["text"]
    assert words_outside_code(answer["text"]) == [], answer["text"]
    assert get_settings(running_bot.db) == {}


async def test_english_admin_gets_english_errors(running_bot):
    [answer] = await running_bot.send(ADMIN, "/settings lag_points abc", language_code="en")
    assert "must be a whole number" in answer["text"]
    assert not re.search(r"[\u4e00-\u9fff]", answer["text"])


@pytest.mark.parametrize("typed, stored", [
    ("周一 09:00", "mon 09:00"),
    ("星期一、星期四 9:30", "mon,thu 09:30"),
    ("周日 18:00", "sun 18:00"),
    ("每天 18:00", "daily 18:00"),
    ("工作日 08:30", "mon,tue,wed,thu,fri 08:30"),
])
async def test_chinese_day_names_are_a_schedule(running_bot, typed, stored):
    [answer] = await running_bot.send(ADMIN, f"/settings reminder_schedule {typed}")
    assert answer["text"].startswith("✅"), answer["text"]
    assert get_settings(running_bot.db)["reminder_schedule"] == stored


def test_parse_schedule_chinese_and_english_agree():
    assert parse_schedule("周一,周四 09:00") == parse_schedule("mon,thu 09:00")
    assert parse_schedule("星期日 10:00") == parse_schedule("sunday 10:00")
    assert parse_schedule("星期天 10:00") == parse_schedule("sun 10:00")
    assert parse_schedule("每天 7:05") == parse_schedule("daily 07:05")
