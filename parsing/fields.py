"""What one project's part of a message says: progress, stage, investment, problems, next steps.

Works on the original text and its folded twin (`normalize.fold`, same length): patterns run on
the folded text, and whatever is handed back (problem items, next steps) is cut from the original.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from .normalize import is_han, trim
from .numbers import (
    EN_AMOUNT,
    ZH_AMOUNT,
    cn_number,
    en_amount_to_wan,
    parse_number,
    tidy,
    zh_amount_to_wan,
)

# ---------------------------------------------------------------- shared bits

_CLAUSE_SEP = re.compile(r"[,;!?\n。]|\.(?=\s|$)")


def _alt(words: str) -> str:
    """A regex alternation of space-separated words ('_' stands for a space), longest first.

    Latin words only match whole (`up` is not in `update`)."""
    items = sorted({w.replace("_", " ") for w in words.split()}, key=len, reverse=True)
    out = []
    for w in items:
        pattern = re.escape(w).replace(r"\ ", r"\s+")
        if w[0].isascii() and w[0].isalpha():
            pattern = r"(?<![a-z])" + pattern
        if w[-1].isascii() and w[-1].isalpha():
            pattern += r"(?![a-z])"
        out.append(pattern)
    return "|".join(out)


def _first_char_gate(*word_lists: str) -> str:
    """A lookahead for the characters these words (as `_alt` takes them) begin with.

    Put in front of a long alternation it lets the regex skip, at one test per character, the
    places where no word can begin: Python's `re` otherwise tries every word at every place
    (16 µs to find the cues before one figure, 2 µs with the gate)."""
    firsts = {word[0] for words in word_lists for word in words.split()}
    return "(?=[" + "".join(re.escape(c) for c in sorted(firsts)) + "])"


@lru_cache(maxsize=16)
def _bounds(folded: str, separator: re.Pattern[str] = _CLAUSE_SEP) -> tuple[list[int], list[int]]:
    """Where the matches of `separator` (of clauses or sentences; plan or fact markers) start
    and end in `folded` (asked once per figure and mention)."""
    starts, ends = [], []
    for m in separator.finditer(folded):
        starts.append(m.start())
        ends.append(m.end())
    return starts, ends


def clause_start(folded: str, pos: int, floor: int = 0) -> int:
    """Where the clause holding `pos` begins (not before `floor`)."""
    starts, ends = _bounds(folded)
    i = bisect_right(ends, pos) - 1
    while i >= 0 and starts[i] >= pos:  # a separator that begins at pos is not behind it
        i -= 1
    return max(floor, ends[i]) if i >= 0 else floor


def clause_end(folded: str, pos: int) -> int:
    """Where the clause holding `pos` ends (the next separator, or the end of the text)."""
    starts, _ends = _bounds(folded)
    i = bisect_left(starts, pos)
    return starts[i] if i < len(starts) else len(folded)


# ---------------------------------------------------------------- future, plan, aim, condition

# a sentence that begins to tell what is planned or hoped keeps telling it clause after clause
# ("预计10月底完成主体施工，12月投入运营"; "expected to finish in June, in operation by
# August") until a clause states a fact again ("…，目前已开工", "…; currently 64%")
_SENTENCE_SEP = re.compile(r"[。!?\n;]|\.(?=\s|$)")
_FUTURE = re.compile(
    r"预计|预期|争取|力争|拟|定于|定在|(?<!即)将(?!军)|即将|有望|可望|确保|希望|目标|"
    r"(?<!年度)(?<!按)(?<!原)(?<!投资)(?<!工作)计划(?!投资|总投资|新增投资|的|进度|开工项目|内|[:])|"
    r"(?<![a-z])(?:expected|expects?|scheduled|aims?|aiming|plans?\s+to|planned|planning|will|"
    r"target(?:ed|s)?|projected|set\s+to|slated|hopes?|hoping|goal|anticipated|could|would|"
    r"if|once|should|intends?\s+to)(?![a-z])"
)
_FACT_AGAIN = re.compile(
    r"已|目前|当前|现已|现在|实际|截至|截止|"
    r"(?<![a-z])(?:currently|so\s+far|to\s+date|at\s+present|right\s+now|as\s+of)(?![a-z])"
)


def _sentence_start(folded: str, pos: int) -> int:
    _starts, ends = _bounds(folded, _SENTENCE_SEP)
    i = bisect_right(ends, pos) - 1
    return ends[i] if i >= 0 else 0


def in_future(folded: str, pos: int) -> bool:
    """Whether `pos` is in a clause that tells a plan, an aim, an expectation or a condition."""
    # the markers of the whole text, found once: one scan per stage word or figure from the
    # sentence's start was quadratic on a long sentence ("竣工" * 10,000)
    starts, ends = _bounds(folded, _FUTURE)
    i = bisect_right(ends, pos) - 1  # the last plan marker that ends by pos ...
    if i < 0 or starts[i] < _sentence_start(folded, pos):  # ... in pos's sentence
        return False
    facts, _ends = _bounds(folded, _FACT_AGAIN)
    j = bisect_left(facts, ends[i])  # and no fact stated again after it, before pos
    return not (j < len(facts) and _ends[j] <= pos)


# ---------------------------------------------------------------- sections

_PROBLEM_WORDS = (
    r"存在的?(?:主要)?问题(?:[和与及]困难)?|存在的?(?:主要)?困难(?:[和与及]问题)?|主要问题|主要困难|"
    r"困难[和与及]问题|问题[和与及]困难|"
    r"困难问题|问题困难|需(?:要)?协调(?:解决)?的?(?:问题|事项)|需(?:要)?协调|需解决的?问题|"
    r"请求协调(?:事项)?|卡点|堵点|难点|瓶颈|风险点?|问题|困难|問題|困難|"
    r"(?<![a-z])(?:problems?|issues?|blockers?|risks?|concerns?|challenges?|difficult(?:y|ies)"
    r"|obstacles?|bottlenecks?)(?![a-z])"
)
_NEXT_WORDS = (
    r"下一?步(?:工作)?(?:计划|打算|安排|措施)?|下阶段(?:工作)?(?:计划|安排)?|"
    r"下周(?:工作)?(?:计划|安排)?|后续(?:工作|计划|安排)?|工作计划|计划|"
    r"(?<![a-z])(?:next\s+steps?|next\s+week|next\s+month|next|plans?|to\s?do|upcoming|"
    r"way\s+forward|action\s+items?)(?![a-z])"
)
# a marker ends with a colon, or (Chinese) with 是/为/如下; a few need no colon at all
_PROBLEM_COLON = re.compile(
    rf"(?P<m>{_PROBLEM_WORDS})\s*(?:如下|有|是|为|包括|主要有|主要是)?\s*(?:[:]|-\s|–|=>)"
)
_PROBLEM_BARE = re.compile(
    r"(?P<m>存在的?问题|存在的?困难|主要问题是|主要困难是|问题是|困难是|难点是|问题为|困难为)(?![:])"
)
_PROBLEM_CLAUSE = re.compile(r"(?P<m>问题|困难|問題|困難)(?=\s+\S)")
_HEADING_NUMBER = r"(?:[一二三四五六七八九十]{1,2}[、.]|\(?[一二三四五六七八九十]{1,2}\)|\d{1,2}[.、)]|#+)?"
# a heading alone on its line, without a colon: "二、存在主要问题", "三、下一步工作计划"
_PROBLEM_HEADING = re.compile(
    rf"^[ \t]*{_HEADING_NUMBER}[ \t]*(?P<m>(?:{_PROBLEM_WORDS})(?:与建议|及建议)?)[ \t]*$", re.M
)
_NEXT_HEADING = re.compile(
    rf"^[ \t]*{_HEADING_NUMBER}[ \t]*(?P<m>{_NEXT_WORDS})[ \t]*$", re.M
)
# any other heading ends a problems or next-steps section: "建议措施：", "三、其他事项"
_OTHER_HEADING = re.compile(
    r"(?P<m>建议措施|意见建议|工作建议|建议|保障措施|工作措施|措施|备注|推进情况|总体进展|进展情况|"
    r"项目概况|基本情况|(?<![a-z])(?:recommendations?|notes?|background|summary)(?![a-z]))\s*[:]|"
    r"^[ \t]*(?P<h>[一二三四五六七八九十]{1,2}、)",
    re.M,
)
# a sentence in a problems list that is a plan or a fact again, not a problem
# ("希望下个月完成设备安装", "90% of construction complete", "进度66%"): the list ends before it
_NOT_A_PROBLEM = re.compile(
    r"^(?:希望|计划|下月|下周|下一步|下步|拟|争取|力争|预计|准备|"
    r"(?:we\s+)?(?:hope|plan|will|intend|aim|expect)s?\s+to(?![a-z])|we\s+(?:hope|plan|will|aim|intend|expect)(?![a-z])|"
    r"next\s+(?:week|month|steps?)(?![a-z])|"
    r"(?:(?:overall\s+)?(?:进度|形象进度|整体进度|总体进度|工程进度|progress)\s*(?:为|达到|达|:|at|is)?\s*)?"
    r"\d+(?:\.\d+)?\s*%)"
)
_NEXT_COLON = re.compile(rf"(?P<m>{_NEXT_WORDS})\s*(?:是|为)?\s*(?:[:]|-\s|–|=>)")
_NEXT_BARE = re.compile(
    r"(?P<m>(?:下周|下步|下一步|下阶段)(?:工作)?(?:计划|安排)(?=[ \t])|下一步|下步|下阶段)(?![:\s]*$)|(?<![a-z])(?P<e>next\s+steps?|next\s+week)(?![a-z:])"
)
_RESOLVED_AFTER = re.compile(
    r"\s*(?:已|均已|都已|已经|基本|全部)?\s*(?:解决|落实|化解|消除|协调|办结|处理)|"
    r"\s*(?:were|was|is|are|have been|has been)?\s*(?:resolved|solved|cleared|fixed|closed)"
)
_NONE_BEFORE = re.compile(
    r"(?:(?<![a-z])(?:no|not any|without|zero|nil)\s+(?:major\s+|new\s+|open\s+|big\s+)?"
    r"|暂无|没有|无|未发现|暂未发现|没|并无|不存在|不)\s*$"
)
_FIELD_LABEL = re.compile(
    # possessive: a long run of blanks is not re-split between the two [ \t]* (quadratic)
    r"^[ \t]*+(?:\d{1,2}[.、)]|\(?[一二三四五六七八九十]{1,2}[、.)]|[-*•·]+)?[ \t]*"
    r"(?:总体进度|形象进度|工程进度|整体进度|项目进度|进度|進度|进展情况|进展|项目进展|"
    r"投资完成(?:情况)?|完成投资|累计完成投资|累计投资|投资|阶段|项目阶段|状态|"
    r"progress|status|stage|investment|invested)\s*[:]",
    re.M,
)
_STATUS_LINE = re.compile(
    r"^[ \t]*(?:进度|進度|形象进度|总体进度|整体进度|工程进度|progress|overall\s+progress)\s*"
    r"(?:[:]|为|达到|at|is)?\s*\d",
    re.M,
)
NONE_ITEM = re.compile(
    r"[ \t]*(?:无|暂无|没有|无问题|暂无问题|暂未发现|没|沒有|無|none|no|nil|n/?a|nothing|"
    r"no\s+(?:problems?|issues?|blockers?|risks?)|无明显问题|暂时没有|已解决|均已解决|已全部解决|"
    r"resolved|-+|/)[ \t]*(?=$|[\n,;。.!])"
)
_SIGN_OFF = re.compile(
    r"^(?:谢谢|感谢|谢谢领导|以上|以上[,，]?谢谢|汇报完毕|请领导指示|请指示|完毕|"
    r"thanks?(?: you)?(?: all)?|thx|cheers|regards|best regards|br|over|that'?s all)$"
)


@dataclass
class Sections:
    problems: list[tuple[int, int]] = field(default_factory=list)
    next_steps: list[tuple[int, int]] = field(default_factory=list)
    said_none: bool = False  # "问题：无" / "no issues"

    _merged: tuple[list[int], list[int]] | None = None

    def in_status(self, pos: int) -> bool:
        if self._merged is None:
            spans = sorted(self.problems + self.next_steps)
            self._merged = ([a for a, _ in spans], [b for _, b in spans])
        starts, ends = self._merged
        i = bisect_right(starts, pos) - 1
        return i < 0 or not (starts[i] <= pos < ends[i])


_MAX_BULLET = 40


def _is_clause_start(folded: str, pos: int) -> bool:
    before = folded[clause_start(folded, pos) : pos].strip()
    if len(before) > _MAX_BULLET:
        return False  # no bullet is that long; and a regex over a 4,000-char clause per marker is slow
    before = re.sub(r"\d{1,2}[.、)]|\(?[一二三四五六七八九十]{1,2}[、.)]|[-*•·#>【\[(]", "", before)
    return not before.strip()


@lru_cache(maxsize=8)
def find_markers(folded: str) -> list[tuple[int, int, str]]:
    """(marker start, content start, kind) for every problems / next-steps / field marker."""
    return _find_markers(folded)


def _find_markers(folded: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    taken = bytearray(len(folded) + 1)

    def add(start: int, end: int, kind: str) -> None:
        if any(taken[start:end]):
            return
        taken[start:end] = b"\x01" * (end - start)
        found.append((start, end, kind))

    for m in _FIELD_LABEL.finditer(folded):
        add(m.start(), m.end(), "field")
    for m in _PROBLEM_HEADING.finditer(folded):
        add(m.start("m"), m.end(), "problem")
    for m in _NEXT_HEADING.finditer(folded):
        add(m.start("m"), m.end(), "next")
    for m in _STATUS_LINE.finditer(folded):
        add(m.start(), m.start() + 1, "field")
    for m in _NEXT_COLON.finditer(folded):
        if m.group("m") == "计划" and not _is_clause_start(folded, m.start()):
            continue  # 年度计划：... is not a plan of next steps
        add(m.start(), m.end(), "next")
    for m in _NEXT_BARE.finditer(folded):
        if m.group("e") and not _is_clause_start(folded, m.start()):
            continue
        add(m.start(), m.end(), "next")
    for regex, need_clause_start in (
        (_PROBLEM_COLON, False),
        (_PROBLEM_BARE, False),
        (_PROBLEM_CLAUSE, True),
    ):
        for m in regex.finditer(folded):
            start = m.start("m")
            if _NONE_BEFORE.search(folded, max(0, start - 12), start):
                add(start, m.end(), "none")
                continue
            if (
                need_clause_start
                and not _is_clause_start(folded, start)
                and not (start > 0 and folded[start - 1] in " \t")  # "98% 问题 环评未批"
            ):
                continue
            if _RESOLVED_AFTER.match(folded, m.end("m")):
                continue
            add(start, m.end(), "problem")
    for m in _OTHER_HEADING.finditer(folded):
        start = m.start("m") if m.group("m") else m.start("h")
        add(start, m.end(), "field")
    found.sort()
    return found


def _problems_end(folded: str, start: int, end: int) -> int:
    """Where a problems list ends: before its first item that is a plan or a fact again."""
    first = True
    for a, b in _pieces(folded, start, end):
        item = folded[a:b]
        lead = _LEADING_NUMBERING.match(item)
        item = item[lead.end() :] if lead else item
        item = item.strip()
        if not item or _ITEM_SEP.fullmatch(item):
            continue
        if not first and _NOT_A_PROBLEM.match(item):
            return a
        first = False
    return end


def find_sections(folded: str) -> Sections:
    sections = Sections()
    markers = find_markers(folded)
    for i, (_start, content, kind) in enumerate(markers):
        if kind not in ("problem", "next"):
            if kind == "none":
                sections.said_none = True
            continue
        end = markers[i + 1][0] if i + 1 < len(markers) else len(folded)
        if kind == "problem":
            none = NONE_ITEM.match(folded, content, end)
            if none:  # "问题：无，进度50%": what follows "无" is status again
                sections.said_none = True
                continue
            sections.problems.append((content, _problems_end(folded, content, end)))
        else:
            sections.next_steps.append((content, end))
    return sections


# ---------------------------------------------------------------- progress

_OVERALL, _STRONG, _AFTER, _MEDIUM, _PLAIN = 5, 4, 3, 2, 1

# the whole project's figure beats a work package's ("机电安装进度50%，整体进度45%")
_POS_OVERALL_WORDS = (
    "形象进度 总体进度 整体进度 项目进度 总进度 综合进度 整体形象进度 项目整体进度 "
    "overall overall_progress total_progress project_progress"
)
_POS_OVERALL = _alt(_POS_OVERALL_WORDS)
_POS_STRONG_WORDS = "进度 進度 工程进度 实际进度 完成率 完工率 进度率 progress completion"
_POS_STRONG = _alt(_POS_STRONG_WORDS)
_POS_MEDIUM_WORDS = (
    "完成 已完成 完成了 达到 达 到 至 为 是 提升至 提高到 提升到 提高至 增至 升至 增加到 增加至 "
    "本周 目前 现 当前 现在 实际 已达 约 左右 "
    "at now reached reach reaches currently stands is are complete completed done finished "
    "about around approx approximately nearly almost to -> → =>"
)
_POS_MEDIUM = _alt(_POS_MEDIUM_WORDS)
_RESET_WORDS = (
    "本周 目前 现 当前 现在 实际 提升至 提高到 提升到 提高至 增至 升至 增加到 增加至 到 至 为 "
    "now currently to -> → =>"
)
_RESET = _alt(_RESET_WORDS)
_NEG_NEAR_WORDS = (
    "同比 环比 增长 增加 下降 减少 提高 降低 上涨 上升 增幅 降幅 涨幅 涨 降 占比 占 比例 比重 率 "
    "预算 超支 超预算 节约 税 利率 股 股权 持股 首付 定金 付款 支付 拨付 到位 资金 补贴 奖励 "
    "优惠 返还 减免 投资 产值 营收 收入 利润 毛利 回款 出租 入驻 入住 贷款 融资 合同额 工程款 "
    "费用 成本 价格 涨价 降价 折扣 仅占 差 滞后 落后 超前 "
    "increase increased increases decrease decreased up down rose rise rises fell fall falls "
    "grew growth grow by budget budgeted funding funds funded paid payment payments pay subsidy "
    "subsidies rate tax taxes interest share stake discount margin occupancy utilization "
    "utilisation yoy year-on-year cost costs price prices overrun revenue output investment "
    "behind ahead lagging"
)
_NEG_NEAR = _alt(_NEG_NEAR_WORDS)
_NEG_CLAUSE_WORDS = (
    "上周 上期 上月 上次 去年 上年 同期 计划 计划进度 目标 目标进度 预计 预期 争取 力争 确保 "
    "应完成 应达到 由 从 原计划 原定 年度 年初 "
    "last_week last_month previous previously planned plan target targeted expected expect "
    "forecast will should aim goal from was scheduled"
)
_NEG_CLAUSE = _alt(_NEG_CLAUSE_WORDS)
_NEUTRAL_WORDS = "由于 理由 自由 从而 从事 原因 原材料"  # 由 and 从 that are not "from"
_CUE_WORDS = (_NEUTRAL_WORDS, _POS_OVERALL_WORDS, _POS_STRONG_WORDS, _NEG_CLAUSE_WORDS, _RESET_WORDS,
              _POS_MEDIUM_WORDS, _NEG_NEAR_WORDS)
_CUE_ALTERNATION = (
    rf"(?P<neutral>{_alt(_NEUTRAL_WORDS)})|"
    rf"(?P<overall>{_POS_OVERALL})|(?P<strong>{_POS_STRONG})|(?P<nclause>{_NEG_CLAUSE})|(?P<reset>{_RESET})|"
    rf"(?P<medium>{_POS_MEDIUM})|(?P<nnear>{_NEG_NEAR})"
)
_CUE = re.compile(_first_char_gate(*_CUE_WORDS) + f"(?:{_CUE_ALTERNATION})")
_AFTER_POS = re.compile(
    r"\s*(?:of\s+(?:the\s+)?(?:works?|construction|project|civil\s+works|total\s+works)"
    r"|complete|completed|done|finished|through|的工程量|工程量)(?![a-z])"
)
_AFTER_NEG = re.compile(
    r"(?:的?增长|的?增幅|的?资金|的?预算|的?投资|的?股|股权|的?款|的?补贴|的?税|首付|定金|年度|任务|"
    r"以上的|的企业|的用地|的面积|的人|利润|收益|毛利|回报|涨幅|降幅)"
    r"|\s*(?:of\s+(?:the\s+)?(?:\w+\s+)?(?:budget|funds?|funding|investment|total|annual|plan|"
    r"target|payment|contract|capex|cost|price)|increase|growth|higher|lower|more|less|up|down|"
    r"yoy|year-on-year|rise|drop|over|above|below|cost|overrun|discount|rebate|tax|stake|share)"
    r"(?![a-z])"
)

_AFTER_NEG_NEAR = re.compile(r"(?:完成|达到|超过|超额完成)?(?:年度|全年|任务|计划|预算|目标)")
# "12% -> 15%", "由50%提升至56%": the first figure is where it came from
_SUPERSEDED = re.compile(
    r"\s*(?:->|→|=>|>|~|(?<![a-z])to(?![a-z])|到|至|提升到|提高到|提升至|提高至|增至|升至|变为|变成|调整为|"
    r"上升到|上升至|增加到|增加至)\s*(?:约|about)?\s*\d"
)
_PCT = re.compile(
    r"(?<![\d.])(?<!\d,)(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?:%|(?<![a-z])(?:percent|per\s?cent|pct)(?![a-z]))"
)
_CN_PCT = re.compile(
    rf"百分之(?P<num>[{''.join('零〇一二两三四五六七八九十百点')}]+|\d+(?:\.\d+)?)"
)
_BARE = re.compile(
    r"(?:进度|進度|形象进度|progress|completion)\s*(?:is|at|of|stands\s+at|reached|now|currently|"
    r"为|是|达|达到|到|约|已达|已达到|已到|大约|大概|基本|:|=)?\s*(?:约|大约|大概|approx\.?|about|~)?\s*"
    r"(?P<num>-?\s?\d{1,3}(?:\.\d+)?)"
    r"(?![\d.%]|\s*(?:%|percent|per\s?cent|pct|个|天|日|月|年|号|周|万|亿|元|户|台|米|人|家|套|栋|"
    r"层|项|吨|公里|km|m\b|days?|weeks?|months?|years?|/|-\s?\d|:\d|点\d|分|倍))"
)
_CHENG = re.compile(
    r"(?:进度|進度|完成|完成了)\s*(?:了|约|近|达|达到|已达|大约|大概|超过|基本)?\s*"
    r"(?P<num>[一二三四五六七八九]|\d)成(?![本员果功交立])"
)


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    value: float
    score: int


_LETTER = re.compile(r"[^\W\d_]")
@lru_cache(maxsize=8)
def _letters_outside(folded: str, mentions: tuple[tuple[int, int], ...]) -> list[int]:
    """Where letters are in `folded`, the project mentions left out (asked once per figure)."""
    blanked = _blanked(folded, mentions)
    return [m.start() for m in _LETTER.finditer(blanked)]


def _bare_subject(folded: str, lo: int, start: int, mentions: list[tuple[int, int]]) -> bool:
    """Nothing but the project's name (and punctuation) between the clause start and `start`."""
    # one scan of the text, not one per figure (quadratic on a 4,000-character clause)
    letters = _letters_outside(folded, tuple(mentions))
    i = bisect_left(letters, lo)
    return not (i < len(letters) and letters[i] < start)


