"""services.ledger without Telegram: import and export return result objects, not replies."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from config import load_config
from services.ledger import export_ledger, import_file
from services.settings import save_setting
from storage.projects import list_projects
from tests.conftest import SAMPLES

HEADER = "code,name,unit\n"


@pytest.fixture
def base():
    return load_config({"TELEGRAM_BOT_TOKEN": "1:x", "BOT_LANGUAGE": "zh"}, dotenv_path=None)


def test_a_good_file_is_imported_and_counted(fresh_db):
    data = (SAMPLES / "ledger_zh.csv").read_bytes()
    first = import_file(fresh_db, data, "ledger_zh.csv", actor_id=None)
    assert first.ok and first.created == len(list_projects(fresh_db)) and first.updated == 0
    assert first.problem is None and first.bad_rows == []
    again = import_file(fresh_db, data, "ledger_zh.csv", actor_id=None)
    assert (again.ok, again.created, again.updated) == (True, 0, first.created)


def test_bad_rows_are_named_and_nothing_is_stored(fresh_db):
    data = (HEADER + "P-1,Good,Unit A\n,No code,Unit A\nP-3,,Unit B\n").encode()
    result = import_file(fresh_db, data, "l.csv", actor_id=None)
    assert not result.ok and result.created == result.updated == 0
    assert [row.line for row in result.bad_rows] == [3, 4]
    assert result.bad_rows[0].reason == "missing:code"
    assert list_projects(fresh_db) == []


def test_a_file_that_is_no_ledger_says_why(fresh_db):
    result = import_file(fresh_db, b"\x00\x01 not a ledger", "l.pdf", actor_id=None)
    assert not result.ok and result.problem and result.bad_rows == []


def test_the_export_reads_back_as_a_ledger(fresh_db, base):
    import_file(fresh_db, (SAMPLES / "ledger_en.csv").read_bytes(), "ledger_en.csv", None)
    result = export_ledger(fresh_db, base, "csv")
    assert result.fmt == "csv" and result.data.startswith("\ufeffcode,".encode())
    assert [row["code"] for row in result.rows] == [p["code"] for p in list_projects(fresh_db)]
    again = import_file(fresh_db, result.data, "export.csv", actor_id=None)
    assert again.ok and again.created == 0 and again.updated == len(result.rows)


def test_the_xlsx_export_has_a_row_per_project(fresh_db, base):
    import_file(fresh_db, (SAMPLES / "ledger_zh.csv").read_bytes(), "ledger_zh.csv", None)
    result = export_ledger(fresh_db, base, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(result.data)).active
    assert sheet.max_row == len(result.rows) + 1
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        row["code"] for row in result.rows]


def test_the_export_uses_the_thresholds_set_in_chat(fresh_db, base):
    data = (HEADER + "P-1,Quiet,Unit A\n").encode()
    import_file(fresh_db, data, "l.csv", None)
    quiet_since = (datetime.now(UTC) - timedelta(days=200)).isoformat()
    fresh_db.execute("update projects set created_at = ?", [quiet_since])
    fresh_db.conn.commit()
    before = export_ledger(fresh_db, base).rows[0]["standing"]
    save_setting(fresh_db, base, "stale_days", "365", actor_id=1)  # the longest allowed
    after = export_ledger(fresh_db, base).rows[0]["standing"]
    assert before != after


def test_an_unknown_format_is_refused(fresh_db, base):
    with pytest.raises(ValueError):
        export_ledger(fresh_db, base, "pdf")
