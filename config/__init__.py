"""Configuration from the environment (and an optional .env), with DESIGN.md's defaults."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_API_URL = "https://api.telegram.org/bot"
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ConfigError(ValueError):
    """A setting that cannot be used; the message is one line meant for the operator.

    `code` and `params` say the same for people in chat: /settings words them in the
    admin's language (i18n "config_error_<code>")."""

    def __init__(self, message: str, code: str = "", **params) -> None:
        super().__init__(message)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Schedule:
    """Days of the week (0 = Monday) and a time of day."""

    days: tuple[int, ...]
    at: time

    def __str__(self) -> str:
        days = "daily" if len(self.days) == 7 else ",".join(DAY_NAMES[d] for d in self.days)
        fmt = "%H:%M:%S" if self.at.second else "%H:%M"
        return f"{days} {self.at.strftime(fmt)}"

    def cron_fields(self) -> dict[str, str | int]:
        """The schedule as APScheduler CronTrigger fields (an empty day list never fires)."""
        return {"day_of_week": ",".join(DAY_NAMES[d] for d in self.days),
                "hour": self.at.hour, "minute": self.at.minute, "second": self.at.second}


# Day words besides DAY_NAMES and FULL_DAY_NAMES: Chinese ones, and groups of days.
_CHINESE_DAYS = "一二三四五六日"
DAY_WORDS: dict[str, tuple[int, ...]] = {
    "daily": tuple(range(7)), "每天": tuple(range(7)), "每日": tuple(range(7)),
    "weekdays": tuple(range(5)), "工作日": tuple(range(5)),
    **{f"{prefix}{digit}": (i,) for i, digit in enumerate(_CHINESE_DAYS)
       for prefix in ("周", "星期", "礼拜")},
    "周天": (6,), "星期天": (6,), "礼拜天": (6,),
}


def day_numbers(name: str) -> tuple[int, ...] | None:
    """The days a day word means (0 = Monday): mon, monday, 周一, 星期一, daily, 每天, 工作日."""
    if name in DAY_NAMES or name in FULL_DAY_NAMES:
        return (DAY_NAMES.index(name[:3]),)
    return DAY_WORDS.get(name)


def parse_schedule(text: str) -> Schedule:
    """Parse `mon 09:00`, `mon,thu 09:00:30`, `daily 18:00`, `周一、周四 9:00`, `工作日 08:30`."""
    match = re.fullmatch(r"\s*(.*?[^\d\s:：])\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?\s*", text or "")
    if not match:
        raise ConfigError(f"bad schedule {shown(text)}: expected day names and a time, e.g. 'mon 09:00'",
                          "schedule_format", value=str(text)[:40])
    names, hour, minute, second = match.groups()
    days: set[int] = set()
    for name in filter(None, re.split(r"[,，、\s]+", names.strip().lower())):
        numbers = day_numbers(name)
        if numbers is None:
            raise ConfigError(f"bad schedule {shown(text)}: unknown day {shown(name)}",
                              "schedule_day", value=str(text)[:40], day=name[:20])
        days.update(numbers)
    h, m, s = int(hour), int(minute), int(second or 0)
    if h > 23 or m > 59 or s > 59:
        raise ConfigError(f"bad schedule {shown(text)}: no such time of day", "schedule_time", value=str(text)[:40])
    return Schedule(tuple(sorted(days)), time(h, m, s))


def parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown timezone {shown(name)}", "timezone", value=name[:40]) from exc