# a rate of something else: "投资完成率44%", "开工率73%", "automation rate reached 85%"
_OTHER_RATE = re.compile(
    r"(?:投资完成|开工|竣工|投产|到位|自动化|合格|利用|转化|出租|入驻|入住|就业|增长|达产|履约|开、复工|复工)率|"
    r"(?<![a-z])(?:automation|occupancy|utili[sz]ation|employment|growth|defect|vacancy|interest|"
    r"tax|pass|absorption|investment|spend(?:ing)?)\s+rate(?![a-z])"
)
# what may stand between a clause's start and the project's own figure ("本周进度", "is at")
_ZH_FILLER = re.compile(
    r"(?:形象进度|整体进度|总体进度|工程进度|实际进度|项目进度|总进度|进度|完成率|已经完成|已完成|完成了|"
    r"完成|已达到|达到|已达|达|约|为|是|至|到|了|已经|已|目前|当前|现在|现|本周|本月|本期|本旬|累计|"
    r"总工程量|工程量|总体|整体|工程|建设|施工|进展|项目|基本|全部|左右|大约|大概|近|超过|截至|截止|的|共|"
    r"提升|提高|增至|升至|增加|由|从|月底|月|日|号|周|年|今年)$"
)
_EN_FILLER_WORDS = (
    "is are was at now about around approx approximately currently overall the project construction "
    "work works progress complete completed done it we re our are has have been reached reaches "
    "of and nearly almost just over to date so far still total site stands sits up roughly "
    "already this week month today status update percent from went slipped stuck vs avance "
    "weekly quick both"
)
_EN_FILLER = frozenset(_EN_FILLER_WORDS.split())


