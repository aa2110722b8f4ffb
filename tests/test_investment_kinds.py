"""Investment as reported in the meetings: the cumulative figure (累计) and this year's (本年) are
read and stored as what they are, and /status and the export show this year's against the
annual plan and the cumulative against the total investment, derived figures marked — across a
year boundary, end to end through the real bot."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from parsing.status import ProjectRef, parse_message
from reports.states import state_from_row
from reports.summary import investment_lines
from storage import open_db
from storage.schema import migrations
from tests.conftest import LEADER
from tests.test_e2e_intake import KC, seed_world, stored

SHANGHAI = ZoneInfo("Asia/Shanghai")
REFS = (ProjectRef(code="QB-001", name="科创城卫星互联网产业园一期", unit="U", aliases=(), active=True),)


# ------------------------------------------------------------------------------- reading

@pytest.mark.parametrize(("text", "wan", "kind"), [
    ("QB-001 累计完成投资59.2亿元", 592_000, "cumulative"),
    ("QB-001 开累完成投资3.5亿元", 35_000, "cumulative"),
    ("QB-001 完成投资3000万元", 3_000, "cumulative"),  # a bare 完成投资: the total so far
    ("QB-001 invested RMB 5.1 billion", 510_000, "cumulative"),
    ("QB-001 invested 30 million yuan so far", 3_000, "cumulative"),
    ("QB-001 本年完成投资3亿元", 30_000, "year"),
    ("QB-001 今年完成投资8000万元", 8_000, "year"),
    ("QB-001 年内完成投资2亿元", 20_000, "year"),
    ("QB-001 本年度完成投资8000万元", 8_000, "year"),
    ("QB-001 年度累计完成投资2亿元", 20_000, "year"),  # this year's running total
    ("QB-001 invested RMB 300 million this year", 30_000, "year"),
    ("QB-001 ytd investment RMB 20 million", 2_000, "year"),
    # both given: the cumulative one is kept
    ("QB-001 今年完成投资3亿元，累计完成投资5亿元", 50_000, "cumulative"),
])
def test_the_kind_of_figure_is_read(text, wan, kind):
    [report] = parse_message(text, REFS, "U").reports
    assert (report.invested, report.invested_kind) == (wan, kind)


@pytest.mark.parametrize("text", ["QB-001 进度45%", "QB-001 本周完成投资500万元",
                                  "QB-001 年度计划投资3亿元"])
def test_no_figure_no_kind(text):
    [report] = parse_message(text, REFS, "U").reports
    assert (report.invested, report.invested_kind) == (None, None)


# ------------------------------------------------------------------------------- from rows

def row(history, planned_start="2025-03-01"):
    return {"code": "QB-001", "name": "n", "unit_name": "U", "created_at": "2025-01-01T00:00:00",
            "planned_start": planned_start, "invested": None, "invested_history": history,
            "annual_plan": 6000.0, "total_investment": 20000.0}


def test_each_figure_counts_on_its_day_in_the_bots_timezone():
    """31 December 17:00 UTC is 1 January 01:00 in Shanghai: that cumulative figure is of the
    new year, and the baseline is the one before it."""
    history = [["2026-12-20T02:00:00+00:00", 6800, "cumulative"],
               ["2026-12-31T17:00:00+00:00", 6900, "cumulative"]]
    state = state_from_row(row(history), datetime(2027, 1, 15, 9, tzinfo=SHANGHAI))
    assert (state.invested, state.invested_derived) == (6900, False)
    assert (state.invested_year, state.invested_year_derived) == (100, True)
    in_utc = state_from_row(row(history), datetime(2027, 1, 15, 9, tzinfo=UTC))
    assert in_utc.invested_year is None  # in UTC both are of 2026, and nothing of 2027


def test_moments_written_another_way_and_figures_after_today():
    """Stamps with another offset are read as the moments they are; a figure dated after
    today does not count yet."""
    history = [["2026-12-20T10:00:00+08:00", 6800, "cumulative"],
               ["2027-01-01T00:30:00+08:00", 6900, "cumulative"],   # 1 January in Shanghai
               ["2027-01-20T02:00:00+00:00", 7500, "cumulative"]]   # after the 15th
    state = state_from_row(row(history), datetime(2027, 1, 15, 9, tzinfo=SHANGHAI))
    assert (state.invested, state.invested_year, state.invested_year_derived) == (6900, 100, True)
    canonical = [["2026-12-20T02:00:00+00:00", 6800, "cumulative"],
                 ["2026-12-31T16:30:00+00:00", 6900, "cumulative"],
                 ["2027-01-20T02:00:00+00:00", 7500, "cumulative"]]
    assert state_from_row(row(canonical), datetime(2027, 1, 15, 9, tzinfo=SHANGHAI)) == state


def test_the_worked_example_of_the_method():
    """docs/method.md, "Example, across a year boundary"."""
    history = [["2026-06-20T02:00:00+00:00", 6100, "cumulative"],
               ["2026-12-25T02:00:00+00:00", 6800, "cumulative"],
               ["2027-01-10T02:00:00+00:00", 6900, "cumulative"],
               ["2027-03-31T02:00:00+00:00", 1200, "year"]]
    jan = state_from_row(row(history), datetime(2027, 1, 15, 9, tzinfo=SHANGHAI))
    assert (jan.invested, jan.invested_derived, jan.invested_year, jan.invested_year_derived) \
        == (6900, False, 100, True)
    assert investment_lines([jan], "zh", one=True) == [
        "💰 本年完成投资 100万元（推算），年度计划 6,000万元（1.7%）",
        "🏗 累计完成投资 6,900万元，总投资 2亿元（34.5%）"]
    apr = state_from_row(row(history), datetime(2027, 4, 15, 9, tzinfo=SHANGHAI))
    assert (apr.invested, apr.invested_derived, apr.invested_year, apr.invested_year_derived) \
        == (8000, True, 1200, False)


def test_rows_stored_before_kinds_were_kept_count_as_cumulative(tmp_path):
    path = tmp_path / "old.db"
    old = open_db(path, migrate=False)
    migrations.apply(old, stop_before="m009_investment_kind_and_questions")
    unit = old["units"].insert({"name": "U", "created_at": "2026-01-01T00:00:00+00:00"}).last_pk
    project = old["projects"].insert({"code": "A1", "name": "a", "unit_id": unit,
                                      "created_at": "2026-01-01T00:00:00+00:00"}).last_pk
    for n, invested in enumerate((1200.0, None)):
        old["updates"].insert({"project_id": project, "unit_id": unit, "chat_id": 1,
                               "message_id": n, "created_at": "2026-05-01T00:00:00+00:00",
                               "raw_text": "x", "invested": invested})
    old.close()
    kinds = [r["invested_kind"] for r in open_db(path).query("select * from updates order by id")]
    assert kinds == ["cumulative", None]


# ------------------------------------------------------------------------------- end to end

@pytest.fixture
def bot(running_bot):
    seed_world(running_bot.db)  # QB-001: total 185,000 万元, annual plan 60,000 万元
    return running_bot


def last_year(day=20):
    """20 December of last year, in the bot's timezone, as a Telegram date."""
    this_year = datetime.now(SHANGHAI).year
    return int(datetime(this_year - 1, 12, day, 10, tzinfo=SHANGHAI).timestamp())


