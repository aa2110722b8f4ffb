"""Rules for the shapes of real progress reports: plans, work packages, other figures, parts,
problem sections, investment, English stage phrasing, traditional characters, punctuation
around a figure and names with a typo (issue: understanding real messages)."""

from __future__ import annotations

import pytest
from test_parsing_rules import HT, KC, LEDGER, RD, TZ, ZJ, one

from parsing import ProjectReport, parse_message

# ---------------------------------------------------------------- plans, aims, conditions


@pytest.mark.parametrize(
    "text",
    [
        "汽车零部件项目 预计10月底完成主体施工，12月投入运营",
        "汽车零部件项目 争取二季度完成主体，三季度全面建成投运",
        "汽车零部件项目 确保11月设备进场，12月投产运行",
        "汽车零部件项目 定于6月18日举行开工仪式",
        "汽车零部件项目 力争本月签约，有望年内开工",
        "汽车零部件项目 4月中旬将完成竣工验收，5月底投入生产",
        "汽车零部件项目 计划9月初进行设备调试，9月底实现全部投产",
    ],
)
def test_a_plan_never_sets_a_stage_in_any_of_its_clauses(text: str) -> None:
    assert one(text).stage is None


@pytest.mark.parametrize(
    "text",
    [
        "Storage plant is expected to finish construction in June, in operation by August.",
        "Storage plant: we aim to finish the roof by May and the whole project by December.",
        "Storage plant is scheduled to be completed in the fall, handed over by November.",
        "Storage plant: if the grid connection is approved, the plant could be in operation by October.",
        "Storage plant will be completed by the end of November.",
    ],
)
def test_an_english_plan_never_sets_a_stage(text: str) -> None:
    assert one(text, HT).stage is None


def test_a_fact_after_a_plan_counts_again() -> None:
    assert one("汽车零部件项目 原定下月开工，目前已开工，进度5%").stage == "started"
    report = one("Storage plant: target is 80% by end of September; currently 64%.", HT)
    assert report.progress == 64
    assert one("汽车零部件项目 预计年底完成80%，目前进度62%").progress == 62


def test_a_planned_figure_is_not_progress() -> None:
    assert one("汽车零部件项目 计划年底完成80%").progress is None
    assert one("Storage plant is expected to reach 90% by June.", HT).progress is None


# ---------------------------------------------------------------- work packages


@pytest.mark.parametrize(
    "text",
    [
        "汽车零部件项目 2号楼已全部竣工",
        "汽车零部件项目 一、A区厂房全部竣工；二、B区厂房主体封顶",
        "汽车零部件项目 5栋生产车间已完成建设",
        "汽车零部件项目 10kV供电线路工程9月26日完工",
    ],
)
def test_a_work_packages_completion_is_not_the_projects(text: str) -> None:
    assert one(text).stage != "completed"


@pytest.mark.parametrize(
    "text",
    [
        "Storage plant: phase 1 berths have been completed and put into use.",
        "Storage plant: construction is complete on all earthworks.",
        "Storage plant: 90% of construction complete; paving continues.",
    ],
)
def test_an_english_work_packages_completion_is_not_the_projects(text: str) -> None:
    assert one(text, HT).stage is None


def test_a_count_of_things_started_is_not_a_stage() -> None:
    assert one("汽车零部件项目 计划开工车间4个，目前实际已开工3个").stage is None


def test_a_phase_being_negotiated_is_not_the_project() -> None:
    assert one("Storage plant: negotiating phase 2; 60% complete.", HT).stage is None


# ---------------------------------------------------------------- other figures


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("汽车零部件项目 累计完成投资3.2亿元，投资完成率70.3%", None),
        ("汽车零部件项目 开累完成投资4亿元，累计投资完成率44.04%", None),
        ("汽车零部件项目 本年度计划开工车间4个，完成计划开工的75%", None),
        ("汽车零部件项目 生产线自动化率达到85%，项目整体完成进度60%", 60),
        ("汽车零部件项目 完成年度投资计划的69%", None),
        ("汽车零部件项目 现场塔吊6台、施工人员300余人", None),
    ],
)
def test_rates_shares_and_counts_of_other_things_are_not_progress(text: str, want) -> None:
    assert one(text).progress == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Storage plant: automation rate reached 85%; overall completion 70%.", 70),
        ("Storage plant made great progress: 312 of 450 piles driven.", None),
        ("Storage plant: good progress, 14 excavators and 6 cranes on site.", None),
    ],
)
def test_english_rates_and_counts_are_not_progress(text: str, want) -> None:
    assert one(text, HT).progress == want