def _part_before(folded: str, start: int, mentions: list[tuple[int, int]]) -> str | None:
    """The work package a figure is about, when the words right before it name one
    ("厂房建设已完成90%", "structural steel erection 72% complete"), else None."""
    lo = clause_start(folded, start)
    before = _blank(folded, max(lo, start - 30), start, mentions)
    run = re.split(r"[\W\d_]+", before.rstrip())[-1] if before.strip() else ""
    if run and any(is_han(c) for c in run):
        while run:
            stripped = _ZH_FILLER.sub("", run)
            if stripped == run:
                break
            run = stripped
        return run if sum(is_han(c) for c in run) >= 2 else None
    words = re.findall(r"[a-z0-9]+", before.rsplit(":", 1)[-1])[-4:]
    named = [i for i, w in enumerate(words) if w not in _EN_FILLER and len(w) >= 2 and w.isalpha()]
    if not named or words[-1] in ("complete", "completed", "done", "of"):
        return None
    last = max(i for i, w in enumerate(words) if w not in _EN_FILLER)
    return " ".join(words[named[0] : last + 1])


def _score(folded: str, start: int, end: int, floor: int, mentions: list[tuple[int, int]]) -> int:
    """How surely the number at start..end is the project's progress (0: it is not)."""
    lo = max(clause_start(folded, start, floor), start - 24)
    if _OTHER_RATE.search(folded, lo, start) or in_future(folded, start):
        return 0
    tokens = list(_CUE.finditer(folded, lo, start))
    after = folded[end : clause_end(folded, end)][:28]
    if _AFTER_NEG.match(after) or _AFTER_NEG_NEAR.match(after) or _SUPERSEDED.match(folded, end):
        return 0
    if tokens and tokens[-1].lastgroup == "nnear":
        return 0
    last_reset = max((i for i, t in enumerate(tokens) if t.lastgroup == "reset"), default=-1)
    if any(t.lastgroup == "nclause" for t in tokens[last_reset + 1 :]):
        return 0
    score = _PLAIN
    for t in tokens:
        if t.lastgroup == "overall":
            score = max(score, _OVERALL)
        elif t.lastgroup == "strong":
            score = max(score, _STRONG)
        elif t.lastgroup in ("medium", "reset"):
            score = max(score, _MEDIUM)
    bare = _bare_subject(folded, clause_start(folded, start, floor), start, mentions)
    if _AFTER_POS.match(after):
        # "65% complete" is the project's; "foundation work 60% complete" is one work package's
        score = max(score, _AFTER if bare else _MEDIUM)
    elif bare and mentions and any(b <= start for _a, b in mentions):
        score = max(score, _MEDIUM)  # "QB-005 98%": the figure right after the project's name
    return score


