"""`python bot.py check`: is this bot ready to run? One ✓/✗ line per check.

The checks are plain functions returning `Check` results (testable without Telegram);
`check_cli` prints them and picks the exit code: 0 all passed, 2 a bad setting (as every
command exits on one), 1 anything else failed. The token is never printed, not even in part.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from pathlib import Path

from config import Config, ConfigError, load_config
from config.calendar import china_known_until, uses_china_calendar

LOW_DISK = 100 * 1024 * 1024  # bytes free below which the disk is reported (the inbox needs room)
CALENDAR_WARN_DAYS = 30  # China's calendar ending this soon: upgrade chinesecalendar
API_TIMEOUT = 5.0  # seconds for getMe: a check must answer quickly even when the API does not
TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")  # what @BotFather hands out


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    bad_setting: bool = False  # a configuration error: exit 2, like any command
    warning: bool = False  # worth fixing, but the bot runs: ⚠, and the exit code stays 0

    def line(self) -> str:
        mark = "⚠" if self.warning else "✓" if self.ok else "✗"
        return f"{mark} {self.name}: {self.detail}"


def check_settings(config: Config) -> list[Check]:
    """The configuration loaded (else `check_cli` stopped earlier) and the token is usable."""
    described = (f"timezone {config.timezone.key}, reminders {config.reminder_schedule}, "
                 f"digest {config.digest_schedule}, language {config.language}")
    if config.webhook_url:
        described += f", webhook on {config.webhook_listen}:{config.webhook_port}"
    checks = [Check("configuration", True, described)]
    if not config.token:
        checks.append(Check("token", False, "TELEGRAM_BOT_TOKEN is not set", bad_setting=True))
    elif not TOKEN_SHAPE.fullmatch(config.token):
        checks.append(Check("token", False, "TELEGRAM_BOT_TOKEN does not look like a bot token "
                            "(digits, a colon, letters: as @BotFather gives it)", bad_setting=True))
    else:
        checks.append(Check("token", True, "set"))
    return checks


def check_calendar(config: Config, today: date | None = None) -> Check:
    """Which holidays the rounds keep, and until when China's statutory calendar is known."""
    if not uses_china_calendar(config.holiday_calendar, config.timezone.key):
        return Check("holidays", True, "the days set with /settings holidays only "
                     f"(BOT_HOLIDAYS={config.holiday_calendar}, timezone {config.timezone.key})")
    until = china_known_until()
    today = today or date.today()
    detail = (f"China's statutory calendar (chinesecalendar {version('chinesecalendar')}), "
              f"known until {until.isoformat()}")
    if (until - today).days < CALENDAR_WARN_DAYS:
        return Check("holidays", True, f"{detail}: later days count as ordinary days; "
                     "upgrade chinesecalendar when the next year's holidays are published",
                     warning=True)
    return Check("holidays", True, detail)


def check_database(path: str | Path) -> list[Check]:
    """Opens, integrity, schema version, WAL, writable; stops at the first that rules out the rest."""
    from storage.health import inspect_database

    health = inspect_database(path)
    if not health.exists:
        folder = Path(path).resolve().parent
        while not folder.exists():  # open_db creates the missing folders
            folder = folder.parent
        if not os.access(folder, os.W_OK):
            return [Check("database", False, f"{path} does not exist and {folder} is not writable")]
        return [Check("database", True, f"{path} does not exist yet; the bot creates it on start")]
    if health.open_error:
        return [Check("database", False, f"cannot open {path}: {health.open_error}")]
    checks = [Check("database", True, f"{path}")]
    if health.integrity_problems:
        shown = "; ".join(health.integrity_problems[:3])
        more = len(health.integrity_problems) - 3
        checks.append(Check("integrity", False, f"{shown}{f' (and {more} more)' if more > 0 else ''}"
                            " — stop the bot and restore the last backup"))
        return checks
    checks.append(Check("integrity", True, "ok"))
    if health.unknown:
        checks.append(Check("schema", False, "written by a newer version of the bot (migrations "
                            f"{', '.join(health.unknown)} are unknown here): upgrade the bot"))
    elif health.pending:
        count = len(health.pending)
        checks.append(Check("schema", False, f"{count} migration{'s' * (count > 1)} pending "
                            f"({', '.join(health.pending)}): the bot applies them when it starts"))
    else:
        checks.append(Check("schema", True, f"current ({health.applied} migrations applied)"))
        checks.append(check_leaders(path))
    if health.journal_mode == "wal":
        checks.append(Check("WAL", True, "on"))
    else:
        checks.append(Check("WAL", False, f"journal mode is {health.journal_mode}, not wal: "
                            "the bot switches it on when it starts"))
    if health.write_error:
        checks.append(Check("writable", False, health.write_error))
    else:
        checks.append(Check("writable", True, "yes"))
    checks.append(check_file_modes(Path(path)))
    return checks


