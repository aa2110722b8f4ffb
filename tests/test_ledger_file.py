"""Reading ledger files: both header languages, BOM, XLSX, and every bad row reported."""

import io

import pytest
from openpyxl import Workbook

from parsing.ledger import LedgerError, read_ledger
from tests.conftest import SAMPLES


def test_chinese_sample_ledger():
    rows, errors = read_ledger((SAMPLES / "ledger_zh.csv").read_bytes(), "ledger_zh.csv")
    assert errors == []
    first = rows[0]
    assert (first.code, first.unit, first.stage, first.planned_end) == (
        "QB-001", "科创城管委会", "started", "2027-06-30")
    assert first.total_investment == 185000 and first.aliases == ["卫星产业园", "卫星互联网产业园"]


def test_english_sample_ledger_with_bom_and_ascii_brackets():
    data = "\ufeffcode,name,unit,total_investment (万元)\nZ1,Plant,Unit,1500\n".encode()
    rows, errors = read_ledger(data, "x.csv")
    assert errors == [] and rows[0].total_investment == 1500


def test_xlsx_ledger_with_chinese_headers_in_any_order():
    book = Workbook()
    sheet = book.active
    sheet.append(["责任单位", "项目名称", "编号", "计划竣工", "别名"])
    sheet.append(["单位甲", "项目一", "A-1", "2026-12-31", "一号;项目壹、壹号"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows, errors = read_ledger(buffer.getvalue(), "l.xlsx")
    assert errors == []
    assert (rows[0].code, rows[0].unit, rows[0].aliases) == ("A-1", "单位甲", ["一号", "项目壹", "壹号"])


def test_every_bad_row_is_reported_with_its_number():
    data = (b"code,name,unit,stage,planned_start,planned_end,total_investment\n"
            b"A1,Good,U,,,,\n"
            b",No code,U,,,,\n"
            b"A1,Dup,U,,,,\n"
            b"A2,Bad stage,U,flying,,,\n"
            b"A3,Bad date,U,,2026-02-30,,\n"
            b"A4,Bad money,U,,,,lots\n"
            b"A5,Backwards,U,,2026-05-01,2026-01-01,\n"
            b"A6,,U,,,,\n")
    rows, errors = read_ledger(data, "x.csv")
    assert [(e.line, e.reason.split(":")[0]) for e in errors] == [
        (3, "missing"), (4, "duplicate_code"), (5, "bad_stage"), (6, "bad_date"),
        (7, "bad_number"), (8, "end_before_start"), (9, "missing")]


@pytest.mark.parametrize("data, name, reason", [
    (b"", "x.csv", "empty"),
    (b"\xff\xfe\x00garbage", "x.csv", "not_utf8"),
    (b"not a zip", "x.xlsx", "not_xlsx"),
    (b"code,name\nA,B\n", "x.csv", "missing_columns:unit"),
    (b"whatever", "x.pdf", "unsupported_format"),
])
def test_files_that_are_not_ledgers(data, name, reason):
    with pytest.raises(LedgerError) as error:
        read_ledger(data, name)
    assert str(error.value) == reason


def test_a_sheet_declaring_or_holding_too_much_is_refused_quickly():
    import time

    from tests.attacks import xlsx_bomb, zip_bomb

    cases = {("XFD25000", None): "too_many_columns:64", ("C1048576", None): "too_many_rows:50000",
             ("C1048576", "A1:C2"): None,  # the sheet lies about its size: still read within bounds
             ("BM3", "A1:C3"): "too_many_columns:64"}
    for (last_cell, dimension), problem in cases.items():
        start = time.monotonic()
        try:
            read_ledger(xlsx_bomb(last_cell, dimension), "l.xlsx")
            refused = None
        except LedgerError as exc:
            refused = str(exc)
        assert refused == problem, (last_cell, dimension)
        assert time.monotonic() - start < 5
    with pytest.raises(LedgerError, match="too_large:64"):
        read_ledger(zip_bomb(), "l.xlsx")
