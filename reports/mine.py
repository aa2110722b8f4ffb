"""`/mine` and the top of a linked leader's digest: the projects a leader is in charge of
(the ledger's leader column names them), worst first, each with its light, progress against
plan and its overdue problems. Pure: items and problems in, pages out."""

from __future__ import annotations

from collections.abc import Sequence

from i18n import esc, t
from reports.standing import Item, worst_first
from reports.summary import TEXT_MAX, _name, _pages, project_entry


def in_charge(items: Sequence[Item], leader: str) -> list[Item]:
    """The projects whose leader column names `leader` (matched exactly after trimming)."""
    leader = leader.strip()
    return [(p, s) for p, s in items if (p.leader or "").strip() == leader]


def mine_pages(leader: str, items: Sequence[Item], overdue: Sequence[dict],
               lang: str) -> list[str]:
    """The leader's projects worst first; under each, its overdue problems (dicts with id,
    text, late and project_code, as services.ladder.overdue_problems gives them)."""
    mine = worst_first(in_charge(items, leader))
    header = t("mine_title", lang, leader=esc(leader), n=len(mine))
    if not mine:
        return [f"{header}\n{t('mine_none', lang)}"]
    late_by_code: dict[str, list[dict]] = {}
    for q in overdue:
        late_by_code.setdefault(q["project_code"], []).append(q)
    blocks = []
    for p, s in mine:
        lines = [project_entry(p, s, lang)]
        lines += [t("mine_overdue", lang, id=q["id"], text=_name(q["text"], TEXT_MAX), n=q["late"])
                  for q in late_by_code.get(p.code, [])]
        blocks.append("\n".join(lines))
    return _pages(header, blocks, lang)
