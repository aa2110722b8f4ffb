import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from i18n import CATALOGUE
from reports.ranking import rank_units
from reports.standing import Milestone, ProjectState, Thresholds, assess
from reports.summary import (
    TG_LIMIT,
    OpenProblem,
    UpdateRow,
    fmt_amount,
    fmt_num,
    lagging_list,
    leader_summary,
    paginate,
    problems_list,
    project_view,
    rank_change_label,
    tg_len,
    unit_view,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=TZ)
TODAY = NOW.date()
LANGS = ("zh", "en")
UNITS = ["科创城管委会", "区投资促进服务中心", "High-tech Zone Committee", "区工业和信息化局"]
NAMES = ["科创城卫星互联网产业园一期", "信创产业基地标准厂房", "Energy Storage Plant " * 3]


def project(i=0, **kw) -> ProjectState:
    base = dict(
        code=f"P{i:04d}",
        name=NAMES[i % len(NAMES)],
        unit=UNITS[i % len(UNITS)],
        leader="张区长",
        stage=("started", "signed", None, "completed", "negotiating")[i % 5],
        planned_start=date(2026, 1, 1),
        planned_end=date(2026, 12, 31) if i % 7 else None,
        total_investment=50_000.0 + i,
        annual_plan=20_000.0,
        progress=(i * 37) % 101 if i % 9 else None,
        invested=1_000.0 * (i % 13),
        invested_year=500.0 * (i % 7),
        invested_year_derived=i % 2 == 1,
        last_update_at=NOW - timedelta(days=i % 25) if i % 11 else None,
        created_at=NOW - timedelta(days=200),
        open_problems=i % 3,
        latest_update="进度45%",
    )
    base.update(kw)
    return ProjectState(**base)


def many(n):
    return assess([project(i) for i in range(n)], TODAY, NOW, Thresholds())


