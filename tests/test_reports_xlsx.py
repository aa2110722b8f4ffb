"""The .xlsx export's file, cell by cell: every value, type, number format and column width of a
fixed portfolio, in English and Chinese, against tests/golden/export_xlsx.json (written by the
openpyxl writer the export once used; the file must stay what it was)."""

import io
import json
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from reports.spreadsheet import export_rows, write_xlsx
from reports.standing import ProjectState, assess
from reports.xlsx import column_width

GOLDEN = Path(__file__).parent / "golden" / "export_xlsx.json"
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=TZ)


def portfolio() -> list[dict]:
    """Projects with every kind of cell: CJK and Latin text, text longer than a column, lines,
    formulas, characters Excel refuses, whole and fractional numbers, empty cells, problems,
    investment figures reported and derived."""
    def project(i: int, **fields) -> ProjectState:
        base = dict(code=f"QB-{i:03d}", name=f"项目{i}", unit="科创城管委会", leader="张区长",
                    stage="started", planned_start=date(2026, 1, 1), planned_end=date(2026, 12, 31),
                    total_investment=42000.0, annual_plan=15000.5, progress=30.0, invested=3000.0,
                    last_update_at=datetime(2026, 5, 20, 2, 30, tzinfo=UTC),
                    created_at=datetime(2026, 1, 1, tzinfo=UTC), open_problems=0,
                    latest_update="进度30%", aliases=())
        return ProjectState(**{**base, **fields})

    states = [
        project(1, name="信创产业基地标准厂房", aliases=("信创基地", "标准厂房"), open_problems=2,
                latest_update='=HYPERLINK("http://x")  进度30%'),
        project(2, name="储能电池材料项目", unit="区工业和信息化局", leader=None, stage=None,
                planned_start=None, planned_end=None, total_investment=None, annual_plan=None,
                progress=None, invested=None, last_update_at=None, latest_update=None,
                created_at=NOW - timedelta(days=12)),
        project(3, name="Riverside Logistics Hub phase II (cold chain and container terminal)",
                unit="Port Authority", leader="Li Wei", stage="signed", progress=62.25,
                total_investment=1234567.89, annual_plan=7, invested=12.5, invested_derived=True,
                invested_year=2500.25,
                latest_update="line one\nline two is much longer than the first one, by far"),
        project(4, name="光伏\x07组件", stage="completed", progress=100.0, latest_update="bad\x00text",
                last_update_at=datetime(2026, 5, 31, 23, 59, 59, tzinfo=UTC)),
        project(5, name="  spaced name  ", stage="negotiating", progress=0.0, total_investment=5,
                latest_update="+1 looks like a formula; -2 too; @three", aliases=("x",)),
        project(6, name="Ünïcödé Straße ＡＢＣ全角", latest_update="x" * 200, invested_year=800.0,
                invested_year_derived=True),
    ]
    problems = {"QB-001": [
        {"id": 7, "status": "open", "due": date(2026, 5, 1), "late": 31, "text": "用地指标未落实"},
        {"id": 9, "status": "awaiting", "due": date(2026, 6, 30), "late": 0, "text": "grid"}]}
    return export_rows(assess(states, NOW.date(), NOW), NOW, problems)


def describe(data: bytes) -> dict:
    """What a spreadsheet program shows of the file: sheets, widths, panes, filter, cells
    (numbers compare by value: a whole number stored as "12.0" reads back as a float)."""
    wb = load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                value = c.value.isoformat() if isinstance(c.value, datetime) else c.value
                cells.append([c.coordinate, value, c.data_type, c.number_format,
                              bool(c.font.bold), c.alignment.vertical])
        out[ws.title] = {
            # a <col> may span columns of one width (XlsxWriter joins them): each column's own
            "widths": dict(sorted((get_column_letter(i), d.width)
                                  for d in ws.column_dimensions.values()
                                  for i in range(d.min, d.max + 1))),
            "freeze_panes": ws.freeze_panes, "auto_filter": ws.auto_filter.ref,
            "dimensions": ws.dimensions, "cells": cells}
    return out


def written(lang: str) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(portfolio(), buffer, lang=lang)
    return buffer.getvalue()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_file_is_what_it_was(lang):
    assert json.loads(json.dumps(describe(written(lang)))) == json.loads(GOLDEN.read_text())[lang]


def test_an_ordinary_xlsx():
    """The parts a spreadsheet program expects, each well-formed XML, and a filter name."""
    with zipfile.ZipFile(io.BytesIO(written("zh"))) as z:
        names = set(z.namelist())
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"} <= names
        assert z.testzip() is None
        workbook = z.read("xl/workbook.xml").decode()
    assert "_xlnm._FilterDatabase" in workbook
    assert re.search(r"'?项目'?!\$A\$1:\$X\$7", workbook)


