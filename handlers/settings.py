"""/settings: show and change schedules, thresholds, timezone and holidays (admins only).

Values are checked with config.SETTING_KEYS' parsers and stored in their canonical form
(storage.settings); a bad key or value is answered with the reason and stores nothing. A change
of a schedule or the timezone reschedules the round jobs at once, no restart.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from telegram import Update
from telegram.ext import ContextTypes

from config import SETTING_KEYS, Config, ConfigError, Schedule, apply_settings
from handlers.access import Caller, app_config, app_db, command, command_args
from i18n import esc, t
from schedules import reschedule
from schedules.periods import next_occurrence
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
}
RESET_WORDS = ("default", "reset", "none", "-")


def format_value(value: object) -> str:
    """A setting's value as it is shown and stored."""
    if isinstance(value, Schedule):
        return str(value)
    if isinstance(value, frozenset | set):
        return ",".join(sorted(d.isoformat() for d in value))
    if hasattr(value, "key"):  # ZoneInfo
        return value.key
    return str(value)


def current_value(config: Config, key: str) -> str:
    return format_value(getattr(config, SETTING_KEYS[key][0]))


def _when(moment: datetime | None, lang: str, holidays: frozenset[date]) -> str:
    if moment is None:
        return t("rem_settings_never", lang)
    text = t("rem_settings_when", lang, date=moment.strftime("%Y-%m-%d"),
             weekday=t("rem_weekdays", lang).split(",")[moment.weekday()],
             time=moment.strftime("%H:%M:%S" if moment.second else "%H:%M"),
             tz=moment.tzinfo.key if hasattr(moment.tzinfo, "key") else "")
    if moment.date() in holidays:
        text += t("rem_settings_holiday_note", lang)
    return text


def next_rounds(config: Config, lang: str, now: datetime | None = None) -> str:
    now = now or datetime.now(config.timezone)
    return t("rem_settings_next", lang,
             reminder=_when(next_occurrence(config.reminder_schedule, config.timezone, now),
                            lang, config.holidays),
             digest=_when(next_occurrence(config.digest_schedule, config.timezone, now),
                          lang, config.holidays))


def show_settings(config: Config, stored: dict[str, str], lang: str) -> str:
    lines = [t("rem_settings_title", lang)]
    for key in SETTING_KEYS:
        value = current_value(config, key) or t("rem_settings_never", lang)
        lines.append(t("rem_settings_line", lang, key=key, value=esc(value),
                       source=t("rem_settings_here", lang) if key in stored else ""))
    lines += ["", next_rounds(config, lang), "", t("rem_settings_help", lang)]
    return "\n".join(lines)


def change_setting(db, base: Config, args: str, actor_id: int, lang: str) -> str:
    """Apply `/settings key value` and return the answer; nothing is stored on a bad input."""
    key, _, value = args.strip().partition(" ")
    key, value = key.strip().lower(), value.strip()
    if key not in SETTING_KEYS:
        return t("rem_settings_bad_key", lang, key=esc(key),
                 keys=", ".join(f"<code>{k}</code>" for k in SETTING_KEYS))
    if not value:
        return t("rem_settings_no_value", lang, key=key, example=esc(EXAMPLES[key]))
    if value.lower() in RESET_WORDS:
        set_setting(db, key, None, actor_id)
        config = apply_settings(base, get_settings(db))
        log.info("setting %s reset to the environment by %s", key, actor_id)
        return "\n".join([t("rem_settings_reset", lang, key=key,
                             value=esc(current_value(config, key) or "—")),
                          next_rounds(config, lang)])
    try:
        canonical = format_value(SETTING_KEYS[key][1](value))
    except ConfigError as exc:
        return t("rem_settings_bad_value", lang, key=key, error=esc(str(exc)),
                 example=esc(EXAMPLES[key]))
    set_setting(db, key, canonical, actor_id)
    log.info("setting %s = %s by %s", key, canonical, actor_id)
    config = apply_settings(base, get_settings(db))
    return "\n".join([t("rem_settings_saved", lang, key=key, value=esc(canonical)),
                      next_rounds(config, lang)])


@command("settings")
async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    db, base = app_db(context), app_config(context)
    args = command_args(update)
    if not args:
        stored = get_settings(db)
        answer = show_settings(apply_settings(base, stored), stored, caller.lang)
    else:
        answer = change_setting(db, base, args, caller.user_id, caller.lang)
        reschedule(context.application)  # a schedule or the timezone may have changed
    await update.effective_message.reply_text(answer)