async def said(bot, user, text, **message):
    before = len(bot.api.messages_to(user))
    bot.api.queue_message(user, text, **message)
    [reply] = await bot.wait_replies(user, before, 1)
    return reply["text"]


async def test_status_and_export_across_the_year_boundary(bot):
    # QB-001: cumulative last December, cumulative now: this year's is derived
    assert "累计完成投资 6.8亿元" in await said(bot, KC, "QB-001 累计完成投资6.8亿元",
                                          date=last_year())
    assert "累计完成投资 6.9亿元" in await said(bot, KC, "QB-001 累计完成投资6.9亿元")
    # QB-002: cumulative last December, this year's now: the cumulative is derived
    await said(bot, KC, "QB-002 累计完成投资5000万元", date=last_year())
    assert "本年完成投资 900万元" in await said(bot, KC, "QB-002 本年完成投资900万元")
    assert [(r["code"], r["invested"], r["invested_kind"]) for r in stored(bot.db)] == [
        ("QB-001", 68_000, "cumulative"), ("QB-001", 69_000, "cumulative"),
        ("QB-002", 5_000, "cumulative"), ("QB-002", 900, "year")]

    one = await said(bot, KC, "/status QB-001")
    assert "💰 本年完成投资 1,000万元（推算），年度计划 6亿元（1.7%）" in one, one
    assert "🏗 累计完成投资 6.9亿元，总投资 18.5亿元（37.3%）" in one, one
    two = await said(bot, KC, "/status QB-002")
    assert "💰 本年完成投资 900万元，年度计划 1.5亿元（6%）" in two, two
    assert "🏗 累计完成投资 5,900万元（推算），总投资 4.2亿元（14%）" in two, two
    english = await said(bot, KC, "/status QB-002", language_code="en")
    assert "💰 Invested this year CNY 9M of CNY 150M planned (6%)" in english, english
    assert "🏗 Invested so far CNY 59M (derived) of CNY 420M in all (14%)" in english, english

    # the leaders' summary: the sums, each against its own goal, marked partly derived
    summary = await said(bot, LEADER, "/status")
    assert "💰 本年完成投资 1,900万元（含推算），年度计划" in summary, summary
    assert "🏗 累计完成投资 7.49亿元（含推算），总投资" in summary, summary
    assert "inf" not in summary

    bot.api.queue_message(LEADER, "/export", language_code="en")
    [doc] = await bot.wait_replies(LEADER, len(bot.api.messages_to(LEADER)), 1)
    sheet = load_workbook(io.BytesIO(doc["file_bytes"])).active
    rows = list(sheet.values)
    by_code = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    qb1, qb2 = by_code["QB-001"], by_code["QB-002"]
    assert (qb1["invested"], qb1["invested_derived"]) == (69_000, None)
    assert (qb1["invested_this_year"], qb1["invested_this_year_derived"]) == (1_000, "derived")
    assert (qb2["invested"], qb2["invested_derived"]) == (5_900, "derived")
    assert (qb2["invested_this_year"], qb2["invested_this_year_derived"]) == (900, None)


async def test_a_year_figure_of_last_year_is_not_this_years(bot):
    await said(bot, KC, "QB-001 本年完成投资2亿元", date=last_year())
    one = await said(bot, KC, "/status QB-001")
    assert "💰 本年完成投资 —，年度计划 6亿元（—）" in one, one
    assert "🏗 累计完成投资 —，总投资 18.5亿元（—）" in one, one


def test_this_year_is_the_bots_year():
    """The end-to-end test above reads 'last year' in the bot's timezone (Asia/Shanghai)."""
    assert datetime.fromtimestamp(last_year(), SHANGHAI).date() == \
        date(datetime.now(SHANGHAI).year - 1, 12, 20)
    assert datetime.now(SHANGHAI) - datetime.fromtimestamp(last_year(), SHANGHAI) > timedelta(0)