def _signed(folded: str, start: int, value: float) -> float:
    """-5% is negative; 40-45% is a range and QB-45% a code, not a minus."""
    i = start - 1
    while i >= 0 and folded[i] == " ":
        i -= 1
    if i >= 0 and folded[i] == "-":
        j = i - 1
        while j >= 0 and folded[j] == " ":
            j -= 1
        if j < 0 or not (folded[j].isascii() and folded[j].isalnum()):
            return -value or 0.0  # "-0%" is nought, not a negative zero
    return value


def find_progress(
    folded: str,
    sections: Sections,
    skip: list[tuple[int, int]],
    parts: list[tuple[str, float]] | None = None,
    first_phase: bool = False,
) -> tuple[float | None, str | None]:
    """The project's progress (or "out_of_range"); figures of its work packages alone are not
    it, and are added to `parts` as (what, figure) when given."""
    candidates: list[_Candidate] = []

    skipped = {i for a, b in skip for i in range(a, b)}  # not one look per span and figure

    def usable(pos: int) -> bool:
        return sections.in_status(pos) and pos not in skipped

    spans: list[tuple[int, int, float]] = []
    found_parts: list[tuple[str, float, _Candidate | None]] = []
    for m in _PCT.finditer(folded):
        value = parse_number(m.group("num"))
        if value is not None:
            spans.append((m.start(), m.end(), _signed(folded, m.start(), value)))
    for m in _CN_PCT.finditer(folded):
        value = (
            cn_number(m.group("num")) if not m.group("num")[0].isdigit() else float(m.group("num"))
        )
        if value is not None:
            spans.append((m.start(), m.end(), value))
    for m in _BARE.finditer(folded):
        value = parse_number(m.group("num").replace(" ", "").lstrip("-"))
        if value is not None:
            if m.group("num").startswith("-"):
                value = -value or 0.0
            spans.append((m.start("num"), m.end(), value))
    for m in _CHENG.finditer(folded):
        digit = m.group("num")
        value = (float(digit) if digit.isdigit() else cn_number(digit) or 0.0) * 10
        spans.append((m.start("num"), m.end(), value))
    spans.sort()
    previous_end = 0
    for start, end, value in spans:
        # spans come sorted and candidates never overlap, so only the last one can overlap
        # this span (checking them all was quadratic on "1%1%1%…")
        if usable(start) and not (candidates and start < candidates[-1].end):
            score = _score(folded, start, end, previous_end, skip)
            part = _part_before(folded, start, skip) if 0 < score < _OVERALL else None
            if part and first_phase and _FIRST_PHASE.fullmatch(part):
                part = None  # "滨江产业园 一期进度70%" where 滨江产业园 is the first phase
            if part:
                # another phase's figure, or one the text calls a part, is never the project's
                never = _OTHER_PHASE.search(part) or _FIRST_PHASE.search(part) or "部分" in part
                alone = None if never else _Candidate(start, end, value, score)
                found_parts.append((part, tidy(value), alone))
            elif score:
                candidates.append(_Candidate(start, end, value, score))
        previous_end = max(previous_end, end)
    if parts is not None:
        parts.extend((part, value) for part, value, _c in found_parts)
    alone = found_parts[0][2] if len(found_parts) == 1 else None
    if not candidates and alone:
        candidates = [alone]  # "piling 30% done": one part's figure is all there is
    if not candidates:
        return None, None  # several parts and nothing of the whole: not one of them
    best = max(candidates, key=lambda c: (c.score, -c.start))
    if not 0 <= best.value <= 100:
        return None, "out_of_range"
    return tidy(best.value), None


