"""What leaders see at scale is kept between answers and changed one project at a time
(reports.portfolio, reports.summary.Pages, services.problems.OpenProblems): the pages cut from
the entries' sizes equal pages cut from their texts, a portfolio followed through any changes
equals one built afresh, and after changes written by another connection every page of
/lagging, /status, /status <unit> and /problems (page counts, a ◀ ▶ tap's page) equals what a
freshly started bot shows."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.scale import LEADER, build_db, new_update
from config import load_config
from reports.portfolio import Portfolio
from reports.ranking import rank_units
from reports.standing import assess, worst_first
from reports.summary import Pages, Totals, _pages, leader_summary, tg_len
from services import problems as _problems  # noqa: F401  (registers the /problems view)
from services.caller import Caller
from services.views import Views
from storage import open_db
from tests.test_ranking_fairness import NOW, TODAY
from tests.test_reports_incremental import ledger_and_changes

CONFIG = load_config({"BOT_TIMEZONE": "Asia/Shanghai"}, dotenv_path=None)
BLOCKS = st.one_of(st.just(""), st.text(min_size=1, max_size=300),
                   st.text(alphabet="项目进度🔴&<>\n", min_size=1, max_size=900))


@settings(max_examples=300, deadline=None)
@given(st.lists(BLOCKS, max_size=60), st.text(min_size=1, max_size=80),
       st.sampled_from([130, 500, 1000, 4096]), st.sampled_from(["zh", "en"]))
def test_pages_cut_by_sizes_equal_pages_cut_from_the_texts(blocks, header, limit, lang):
    pages = Pages(header, lang, [tg_len(b) for b in blocks], blocks.__getitem__, limit)
    assert list(pages) == _pages(header, blocks, lang, limit)
    assert len(pages) == len(_pages(header, blocks, lang, limit))
    assert pages[-1] == _pages(header, blocks, lang, limit)[-1]
    with pytest.raises(IndexError):
        pages[len(pages)]  # noqa: B018


@settings(max_examples=150, deadline=None)
@given(ledger_and_changes(), st.dictionaries(st.sampled_from(["甲单位", "乙单位"]),
                                             st.integers(1, 4)))
def test_a_portfolio_followed_through_any_changes_equals_one_built_afresh(case, previous):
    ledger, rounds = case
    items = dict(zip(ledger, assess(ledger.values(), TODAY, NOW), strict=True))
    kept = Portfolio()
    kept.reset(items.values())
    kept.measures("length", lambda item: len(item[0].code) + len(item[1].standing), [])
    for changed, removed in rounds:
        fresh = dict(zip(changed, assess(changed.values(), TODAY, NOW), strict=True))
        delta = [(items.get(n), fresh[n]) for n in fresh]
        delta += [(items[n], None) for n in removed if n in items and n not in fresh]
        items.update(fresh)
        for n in removed:
            if n not in fresh:
                items.pop(n, None)
        kept.change(delta)
        now_items = sorted(items.values(), key=lambda item: (item[0].unit, item[0].code))
        assert kept.ordered() == worst_first(now_items)
        lengths = [len(p.code) + len(s.standing) for p, s in kept.ordered()]
        assert kept.measured["length"][1] == lengths  # only the changed measured again
        assert kept.measures("length", len, kept.ordered()[1:4]) == lengths[1:4]
        assert kept.measures("length", len, kept.ordered()[::-2]) == lengths[::-2]
        assert kept.ranking(previous) == rank_units(now_items, previous)
        lagging, at_risk = kept.lagging_and_at_risk()
        assert lagging + at_risk == [it for it in worst_first(now_items)
                                     if it[1].standing in ("lagging", "at_risk")]
        for unit in ("甲单位", "乙单位", "丙单位", "丁单位"):
            assert kept.unit_items(unit) == [it for it in now_items if it[0].unit == unit]
        for lang in ("zh", "en"):
            assert leader_summary(now_items, lang, TODAY, ordered=kept.ordered(),
                                  totals=kept.totals, ranking=kept.ranking(previous)) \
                == leader_summary(now_items, lang, TODAY, ranking=rank_units(now_items, previous))


def test_totals_do_not_depend_on_the_order_projects_are_counted_in():
    from tests.test_ranking_fairness import project
    states = [project("甲", n, invested=v, total_investment=7.3, progress=v)
              for n, v in enumerate([0.1, 0.2, 0.3, 1e16, -1e16, 3.3])]
    items = assess(states, TODAY, NOW)
    forward, backward = Totals(items), Totals(reversed(items))
    assert vars(forward) == vars(backward)
    taken = Totals(items)
    taken.remove(items[3])
    taken.add(items[3])
    assert vars(taken) == vars(forward)


@pytest.fixture(scope="module")
def ledger_file(tmp_path_factory):
    """600 projects in 6 units (several pages of /lagging), an open problem on every fourth."""
    path = tmp_path_factory.mktemp("views") / "bot.db"
    build_db(path, 600, 6, 2400)
    return path


def fresh(path, name, arg="", lang="zh"):
    db = open_db(path)
    try:
        return list(Views(db).pages(CONFIG, leader(lang), name, arg))
    finally:
        db.close()


def leader(lang="zh"):
    return Caller(user_id=LEADER, role="leader", unit_id=None, unit_name=None, lang=lang)


def write(path, sql, params=()):
    """A change from another connection (another process: the CLI, a second bot)."""
    conn = sqlite3.connect(path, timeout=30)
    with conn:
        conn.execute(sql, params)
    conn.close()


def test_after_changes_from_another_connection_every_page_equals_a_fresh_bot(ledger_file):
    db = open_db(ledger_file)
    views, rnd = Views(db), random.Random(3)
    views.warm(CONFIG, "zh")
    lagging = views.pages(CONFIG, leader(), "l", "")
    assert len(lagging) > 3 and "1/" in lagging[0]  # several pages, numbered
    tapped = lagging[2]  # a ▶ tap: that page only, then kept
    assert views.pages(CONFIG, leader(), "l", "")[2] is tapped
    now = datetime.now(UTC).isoformat(timespec="seconds")
    changes = [
        lambda: new_update(ledger_file, rnd),
        lambda: write(ledger_file, "update projects set stage = 'completed' where id = 7"),
        lambda: write(ledger_file, "insert into problems (project_id, text, status, created_at) "
                                   "values (5, '新问题 & 难题', 'open', ?)", [now]),
        lambda: write(ledger_file, "update problems set status = 'resolved' where id = 2"),
        lambda: write(ledger_file, "update projects set name = '改名项目' where id = 5"),
        lambda: write(ledger_file, "update problems set acting_unit_id = 3 where id = 3"),
    ]
    for change in changes:
        change()
        for name, arg in (("l", ""), ("s", ""), ("u", "2"), ("l", "3"), ("q", ""), ("q", "3")):
            assert list(views.pages(CONFIG, leader(), name, arg)) == fresh(ledger_file, name, arg)
        assert list(views.pages(CONFIG, leader("en"), "q", "")) == fresh(ledger_file, "q", "",
                                                                          "en")
    assert "改名项目" in "".join(views.pages(CONFIG, leader(), "q", ""))
    db.close()


def test_a_new_day_reads_every_problem_again(ledger_file):
    db = open_db(ledger_file)
    views = Views(db)
    first = list(views.pages(CONFIG, leader(), "q", ""))
    kept = views.kept["open problems"]
    kept.key = (datetime.now(CONFIG.timezone).date() - timedelta(days=1), *kept.key[1:])
    views.built_pages.clear()
    assert list(views.pages(CONFIG, leader(), "q", "")) == first == fresh(ledger_file, "q")
    db.close()
