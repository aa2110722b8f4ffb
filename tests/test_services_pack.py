"""`python bot.py pack` and the pack's figures against /status's at the same moment."""

import io
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from config import load_config
from i18n import t
from reports.standing import LAGGING, STANDINGS
from reports.summary import leader_summary
from services.ledger import import_file
from services.pack import make_pack, pack_data
from services.views import Views
from storage.db import open_db
from tests.conftest import SAMPLES

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
