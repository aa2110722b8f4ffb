"""The problems loop's pure parts: flags and order of /problems, /mine's pages, the export's
problem cell."""

from __future__ import annotations

from datetime import date

from reports.mine import in_charge, mine_pages
from reports.spreadsheet import export_rows, problems_cell
from reports.summary import OpenProblem, due_flag, overdue_days, problems_list
from tests.test_reports_spreadsheet import NOW, sample

TODAY = date(2026, 6, 1)


def test_overdue_days_and_flags():
    assert overdue_days(date(2026, 5, 25), TODAY) == 7
    assert overdue_days(TODAY, TODAY) == 0 and overdue_days(None, TODAY) == 0
    late = OpenProblem(1, "x", 20, "u", due=date(2026, 5, 25))
    soon = OpenProblem(2, "x", 1, "u", due=date(2026, 6, 4))
    later = OpenProblem(3, "x", 1, "u", due=date(2026, 6, 5))
    assert due_flag(late, "zh", TODAY, 14) == " 🔥逾期7天"
    assert due_flag(late, "en", TODAY, 14) == " 🔥7 days overdue"
    assert due_flag(soon, "en", TODAY, 14) == " ⏰"
    assert due_flag(later, "en", TODAY, 14) == ""
    assert due_flag(OpenProblem(4, "x", 20, "u"), "en", None, 14) == " ⏰"  # no limit: by age


def test_problems_list_puts_overdue_first():
    rows = [OpenProblem(1, "oldest", 30, "u", "A", "a", date(2026, 6, 20)),
            OpenProblem(2, "a bit late", 5, "u", "B", "b", date(2026, 5, 31)),
            OpenProblem(3, "very late", 2, "u", "C", "c", date(2026, 5, 1))]
    [page] = problems_list(rows, "en", today=TODAY)
    assert page.index("#3") < page.index("#2") < page.index("#1")
    assert "due 2026-06-20" in page and "🔥31 days overdue" in page


def test_mine_pages_are_the_leaders_projects_with_their_overdue_problems():
    items = sample()
    assert [p.code for p, _ in in_charge(items, " 张区长 ")] == ["QB-002"]
    overdue = [{"id": 7, "text": "电力", "late": 3, "project_code": "QB-002"},
               {"id": 8, "text": "别的", "late": 1, "project_code": "QB-001"}]
    [page] = mine_pages("张区长", items, overdue, "zh")
    assert page.startswith("<b>📋 张区长 分管的项目</b>（1）")
    assert "QB-002" in page and "🔥 #7 电力（逾期3天）" in page and "QB-001" not in page
    [none] = mine_pages("李四", items, overdue, "en")
    assert none.endswith("No project in the ledger names this leader.")


def test_the_export_carries_each_projects_problems():
    problems = {"QB-002": [
        {"id": 7, "status": "open", "due": date(2026, 5, 29), "late": 3, "text": "电力"},
        {"id": 9, "status": "awaiting", "due": date(2026, 6, 9), "late": 0, "text": "用地"}]}
    assert problems_cell(problems["QB-002"]) == (
        "#7 open due 2026-05-29 overdue 3: 电力 | #9 awaiting due 2026-06-09: 用地")
    rows = {r["code"]: r for r in export_rows(sample(), NOW, problems)}
    assert rows["QB-002"]["overdue_problems"] == 1
    assert (rows["QB-001"]["overdue_problems"], rows["QB-001"]["problems"]) == (0, None)
