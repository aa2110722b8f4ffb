"""/settings: show and change schedules, thresholds, timezone and holidays (admins only).

The values are checked, stored and applied by services.settings; this module renders them.
A change of a schedule or the timezone reschedules the round jobs at once, no restart.
"""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import ContextTypes

from config import SETTING_KEYS, Config
from config.calendar import work_calendar
from handlers.access import Caller, app_config, app_db, command, command_args
from i18n import esc, t
from schedules import reschedule
from schedules.periods import next_round
from services.settings import (
    SettingChange,
    SettingsView,
    error_text,
    save_setting,
    settings_view,
)


def _when(found: tuple[datetime, datetime] | None, lang: str) -> str:
    """The next occurrence, and when it is sent if a holiday puts it off."""
    if found is None:
        return t("rem_settings_never", lang)
    moment, sent = found
    text = t("rem_settings_when", lang, date=moment.strftime("%Y-%m-%d"),
             weekday=t("rem_weekdays", lang).split(",")[moment.weekday()],
             time=moment.strftime("%H:%M:%S" if moment.second else "%H:%M"),
             tz=moment.tzinfo.key if hasattr(moment.tzinfo, "key") else "")
    if sent != moment:
        text += t("rem_settings_holiday_note", lang, date=sent.strftime("%Y-%m-%d"))
    return text


def next_rounds(config: Config, lang: str, now: datetime | None = None) -> str:
    now = now or datetime.now(config.timezone)
    calendar = work_calendar(config)
    return t("rem_settings_next", lang,
             reminder=_when(next_round(config.reminder_schedule, config.timezone, now,
                                       calendar), lang),
             digest=_when(next_round(config.digest_schedule, config.timezone, now, calendar),
                          lang))


def show_settings(view: SettingsView, lang: str) -> str:
    lines = [t("rem_settings_title", lang)]
    for key in SETTING_KEYS:
        lines.append(t("rem_settings_line", lang, key=key,
                       value=esc(view.values[key] or t("rem_settings_never", lang)),
                       source=t("rem_settings_here", lang) if key in view.stored else ""))
    lines += ["", next_rounds(view.config, lang)]
    if view.unlinked_leaders:
        lines += ["", t("mine_unlinked", lang, names=esc("、".join(view.unlinked_leaders)))]
    lines += ["", t("rem_settings_help", lang)]
    return "\n".join(lines)


def describe_change(change: SettingChange, lang: str) -> str:
    """The answer to `/settings key value`."""
    if change.outcome == "bad_key":
        return t("rem_settings_bad_key", lang, key=esc(change.key),
                 keys=", ".join(f"<code>{k}</code>" for k in SETTING_KEYS))
    if change.outcome == "no_value":
        return t("rem_settings_no_value", lang, key=change.key, example=esc(change.example))
    if change.outcome == "bad_value":
        return t("rem_settings_bad_value", lang, key=change.key, error=error_text(change, lang),
                 example=esc(change.example))
    if change.outcome == "reset":
        said = t("rem_settings_reset", lang, key=change.key, value=esc(change.value or "—"))
    else:
        said = t("rem_settings_saved", lang, key=change.key, value=esc(change.value))
    return "\n".join([said, next_rounds(change.config, lang)])


def change_setting(db, base: Config, args: str, actor_id: int, lang: str) -> str:
    """Apply `/settings key value` and return the answer; nothing is stored on a bad input."""
    key, _, value = args.strip().partition(" ")
    return describe_change(save_setting(db, base, key, value, actor_id), lang)


@command("settings")
async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE, caller: Caller) -> None:
    db, base = app_db(context), app_config(context)
    args = command_args(update)
    if not args:
        answer = show_settings(settings_view(db, base), caller.lang)
    else:
        answer = change_setting(db, base, args, caller.user_id, caller.lang)
        reschedule(context.application)  # a schedule or the timezone may have changed
    await update.effective_message.reply_text(answer)
