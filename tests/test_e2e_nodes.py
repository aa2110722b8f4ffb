"""Nodes (节点): a nodes CSV and an .xlsx ledger's nodes sheet imported through the real bot,
listed in /status <code> (reached, missed, next), exported and imported again, named in the
weekly reminder; bad node rows answered and nothing stored."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from parsing import ledger as ledger_file
from parsing.ledger import LedgerError
from parsing.nodes import progress_value, read_ledger_file
from schedules.runner import remind
from storage.people import find_unit, grant_role
from storage.projects import get_project
from tests.conftest import ADMIN
from tests.test_cli import run

MEMBER = 300


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the bot's BOT_TIMEZONE


def day(offset: int) -> date:
    return today() + timedelta(days=offset)


def ledger_csv() -> bytes:
    """Two projects of one unit planned from 200 days ago to 200 days ahead."""
    return (f"编号,项目名称,责任单位,计划开工,计划竣工\n"
            f"N-1,城北综合体,城建中心,{day(-200)},{day(200)}\n"
            f"N-2,城南学校,城建中心,{day(-200)},{day(200)}\n").encode()


def nodes_of(db, code: str) -> list[tuple]:
    project = get_project(db, code)
    return [(m["due"], m["progress"], m["title"]) for m in db.query(
        "select due, progress, title from milestones where project_id = ? order by due",
        [project["id"]])]


async def send_file(bot, name: str, data: bytes, lang: str = "zh") -> str:
    [reply] = await bot.send(ADMIN, caption="/import", document=(name, data), language_code=lang)
    return reply["text"]


async def test_a_nodes_csv_is_imported_and_status_shows_reached_missed_and_next(running_bot):
    bot = running_bot
    assert "新增 2 个项目" in await send_file(bot, "ledger.csv", ledger_csv())
    d100, d10, d5 = day(-100), day(-10), day(5)
    nodes = ("\ufeff编号,计划完成时间,计划进度,节点内容\n"
             f"N-1,{d100:%Y/%-m/%-d},20%,桩基完成\n"
             ",,,\n"  # a blank row
             f"n-1,{d10.year}年{d10.month}月{d10.day}日,40,主体封顶\n"
             f"N-1,{d5},５０％,\n"
             f"N-1,{day(100)},80,设备安装\n")
    reply = await send_file(bot, "nodes.csv", nodes.encode())
    assert reply == "✅ 节点已导入：1 个项目共 4 个节点（所列项目原有节点已替换）。"
    assert nodes_of(bot.db, "N-1") == [(str(d100), 20, "桩基完成"), (str(d10), 40, "主体封顶"),
                                       (str(d5), 50, ""), (str(day(100)), 80, "设备安装")]
    grant_role(bot.db, MEMBER, "member", find_unit(bot.db, "城建中心")["id"], name="李")
    await bot.send(MEMBER, "N-1 进度30%")
    [status] = await bot.send(ADMIN, "/status N-1")
    text = status["plain_text"]
    assert text.startswith("🔴"), text  # the node of 10 days ago was missed: lagging
    # planned today: between 40 % (10 days ago) and 50 % (in 5 days): 40 + 10 × 10/15
    assert "计划 46.7%" in text, text
    assert f"✓ {d100} 桩基完成 20%" in text
    assert f"✗ {d10} 主体封顶 40%，差 10 个百分点" in text
    assert f"→ {d5} 50%，还有 5 天" in text
    assert f"· {day(100)} 设备安装 80%" in text
    [english] = await bot.send(ADMIN, "/status N-1", language_code="en")
    assert f"✗ {d10} 主体封顶 40%, 10 points short" in english["plain_text"]
    assert f"→ {d5} 50%, in 5 days" in english["plain_text"]

    # A second nodes file replaces N-1's nodes and leaves N-2 alone
    again = f"code,due,progress,title\nN-1,{day(50)},60,Roof\nN-2,{day(20)},10,Piles\n"
    reply = await send_file(bot, "nodes.csv", again.encode(), "en")
    assert reply.startswith("✅ Nodes imported: 2 nodes for 2 projects"), reply
    assert nodes_of(bot.db, "N-1") == [(str(day(50)), 60, "Roof")]
    [status] = await bot.send(ADMIN, "/status N-1")
    assert "✗" not in status["plain_text"] and "主体封顶" not in status["plain_text"]


async def test_bad_node_rows_are_listed_and_nothing_is_stored(running_bot):
    bot = running_bot
    await send_file(bot, "ledger.csv", ledger_csv())
    await send_file(bot, "nodes.csv", f"编号,计划完成时间,计划进度\nN-2,{day(10)},30\n".encode())
    nodes = ("编号,计划完成时间,计划进度,节点内容\n"
             f"N-2,{day(20)},40,good\n"                       # 2: fine on its own
             f"N-9,{day(20)},40,\n"                           # 3: no such project
             f"N-1,{day(300)},90,\n"                          # 4: after the planned end
             f"N-1,{day(30)},50,\n"                           # 5
             f"N-1,{day(40)},45,\n"                           # 6: less than the node before
             f"N-1,{day(30)},55,\n"                           # 7: the same day as row 5
             f"N-1,{day(60)},0.6,\n"                          # 8: 60 % or 0.6 %?
             f"N-1,tomorrow,60,\n"                            # 9
             f"N-1,{day(70)},120,\n")                         # 10
    reply = await send_file(bot, "nodes.csv", nodes.encode())
    assert reply.startswith("⛔") and "未作任何改动" in reply, reply
    for expected in ("第3行：没有编号为 N-9 的项目",
                     f"第4行：节点日期 {day(300)} 不在项目计划期 {day(-200)} 至 {day(200)} 之内",
                     f"第6行：计划进度 45% 未高于更早节点（{day(30)}，第5行）的 50%",
                     f"第7行：N-1 在 {day(30)} 的节点与第5行重复",
                     "第8行：计划进度“0.6”含义不明：请写成 60% 或 0.6%",
                     "第9行：计划完成时间“tomorrow”不是 YYYY-MM-DD 日期",
                     "第10行：计划进度“120”不是 0 至 100 的百分数"):
        assert expected in reply, (expected, reply)
    assert "第2行" not in reply
    assert nodes_of(bot.db, "N-2") == [(str(day(10)), 30, "")], "the import changed nothing"
    assert nodes_of(bot.db, "N-1") == []

    reply = await send_file(bot, "x.csv", "编号,数量\nN-1,3\n".encode(), "en")
    assert reply.startswith("⛔") and "neither a ledger's (code, name, unit) nor a nodes " \
        "file's (code, due, progress)" in reply, reply


def workbook_with_nodes() -> bytes:
    book = Workbook()
    ledger = book.active
    ledger.title = "项目"
    ledger.append(["编号", "项目名称", "责任单位", "计划开工", "计划竣工"])
    ledger.append(["X-1", "大桥", "交通局", datetime.combine(day(-100), datetime.min.time()),
                   str(day(100))])
    ledger.append(["X-2", "隧道", "交通局", str(day(-100)), str(day(100))])
    sheet = book.create_sheet("节点")
    sheet.append(["编号", "计划完成时间", "计划进度（%）", "节点内容"])
    sheet.append(["X-1", datetime.combine(day(-50), datetime.min.time()), 0.3, "=主塔封顶"])
    sheet["C2"].number_format = "0%"  # 0.3 shown as 30 %
    sheet["D2"].data_type = "s"  # a title that looks like a formula, kept as text
    sheet.append(["X-1", str(day(50)), 70, None])
    sheet.append([None, None, None, None])
    sheet.append(["X-2", str(day(10)), "25%", "Piles"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_an_xlsx_ledger_with_a_nodes_sheet_imports_both_and_exports_them_again(running_bot):
    bot = running_bot
    reply = await send_file(bot, "ledger.xlsx", workbook_with_nodes())
    assert reply == "✅ 台账已导入：新增 2 个项目，更新 0 个。\n节点：2 个项目共 3 个节点。"
    expected = {"X-1": [(str(day(-50)), 30, "=主塔封顶"), (str(day(50)), 70, "")],
                "X-2": [(str(day(10)), 25, "Piles")]}
    assert {code: nodes_of(bot.db, code) for code in expected} == expected

    [export] = await bot.send(ADMIN, "/export")
    book = load_workbook(io.BytesIO(export["file_bytes"]))
    assert book.sheetnames == ["项目", "节点"]
    rows = list(book["节点"].values)
    assert rows[0] == ("编号", "计划完成时间", "计划进度（%）", "节点内容")
    assert rows[1:] == [("X-1", str(day(-50)), 30, "=主塔封顶"), ("X-1", str(day(50)), 70, None),
                        ("X-2", str(day(10)), 25, "Piles")]
    # the workbook's nodes sheet is the whole plan of its projects: X-2's node removed there
    # goes, X-1's changed one changes
    book["节点"].delete_rows(4)
    book["节点"]["C3"] = 75
    buffer = io.BytesIO()
    book.save(buffer)
    reply = await send_file(bot, "ledger.xlsx", buffer.getvalue())
    assert reply.endswith("节点：1 个项目共 2 个节点。"), reply
    assert nodes_of(bot.db, "X-1") == [(str(day(-50)), 30, "=主塔封顶"), (str(day(50)), 75, "")]
    assert nodes_of(bot.db, "X-2") == []

    # a bad row on the nodes sheet stops the whole workbook, named by its sheet
    book["节点"].append(["X-9", str(day(20)), 80, None])
    book["项目"]["B2"] = "改名大桥"
    buffer = io.BytesIO()
    book.save(buffer)
    reply = await send_file(bot, "ledger.xlsx", buffer.getvalue())
    assert "节点表第4行：没有编号为 X-9 的项目" in reply, reply
    assert get_project(bot.db, "X-1")["name"] == "大桥"


def test_the_command_line_imports_nodes_and_exports_them_on_a_sheet(tmp_path):
    db, ledger, nodes = tmp_path / "bot.db", tmp_path / "ledger.csv", tmp_path / "nodes.csv"
    ledger.write_bytes(ledger_csv())
    nodes.write_text(f"code,due,progress,title\nN-1,{day(-10)},40,Roof\nN-1,{day(30)},70,\n")
    assert run("import", str(ledger), "--db", str(db)).returncode == 0
    result = run("import", str(nodes), "--db", str(db))
    assert result.returncode == 0 and "Nodes imported: 2 nodes for 1 project " in result.stdout
    out = tmp_path / "out.xlsx"
    assert run("export", "--format", "xlsx", "-o", str(out), "--db", str(db)).returncode == 0
    book = load_workbook(out)
    assert list(book["milestones"].values) == [("code", "due", "progress", "title"),
                                               ("N-1", str(day(-10)), 40, "Roof"),
                                               ("N-1", str(day(30)), 70, None)]
    again = read_ledger_file(out.read_bytes(), "out.xlsx")
    assert again.errors == [] and [(n.code, n.due, n.progress, n.title) for n in again.nodes] == [
        ("N-1", str(day(-10)), 40, "Roof"), ("N-1", str(day(30)), 70, None)]


async def test_a_node_due_within_a_week_is_named_in_the_units_reminder(running_bot):
    bot = running_bot
    await send_file(bot, "ledger.csv", ledger_csv())
    await send_file(bot, "nodes.csv", ("编号,计划完成时间,计划进度,节点内容\n"
                                       f"N-1,{day(3)},60,主体封顶\n"
                                       f"N-2,{day(6)},55,\n"
                                       f"N-2,{day(9)},60,\n").encode())
    grant_role(bot.db, MEMBER, "member", find_unit(bot.db, "城建中心")["id"], name="李")
    await bot.send(MEMBER, "N-2 进度52%")  # N-2 on track; N-1 never updated: reminded
    runner = bot.application.bot_data["rounds_runner"]
    assert await remind(runner, dry_run=False, kinds=("reminder",), out=lambda line: None) == 0
    await bot.idle()
    [reminder] = bot.api.messages_to(MEMBER)[-1:]
    text = reminder["plain_text"]
    assert "N-1 城北综合体" in text and f"节点“主体封顶”（60%）{day(3)} 到期，还有 3 天" in text, text
    assert "以下项目有节点即将到期" in text and f"{day(6)} 节点（55%）到期，还有 6 天" in text, text
    assert str(day(9)) not in text


@pytest.mark.parametrize("text, value", [("60", 60), ("60%", 60), ("６０％", 60), ("0.6%", 0.6),
                                         ("0", 0), ("1", 1), ("100", 100), ("12.5 %", 12.5)])
def test_progress_as_people_write_it(text, value):
    assert progress_value(text) == value


@pytest.mark.parametrize("text", ["0.6", ".5", "101", "-5", "60 percent", "", "NaN"])
def test_progress_that_is_no_percentage_or_unclear(text):
    with pytest.raises(ValueError):
        progress_value(text)


def test_a_huge_nodes_file_is_refused_whole(monkeypatch):
    monkeypatch.setattr(ledger_file, "MAX_ROWS", 100)
    data = "code,due,progress\n" + "".join(f"N-{i},2027-01-01,50\n" for i in range(101))
    with pytest.raises(LedgerError, match="too_many_rows:100"):
        read_ledger_file(data.encode(), "nodes.csv")


def test_the_worked_example_of_the_method():
    """docs/method.md, "Worked example (nodes)"."""
    from dataclasses import replace

    from reports.standing import Milestone, compute_standing, planned_progress
    from tests.test_reports_standing import project

    nodes = (Milestone(date(2026, 6, 30), 30, "主体封顶"), Milestone(date(2026, 12, 31), 60),
             Milestone(date(2027, 6, 30), 100))
    p = project(planned_start=date(2026, 3, 1), planned_end=date(2027, 6, 30), milestones=nodes)
    assert planned_progress(p, date(2026, 4, 15)) == 11.16
    assert planned_progress(p, date(2026, 10, 1)) == 45.16
    moment = datetime(2026, 10, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    reached = compute_standing(replace(p, progress=38, last_update_at=moment), moment.date(), moment)
    assert reached.behind == 7.16 and reached.reason("node_missed") is None
    missed = compute_standing(replace(p, progress=25, last_update_at=moment), moment.date(), moment)
    assert missed.standing == "lagging" and missed.reason("node_missed").points == 5


def test_a_nodes_sheet_left_empty_says_nothing_and_one_without_a_column_is_a_bad_row():
    book = Workbook()
    book.active.append(["code", "name", "unit"])
    book.active.append(["A-1", "a", "u"])
    sheet = book.create_sheet("Milestones")

    def read():
        buffer = io.BytesIO()
        book.save(buffer)
        return read_ledger_file(buffer.getvalue(), "ledger.xlsx")

    assert read().nodes is None and read().errors == []
    sheet.append(["code", "due"])
    sheet.append(["A-1", "2027-01-01"])
    [error] = read().errors
    assert (error.line, error.reason, error.sheet) == (1, "missing_columns:progress", "nodes")
