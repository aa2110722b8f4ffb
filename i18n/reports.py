"""Texts of the reports: /status, /lagging, /problems, the wall chart and the export.

HTML for Telegram's HTML parse mode (except the `rep_chart_*` and `rep_col_*` texts, which are
plain: they go into a picture or a spreadsheet). User-supplied values are escaped by the caller,
except in `reason_text`, which escapes the node title it formats in.
"""

from __future__ import annotations

import html

TEXTS = {
    # Standing and stage names.
    "rep_standing_lagging": {"zh": "滞后", "en": "lagging"},
    "rep_standing_at_risk": {"zh": "有风险", "en": "at risk"},
    "rep_standing_on_track": {"zh": "正常", "en": "on track"},
    "rep_standing_done": {"zh": "已完成", "en": "done"},
    "rep_stage_negotiating": {"zh": "在谈", "en": "negotiating"},
    "rep_stage_signed": {"zh": "签约", "en": "signed"},
    "rep_stage_started": {"zh": "在建", "en": "under construction"},
    "rep_stage_completed": {"zh": "竣工", "en": "completed"},
    "rep_stage_none": {"zh": "未填", "en": "not set"},
    # Numbers.
    "rep_amount_small": {"zh": "{v}万元", "en": "CNY {v}M"},
    "rep_amount_big": {"zh": "{v}亿元", "en": "CNY {v}bn"},
    "rep_days": {"zh": "{n}天", "en": "{n}d"},
    "rep_page": {"zh": "（{i}/{n}）", "en": " ({i}/{n})"},
    # One project in a list.
    "rep_item_progress": {
        "zh": "进度 {actual} / 计划 {planned}",
        "en": "progress {actual} / plan {planned}",
    },
    "rep_item_progress_noplan": {
        "zh": "进度 {actual}（无计划）",
        "en": "progress {actual} (no plan)",
    },
    "rep_item_behind": {"zh": "落后 {n} 点", "en": "{n} pts behind"},
    "rep_item_past_end": {"zh": "已过计划竣工 {date}", "en": "past deadline {date}"},
    "rep_item_stale": {"zh": "{n}天未更新", "en": "no update for {n}d"},
    "rep_item_never": {"zh": "从未更新", "en": "never updated"},
    "rep_item_problems": {"zh": "问题 {n}", "en": "problems: {n}"},
    # /status for leaders.
    "rep_sum_title": {
        "zh": "<b>📊 重点项目总览</b>（{date}，共 {n} 个）",
        "en": "<b>📊 Key projects</b> ({date}, {n} in all)",
    },
    "rep_sum_stages": {"zh": "阶段：{stages}", "en": "Stage: {stages}"},
    "rep_sum_avg": {"zh": "平均进度 {pct}", "en": "Average progress {pct}"},
    # investment (reports.summary.investment_lines): this year's against the annual plan, the
    # cumulative against the total investment
    "rep_invest_year": {
        "zh": "💰 本年完成投资 {invested}，年度计划 {goal}（{pct}）",
        "en": "💰 Invested this year {invested} of {goal} planned ({pct})",
    },
    "rep_invest_year_nogoal": {
        "zh": "💰 本年完成投资 {invested}（未设年度计划）",
        "en": "💰 Invested this year {invested} (no annual plan set)",
    },
    "rep_invest_total": {
        "zh": "🏗 累计完成投资 {invested}，总投资 {goal}（{pct}）",
        "en": "🏗 Invested so far {invested} of {goal} in all ({pct})",
    },
    "rep_invest_total_nogoal": {
        "zh": "🏗 累计完成投资 {invested}（未设总投资）",
        "en": "🏗 Invested so far {invested} (no total investment set)",
    },
    "rep_derived": {"zh": "（推算）", "en": " (derived)"},
    "rep_derived_some": {"zh": "（含推算）", "en": " (partly derived)"},
    "rep_sum_worst": {"zh": "<b>最需关注的项目</b>", "en": "<b>Projects needing attention</b>"},
    "rep_sum_worst_more": {
        "zh": "……另有 {n} 个，见 /lagging",
        "en": "…and {n} more: /lagging",
    },
    "rep_sum_ranking": {"zh": "<b>🏇 单位排名</b>", "en": "<b>🏇 Unit ranking</b>"},
    "rep_rank_line": {
        "zh": "{rank}. {unit}  {score}分 {change}",
        "en": "{rank}. {unit}  {score} {change}",
    },
    "rep_rank_detail": {
        "zh": "   {n}个项目 🔴{lagging} 🟠{at_risk} 🟢{on_track} ✅{done}",
        "en": "   {n} project{n_s} 🔴{lagging} 🟠{at_risk} 🟢{on_track} ✅{done}",
    },
    "rep_rank_new": {"zh": "新", "en": "new"},
    "rep_none_lagging": {
        "zh": "没有滞后或有风险的项目 👍",
        "en": "No lagging or at-risk projects 👍",
    },
    "rep_no_projects": {"zh": "还没有项目。", "en": "No projects yet."},
    # /status <unit>
    "rep_unit_title": {
        "zh": "<b>🏢 {unit}</b>（{n} 个项目）",
        "en": "<b>🏢 {unit}</b> ({n} project{n_s})",
    },
    "rep_unit_rank": {
        "zh": "排名 {rank}/{total} · {score}分 {change}",
        "en": "Rank {rank} of {total} · score {score} {change}",
    },
    # /status <code>
    "rep_proj_unit": {"zh": "单位：{unit}", "en": "Unit: {unit}"},
    "rep_proj_leader": {"zh": "分管领导：{leader}", "en": "Leader in charge: {leader}"},
    "rep_proj_standing": {
        "zh": "状态：{standing} · 阶段：{stage}",
        "en": "Standing: {standing} · stage: {stage}",
    },
    "rep_proj_dates": {"zh": "计划：{start} → {end}", "en": "Plan: {start} → {end}"},
    "rep_proj_progress": {
        "zh": "进度：实际 {actual}，计划 {planned}",
        "en": "Progress: {actual}, plan {planned}",
    },
    "rep_proj_progress_noplan": {
        "zh": "进度：实际 {actual}（无计划日期，无法比较）",
        "en": "Progress: {actual} (no planned dates to compare with)",
    },
    "rep_proj_behind": {"zh": "⏬ 落后计划 {n} 个百分点", "en": "⏬ {n} points behind plan"},
    "rep_proj_ahead": {"zh": "⏫ 超前计划 {n} 个百分点", "en": "⏫ {n} points ahead of plan"},
    "rep_proj_past_end": {
        "zh": "⛔ 已过计划竣工日期 {date}",
        "en": "⛔ Past its planned end, {date}",
    },
    "rep_proj_last": {
        "zh": "最近更新：{date}（{days}天前）",
        "en": "Last update: {date} ({days}d ago)",
    },
    "rep_proj_last_stale": {
        "zh": "最近更新：{date}（{days}天前，已超期）",
        "en": "Last update: {date} ({days}d ago, overdue)",
    },
    "rep_proj_never": {
        "zh": "尚无更新（录入 {days} 天）",
        "en": "No update yet (added {days}d ago)",
    },
    "rep_proj_updates": {"zh": "<b>近期报送</b>", "en": "<b>Recent reports</b>"},
    "rep_proj_update_line": {"zh": "• {when} {who}：{text}", "en": "• {when} {who}: {text}"},
    "rep_proj_problems": {
        "zh": "<b>未解决问题（{n}）</b>",
        "en": "<b>Open problems ({n})</b>",
    },
    "rep_proj_problem_line": {
        "zh": "#{id} {text}（{age}，{acting}）",
        "en": "#{id} {text} ({age}, {acting})",
    },
    "rep_acting": {"zh": "{unit} 办理", "en": "{unit} to act"},
    "rep_unassigned": {"zh": "待分派", "en": "unassigned"},
    "rep_unknown": {"zh": "—", "en": "—"},
    # /lagging
    "rep_lag_title": {
        "zh": "<b>⚠️ 滞后与风险项目</b>（🔴 {lagging} · 🟠 {at_risk}）",
        "en": "<b>⚠️ Lagging and at-risk projects</b> (🔴 {lagging} · 🟠 {at_risk})",
    },
    "rep_lag_lagging": {"zh": "<b>🔴 滞后</b>", "en": "<b>🔴 Lagging</b>"},
    "rep_lag_at_risk": {"zh": "<b>🟠 有风险</b>", "en": "<b>🟠 At risk</b>"},
    # /problems
    "rep_probs_title": {
        "zh": "<b>❗ 未解决问题</b>（{n}）",
        "en": "<b>❗ Open problems</b> ({n})",
    },
    "rep_probs_none": {"zh": "没有未解决的问题 👍", "en": "No open problems 👍"},
    "rep_probs_head": {
        "zh": "<b>#{id}</b> {age}{flag} · {project}",
        "en": "<b>#{id}</b> {age}{flag} · {project}",
    },
    "rep_probs_acting": {"zh": "   ➡️ 办理：{unit}", "en": "   ➡️ To act: {unit}"},
    # The wall chart (plain text inside a picture).
    "rep_chart_title": {"zh": "重点项目挂图 {date}", "en": "Key projects wall chart {date}"},
    "rep_chart_title_unit": {"zh": "{unit} 重点项目挂图 {date}",
                             "en": "{unit}: key projects wall chart {date}"},
    "rep_lag_title_unit": {
        "zh": "<b>⚠️ {unit} 滞后与风险项目</b>（🔴 {lagging} · 🟠 {at_risk}）",
        "en": "<b>⚠️ {unit}: lagging and at-risk projects</b> (🔴 {lagging} · 🟠 {at_risk})",
    },
    "rep_chart_plan": {"zh": "计划进度", "en": "planned"},
    "rep_chart_xlabel": {"zh": "进度（%）", "en": "Progress (%)"},
    "rep_chart_more": {
        "zh": "另有 {n} 个项目未显示（情况较好的）",
        "en": "{n} more projects not shown (the better ones)",
    },
    "rep_chart_empty": {"zh": "没有项目", "en": "No projects"},
    "rep_chart_cont": {"zh": "（续）", "en": " (cont.)"},
    # Why a project is lagging or at risk (reports.standing.Reason), formatted by reason_text.
    "rep_reason_behind": {"zh": "落后计划 {points} 个百分点", "en": "{points} points behind plan"},
    "rep_reason_ratio": {
        "zh": "实际进度仅为计划的 {ratio}（落后 {points} 个百分点）",
        "en": "at {ratio} of planned progress ({points} points behind)",
    },
    "rep_reason_past_end": {
        "zh": "已过计划竣工日期 {date}（{days} 天）",
        "en": "{days}d past its planned end, {date}",
    },
    "rep_reason_node_missed": {
        "zh": "节点“{title}”（{date} 达到 {target}）未完成，差 {points} 个百分点",
        "en": "missed node “{title}” ({target} by {date}), {points} points short",
    },
    "rep_reason_node_missed_untitled": {
        "zh": "{date} 节点（{target}）未完成，差 {points} 个百分点",
        "en": "missed the node due {date} ({target}), {points} points short",
    },
    "rep_reason_not_started": {
        "zh": "计划开工 {date} 已过 {days} 天，仍未开工",
        "en": "not started {days}d after its planned start, {date}",
    },
    "rep_reason_stale": {"zh": "{days} 天未更新", "en": "no update for {days}d"},
    "rep_reason_forecast_late": {
        "zh": "按目前进度预计 {date} 完成，比计划晚 {days} 天",
        "en": "at this pace: done {date}, {days} days after plan",
    },
    "rep_reason_stalled": {
        "zh": "自 {date} 起进度停在 {target}",
        "en": "progress stuck at {target} since {date}",
    },
    # Export headers in Chinese (plain text); the English headers are the column keys.
    "rep_col_code": {"zh": "编号", "en": "code"},
    "rep_col_name": {"zh": "项目名称", "en": "name"},
    "rep_col_unit": {"zh": "责任单位", "en": "unit"},
    "rep_col_leader": {"zh": "分管领导", "en": "leader"},
    "rep_col_stage": {"zh": "阶段", "en": "stage"},
    "rep_col_planned_start": {"zh": "计划开工", "en": "planned_start"},
    "rep_col_planned_end": {"zh": "计划竣工", "en": "planned_end"},
    "rep_col_total_investment": {"zh": "总投资（万元）", "en": "total_investment"},
    "rep_col_annual_plan": {"zh": "年度计划投资（万元）", "en": "annual_plan"},
    "rep_col_aliases": {"zh": "别名", "en": "aliases"},
    "rep_col_progress": {"zh": "进度（%）", "en": "progress"},
    "rep_col_planned_progress": {"zh": "计划进度（%）", "en": "planned_progress"},
    "rep_col_behind": {"zh": "落后（百分点）", "en": "behind"},
    "rep_col_standing": {"zh": "状态", "en": "standing"},
    "rep_col_last_update_at": {"zh": "最近更新时间", "en": "last_update_at"},
    "rep_col_days_since_update": {"zh": "未更新天数", "en": "days_since_update"},
    "rep_col_invested": {"zh": "已完成投资（万元）", "en": "invested"},
    "rep_col_invested_derived": {"zh": "累计投资来源", "en": "invested_derived"},
    "rep_col_invested_this_year": {"zh": "本年完成投资（万元）", "en": "invested_this_year"},
    "rep_col_invested_this_year_derived": {"zh": "本年投资来源", "en": "invested_this_year_derived"},
    "rep_value_derived": {"zh": "推算", "en": "derived"},
    "rep_col_open_problems": {"zh": "未解决问题数", "en": "open_problems"},
    "rep_col_latest_update": {"zh": "最近更新内容", "en": "latest_update"},
}


