"""A project's nodes (节点, milestones) as people read them: reached, missed, next, later.

A node whose day has passed is reached (✓) when the project's progress is at least the node's,
else missed (✗, with how far short) — the rule reports.standing judges `node_missed` by; the
first node due today or later is next (→, with the days left); the ones after it are later.
"""

from __future__ import annotations

from datetime import date

from i18n import esc, t
from reports.standing import Milestone, ProjectState

SOON_DAYS = 7  # a node due within this many days is named in the unit's weekly reminder
SHOWN = 12  # nodes listed in /status <code>: the latest passed ones and the next ones
TITLE_MAX = 40


def _pct(value: float) -> str:
    # reports.summary.fmt_pct's look, without importing summary (which imports this module)
    return f"{round(float(value), 1):g}%"


def _title(node: Milestone) -> str:
    title = " ".join((node.title or "").split())
    return esc(title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…")


def days_left(days: int, lang: str) -> str:
    """"today", "in 1 day", "in 5 days" (今天到期, 还有 5 天)."""
    return t("node_today", lang) if days <= 0 else t("node_days_left", lang, n=days)


def node_lines(p: ProjectState, today: date, lang: str, *, done: bool = False) -> list[str]:
    """`/status <code>`'s nodes block: a heading, then each node in date order (the latest
    passed and the next ones, SHOWN in all, with how many more there are)."""
    nodes = sorted(p.milestones, key=lambda m: m.due)
    if not nodes:
        return []
    actual = float(p.progress or 0)
    passed = [m for m in nodes if m.due < today]
    coming = nodes[len(passed):]
    keep_passed = max(SHOWN - len(coming), SHOWN // 3)
    shown = passed[-keep_passed:] + coming[: SHOWN - min(len(passed), keep_passed)]
    lines = [t("node_heading", lang, n=len(nodes))]
    for m in shown:
        title = _title(m)
        values = {"date": m.due.isoformat(), "title": f"{title} " if title else "",
                  "pct": _pct(m.progress)}
        if m.due < today:
            short = float(m.progress) - actual
            if done or short <= 0:
                lines.append(t("node_reached", lang, **values))
            else:
                lines.append(t("node_missed", lang, points=f"{round(short, 1):g}", **values))
        elif m is coming[0]:
            lines.append(t("node_next", lang, left=days_left((m.due - today).days, lang),
                           **values))
        else:
            lines.append(t("node_later", lang, **values))
    if len(shown) < len(nodes):
        lines.append(t("node_more", lang, n=len(nodes) - len(shown)))
    return lines


def due_soon(p: ProjectState, today: date, days: int = SOON_DAYS) -> Milestone | None:
    """The project's next node when it falls due within `days` (today counts), else None."""
    coming = [m for m in p.milestones if 0 <= (m.due - today).days <= days]
    return min(coming, key=lambda m: m.due) if coming else None


def due_soon_text(node: Milestone, today: date, lang: str) -> str:
    """A node due soon, for a reminder: "node “主体封顶” (60%) due 2027-05-01, in 3 days"."""
    key = "node_due_soon" if node.title else "node_due_soon_untitled"
    return t(key, lang, title=_title(node), pct=_pct(node.progress), date=node.due.isoformat(),
             left=days_left((node.due - today).days, lang))
