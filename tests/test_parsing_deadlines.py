"""A problem's time limit written in its text, found and taken out (parsing.deadlines)."""

from __future__ import annotations

from datetime import date

import pytest

from parsing.deadlines import extract_deadline, parse_date

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(("text", "due", "rest"), [
    ("电力接入方案未批复 限12月15日", date(2026, 12, 15), "电力接入方案未批复"),
    ("限期2026-12-15 电力接入", date(2026, 12, 15), "电力接入"),
    ("电力接入，12月15日前完成", date(2026, 12, 15), "电力接入"),
    ("截止2026年12月20日 协调用地", date(2026, 12, 20), "协调用地"),
    ("grid not approved by 2026-12-15", date(2026, 12, 15), "grid not approved"),
    ("grid due 15 Dec", date(2026, 12, 15), "grid"),
    ("grid due Dec 15, 2027", date(2027, 12, 15), "grid"),
    ("限1月5日 土地指标", date(2027, 1, 5), "土地指标"),  # no year: the next 5 January
])
def test_a_written_limit_is_found_and_taken_out(text, due, rest):
    assert extract_deadline(text, TODAY) == (due, rest)


@pytest.mark.parametrize("text", [
    "项目进度50% 无期限", "限2月30日 没有这一天", "需要3月份前定", "Dec 15 meeting postponed",
    "by the end of the year",
])
def test_no_limit_leaves_the_text_as_it_is(text):
    assert extract_deadline(text, TODAY) == (None, text)


def test_a_date_alone():
    assert parse_date("2026-12-15", TODAY) == date(2026, 12, 15)
    assert parse_date("15 Dec", TODAY) == date(2026, 12, 15)
    assert parse_date("12月15日", TODAY) == date(2026, 12, 15)
    assert parse_date("11/30", TODAY) == date(2027, 11, 30)
    assert parse_date("tomorrow", TODAY) is None
    assert parse_date("2026-13-01", TODAY) is None