def _number(value: float | None) -> str:
    """43.27 -> '43.3', 10.0 -> '10' (reports.summary.fmt_num imports i18n, so not reused)."""
    if value is None:
        return "—"
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def reason_text(reason, lang: str) -> str:
    """One reason (a reports.standing.Reason) as a short HTML phrase in `lang` (zh or en).

    E.g. Reason("behind", points=12.5) -> "落后计划 12.5 个百分点" / "12.5 points behind plan";
    Reason("forecast_late", on=date(2027, 5, 10), days=41) -> "按目前进度预计 2027-05-10
    完成，比计划晚 41 天" / "at this pace: done 2027-05-10, 41 days after plan".
    """
    key = f"rep_reason_{reason.code}"
    if reason.code == "node_missed" and not reason.title:
        key = "rep_reason_node_missed_untitled"
    texts = TEXTS[key]
    return texts.get(lang, texts["zh"]).format(
        points=_number(reason.points),
        ratio="—" if reason.ratio is None else f"{_number(100 * reason.ratio)}%",
        days=reason.days,
        date="—" if reason.on is None else reason.on.isoformat(),
        title=html.escape(reason.title or "", quote=False),
        target="—" if reason.target is None else f"{_number(reason.target)}%",
    )


def reasons_text(reasons, lang: str) -> str:
    """Several reasons joined into one line: "；" in Chinese, "; " in English."""
    return ("；" if lang == "zh" else "; ").join(reason_text(r, lang) for r in reasons)