# ---------------------------------------------------------------- stage

STAGES = ("negotiating", "signed", "started", "completed")
_STAGE_RE = re.compile(
    r"(?P<negotiating>在谈|洽谈中|正在洽谈|仍在洽谈|还在谈|还在洽谈|继续洽谈|持续洽谈|洽谈阶段|在谈阶段|"
    r"谈判中|谈判阶段|仍在谈判|正在谈判|谈判|磋商中|洽谈|商谈中"
    r"|(?<![a-z])(?:negotiating|negotiations?|under\s+negotiation|in\s+talks|talks\s+(?:are\s+)?"
    r"(?:ongoing|continue|continuing|under\s+way)|still\s+talking|in\s+discussions?)(?![a-z]))"
    r"|(?P<signed>已签约|正式签约|签约|已签订|签订|签署|已签了|签了|(?:合同|协议)(?:已经|已)签(?![订署证字发])"
    r"|(?<![a-z])(?:contract\s+signed|agreement\s+signed|signed|inked)(?![a-z]))"
    r"|(?P<started>已开工|开工建设|正式开工|开工|动工|在建|施工中|正在施工|进场施工|开始施工|全面施工|"
    r"复工|开建|施工阶段|建设中|正在建设"
    r"|(?<![a-z])(?:under\s+construction|construction\s+(?:has\s+|have\s+|is\s+)?(?:started|begun|"
    r"began|commenced|underway|under\s+way|in\s+progress|ongoing)|(?:started|began|commenced)\s+"
    r"construction|broke\s+ground|breaking\s+ground|groundbreaking|ground\s+broken|works?\s+"
    r"(?:has\s+|have\s+)?(?:started|commenced|begun))(?![a-z]))"
    r"|(?P<completed>竣工|投产|投入使用|投入运营|投入运行|交付使用|正式运营|建成投产|建成投用|建成运营|"
    r"全面建成|全部建成|全面完工|整体完工|项目完工|项目建成|通车|运营中|投运"
    r"|(?<![a-z])(?:in\s+operation|into\s+operation|operational|in\s+service|into\s+service|"
    r"handed\s+over(?!\s+to\s+(?:the\s+)?(?:main\s+)?(?:contractor|builder|construction|epc|site))|"
    r"up\s+and\s+running|went\s+live|now\s+operating|completed\s+construction|"
    r"(?:reached|achieved|attained)\s+substantial\s+completion|substantially\s+completed?|"
    r"put\s+into\s+(?:use|operation|service)|opened\s+to\s+(?:the\s+public|traffic)|"
    r"(?:project|construction)\s+(?:is\s+|has\s+been\s+|was\s+)?(?:now\s+)?(?:fully\s+)?"
    r"(?:completed|complete|finished|done)|fully\s+completed)(?![a-z]))"
    r"|(?P<weak_started>(?<![a-z])(?:started|commenced)(?![a-z]))"
    r"|(?P<begun>(?<![a-z])(?:has|have)\s+(?:now\s+)?(?:begun|commenced|started)(?![a-z]))"
    r"|(?P<weak_completed>建成|完工|已完成|已完工|(?<![a-z])(?:completed|complete|finished|done)(?![a-z]))"
)
# a cheap first-character test ahead of the long alternation: 5x faster on long texts
_STAGE_RE_PLAIN = _STAGE_RE
_STAGE_RE = re.compile(
    "(?=["
    + "".join(
        sorted(set(re.findall(r"(?:\(\?P<\w+>|\||\(\?:)([\u4e00-\u9fff])", _STAGE_RE.pattern)))
    )
    + "]|(?<![a-z])[a-z])(?:"
    + _STAGE_RE.pattern
    + ")"
)
_STAGE_NEG_BEFORE = re.compile(
    r"未|没|不|待|拟|计划|预计|将|即将|准备|争取|力争|确保|要|需|等待|推进|推动|加快|尽快|督促|促|"
    r"能否|是否|何时|延期|推迟|延迟|暂缓|目标|申请|申报|办理|迎接|具备|筹备|启动|部分|承诺|"
    r"下月|下周|明年|尽早|有望|可望|(?:底|末|日|号|月|年|周|内|节)前|"
    r"(?<![a-z])(?:not|n't|no|never|yet\s+to|pending|awaiting|await|before|until|will|to\s+be|"
    r"expected|expect|plan|planned|planning|plans|scheduled|aim|target|hope|should|could|would|"
    r"may|might|delayed|postponed|once|after|when|if|prior|prepare|preparing|waiting|wait|"
    r"ahead|toward|towards|for|soon|nearly|almost|partly|partially|partial)(?![a-z])|n't"
)
_STAGE_NEG_AFTER = re.compile(
    r"\s*(?:手续|许可|审批|条件|前|报告|证|时间|日期|节点|方案|准备|事宜|资料|材料|定于|将于|拟于|"
    r"仪式定|仪式将|计划|率|预计|验收前|目标|推迟|延期|延迟|暂停|取消|受阻|搁置|未果|失败|"
    r"(?:was\s+|has\s+been\s+|is\s+)?(?:postponed|delayed|cancell?ed|suspended|on\s+hold)|"
    r"(?:permits?|approvals?|licen[cs]es?|date|schedule|plan|soon|later|next|off|by\s+next|"
    r"yet)(?![a-z])|"
    r"\d+\s*(?:个|项|栋|座|台|家|条|处|幢)|"  # 已开工3个: a count of other things
    r"[^,;。\n]{0,3}?(?:[二三四]期|(?<![a-z])phase\s*(?:ii|iii|iv|2|3|4|two|three)(?![a-z0-9]))|"
    r"on\s+(?:all\s+|the\s+)?[a-z]+)"
)
# a work package before the stage word is what reached it, not the project
_PART_SUBJECT = re.compile(
    r"\d+\s*(?:号|栋|#|幢)|[a-z]\d*\s*(?:区|栋|座|号|幢)|厂房|车间|楼|宿舍|食堂|线路|管网|桩基|基础|"
    r"地下室|主体|标段|单体|机房|泵房|仓库|生产线|首条|部分|"
    r"(?<![a-z])(?:phase\s*(?:\d|i+)|block|building\s+[a-z0-9]|tower|berths?|units?|earthworks|"
    r"foundations?|steel|roof(?:ing)?|wing|section|lot|line|warehouse)(?![a-z])"
)
_SIGN_OBJECT_SKIP = re.compile(
    r"\s*(?:了)?\s*(?:施工|监理|采购|设备|供货|租赁|劳务|分包|设计|勘察)"
)
_SIDE_DEAL = re.compile(
    r"(?:供应商|承包商|施工方|施工单位|租户|商户|采购|价格|设备|拆迁户|村民|业主|"
    r"(?<![a-z])(?:tenants?|suppliers?|vendors?|price|pricing|procurement|contractors?|lease|"
    r"tariff|purchase|compensation|sub-?contract(?:ors?)?|epc|wage|union)(?![a-z]))"
    r"[^,;。\n]{0,6}$"
)
_OTHER_PHASE = re.compile(
    r"[二三四]期|(?<![a-z])phase\s*(?:ii|iii|iv|2|3|4|two|three|four)(?![a-z0-9])"
)
_FIRST_PHASE = re.compile(r"一期|(?<![a-z])phase\s*(?:1|i|one)(?![a-z0-9])")
_PHASE_HINT = re.compile(r"[二三四]期|phase")  # where an _OTHER_PHASE match can begin


