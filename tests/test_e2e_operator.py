"""A careless operator, end to end (issue 18): two bots on one database, files other users can
read, a rejected token in cron mail. Each against `python bot.py` as a real process."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ADMIN, SAMPLES, TOKEN, wait_until

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, env: dict[str, str], umask: int = 0o022) -> subprocess.CompletedProcess:
    """`python bot.py ARGS` with `env` (BOT_*/TELEGRAM_* only from it), under `umask`."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    full.update(env)
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], capture_output=True,
                          text=True, env=full, cwd=ROOT, timeout=120,
                          preexec_fn=lambda: os.umask(umask))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_second_bot_on_the_same_database_refuses_to_start(tmp_path, api, bot_process):
    """It exits at once with one line naming the running process; remind, export, backup and
    check still work beside the running bot, which goes on answering."""
    first = bot_process().start()
    api.queue_message(ADMIN, "/whoami")
    assert wait_until(lambda: api.messages_to(ADMIN), 60), first.output()
    second = bot_process().start()
    started = time.monotonic()
    second.process.wait(60)
    second.log.close()
    print(f"second bot refused in {time.monotonic() - started:.2f} s")
    lines = second.output().strip().splitlines()
    assert second.process.returncode == 2
    assert lines == [f"error: a bot is already running on {str(tmp_path / 'bot.db')!r} (process "
                     f"{first.process.pid}, lock {str(tmp_path / 'bot.db.run.lock')!r}); stop "
                     "it before starting another"], lines
    env = {**first.env, "BOT_DB": str(tmp_path / "bot.db")}
    for args in (["remind", "--dry-run"], ["export"], ["backup", str(tmp_path / "b.db")],
                 ["check"]):
        done = cli(*args, env=env)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    before = len(api.messages_to(ADMIN))
    api.queue_message(ADMIN, "/whoami")
    assert wait_until(lambda: len(api.messages_to(ADMIN)) > before, 60)
    assert len(api.messages_to(ADMIN)) == before + 1  # answered once
    first.stop()


def test_the_database_backups_and_exports_are_the_owners_only(tmp_path, api):
    """Created 0600 (folders 0700) under a umask that would make them world-readable; `check`
    warns once one is readable by others."""
    db = tmp_path / "data" / "bot.db"
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.api_url, "BOT_DB": str(db)}
    assert cli("import", str(SAMPLES / "ledger_zh.csv"), env=env).returncode == 0
    (tmp_path / "backups").mkdir(mode=0o755)  # backup and export write into existing folders
    assert cli("backup", str(tmp_path / "backups" / "b.db"), env=env).returncode == 0
    (tmp_path / "exports").mkdir(mode=0o755)
    (tmp_path / "exports").chmod(0o755)  # a folder of the operator's: left as it is
    assert cli("export", "-o", str(tmp_path / "exports" / "l.xlsx"), env=env).returncode == 0
    files = [db, tmp_path / "backups" / "b.db", tmp_path / "exports" / "l.xlsx"]
    files += [Path(f"{db}-{suffix}") for suffix in ("wal", "shm") if Path(f"{db}-{suffix}").exists()]
    assert {str(f): oct(mode(f)) for f in files} == {str(f): "0o600" for f in files}
    folders = [db.parent]  # created by the bot
    assert {str(f): oct(mode(f)) for f in folders} == {str(f): "0o700" for f in folders}
    checked = cli("check", env=env)
    assert "✓ file modes: the owner's only" in checked.stdout, checked.stdout
    db.chmod(0o644)
    checked = cli("check", env=env)
    assert f"⚠ file modes: readable by other users: {db}" in checked.stdout, checked.stdout


WRONG_TOKEN = "987654:REJECTED-SECRET-abcdefghijklmnopqrstuvwx"
WEBHOOK_SECRET = "webhook-SECRET-0123456789abcdefghijkl"


def test_no_command_shows_a_rejected_token(tmp_path, api):
    """Every CLI command with a token the Bot API rejects, at DEBUG: neither stdout nor stderr
    (what cron mails) shows it. `remind` printed it before."""
    env = {"TELEGRAM_BOT_TOKEN": WRONG_TOKEN, "TELEGRAM_API_URL": api.api_url,
           "BOT_DB": str(tmp_path / "bot.db"), "BOT_LOG_LEVEL": "DEBUG",
           "BOT_ADMINS": str(ADMIN)}
    runs = [["import", str(SAMPLES / "ledger_zh.csv")], ["export"], ["grant", "5", "leader"],
            ["backup", str(tmp_path / "b.db")], ["check"], ["remind"], ["remind", "--dry-run"],
            ["run"], ["console", "--demo"]]
    for args in runs:
        done = cli(*args, env=env)
        output = done.stdout + done.stderr
        assert WRONG_TOKEN not in output and WRONG_TOKEN.split(":")[1] not in output, (args, output)
    assert "rejected" in cli("remind", env=env).stderr


def test_the_webhook_secret_and_token_stay_out_of_a_debug_log(tmp_path, api, bot_process):
    """python-telegram-bot logs setWebhook's parameters at DEBUG: the secret is redacted like
    the token, and the bot works."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram/hook"
    bot = bot_process(BOT_WEBHOOK_URL=url, BOT_WEBHOOK_PORT=port, BOT_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      BOT_LOG_LEVEL="DEBUG").start()
    assert wait_until(lambda: api.webhook.get("url") == url, 60), bot.output()
    api.queue_message(ADMIN, "/whoami")
    assert wait_until(lambda: api.messages_to(ADMIN), 60), bot.output()
    bot.stop()
    log = bot.output()
    assert "setWebhook" in log and "<webhook secret>" in log
    assert WEBHOOK_SECRET not in log and TOKEN not in log and TOKEN.split(":")[1] not in log
