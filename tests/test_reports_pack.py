"""The meeting pack's files read back: sheets, headers, types, page set-up, the pictures,
the bulletin's sections."""

import io
import zipfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook

from i18n import t
from reports.pack import (
    PackData,
    PackNode,
    PackProblem,
    PackUpdate,
    lagging_by_unit,
    write_bulletin,
    write_schedule,
)
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


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return buffer.getvalue()


def pack_data(n: int = 24, *, nodes: bool = True) -> PackData:
    items = assess([project(i) for i in range(n)], NOW.date(), NOW, Thresholds())
    week_ago = NOW - timedelta(days=7)
    previous = assess([project(i) for i in range(n)], week_ago.date(), week_ago, Thresholds())
    problems = [PackProblem(1, "P001", "项目1号", UNITS[1], date(2026, 5, 1), 31, "用地未落实",
                            date(2026, 5, 15), 17),
                PackProblem(2, "P002", "项目2号", UNITS[2], date(2026, 5, 28), 4, "=danger",
                            date(2026, 6, 11), 0)]
    updates = [PackUpdate(NOW - timedelta(hours=30), "王科长", "P003", "项目3号", UNITS[3], 45.0,
                          "started", 3000.0, "P003 进度45% 完成投资3000万元"),
               PackUpdate(NOW - timedelta(hours=2), "", "P004", "项目4号", UNITS[0], None, None,
                          None, "=cmd")]
    node_rows = [PackNode("P003", "项目3号", UNITS[3], date(2026, 5, 29), 40.0, "主体封顶",
                          date(2026, 5, 31)),
                 PackNode("P004", "项目4号", UNITS[0], date(2026, 5, 28), 60.0, "设备进场", None),
                 PackNode("P004", "项目4号", UNITS[0], date(2026, 9, 1), 90.0, "", None)]
    return PackData(NOW, items, rank_units(items, {UNITS[0]: 2}), problems, previous=previous,
                    updates=updates, nodes=node_rows if nodes else (), opened=3, closed=1,
                    chart=png())


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
    assert schedule(data, "zh").sheetnames == ["总表", "滞后预警", "问题清单", "单位排名",
                                               "本周动态", "节点"]
    assert schedule(data, "en").sheetnames == ["Overview", "Lagging", "Problems", "Ranking",
                                               "This week", "Nodes"]
    # Nodes only where there are nodes.
    assert schedule(pack_data(nodes=False), "zh").sheetnames[-1] == "本周动态"


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
    assert isinstance(p5[6], int | float) and isinstance(p5[11], int | float)
    assert headers[9:14] == ["年度计划投资(万元)", "本年完成投资(万元)", "累计完成投资(万元)",
                             "最近更新", "未解决问题"]
    assert isinstance(p5[12], datetime) and p5[12].date() == date(2026, 5, 27)
    assert by_code["P007"][12] is None  # never updated
    assert ws.cell(h + 1, 13).number_format == "yyyy-mm-dd"
    # The summary block counts match the items.
    lights = data.light_counts()
    labels = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(4, h)}
    assert labels["滞后"] == lights[LAGGING]
    assert labels["合计"] == len(data.items)
    # The investment block: the same sums as /status.
    money = {ws.cell(r, 5).value: ws.cell(r, 6).value for r in range(4, h)}
    invested, plan = data.investment()
    assert money["本年完成投资(万元)"] == invested and money["年度计划投资(万元)"] == plan
    assert money["完成年度计划(%)"] == round(100 * invested / plan, 1)