def _blank(folded: str, lo: int, hi: int, mentions: list[tuple[int, int]]) -> str:
    """folded[lo:hi] with the project mentions in it blanked out."""
    return _blanked(folded, tuple(mentions))[lo:hi]


@lru_cache(maxsize=8)
def _blanked(folded: str, mentions: tuple[tuple[int, int], ...]) -> str:
    """`folded` with the project mentions blanked out (once per text, not once per figure)."""
    text = list(folded)
    for a, b in mentions:
        text[a:b] = " " * (b - a)
    return "".join(text)


def _part_subject_between(folded: str, lo: int, hi: int, mentions: list[tuple[int, int]]) -> bool:
    """Whether a part of the project ("2号楼", "phase 1 berths") is named in folded[lo:hi]."""
    starts, ends = _bounds(_blanked(folded, tuple(mentions)), _PART_SUBJECT)
    i = bisect_left(starts, lo)
    return i < len(starts) and ends[i] <= hi


_PART_FIGURE_BEFORE = re.compile(r"(?<![\d.])(?!100)\d{1,2}(?:\.\d+)?\s*%\s*(?:of\s+(?:the\s+)?)?$")
_WEAK_TAIL_OK = re.compile(r"\s*(?:了|啦|and\s+(?:in\s+operation|handed\s+over))")
_WEAK_PREFIX = re.compile(
    r"^(?:\s|已|已经|均|均已|全部|基本|项目|正式|顺利|终于|于|本周|今日|今天|\d+|月|日|号|"
    r"is|has|have|been|was|were|now|fully|finally|officially|the|project|works|construction|"
    r"all|today|this|week|just|successfully)*$"
)