def shown(text: object, limit: int = 40) -> str:
    """User text quoted in a message, shortened: an answer must stay within Telegram's 4,096
    characters, and a log line readable."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _int(env: dict[str, str], key: str, default: int, minimum: int = 0,
         maximum: int | None = None) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[+-]?\d{1,12}", raw):  # int() would take 4,300 digits
        raise ConfigError(f"{key} must be a whole number, not {shown(raw)}", "whole_number",
                          key=key, value=raw[:40])
    value = int(raw)
    if value < minimum and maximum is None:
        raise ConfigError(f"{key} must be at least {minimum}, not {value}", "at_least",
                          key=key, value=value, minimum=minimum)
    if value < minimum or (maximum is not None and value > maximum):
        raise ConfigError(f"{key} must be from {minimum} to {maximum}, not {value}", "between",
                          key=key, value=value, minimum=minimum, maximum=maximum)
    return value


def _admins(raw: str) -> frozenset[int]:
    ids = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not re.fullmatch(r"-?\d+", part):
            raise ConfigError(f"BOT_ADMINS must be comma-separated Telegram user ids, not {shown(part)}")
        ids.add(int(part))
    return frozenset(ids)


@dataclass(frozen=True)
class Config:
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    db_path: str = "data/bot.db"
    admins: frozenset[int] = field(default_factory=frozenset)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    language: str = "zh"
    reminder_schedule: Schedule = field(default_factory=lambda: parse_schedule("mon 09:00"))
    digest_schedule: Schedule = field(default_factory=lambda: parse_schedule("mon 10:00"))
    stale_days: int = 7
    lag_points: int = 10
    catchup_hours: int = 24
    inbox_days: int = 30  # handled updates' raw JSON is kept this long
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    invite_days: int = 7
    api_timeout: int = 20  # seconds to wait for the Bot API's answer to a call
    holidays: frozenset[date] = field(default_factory=frozenset)
    web_port: int | None = None  # the dashboard's port (web/); None: no dashboard
    web_listen: str = "127.0.0.1"
    web_url: str | None = None  # the dashboard's public https address, which Telegram opens
    ladder_schedule: Schedule = field(default_factory=lambda: parse_schedule("daily 09:00"))
    problem_days: int = 14  # a problem's time limit when none is written: days from opening
    escalate_days: int = 7  # days overdue before the leader in charge is told
    confirm_days: int = 7  # days an unanswered resolution waits before it confirms itself
    digest_pack: bool = True  # the leader digest attaches the meeting pack
    # The lights (docs/method.md): the rule for plan against actual, and the rules on top.
    light_rule: str = "points"  # "points": lag_points behind; "ratio": actual / planned
    red_ratio: float = 0.6  # rule "ratio": lagging below red_ratio × planned
    yellow_ratio: float = 0.8  # rule "ratio": at risk below yellow_ratio × planned
    start_grace_days: int = 90  # not started this long after the planned start: lagging
    forecast_late_days: int = 30  # forecast this much after the planned end: at risk
    holiday_calendar: str = "auto"  # BOT_HOLIDAYS: "cn", "none", or "auto" (cn in China's zones)
    workdays: frozenset[date] = field(default_factory=frozenset)  # working days despite it
    warm_up: bool = True  # load the chart library and language profiles at start, not on first use

    @property
    def file_api_url(self) -> str:
        """Base URL for file downloads: .../bot -> .../file/bot."""
        base = self.api_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"

    def with_overrides(self, **changes) -> Config:
        return replace(self, **changes)


def load_config(env: dict[str, str] | None = None, dotenv_path: str | Path | None = ".env") -> Config:
    """Read the configuration; values in a .env file fill in what the environment lacks."""
    if env is None:
        env = dict(os.environ)
        if dotenv_path and Path(dotenv_path).is_file():
            from dotenv import dotenv_values

            for key, value in dotenv_values(dotenv_path).items():
                if value is not None:
                    env.setdefault(key, value)
    language = env.get("BOT_LANGUAGE", "zh").strip().lower() or "zh"
    if language not in ("zh", "en"):
        raise ConfigError(f"BOT_LANGUAGE must be zh or en, not {shown(language)}")
    log_level = env.get("BOT_LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"BOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {shown(log_level)}")
    config = Config(
        token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
        api_url=env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_API_URL,
        db_path=env.get("BOT_DB", "").strip() or "data/bot.db",
        admins=_admins(env.get("BOT_ADMINS", "")),
        timezone=parse_timezone(env.get("BOT_TIMEZONE", "").strip() or "Asia/Shanghai"),
        language=language,
        reminder_schedule=parse_schedule(env.get("BOT_REMINDER_SCHEDULE", "").strip() or "mon 09:00"),
        digest_schedule=parse_schedule(env.get("BOT_DIGEST_SCHEDULE", "").strip() or "mon 10:00"),
        ladder_schedule=parse_schedule(env.get("BOT_LADDER_SCHEDULE", "").strip() or "daily 09:00"),
        stale_days=_int(env, "BOT_STALE_DAYS", 7, *RANGES["stale_days"]),
        lag_points=_int(env, "BOT_LAG_POINTS", 10, *RANGES["lag_points"]),
        catchup_hours=_int(env, "BOT_CATCHUP_HOURS", 24, *RANGES["catchup_hours"]),
        inbox_days=_int(env, "BOT_INBOX_DAYS", 30, minimum=1),
        log_level=log_level,
        webhook_url=env.get("BOT_WEBHOOK_URL", "").strip() or None,
        webhook_listen=env.get("BOT_WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
        webhook_port=_int(env, "BOT_WEBHOOK_PORT", 8443, minimum=1),
        webhook_secret=env.get("BOT_WEBHOOK_SECRET", "").strip() or None,
        invite_days=_int(env, "BOT_INVITE_DAYS", 7, minimum=1),
        api_timeout=_int(env, "BOT_API_TIMEOUT", 20, minimum=1),
        web_port=_int(env, "BOT_WEB_PORT", 0, minimum=1) or None,
        web_listen=env.get("BOT_WEB_LISTEN", "").strip() or "127.0.0.1",
        web_url=_web_url(env.get("BOT_WEB_URL", "").strip()),
        light_rule=parse_light_rule(env.get("BOT_LIGHT_RULE", "").strip() or "points"),
        red_ratio=parse_ratio(env.get("BOT_RED_RATIO", "").strip() or "0.6", "red_ratio"),
        yellow_ratio=parse_ratio(env.get("BOT_YELLOW_RATIO", "").strip() or "0.8", "yellow_ratio"),
        start_grace_days=_int(env, "BOT_START_GRACE_DAYS", 90, *RANGES["start_grace_days"]),
        forecast_late_days=_int(env, "BOT_FORECAST_LATE_DAYS", 30,
                                *RANGES["forecast_late_days"]),
        holiday_calendar=parse_holiday_calendar(env.get("BOT_HOLIDAYS", "").strip() or "auto"),
        warm_up=_switch(env, "BOT_WARM_UP", True),
    )
    check_config(config)
    return config


def _switch(env: dict[str, str], key: str, default: bool) -> bool:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        return parse_switch(raw)
    except ConfigError:
        raise ConfigError(f"{key} must be on or off, not {shown(raw)}") from None


def _web_url(raw: str) -> str | None:
    """BOT_WEB_URL: Telegram opens Mini Apps over https only."""
    if raw and not raw.startswith("https://"):
        raise ConfigError(f"BOT_WEB_URL must be an https:// address, not {raw!r}")
    return raw.rstrip("/") or None


# Settings an admin may change in chat with /settings: key -> (Config field, parser).
# The sane range of each number setting (env and /settings alike): beyond it a value is a typo,
# and a huge catchup_hours overflowed every round's date arithmetic.
RANGES = {"stale_days": (1, 365), "lag_points": (1, 100), "catchup_hours": (0, 720),
          "start_grace_days": (0, 3650), "forecast_late_days": (0, 3650)}
LIGHT_RULES = ("points", "ratio")
HOLIDAY_CALENDARS = ("auto", "cn", "none")
MAX_HOLIDAYS = 400

SETTING_KEYS = {
    "reminder_schedule": ("reminder_schedule", parse_schedule),
    "digest_schedule": ("digest_schedule", parse_schedule),
    "timezone": ("timezone", parse_timezone),
    "stale_days": ("stale_days", lambda v: _int({"stale_days": v}, "stale_days", 7,
                                                *RANGES["stale_days"])),
    "lag_points": ("lag_points", lambda v: _int({"lag_points": v}, "lag_points", 10,
                                                *RANGES["lag_points"])),
    "catchup_hours": ("catchup_hours", lambda v: _int({"catchup_hours": v}, "catchup_hours", 24,
                                                      *RANGES["catchup_hours"])),
    "language": ("language", lambda v: v if v in ("zh", "en") else _bad_language(v)),
    "holidays": ("holidays", lambda v: parse_holidays(v)),
    "ladder_schedule": ("ladder_schedule", parse_schedule),
    "problem_days": ("problem_days",
                     lambda v: _int({"problem_days": v}, "problem_days", 14, minimum=1)),
    "escalate_days": ("escalate_days",
                      lambda v: _int({"escalate_days": v}, "escalate_days", 7, minimum=1)),
    "confirm_days": ("confirm_days",
                     lambda v: _int({"confirm_days": v}, "confirm_days", 7, minimum=1)),
    "digest_pack": ("digest_pack", lambda v: parse_switch(v)),
    "light_rule": ("light_rule", lambda v: parse_light_rule(v)),
    "red_ratio": ("red_ratio", lambda v: parse_ratio(v, "red_ratio")),
    "yellow_ratio": ("yellow_ratio", lambda v: parse_ratio(v, "yellow_ratio")),
    "start_grace_days": ("start_grace_days",
                         lambda v: _int({"start_grace_days": v}, "start_grace_days", 90,
                                        *RANGES["start_grace_days"])),
    "forecast_late_days": ("forecast_late_days",
                           lambda v: _int({"forecast_late_days": v}, "forecast_late_days", 30,
                                          *RANGES["forecast_late_days"])),
    "workdays": ("workdays", lambda v: parse_holidays(v, "workdays")),
}

SWITCH_WORDS = {"on": True, "off": False, "true": True, "false": False, "yes": True,
                "no": False, "1": True, "0": False, "开": True, "关": False, "开启": True,
                "关闭": False}


def parse_switch(text: str) -> bool:
    """on or off (also true/false, yes/no, 1/0, 开/关, 开启/关闭)."""
    value = SWITCH_WORDS.get((text or "").strip().lower())
    if value is None:
        raise ConfigError(f"expected on or off, not {shown(text)}", "switch", value=str(text)[:40])
    return value


def _bad_language(value: str):
    raise ConfigError(f"language must be zh or en, not {shown(value)}", "language", value=value[:40])


def parse_holidays(text: str, key: str = "holidays") -> frozenset[date]:
    """Comma- or space-separated YYYY-MM-DD dates (at most MAX_HOLIDAYS): `holidays` (days
    off besides the statutory calendar's) and `workdays` (working days despite it)."""
    days = set()
    parts = list(filter(None, re.split(r"[,\s，、]+", text or "")))
    if len(parts) > MAX_HOLIDAYS:
        raise ConfigError(f"{key} must be at most {MAX_HOLIDAYS} dates, not {len(parts)}",
                          "too_many_dates", key=key, maximum=MAX_HOLIDAYS, count=len(parts))
    for part in parts:
        try:
            days.add(date.fromisoformat(part))
        except ValueError:
            raise ConfigError(f"{key} must be YYYY-MM-DD dates, not {shown(part)}", "holiday_date",
                              value=part[:40]) from None
    return frozenset(days)


def parse_light_rule(text: str) -> str:
    """`points` or `ratio` (docs/method.md)."""
    rule = (text or "").strip().lower()
    if rule not in LIGHT_RULES:
        raise ConfigError(f"light_rule must be points or ratio, not {shown(text)}", "light_rule",
                          value=str(text)[:40])
    return rule


def parse_ratio(text: str, key: str) -> float:
    """A share of the planned progress above 0 and at most 1: `0.6` or `60%`."""
    raw = (text or "").strip().replace("％", "%")
    match = re.fullmatch(r"(\d{1,3}(?:\.\d{1,4})?|\.\d{1,4})(%?)", raw)
    value = (float(match.group(1)) / (100 if match.group(2) else 1)) if match else None
    if value is None or not 0 < value <= 1:
        raise ConfigError(f"{key} must be a number above 0 and at most 1 (e.g. 0.6), not "
                          f"{shown(text)}", "ratio", key=key, value=str(text)[:40])
    return round(value, 4)


def parse_holiday_calendar(text: str) -> str:
    """BOT_HOLIDAYS: `cn` (China's statutory calendar), `none`, or `auto` (cn in China's
    timezones)."""
    value = (text or "").strip().lower()
    if value not in HOLIDAY_CALENDARS:
        raise ConfigError(f"BOT_HOLIDAYS must be cn, none or auto, not {shown(text)}")
    return value


def check_config(config: Config) -> None:
    """Refuse settings that contradict each other (ConfigError)."""
    if config.red_ratio >= config.yellow_ratio:
        raise ConfigError(f"red_ratio ({config.red_ratio:g}) must be below yellow_ratio "
                          f"({config.yellow_ratio:g})", "ratio_order",
                          red=f"{config.red_ratio:g}", yellow=f"{config.yellow_ratio:g}")


def apply_settings(config: Config, settings: dict[str, str]) -> Config:
    """The configuration with the values stored by /settings applied (they win over the env)."""
    changes = {}
    for key, value in settings.items():
        if key in SETTING_KEYS:
            field_name, parse = SETTING_KEYS[key]
            try:
                changes[field_name] = parse(value)
            except ConfigError:
                continue  # a stored value that no longer parses falls back to the environment
    if not changes:
        return config
    applied = replace(config, **changes)
    try:
        check_config(applied)
    except ConfigError:  # stored ratios that contradict the environment's: the environment's
        applied = replace(applied, red_ratio=config.red_ratio, yellow_ratio=config.yellow_ratio)
    return applied