class TagChecker(HTMLParser):
    """Fails on tags Telegram does not accept or that are not closed in order."""

    ALLOWED = {"b", "i", "u", "s", "code", "pre", "a"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []

    def handle_starttag(self, tag, attrs):
        assert tag in self.ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag


def check_pages(pages):
    assert isinstance(pages, list) and pages
    for page in pages:
        assert isinstance(page, str) and page.strip()
        assert tg_len(page) <= TG_LIMIT
        checker = TagChecker()
        checker.feed(page)
        checker.close()
        assert checker.stack == []
        assert not re.search(r"&(?![a-z]+;|#\d+;)", page), "bare ampersand"
    return pages


# ------------------------------------------------------------------ paging


def test_paginate_keeps_order_and_limit():
    lines = [f"line {i} " + "字" * 50 for i in range(500)]
    pages = paginate(lines, limit=1000)
    assert len(pages) > 1
    assert all(tg_len(p) <= 1000 for p in pages)
    assert "\n".join(pages).split("\n") == lines


def test_paginate_keeps_blocks_together():
    blocks = [f"🔴 <b>{i}</b>\n   details {i}" for i in range(300)]
    pages = paginate(blocks, limit=500)
    for page in pages:
        assert page.startswith("🔴") and page.endswith(tuple("0123456789"))


def test_paginate_cuts_an_overlong_line_without_breaking_html():
    line = "<b>" + "&amp;x" * 2000 + "</b>"
    pages = check_pages(paginate([line], limit=TG_LIMIT))
    assert len(pages) == 3
    assert "".join(pages) == "&amp;x" * 2000  # tags dropped, every entity whole


def test_paginate_counts_emoji_as_two():
    assert tg_len("🔴a") == 3
    pages = paginate(["🔴" * 3000])
    assert [tg_len(p) for p in pages] == [4096, 1904]
    assert paginate([]) == []


# ------------------------------------------------------------------ formatting


def test_numbers():
    assert fmt_num(43.27) == "43.3"
    assert fmt_num(50.0) == "50"
    assert fmt_num(12345.0, 0) == "12,345"
    assert fmt_amount(3000, "zh") == "3,000万元"
    assert fmt_amount(120_000, "zh") == "12亿元"
    assert fmt_amount(3000, "en") == "CNY 30M"
    assert fmt_amount(150_000, "en") == "CNY 1.5bn"


def test_rank_change_labels():
    items = [(p, s) for p, s in many(8)]
    ranking = rank_units(items, {UNITS[0]: 3, UNITS[1]: 1, UNITS[2]: 3})
    labels = {
        r.unit: (r.rank, rank_change_label(r, "en"), rank_change_label(r, "zh")) for r in ranking
    }
    for r in ranking:
        if r.previous_rank is None:
            assert labels[r.unit][1:] == ("new", "新")
        elif r.change > 0:
            assert labels[r.unit][1] == f"↑{r.change}"
        elif r.change < 0:
            assert labels[r.unit][1] == f"↓{-r.change}"
        else:
            assert labels[r.unit][1] == "—"


def test_catalogue_has_both_languages():
    for key, texts in CATALOGUE.items():
        if key.startswith("rep_"):
            assert texts["zh"] and texts["en"], key


# ------------------------------------------------------------------ the renderers


@pytest.mark.parametrize("lang", LANGS)
def test_leader_summary(lang):
    items = many(40)
    pages = check_pages(leader_summary(items, lang, TODAY, previous_ranks={UNITS[0]: 4}))
    text = "\n".join(pages)
    assert TODAY.isoformat() in text
    for marker in "🔴🟠🟢✅":
        assert marker in text
    assert "↑3" in text or UNITS[0] in text
    assert ("单位排名" if lang == "zh" else "Unit ranking") in text
    # the ten worst projects are listed, not more
    assert len(re.findall(r"^(🔴|🟠) <code>", text, re.M)) == 10
    # this year's investment against the annual plans, the cumulative against the totals
    def pct(part, whole):
        return f"{100 * part / whole:.1f}".rstrip("0").rstrip(".") + "%"

    year = sum(p.invested_year for p, _ in items)
    total = sum(p.total_investment for p, _ in items)
    derived = "（含推算）" if lang == "zh" else " (partly derived)"
    if lang == "zh":
        assert f"本年完成投资 {fmt_amount(year, lang)}{derived}，年度计划 80亿元" in text
    assert pct(year, 20_000 * 40) in text
    assert pct(sum(p.invested for p, _ in items), total) in text


@pytest.mark.parametrize("lang", LANGS)
def test_everything_fits_with_2000_projects(lang):
    items = many(2000)
    # one unit per 3 projects: a long ranking
    items += assess(
        [project(i, unit=f"单位{i // 3:03d}", code=f"U{i:04d}") for i in range(1500)],
        TODAY,
        NOW,
    )
    summary = check_pages(leader_summary(items, lang, TODAY))
    assert len(summary) > 1
    assert all("/" in p.split("\n")[0] for p in summary)  # (i/n) on every page

    lagging = check_pages(lagging_list(items, lang))
    assert len(lagging) > 10
    shown = re.findall(r"<code>([A-Z]\d{4})</code>", "\n".join(lagging))
    expected = [p.code for p, s in items if s.standing in ("lagging", "at_risk")]
    assert sorted(shown) == sorted(expected) and len(shown) == len(set(shown))

    unit = check_pages(unit_view(UNITS[0], items, lang, ranking=rank_units(items)))
    assert len(re.findall(r"<code>", "\n".join(unit))) == sum(
        1 for p, _ in items if p.unit == UNITS[0]
    )

    problems = [
        OpenProblem(i, "用地指标未落实" * 5, i % 40, UNITS[i % 4], f"P{i:04d}", "x")
        for i in range(2000)
    ]
    check_pages(problems_list(problems, lang))

    p, s = items[0]
    updates = [UpdateRow(NOW - timedelta(hours=i), "张三", "长" * 5000) for i in range(50)]
    probs = [(i, "问题" * 3000, i, None) for i in range(100)]
    check_pages(project_view(p, s, lang, updates, probs, today=TODAY))


def test_lagging_order_worst_first():
    line = dict(planned_start=date(2026, 1, 1), planned_end=date(2026, 12, 31), stage="started")
    fresh = NOW - timedelta(days=1)
    ps = [
        project(1, code="OK1", progress=50, last_update_at=fresh, **line),
        project(2, code="LAG20", progress=21, last_update_at=fresh, **line),  # planned ~41.4
        project(3, code="LAG30", progress=11, last_update_at=fresh, **line),
        project(4, code="RISK", progress=35, last_update_at=fresh, **line),
        project(5, code="STALE9", progress=45, last_update_at=NOW - timedelta(days=9), **line),
        project(6, code="STALE20", progress=45, last_update_at=NOW - timedelta(days=20), **line),
        project(7, code="DONE", progress=100, last_update_at=None, **line),
    ]
    items = assess(ps, TODAY, NOW)
    for lang in LANGS:
        text = "\n".join(check_pages(lagging_list(items, lang)))
        codes = re.findall(r"<code>(\w+)</code>", text)
        assert codes == ["LAG30", "LAG20", "STALE20", "RISK", "STALE9"]
        assert "🔴 <code>LAG30" in text and "🟠 <code>RISK" in text


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_lagging(lang):
    items = assess([project(1, progress=100)], TODAY, NOW)
    pages = check_pages(lagging_list(items, lang))
    assert len(pages) == 1 and "👍" in pages[0]
    assert "👍" in problems_list([], lang)[0]
    assert check_pages(leader_summary([], lang, TODAY))
    assert check_pages(unit_view("nobody", items, lang))


EVIL = "<b>&x"
SAFE = "&lt;b&gt;&amp;x"


@pytest.mark.parametrize("lang", LANGS)
def test_user_text_is_escaped_everywhere(lang):
    p = project(
        1,
        code="<i>",
        name=EVIL,
        unit=EVIL,
        leader=EVIL,
        progress=0,
        last_update_at=None,
        planned_end=date(2026, 12, 31),
    )
    items = assess([p, project(2)], TODAY, NOW)
    ranking = rank_units(items)
    outputs = [
        leader_summary(items, lang, TODAY),
        unit_view(EVIL, items, lang, ranking=ranking),
        lagging_list(items, lang),
        project_view(
            *items[0],
            lang,
            [UpdateRow(NOW, EVIL, EVIL + " text", 1)],
            [OpenProblem(7, EVIL, 3, EVIL)],
            today=TODAY,
        ),
        problems_list([OpenProblem(7, EVIL, 30, EVIL, "<i>", EVIL)], lang),
    ]
    for pages in outputs:
        text = "\n".join(check_pages(pages))
        assert SAFE in text
        assert EVIL not in text
        assert "<i>" not in text and "&lt;i&gt;" in text


@pytest.mark.parametrize("lang", LANGS)
def test_project_view(lang):
    p = project(
        3,
        progress=30,
        invested=3000,
        stage="started",
        planned_end=date(2026, 12, 31),
        milestones=(Milestone(date(2026, 9, 30), 70.0),),
        last_update_at=NOW - timedelta(days=10),
    )
    (item,) = assess([p], TODAY, NOW)
    updates = [(NOW - timedelta(days=d), f"人{d}", f"更新{d}") for d in (5, 1, 9, 3, 2, 7, 4)]
    problems = [(11, "用地指标未落实", 3, "区自然资源局"), (12, "电力接入", 20, None)]
    text = "\n".join(check_pages(project_view(*item, lang, updates, problems, today=TODAY)))
    shown = re.findall(r"更新(\d)", text)
    assert shown == ["1", "2", "3", "4", "5"]  # the last five, newest first
    assert text.index("#12") < text.index("#11")  # oldest problem first
    assert "区自然资源局" in text
    assert ("待分派" if lang == "zh" else "unassigned") in text
    assert "2026-09-30" in text  # next milestone
    assert "30%" in text
    s = item[1]
    assert fmt_num(s.planned) + "%" in text
    assert fmt_num(s.behind) in text
    assert ("3,000万元" if lang == "zh" else "CNY 30M") in text
    assert "🔴" in text.split("\n")[0] or "🟠" in text.split("\n")[0]


@pytest.mark.parametrize("lang", LANGS)
def test_problems_list(lang):
    problems = [
        OpenProblem(1, "电力接入", 3, "供电局", "P001", "卫星产业园"),
        OpenProblem(2, "用地指标", 20, None, "P002", "信创基地"),
    ]
    text = check_pages(problems_list(problems, lang))[0]
    assert text.index("#2") < text.index("#1")
    assert "⏰" in text.split("#1")[0]  # older than two weeks is flagged
    assert "⏰" not in text.split("#1")[1]
    assert "<code>P001</code>" in text and "供电局" in text
    assert ("20天" if lang == "zh" else "20d") in text


def test_languages_differ():
    items = many(20)
    zh = leader_summary(items, "zh", TODAY)[0]
    en = leader_summary(items, "en", TODAY)[0]
    assert "滞后" in zh and "lagging" in en and "滞后" not in en
