"""The command line: each sub-command works, fails with one clear line, and is documented."""

import csv
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import make_parser
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parents[1]


def run(*args, env=None, cwd=None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    full_env.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], capture_output=True,
                          text=True, env=full_env, cwd=cwd or ROOT, timeout=120)


def subcommands() -> list[str]:
    parser = make_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def test_every_cli_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in subcommands():
        assert re.search(rf"python bot\.py {name}\b", readme), f"`bot.py {name}` not in README"


def test_import_grant_backup(tmp_path):
    db = tmp_path / "x.db"
    result = run("import", str(SAMPLES / "ledger_zh.csv"), "--db", str(db))
    assert result.returncode == 0 and "7 projects created" in result.stdout
    result = run("--db", str(db), "grant", "42", "member", "--unit", "科创城管委会")
    assert result.returncode == 0, result.stderr
    result = run("backup", str(tmp_path / "copy.db"), f"--db={db}")
    assert result.returncode == 0, result.stderr
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("select count(*) from projects").fetchone()[0] == 7
    assert copy.execute("select role from people where user_id = 42").fetchone()[0] == "member"


@pytest.mark.parametrize("args, message", [
    (["run"], "error: TELEGRAM_BOT_TOKEN is not set"),
    (["import", "/no/such/file.csv"], "error: cannot read /no/such/file.csv"),
    (["grant", "5", "member"], "error: a member needs --unit UNIT"),
    (["grant", "5", "member", "--unit", "Nowhere"], "error: no unit called 'Nowhere'"),
    (["grant", "5", "member", "--unit", "X", "--db"], "error: --db needs a path"),
])
def test_failures_are_one_clear_line(tmp_path, args, message):
    result = run(*args, "--db", str(tmp_path / "y.db")) if "--db" not in args else run(*args)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(message), result.stderr


def test_unusable_database_path_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run("grant", "1", "admin", "--db", str(blocker / "bot.db"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot open database")
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_ledger_from_cli_changes_nothing(tmp_path):
    db = tmp_path / "x.db"
    run("import", str(SAMPLES / "ledger_en.csv"), "--db", str(db))
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as f:
        csv.writer(f).writerows([["code", "name", "unit"], ["ZQ-101", "Renamed", "U"], ["", "x", "U"]])
    result = run("import", str(bad), "--db", str(db))
    assert result.returncode == 1 and "row 3" in result.stdout
    name = sqlite3.connect(db).execute("select name from projects where code='ZQ-101'").fetchone()[0]
    assert name == "High-tech Zone Energy Storage Plant"


def test_bad_setting_is_one_line(tmp_path):
    result = run("grant", "1", "admin", "--db", str(tmp_path / "z.db"), env={"BOT_LAG_POINTS": "x"})
    assert result.returncode == 2
    assert result.stderr.strip() == "error: BOT_LAG_POINTS must be a whole number, not 'x'"