def find_stage(folded: str, sections: Sections, mentions: list[tuple[int, int]]) -> str | None:
    best = -1
    phase_hits: list[int] | None = None
    for m in _STAGE_RE.finditer(folded):
        start, end = m.start(), m.end()
        kind = m.lastgroup or ""
        if not sections.in_status(start) or any(a < end and start < b for a, b in mentions):
            continue
        floor = clause_start(folded, start)
        before = folded[max(floor, start - 10) : start]
        if _STAGE_NEG_BEFORE.search(before):
            continue
        if _STAGE_NEG_AFTER.match(folded, end):
            continue
        if in_future(folded, start):
            continue
        # a figure is a few characters: looking further back made a long clause quadratic
        if "completed" in kind and _PART_FIGURE_BEFORE.search(folded, max(floor, start - 64),
                                                              start):
            continue  # "90% of construction complete" is progress
        if "completed" in kind and _part_subject_between(folded, floor, start, mentions):
            continue  # "2号楼已全部竣工", "phase 1 berths have been completed": a part's end
        if kind == "begun":
            if not re.search(r"construction|works?|building|excavation", folded[floor:start]):
                continue  # "talks have begun" is not construction
            kind = "started"
        if phase_hits is None:  # where another phase could be named: one scan per text
            phase_hits = [hint.start() for hint in _PHASE_HINT.finditer(folded)]
        i = bisect_left(phase_hits, floor)
        if (
            i < len(phase_hits)
            and phase_hits[i] < start
            and _OTHER_PHASE.search(_blank(folded, floor, start, mentions))
        ):
            continue  # "滨江产业园 一期进度70%，二期在谈": the stage of another phase
        if kind == "negotiating" and _SIDE_DEAL.search(folded, max(floor, start - 16), start):
            continue  # "tenant negotiations", "与供应商洽谈": a side deal, not the project's
        if kind.startswith("weak_"):
            prefix = folded[floor:start]
            for a, b in sorted(mentions, reverse=True):
                if floor <= a and b <= start:
                    prefix = prefix[: a - floor] + " " * (b - a) + prefix[b - floor :]
            if re.search(r"\d", prefix):
                continue  # "65% complete" is progress, not a stage
            prefix = re.sub(r"[^\w\s]", " ", prefix)
            if not _WEAK_PREFIX.match(prefix):
                continue
            tail = folded[end : clause_end(folded, end)]
            if re.search(r"\w", tail) and not _WEAK_TAIL_OK.match(tail):
                continue
            kind = kind[len("weak_") :]
        if (
            kind == "signed"
            and m.group().startswith(("签订", "签署", "已签订"))
            and _SIGN_OBJECT_SKIP.match(folded, end)
        ):
            continue
        best = max(best, STAGES.index(kind))
    return STAGES[best] if best >= 0 else None


# ---------------------------------------------------------------- investment

_INV_TOKENS = re.compile(
    r"(?P<neg>年度计划完成投资|计划完成投资|计划新增投资|新增投资计划|计划新增|拟完成投资|预计完成投资|"
    r"总投资|计划投资|年度计划投资|年度计划|年度投资计划|投资计划|拟投资|预计投资|协议投资|"
    r"签约投资|意向投资|估算|概算|需投资|需要投资|计划总投资|项目总投资|产值|营收|收入|税收|税|利润|"
    r"缺口|资金缺口|贷款|融资|补贴|到位资金|合同额|合同金额|工程款|总额|授信|奖励|注册资本|总资产|"
    r"(?<![a-z])(?:total\s+investment|planned\s+investment|investment\s+plan|budget|budgeted|"
    r"total\s+budget|contract\s+value|loan|loans|subsidy|revenue|output|registered\s+capital|"
    r"annual\s+plan|plans?\s+to\s+invest|will\s+invest|to\s+be\s+invested|shortfall|gap)(?![a-z]))"
    r"|(?P<annual>年度|本年度|今年|本年|年内|(?<![a-z])(?:this\s+year|annual|ytd|year-to-date)(?![a-z]))"
    r"|(?P<cum>开累|自开工以来|累计|累积|截至目前|截止目前|截至|截止|至今|已累计|总计|合计|共计|"
    r"(?<![a-z])(?:so\s+far|to\s+date|cumulative(?:ly)?|in\s+total|total\s+invested|overall)(?![a-z]))"
    r"|(?P<period>本周|本月|上周|当月|当周|本季度|本旬|这周|这个月|"
    r"(?<![a-z])(?:this\s+week|this\s+month|last\s+week|weekly|monthly|this\s+quarter)(?![a-z]))"
    r"|(?P<cue>投资完成额|投资完成|完成投资额|完成投资|完成固定资产投资|固定资产投资|已投资|投资|"
    r"已投入|投入资金|投入|已完成|完成|"
    r"(?<![a-z])(?:invested|investment\s+completed|completed\s+investment|investment|spent|"
    r"capex|put\s+in)(?![a-z]))"
)
_FOREIGN_MONEY = re.compile(r"\$|usd|us\$|dollars?|eur|€|hkd|hk\$|£")


@dataclass(frozen=True)
class _Amount:
    start: int
    end: int
    wan: float


# Every amount either pattern below keeps has one of these (a unit of money, 万 or 亿, or a
# magnitude word): a text with none of them, as most status messages are, has no amount.
_MONEY_HINT = re.compile(r"[万亿元块¥￥]|rmb|cny|yuan|wan|bn|billion|mln|mn|million|thousand|10k")


def _amounts(folded: str) -> list[_Amount]:
    out: list[_Amount] = []
    if not _MONEY_HINT.search(folded):
        return out
    for m in ZH_AMOUNT.finditer(folded):
        text = m.group("amount")
        if not text.strip() or not re.search(r"[\d" + "一二两三四五六七八九十百千" + "]", text):
            continue
        wan = zh_amount_to_wan(text, bool(m.group("yuan")))
        if wan is not None and (m.group("yuan") or re.search(r"[万亿]", text)):
            out.append(_Amount(m.start(), m.end(), wan))
    for m in EN_AMOUNT.finditer(folded):
        if not (m.group("pre") or m.group("post") or m.group("mag")):
            continue
        if m.group("mag") in ("m", "b", "k") and not (m.group("pre") or m.group("post")):
            continue  # 5m is five metres
        if m.group("post") == "元":
            continue  # the Chinese pattern has it
        around = folded[max(0, m.start() - 5) : m.end() + 9]
        if _FOREIGN_MONEY.search(around):
            continue
        if any(a.start < m.end() and m.start() < a.end for a in out):
            continue
        out.append(_Amount(m.start(), m.end(), en_amount_to_wan(m.group("num"), m.group("mag"))))
    out.sort(key=lambda a: a.start)
    return out


