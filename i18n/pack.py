"""Texts of the meeting pack: the schedule table (调度表) and the bulletin (通报).

Plain text, not HTML: they go into a spreadsheet or a Word document. `/pack`'s chat answers
(pack_caption, pack_empty) are HTML like every chat text.
"""

from __future__ import annotations

TEXTS = {
    # File names and sheets.
    "pack_schedule_file": {"zh": "调度表-{date}.xlsx", "en": "schedule-{date}.xlsx"},
    "pack_bulletin_file": {"zh": "通报-{date}.docx", "en": "bulletin-{date}.docx"},
    "pack_sheet_overview": {"zh": "总表", "en": "Overview"},
    "pack_sheet_lagging": {"zh": "滞后预警", "en": "Lagging"},
    "pack_sheet_problems": {"zh": "问题清单", "en": "Problems"},
    "pack_sheet_ranking": {"zh": "单位排名", "en": "Ranking"},
    "pack_title": {
        "zh": "重点项目调度表（截至{y}年{m}月{d}日）",
        "en": "Key projects schedule (as of {date})",
    },
    "pack_by_light": {"zh": "按状态", "en": "By light"},
    "pack_by_stage": {"zh": "按阶段", "en": "By stage"},
    "pack_total": {"zh": "合计", "en": "Total"},
    # Column headers.
    "pack_col_code": {"zh": "编号", "en": "Code"},
    "pack_col_name": {"zh": "项目名称", "en": "Project"},
    "pack_col_unit": {"zh": "责任单位", "en": "Unit"},
    "pack_col_leader": {"zh": "分管领导", "en": "Leader in charge"},
    "pack_col_stage": {"zh": "阶段", "en": "Stage"},
    "pack_col_planned": {"zh": "计划进度(%)", "en": "Planned (%)"},
    "pack_col_progress": {"zh": "实际进度(%)", "en": "Actual (%)"},
    "pack_col_light": {"zh": "状态", "en": "Light"},
    "pack_col_reason": {"zh": "原因", "en": "Reason"},
    "pack_col_annual_plan": {"zh": "年度计划投资(万元)", "en": "Annual plan (CNY 10k)"},
    "pack_col_invested": {"zh": "已完成投资(万元)", "en": "Invested (CNY 10k)"},
    "pack_col_last_update": {"zh": "最近更新", "en": "Last update"},
    "pack_col_problems": {"zh": "未解决问题", "en": "Open problems"},
    "pack_col_forecast": {"zh": "预计完成", "en": "Forecast done"},
    "pack_col_problem_id": {"zh": "问题编号", "en": "Problem"},
    "pack_col_acting_unit": {"zh": "承办单位", "en": "Acting unit"},
    "pack_col_opened": {"zh": "提出日期", "en": "Opened"},
    "pack_col_days_open": {"zh": "已办天数", "en": "Days open"},
    "pack_col_text": {"zh": "问题内容", "en": "Problem"},
    "pack_col_status": {"zh": "状态", "en": "Status"},
    "pack_status_open": {"zh": "未解决", "en": "open"},
    "pack_col_rank": {"zh": "排名", "en": "Rank"},
    "pack_col_change": {"zh": "较上周", "en": "Change"},
    "pack_col_score": {"zh": "得分", "en": "Score"},
    "pack_col_projects": {"zh": "项目数", "en": "Projects"},
    "pack_col_standing_share": {"zh": "状态正常率(%)", "en": "On track (%)"},
    "pack_col_plan_attainment": {"zh": "计划完成度(%)", "en": "Plan attained (%)"},
    "pack_col_promptness": {"zh": "按时报送率(%)", "en": "Prompt reports (%)"},
    "pack_col_lagging": {"zh": "滞后", "en": "Lagging"},
    "pack_col_at_risk": {"zh": "有风险", "en": "At risk"},
    # The bulletin.
    "pack_bul_title": {"zh": "关于重点项目推进情况的通报", "en": "Bulletin on the key projects"},
    "pack_bul_asof": {"zh": "（截至{y}年{m}月{d}日）", "en": "(as of {date})"},
    "pack_bul_h_overall": {"zh": "一、总体情况", "en": "1. Overall"},
    "pack_bul_h_lagging": {"zh": "二、滞后项目", "en": "2. Lagging projects"},
    "pack_bul_h_ranking": {"zh": "三、单位排名", "en": "3. Unit ranking"},
    "pack_bul_overall": {
        "zh": "截至{y}年{m}月{d}日，纳入调度的重点项目共{n}个，其中滞后{lagging}个、"
              "有风险{at_risk}个、正常推进{on_track}个、已完成{done}个；平均进度{avg}。",
        "en": "As of {date}, {n} key projects are scheduled: {lagging} lagging, {at_risk} at "
              "risk, {on_track} on track and {done} done; average progress {avg}.",
    },
    "pack_bul_invest": {
        "zh": "本年已完成投资{invested}万元，为年度计划投资{plan}万元的{pct}。",
        "en": "Investment completed this year: CNY {invested} (10k), {pct} of the annual plan of "
              "CNY {plan} (10k).",
    },
    "pack_bul_invest_noplan": {
        "zh": "本年已完成投资{invested}万元。",
        "en": "Investment completed this year: CNY {invested} (10k).",
    },
    "pack_bul_problems": {
        "zh": "目前尚有{n}个问题未解决，其中{old}个已超过{days}天。",
        "en": "{n} problems are open, {old} of them for more than {days} days.",
    },
    "pack_bul_lagging_intro": {
        "zh": "以下{n}个项目进度滞后，涉及{units}个单位，请责任单位抓紧推进：",
        "en": "The following {n} projects, in {units} units, are lagging; the units in charge "
              "are asked to catch up:",
    },
    "pack_bul_no_lagging": {"zh": "本期无滞后项目。", "en": "No project is lagging."},
    "pack_bul_unit": {"zh": "{i}{unit}（{n}个）", "en": "{i} {unit} ({n})"},
    "pack_bul_project": {"zh": "　　{code} {name}：{reason}。", "en": "  {code} {name}: {reason}."},
    "pack_bul_no_reason": {"zh": "进度落后于计划", "en": "behind plan"},
    "pack_bul_top": {"zh": "排名前三的单位：{units}。", "en": "The top three units: {units}."},
    "pack_bul_bottom": {"zh": "排名后三的单位：{units}。", "en": "The bottom three units: {units}."},
    "pack_bul_rank": {
        "zh": "第{rank}名{unit}（{score}分，{change}）",
        "en": "{rank}. {unit} ({score} points, {change})",
    },
    "pack_bul_no_ranking": {"zh": "暂无单位排名。", "en": "No unit is ranked yet."},
    "pack_change_up": {"zh": "较上周上升{n}位", "en": "up {n}"},
    "pack_change_down": {"zh": "较上周下降{n}位", "en": "down {n}"},
    "pack_change_same": {"zh": "与上周持平", "en": "unchanged"},
    "pack_change_new": {"zh": "本周新进", "en": "new"},
    # /pack in chat.
    "cmd_pack": {"zh": "调度会材料：调度表和通报", "en": "The meeting pack: schedule and bulletin"},
    "pack_caption": {
        "zh": "重点项目调度会材料（截至 {date}）：调度表与通报，共 {n} 个项目。",
        "en": "Scheduling meeting pack (as of {date}): the schedule table and the bulletin, "
              "{n} projects.",
    },
    "pack_empty": {"zh": "还没有项目，无法生成调度会材料。",
                   "en": "There are no projects yet: no pack to make."},
}
