"""What a round says, and to whom: computed once, when the round is planned.

The payload of each delivery is stored with it (storage.rounds.plan_deliveries), so a restart
sends exactly the text that was planned. A payload is

    {"to": "group" | "member" | "leader", "name": ..., "lang": "zh" | "en",
     "parts": [{"text": html} | {"photo": file number, "caption": html}
               | {"document": file number, "filename": ..., "caption": html}, ...]}

one entry of `parts` per Telegram message, in order (schedules.delivery sends them in order
and records each). Pictures and documents (the meeting pack) are stored once per round
(`Plan.files`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from config import Config
from i18n import esc, t
from i18n.reports import reason_text
from reports.mine import mine_pages
from reports.nodes import due_soon, due_soon_text
from reports.pack import PackData
from reports.ranking import UnitRank, rank_units
from reports.standing import LAGGING, Item, ProjectState, Standing, worst_first
from reports.states import items_from_rows, moment
from reports.summary import (
    ESCALATE_DAYS,
    MARKERS,
    SHOWN_IN_ENTRY,
    TG_LIMIT,
    fmt_date,
    fmt_num,
    fmt_pct,
    leader_summary,
    paginate,
    tg_len,
)
from services.ladder import overdue_problems
from services.pack import PackPlan, pack_data
from services.people import people_langs
from services.settings import thresholds
from services.views import Views, weekly_ranking
from storage import rounds
from storage.people import people_with_role, unit_group, unit_members
from storage.projects import project_states
from storage.ranks import previous_week, week_ranks

log = logging.getLogger(__name__)

PROBLEM_TEXT_MAX = 120


@dataclass
class Plan:
    """A round's deliveries (chat_id, unit_id, payload), ready for plan_deliveries."""

    kind: str
    items: list[tuple[int, int | None, dict]] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)  # project ids named (reminders)
    files: list[bytes] = field(default_factory=list)  # pictures, numbered from 0
    notes: list[str] = field(default_factory=list)  # for the operator (dry run, logs)


def unit_lang(member_langs: Iterable[str], default: str) -> str:
    """A unit's language: the one most of its members use (ties: the bot's)."""
    counts = Counter(member_langs)
    if not counts:
        return default
    best = max(counts.values())
    winners = [lang for lang, n in counts.items() if n == best]
    return default if default in winners else sorted(winners)[0]


def _assess(db: Database, config: Config, now: datetime) -> list[tuple[dict, Item]]:
    rows = project_states(db)
    items = items_from_rows(rows, now, thresholds(config))
    return list(zip(rows, items, strict=True))