# ---------------------------------------------------------------- parts


@pytest.mark.parametrize(
    ("text", "unit", "parts"),
    [
        ("汽车零部件项目 厂房建设已完成90%，设备安装调试完成85%", TZ, ["厂房", "设备安装调试"]),
        (
            "ESS plant: structural steel erection 72% complete. MEP rough-in: electrical 60%, HVAC 45%",
            HT,
            ["structural steel erection", "electrical", "hvac"],
        ),
        ("Storage plant: block A 100%, block B 60%, block C 20%", HT, ["block a", "block b", "block c"]),
    ],
)
def test_only_parts_give_no_progress_and_say_which_parts(text: str, unit: str, parts) -> None:
    report = one(text, unit)
    assert report.progress is None
    assert [p for p, _v in report.parts] == parts


def test_the_whole_projects_figure_beats_its_parts() -> None:
    report = one("汽车零部件项目 机电安装进度50%，整体进度45%")
    assert report.progress == 45 and report.parts == [("机电安装", 50)]


def test_a_first_phases_figure_is_the_projects_only_when_the_project_is_that_phase() -> None:
    # 滨江产业园's second phase is a project of its own (P006), so 滨江产业园 is phase one
    assert one("滨江产业园 一期进度70%，二期在谈", "滨江街道办").progress == 70
    assert one("人才公寓 二期仍在洽谈，一期进度50%", ZJ).progress is None
    assert one("Storage plant: negotiating phase 2; phase 1 at 50%.", HT).progress is None


def test_a_figure_the_text_calls_a_part_is_not_the_projects() -> None:
    report = one("汽车零部件项目 土建部分施工进展已完成95%左右")
    assert report.progress is None and report.parts == [("土建部分", 95)]


def test_one_work_packages_figure_alone_is_kept_and_named() -> None:
    report = one("Storage plant construction has started, piling 30% done", HT)
    assert report.progress == 30 and report.parts == [("piling", 30)]


def test_another_phases_figure_is_never_the_projects() -> None:
    assert one("人才公寓 二期主体建设已经完成70%", ZJ).progress is None
    assert one("Storage plant: phase 2 dredging 30%.", HT).progress is None


# ---------------------------------------------------------------- problem sections


@pytest.mark.parametrize(
    "text",
    [
        "人才公寓推进情况\n二、存在主要问题\n1. 审批流程复杂\n2. 资金拨付不及时\n三、下一步工作计划\n加强协调",
        "人才公寓\n存在问题\n（1）审批流程复杂\n（2）资金拨付不及时",
        "人才公寓 存在的问题与困难：审批流程复杂；资金拨付不及时。下一步将加强协调。",
        "人才公寓 存在主要问题：审批流程复杂；资金拨付不及时。建议措施：1.建议财政局加快拨付",
        "人才公寓 问题：审批流程复杂；资金拨付不及时。希望下个月完成设备安装。",
    ],
)
def test_problem_sections_with_and_without_colons_end_where_they_end(text: str) -> None:
    assert one(text, ZJ).problems == ["审批流程复杂", "资金拨付不及时"]


def test_a_fact_after_the_problems_ends_them_and_is_read() -> None:
    report = one("人才公寓 问题：塔吊司机短缺；钢筋供应紧张。进度66%", ZJ)
    assert report.problems == ["塔吊司机短缺", "钢筋供应紧张"] and report.progress == 66
    report = one(
        "Storage plant issue: quay wall contractor short of divers. 90% of construction "
        "complete; paving continues.",
        HT,
    )
    assert report.problems == ["quay wall contractor short of divers"] and report.progress == 90