def test_the_wall_chart_is_a_picture_in_both_files():
    data = pack_data()
    buffer = io.BytesIO()
    write_schedule(data, buffer, "zh")
    with zipfile.ZipFile(buffer) as z:
        media = [n for n in z.namelist() if n.startswith("xl/media/")]
        assert len(media) == 1 and z.read(media[0]).startswith(b"\x89PNG")
        assert "drawing" in z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        assert not any(n.startswith("xl/worksheets/_rels/sheet2") for n in z.namelist())
    docx = io.BytesIO()
    write_bulletin(data, docx, "zh")
    assert len(Document(io.BytesIO(docx.getvalue())).inline_shapes) == 1
    data.chart = None
    docx = io.BytesIO()
    write_bulletin(data, docx, "zh")
    assert len(Document(io.BytesIO(docx.getvalue())).inline_shapes) == 0


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
    assert [c.value for c in wb["问题清单"][1]] == ["问题编号", "编号", "项目名称", "承办单位",
                                                 "提出日期", "办结时限", "逾期天数", "状态",
                                                 "问题内容"]
    problems = list(wb["问题清单"].iter_rows(min_row=2, values_only=True))
    assert problems[0][0] == 1 and isinstance(problems[0][4], datetime)
    assert problems[0][5] == datetime(2026, 5, 15) and problems[0][6] == 17
    assert problems[0][7] == "逾期未解决" and problems[1][7] == "未解决"
    assert problems[1][6] == 0 and problems[1][8] == "=danger"
    ranking = list(wb["单位排名"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in ranking] == [r.unit for r in data.ranking]
    assert all(isinstance(r[3], int | float) for r in ranking)


def test_this_week_and_nodes_sheets():
    wb = schedule(pack_data(), "zh")
    week = list(wb["本周动态"].iter_rows(min_row=2, values_only=True))
    assert [c.value for c in wb["本周动态"][1]][:3] == ["时间", "报送人", "编号"]
    assert week[0][0] == datetime(2026, 5, 31, 3, 0)  # local time, a date-time cell
    assert wb["本周动态"]["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert week[0][1:8] == ("王科长", "P003", "项目3号", UNITS[3], 45, "在建", 3000)
    assert week[1][8] == "=cmd" and wb["本周动态"]["I3"].data_type == "s"
    nodes = list(wb["节点"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3], r[7]) for r in nodes] == [
        ("P003", "主体封顶", "逾期完成"), ("P004", "设备进场", "逾期未完成"), ("P004", None, "未到期")]
    assert nodes[0][4] == datetime(2026, 5, 29) and nodes[0][6] == datetime(2026, 5, 31)
    assert nodes[1][6] is None and nodes[0][5] == 40


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
    assert t("pack_bul_h_ranking", lang) in text and t("pack_bul_h_changes", lang) in text
    assert data.ranking[0].unit in text and data.ranking[-1].unit in text


def test_bulletin_headline_figures_and_no_lagging():
    data = pack_data()
    text = bulletin_text(data, "zh")
    assert f"重点项目共{len(data.items)}个" in text
    assert f"滞后{len(data.lagging())}个" in text
    empty = PackData(NOW, [], [], [])
    text = bulletin_text(empty, "en")
    assert t("pack_bul_no_lagging", "en") in text and t("pack_bul_no_ranking", "en") in text
    assert t("pack_bul_no_overdue", "en") in text and t("pack_bul_no_previous", "en") in text
    text = bulletin_text(PackData(NOW, data.items, [], [], previous=data.items), "zh")
    assert "本周没有项目新转为滞后。" in text and "一周前尚无" not in text


def test_bulletin_sections_changes_and_overdue_by_unit():
    data = pack_data()
    text = bulletin_text(data, "zh")
    headings = ["一、总体情况", "二、本周变化", "三、滞后项目", "四、单位排名", "五、逾期问题"]
    assert [text.index(h) for h in headings] == sorted(text.index(h) for h in headings)
    changes = data.changes()
    # Made from the data: what a week changed, nodes, problems opened, closed, overdue.
    for key, sentence in (("red", "新转为滞后的项目"), ("done", "本周完成项目")):
        if changes[key]:
            assert f"{sentence}{len(changes[key])}个" in text
    assert "本周达成节点1个，错过节点1个。" in text and "错过的节点：项目4号（设备进场）。" in text
    assert "本周新提出问题3个，办结1个，目前逾期未解决1个。" in text
    assert "以下1个问题已超过办结时限，涉及1个承办单位" in text
    assert f"（一）{UNITS[1]}（1个）：问题#1（项目1号，逾期17天）。" in text
    english = bulletin_text(data, "en")
    assert "problem #1 (项目1号, 17 days overdue)" in english


def test_bulletin_says_which_projects_turned_red_green_and_done():
    base = [project(i) for i in range(3)]
    lagging = replace(base[0], progress=0.0)  # far behind a plan started in January
    fine = replace(base[1], stage="started", progress=45.0, last_update_at=NOW)
    before = assess([replace(lagging, progress=40.0, last_update_at=NOW),
                     replace(fine, progress=0.0), base[2]], NOW.date(), NOW, Thresholds())
    after = assess([lagging, fine, replace(base[2], progress=100.0)], NOW.date(), NOW,
                   Thresholds())
    data = PackData(NOW, after, [], [], previous=before)
    assert {k: [p.code for p, _ in v] for k, v in data.changes().items()} == {
        "red": ["P000"], "green": ["P001"], "done": ["P002"]}
    text = bulletin_text(data, "zh")
    assert "本周新转为滞后的项目1个：项目0号。" in text
    assert "由滞后或有风险转为正常推进的项目1个：项目1号。" in text
    assert "本周完成项目1个：项目2号。" in text
