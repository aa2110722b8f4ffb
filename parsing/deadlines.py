"""A problem's time limit written in its text: `限12月15日`, `限期2026-12-15`, `12月15日前`,
`by 2026-12-15`, `due 15 Dec`. Pure: finds the date and returns the text without it.

A date without a year is the next such day from `today` (today included): a limit is never
in the past by accident of a missing year.
"""

from __future__ import annotations

import re
from datetime import date

MONTHS = {name: i + 1 for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_MONTH = r"(?P<mon{n}>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"


def _date(n: str) -> str:
    """One date in any of the written forms; group names end in `n` (one per use)."""
    def mon(k: str) -> str:
        return _MONTH.format(n=f"{n}_{k}")
    return (rf"(?:(?P<y{n}_1>\d{{4}})\s*[-/.年]\s*(?P<m{n}_1>\d{{1,2}})\s*[-/.月]\s*"
            rf"(?P<d{n}_1>\d{{1,2}})\s*[日号]?"
            rf"|(?P<m{n}_2>\d{{1,2}})\s*[月/]\s*(?P<d{n}_2>\d{{1,2}})\s*[日号]?"
            rf"|(?P<d{n}_3>\d{{1,2}})\s+{mon('3')}(?:\s+(?P<y{n}_3>\d{{4}}))?"
            rf"|{mon('4')}\s+(?P<d{n}_4>\d{{1,2}})(?:,?\s+(?P<y{n}_4>\d{{4}}))?)")


_LIMIT = re.compile(
    rf"[，,；;、\s]*(?:(?:限期|限于|限时|限|截止|期限)[:：]?\s*(?:于|到|至)?\s*{_date('a')}"
    rf"\s*(?:前|之前|以前)?"
    rf"|{_date('b')}\s*(?:前|之前|以前)(?:完成|办结|解决)?"
    rf"|\b(?:by|due(?:\s+by|\s+on)?|before|deadline:?)\s+{_date('c')})",
    re.IGNORECASE)
_BARE = re.compile(rf"^\s*{_date('a')}\s*$", re.IGNORECASE)


def _when(found: dict[str, str | None], today: date) -> date | None:
    """The date of a match's groups (named y, m, d or mon, then where they come from)."""
    parts: dict[str, str] = {}
    for name, value in found.items():
        if value is not None:
            parts[re.match(r"mon|[ymd]", name).group()] = value
    try:
        month = MONTHS[parts["mon"][:3].lower()] if "mon" in parts else int(parts["m"])
        day, year = int(parts["d"]), int(parts["y"]) if "y" in parts else None
        if year is not None:
            return date(year, month, day)
        this_year = date(today.year, month, day)
    except (KeyError, ValueError):
        return None
    return this_year if this_year >= today else date(today.year + 1, month, day)


def parse_date(text: str, today: date) -> date | None:
    """A date written alone (`2026-12-15`, `12月15日`, `15 Dec`); None if it is not one."""
    match = _BARE.match(text or "")
    return _when(match.groupdict(), today) if match else None


def extract_deadline(text: str, today: date) -> tuple[date | None, str]:
    """The time limit written in `text` and the text without it; (None, text) without one.
    A limit whose date does not exist (2月30日) is left in the text and not taken."""
    for match in _LIMIT.finditer(text or ""):
        due = _when(match.groupdict(), today)
        if due is not None:
            rest = (text[: match.start()] + text[match.end():]).strip()
            return due, re.sub(r"^[，,；;、\s]+|[，,；;、\s]+$", "", rest)
    return None, text