# Why a project is lagging or at risk, and its forecast, in /status <code>.
TEXTS |= {
    "rep_proj_why": {"zh": "⚠️ 原因：{reasons}", "en": "⚠️ Why: {reasons}"},
    "rep_proj_forecast_late": {
        "zh": "📈 按目前进度预计 {date} 完成，比计划晚 {days} 天",
        "en": "📈 At this pace: done {date}, {days} days after plan",
    },
    "rep_proj_forecast_early": {
        "zh": "📈 按目前进度预计 {date} 完成，比计划早 {days} 天",
        "en": "📈 At this pace: done {date}, {days} days before plan",
    },
    "rep_proj_forecast_on_plan": {
        "zh": "📈 按目前进度预计 {date} 完成，与计划同日",
        "en": "📈 At this pace: done {date}, the planned day",
    },
    "rep_proj_forecast_no_plan": {
        "zh": "📈 按目前进度预计 {date} 完成", "en": "📈 At this pace: done {date}",
    },
    "rep_proj_stalled": {
        "zh": "⏸ 最近三次报送进度均为 {pct}（自 {date} 起），按目前进度无法完成",
        "en": "⏸ No progress over the last three updates ({pct} since {date}): at this pace "
              "it is never done",
    },
    "rep_proj_no_pace": {
        "zh": "📉 近期进度没有增长，无法预计完成日期",
        "en": "📉 No progress recently: no completion date can be forecast",
    },
    "rep_proj_no_forecast": {
        "zh": "📈 预计完成：报送记录不足（需要相隔至少 14 天的两次进度）",
        "en": "📈 Forecast: not enough history yet (two progress figures at least 14 days apart)",
    },
}


