"""Texts of the problems loop: time limits (/deadline), the overdue ladder (the unit told,
the leader in charge told), the digest's overdue section, /mine and a problem's history.

HTML for Telegram's HTML parse mode, except `loop_cb_*` (callback answers: plain text).
"""

TEXTS = {
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
