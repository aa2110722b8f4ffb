"""The meeting pack's files read back: sheets, headers, types, page set-up, the bulletin."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook

from i18n import t
from reports.pack import PackData, PackProblem, lagging_by_unit, write_bulletin, write_schedule
from reports.ranking import rank_units
from reports.standing import LAGGING, ProjectState, Thresholds, assess

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=TZ)
UNITS = ["科创城管委会", "区投资促进服务中心", "区工业和信息化局", "区住建局"]


def project(i: int) -> ProjectState:
    return ProjectState(
        code=f"P{i:03d}", name=f"项目{i}号=SUM(A1)" if i == 5 else f"项目{i}号",
        unit=UNITS[i % len(UNITS)], leader="张区长",
        stage=("started", "signed", None, "completed")[i % 4],
        planned_start=date(2026, 1, 1), planned_end=date(2026, 12, 31),
        total_investment=50_000.0, annual_plan=20_000.0,
        progress=float((i * 23) % 80) if i % 6 else None, invested=1_000.0 * i,
        last_update_at=NOW - timedelta(days=i % 12) if i % 7 else None,
        created_at=NOW - timedelta(days=200), open_problems=i % 3)


def pack_data(n: int = 24) -> PackData:
    items = assess([project(i) for i in range(n)], NOW.date(), NOW, Thresholds())
    problems = [PackProblem(1, "P001", "项目1号", UNITS[1], date(2026, 5, 1), 31, "用地未落实"),
                PackProblem(2, "P002", "项目2号", UNITS[2], date(2026, 5, 28), 4, "=danger")]
    return PackData(NOW, items, rank_units(items, {UNITS[0]: 2}), problems)


def schedule(data: PackData, lang: str):
    buffer = io.BytesIO()
    write_schedule(data, buffer, lang)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def bulletin_text(data: PackData, lang: str) -> str:
    buffer = io.BytesIO()
    write_bulletin(data, buffer, lang)
    return "\n".join(p.text for p in Document(io.BytesIO(buffer.getvalue())).paragraphs)


def header_row(ws, key: str) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == t(key, "zh"):
            return row[0].row
    raise AssertionError(f"no header {key}")


def test_sheets_in_order_in_both_languages():
    data = pack_data()
    assert schedule(data, "zh").sheetnames == ["总表", "滞后预警", "问题清单", "单位排名"]
    assert schedule(data, "en").sheetnames == ["Overview", "Lagging", "Problems", "Ranking"]


def test_overview_title_summary_and_rows_with_real_types():
    data = pack_data()
    ws = schedule(data, "zh")["总表"]
    assert ws["A1"].value == "重点项目调度表（截至2026年6月1日）"
    h = header_row(ws, "pack_col_code")
    headers = [c.value for c in ws[h]]
    assert headers[:5] == ["编号", "项目名称", "责任单位", "分管领导", "阶段"]
    rows = list(ws.iter_rows(min_row=h + 1, values_only=True))
    assert len(rows) == len(data.items)
    by_code = {r[0]: r for r in rows}
    p5 = by_code["P005"]
    assert p5[1] == "项目5号=SUM(A1)"  # text, never a formula
    assert isinstance(p5[6], int | float) and isinstance(p5[10], int | float)
    assert isinstance(p5[11], datetime) and p5[11].date() == date(2026, 5, 27)
    assert by_code["P007"][11] is None  # never updated
    assert ws.cell(h + 1, 12).number_format == "yyyy-mm-dd"
    # The summary block counts match the items.
    lights = data.light_counts()
    labels = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(4, h)}
    assert labels["滞后"] == lights[LAGGING]
    assert labels["合计"] == len(data.items)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_setup_frozen_header_and_filter_on_every_sheet(lang):
    wb = schedule(pack_data(), lang)
    for ws in wb.worksheets:
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A3
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows
        h = int(ws.print_title_rows.split(":")[0].lstrip("$"))
        assert ws.freeze_panes == f"A{h + 1}"
        assert ws.auto_filter.ref.startswith(f"A{h}:")


def test_lagging_problems_and_ranking_sheets():
    data = pack_data()
    wb = schedule(data, "zh")
    lag = list(wb["滞后预警"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in lag] == [p.code for p, _ in data.flagged()]
    assert all(r[4] for r in lag)  # each with its reason
    problems = list(wb["问题清单"].iter_rows(min_row=2, values_only=True))
    assert problems[0][0] == 1 and isinstance(problems[0][4], datetime)
    assert problems[0][5] == 31 and problems[1][7] == "=danger"
    ranking = list(wb["单位排名"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in ranking] == [r.unit for r in data.ranking]
    assert all(isinstance(r[3], int | float) for r in ranking)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bulletin_names_exactly_the_lagging_projects(lang):
    data = pack_data()
    text = bulletin_text(data, lang)
    lagging = {p.code for p, _ in data.lagging()}
    assert lagging, "the portfolio should have lagging projects"
    named = {p.code for p, _ in data.items if f"{p.code} " in text}
    assert named == lagging
    for unit in lagging_by_unit(data):
        assert unit in text
    assert t("pack_bul_h_ranking", lang) in text
    assert data.ranking[0].unit in text and data.ranking[-1].unit in text


def test_bulletin_headline_figures_and_no_lagging():
    data = pack_data()
    text = bulletin_text(data, "zh")
    assert f"重点项目共{len(data.items)}个" in text
    assert f"滞后{len(data.lagging())}个" in text
    empty = PackData(NOW, [], [], [])
    text = bulletin_text(empty, "en")
    assert t("pack_bul_no_lagging", "en") in text and t("pack_bul_no_ranking", "en") in text
