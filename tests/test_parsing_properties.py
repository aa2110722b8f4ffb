"""Properties of the status parser that hold for any text (hypothesis)."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsing import ProjectRef, parse_message

LEDGER = (
    ProjectRef("QB-001", "科创城卫星互联网产业园一期", "科创城管委会", ("卫星产业园",)),
    ProjectRef("QB-002", "信创产业基地标准厂房", "科创城管委会", ("信创基地",)),
    ProjectRef("QB-003", "新能源汽车零部件智能制造项目", "区投资促进服务中心"),
    ProjectRef(
        "ZQ-101",
        "High-tech Zone Energy Storage Plant",
        "High-tech Zone Committee",
        ("storage plant",),
    ),
    ProjectRef("P001", "Riverside Industrial Park", "Riverside District Office"),
    ProjectRef("P002", "Riverside Industrial Park Phase II", "Riverside District Office"),
)
UNITS = st.sampled_from(
    [None, "科创城管委会", "区投资促进服务中心", "High-tech Zone Committee", "x"]
)

# words the parser reacts to, so that random text often looks like a status update
VOCAB = [
    "QB-001",
    "#qb-002",
    "qb003",
    "ZQ-101",
    "P001",
    "P002",
    "P009",
    "卫星产业园",
    "信创基地",
    "storage plant",
    "进度",
    "完成",
    "百分之",
    "四十五",
    "一百二十",
    "%",
    "％",
    "45",
    "120",
    "-5",
    "99.5",
    "投资",
    "累计完成投资",
    "亿元",
    "万元",
    "million yuan",
    "billion",
    "问题",
    "问题：",
    "存在问题",
    "issue:",
    "problems:",
    "blockers",
    "下一步：",
    "next:",
    "plan:",
    "无",
    "none",
    "已签约",
    "开工",
    "尚未",
    "竣工",
    "in operation",
    "not yet",
    "signed",
    "under construction",
    "同比增长",
    "of budget",
    "at",
    "to",
    "->",
    "，",
    "。",
    "；",
    ";",
    ":",
    "\n",
    " ",
    "、",
    "和",
    "<b>",
    "</b>",
    "&",
    "😀",
    "\u200b",
    "\u202e",
    "\x00",
    "2026-11-20",
    "11月20日",
    "13800138000",
]
messages = st.lists(
    st.one_of(st.sampled_from(VOCAB), st.text(max_size=6), st.text(string.digits, max_size=4)),
    max_size=40,
).map("".join)


def _check(text: str, unit: str | None) -> None:
    parsed = parse_message(text, LEDGER, unit)
    assert parsed.lang in ("zh", "en", None)
    assert parsed.ambiguous == any(r.project is None for r in parsed.reports)
    codes = [r.project for r in parsed.reports if r.project is not None]
    assert len(codes) == len(set(codes)), "one report per project"
    for report in parsed.reports:
        assert report.progress is None or 0 <= report.progress <= 100
        assert report.progress_error in (None, "out_of_range")
        assert not (report.progress is not None and report.progress_error)
        assert report.stage in (None, "negotiating", "signed", "started", "completed")
        assert report.invested is None or report.invested >= 0
        assert report.project is None or report.project in {p.code for p in LEDGER}
        for item in report.problems:
            assert item and item == item.strip()
            assert item in text, "problem items are cut from the message"
    assert parse_message(text, LEDGER, unit) == parsed, "deterministic"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400), UNITS)
def test_any_text(text: str, unit: str | None) -> None:
    _check(text, unit)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages, UNITS)
def test_status_like_text(text: str, unit: str | None) -> None:
    _check(text, unit)


@given(st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda v: round(v, 1)))
def test_any_percentage_in_range_is_read(value: float) -> None:
    shown = f"{value:g}"
    report = parse_message(f"QB-001 进度{shown}%", LEDGER, None).reports[0]
    assert report.progress == float(shown)


@given(st.integers(min_value=101, max_value=999))
def test_any_percentage_above_100_is_refused(value: int) -> None:
    report = parse_message(f"QB-001 进度{value}%", LEDGER, None).reports[0]
    assert report.progress is None and report.progress_error == "out_of_range"


# ---------------------------------------------------------------- hostile input

# What a chat can carry besides words: NUL and other controls, bidi marks, zero-width joiners
# in emoji, lone combining marks, private-use and non-characters, any script.
HOSTILE = ["\x00", "\x01", "\x1b[31m", "\r", "\u202e", "\u200f", "\u2066", "\u200b", "\u200d",
           "👩\u200d👩\u200d👧\u200d👦", "\u0301", "\u0301\u0302", "\ufeff", "\uffff", "\U0010fffd",
           "مرحبا", "שלום", "Привет", "ไทย", "<script>", "&#0;", "'; DROP TABLE projects;--"]
hostile_messages = st.lists(
    st.one_of(st.sampled_from(VOCAB + HOSTILE), st.text(st.characters(), max_size=6)),
    max_size=40,
).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_messages, UNITS)
def test_hostile_text(text: str, unit: str | None) -> None:
    _check(text, unit)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(VOCAB + HOSTILE + ["1%", " ", "问题 ", "竣工"]), min_size=1,
                max_size=4).map("".join), st.integers(1000, 25_000), UNITS)
def test_huge_text(piece: str, size: int, unit: str | None) -> None:
    _check((piece * (size // len(piece) + 1))[:size], unit)


# Numbers that are never progress however they are written next to a project's code.
NOT_PROGRESS = ["2026-{a:02d}-{b:02d}", "{a}月{b}日", "{b}号", "2026年{a}月", "1380013{a:02d}{b:02d}",
                "0757-8{a:02d}{b:02d}", "{a}万元", "{a}亿元", "完成投资{a}万元", "¥{a}",
                "{a} million yuan", "{a}元", "QB-{a:03d}", "P{a:03d}", "第{a}周", "{a}天",
                "{a}号楼", "{a}人", "{a}:{b:02d}", "{a}/{b}/2026", "room {a}", "{a}台", "{a}米"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(NOT_PROGRESS), st.integers(0, 100), st.integers(1, 28),
       st.sampled_from(["QB-001 ", "QB-001 进度正常，", "QB-001 progress update: ", "卫星产业园 "]))
def test_dates_phones_amounts_and_codes_are_never_progress(
        shape: str, a: int, b: int, before: str) -> None:
    report = parse_message(before + shape.format(a=a, b=b), LEDGER, None).reports[0]
    assert (report.progress, report.progress_error) == (None, None)


SWAP = str.maketrans(string.ascii_letters, string.ascii_letters.swapcase())


def _meaning(parsed) -> tuple:
    """What a parse says, letter case of the cut-out texts aside."""
    return parsed.lang, parsed.ambiguous, [
        (r.project, r.progress, r.progress_error, r.stage, r.invested, r.no_problems,
         [p.lower() for p in r.problems], (r.next_steps or "").lower(),
         (r.unknown_code or "").lower()) for r in parsed.reports]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages, st.sampled_from(["", " ", "\n", "\t", " \n ", "\u3000", "\n\n"]),
       st.sampled_from(["", " ", "\n", "\t ", "\u3000"]), st.booleans())
def test_surrounding_blanks_and_letter_case_change_nothing(
        text: str, before: str, after: str, swap: bool) -> None:
    # DESIGN.md: codes and names are found whatever their case ("#p001"), and blanks around a
    # message are no part of it
    variant = before + (text.translate(SWAP) if swap else text) + after
    assert _meaning(parse_message(variant, LEDGER, None)) == _meaning(
        parse_message(text, LEDGER, None))


# Pinned: inputs that took seconds (quadratic) before; each must simply parse.
@pytest.mark.parametrize("text", [
    " " * 20_000 + "x",  # _FIELD_LABEL re-split a run of blanks
    "1%" * 10_000,  # every figure compared with every earlier candidate
    "问题 " * 5_000,  # each marker re-read its whole clause
    "竣工" * 10_000,  # each stage word blanked and searched its whole clause
    "P001 1%" * 2_800,  # each figure re-read its clause for a bare subject
])
def test_huge_degenerate_text_parses(text: str) -> None:
    parsed = parse_message(text, LEDGER, None)
    assert all(r.progress is None or 0 <= r.progress <= 100 for r in parsed.reports)


# --- shortcuts that must not change what is found -------------------------------------------

def _cue_matches(regex, text: str) -> list[tuple[int, int, str | None]]:
    return [(m.start(), m.end(), m.lastgroup) for m in regex.finditer(text)]


def test_the_cue_gate_lets_every_cue_word_through() -> None:
    """_CUE tries its long alternation only where one of its words can begin."""
    import re

    from parsing import fields

    ungated = re.compile(fields._CUE_ALTERNATION)
    words = [w.replace("_", " ") for words in fields._CUE_WORDS for w in words.split()]
    for word in words:
        for text in (word, f"x {word} 50%", f"进度{word}50%", f"{word}{word}"):
            assert _cue_matches(fields._CUE, text) == _cue_matches(ungated, text), text


@settings(max_examples=300, deadline=None)
@given(messages)
def test_the_cue_gate_finds_what_the_alternation_finds(text: str) -> None:
    import re

    from parsing import fields
    from parsing.normalize import fold

    folded = fold(text)
    assert _cue_matches(fields._CUE, folded) == _cue_matches(
        re.compile(fields._CUE_ALTERNATION), folded)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCAB + ["万元", "亿", "3000元", "5块", "rmb 5", "¥8", "￥8",
                                         "5 million", "2bn", "3 mln", "4mn", "10k", "wan",
                                         "cny 9", "9 yuan", "2 thousand", "5m", "8k", "1b"]),
                max_size=12).map(" ".join))
def test_a_text_without_a_money_word_has_no_amount(text: str) -> None:
    """_amounts skips texts without a money word or magnitude; the two scans find none there."""
    from parsing import fields
    from parsing.normalize import fold

    folded = fold(text)
    if fields._MONEY_HINT.search(folded):
        return
    kept = [m for m in fields.ZH_AMOUNT.finditer(folded) if m.group("yuan")
            or any(c in m.group("amount") for c in "万亿")]
    kept += [m for m in fields.EN_AMOUNT.finditer(folded) if m.group("pre") or m.group("post")
             or m.group("mag") not in (None, "m", "b", "k")]
    assert kept == []


# ---------------------------------------------------------------- real-text rules

ZH_FUTURE = ["预计", "计划", "争取", "力争", "拟", "定于", "将", "有望", "确保"]
EN_FUTURE = ["is expected to", "is scheduled to", "aims to", "plans to", "will", "targets to"]
ZH_WHEN = ["", "10月底", "下月", "年内", "6月18日", "三季度"]
ZH_OTHER_CLAUSE = ["", "完成主体施工，", "设备进场，", "完成调试，"]
ZH_STAGE = ["开工", "竣工", "投产", "建成投运", "签约", "全面建成", "投入使用", "完成80%", "达到90%"]
EN_STAGE = ["start construction", "be completed", "be put into operation", "reach 90%",
            "be in operation", "sign the agreement"]
EN_THEN = ["", "finish the roof in May, ", "finish the foundations by June and "]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZH_FUTURE), st.sampled_from(ZH_WHEN), st.sampled_from(ZH_OTHER_CLAUSE),
       st.sampled_from(ZH_WHEN), st.sampled_from(ZH_STAGE))
def test_a_sentence_led_by_a_future_marker_never_sets_stage_or_progress(
    marker: str, when: str, clause: str, when2: str, stage: str
) -> None:
    # the marker leads; the stage may sit in a later clause of the same sentence
    report = parse_message(f"卫星产业园 {marker}{when}{clause}{when2}{stage}", LEDGER, None).reports[0]
    assert (report.stage, report.progress) == (None, None)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(EN_FUTURE), st.sampled_from(EN_THEN), st.sampled_from(EN_STAGE))
def test_an_english_plan_never_sets_stage_or_progress(marker: str, then: str, stage: str) -> None:
    text = f"Storage plant {marker} {then}{stage} by December."
    report = parse_message(text, LEDGER, None).reports[0]
    assert (report.stage, report.progress) == (None, None)


_WIDTHS = [(",", "，"), (";", "；"), (":", "："), ("(", "（"), (")", "）"), ("!", "！"), ("%", "％")]
BEFORE_FIGURE = ["已竣工验收", "完成", "进度", "已开工", "主体封顶", "本周"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BEFORE_FIGURE), st.sampled_from([",", ";", ":", " ", ", ", "，", "；", "："]),
       st.integers(0, 100), st.sampled_from(["", "。", ",正在调试", "，正在调试", "!"]),
       st.lists(st.booleans(), min_size=len(_WIDTHS), max_size=len(_WIDTHS)))
def test_punctuation_width_around_a_figure_changes_nothing(
    before: str, sep: str, value: int, after: str, wide: list[bool]
) -> None:
    narrow = f"卫星产业园 {before}{sep}{value}%{after}"
    text = narrow
    for (half, full), swap in zip(_WIDTHS, wide, strict=True):
        if swap:
            text = text.replace(half, full)
    a = parse_message(narrow, LEDGER, None).reports[0]
    b = parse_message(text, LEDGER, None).reports[0]
    assert (a.progress, a.stage) == (b.progress, b.stage)
    assert a.progress == value


_S2T = None


def _traditional(text: str) -> str:
    global _S2T  # noqa: PLW0603 - one converter for the test module
    if _S2T is None:
        import opencc

        _S2T = opencc.OpenCC("s2t")
    return _S2T.convert(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages, UNITS)
def test_traditional_characters_read_like_simplified(text: str, unit: str | None) -> None:
    traditional = _traditional(text)
    if len(traditional) != len(text):
        return
    a = parse_message(text, LEDGER, unit)
    b = parse_message(traditional, LEDGER, unit)
    assert [(r.project, r.progress, r.stage, r.invested, len(r.problems)) for r in a.reports] == [
        (r.project, r.progress, r.stage, r.invested, len(r.problems)) for r in b.reports
    ]
