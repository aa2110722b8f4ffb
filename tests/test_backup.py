"""`python bot.py backup FILE` while another process keeps writing: every copy is whole.

The writer stores status updates the way the bot does (`store_updates`: an update and its two
problems in one transaction; triggers add a `project_changes` row for each), so a consistent
copy holds a prefix of the writes in which the three tables agree.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage import open_db
from storage.db import pending_migrations
from tests.conftest import seed_ledger, wait_until
from tests.test_cli import ROOT, run

WRITER = """
import sys
from itertools import count

from storage import now_iso, open_db
from storage.updates import NewUpdate, store_updates

db = open_db(sys.argv[1])
project_id, unit_id = db.execute("select id, unit_id from projects order by id limit 1").fetchone()
for n in count(1):
    store_updates(db, [NewUpdate(
        project_id=project_id, unit_id=unit_id, author_id=1, chat_id=1, message_id=n, part=0,
        created_at=now_iso(), raw_text=f"update {n} " + "x" * 500, lang="en", progress=n % 100,
        problems=[f"problem {n}a", f"problem {n}b"])])
"""



def written(path: Path) -> int:
    """How many updates the writer has committed so far (read from a separate connection)."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute("select count(*) from updates").fetchone()[0]
    finally:
        conn.close()


def assert_consistent(copy: Path, changes_before: int) -> int:
    """The copy passes integrity_check, opens with open_db, and holds a whole prefix of the writes."""
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        message_ids = [row[0] for row in conn.execute("select message_id from updates order by id")]
        updates = len(message_ids)
        assert message_ids == list(range(1, updates + 1))  # no gap: a prefix
        assert conn.execute("select count(*) from problems").fetchone()[0] == 2 * updates
        changes = conn.execute("select count(*) from project_changes").fetchone()[0]
        assert changes - changes_before == 3 * updates  # one per update, one per problem
    finally:
        conn.close()
    db = open_db(copy)
    assert pending_migrations(db) == []
    db.close()
    return updates


@pytest.fixture
def busy_db(tmp_path):
    """A database with a writer process committing status updates as fast as it can."""
    path = tmp_path / "bot.db"
    db = open_db(path)
    seed_ledger(db, "ledger_zh.csv")
    changes_before = db.execute("select count(*) from project_changes").fetchone()[0]
    db.close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: written(path) >= 20 or writer.poll() is not None), "no writes"
        assert writer.poll() is None, writer.stderr.read()
        yield path, changes_before, writer
    finally:
        writer.kill()
        writer.wait(10)


def test_backups_taken_during_writes_are_consistent(tmp_path, busy_db):
    path, changes_before, writer = busy_db
    counts = []
    (tmp_path / "backups").mkdir()  # backup makes no directories (a typo would)
    for n in range(4):
        copy = tmp_path / "backups" / f"bot-{n}.db"
        result = run("backup", str(copy), "--db", str(path))
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"backup written to {copy}"
        counts.append(assert_consistent(copy, changes_before))
        # The next copy is taken only after more writes, so the copies differ.
        assert wait_until(lambda: written(path) > counts[-1]), "the writer stopped"
    assert writer.poll() is None, "the writer died during the backups"
    assert counts == sorted(counts) and len(set(counts)) == len(counts), counts
    assert not list((tmp_path / "backups").glob("*.part")), "a temporary file was left behind"


def test_a_backup_restores(tmp_path, busy_db):
    """Restoring is copying the file back: the bot's database opens and has the data."""
    path, changes_before, _writer = busy_db
    copy = tmp_path / "copy.db"
    assert run("backup", str(copy), "--db", str(path)).returncode == 0
    restored = tmp_path / "restored" / "bot.db"
    restored.parent.mkdir()
    restored.write_bytes(copy.read_bytes())
    updates = assert_consistent(restored, changes_before)
    assert updates >= 20
    result = run("export", "--format", "csv", "--db", str(restored))
    assert result.returncode == 0 and "QB-001" in result.stdout


@pytest.fixture
def quiet_db(tmp_path) -> Path:
    path = tmp_path / "bot.db"
    open_db(path).close()
    return path


def test_backup_refuses_to_overwrite(tmp_path, quiet_db):
    existing = tmp_path / "old.db"
    existing.write_bytes(b"an older backup")
    result = run("backup", str(existing), "--db", str(quiet_db))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {existing} exists already; add --force to replace it"
    assert existing.read_bytes() == b"an older backup"


def test_backup_to_an_unusable_place_is_one_line(tmp_path, quiet_db):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run("backup", str(blocker / "copy.db"), "--db", str(quiet_db))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot write the backup {blocker / 'copy.db'}: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_backup_of_a_missing_database_creates_nothing(tmp_path):
    missing = tmp_path / "typo.db"
    result = run("backup", str(tmp_path / "copy.db"), "--db", str(missing))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: no database at {missing}"
    assert not missing.exists() and not (tmp_path / "copy.db").exists()
