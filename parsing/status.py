"""The status-message parser: which project(s) a chat message reports on, and what it says.

Pure functions, no Telegram and no database. `parse_message` never raises on any text.
Rules (DESIGN.md, "Status updates"):
- which project: an explicit code anywhere (`QB-001`, `#qb-001`, `qb001`, `QB-1`); else a
  project name or alias contained in the text, the longest match winning (case, spaces,
  full-width forms tolerated; a unique 5-character piece of a Chinese name also counts, and a
  name of the sender's unit with one typo); else the sender unit's only active project; else
  the bot must ask.
- several projects: one per line or clause, each naming its project; lines that name none
  continue the project above; a mention inside a problems / next-steps section is only a
  mention, not a new report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .fields import (
    clause_end,
    clause_start,
    find_invested,
    find_markers,
    find_next_steps,
    find_problems,
    find_progress,
    find_sections,
    find_stage,
)
from .language import detect_language
from .ledger import MAX_AMOUNT
from .normalize import fold
from .projects import (
    CODE,
    FUZZY,
    UNKNOWN,
    Mention,
    find_mentions,
    is_first_phase,
    unit_active_projects,
)
from .refs import ProjectRef

__all__ = ["ParsedMessage", "ProjectRef", "ProjectReport", "has_status_words", "parse_message"]

MAX_CHARS = 20_000  # Telegram allows 4,096; anything longer is cut, not refused


@dataclass
class ProjectReport:
    """What one project's part of a message says."""

    project: str | None  # project code, or None if it could not be told
    text: str  # the part of the message about this project
    progress: float | None = None  # 0..100
    progress_error: str | None = None  # "out_of_range" when e.g. 120% was written
    stage: str | None = None  # "negotiating" | "signed" | "started" | "completed"
    invested: float | None = None  # investment completed, in 万元
    invested_kind: str | None = None  # "cumulative" (since the start) | "year" (since 1 January)
    # "out_of_range": the investment written is beyond what a ledger may hold (MAX_AMOUNT)
    invested_error: str | None = None
    problems: list[str] = field(default_factory=list)
    next_steps: str | None = None
    unknown_code: str | None = None  # a code-shaped word naming no project in the ledger
    no_problems: bool = False  # the text says there are none ("问题：无", "no issues")
    # a name written with one typo: the project is not chosen (project is None) and these are
    # the near matches to offer when the bot asks
    candidates: tuple[str, ...] = ()
    # figures of work packages, not of the whole project ("厂房建设 90%", "HVAC 45%")
    parts: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class ParsedMessage:
    lang: str | None  # "zh" | "en" | None when too short to tell (caller falls back)
    reports: list[ProjectReport]
    ambiguous: bool  # True when the project could not be told and the bot must ask


# ---------------------------------------------------------------- which part is which project

_PREFIX_OK = re.compile(
    r"(?:\s|[^\w\s]|_|\d|本周|本月|本期|本旬|这周|这个月|目前|当前|现在|截至目前|截止目前|截至|截止|"
    r"今天|今日|其中|另外|另|此外|关于|报告|汇报|更新|最新|周报|月报|项目|月|日|号|第|周|期|"
    r"各位领导|领导|们|大家|您|你|各位|好|早上好|下午好|"
    r"(?<![a-z])(?:hi|hello|dear|team|all|update|updates|quick|one|note|fyi|re|on|for|the|about|"
    r"and|also|plus|status|weekly|report|progress|project|from|our|ps|sir|madam|boss)(?![a-z]))*"
)
_JOINER = re.compile(r"\s*(?:、|和|及|与|以及|跟|同|,|/|&|\+|and|&amp;|plus)?\s*")
_COLON_AFTER = re.compile(r"[ \t]*:[ \t]*")
_LINE_STATUS = re.compile(
    r"\d\s*(?:%|percent)|百分之|进度|progress|在谈|签约|开工|在建|竣工|投产|建成|"
    r"signed|construction|operation|negotiat"
)
_HAS_STATUS = re.compile(
    r"\d\s*(?:%|percent)|百分之|进度|progress|在谈|签约|开工|在建|竣工|投产|建成|正常|"
    r"signed|construction|operation|negotiat|on\s+track|started|start|complete|completed|"
    r"finished|done|no\s+change|delayed|stalled|未开工|无变化"
)
# Words a status update uses even when it gives no figure: "本周正常推进", "site work resumed".
_STATUS_WORDS = re.compile(
    r"推进|施工|完成|封顶|进展|问题|困难|安装|调试|建设|招标|审批|拆迁|手续|验收|进场|动工|"
    r"停工|复工|延期|滞后|资金|投资|"
    r"(?<![a-z])(?:work|works|site|issue|issues|problem|problems|install|installed|tender|"
    r"permit|approval|delay|behind|ahead|resumed|invested|investment)(?![a-z])"
)
_MAX_PREFIX = 40
_BULLET_ONLY = re.compile(r"[\s\-*•·#>【\[(]*")


