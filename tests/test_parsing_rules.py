"""One rule at a time: the status parser's behaviour as DESIGN.md ("Status updates") states it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsing import ParsedMessage, ProjectRef, ProjectReport, fields, parse_message
from parsing.normalize import fold

KC = "科创城管委会"
ZJ = "区住房和城乡建设局"
TZ = "区投资促进服务中心"
HT = "High-tech Zone Committee"
RD = "Riverside District Office"

LEDGER = (
    ProjectRef("QB-001", "科创城卫星互联网产业园一期", KC, ("卫星产业园", "卫星互联网产业园")),
    ProjectRef("QB-002", "信创产业基地标准厂房", KC, ("信创基地",)),
    ProjectRef("QB-003", "新能源汽车零部件智能制造项目", TZ, ("汽车零部件项目",)),
    ProjectRef("QB-005", "城东污水处理厂扩建", ZJ, ("污水厂扩建",)),
    ProjectRef("QB-006", "科创城人才公寓", ZJ, ("人才公寓",)),
    ProjectRef("QB-007", "电子信息产业园配套道路", "区交通运输局", ("配套道路",), active=False),
    ProjectRef("ZQ-101", "High-tech Zone Energy Storage Plant", HT, ("storage plant", "ESS plant")),
    ProjectRef("P001", "Riverside Industrial Park", RD, ("industrial park",)),
    ProjectRef("P002", "Riverside Industrial Park Phase II", RD, ("park phase II",)),
    ProjectRef("P005", "滨江产业园", "滨江街道办"),
    ProjectRef("P006", "滨江产业园二期", "滨江街道办"),
)


def one(text: str, unit: str | None = TZ) -> ProjectReport:
    parsed = parse_message(text, LEDGER, unit)
    assert len(parsed.reports) == 1, parsed
    return parsed.reports[0]


# ---------------------------------------------------------------- interface


def test_interface_types() -> None:
    parsed = parse_message("QB-003 进度45%", LEDGER, TZ)
    assert isinstance(parsed, ParsedMessage)
    assert parsed.lang == "zh" and parsed.ambiguous is False
    report = parsed.reports[0]
    assert (report.project, report.progress, report.progress_error) == ("QB-003", 45, None)
    assert report.text == "QB-003 进度45%"
    assert report.problems == [] and report.next_steps is None


def test_accepts_any_sequence_of_projects() -> None:
    assert parse_message("QB-003 45%", list(LEDGER), None).reports[0].project == "QB-003"
    assert parse_message("QB-003 45%", [], None).reports[0].project is None


# ---------------------------------------------------------------- progress


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("45%", 45),
        ("45 %", 45),
        ("45％", 45),
        ("进度45", 45),
        ("进度 45%", 45),
        ("完成45%", 45),
        ("百分之四十五", 45),
        ("百分之六十五", 65),
        ("百分之百", 100),
        ("百分之八十五点五", 85.5),
        ("进度百分之85", 85),
        ("at 62%", 62),
        ("65% complete", 65),
        ("progress 45", 45),
        ("progress: 45", 45),
        ("４５％", 45),
        ("45.5%", 45.5),
        ("进度：85.5 %", 85.5),
        ("93 percent complete", 93),
        ("84 pct", 84),
        ("进度 八成", 80),
        ("完成约九成", 90),
        ("0%", 0),
        ("100%", 100),
        ("进度为45%", 45),
        ("进度达到45%", 45),
        ("大概50%左右", 50),
        ("完成率94%", 94),
    ],
)
def test_progress_forms(text: str, want: float) -> None:
    report = one(text)
    assert report.progress == want and report.progress_error is None


@pytest.mark.parametrize(
    "text",
    [
        "进度 120%",
        "人才公寓进度150%",
        "progress 120%",
        "进度百分之一百二十",
        "进度 -5%",
        "进度 101",
        "101%",
    ],
)
def test_progress_out_of_range_is_refused(text: str) -> None:
    report = one(text, ZJ)
    assert report.progress is None and report.progress_error == "out_of_range"


@pytest.mark.parametrize("text", ["进度-0%", "进度 −0%", "progress -0%", "进度 -0"])
def test_a_minus_zero_progress_is_plain_zero(text: str) -> None:
    import math

    report = one(text, ZJ)
    assert report.progress == 0 and math.copysign(1, report.progress) == 1  # never "-0%"


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20 完成验收",
        "11月20日调试",
        "11/20 调试",
        "联系电话 13926012345",
        "电话：0758-1234567",
        "完成投资3000万元",
        "累计完成投资1.2亿元",
        "invested 35 million yuan",
        "QB-003 本周无变化",
        "P001",
        "进场设备3台，拆迁剩余2户",
        "同比增长20%",
        "产值同比增长30%",
        "cost increase of 20%",
        "20% of budget spent",
        "税率13%，利润率8%",
        "资金到位率90%",
        "完成年度计划的70%",
        "占总投资16%",
        "尾款已支付90%",
        "进度2026年底前完成",
        "进度过半",
        "up 25% yoy",
        "budget overrun of 20%",
        "新增就业200人",
        "进度 90 天",
        "容积率1.5，绿地率35%",
    ],
)
def test_numbers_that_are_not_progress(text: str) -> None:
    report = one(text)
    assert report.progress is None and report.progress_error is None, report


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("同比增长20%，进度45%", 45),
        ("进度48%，同比增长20%（去年同期28%）", 48),
        ("计划进度60%，实际进度54%", 54),
        ("进度由50%提升至56%", 56),
        ("上周45%，本周48%", 48),
        ("上周进度45%，本周进度48%", 48),
        ("progress went from 70% to 73%", 73),
        ("12% -> 15%", 15),
        ("96%→97%", 97),
        ("72% (planned 80%)", 72),
        ("progress 84% (last week 81%)", 84),
        ("budget overrun of 20%, progress 76%", 76),
        ("20% of budget spent, works progress 35%", 35),
        ("piling 40% done, overall progress 28%", 28),
        ("厂房装修完成90%\n设备安装完成85%\n整体进度86%", 86),
        ("累计完成投资3000万元（占总投资16%），进度45%", 45),
        ("进度95%以上，预计月底100%", 95),
        ("up 3% to 89%", 89),
    ],
)
def test_several_percentages_prefer_the_progress_one(text: str, want: float) -> None:
    assert one(text).progress == want


def test_percent_in_problems_or_next_steps_is_not_progress() -> None:
    report = one("汽车零部件项目 问题：塔吊租赁费用超预算20%。下一步：力争进度达到60%")
    assert report.progress is None
    assert report.problems == ["塔吊租赁费用超预算20%"]
    assert report.next_steps == "力争进度达到60%"


# ---------------------------------------------------------------- stage


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("储能项目仍在洽谈中", "negotiating"),
        ("still negotiating the land price", "negotiating"),
        ("talks ongoing", "negotiating"),
        ("项目在谈", "negotiating"),
        ("已签约", "signed"),
        ("正式签约", "signed"),
        ("contract signed", "signed"),
        ("已于10月15日签订投资协议", "signed"),
        ("合同已签", "signed"),
        ("已开工", "started"),
        ("在建", "started"),
        ("动工了", "started"),
        ("桩基施工中", "started"),
        ("under construction", "started"),
        ("construction started this week", "started"),
        ("broke ground today", "started"),
        ("已竣工", "completed"),
        ("已投产", "completed"),
        ("建成投产", "completed"),
        ("now in operation", "completed"),
        ("completed and in operation", "completed"),
        ("QB-003 finished!", "completed"),
        ("QB-003 已完工", "completed"),
        ("已签约并开工", "started"),
        ("已签约未开工", "signed"),
    ],
)
def test_stage_words(text: str, want: str) -> None:
    assert one(text).stage == want


@pytest.mark.parametrize(
    "text",
    [
        "尚未开工",
        "还未签约",
        "计划下月开工",
        "力争11月底前开工",
        "延期开工",
        "开工手续正在办理",
        "签约仪式定于下周举行",
        "拟于12月签约",
        "目标年底前投产",
        "尚未竣工验收",
        "准备竣工验收",
        "签约推迟",
        "not yet started",
        "construction has not started",
        "not yet completed",
        "contract not signed yet",
        "signing postponed to January",
        "65% complete",
        "91 % done",
        "commissioning started",
        "civil works completed, equipment installation 60%",
        "拆迁尚有2户未签约",
        "下一步：开工建设",
        "问题：开工许可证未办",
    ],
)
def test_negated_or_future_stage_is_not_set(text: str) -> None:
    assert one(text).stage is None


def test_stage_of_another_phase_is_not_taken() -> None:
    assert one("滨江产业园 一期进度70%，二期在谈", "滨江街道办").stage is None
    assert one("滨江产业园二期 签约完成", "滨江街道办").stage == "signed"


# ---------------------------------------------------------------- investment


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("完成投资3000万元", 3000),
        ("本周完成投资3000万元，累计完成投资2.1亿元", 21000),
        ("累计完成投资1.2亿元", 12000),
        ("invested 30 million yuan", 3000),
        ("invested 35 million yuan so far", 3500),
        ("invested 1.5 billion yuan to date", 150000),
        ("投资5000万", 5000),
        ("累计完成投资1亿2000万元", 12000),
        ("累计完成投资 3,500万元", 3500),
        ("累计完成投资三千万元", 3000),
        ("已完成投资50000000元", 5000),
        ("总投资9.6亿元，已完成投资4.2亿元", 42000),
        ("二季度完成投资5000万，累计8000万元", 8000),
        ("累计完成投资：7.1亿元", 71000),
        ("Cumulative investment: RMB 520 million", 52000),
        ("invested CNY 80 million", 8000),
        ("total investment 1.5 billion yuan, invested 600 million yuan so far", 60000),
        ("30 million yuan invested", 3000),
        ("invested RMB 120m so far", 12000),
        ("年度计划投资5亿元，已完成3亿元", 30000),
    ],
)
def test_investment_in_wan(text: str, want: float) -> None:
    assert one(text).invested == pytest.approx(want)


@pytest.mark.parametrize(
    "text",
    [
        "本周完成投资2000万元",
        "计划投资9.6亿元",
        "总投资12亿元",
        "协议投资12亿元",
        "预计投资1.2亿元",
        "完成产值3000万元",
        "spent 12,000,000 yuan this week",
        "total investment 300 million yuan",
        "invested 5 million dollars",
        "问题：资金缺口约2亿元",
        "下一步：完成投资5000万元",
    ],
)
def test_amounts_that_are_not_investment_so_far(text: str) -> None:
    assert one(text).invested is None


# ---------------------------------------------------------------- problems and next steps


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("问题：土地指标待落实；环评手续尚未启动", ["土地指标待落实", "环评手续尚未启动"]),
        ("存在问题：电力接入方案未批复。下步：推进设备基础施工。", ["电力接入方案未批复"]),
        ("困难:雨季影响工期;材料价格上涨10%;", ["雨季影响工期", "材料价格上涨10%"]),
        (
            "问题：1、员工宿舍不足；2、招工难、留人难；3、物流成本高",
            ["员工宿舍不足", "招工难、留人难", "物流成本高"],
        ),
        ("存在问题：供电、供气配套未完善。", ["供电、供气配套未完善"]),
        ("困难：\n- 融资难\n- 审批慢\n下一步：对接银行", ["融资难", "审批慢"]),
        ("问题:  ①消防审批慢 ②设计变更多", ["消防审批慢", "设计变更多"]),
        ("存在问题：1）施工许可延期；2）周边居民投诉噪音", ["施工许可延期", "周边居民投诉噪音"]),
        ("存在问题 用地指标不足", ["用地指标不足"]),
        ("主要困难是资金缺口约2亿元", ["资金缺口约2亿元"]),
        ("需协调解决的问题：高压线迁改", ["高压线迁改"]),
        ("进度98% 问题 环评批复还没下来", ["环评批复还没下来"]),
        (
            "Problem: grid connection approval still pending. Next: commissioning.",
            ["grid connection approval still pending"],
        ),
        (
            "Blockers: land lease terms; water supply plan",
            ["land lease terms", "water supply plan"],
        ),
        (
            "issues: land lease terms; water supply; power",
            ["land lease terms", "water supply", "power"],
        ),
        (
            "Risks: typhoon season may delay outdoor works",
            ["typhoon season may delay outdoor works"],
        ),
        ("blocker - land title transfer", ["land title transfer"]),
        (
            "Problems:\n1. Grid approval pending\n2. Fire inspection not scheduled\nThanks",
            ["Grid approval pending", "Fire inspection not scheduled"],
        ),
        ("issue: <script>alert(1)</script>", ["<script>alert(1)</script>"]),
        ("Issues: no access road to site", ["no access road to site"]),
        ("问题：无法按期供电", ["无法按期供电"]),
    ],
)
def test_problem_items(text: str, want: list[str]) -> None:
    assert one(text).problems == want


@pytest.mark.parametrize(
    "text",
    [
        "问题：无",
        "问题：暂无",
        "存在问题：无。",
        "暂无问题，进度81%",
        "没有问题",
        "no issues",
        "No problems this week",
        "problems: none",
        "no blockers",
        "问题已解决，进度82%",
        "主要是电的问题还没解决",
        "There is an issue with nothing",
        "permit issued",
    ],
)
def test_no_problems(text: str) -> None:
    assert one(text).problems == []


def test_none_then_status_again() -> None:
    report = one("问题：无，进度50%")
    assert report.problems == [] and report.progress == 50 and report.no_problems


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("下步：推进设备基础施工。", "推进设备基础施工"),
        ("下一步：联合调试", "联合调试"),
        ("下一步将推进幕墙施工", "将推进幕墙施工"),
        ("下步计划：申请增容", "申请增容"),
        ("Next: commissioning in December.", "commissioning in December"),
        ("Next steps: start cable laying", "start cable laying"),
        ("Plan: finish piling by Nov 30", "finish piling by Nov 30"),
        ("next: cold commissioning\nThanks", "cold commissioning"),
    ],
)
def test_next_steps(text: str, want: str) -> None:
    assert one(text).next_steps == want


def test_sample_with_markup_is_plain_text() -> None:
    parsed = parse_message(
        "<b>ZQ-101</b> 71% & rising; issue: <script>alert(1)</script>", LEDGER, HT
    )
    report = parsed.reports[0]
    assert (report.project, report.progress) == ("ZQ-101", 71)
    assert report.problems == ["<script>alert(1)</script>"]
    assert parsed.lang == "en"


# ---------------------------------------------------------------- which project


@pytest.mark.parametrize(
    "text",
    [
        "QB-001 45%",
        "#qb-001 45%",
        "qb001 45%",
        "#QB001 45%",
        "QB 001 45%",
        "QB-1 45%",
        "ＱＢ－００１ 45%",
        "<b>QB-001</b> 45%",
        "本周QB-001进度45%",
        "qb_001 45%",
    ],
)
def test_code_forms(text: str) -> None:
    assert one(text, None).project == "QB-001"


def test_code_beats_name_and_unit() -> None:
    assert one("QB-002 卫星产业园配套进度45%", KC).project == "QB-002"


def test_code_shaped_words_that_are_not_codes() -> None:
    assert one("at 62%", HT).project == "ZQ-101"  # the unit's only project, not "at 62"
    assert one("qb1 45%", None).project is None  # one digit without a hyphen is too loose


def test_unknown_code_asks_and_says_which() -> None:
    parsed = parse_message("QB-009 进度30%", LEDGER, KC)
    assert parsed.ambiguous and parsed.reports[0].project is None
    assert parsed.reports[0].unknown_code.upper() == "QB-009"
    assert parsed.reports[0].progress == 30


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("卫星产业园 进度60%", "QB-001"),
        ("卫星互联网产业园一期 进度60%", "QB-001"),
        ("科创城卫星互联网产业园一期 进度60%", "QB-001"),
        ("污水厂 扩建 进度 99%", "QB-005"),
        ("汽车零部件 进度77%", "QB-003"),  # the alias without its 项目
        ("Storage  Plant is at 66%", "ZQ-101"),
        ("ess plant: 67%", "ZQ-101"),
        ("storage plants 66%", "ZQ-101"),
        ("卫星互联网 进度83%", "QB-001"),  # a unique piece of the name
        ("污水处理厂扩建 进度97%", "QB-005"),
    ],
)
def test_names_and_aliases(text: str, want: str) -> None:
    assert one(text, None).project == want


@pytest.mark.parametrize(
    ("text", "unit", "want"),
    [
        ("滨江产业园二期 进度10%", "滨江街道办", "P006"),
        ("滨江产业园 进度40%", "滨江街道办", "P005"),
        ("Riverside Industrial Park Phase II: 15%", RD, "P002"),
        ("industrial park 50%", RD, "P001"),
    ],
)
def test_longest_name_wins(text: str, unit: str, want: str) -> None:
    assert one(text, unit).project == want


def test_name_of_another_units_project_is_reported() -> None:
    assert one("信创基地 进度30%", ZJ).project == "QB-002"


@pytest.mark.parametrize(
    ("text", "unit", "near"),
    [("人材公寓 进度46%", ZJ, "QB-006"), ("污水厂扩键 进度82%", ZJ, "QB-005")],
)
def test_one_typo_in_a_name_of_the_senders_unit_is_asked(text: str, unit: str, near: str) -> None:
    parsed = parse_message(text, LEDGER, unit)
    report = parsed.reports[0]
    assert parsed.ambiguous and report.project is None
    assert report.candidates == (near,)
    assert report.progress is not None


def test_a_name_in_traditional_characters_is_the_name() -> None:
    assert one("信創基地 进度12%", KC).project == "QB-002"
    assert one("科創城人才公寓 進度35%", ZJ).project == "QB-006"


@pytest.mark.parametrize("text", [
    "QB-001 进度50%\n信创基弟 进度30%",  # a code, then a name with a typo on the next line
    "qb-001 50%；信創基地 30%",
])
def test_a_code_does_not_hide_a_misspelt_second_project(text: str) -> None:
    parsed = parse_message(text, LEDGER, KC)
    assert [(r.project, r.progress) for r in parsed.reports] == [("QB-001", 50), ("QB-002", 30)]


def test_implicit_single_active_project() -> None:
    assert one("本周进度72%", TZ).project == "QB-003"
    assert one("at 62%", HT).project == "ZQ-101"


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("本周正常推进", KC),  # two active projects
        ("进度45%", ZJ),
        ("本周无变化", "区交通运输局"),  # its only project is completed, so not active
        ("进度80%", None),  # a leader names no project
        ("progress 45%", "Unknown Unit"),
    ],
)
def test_ambiguous_asks(text: str, unit: str | None) -> None:
    parsed = parse_message(text, LEDGER, unit)
    assert parsed.ambiguous and [r.project for r in parsed.reports] == [None]


def test_name_only_inside_problems_does_not_pick_the_project() -> None:
    parsed = parse_message("人才公寓 进度50%，问题：需与污水厂扩建项目协调管线迁改", LEDGER, ZJ)
    assert [r.project for r in parsed.reports] == ["QB-006"]
    assert parsed.reports[0].problems == ["需与污水厂扩建项目协调管线迁改"]


# ---------------------------------------------------------------- several projects


def test_one_project_per_line() -> None:
    parsed = parse_message("QB-005 98%\nQB-006 12%，存在问题：拆迁尚有2户未签约", LEDGER, ZJ)
    got = [(r.project, r.progress, r.problems, r.stage) for r in parsed.reports]
    assert got == [("QB-005", 98, [], None), ("QB-006", 12, ["拆迁尚有2户未签约"], None)]
    assert parsed.reports[0].text == "QB-005 98%"
    assert not parsed.ambiguous


def test_continuation_lines_belong_to_the_project_above() -> None:
    text = (
        "各位领导：\n污水厂扩建\n进度：100%\n已竣工\n\n人才公寓\n进度：56%\n问题：消防审批慢\n以上"
    )
    parsed = parse_message(text, LEDGER, ZJ)
    got = [(r.project, r.progress, r.stage, r.problems) for r in parsed.reports]
    assert got == [("QB-005", 100, "completed", []), ("QB-006", 56, None, ["消防审批慢"])]


def test_several_projects_in_one_line() -> None:
    for text in (
        "污水厂扩建 99%；人才公寓 44%",
        "污水厂扩建：99%，人才公寓：44%",
        "污水厂扩建 进度99% 人才公寓 进度44%",
    ):
        parsed = parse_message(text, LEDGER, ZJ)
        assert [(r.project, r.progress) for r in parsed.reports] == [("QB-005", 99), ("QB-006", 44)]


def test_grouped_projects_share_the_text() -> None:
    parsed = parse_message("QB-005、QB-006 本周均已开工", LEDGER, ZJ)
    assert [(r.project, r.stage) for r in parsed.reports] == [
        ("QB-005", "started"),
        ("QB-006", "started"),
    ]


def test_project_lines_inside_a_problems_list() -> None:
    text = "卫星产业园进度60%\n信创基地进度5%\n问题：\n卫星产业园：电力接入\n信创基地：规划许可"
    parsed = parse_message(text, LEDGER, KC)
    got = [(r.project, r.progress, r.problems) for r in parsed.reports]
    assert got == [("QB-001", 60, ["电力接入"]), ("QB-002", 5, ["规划许可"])]


def test_own_project_line_inside_a_problems_list() -> None:
    report = one("卫星产业园进度60%\n问题：\n卫星产业园：电力接入", KC)
    assert (report.project, report.progress, report.problems) == ("QB-001", 60, ["电力接入"])
    assert report.text == "卫星产业园进度60%\n问题：\n卫星产业园：电力接入"


def test_same_project_twice_is_one_report() -> None:
    parsed = parse_message("QB-005 98%\nQB-006 40%\nQB-005 问题：调试用电不足", LEDGER, ZJ)
    assert [r.project for r in parsed.reports] == ["QB-005", "QB-006"]
    assert parsed.reports[0].problems == ["调试用电不足"]


# ---------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\n",
        "\x00",
        "\x00" * 50,
        "😀" * 100,
        "\u202e\u200f\u200b",
        "%%%%",
        "百分之",
        "进度",
        "问题：",
        "下一步：",
        "QB-",
        "#",
        "\ud800",
        "１" * 4000,
        "进度" + "9" * 500 + "%",
        "<" * 1000,
        "各位领导" * 1000,
        "问题：" + "；" * 2000,
    ],
)
def test_strange_text_never_crashes(text: str) -> None:
    parsed = parse_message(text, LEDGER, KC)
    for report in parsed.reports:
        assert report.progress is None or 0 <= report.progress <= 100


def test_empty_text_has_no_report() -> None:
    assert parse_message("   ", LEDGER, TZ) == ParsedMessage(lang=None, reports=[], ambiguous=False)


def test_a_long_message_of_repeated_lines_reads_its_project() -> None:
    text = (
        "QB-001 进度45%，主体结构完成过半。存在问题：电力接入方案未批复；资金到位率60%。"
        "下步：推进设备基础施工。\n" * 60
    )[:4000]
    parsed = parse_message(text, LEDGER, KC)  # its speed: bench/parser.py
    assert {r.project for r in parsed.reports} == {"QB-001"}


def test_a_name_is_found_in_a_large_ledger() -> None:
    big = (
        tuple(
            ProjectRef(f"XM-{i:03d}", f"第{i}号重点项目厂房工程", f"单位{i % 40}", (f"项目{i}号",))
            for i in range(500)
        )
        + LEDGER
    )
    parsed = parse_message("第250号重点项目厂房工程 进度45%，问题：无", big, "单位10")
    assert parsed.reports[0].project == "XM-250"  # its speed: bench/parser.py


def test_odd_ledgers_do_not_break_the_parser() -> None:
    odd = (
        ProjectRef("", "", ""),
        ProjectRef("A", "园", "u", ("", " ", "x")),
        ProjectRef("QB-001", "同名项目", "u1"),
        ProjectRef("QB-002", "同名项目", "u2"),  # the same name twice: the name tells neither
        ProjectRef("2026-A-01", "Harbour Bridge", "u3"),  # a code that is not letters+digits
        ProjectRef("qb-003", "Lower-case Code", "u3"),
    )
    assert one_of(odd, "同名项目 进度45%").project is None
    assert one_of(odd, "2026-a-01 45%").project == "2026-A-01"
    assert one_of(odd, "QB-003 45%").project == "qb-003"
    assert one_of(odd, "园 45%").project is None
    assert one_of(odd, "at a speed of 45%").project is None  # code "A" only as "#A"
    assert one_of(odd, "#A 45%").project == "A"


def one_of(ledger: tuple[ProjectRef, ...], text: str) -> ProjectReport:
    parsed = parse_message(text, ledger, None)
    assert len(parsed.reports) == 1
    return parsed.reports[0]


def test_fast_stage_pattern_finds_what_the_plain_one_finds() -> None:
    corpus = Path(__file__).parent / "corpus"
    texts = [
        json.loads(line)["text"]
        for path in corpus.glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for text in texts:
        folded = fold(text)
        fast = [(m.span(), m.lastgroup) for m in fields._STAGE_RE.finditer(folded)]
        plain = [(m.span(), m.lastgroup) for m in fields._STAGE_RE_PLAIN.finditer(folded)]
        assert fast == plain, text


@pytest.mark.parametrize("text", [
    "项目17号工程建设 进度45%",
    "关于别名17：进度45%，问题：无",
    "别名1 进度10%\n项目17号工程建设 进度45%",
    "本周 " + "施工推进中，" * 400 + "项目17号工程建设 进度45%",  # long: the other search
])
def test_names_are_found_the_same_in_a_large_ledger(text):
    """Thousands of projects: names are looked up by their first characters, not searched one
    by one; the result must be what a ledger of just those projects gives."""
    large = tuple(ProjectRef(f"QB-{i:04d}", f"项目{i}号工程建设", f"单位{i % 50}", (f"别名{i}",))
                  for i in range(3000))
    small = tuple(ref for ref in large if ref.code in ("QB-0001", "QB-0017"))
    assert parse_message(text, large, None) == parse_message(text, small, None)
    assert parse_message(text, large, None).reports[-1].project == "QB-0017"
