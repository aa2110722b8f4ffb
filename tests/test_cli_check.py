"""`python bot.py check`: one ✓/✗ line per check, exactly as the operator reads it.

Exit codes: 0 all passed, 2 a bad setting (like every command), 1 any other failure.
The token never appears in what it prints.
"""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
from pathlib import Path

import pytest

from config import load_config
from services.check import check_bot_api, check_calendar, check_database, check_disk_space
from storage import open_db
from storage.schema import migrations
from tests.conftest import TOKEN, make_config, seed_ledger
from tests.test_cli import run

ALL_MIGRATIONS = [m.name for m in migrations._migrations]
CONFIG_LINE = ("✓ configuration: timezone Asia/Shanghai, reminders mon 09:00, digest mon 10:00, "
               "language zh")


def check(db: Path, **env) -> tuple[int, list[str]]:
    """Run `python bot.py check --db DB`; its exit code and the lines it printed."""
    result = run("check", "--db", str(db), env={k: str(v) for k, v in env.items()})
    printed = result.stdout + result.stderr
    assert TOKEN not in printed and TOKEN.split(":")[1] not in printed
    return result.returncode, printed.strip().splitlines()


@pytest.fixture
def ready_db(tmp_path) -> Path:
    """A database the bot has used: migrated, WAL, with a ledger."""
    path = tmp_path / "bot.db"
    db = open_db(path)
    seed_ledger(db)
    db.close()
    return path


@pytest.fixture
def env(api) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.api_url}


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/bot"  # nobody listens once the probe is closed


def test_everything_ready(ready_db, env, api):
    code, lines = check(ready_db, **env)
    disk = lines.pop(-2)
    assert re.fullmatch(rf"✓ disk space: \d+\.\d GB free in {re.escape(str(ready_db.parent.resolve()))}",
                        disk), disk
    assert lines == [
        CONFIG_LINE,
        "✓ token: set",
        check_calendar(load_config({})).line(),
        f"✓ database: {ready_db}",
        "✓ integrity: ok",
        f"✓ schema: current ({len(ALL_MIGRATIONS)} migrations applied)",
        "✓ leaders: 3 named in the ledger with no linked account (/invite leader NAME or "
        "grant --name): 张区长, 李副区长, 王副区长",
        "✓ WAL: on",
        "✓ writable: yes",
        "✓ file modes: the owner's only",
        f"✓ Bot API: @KeyProjectBot (id 123456) at {api.api_url}",
    ]
    assert code == 0


def test_leaders_linked_by_name_are_not_listed(ready_db, env, api):
    from storage.people import grant_role

    db = open_db(ready_db)
    grant_role(db, 70, "leader", leader_name="张区长 ")
    grant_role(db, 71, "leader", leader_name="李副区长")
    grant_role(db, 72, "member", db["units"].get(1)["id"], leader_name="王副区长")  # no leader
    db.close()
    code, lines = check(ready_db, **env)
    assert ("✓ leaders: 1 named in the ledger with no linked account (/invite leader NAME or "
            "grant --name): 王副区长") in lines
    assert code == 0


def test_missing_token_is_a_configuration_error(ready_db):
    code, lines = check(ready_db)
    assert "✗ token: TELEGRAM_BOT_TOKEN is not set" in lines
    assert "✗ Bot API: not asked without a token (https://api.telegram.org/bot)" in lines
    assert "✓ integrity: ok" in lines  # the database is still checked
    assert code == 2


def test_malformed_token(ready_db, api):
    code, lines = check(ready_db, TELEGRAM_BOT_TOKEN="paste-it-here", TELEGRAM_API_URL=api.api_url)
    assert ("✗ token: TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, "
            "letters: as @BotFather gives it)") in lines
    assert code == 2


@pytest.mark.parametrize("setting, value, line", [
    ("BOT_TIMEZONE", "Mars/Olympus", "✗ configuration: unknown timezone 'Mars/Olympus'"),
    ("BOT_REMINDER_SCHEDULE", "someday 25:00",
     "✗ configuration: bad schedule 'someday 25:00': unknown day 'someday'"),
    ("BOT_STALE_DAYS", "x", "✗ configuration: BOT_STALE_DAYS must be a whole number, not 'x'"),
])
def test_bad_setting_is_one_line_and_exit_2(ready_db, env, setting, value, line):
    code, lines = check(ready_db, **env, **{setting: value})
    assert lines == [line]
    assert code == 2


def test_not_a_database(tmp_path, env):
    junk = tmp_path / "bot.db"
    junk.write_bytes(b"this is a spreadsheet, not a database" * 100)
    code, lines = check(junk, **env)
    assert f"✗ database: cannot open {junk}: file is not a database" in lines
    assert not any(line.startswith(("✓ integrity", "✗ integrity")) for line in lines)
    assert code == 1