@dataclass
class _Segment:
    start: int
    end: int
    codes: list[str | None]
    unknown: str | None = None
    # "问题：\n卫星产业园：电力接入": a project's line inside a problems (or next-steps) list;
    # its text from `content` on belongs to that section
    section: str | None = None
    content: int = 0


def _segment(folded: str, mentions: list[Mention]) -> tuple[list[_Segment], set[int]]:
    """Cut the text where a new project's report begins; also the mentions that are passing."""
    markers = [(s, kind) for s, _c, kind in find_markers(folded)]
    events: list[tuple[int, int, object]] = [(s, 0, kind) for s, kind in markers]
    events += [(m.start, 1, m) for m in mentions]
    events.sort(key=lambda e: (e[0], e[1]))

    segments: list[_Segment] = []
    passing: set[int] = set()
    section_line = -1  # start of the line on which the open section began, -1: none open
    section_kind = ""
    leader: Mention | None = None  # the mention that began the current segment
    previous: Mention | None = None
    for _pos, kind, item in events:
        if kind == 0:
            if item in ("problem", "next"):
                if section_line < 0:
                    section_line = folded.rfind("\n", 0, _pos) + 1
                section_kind = str(item)
            else:
                section_line = -1
            continue
        m = item
        assert isinstance(m, Mention)
        line_start = folded.rfind("\n", 0, m.start) + 1
        line_end = folded.find("\n", m.end)
        line_end = len(folded) if line_end < 0 else line_end
        inherits: tuple[str, int] | None = None
        if section_line >= 0:
            # inside a problems / next-steps section a name is only a mention, unless a line
            # (or, for a code, a clause) begins with it and goes on to report on it
            at_line_start = _BULLET_ONLY.fullmatch(folded[line_start : m.start]) is not None
            new_line = at_line_start and section_line < line_start
            clause = clause_start(folded, m.start)
            at_clause_start = _BULLET_ONLY.fullmatch(folded[clause : m.start]) is not None
            is_code = m.priority in (CODE, UNKNOWN)
            colon = _COLON_AFTER.match(folded, m.end, line_end)
            if new_line and (is_code or _LINE_STATUS.search(folded, m.end, line_end)):
                pass
            elif (
                is_code
                and at_clause_start
                and _HAS_STATUS.search(folded, m.end, clause_end(folded, m.end))
            ):
                pass  # "P003 37% - issues: crane delivery; P004 still negotiating"
            elif new_line and colon:
                inherits = (section_kind, colon.end())
            else:
                passing.add(id(m))
                previous = m
                continue
        # grouped mentions: "QB-005、QB-006 均已开工"
        if (
            previous is not None
            and leader is not None
            and segments
            and previous.start >= segments[-1].start
            and _JOINER.fullmatch(folded[previous.end : m.start])
            and (  # side by side with only a space between: codes only ("QB-005 QB-006 …")
                folded[previous.end : m.start].strip()
                or (previous.priority in (CODE, UNKNOWN) and m.priority in (CODE, UNKNOWN))
            )
        ):
            if m.code not in segments[-1].codes:
                segments[-1].codes.append(m.code)
            previous = m
            continue
        first_on_line = previous is None or previous.end <= line_start
        clause = clause_start(folded, m.start)
        if first_on_line or clause >= previous.end:
            # the first name in its line or clause: begins a report if nothing but greetings,
            # dates and bullets come before it ("本周卫星产业园…", "Update on ZQ-101: …")
            start = line_start if first_on_line else clause
            prefix = folded[start : m.start]
            eligible = len(prefix) <= _MAX_PREFIX and _PREFIX_OK.fullmatch(prefix) is not None
        else:
            # a second name in the same clause begins a report only once the first one's is
            # there: "P010 45% P009 100%", "人才公寓 进度50% 污水厂扩建 进度100%"
            start = m.start
            eligible = _HAS_STATUS.search(folded[previous.end : m.start]) is not None
        if not eligible:
            previous = m
            continue
        if not segments or segments[-1].codes != [m.code] or m.code is None or inherits:
            segment = _Segment(start, len(folded), [m.code], m.raw if m.code is None else None)
            if inherits:
                segment.section, segment.content = inherits
            segments.append(segment)
            leader = m
            if not inherits:
                section_line = -1
        previous = m
    for a, b in zip(segments, segments[1:], strict=False):
        a.end = b.start
    return segments, passing


# ---------------------------------------------------------------- the parser


def _report(
    text: str,
    folded: str,
    code: str | None,
    spans: list[tuple[int, int]],
    refs: tuple[ProjectRef, ...] = (),
) -> ProjectReport:
    sections = find_sections(folded)
    parts: list[tuple[str, float]] = []
    first_phase = is_first_phase(refs, code)
    progress, error = find_progress(folded, sections, spans, parts, first_phase)
    problems = find_problems(text, folded, sections)
    found = find_invested(folded, sections)
    invested = found.wan if found else None
    # as in a ledger file: beyond a trillion yuan (or inf) is a typo, never stored
    invested_error = None if invested is None or 0 <= invested <= MAX_AMOUNT else "out_of_range"
    return ProjectReport(
        project=code,
        text=text.strip(),
        progress=progress,
        progress_error=error,
        stage=find_stage(folded, sections, spans),
        invested=None if invested_error else invested,
        invested_kind=found.kind if found and not invested_error else None,
        invested_error=invested_error,
        problems=problems,
        next_steps=find_next_steps(text, folded, sections),
        no_problems=sections.said_none and not problems,
        parts=parts,
    )


