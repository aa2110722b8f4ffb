"""services.settings without Telegram: /settings values over the environment, checked and saved."""

from __future__ import annotations

import pytest

from config import load_config
from services.settings import effective_config, save_setting, settings_view
from storage.settings import get_settings


@pytest.fixture
def base():
    return load_config({"TELEGRAM_BOT_TOKEN": "1:x", "BOT_LANGUAGE": "zh", "BOT_STALE_DAYS": "7"},
                       dotenv_path=None)


def test_the_environment_holds_until_a_setting_is_saved(fresh_db, base):
    assert effective_config(fresh_db, base) == base
    change = save_setting(fresh_db, base, "stale_days", " 3 ", actor_id=1)
    assert (change.outcome, change.value, change.changed) == ("saved", "3", True)
    assert change.config.stale_days == 3
    assert effective_config(fresh_db, base).stale_days == 3
    assert base.stale_days == 7  # the environment's configuration is never changed


def test_a_value_is_stored_in_its_canonical_form(fresh_db, base):
    change = save_setting(fresh_db, base, "Holidays", "2025-10-02 2025-10-01", actor_id=1)
    assert change.value == "2025-10-01,2025-10-02"
    assert get_settings(fresh_db) == {"holidays": "2025-10-01,2025-10-02"}


@pytest.mark.parametrize(("key", "value", "outcome"), [
    ("nonsense", "1", "bad_key"),
    ("stale_days", "", "no_value"),
    ("stale_days", "zero", "bad_value"),
    ("timezone", "Mars/Olympus", "bad_value"),
    ("language", "fr", "bad_value"),
])
def test_a_bad_input_stores_nothing(fresh_db, base, key, value, outcome):
    change = save_setting(fresh_db, base, key, value, actor_id=1)
    assert change.outcome == outcome and not change.changed and change.config is None
    assert get_settings(fresh_db) == {}
    if outcome in ("no_value", "bad_value"):
        assert change.example  # a good value to copy
    if outcome == "bad_value":
        assert change.error


def test_a_reset_word_goes_back_to_the_environment(fresh_db, base):
    save_setting(fresh_db, base, "lag_points", "5", actor_id=1)
    change = save_setting(fresh_db, base, "lag_points", "default", actor_id=1)
    assert (change.outcome, change.value) == ("reset", str(base.lag_points))
    assert get_settings(fresh_db) == {}
    assert effective_config(fresh_db, base) == base


def test_the_view_says_which_values_were_set_in_chat(fresh_db, base):
    save_setting(fresh_db, base, "reminder_schedule", "tue,thu 08:30", actor_id=1)
    view = settings_view(fresh_db, base)
    assert view.stored == {"reminder_schedule"}
    assert view.values["reminder_schedule"] == "tue,thu 08:30"
    assert view.values["timezone"] == base.timezone.key
    assert view.config == effective_config(fresh_db, base)


def test_a_stored_value_that_no_longer_parses_falls_back(fresh_db, base):
    fresh_db["settings"].insert({"key": "stale_days", "value": "-4", "updated_at": "x"})
    assert effective_config(fresh_db, base).stale_days == base.stale_days


@pytest.mark.parametrize("key", ["holidays", "workdays"])
def test_too_many_dates_are_refused_in_the_admins_language(fresh_db, base, key):
    from services.settings import error_text

    days = " ".join([f"2030-01-{d:02d}" for d in range(1, 29)] * 15)  # 420 dates
    change = save_setting(fresh_db, base, key, days, actor_id=1)
    assert change.outcome == "bad_value" and get_settings(fresh_db) == {}
    assert error_text(change, "zh") == f"<code>{key}</code> 最多 400 个日期，收到 420 个"
    assert error_text(change, "en") == f"<code>{key}</code> takes at most 400 dates, not 420"
