"""Texts of what leaders see around the reports: /status look-ups, paging, the problems
ledger (/problem, /assign, /resolve and the notices they send), /chart and /export.

HTML for Telegram's HTML parse mode, except `lead_cb_*` (callback answers: plain text, at most
200 characters). User-supplied values are escaped by the caller.
"""

TEXTS = {
    # /status, /lagging, /chart arguments
    "lead_unknown_target": {
        "zh": "⛔ 没有编号或名称为“{arg}”的项目或单位。发送 /status 查看全部。",
        "en": "⛔ There is no project or unit “{arg}”. Send /status to see them all.",
    },
    "lead_unknown_unit": {
        "zh": "⛔ 没有名为“{unit}”的单位。现有单位：{units}",
        "en": "⛔ There is no unit called “{unit}”. Units: {units}",
    },
    "lead_unknown_project": {
        "zh": "⛔ 没有编号为“{code}”的项目。发送 /status 查看全部。",
        "en": "⛔ There is no project with the code “{code}”. Send /status to see them all.",
    },
    "lead_no_unit": {
        "zh": "⛔ 您尚未归属任何单位，请联系管理员。",
        "en": "⛔ You do not belong to a unit yet; ask an admin.",
    },
    # paging buttons and callback answers (plain text)
    "lead_page_prev": {"zh": "◀ 上一页", "en": "◀ Previous"},
    "lead_page_next": {"zh": "下一页 ▶", "en": "Next ▶"},
    "lead_cb_expired": {
        "zh": "这个按钮已失效，请重新发送命令。",
        "en": "This button no longer works; send the command again.",
    },
    "lead_cb_refused": {
        "zh": "⛔ 您无权查看这些内容。",
        "en": "⛔ You may not see this.",
    },
    "lead_refused_in_group": {  # names no unit: the group may not read the asker's
        "zh": "⛔ 本群只显示和记录本群单位的数据（限本单位成员和领导）；其他单位或项目请私聊我。",
        "en": "⛔ This group shows and records only its own unit's data (to that unit's members and leaders); for other units or projects, ask me in a private chat.",
    },
    # the problems ledger
    "lead_problem_usage": {
        "zh": "/problem 项目编号 问题内容，例如 /problem QB-001 电力接入方案未批复",
        "en": "/problem CODE TEXT, e.g. /problem QB-001 grid connection not approved",
    },
    "lead_assign_usage": {
        "zh": "/assign 问题号 单位名称，例如 /assign 12 区自然资源局",
        "en": "/assign PROBLEM_ID UNIT, e.g. /assign 12 Planning Bureau",
    },
    "lead_resolve_usage": {
        "zh": "/resolve 问题号 [办理情况]，例如 /resolve 12 已协调供电公司",
        "en": "/resolve PROBLEM_ID [NOTE], e.g. /resolve 12 grid company agreed",
    },
    "lead_problem_too_long": {
        "zh": "⛔ 问题内容太长（最多 {max} 字），请精简后再发。",
        "en": "⛔ The problem text is too long (at most {max} characters); please shorten it.",
    },
    "lead_unknown_problem": {
        "zh": "⛔ 没有问题 #{id}。发送 /problems 查看未解决的问题。",
        "en": "⛔ There is no problem #{id}. Send /problems to see the open ones.",
    },
    "lead_problem_closed": {
        "zh": "⛔ 问题 #{id} 已于 {date} 办结，未作改动。",
        "en": "⛔ Problem #{id} was already resolved on {date}; nothing changed.",
    },
    "lead_problem_opened": {
        "zh": "✅ 已登记问题 #{id}：<code>{code}</code> {name}\n{text}\n➡️ 办理单位：{unit}{told}",
        "en": ("✅ Problem #{id} recorded: <code>{code}</code> {name}\n{text}\n"
               "➡️ To act: {unit}{told}"),
    },
    "lead_assigned": {
        "zh": "✅ 问题 #{id} 已交办给 {unit}。{told}",
        "en": "✅ Problem #{id} handed to {unit}. {told}",
    },
    "lead_resolved": {
        "zh": "✅ 问题 #{id} 已办结。{told}",
        "en": "✅ Problem #{id} resolved. {told}",
    },
    "lead_resolve_not_yours": {
        "zh": "⛔ 问题 #{id} 由“{unit}”办理，只有该单位或领导可以办结。",
        "en": ("⛔ Problem #{id} is for “{unit}” to act on; only that unit or a leader may "
               "resolve it."),
    },
    "lead_told_group": {"zh": "已通知该单位工作群。", "en": "Its group chat has been told."},
    "lead_told_members": {
        "zh": "已私信通知 {n} 人。",
        "en": "{n} of its people have been told privately.",
    },
    "lead_told_nobody": {
        "zh": "该单位还没有绑定群或成员，暂无人可通知。",
        "en": "The unit has no group chat or members yet, so nobody could be told.",
    },
    "lead_told_opener": {"zh": "已通知提出人。", "en": "The person who raised it has been told."},
    "lead_notice_assigned": {
        "zh": ("📌 <b>交办问题 #{id}</b>\n项目：<code>{code}</code> {name}\n问题：{text}\n"
               "交办人：{who}\n办结后请发送 /resolve {id} 办理情况"),
        "en": ("📌 <b>Problem #{id} handed to you</b>\nProject: <code>{code}</code> {name}\n"
               "Problem: {text}\nFrom: {who}\nWhen it is solved, send /resolve {id} NOTE"),
    },
    "lead_notice_opened": {
        "zh": ("❗ <b>新问题 #{id}</b>\n项目：<code>{code}</code> {name}\n问题：{text}\n"
               "提出人：{who}\n办结后请发送 /resolve {id} 办理情况"),
        "en": ("❗ <b>New problem #{id}</b>\nProject: <code>{code}</code> {name}\n"
               "Problem: {text}\nRaised by: {who}\nWhen it is solved, send /resolve {id} NOTE"),
    },
    "lead_notice_resolved": {
        "zh": ("✅ <b>问题 #{id} 已办结</b>\n项目：<code>{code}</code> {name}\n问题：{text}\n"
               "办理情况：{note}\n办结人：{who}"),
        "en": ("✅ <b>Problem #{id} resolved</b>\nProject: <code>{code}</code> {name}\n"
               "Problem: {text}\nNote: {note}\nResolved by: {who}"),
    },
    "lead_no_note": {"zh": "（未填写）", "en": "(none given)"},
    # /chart and /export
    "lead_chart_caption": {
        "zh": "📈 挂图作战 {date}：{scope}（{n} 个项目）",
        "en": "📈 Wall chart {date}: {scope} ({n} project{n_s})",
    },
    "lead_scope_all": {"zh": "全部项目", "en": "all projects"},
    "lead_chart_shown": {
        "zh": "\n图中为最需关注的 {shown} 个；单位挂图：/chart 单位名称",
        "en": "\nShown: the {shown} needing most attention; a unit's chart: /chart UNIT",
    },
    "lead_export_caption": {
        "zh": "📎 重点项目台账（含当前状态），{n} 个项目，{date}",
        "en": "📎 The key projects ledger with current standing: {n} project{n_s}, {date}",
    },
    "lead_export_empty": {
        "zh": "还没有项目。请先用 /import 导入台账。",
        "en": "No projects yet. Import the ledger with /import first.",
    },
}
