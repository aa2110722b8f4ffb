"""Texts of the problems loop: time limits (/deadline), the overdue ladder (the unit told,
the leader in charge told), the digest's overdue section, /mine and a problem's history.

HTML for Telegram's HTML parse mode, except `loop_cb_*` (callback answers: plain text).
"""

TEXTS = {
    "rep_col_overdue_problems": {"zh": "逾期问题数", "en": "overdue_problems"},
    "rep_col_problems": {"zh": "问题及期限", "en": "problems"},
    "loop_evidence_saved": {
        "zh": "📎 已作为问题 #{id} 的佐证材料存档。",
        "en": "📎 Attached to problem #{id} as evidence.",
    },
    # /problem <id>: one problem's history
    "loop_hist_title": {
        "zh": "<b>问题 #{id}</b> <code>{code}</code> {name}",
        "en": "<b>Problem #{id}</b> <code>{code}</code> {name}",
    },
    "loop_hist_state": {
        "zh": "状态：{state} · 办理：{unit} · 期限 {date}{late}",
        "en": "Status: {state} · to act: {unit} · due {date}{late}",
    },
    "loop_hist_events": {"zh": "<b>办理经过</b>", "en": "<b>History</b>"},
    "loop_state_open": {"zh": "办理中", "en": "open"},
    "loop_state_awaiting": {"zh": "已办结待确认", "en": "resolved, awaiting confirmation"},
    "loop_state_resolved": {"zh": "已销号", "en": "closed"},
    "loop_ev_bot": {"zh": "系统", "en": "the bot"},
    "loop_ev_opened": {"zh": "登记（{who}），期限 {date}", "en": "opened by {who}, due {date}"},
    "loop_ev_opened_default": {"zh": "登记（{who}）", "en": "opened by {who}"},
    "loop_ev_assigned": {"zh": "交办给 {unit}（{who}）", "en": "handed to {unit} by {who}"},
    "loop_ev_deadline": {"zh": "期限改为 {date}（{who}）", "en": "limit set to {date} by {who}"},
    "loop_ev_overdue": {"zh": "🔥 逾期（期限 {date}），已通知办理单位",
                        "en": "🔥 overdue (due {date}); the acting unit told"},
    "loop_ev_escalated": {"zh": "🚨 逾期 {n} 天，已报告分管领导",
                          "en": "🚨 {n} days overdue; the leader in charge told"},
    "loop_ev_resolved": {"zh": "办结（{who}）：{note}", "en": "resolved by {who}: {note}"},
    "loop_ev_confirmed": {"zh": "✅ 确认销号（{who}）", "en": "✅ confirmed closed by {who}"},
    "loop_ev_confirmed_auto": {"zh": "✅ 超期未确认，自动销号", "en": "✅ unanswered: confirmed by itself"},
    "loop_ev_reopened": {"zh": "↩️ 退回（{who}）：{reason}", "en": "↩️ reopened by {who}: {reason}"},
    "loop_ev_evidence": {"zh": "📎 佐证材料 {what}（{who}）{caption}",
                         "en": "📎 evidence {what} from {who} {caption}"},
    # /problems closed
    "loop_closed_title": {
        "zh": "<b>✅ 近{days}天已销号问题</b>（{n}）",
        "en": "<b>✅ Problems closed in the last {days} days</b> ({n})",
    },
    "loop_closed_none": {"zh": "没有已销号的问题。", "en": "No problem was closed."},
    "loop_closed_item": {
        "zh": "<b>#{id}</b> <code>{code}</code> {text}\n   {unit} · {date} {how}",
        "en": "<b>#{id}</b> <code>{code}</code> {text}\n   {unit} · {date} {how}",
    },
    "loop_closed_leader": {"zh": "领导办结（{who}）", "en": "closed by leader {who}"},
    "loop_closed_own": {"zh": "本单位办结（{who}）", "en": "closed by its own unit ({who})"},
    "loop_closed_raiser": {"zh": "提出方确认（{who}）", "en": "confirmed by {who}"},
    "loop_closed_auto": {"zh": "超期自动销号", "en": "confirmed by itself (unanswered)"},
    # confirmed closing
    "loop_confirm": {"zh": "✅ 确认销号", "en": "✅ Confirm (close)"},
    "loop_reopen": {"zh": "↩️ 未解决，退回", "en": "↩️ Not solved: reopen"},
    "loop_notice_awaiting": {
        "zh": ("🔔 <b>问题 #{id} 已办结，请确认销号</b>\n项目：<code>{code}</code> {name}\n"
               "问题：{text}\n办理情况：{note}\n办结人：{who}\n"
               "{days} 天内未答复将自动销号。"),
        "en": ("🔔 <b>Problem #{id} resolved: please confirm</b>\nProject: <code>{code}</code> "
               "{name}\nProblem: {text}\nNote: {note}\nResolved by: {who}\n"
               "Without an answer in {days} days it is closed by itself."),
    },
    "loop_resolved_awaiting": {
        "zh": "✅ 问题 #{id} 已办结，等待提出方确认销号。{told}",
        "en": "✅ Problem #{id} resolved; waiting for the side that raised it to confirm. {told}",
    },
    "loop_cb_stale": {
        "zh": "⛔ 这个按钮已失效：问题 #{id} 已确认、退回或重新办结，未作改动。",
        "en": "⛔ This button is out of date: problem #{id} was confirmed, reopened or "
              "resolved again since; nothing changed.",
    },
    "loop_notice_confirmed": {
        "zh": "✅ <b>问题 #{id} 已确认销号</b>\n项目：<code>{code}</code> {name}\n问题：{text}\n确认人：{who}",
        "en": ("✅ <b>Problem #{id} confirmed closed</b>\nProject: <code>{code}</code> {name}\n"
               "Problem: {text}\nConfirmed by: {who}"),
    },
    "loop_notice_reopened": {
        "zh": ("↩️ <b>问题 #{id} 被退回，请继续办理</b>\n项目：<code>{code}</code> {name}\n"
               "问题：{text}\n退回人：{who}"),
        "en": ("↩️ <b>Problem #{id} reopened: please act on it again</b>\nProject: "
               "<code>{code}</code> {name}\nProblem: {text}\nReopened by: {who}"),
    },
    "loop_confirmed": {"zh": "✅ 问题 #{id} 已确认销号。{told}", "en": "✅ Problem #{id} closed. {told}"},
    "loop_reopened": {
        "zh": "↩️ 问题 #{id} 已退回办理单位。{told}\n请回复本消息说明退回原因。",
        "en": "↩️ Problem #{id} is open again. {told}\nPlease reply to this message with the reason.",
    },
    "loop_notice_reason": {
        "zh": "↩️ 问题 #{id}（<code>{code}</code>）退回原因：{reason}\n问题：{text}\n退回人：{who}",
        "en": "↩️ Problem #{id} (<code>{code}</code>) was reopened because: {reason}\n"
              "Problem: {text}\nReopened by: {who}",
    },
    "loop_reason_saved": {
        "zh": "✅ 已记录问题 #{id} 的退回原因。{told}",
        "en": "✅ The reason for reopening problem #{id} is recorded. {told}",
    },
    "cmd_mine": {"zh": "我分管的项目", "en": "The projects I am in charge of"},
    "mine_title": {
        "zh": "<b>📋 {leader} 分管的项目</b>（{n}）",
        "en": "<b>📋 Projects in {leader}'s charge</b> ({n})",
    },
    "mine_none": {
        "zh": "台账中没有分管领导为此姓名的项目。",
        "en": "No project in the ledger names this leader.",
    },
    "mine_overdue": {"zh": "   🔥 #{id} {text}（逾期{n}天）", "en": "   🔥 #{id} {text} ({n} days overdue)"},
    "mine_not_linked": {
        "zh": ("ℹ️ 您的账号还没有对应台账中的分管领导姓名，发送 /status 查看全部项目。"
               "请管理员用 /invite leader 姓名 或 bot.py grant 您的ID leader --name 姓名 关联。"),
        "en": ("ℹ️ Your account is not linked to a leader name in the ledger; send /status to see "
               "every project. An admin links it with /invite leader NAME or "
               "bot.py grant YOUR_ID leader --name NAME."),
    },
    "mine_unlinked": {
        "zh": "未关联账号的分管领导：{names}",
        "en": "Leaders in the ledger with no linked account: {names}",
    },
    "cmd_deadline": {"zh": "调整问题期限：/deadline 问题号 日期", "en": "Change a problem's time limit"},
    # /problems
    "loop_overdue_flag": {"zh": " 🔥逾期{n}天", "en": " 🔥{n} days overdue"},
    "loop_due_soon_flag": {"zh": " ⏰", "en": " ⏰"},
    "loop_due": {"zh": " · 期限 {date}", "en": " · due {date}"},
    # /problem answer
    "loop_opened_due": {"zh": "\n⏳ 办理期限：{date}", "en": "\n⏳ Due: {date}"},
    # /deadline
    "loop_deadline_usage": {
        "zh": "/deadline 问题号 日期，例如 /deadline 12 2026-12-15 或 /deadline 12 12月15日",
        "en": "/deadline PROBLEM_ID DATE, e.g. /deadline 12 2026-12-15 or /deadline 12 15 Dec",
    },
    "loop_bad_date": {
        "zh": "⛔ 看不懂日期“{text}”。请写成 2026-12-15、12月15日 或 15 Dec。",
        "en": "⛔ “{text}” is not a date I can read. Write it as 2026-12-15, 12月15日 or 15 Dec.",
    },
    "loop_past_date": {
        "zh": "⛔ {date} 已经过去，请给出今天或以后的日期。",
        "en": "⛔ {date} is in the past; give today or a later date.",
    },
    "loop_deadline_set": {
        "zh": "✅ 问题 #{id} 的办理期限改为 {date}。{told}",
        "en": "✅ Problem #{id} is now due on {date}. {told}",
    },
    "loop_notice_deadline": {
        "zh": ("⏳ <b>问题 #{id} 办理期限调整为 {date}</b>\n项目：<code>{code}</code> {name}\n"
               "问题：{text}\n调整人：{who}"),
        "en": ("⏳ <b>Problem #{id} is now due on {date}</b>\nProject: <code>{code}</code> "
               "{name}\nProblem: {text}\nSet by: {who}"),
    },
    # the ladder
    "loop_notice_overdue": {
        "zh": ("🔥 <b>问题 #{id} 已超过办理期限（{date}）</b>\n项目：<code>{code}</code> {name}\n"
               "问题：{text}\n请尽快办理，办结后发送 /resolve {id} 办理情况。"
               "逾期 {days} 天后将报告分管领导。"),
        "en": ("🔥 <b>Problem #{id} is past its limit ({date})</b>\nProject: <code>{code}</code> "
               "{name}\nProblem: {text}\nPlease act now; when solved, send /resolve {id} NOTE. "
               "After {days} days overdue the leader in charge is told."),
    },
    "loop_notice_escalated": {
        "zh": ("🚨 <b>督办：问题 #{id} 已逾期 {n} 天</b>\n项目：<code>{code}</code> {name}\n"
               "问题：{text}\n办理单位：{unit}\n期限：{date}"),
        "en": ("🚨 <b>Overdue: problem #{id} is {n} days past its limit</b>\nProject: "
               "<code>{code}</code> {name}\nProblem: {text}\nTo act: {unit}\nDue: {date}"),
    },
    "loop_open_status": {"zh": "查看 /status {code}", "en": "Open /status {code}"},
    # the digest
    "loop_digest_overdue": {
        "zh": "<b>督办：逾期问题（{n}）</b>",
        "en": "<b>Overdue problems ({n})</b>",
    },
    "loop_digest_unit": {"zh": "▪️ <b>{unit}</b>", "en": "▪️ <b>{unit}</b>"},
    "loop_digest_item": {
        "zh": "   #{id} <code>{code}</code> {text}（逾期{n}天）",
        "en": "   #{id} <code>{code}</code> {text} ({n} days overdue)",
    },
}
