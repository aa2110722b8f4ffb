"""Texts of the problems loop: time limits (/deadline), the overdue ladder (the unit told,
the leader in charge told), the digest's overdue section, /mine and a problem's history.

HTML for Telegram's HTML parse mode, except `loop_cb_*` (callback answers: plain text).
"""

TEXTS = {
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
