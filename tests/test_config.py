"""Configuration: defaults, schedules, and one clear line for a bad setting."""

from datetime import time

import pytest

from config import ConfigError, load_config, parse_schedule


def test_defaults_follow_design():
    config = load_config({})
    assert config.token is None
    assert config.db_path == "data/bot.db"
    assert str(config.timezone) == "Asia/Shanghai"
    assert config.language == "zh"
    assert str(config.reminder_schedule) == "mon 09:00"
    assert str(config.digest_schedule) == "mon 10:00"
    assert (config.stale_days, config.lag_points, config.catchup_hours) == (7, 10, 24)
    assert config.warm_up is True
    assert load_config({"BOT_WARM_UP": "off"}).warm_up is False


@pytest.mark.parametrize("text, days, at", [
    ("mon 09:00", (0,), time(9, 0)),
    ("mon,thu 09:00:30", (0, 3), time(9, 0, 30)),
    ("daily 18:00", tuple(range(7)), time(18, 0)),
    ("Sunday 7:05", (6,), time(7, 5)),
])
def test_schedules(text, days, at):
    schedule = parse_schedule(text)
    assert (schedule.days, schedule.at) == (days, at)


@pytest.mark.parametrize("env, message", [
    ({"BOT_STALE_DAYS": "seven"}, "BOT_STALE_DAYS must be a whole number"),
    ({"BOT_LAG_POINTS": "0"}, "BOT_LAG_POINTS must be from 1 to 100, not 0"),
    ({"BOT_TIMEZONE": "Mars/Base"}, "unknown timezone"),
    ({"BOT_REMINDER_SCHEDULE": "someday 09:00"}, "unknown day"),
    ({"BOT_DIGEST_SCHEDULE": "mon 25:00"}, "no such time"),
    ({"BOT_ADMINS": "1,two"}, "BOT_ADMINS must be"),
    ({"BOT_LANGUAGE": "fr"}, "BOT_LANGUAGE must be zh or en"),
    ({"BOT_WARM_UP": "maybe"}, "BOT_WARM_UP must be on or off, not 'maybe'"),
])
def test_bad_settings_are_one_clear_line(env, message):
    with pytest.raises(ConfigError) as error:
        load_config(env)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_dotenv_fills_what_the_environment_lacks(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("BOT_LAG_POINTS=15\nBOT_STALE_DAYS=3\n")
    monkeypatch.setenv("BOT_STALE_DAYS", "5")
    config = load_config(dotenv_path=tmp_path / ".env")
    assert (config.lag_points, config.stale_days) == (15, 5)


def test_file_api_url_is_derived_from_the_api_url():
    config = load_config({"TELEGRAM_API_URL": "http://127.0.0.1:8081/bot"})
    assert config.file_api_url == "http://127.0.0.1:8081/file/bot"