def _clip(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return esc(text if len(text) <= limit else text[: limit - 1] + "…")


# --- the weekly reminder ---------------------------------------------------------------------

def needs_reminder(standing: Standing) -> bool:
    """Stale or lagging (a done project never is)."""
    return not standing.is_done and (standing.is_stale or standing.standing == LAGGING)


def days_wording(never: bool, days: int, lang: str) -> str:
    """How long a project has gone without an update: today, one day, n days."""
    if never:
        return t("rem_never_today" if days == 0 else "rem_never", lang, n=days)
    if days <= 1:
        return t("rem_updated_today" if days == 0 else "rem_one_day", lang)
    return t("rem_days_since", lang, n=days)


def example_progress(progress: float | None) -> int:
    """A progress for the reminder's example line: a step (of 5 points) past what the project
    has reached, so it never suggests going backwards; 60 when nothing was reported."""
    if progress is None:
        return 60
    return min(100, (int(progress) // 5 + 1) * 5)


def reminder_entry(p: ProjectState, s: Standing, lang: str, today: date | None = None) -> str:
    """One project of a reminder: how long without update, how far behind, past its end, and
    (with `today`) its node due within reports.nodes.SOON_DAYS."""
    details = [days_wording(p.last_update_at is None, s.stale_days, lang)]
    if s.behind is not None and s.behind > 0:
        details.append(t("rem_behind", lang, n=fmt_num(s.behind), actual=fmt_pct(p.progress, lang),
                         planned=fmt_pct(s.planned, lang)))
    if s.past_end:
        details.append(t("rem_past_end", lang, date=fmt_date(p.planned_end, lang)))
    details += [reason_text(r, lang) for r in s.why if r.code not in SHOWN_IN_ENTRY]
    node = due_soon(p, today) if today is not None else None
    if node is not None:
        details.append(due_soon_text(node, today, lang))
    return _item_line(p, s, details, lang)


def _item_line(p: ProjectState, s: Standing, details: list[str], lang: str) -> str:
    sep = "；" if lang == "zh" else "; "
    return t("rem_item", lang, marker=MARKERS[s.standing], code=_clip(p.code, 20),
             name=_clip(p.name, 40), details=sep.join(details))


def reminder_pages(unit: str, items: list[Item], lang: str, in_group: bool,
                   today: date | None = None, nodes_soon: list[Item] = ()) -> list[str]:
    """The reminder of one unit: title, its projects worst first, the unit's other projects
    with a node due soon (`nodes_soon`), how to answer."""
    ordered = worst_first(items)
    first = ordered[0][0]
    howto = t("rem_howto_group" if in_group else "rem_howto_private", lang,
              code=_clip(first.code, 20), progress=example_progress(first.progress))
    blocks = [t("rem_reminder_title", lang, unit=_clip(unit, 40)),
              *(reminder_entry(p, s, lang, today) for p, s in ordered)]
    if nodes_soon and today is not None:
        blocks += ["", t("rem_nodes_soon", lang)]
        blocks += [_item_line(p, s, [due_soon_text(due_soon(p, today), today, lang)], lang)
                   for p, s in sorted(nodes_soon, key=lambda it: due_soon(it[0], today).due)]
    return paginate([*blocks, "", howto], TG_LIMIT)


def reminder_plan(db: Database, config: Config, now: datetime) -> Plan:
    """Each unit with stale or lagging projects: one message in its bound group, else one to
    each member privately, in that chat's language. Units with nothing to report: nothing."""
    plan = Plan("reminder")
    by_unit: dict[int, list[tuple[dict, Item]]] = {}
    nodes_soon: dict[int, list[Item]] = {}  # the other projects with a node due soon
    for row, item in _assess(db, config, now):
        if row.get("active", 1) and needs_reminder(item[1]):
            by_unit.setdefault(row["unit_id"], []).append((row, item))
        elif row.get("active", 1) and not item[1].is_done and due_soon(item[0], now.date()):
            nodes_soon.setdefault(row["unit_id"], []).append(item)
    members_of = {unit_id: unit_members(db, unit_id) for unit_id in by_unit}
    # Everyone's language at once: it reads their recent messages (one pass over the updates).
    langs = people_langs(db, [m for ms in members_of.values() for m in ms], config.language)
    for unit_id, entries in sorted(by_unit.items(), key=lambda e: e[1][0][0]["unit_name"]):
        unit_name = entries[0][0]["unit_name"]
        items = [item for _, item in entries]
        members = members_of[unit_id]
        group = unit_group(db, unit_id)
        if group is not None:
            lang = unit_lang((langs[m["user_id"]] for m in members), config.language)
            plan.items.append((group, unit_id, {
                "to": "group", "name": unit_name, "lang": lang,
                "parts": [{"text": page} for page in reminder_pages(
                    unit_name, items, lang, True, now.date(), nodes_soon.get(unit_id, []))],
            }))
        elif members:
            for m in members:
                lang = langs[m["user_id"]]
                plan.items.append((m["user_id"], unit_id, {
                    "to": "member", "name": m.get("name") or str(m["user_id"]),
                    "unit": unit_name, "lang": lang,
                    "parts": [{"text": page}
                              for page in reminder_pages(unit_name, items, lang, False,
                                                         now.date(), nodes_soon.get(unit_id, []))],
                }))
        else:
            note = (f"unit {unit_name!r} has {len(items)} stale or lagging project(s) but no "
                    "bound group and no members: nobody to remind")
            log.warning(note)
            plan.notes.append(note)
            continue
        plan.reminded += [row["id"] for row, _ in entries]
    return plan


# --- the leader digest -----------------------------------------------------------------------

@dataclass
class DigestData:
    """What the digest needs from the database (read in the event loop's thread)."""

    items: list[Item]
    today: date
    ranking: list[UnitRank]  # with each unit's change since last week (storage.ranks)
    reminded: list[dict]
    problems: list[dict]
    now: datetime
    recipients: list[tuple[int, str, str]]  # (chat id, name, lang)
    overdue: list[dict] = field(default_factory=list)  # services.ladder.overdue_problems
    leader_names: dict[int, str] = field(default_factory=dict)  # chat id -> name in charge
    pack: PackData | None = None  # the meeting pack attached (/settings digest_pack)


def digest_data(db: Database, config: Config, now: datetime, *,
                dry_run: bool = False) -> DigestData:
    """Read what the digest needs; with `dry_run` nothing is written (not even this week's
    ranking snapshot)."""
    items = [item for _, item in _assess(db, config, now)]
    if dry_run:
        ranking = rank_units(items, week_ranks(db, previous_week(now.date())))
    else:
        ranking = weekly_ranking(db, items, now.date())
    problems = rounds.long_open_problems(db, now - timedelta(days=ESCALATE_DAYS))
    recipients: dict[int, tuple[int, str, str]] = {}
    leader_names = {}
    leaders = people_with_role(db, "leader", "admin")
    langs = people_langs(db, leaders, config.language)
    for person in leaders:
        if (person.get("leader_name") or "").strip():
            leader_names[person["user_id"]] = person["leader_name"].strip()
        recipients[person["user_id"]] = (person["user_id"], person.get("name") or "",
                                         langs[person["user_id"]])
    for admin in sorted(config.admins):  # BOT_ADMINS, even before they ever wrote to the bot
        recipients.setdefault(admin, (admin, "", config.language))
    # The pack: from the same moment's data (as of `now`; a dry run writes nothing, so it
    # reads as of now too and stores no ranking snapshot).
    pack = (pack_data(Views(db), config, now, as_of=dry_run)
            if config.digest_pack and items else None)
    return DigestData(items=items, today=now.date(),
                      ranking=ranking,
                      reminded=rounds.repeatedly_reminded(db),
                      problems=problems, now=now, recipients=sorted(recipients.values()),
                      overdue=overdue_problems(db, config, now.date()),
                      leader_names=leader_names, pack=pack)


def _age_days(created_at: str, now: datetime) -> int:
    return max(0, (now - moment(created_at)).days)


def escalation_pages(data: DigestData, lang: str) -> list[str]:
    blocks = [t("rem_esc_title", lang)]
    if data.reminded:
        blocks.append(t("rem_esc_reminded", lang, n=len(data.reminded)))
        for r in data.reminded:
            last = (t("rem_esc_last", lang, date=fmt_date(
                        moment(r["last_update_at"]), lang, data.now.tzinfo))
                    if r["last_update_at"] else t("rem_esc_never", lang))
            blocks.append(t("rem_esc_reminded_item", lang, code=_clip(r["code"], 20),
                            name=_clip(r["name"], 40), unit=_clip(r["unit_name"], 30), last=last))
    if data.problems:
        if data.reminded:
            blocks.append("")
        blocks.append(t("rem_esc_problems", lang, days=ESCALATE_DAYS, n=len(data.problems)))
        for q in data.problems:
            blocks.append(t(
                "rem_esc_problem_item", lang, id=q["id"], code=_clip(q["project_code"], 20),
                text=_clip(q["text"], PROBLEM_TEXT_MAX),
                unit=_clip(q["unit_name"], 30) if q["unit_name"] else t("rem_unassigned", lang),
                n=_age_days(q["created_at"], data.now)))
    if not data.reminded and not data.problems:
        blocks.append(t("rem_esc_none", lang))
    blocks += overdue_blocks(data.overdue, lang)
    return paginate(blocks, TG_LIMIT)


def overdue_blocks(overdue: list[dict], lang: str) -> list[str]:
    """督办 / overdue: every overdue problem by the unit that must act, most overdue first."""
    if not overdue:
        return []
    blocks = ["", t("loop_digest_overdue", lang, n=len(overdue))]
    by_unit: dict[str, list[dict]] = {}
    for q in overdue:
        by_unit.setdefault(q["acting_unit_name"] or "", []).append(q)
    for unit, problems in sorted(by_unit.items(), key=lambda e: (-e[1][0]["late"], e[0])):
        blocks.append(t("loop_digest_unit", lang,
                        unit=_clip(unit, 30) if unit else t("rem_unassigned", lang)))
        blocks += [t("loop_digest_item", lang, id=q["id"], code=_clip(q["project_code"], 20),
                     text=_clip(q["text"], PROBLEM_TEXT_MAX), n=q["late"]) for q in problems]
    return blocks


def pack_parts(plan: Plan, data: PackData, lang: str, chart: bytes | None,
               render: bool) -> list[dict]:
    """The meeting pack's two files as parts of a digest (stored with the round's files, so
    a restart sends the same files); with `chart`, the digest's wall chart is the pack's."""
    day = data.today.isoformat()
    names = (t("pack_schedule_file", lang, date=day), t("pack_bulletin_file", lang, date=day))
    if not render:  # a dry run: the parts without their files
        return [{"document": None, "filename": name} for name in names]
    made = PackPlan(replace(data, chart=chart), lang).build()
    parts = []
    for name, content in zip(names, (made.schedule, made.bulletin), strict=True):
        parts.append({"document": len(plan.files), "filename": name})
        plan.files.append(content)
    parts[0]["caption"] = t("pack_digest_caption", lang, date=day)
    return parts


def digest_plan(data: DigestData, *, render_chart: bool = True) -> Plan:
    """The digest for every leader and admin: the summary, the chart, the escalations, and
    the meeting pack's two files (when `data.pack`).

    Pure (no database): safe to run in a worker thread, as the chart takes a moment to draw.
    """
    plan = Plan("digest")
    langs = sorted({lang for _, _, lang in data.recipients})
    parts_by_lang: dict[str, list[dict]] = {}
    for lang in langs:
        pages = leader_summary(data.items, lang, data.today, ranking=data.ranking)
        title = t("rem_digest_title", lang)
        if tg_len(title) + 1 + tg_len(pages[0]) <= TG_LIMIT:
            pages[0] = f"{title}\n{pages[0]}"
        else:
            pages.insert(0, title)
        parts: list[dict] = [{"text": page} for page in pages]
        pictures: list[bytes] = []
        if render_chart:
            from reports.chart import render_wall_chart

            pictures = render_wall_chart(data.items, lang, today=data.today)
            for i, picture in enumerate(pictures):
                part = {"photo": len(plan.files)}
                if i == 0:
                    part["caption"] = t("rem_chart_caption", lang)
                plan.files.append(picture)
                parts.append(part)
        else:
            parts.append({"photo": None, "caption": t("rem_chart_caption", lang)})
        parts += [{"text": page} for page in escalation_pages(data, lang)]
        if data.pack is not None:
            parts += pack_parts(plan, data.pack, lang, pictures[0] if pictures else None,
                                render_chart)
        parts_by_lang[lang] = parts
    for chat_id, name, lang in data.recipients:
        own = []  # a leader in charge of projects: theirs first
        if chat_id in data.leader_names:
            own = [{"text": page} for page in mine_pages(
                data.leader_names[chat_id], data.items, data.overdue, lang)]
        plan.items.append((chat_id, None, {"to": "leader", "name": name, "lang": lang,
                                           "parts": own + parts_by_lang[lang]}))
    return plan
