"""/settings: the one place where stored settings are applied over the environment's
configuration, and where a new value is checked and saved.

Values are checked with config.SETTING_KEYS' parsers and stored in their canonical form
(storage.settings); a bad key or value stores nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlite_utils import Database

from config import SETTING_KEYS, Config, ConfigError, Schedule, apply_settings, check_config
from i18n import esc, t
from parsing.normalize import clean_name
from reports.standing import Thresholds
from storage.people import unlinked_leader_names
from storage.settings import get_settings, set_setting

log = logging.getLogger(__name__)

EXAMPLES = {
    "reminder_schedule": "mon 09:00",
    "digest_schedule": "mon 10:00",
    "timezone": "Asia/Shanghai",
    "stale_days": "7",
    "lag_points": "10",
    "catchup_hours": "24",
    "language": "zh",
    "holidays": "2025-10-01,2025-10-02",
    "ladder_schedule": "daily 09:00",
    "problem_days": "14",
    "escalate_days": "7",
    "confirm_days": "7",
    "digest_pack": "on",
    "light_rule": "ratio",
    "red_ratio": "0.6",
    "yellow_ratio": "0.8",
    "start_grace_days": "90",
    "forecast_late_days": "30",
    "workdays": "2025-09-28",
}
RESET_WORDS = ("default", "reset", "none", "-")


def effective_config(db: Database, base: Config) -> Config:
    """The configuration in force: `base` (the environment's) with /settings values applied."""
    return apply_settings(base, get_settings(db))


def thresholds(config: Config) -> Thresholds:
    """The settings a project's standing depends on, as reports.standing takes them: the one
    place they are read from the configuration."""
    return Thresholds(stale_days=config.stale_days, lag_points=config.lag_points,
                      light_rule=config.light_rule, red_ratio=config.red_ratio,
                      yellow_ratio=config.yellow_ratio, start_grace_days=config.start_grace_days,
                      forecast_late_days=config.forecast_late_days)


def format_value(value: object) -> str:
    """A setting's value as it is shown and stored."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, Schedule):
        return str(value)
    if isinstance(value, frozenset | set):
        return ",".join(sorted(d.isoformat() for d in value))
    if hasattr(value, "key"):  # ZoneInfo
        return value.key
    return str(value)


def current_value(config: Config, key: str) -> str:
    return format_value(getattr(config, SETTING_KEYS[key][0]))


@dataclass(frozen=True)
class SettingsView:
    """Every setting's value in force, and which of them were set in chat."""

    config: Config
    values: dict[str, str]  # key -> value as shown ("" when it is off)
    stored: frozenset[str]  # the keys set with /settings (the rest come from the environment)
    unlinked_leaders: tuple[str, ...] = ()  # leader names in the ledger no account is linked to


def settings_view(db: Database, base: Config) -> SettingsView:
    stored = get_settings(db)
    config = apply_settings(base, stored)
    return SettingsView(config, {key: current_value(config, key) for key in SETTING_KEYS},
                        frozenset(stored), tuple(unlinked_leader_names(db)))


@dataclass(frozen=True)
class SettingChange:
    """The outcome of `/settings key value`.

    outcome: "saved" | "reset" (back to the environment's value) | "bad_key" | "no_value" |
    "bad_value"; only "saved" and "reset" stored anything, and only they carry `config`.
    """

    outcome: str
    key: str
    value: str = ""  # the canonical value saved, or the value in force after a reset
    error: str = ""  # why a value was refused (English, for logs)
    error_code: str = ""  # the same as i18n "config_error_<code>" with `error_params`
    error_params: dict | None = None
    example: str = ""  # a good value for this key
    config: Config | None = None  # the configuration in force afterwards

    @property
    def changed(self) -> bool:
        return self.outcome in ("saved", "reset")


def save_setting(db: Database, base: Config, key: str, value: str,
                   actor_id: int | None) -> SettingChange:
    """Check and store one setting (a reset word removes it); nothing is stored on a bad input."""
    key, value = clean_name(key).lower(), clean_name(value)
    if key not in SETTING_KEYS:
        return SettingChange("bad_key", key if len(key) <= 40 else key[:40] + "…")
    if not value:
        return SettingChange("no_value", key, example=EXAMPLES[key])
    if value.lower() in RESET_WORDS:
        set_setting(db, key, None, actor_id)
        log.info("setting %s reset to the environment by %s", key, actor_id)
        config = effective_config(db, base)
        return SettingChange("reset", key, current_value(config, key), config=config)
    field_name, parse = SETTING_KEYS[key]
    try:
        parsed = parse(value)
        check_config(replace(effective_config(db, base), **{field_name: parsed}))
        canonical = format_value(parsed)
    except ConfigError as exc:
        return SettingChange("bad_value", key, error=str(exc), error_code=exc.code,
                             error_params=exc.params, example=EXAMPLES[key])
    set_setting(db, key, canonical, actor_id)
    log.info("setting %s = %s by %s", key, canonical, actor_id)
    return SettingChange("saved", key, canonical, config=effective_config(db, base))


def error_text(change: SettingChange, lang: str) -> str:
    """Why a value was refused, in `lang` (HTML: the values typed are escaped)."""
    if not change.error_code:
        return esc(change.error)
    params = {name: esc(value) for name, value in (change.error_params or {}).items()}
    return t(f"config_error_{change.error_code}", lang, **params)