def test_damaged_database(tmp_path, env):
    path = tmp_path / "bot.db"
    db = open_db(path)
    db["units"].insert_all([{"name": f"unit {i} " + "x" * 100, "created_at": "2025-01-01"}
                            for i in range(2000)])
    page_size, pages = db.execute("pragma page_size").fetchone()[0], db.execute(
        "pragma page_count").fetchone()[0]
    db.close()  # the last connection checkpoints the WAL into the file
    with path.open("r+b") as file:  # scribble over a page of the units table
        file.seek((pages - 5) * page_size + 100)
        file.write(b"\x00\xff" * 200)
    code, lines = check(path, **env)
    [integrity] = [line for line in lines if "integrity" in line]
    assert integrity.startswith("✗ integrity: On tree page ")
    assert integrity.endswith(" — stop the bot and restore the last backup")
    assert code == 1


def test_database_of_an_older_version(tmp_path, env):
    """A database two migrations behind: listed as pending; `check` itself changes nothing."""
    path = tmp_path / "bot.db"
    old = open_db(path, migrate=False)
    migrations.apply(old, stop_before=ALL_MIGRATIONS[-2])
    old.close()
    code, lines = check(path, **env)
    assert (f"✗ schema: 2 migrations pending ({ALL_MIGRATIONS[-2]}, {ALL_MIGRATIONS[-1]}): "
            "the bot applies them when it starts") in lines
    assert code == 1
    code, lines = check(path, **env)
    assert code == 1, "check applied the migrations itself"
    open_db(path).close()  # what `python bot.py run` does at start
    code, lines = check(path, **env)
    assert f"✓ schema: current ({len(ALL_MIGRATIONS)} migrations applied)" in lines
    assert code == 0


def test_database_of_a_newer_version(ready_db, env):
    conn = sqlite3.connect(ready_db)
    conn.execute("insert into _sqlite_migrations (migration_set, name, applied_at) "
                 "values ('key_project_bot', 'm999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    code, lines = check(ready_db, **env)
    assert ("✗ schema: written by a newer version of the bot (migrations m999_from_the_future "
            "are unknown here): upgrade the bot") in lines
    assert code == 1


def test_database_not_in_wal_mode(ready_db, env):
    conn = sqlite3.connect(ready_db)
    conn.execute("pragma journal_mode = delete")
    conn.close()
    code, lines = check(ready_db, **env)
    assert "✗ WAL: journal mode is delete, not wal: the bot switches it on when it starts" in lines
    assert code == 1


def test_database_locked_by_a_writer(ready_db, monkeypatch):
    """Another process holding the write lock past the (here shortened) timeout."""
    from storage import health

    inspect = health.inspect_database
    monkeypatch.setattr(health, "inspect_database", lambda path: inspect(path, timeout=0.1))
    holder = sqlite3.connect(ready_db, isolation_level=None)
    holder.execute("begin immediate")
    try:
        checks = {c.name: c for c in check_database(ready_db)}
    finally:
        holder.execute("rollback")
        holder.close()
    assert checks["writable"].line() == "✗ writable: database is locked"
    assert checks["integrity"].ok and checks["schema"].ok  # reading still works


def test_missing_database_is_created_on_start(tmp_path, env):
    path = tmp_path / "data" / "bot.db"
    code, lines = check(path, **env)
    assert f"✓ database: {path} does not exist yet; the bot creates it on start" in lines
    assert code == 0
    assert not path.exists() and not path.parent.exists()


def test_bot_api_down(ready_db):
    url = closed_port_url()
    code, lines = check(ready_db, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url)
    assert f"✗ Bot API: cannot reach {url}: [Errno 111] Connection refused" in lines
    assert code == 1


def test_wrong_token(ready_db, api):
    code, lines = check(ready_db, TELEGRAM_BOT_TOKEN="654321:WRONG-token", TELEGRAM_API_URL=api.api_url)
    assert (f"✗ Bot API: {api.api_url} refused the token (401 Unauthorized): "
            "check TELEGRAM_BOT_TOKEN") in lines
    assert "654321:WRONG-token" not in "\n".join(lines)
    assert code == 1


def test_wrong_api_url(ready_db, api):
    url = api.api_url.removesuffix("/bot") + "/telegram"
    code, lines = check(ready_db, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url)
    assert (f"✗ Bot API: {url} answered 404 Not Found: check TELEGRAM_API_URL (it ends in /bot) "
            "and the token") in lines
    assert code == 1


def test_bot_api_check_without_the_cli(tmp_path, api):
    """The pure function, as other code (or a health endpoint) would call it."""
    result = check_bot_api(make_config(tmp_path, api))
    assert result.ok and result.detail.startswith("@KeyProjectBot ")


@pytest.mark.parametrize("url, line", [
    ("ftp://example.org/bot", "✗ Bot API: cannot reach ftp://example.org/bot: Request URL has an "
     "unsupported protocol 'ftp://'."),
    ("http://[::1/bot", "✗ Bot API: cannot reach http://[::1/bot: Invalid port: ':1'"),
])
def test_unusable_api_url_is_one_line(ready_db, url, line):
    code, lines = check(ready_db, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url)
    assert lines[-1] == line
    assert code == 1


def test_low_disk_space_fails_the_check(tmp_path, monkeypatch):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage._replace(free=20 * 1024 ** 2))
    result = check_disk_space(tmp_path / "bot.db")
    assert not result.ok
    assert result.line() == (f"✗ disk space: 0.0 GB free in {tmp_path.resolve()}: below 100 MB, "
                             "the bot stops taking updates when it is full")