def check_leaders(path: str | Path) -> Check:
    """Leader names in the ledger with no linked account: told, not a failure (the bot runs;
    those leaders' escalations wait until they are linked)."""
    import sqlite3

    from sqlite_utils import Database

    from storage.people import unlinked_leader_names

    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        names = unlinked_leader_names(Database(conn))
    finally:
        conn.close()
    if not names:
        return Check("leaders", True, "every leader named in the ledger has a linked account")
    return Check("leaders", True, f"{len(names)} named in the ledger with no linked account "
                 f"(/invite leader NAME or grant --name): {', '.join(names)}")


def check_disk_space(path: str | Path) -> Check:
    """Free space where the database lives: a full disk stops the bot taking updates."""
    folder = Path(path).resolve().parent
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    detail = f"{free / 1024 ** 3:.1f} GB free in {folder}"
    if free < LOW_DISK:
        return Check("disk space", False, f"{detail}: below {LOW_DISK // 1024 ** 2} MB, the "
                     "bot stops taking updates when it is full")
    return Check("disk space", True, detail)


def check_file_modes(path: Path) -> Check:
    """The database, its WAL files and its folder readable by the bot's user only: they hold
    every person and update."""
    from storage.db import readable_by_others

    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    open_to_others = [str(f) for f in files if readable_by_others(f)]
    if readable_by_others(path.resolve().parent):
        open_to_others.append(f"{path.resolve().parent}/")
    if open_to_others:
        return Check("file modes", True, f"readable by other users: {', '.join(open_to_others)}"
                     " — chmod 600 the files and 700 the folder", warning=True)
    return Check("file modes", True, "the owner's only")


def check_bot_api(config: Config, timeout: float = API_TIMEOUT) -> Check:
    """getMe against TELEGRAM_API_URL: reachable, and the token accepted."""
    import httpx

    where = config.api_url
    if not config.token:
        return Check("Bot API", False, f"not asked without a token ({where})")

    def hide(text: str) -> str:
        return text.replace(config.token, "<token>")

    try:
        response = httpx.get(f"{config.api_url}{config.token}/getMe", timeout=timeout)
    except httpx.TimeoutException:
        return Check("Bot API", False, f"no answer from {where} within {timeout:g} s")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL is no HTTPError
        return Check("Bot API", False, f"cannot reach {where}: {hide(str(exc)) or type(exc).__name__}")
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code == 401:
        return Check("Bot API", False, f"{where} refused the token (401 Unauthorized): "
                     "check TELEGRAM_BOT_TOKEN")
    if response.status_code == 404:
        return Check("Bot API", False, f"{where} answered 404 Not Found: check TELEGRAM_API_URL "
                     "(it ends in /bot) and the token")
    if response.status_code != 200 or not answer.get("ok"):
        description = hide(str(answer.get("description") or response.reason_phrase))
        return Check("Bot API", False, f"{where} answered {response.status_code} {description}")
    me = answer.get("result") or {}
    return Check("Bot API", True, f"@{me.get('username')} (id {me.get('id')}) at {where}")


def run_checks(config: Config) -> list[Check]:
    return [*check_settings(config), check_calendar(config), *check_database(config.db_path),
            check_disk_space(config.db_path), check_bot_api(config)]


def exit_code(checks: list[Check]) -> int:
    if any(c.bad_setting and not c.ok for c in checks):
        return 2
    return 0 if all(c.ok for c in checks) else 1


def check_cli(db_path: str | None = None, env: dict[str, str] | None = None) -> int:
    """Print one line per check; the exit code of `python bot.py check`."""
    try:
        config = load_config(env)
    except ConfigError as exc:
        print(Check("configuration", False, str(exc)).line())
        return 2
    if db_path:
        config = config.with_overrides(db_path=db_path)
    checks = run_checks(config)
    for check in checks:
        print(check.line())
    return exit_code(checks)