if __name__ == "__main__":  # python tests/test_reports_xlsx.py: write the golden file anew
    text = json.dumps({lang: describe(written(lang)) for lang in ("en", "zh")},
                      ensure_ascii=False, indent=1)
    # one cell a line: a changed cell shows as one changed line
    GOLDEN.write_text(re.sub(r"\[\n\s+([^\[\]]*?)\n\s+\]",
                             lambda m: "[" + re.sub(r",\n\s+", ", ", m[1]) + "]", text) + "\n")


def naive_width(value) -> int:
    """The export's width rule, plainly: the first line's first 60 characters, those from
    U+1100 on counting two; numbers with thousands separators."""
    text = value if isinstance(value, str) else ("" if value is None else f"{value:,}")
    return sum(2 if ord(c) >= 0x1100 else 1 for c in text.split("\n")[0][:60])


cell_values = st.one_of(
    st.none(), st.integers(-10**12, 10**12), st.floats(-1e9, 1e9, allow_nan=False),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=90),
    st.text("ab 中文\nＡ", max_size=70))


@given(st.lists(cell_values, max_size=40), st.text("名称code", max_size=12))
def test_widths_measure_every_cell_as_the_plain_rule_would(values, header):
    widest = max(map(naive_width, [header, *values]))
    assert column_width(header, values) == min(60, max(8, widest + 2))


def test_several_sheets_and_every_kind_of_value():
    from reports.xlsx import Sheet, fitted_widths, write_workbook

    rows = [["a & <b>", 1, 2.5, True, datetime(2026, 5, 20, 10, 30), date(2026, 1, 2), None],
            [" lead", -3, float("nan"), False, None, None, "x\ry"]]
    headers = ["text", "int", "float", "bool", "moment", "day", "more"]
    buffer = io.BytesIO()
    write_workbook([Sheet("one", headers, rows, fitted_widths(headers, rows), {1: "0"}),
                    Sheet("二's", ["only"], [["x"]], [8], filtered=False)], buffer)
    wb = load_workbook(buffer)
    assert wb.sheetnames == ["one", "二's"]
    one = [[c.value for c in row] for row in wb["one"].iter_rows()]
    assert one[1] == ["a & <b>", 1, 2.5, True, datetime(2026, 5, 20, 10, 30),
                      datetime(2026, 1, 2), None]
    # NaN: an empty cell; a carriage return: a line break
    assert one[2] == [" lead", -3, None, False, None, None, "x\ny"]
    assert wb["one"]["B2"].number_format == "0" and wb["one"]["F2"].number_format == "yyyy-mm-dd"
    assert wb["二's"]["A2"].value == "x" and wb["二's"].freeze_panes == "A2"
    assert wb["one"].auto_filter.ref == "A1:G3" and wb["二's"].auto_filter.ref is None


def test_what_the_writer_is_handed_it_writes_as_a_spreadsheet_shows_it(tmp_path):
    """No rows: the header row alone; a time zone: the wall-clock time; infinities: empty; a
    value of another kind: its text; a text longer than a cell holds: cut to the limit."""
    from decimal import Decimal

    from reports.xlsx import CELL_TEXT_MAX, Sheet, write_workbook

    shanghai = datetime(2026, 5, 20, 18, 30, tzinfo=TZ)
    rows = [[shanghai, float("inf"), Decimal("1.50"), "x" * (CELL_TEXT_MAX + 10)],
            [None, -float("inf"), Path("a/b"), "y"]]
    headers = ["moment", "inf", "other", "long"]
    path = tmp_path / "no-suffix"  # written as .xlsx whatever the name
    write_workbook([Sheet("one", headers, rows, [12, 8, 8, 60]),
                    Sheet("empty", ["code", "due"], [], [16, 14], filtered=False)], path)
    wb = load_workbook(io.BytesIO(path.read_bytes()))
    one = [[c.value for c in row] for row in wb["one"].iter_rows(min_row=2)]
    assert one == [[datetime(2026, 5, 20, 18, 30), None, "1.50", "x" * CELL_TEXT_MAX],
                   [None, None, "a/b", "y"]]
    assert wb["one"]["A2"].number_format == "yyyy-mm-dd h:mm:ss"
    assert [c.value for c in wb["empty"][1]] == ["code", "due"] and wb["empty"].max_row == 1
    assert all(c.font.bold for c in wb["empty"][1]) and wb["empty"].freeze_panes == "A2"
    assert wb["empty"].column_dimensions["A"].width == 16


def test_two_columns_under_one_header_are_refused():
    from reports.xlsx import Sheet, write_workbook

    with pytest.raises(ValueError, match="one header"):
        write_workbook([Sheet("one", ["a", "a"], [[1, 2]], [8, 8])], io.BytesIO())
