"""End to end over HTTP: /chart pictures and the /export spreadsheet, read back; the CLI export."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from tests.conftest import ADMIN
from tests.test_e2e_status import (
    KCC,
    LEADER,
    MEMBER,
    OTHER_MEMBER,
    ZJJ,
    add_update,
    is_one_line_refusal,
    many_projects,
    seed,
    today,
)

ROOT = Path(__file__).resolve().parents[1]


def picture_stats(data: bytes) -> tuple[tuple[int, int], float]:
    """(size, share of pixels that are not white)."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    histogram = image.convert("L").histogram()
    return image.size, sum(histogram[:245]) / sum(histogram)


async def test_chart_for_leader_member_and_other_unit(running_bot):
    seed(running_bot.db)
    [photo] = await running_bot.send(LEADER, "/chart")
    assert photo["method"] == "sendPhoto"
    assert photo["caption"] == f"📈 挂图作战 {today().isoformat()}：全部项目（6 个项目）"
    size, ink = picture_stats(photo["file_bytes"])
    assert size[0] >= 800 and size[1] >= 400 and ink > 0.05
    [mine] = await running_bot.send(MEMBER, "/chart")
    assert f"{KCC}（2 个项目）" in mine["caption"]
    member_size, member_ink = picture_stats(mine["file_bytes"])
    assert member_size[1] < size[1] and member_ink > 0.03  # two projects: a shorter picture
    [unit] = await running_bot.send(LEADER, f"/chart {ZJJ}", language_code="en")
    assert "2 projects" in unit["caption"] or "（2 个项目）" in unit["caption"]
    [refused] = await running_bot.send(MEMBER, f"/chart {ZJJ}")
    assert is_one_line_refusal(refused["text"])
    [unknown] = await running_bot.send(LEADER, "/chart 不存在的单位")
    assert unknown["text"].startswith("⛔ 没有名为“不存在的单位”的单位。现有单位：")


async def test_chart_of_many_projects_is_several_pictures(running_bot):
    seed(running_bot.db)
    many_projects(running_bot.db, 100)
    # The whole portfolio: one picture, the 40 projects that need attention most.
    [photo] = await running_bot.send(LEADER, "/chart")
    assert "（106 个项目）\n图中为最需关注的 40 个；单位挂图：/chart 单位名称" in photo["caption"]
    size, ink = picture_stats(photo["file_bytes"])
    assert size[1] <= 2560 and ink > 0.05
    # One unit's chart: two pictures, all of its 52 projects.
    photos = await running_bot.send(LEADER, f"/chart {KCC}", replies=2)
    assert [p["method"] for p in photos] == ["sendPhoto"] * 2
    assert photos[0]["caption"].endswith(f"{KCC}（52 个项目）") and photos[1]["caption"] is None
    for photo in photos:
        size, ink = picture_stats(photo["file_bytes"])
        assert size[1] <= 2560 and ink > 0.05
    await running_bot.idle()
    assert len(running_bot.api.messages_to(LEADER)) == 3


async def test_export_spreadsheet_read_back(running_bot):
    db = running_bot.db
    seed(db)
    add_update(db, "QB-002", 30, days_ago=1, text="=HYPERLINK(\"x\") 进度30%")
    [doc] = await running_bot.send(LEADER, "/export")
    assert doc["method"] == "sendDocument"
    assert doc["file_name"] == f"key-projects-{today().isoformat()}.xlsx"
    assert "6 个项目" in doc["caption"]
    sheet = load_workbook(io.BytesIO(doc["file_bytes"])).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("编号", "项目名称", "责任单位") and len(rows[0]) == 24
    by_code = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert sorted(by_code) == [f"QB-00{i}" for i in range(1, 7)]
    assert by_code["QB-001"]["状态"] == "正常" and by_code["QB-001"]["进度（%）"] == 50
    assert by_code["QB-002"]["状态"] == "滞后" and by_code["QB-002"]["落后（百分点）"] == 20
    assert by_code["QB-002"]["最近更新内容"].startswith("=HYPERLINK")  # text, not a formula
    assert by_code["QB-005"]["状态"] == "已完成"
    assert by_code["QB-006"]["未更新天数"] == 20
    assert by_code["QB-001"]["已完成投资（万元）"] == 70000
    assert by_code["QB-004"]["计划进度（%）"] is None
    # English for an English speaker, with the design's column names.
    [english] = await running_bot.send(ADMIN, "/export", language_code="en")
    header = next(load_workbook(io.BytesIO(english["file_bytes"])).active.values)
    assert header[10:] == ("progress", "planned_progress", "behind", "standing", "last_update_at",
                           "days_since_update", "invested", "open_problems", "latest_update",
                           "overdue_problems", "problems", "invested_derived",
                           "invested_this_year", "invested_this_year_derived")
    for user in (MEMBER, OTHER_MEMBER):
        [refused] = await running_bot.send(user, "/export")
        assert is_one_line_refusal(refused["text"])


async def test_export_with_no_projects(running_bot):
    [reply] = await running_bot.send(ADMIN, "/export")
    assert reply["text"] == "还没有项目。请先用 /import 导入台账。"


# ---------------------------------------------------------------------------- the CLI


@pytest.fixture
def seeded_db_path(tmp_path):
    from storage import open_db

    path = tmp_path / "cli.db"
    db = open_db(path)
    seed(db)
    db.close()
    return path


def run_cli(*args: str, db_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env["BOT_DB"] = str(db_path)
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], cwd=db_path.parent,
                          env=env, capture_output=True, timeout=60)


def test_cli_export_csv_to_stdout(seeded_db_path):
    result = run_cli("export", db_path=seeded_db_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8-sig"))))
    assert len(rows) == 6 and rows[0]["code"] == "QB-001"
    assert {r["code"]: r["standing"] for r in rows} == {
        "QB-001": "on_track", "QB-002": "lagging", "QB-003": "at_risk", "QB-004": "on_track",
        "QB-005": "done", "QB-006": "lagging"}
    assert rows[0]["last_update_at"].endswith("+08:00")


def test_cli_export_files_and_formats(seeded_db_path, tmp_path):
    xlsx = tmp_path / "out.xlsx"
    result = run_cli("export", "-o", str(xlsx), db_path=seeded_db_path)
    assert result.returncode == 0, result.stderr
    assert b"6 projects written" in result.stdout
    rows = list(load_workbook(xlsx).active.values)
    assert rows[0][0] == "code" and rows[0][13] == "standing" and len(rows) == 7
    as_csv = tmp_path / "ledger.data"
    result = run_cli("export", "--format", "csv", "-o", str(as_csv), "--db", str(seeded_db_path),
                     db_path=tmp_path / "elsewhere.db")
    assert result.returncode == 0, result.stderr
    assert as_csv.read_text(encoding="utf-8-sig").startswith("code,name,unit,")


@pytest.mark.parametrize("args, message", [
    (("export", "--format", "xlsx"), b"error: xlsx is not written to the terminal"),
    (("export", "-o", "ledger.pdf"), b"error: cannot tell the format of 'ledger.pdf'"),
    # backup and export -o share one rule: no new directories (tests/test_cli_ops.py)
    (("export", "-o", "{missing}/x.csv"), b"error: no directory {missing}; create it"),
])
def test_cli_export_errors_are_one_line(seeded_db_path, tmp_path, args, message):
    missing = str(tmp_path / "no-such-dir")
    args = [arg.replace("{missing}", missing) for arg in args]
    message = message.replace(b"{missing}", missing.encode())
    result = run_cli(*args, db_path=seeded_db_path)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count(b"\n") == 1, result.stderr
