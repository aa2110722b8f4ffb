import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from reports.spreadsheet import EXPORT_COLUMNS, export_rows, write_csv, write_xlsx
from reports.standing import ProjectState, assess

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=TZ)


def sample():
    a = ProjectState(
        code="QB-002",
        name="信创产业基地标准厂房",
        unit="科创城管委会",
        leader="张区长",
        stage="started",
        planned_start=date(2026, 1, 1),
        planned_end=date(2026, 12, 31),
        total_investment=42000.0,
        annual_plan=15000.5,
        progress=30.0,
        invested=3000.0,
        last_update_at=datetime(2026, 5, 20, 2, 30, tzinfo=UTC),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        open_problems=2,
        latest_update='=HYPERLINK("http://x")  进度30%',
        aliases=("信创基地", "标准厂房"),
    )
    b = ProjectState(
        code="QB-001",
        name="储能电池材料项目",
        unit="区工业和信息化局",
        leader=None,
        stage=None,
        planned_start=None,
        planned_end=None,
        total_investment=None,
        annual_plan=None,
        progress=None,
        invested=None,
        last_update_at=None,
        created_at=NOW - timedelta(days=12),
    )
    return assess([a, b], NOW.date(), NOW)


def test_columns():
    assert EXPORT_COLUMNS[:10] == (
        "code",
        "name",
        "unit",
        "leader",
        "stage",
        "planned_start",
        "planned_end",
        "total_investment",
        "annual_plan",
        "aliases",
    )
    assert EXPORT_COLUMNS[10:] == (
        "progress",
        "planned_progress",
        "behind",
        "standing",
        "last_update_at",
        "days_since_update",
        "invested",
        "open_problems",
        "latest_update",
        "overdue_problems",
        "problems",
        "invested_derived",
        "invested_this_year",
        "invested_this_year_derived",
    )


def test_export_rows():
    rows = export_rows(sample(), NOW)
    assert [r["code"] for r in rows] == ["QB-001", "QB-002"]
    never, a = rows
    assert list(a) == list(EXPORT_COLUMNS)
    assert a["planned_start"] == "2026-01-01" and a["planned_end"] == "2026-12-31"
    assert a["aliases"] == "信创基地;标准厂房"
    assert a["last_update_at"] == "2026-05-20T10:30:00+08:00"
    assert a["days_since_update"] == 12
    assert a["progress"] == 30.0
    assert a["planned_progress"] == pytest.approx(100 * 151 / 364, abs=0.05)
    assert a["behind"] == pytest.approx(100 * 151 / 364 - 30, abs=0.05)
    assert a["standing"] == "lagging"
    assert a["open_problems"] == 2 and a["invested"] == 3000.0
    assert never["last_update_at"] is None
    assert never["days_since_update"] == 12  # since it was added
    assert never["planned_progress"] is None and never["behind"] is None
    assert never["standing"] == "at_risk"


def b_cell_format(ws, code: str) -> str:
    """The number format of the last-update cell in `code`'s row."""
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == code)
    return ws.cell(row, EXPORT_COLUMNS.index("last_update_at") + 1).number_format


def test_xlsx_round_trip():
    rows = export_rows(sample(), NOW)
    buf = io.BytesIO()
    write_xlsx(rows, buf)
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb.active
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header == list(EXPORT_COLUMNS)
    assert all(c.font.bold for c in ws[1])
    assert ws.max_row == 3
    data = {ws.cell(r, 1).value: [c.value for c in ws[r]] for r in (2, 3)}
    a = dict(zip(EXPORT_COLUMNS, data["QB-002"], strict=True))
    assert a["name"] == "信创产业基地标准厂房"
    assert a["planned_start"] == "2026-01-01"  # text, not a date
    assert isinstance(a["total_investment"], (int, float)) and a["total_investment"] == 42000
    assert a["annual_plan"] == 15000.5
    assert a["progress"] == 30 and isinstance(a["progress"], (int, float))
    # a whole number shown whole (the file stores numbers as doubles: openpyxl reads 12.0)
    row = next(r for r in (2, 3) if ws.cell(r, 1).value == "QB-002")
    days = ws.cell(row, EXPORT_COLUMNS.index("days_since_update") + 1)
    assert days.value == 12 and days.data_type == "n" and days.number_format == "0"
    # the last update's time is a date-time a spreadsheet sorts, in the export's timezone
    assert a["last_update_at"] == datetime(2026, 5, 20, 10, 30)
    assert b_cell_format(ws, "QB-002") == "yyyy-mm-dd hh:mm"
    assert a["latest_update"].startswith("=HYPERLINK")  # kept as text
    assert ws.cell(3, 19).data_type == "s"
    b = dict(zip(EXPORT_COLUMNS, data["QB-001"], strict=True))
    assert b["planned_start"] is None and b["progress"] is None and b["standing"] == "at_risk"
    assert ws.column_dimensions["B"].width >= 20  # fits the Chinese name
    assert ws.column_dimensions["B"].width <= 60


def test_xlsx_to_a_path_in_chinese(tmp_path):
    path = tmp_path / "ledger.xlsx"
    write_xlsx(export_rows(sample(), NOW), path, lang="zh")
    ws = load_workbook(path).active
    assert ws.cell(1, 1).value == "编号"
    assert ws.cell(1, 8).value == "总投资（万元）"
    assert {ws.cell(r, 14).value for r in (2, 3)} == {"滞后", "有风险"}


def test_xlsx_strips_characters_excel_refuses():
    rows = export_rows(sample(), NOW)
    rows[0]["latest_update"] = "bad\x00\x07text"
    buf = io.BytesIO()
    write_xlsx(rows, buf)
    assert load_workbook(buf).active.cell(2, 19).value == "badtext"


def test_csv_with_bom(tmp_path):
    rows = export_rows(sample(), NOW)
    buf = io.BytesIO()
    write_csv(rows, buf)
    raw = buf.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")
    read = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(read[0]) == list(EXPORT_COLUMNS)
    a = read[1]
    assert a["name"] == "信创产业基地标准厂房"
    assert a["total_investment"] == "42000" and a["annual_plan"] == "15000.5"
    assert a["last_update_at"] == "2026-05-20T10:30:00+08:00"
    assert a["latest_update"].startswith("'=HYPERLINK")
    assert read[0]["progress"] == "" and read[0]["standing"] == "at_risk"

    path = tmp_path / "ledger.csv"
    write_csv(rows, path)
    assert path.read_bytes() == raw
    text = io.StringIO()
    write_csv(rows, text)
    assert text.getvalue().encode("utf-8") == raw