_CUE_GAP = re.compile(r"[\s:]*(?:约|近|达|达到|为|共|了|已达|超|超过|合计|共计|总计|累计)?[\s:]*$")
_EN_CUE_GAP = re.compile(
    r"[\s:]*(?:(?:so\s+far|to\s+date|in\s+total|total|about|around|approx\.?|approximately|"
    r"of|was|is|has\s+been|have\s+been|reached|now|at|cumulatively|this\s+year)[\s:,]*)*$"
)


def _cue_reaches(folded: str, cue: re.Match[str], amount_start: int) -> bool:
    """The investment cue belongs to the amount: nothing but filler words between them."""
    gap = folded[cue.end() : amount_start]
    word = cue.group()
    if word in ("完成", "已完成"):
        return len(gap) <= 3 and bool(_CUE_GAP.match(gap))
    if word[0].isascii():
        return len(gap) <= 24 and bool(_EN_CUE_GAP.match(gap))
    return len(gap) <= 8 and bool(_CUE_GAP.match(gap))


class Invested(NamedTuple):
    """An investment figure as reported: 万元, and whether it counts since the project began
    ("cumulative": 累计, 开累, so far, and a bare 完成投资 — in these meetings that is the total
    so far) or since 1 January ("year": 本年, 今年, 年内, 年度, this year, ytd)."""

    wan: float
    kind: str  # "cumulative" | "year"


def find_invested(folded: str, sections: Sections) -> Invested | None:
    """Investment completed, in 万元, with its kind: a cumulative amount wins over a plain one,
    and both over this year's; an amount for this week or month alone is neither."""
    best: tuple[int, int, float, str] | None = None  # (rank, position, value, kind)
    previous_end = 0
    for amount in _amounts(folded):
        if not sections.in_status(amount.start):
            previous_end = amount.end
            continue
        floor = max(clause_start(folded, amount.start), previous_end, amount.start - 30)
        previous_end = amount.end
        tokens = list(_INV_TOKENS.finditer(folded, floor, amount.start))
        # a bracket after the amount holds a sub-amount: "1.2亿元（其中本周完成1500万元）"
        after_end = min(clause_end(folded, amount.end), amount.end + 24)
        bracket = folded.find("(", amount.end, after_end)
        after = list(
            _INV_TOKENS.finditer(folded, amount.end, after_end if bracket < 0 else bracket)
        )
        decisive = [t for t in tokens if t.lastgroup in ("cue", "neg", "cum")]
        if not decisive:
            # "30 million yuan invested", "3000万元投资已完成"
            later = [t for t in after if t.lastgroup in ("cue", "neg")]
            if not later or later[0].lastgroup == "neg" or later[0].start() - amount.end > 6:
                continue
        elif decisive[-1].lastgroup == "neg" or not _cue_reaches(
            folded, decisive[-1], amount.start
        ):
            continue
        kinds = {t.lastgroup for t in tokens} | {t.lastgroup for t in after}
        if "cum" in kinds and not kinds & {"annual", "period"}:
            rank = 3  # "开累完成投资" beats "年度累计完成投资"
        elif "cum" in kinds:
            rank = 2
        elif "period" in kinds:
            continue
        else:
            rank = 1
        kind = "year" if "annual" in kinds else "cumulative"  # "年度累计" is this year's
        if best is None or (rank, amount.start) > best[:2]:
            best = (rank, amount.start, amount.wan, kind)
    return Invested(tidy(best[2]), best[3]) if best else None


# ---------------------------------------------------------------- problems and next steps

_ITEM_SEP = re.compile(r"\n|;|。|!(?=\s|$)|\?(?=\s|$)|(?<![\d.])\.(?=\s|$)")
_NUMBERING = re.compile(
    r"(?:(?<=\s)|(?<=^)|(?<=[,:;、]))"
    r"(?:\(?\d{1,2}[)）.、](?!\d)|\(?[一二三四五六七八九十]{1,2}[)、]|\([一二三四五六七八九十]{1,2}\)|"
    r"[①-⑳]|[⑴-⒇]|[❶-❿])"
)
_LEADING_NUMBERING = re.compile(
    r"^\s*(?:\(?\d{1,2}[)）.、](?!\d)|\(?[一二三四五六七八九十]{1,2}[)、]|\([一二三四五六七八九十]{1,2}\)|"
    r"[①-⑳]|[⑴-⒇]|[❶-❿]|[-*•·]\s)\s*"
)


def _pieces(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = {start, end}
    for m in _ITEM_SEP.finditer(folded, start, end):
        cuts.add(m.start())
        cuts.add(m.end())
    for m in _NUMBERING.finditer(folded, start, end):
        cuts.add(m.start())
    points = sorted(cuts)
    return [(a, b) for a, b in zip(points, points[1:], strict=False) if b > a]


def _clean_item(original: str, folded: str) -> str:
    while True:
        m = _LEADING_NUMBERING.match(folded)
        if not m or not m.end():
            break
        original, folded = original[m.end() :], folded[m.end() :]
    return trim(original)


def find_problems(text: str, folded: str, sections: Sections) -> list[str]:
    items: list[str] = []
    for start, end in sections.problems:
        for a, b in _pieces(folded, start, end):
            item = _clean_item(text[a:b], folded[a:b])
            if not item:
                continue
            fitem = item.lower()
            if NONE_ITEM.fullmatch(fitem + " ") or NONE_ITEM.match(fitem) and len(fitem) <= 4:
                continue
            if _SIGN_OFF.match(trim(fitem)):
                continue
            if item not in items:
                items.append(item)
    return items


def find_next_steps(text: str, folded: str, sections: Sections) -> str | None:
    parts: list[str] = []
    for start, end in sections.next_steps:
        lines = [_clean_item(text[a:b], folded[a:b]) for a, b in _line_spans(folded, start, end)]
        while lines and (not lines[-1] or _SIGN_OFF.match(lines[-1].lower())):
            lines.pop()
        part = trim("\n".join(line for line in lines if line))
        if part:
            parts.append(part)
    return "; ".join(parts) or None


def _line_spans(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, a = [], start
    for m in re.finditer(r"\n", folded[start:end]):
        spans.append((a, start + m.start()))
        a = start + m.end()
    spans.append((a, end))
    return spans
