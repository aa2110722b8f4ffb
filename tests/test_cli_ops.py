"""The command line as an operator meets it: a mistyped --db creates nothing, output to a
closed pipe ends quietly, backup and export follow one rule about files, import errors are
worded for the command line."""

import csv
import os
import subprocess
import sys

import pytest

from tests.conftest import SAMPLES
from tests.test_cli import ROOT, run


@pytest.mark.parametrize("args", [
    ["export"],
    ["export", "-o", "out.csv"],
    ["remind", "--dry-run"],
    ["remind"],
    ["backup", "copy.db"],
    ["console"],
])
def test_a_mistyped_database_is_an_error_and_creates_nothing(tmp_path, args):
    typo = tmp_path / "typo.db"
    result = run(*args, "--db", str(typo), cwd=tmp_path)
    assert result.returncode == 2, result
    assert result.stderr.strip() == f"error: no database at {typo}"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.fixture
def ledger_db(tmp_path):
    db = tmp_path / "bot.db"
    assert run("import", str(SAMPLES / "ledger_zh.csv"), "--db", str(db)).returncode == 0
    for user in (101, 102, 103):
        assert run("grant", str(user), "member", "--unit", "科创城管委会", "--db", str(db)).returncode == 0
    return db


def test_remind_dry_run_into_a_closed_pipe_ends_quietly(ledger_db):
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `| head` does once it has its lines
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    proc = subprocess.run([sys.executable, str(ROOT / "bot.py"), "remind", "--dry-run",
                           "--db", str(ledger_db)], stdout=write_end, stderr=subprocess.PIPE,
                          text=True, env=env, timeout=120)
    os.close(write_end)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


def test_export_and_backup_refuse_a_missing_directory(ledger_db, tmp_path):
    for args in (["export", "-o", str(tmp_path / "nowhere" / "l.csv")],
                 ["backup", str(tmp_path / "nowhere" / "b.db")]):
        result = run(*args, "--db", str(ledger_db))
        assert result.returncode == 2, result
        assert result.stderr.startswith("error: no directory"), result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_export_and_backup_refuse_to_overwrite_without_force(ledger_db, tmp_path):
    for command, name in (("export", "l.csv"), ("backup", "b.db")):
        target = tmp_path / name
        target.write_text("keep me")
        args = [command, "-o", str(target)] if command == "export" else [command, str(target)]
        result = run(*args, "--db", str(ledger_db))
        assert result.returncode == 2, result
        assert result.stderr.strip() == f"error: {target} exists already; add --force to replace it"
        assert target.read_text() == "keep me"
        result = run(*args, "--force", "--db", str(ledger_db))
        assert result.returncode == 0, result.stderr
        assert target.read_bytes() != b"keep me"


def test_cli_import_errors_are_worded_for_the_command_line(ledger_db, tmp_path):
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as f:
        csv.writer(f).writerows([["code", "name", "unit"], ["", "x", "U"]])
    result = run("import", str(bad), "--db", str(ledger_db))
    assert result.returncode == 1
    assert "send it again" not in result.stdout
    assert "run the import again" in result.stdout
