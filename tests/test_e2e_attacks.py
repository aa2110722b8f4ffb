"""Attacks from outside and careless operation, end to end (issue 18): each attack against the
real bot, and what the user — or the operator — sees instead of harm."""

from __future__ import annotations

import asyncio
import resource
import time

from storage.projects import list_projects
from tests.attacks import xlsx_bomb, zip_bomb
from tests.conftest import ADMIN, seed_ledger

MEMBER = 301


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def test_a_spreadsheet_declaring_a_huge_sheet_is_refused_and_others_are_answered(
        running_bot):
    """A 1.6 KB .xlsx declaring 16,384 columns × 25,000 rows: refused with one line within
    seconds, the bot's memory hardly grows, and another chat is answered meanwhile."""
    seed_ledger(running_bot.db)
    before = [dict(p) for p in list_projects(running_bot.db)]
    peak, start = peak_rss_mb(), time.monotonic()
    bomb = running_bot.send(ADMIN, caption="/import", document=("l.xlsx", xlsx_bomb()),
                            language_code="en", timeout=30)
    other = running_bot.send(MEMBER, "/whoami", language_code="en", timeout=5)
    [refusal], [answer] = await asyncio.gather(bomb, other)
    took, grew = time.monotonic() - start, peak_rss_mb() - peak
    print(f"xlsx bomb refused in {took:.2f} s, peak RSS +{grew:.0f} MB")
    assert refusal["text"].startswith("⛔") and "more columns than the limit of 64" in refusal["text"]
    assert answer["text"]
    assert took < 10 and grew < 200
    assert [dict(p) for p in list_projects(running_bot.db)] == before


async def test_a_spreadsheet_unpacking_to_hundreds_of_megabytes_is_refused(running_bot):
    [refusal] = await running_bot.send(ADMIN, caption="/import",
                                       document=("l.xlsx", zip_bomb()), language_code="en")
    assert "unpacks to more than 64 MB" in refusal["text"]