def test_a_next_step_sentence_is_not_a_problem() -> None:
    report = one(
        "Industrial park 55%. Issues: late steel; substation permit. We hope to install the "
        "transformers next month.",
        RD,
    )
    assert report.problems == ["late steel", "substation permit"]


# ---------------------------------------------------------------- investment


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("汽车零部件项目 计划完成投资0.55亿元", None),
        ("汽车零部件项目 进度75%，计划新增投资3000万元", None),
        ("汽车零部件项目 已签约，拟投资2.5亿元", None),
        ("汽车零部件项目 完成投资1.2亿元（其中本周完成1500万元）", 12000),
        ("汽车零部件项目 累计完成投资12亿元（其中本周完成1500万元）", 120000),
        ("汽车零部件项目 开累完成投资4.21亿元；年度累计完成投资2.21亿元", 42100),
        ("汽车零部件项目 開累完成投資1.54億元", 15400),
    ],
)
def test_only_completed_investment_counts(text: str, want) -> None:
    assert one(text).invested == want


# ---------------------------------------------------------------- English stages


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Construction on the storage plant has begun.", "started"),
        ("ZQ-101: construction on the plant has begun, 5% complete.", "started"),
        ("Storage plant has reached substantial completion.", "completed"),
        ("The storage plant has been completed and put into use.", "completed"),
        ("Storage plant: talks have begun with the grid company.", None),
        ("Storage plant: substantial completion expected by mid-November.", None),
    ],
)
def test_english_stage_phrasing(text: str, want) -> None:
    assert one(text, HT).stage == want


# ---------------------------------------------------------------- traditional characters


@pytest.mark.parametrize(
    ("text", "unit", "project"),
    [
        ("衛星產業園 進度45%", KC, "QB-001"),
        ("科創城衛星互聯網產業園一期 已開工", KC, "QB-001"),
        ("污水處理廠擴建 進度80%", ZJ, "QB-005"),
    ],
)
def test_traditional_characters_read_like_simplified(text: str, unit: str, project: str) -> None:
    assert one(text, unit).project == project


def test_traditional_text_is_understood_and_given_back_as_written() -> None:
    report = one("人才公寓 已開工，進度12%。存在問題：施工用電未落實；進場道路狹窄。", ZJ)
    assert (report.stage, report.progress) == ("started", 12)
    assert report.problems == ["施工用電未落實", "進場道路狹窄"]


# ---------------------------------------------------------------- punctuation around a figure


@pytest.mark.parametrize(
    "text",
    [
        "配套道路 已竣工验收，100%",
        "配套道路 已竣工验收,100%",
        "配套道路 已竣工验收, 100%",
        "配套道路 已竣工验收。100%",
    ],
)
def test_punctuation_of_either_width_before_a_figure(text: str) -> None:
    report = one(text, "区交通运输局")
    assert (report.progress, report.stage) == (100, "completed")


def test_a_figure_after_a_comma_is_read() -> None:
    assert one("污水厂扩建完成,60%，正在进行设备调试", ZJ).progress == 60
    assert one("污水厂扩建完成，60%", ZJ).progress == 60
    assert one("QB-003 1,200% ").progress_error == "out_of_range"


# ---------------------------------------------------------------- names with a typo


def test_a_typo_in_an_alias_of_the_senders_unit_asks_with_the_near_match() -> None:
    parsed = parse_message("污水厂扩键 进度82%", LEDGER, ZJ)
    report: ProjectReport = parsed.reports[0]
    assert parsed.ambiguous and report.project is None and report.candidates == ("QB-005",)
    assert report.progress == 82


def test_an_exact_alias_is_not_a_near_match() -> None:
    parsed = parse_message("污水厂扩建 进度82%", LEDGER, ZJ)
    assert not parsed.ambiguous and parsed.reports[0].candidates == ()


def test_overlapping_names_go_to_the_project_whose_name_holds_both() -> None:
    assert one("Industrial park Phase II: 10% complete", RD).project == "P002"
    assert one("Industrial park: 10% complete", RD).project == "P001"
