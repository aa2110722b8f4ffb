"""Texts of the meeting pack: the schedule table (调度表) and the bulletin (通报).

Plain text, not HTML: they go into a spreadsheet or a Word document. `/pack`'s chat answers
(pack_caption, pack_digest_caption, pack_empty, config_error_switch) are HTML like every
chat text.
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
    "pack_sheet_week": {"zh": "本周动态", "en": "This week"},
    "pack_sheet_nodes": {"zh": "节点", "en": "Nodes"},
    "pack_title": {
        "zh": "重点项目调度表（截至{y}年{m}月{d}日）",
        "en": "Key projects schedule (as of {date})",
    },
    "pack_by_light": {"zh": "按状态", "en": "By light"},
    "pack_by_stage": {"zh": "按阶段", "en": "By stage"},
    "pack_total": {"zh": "合计", "en": "Total"},
    "pack_investment": {"zh": "投资", "en": "Investment"},
    "pack_invest_share": {"zh": "完成年度计划(%)", "en": "Of the annual plan (%)"},
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
    "pack_col_invested": {"zh": "累计完成投资(万元)", "en": "Invested in all (CNY 10k)"},
    "pack_col_invested_year": {"zh": "本年完成投资(万元)", "en": "Invested this year (CNY 10k)"},
    "pack_col_last_update": {"zh": "最近更新", "en": "Last update"},
    "pack_col_problems": {"zh": "未解决问题", "en": "Open problems"},
    "pack_col_forecast": {"zh": "预计完成", "en": "Forecast done"},
    "pack_col_problem_id": {"zh": "问题编号", "en": "Problem"},
    "pack_col_acting_unit": {"zh": "承办单位", "en": "Acting unit"},
    "pack_col_opened": {"zh": "提出日期", "en": "Opened"},
    "pack_col_text": {"zh": "问题内容", "en": "Problem"},
    "pack_col_due": {"zh": "办结时限", "en": "Deadline"},
    "pack_col_days_overdue": {"zh": "逾期天数", "en": "Days overdue"},
    "pack_col_status": {"zh": "状态", "en": "Status"},
    "pack_status_open": {"zh": "未解决", "en": "open"},
    "pack_status_overdue": {"zh": "逾期未解决", "en": "overdue"},
    "pack_col_when": {"zh": "时间", "en": "When"},
    "pack_col_author": {"zh": "报送人", "en": "By"},
    "pack_col_update_text": {"zh": "报送内容", "en": "What was reported"},
    "pack_col_node": {"zh": "节点", "en": "Node"},
    "pack_col_node_due": {"zh": "节点时间", "en": "Due"},
    "pack_col_node_progress": {"zh": "节点进度(%)", "en": "Progress due (%)"},
    "pack_col_node_reached": {"zh": "达成日期", "en": "Reached on"},
    "pack_col_node_status": {"zh": "完成情况", "en": "Status"},
    "pack_node_reached": {"zh": "按期完成", "en": "reached"},
    "pack_node_late": {"zh": "逾期完成", "en": "reached late"},
    "pack_node_missed": {"zh": "逾期未完成", "en": "missed"},
    "pack_node_upcoming": {"zh": "未到期", "en": "upcoming"},
    "pack_unassigned": {"zh": "未指定单位", "en": "no unit"},
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
    "pack_bul_h_changes": {"zh": "二、本周变化", "en": "2. Since last week"},
    "pack_bul_h_lagging": {"zh": "三、滞后项目", "en": "3. Lagging projects"},
    "pack_bul_h_ranking": {"zh": "四、单位排名", "en": "4. Unit ranking"},
    "pack_bul_h_overdue": {"zh": "五、逾期问题", "en": "5. Overdue problems"},
    "pack_bul_h_chart": {"zh": "附图：重点项目挂图作战图", "en": "Annex: the wall chart"},
    "pack_bul_more": {"zh": "等，共{n}个未列出", "en": " and {n} more"},
    "pack_bul_red": {
        "zh": "本周新转为滞后的项目{n}个：{names}。",
        "en": "Turned red this week ({n}): {names}.",
    },
    "pack_bul_no_previous": {
        "zh": "一周前尚无调度项目，本期不作比较。",
        "en": "No project was scheduled a week ago: nothing to compare with.",
    },
    "pack_bul_no_red": {"zh": "本周没有项目新转为滞后。", "en": "No project turned red this week."},
    "pack_bul_green": {
        "zh": "由滞后或有风险转为正常推进的项目{n}个：{names}。",
        "en": "Back on track from lagging or at risk ({n}): {names}.",
    },
    "pack_bul_no_green": {"zh": "没有项目由滞后或有风险转为正常。",
                          "en": "No project went back to on track."},
    "pack_bul_done": {"zh": "本周完成项目{n}个：{names}。",
                      "en": "Completed this week ({n}): {names}."},
    "pack_bul_no_done": {"zh": "本周没有新完成的项目。", "en": "No project was completed this week."},
    "pack_bul_nodes": {
        "zh": "本周达成节点{reached}个，错过节点{missed}个。",
        "en": "Nodes reached this week: {reached}; missed: {missed}.",
    },
    "pack_bul_nodes_missed": {"zh": "错过的节点：{names}。", "en": "Missed: {names}."},
    "pack_bul_problem_week": {
        "zh": "本周新提出问题{opened}个，办结{closed}个，目前逾期未解决{overdue}个。",
        "en": "Problems raised this week: {opened}; closed: {closed}; overdue now: "
              "{overdue}.",
    },
    "pack_bul_no_overdue": {"zh": "目前没有逾期未解决的问题。", "en": "No problem is overdue."},
    "pack_bul_overdue_intro": {
        "zh": "以下{n}个问题已超过办结时限，涉及{units}个承办单位，请抓紧办理：",
        "en": "Problems past their deadline: {n}, in acting units: {units}. The units are "
              "asked to settle them:",
    },
    "pack_bul_overdue_unit": {"zh": "{i}{unit}（{n}个）：{items}。",
                              "en": "{i} {unit} ({n}): {items}."},
    "pack_bul_overdue_item": {"zh": "问题#{id}（{name}，逾期{days}天）",
                              "en": "problem #{id} ({name}, {days} days overdue)"},
    "pack_bul_overall": {
        "zh": "截至{y}年{m}月{d}日，纳入调度的重点项目共{n}个，其中滞后{lagging}个、"
              "有风险{at_risk}个、正常推进{on_track}个、已完成{done}个；平均进度{avg}。",
        "en": "As of {date}, key projects scheduled: {n} — lagging {lagging}, at risk "
              "{at_risk}, on track {on_track}, done {done}; average progress {avg}.",
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
        "en": "Open problems: {n}, of which open for more than {days} days: {old}.",
    },
    "pack_bul_lagging_intro": {
        "zh": "以下{n}个项目进度滞后，涉及{units}个单位，请责任单位抓紧推进：",
        "en": "Lagging projects: {n}, in units: {units}. The units in charge are asked to "
              "catch up:",
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
    # /settings digest_pack with a value that is neither on nor off.
    "config_error_switch": {
        "zh": "须为 <code>on</code> 或 <code>off</code>（开/关），收到的是 <code>{value}</code>",
        "en": "expected <code>on</code> or <code>off</code>, not <code>{value}</code>",
    },
    "pack_digest_caption": {
        "zh": "调度会材料（截至 {date}）：调度表与通报。",
        "en": "The meeting pack (as of {date}): the schedule table and the bulletin.",
    },
    "pack_empty": {"zh": "还没有项目，无法生成调度会材料。",
                   "en": "There are no projects yet: no pack to make."},
}