# /status ranking: the ranking's formula, and each unit's inputs to check it by hand.
TEXTS |= {
    "rep_rank_explain_title": {"zh": "<b>🏇 单位排名怎么算</b>",
                               "en": "<b>🏇 How the units are scored</b>"},
    "rep_rank_explain": {
        "zh": "得分 = 100 ×（0.5 × S + 0.3 × A + 0.2 × R），只算报送过或未完成的项目（n 个）。"
              "S：已报送且正常或已完成的项目数 ÷ n；A：已完成（按 1）或今天计划进度大于 0 的项目"
              "“实际 ÷ 计划”（最多按 1，从未报送按 0）的平均值，没有这样的项目时不计 A，"
              "得分 = 100 ×（0.5 × S + 0.2 × R）÷ 0.7；R：已报送且 {stale_days} 天内有更新的"
              "项目数 ÷ n。从未报送的单位得 0 分。",
        "en": "score = 100 × (0.5 × S + 0.3 × A + 0.2 × R) over the unit's n projects that were "
              "updated or are not done. S: those updated and on track or done ÷ n; A: the mean "
              "of actual ÷ planned (at most 1; done counts 1, never updated 0) over those done "
              "or planned above 0 today — with none, A is left out: 100 × (0.5 × S + 0.2 × R) "
              "÷ 0.7; R: those updated within {stale_days} days ÷ n. A unit that never reported "
              "scores 0.",
    },
    "rep_rank_explain_line": {
        "zh": "{rank}. {unit}：{score} = 100 ×（0.5 × {s} + 0.3 × {a} + 0.2 × {r}），n = {n}",
        "en": "{rank}. {unit}: {score} = 100 × (0.5 × {s} + 0.3 × {a} + 0.2 × {r}), n = {n}",
    },
    "rep_rank_explain_line_no_a": {
        "zh": "{rank}. {unit}：{score} = 100 ×（0.5 × {s} + 0.2 × {r}）÷ 0.7，n = {n}",
        "en": "{rank}. {unit}: {score} = 100 × (0.5 × {s} + 0.2 × {r}) ÷ 0.7, n = {n}",
    },
}