_SECTION_LABEL = {"problem": "问题: ", "next": "下一步: "}


def _parse_piece(text: str, seg: _Segment) -> str:
    """What of a segment is parsed: a project's line in a problems list is parsed as problems."""
    if seg.section in _SECTION_LABEL:
        return _SECTION_LABEL[seg.section] + text[seg.content : seg.end].strip("\n")
    return text[seg.start : seg.end].strip("\n")


def _single_project(
    mentions: list[Mention], passing: set[int], projects: tuple[ProjectRef, ...], unit: str | None
) -> tuple[list[str | None], str | None]:
    strong = [m for m in mentions if id(m) not in passing]
    codes = [m for m in strong if m.priority == CODE]
    if codes:
        return [codes[0].code], None
    names = [m for m in strong if m.code is not None]
    if names:
        best = max(names, key=lambda m: (m.priority, m.end - m.start, -m.start))
        return [best.code], None
    unknown = [m for m in strong if m.code is None]
    if unknown:
        return [None], unknown[0].raw
    active = unit_active_projects(projects, unit)
    if len(active) == 1:
        return [active[0]], None
    known = [m for m in mentions if m.code is not None]
    if known:
        return [known[0].code], None
    return [None], None


def _near_only(mentions: list[Mention], passing: set[int]) -> set[str]:
    """Projects named only with a typo (no exact name, part of a name or code of theirs)."""
    sure = {m.code for m in mentions if m.priority != FUZZY and id(m) not in passing}
    return {m.code for m in mentions if m.priority == FUZZY and m.code not in sure} - {None}


def parse_message(
    text: str, projects: Sequence[ProjectRef], sender_unit: str | None
) -> ParsedMessage:
    """Parse a status message. Never raises; see the module doc for the rules."""
    text = text if isinstance(text, str) else ""
    text = text[:MAX_CHARS]
    lang = detect_language(text)
    if not text.strip():
        return ParsedMessage(lang=lang, reports=[], ambiguous=False)
    refs = tuple(projects)
    folded = fold(text)
    mentions = find_mentions(folded, refs, sender_unit)
    segments, passing = _segment(folded, mentions)

    groups = {tuple(s.codes) for s in segments}
    several_unknown = len(segments) > 1 and segments[0].codes == [None]
    listed = any(seg.section for seg in segments)  # a project's line inside a problems list
    if len(groups) <= 1 and not several_unknown and not listed:
        if segments:
            codes, unknown = segments[0].codes, segments[0].unknown
        else:
            codes, unknown = _single_project(mentions, passing, refs, sender_unit)
        spans = [(m.start, m.end) for m in mentions]
        near = _near_only(mentions, passing)
        reports = []
        for code in codes:
            report = _report(text, folded, code, spans, refs)
            report.unknown_code = unknown if code is None else None
            if code in near:  # "污水厂扩键": a near match is asked, not chosen
                report.project, report.candidates = None, (code,)
            reports.append(report)
        return ParsedMessage(lang, reports, any(r.project is None for r in reports))

    # several projects: merge each project's parts, keep the order of first appearance
    order: list[str | None] = []
    parts: dict[str | None, list[_Segment]] = {}
    unknown_parts: list[_Segment] = []
    for seg in segments:
        for code in seg.codes:
            if code is None:
                unknown_parts.append(seg)
                continue
            if code not in parts:
                parts[code] = []
                order.append(code)
            parts[code].append(seg)
    reports = []
    for code in order:
        shown = "\n".join(text[s.start : s.end].strip("\n") for s in parts[code])
        sub_text = "\n".join(_parse_piece(text, s) for s in parts[code])
        sub_fold = fold(sub_text)
        sub_mentions = find_mentions(sub_fold, refs, sender_unit)
        report = _report(sub_text, sub_fold, code, [(m.start, m.end) for m in sub_mentions], refs)
        report.text = shown.strip()
        reports.append(report)
    for seg in unknown_parts:
        sub_text = text[seg.start : seg.end]
        sub_fold = folded[seg.start : seg.end]
        report = _report(sub_text, sub_fold, None, [(0, len(seg.unknown or ""))])
        report.unknown_code = seg.unknown
        reports.append(report)
    return ParsedMessage(lang, reports, any(r.project is None for r in reports))


def has_status_words(text: str) -> bool:
    """Whether `text` uses a word of progress, stage or problems ("正常推进", "on track"),
    figures aside: a message with none of them and nothing parsed is no status update."""
    folded = fold(text)
    return bool(_HAS_STATUS.search(folded) or _STATUS_WORDS.search(folded))
