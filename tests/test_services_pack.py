"""`python bot.py pack` and the pack's figures against /status's at the same moment."""

import io
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from bench.pack import add_pack_history
from bench.scale import build_db
from config import load_config
from i18n import plain_text, t
from reports.forecast import forecast_completion
from reports.standing import LAGGING, STANDINGS
from reports.summary import fmt_amount, leader_summary
from services.caller import Caller
from services.ledger import import_file
from services.pack import make_pack, pack_data, plan_pack, write_pack
from services.problems import problems_view
from services.views import Views
from storage.db import open_db
from storage.problems import list_open_problems, record_event, resolve_problem
from tests.conftest import LEADER, SAMPLES

ROOT = Path(__file__).resolve().parents[1]


def imported_db(tmp_path):
    db = open_db(str(tmp_path / "x.db"))
    assert import_file(db, (SAMPLES / "ledger_zh.csv").read_bytes(), "ledger_zh.csv", None).ok
    return db


def test_cli_writes_both_files_and_prints_their_paths(tmp_path):
    db_path = tmp_path / "x.db"
    subprocess.run([sys.executable, str(ROOT / "bot.py"), "import",
                    str(SAMPLES / "ledger_zh.csv"), "--db", str(db_path)], check=True,
                   capture_output=True, cwd=ROOT, timeout=120)
    for lang, names in (("zh", ("调度表", "通报")), ("en", ("schedule", "bulletin"))):
        out = tmp_path / f"out-{lang}"
        result = subprocess.run(
            [sys.executable, str(ROOT / "bot.py"), "pack", "-o", str(out), "--lang", lang,
             "--db", str(db_path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert result.returncode == 0, result.stderr
        paths = [Path(line) for line in result.stdout.splitlines()]
        day = r"-\d{4}-\d\d-\d\d"
        assert re.fullmatch(names[0] + day + r"\.xlsx", paths[0].name)
        assert re.fullmatch(names[1] + day + r"\.docx", paths[1].name)
        assert paths[0].parent == out
        wb = load_workbook(paths[0])
        assert wb.sheetnames[0] == t("pack_sheet_overview", lang)
        assert Document(paths[1]).paragraphs


def test_pack_counts_equal_status(tmp_path):
    db = imported_db(tmp_path)
    config = load_config()
    views = Views(db)
    now = datetime.now(config.timezone)
    data = pack_data(views, config, now)
    status = leader_summary(views.items(config, now), "zh", now.date(),
                            ranking=data.ranking)[0]
    lights = Counter(s.standing for _, s in views.items(config, now))
    for k in STANDINGS:
        label = t(f"rep_standing_{k}", "zh")
        assert f"{label} {lights[k]}" in status
        assert data.light_counts()[k] == lights[k]
    pack = make_pack(views, config, "zh", now)
    wb = load_workbook(io.BytesIO(pack.schedule))
    ws = wb["总表"]
    summary = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(4, 10)}
    for k in STANDINGS:
        assert summary[t(f"rep_standing_{k}", "zh")] == lights[k]
    assert summary["合计"] == len(views.items(config, now)) == pack.projects
    lagging = [r[0] for r in wb["滞后预警"].iter_rows(min_row=2, values_only=True)]
    assert len(lagging) == lights[LAGGING] + lights["at_risk"]
    ranking = [r[2] for r in wb["单位排名"].iter_rows(min_row=2, values_only=True)]
    assert ranking == [r.unit for r in data.ranking]


def test_cli_unwritable_folder_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    open_db(tmp_path / "x.db").close()  # a command other than run or import needs a database
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "pack", "-o", str(blocker / "sub"),
         "--db", str(tmp_path / "x.db")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot write into {blocker / 'sub'}")
    assert result.stderr.count("\n") == 1 and not result.stdout


# ---------------------------------------------------------------------------- same numbers

def tiny_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def leader() -> Caller:
    return Caller(LEADER, "leader", None, None, "zh")


def sheet_rows(wb, name: str, first: int = 2) -> list[tuple]:
    """A sheet's rows from row `first` on (rows a read-only sheet ends early are padded)."""
    rows = list(wb[name].iter_rows(min_row=first, values_only=True))
    width = max((len(r) for r in rows), default=0)
    return [tuple(r) + (None,) * (width - len(r)) for r in rows]


def test_every_figure_of_a_2000_project_pack_equals_the_views(tmp_path):
    """2,000 projects in 100 units (bench/pack.py's portfolio, fewer updates): the pack's
    counts, investment, lagging list, open problems with their limits and the ranking are
    /status's, /lagging's, /problems' and the ranking's at the same moment."""
    build_db(tmp_path / "big.db", 2000, 100, 4000)
    add_pack_history(tmp_path / "big.db")
    db = open_db(tmp_path / "big.db")
    config = load_config({})
    views = Views(db)
    plan = plan_pack(views, config, "zh")
    plan.data.chart = tiny_png()  # the chart's drawing is /chart's; here the figures count
    pack = plan.build()
    wb = load_workbook(io.BytesIO(pack.schedule), read_only=True)
    status = "\n".join(views.pages(config, leader(), "s", ""))
    lagging = "\n".join(views.pages(config, leader(), "l", ""))
    problems = "\n".join(problems_view(views, config, leader(), ""))

    top = sheet_rows(wb, "总表", 1)
    header = next(i for i, r in enumerate(top) if r[0] == "编号") + 1
    lights = {r[0]: r[1] for r in top[3:header - 1]}
    stages = {r[2]: r[3] for r in top[3:header - 1]}
    money = {r[4]: r[5] for r in top[3:header - 1]}
    for key in STANDINGS:
        label = t(f"rep_standing_{key}", "zh")
        assert f"{label} {lights[label]}" in status, label
    assert f"共 {lights['合计']} 个" in status and lights["合计"] == 2000
    shown_stages = dict(re.findall(r"(\S+) (\d+)", re.search(r"阶段：(.*)", status)[1]))
    assert {k: v for k, v in stages.items() if k} == {k: int(v) for k, v in shown_stages.items()}
    assert re.search(f"本年完成投资 {re.escape(fmt_amount(money['本年完成投资(万元)'], 'zh'))}"
                     f"(（含推算）)?，年度计划 {re.escape(fmt_amount(money['年度计划投资(万元)'], 'zh'))}",
                     plain_text(status))
    rows = top[header:]
    assert len(rows) == 2000 and Counter(r[7] for r in rows) == Counter(
        {k: v for k, v in lights.items() if k in {t(f"rep_standing_{s}", "zh")
                                                   for s in STANDINGS} and v})

    # /lagging: the same projects in the same order, with the same light.
    listed = re.findall(r"(🔴|🟠) <code>([^<]+)</code>", lagging)
    flagged = sheet_rows(wb, "滞后预警")
    assert [code for _, code in listed] == [r[0] for r in flagged]
    assert [mark for mark, _ in listed] == ["🔴" if r[3] == "滞后" else "🟠" for r in flagged]

    # /problems: the same open problems, limits and days overdue.
    shown = {int(i): (int(late or 0), due) for i, late, due in re.findall(
        r"<b>#(\d+)</b> \d+天(?: 🔥逾期(\d+)天)?[^\n]*\n[^\n]*\n[^\n]*期限 (\d{4}-\d\d-\d\d)",
        problems)}
    table = {r[0]: (r[6], r[5].date().isoformat()) for r in sheet_rows(wb, "问题清单")}
    assert table == shown and len(table) == int(re.search(r"未解决问题</b>（(\d+)）", problems)[1])
    assert any(late for late, _ in table.values())

    # The ranking: every unit /status lists, at the same rank with the same score.
    ranked = re.findall(r"^(\d+)\. (.+?)  ([\d.]+)分", plain_text(status), re.M)
    assert ranked
    sheet = {r[2]: (r[0], r[3]) for r in sheet_rows(wb, "单位排名")}
    for rank, unit, score in ranked:
        assert sheet[unit][0] == int(rank) and round(sheet[unit][1], 1) == float(score), unit

    # The bulletin: the same counts, and exactly the lagging projects named.
    text = "\n".join(p.text for p in Document(io.BytesIO(pack.bulletin)).paragraphs)
    assert f"重点项目共2000个，其中滞后{lights['滞后']}个、有风险{lights['有风险']}个" in text
    named = {r[0] for r in rows if f"{r[0]} " in text}
    assert named == {r[0] for r in flagged if r[3] == "滞后"}
    assert f"目前逾期未解决{sum(1 for late, _ in table.values() if late)}个" in text


# ---------------------------------------------------------------------------- --date

def everything(pack_paths: list[Path]) -> tuple[dict, list[str]]:
    """Every cell of every sheet, and every paragraph of the bulletin."""
    wb = load_workbook(pack_paths[0])
    cells = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    return cells, [p.text for p in Document(pack_paths[1]).paragraphs]


def test_a_past_days_pack_says_the_same_later(tmp_path):
    db = imported_db(tmp_path)
    config = load_config({})
    tz = config.timezone
    now = datetime.now(UTC)

    def ago(days: float) -> str:
        return (now - timedelta(days=days)).isoformat(timespec="seconds")

    ids = {p["code"]: p["id"] for p in db.query("select id, code from projects")}
    db.execute("update projects set created_at = ?", [ago(40)])
    for code, days, progress in (("QB-001", 30, 20), ("QB-001", 5, 35), ("QB-002", 6, 10),
                                 ("QB-003", 2, 60)):
        db["updates"].insert({"project_id": ids[code], "created_at": ago(days),
                              "raw_text": f"{code} 进度{progress}%", "progress": progress,
                              "chat_id": 1, "message_id": int(days * 100) + progress})
    open_then = db["problems"].insert({"project_id": ids["QB-001"], "text": "用地未落实",
                                       "status": "open", "created_at": ago(8)}).last_pk
    record_event(db, open_then, "opened")
    later = db["problems"].insert({"project_id": ids["QB-002"], "text": "后来提出",
                                   "status": "open", "created_at": ago(1)}).last_pk
    db.execute("update problem_events set at = ?", [ago(8)])
    day = (now - timedelta(days=3)).astimezone(tz).date()

    first = everything(write_pack(db, config, tmp_path / "a", "zh", day))
    assert first[0]["总表"][0][0] == f"重点项目调度表（截至{day.year}年{day.month}月{day.day}日）"
    assert [r[0] for r in first[0]["问题清单"][1:]] == [open_then]  # not the later one
    week = [r[2] for r in first[0]["本周动态"][1:]]
    assert sorted(week) == ["QB-001", "QB-002"]  # QB-003's update came after that day
    # QB-001 is behind plan: its forecast end is at its pace (20 %, then 35 % 25 days later).
    [qb1] = [r for r in first[0]["滞后预警"][1:] if r[0] == "QB-001"]
    pace = forecast_completion([((now - timedelta(days=30)).astimezone(tz), 20),
                                ((now - timedelta(days=5)).astimezone(tz), 35)])
    assert qb1[7] == datetime.combine(pace.end, datetime.min.time())

    # Later: the open problem is resolved, a new project, a new update, an /status today.
    resolve_problem(db, open_then, None, "已解决")
    db["updates"].insert({"project_id": ids["QB-002"], "created_at": ago(0),
                          "raw_text": "QB-002 进度80%", "progress": 80, "chat_id": 1,
                          "message_id": 99999})
    db["projects"].insert({"code": "QB-NEW", "name": "后来的项目", "unit_id": 1,
                           "created_at": ago(0)})
    Views(db).pages(config, leader(), "s", "")
    assert later in {q["id"] for q in list_open_problems(db)}

    again = everything(write_pack(db, config, tmp_path / "b", "zh", day))
    assert again == first
    live = everything(write_pack(db, config, tmp_path / "c", "zh"))
    assert live != first and any(r[0] == "QB-NEW" for r in live[0]["总表"])


def test_cli_pack_date_names_the_day_and_refuses_a_day_to_come(tmp_path):
    db_path = tmp_path / "x.db"
    imported_db(tmp_path).close()
    day = date.today() - timedelta(days=2)
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "pack", "--date", day.isoformat(), "-o",
         str(tmp_path / "out"), "--lang", "en", "--db", str(db_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert [Path(p).name for p in result.stdout.splitlines()] == [
        f"schedule-{day.isoformat()}.xlsx", f"bulletin-{day.isoformat()}.docx"]
    for bad, message in (("2999-01-01", "error: --date 2999-01-01 is still to come"),
                         ("yesterday", "not a YYYY-MM-DD date: 'yesterday'")):
        result = subprocess.run(
            [sys.executable, str(ROOT / "bot.py"), "pack", "--date", bad, "--db", str(db_path)],
            capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert result.returncode == 2 and message in result.stderr and not result.stdout
        assert not list(tmp_path.glob("*.xlsx"))
