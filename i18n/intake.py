"""Texts of status intake: confirmations, questions and refusals."""

TEXTS = {
    "in_recorded_head": {"zh": "✅ 已记录", "en": "✅ Recorded"},
    "in_corrected_head": {"zh": "✏️ 已更正", "en": "✏️ Corrected"},
    "in_project": {"zh": "<b>{code}</b> {name}", "en": "<b>{code}</b> {name}"},
    "in_progress": {"zh": "进度 {progress}%{change}", "en": "progress {progress}%{change}"},
    "in_change": {"zh": "（较上次 {sign}{delta}）", "en": " ({sign}{delta} since last update)"},
    "in_change_first": {"zh": "（首次报送进度）", "en": " (first progress reported)"},
    "in_stage": {"zh": "阶段：{stage}", "en": "stage: {stage}"},
    "in_invested": {"zh": "累计完成投资 {amount}", "en": "invested so far: {amount}"},
    "in_invested_year": {"zh": "本年完成投资 {amount}", "en": "invested this year: {amount}"},
    # the question before an implausible update is stored (services.intake.doubts)
    "in_confirm_head": {
        "zh": "❓ 这条进展里有不太寻常的数字，确认后才记录：",
        "en": "❓ Some figures in this update look unusual; it is stored only once you confirm:",
    },
    "in_confirm_tail": {
        "zh": "无误请点「✅ 记录」；有误请点「✖️ 取消」，或直接修改原消息。",
        "en": "Tap ✅ Store if it is right; if not, tap ✖️ Cancel, or edit your message.",
    },
    "in_confirm_store": {"zh": "✅ 记录", "en": "✅ Store"},
    "in_confirm_cancel": {"zh": "✖️ 取消", "en": "✖️ Cancel"},
    "in_confirm_stored": {"zh": "✅ 已确认，已记录。", "en": "✅ Confirmed and stored."},
    "in_confirm_cancelled": {"zh": "✖️ 已取消，本条未记录。", "en": "✖️ Cancelled; nothing was stored."},
    "in_doubt_invested_cap": {
        "zh": "⚠️ 完成投资超出上限（{limit}），这个数字不会记录",
        "en": "⚠️ the investment is beyond the limit ({limit}); that figure will not be stored",
    },
    "in_doubt_invested_over_total": {
        "zh": "⚠️ 完成投资 {amount} 超过项目总投资 {total}",
        "en": "⚠️ investment {amount} is more than the project's total investment {total}",
    },
    "in_doubt_progress_drop": {
        "zh": "⚠️ 进度从 {before}% 降到 {now}%（下降 {points} 个百分点）",
        "en": "⚠️ progress falls from {before}% to {now}% ({points} points down)",
    },
    "in_doubt_progress_jump": {
        "zh": "⚠️ 进度 {days} 天内从 {before}% 升到 {now}%（上升 {points} 个百分点）",
        "en": "⚠️ progress rises from {before}% to {now}% within {days} days ({points} points up)",
    },
    "in_doubt_completed_low": {
        "zh": "⚠️ 写的是竣工投产，但进度只有 {now}%；记录后按进度算，项目尚未完成",
        "en": "⚠️ it says completed, but progress is {now}%; once stored the project counts as "
              "not done until progress is 100%",
    },
    "in_problems": {"zh": "新增问题 {count} 个：{items}", "en": "{count} problem(s) opened: {items}"},
    "in_next": {"zh": "下步：{text}", "en": "next: {text}"},
    "in_files": {"zh": "附件 {count} 个", "en": "{count} file(s) attached"},
    "in_nothing_parsed": {
        "zh": "（未识别到进度数字，已按文字记录）",
        "en": "(no progress figure found; stored as text)",
    },
    "in_standing": {"zh": "当前状态：{standing}", "en": "standing now: {standing}"},
    "in_stage_negotiating": {"zh": "在谈", "en": "negotiating"},
    "in_stage_signed": {"zh": "签约", "en": "signed"},
    "in_stage_started": {"zh": "开工在建", "en": "under construction"},
    "in_stage_completed": {"zh": "竣工投产", "en": "completed"},
    "in_standing_on_track": {"zh": "🟢 正常推进", "en": "🟢 on track"},
    "in_standing_at_risk": {"zh": "🟠 预警", "en": "🟠 at risk"},
    "in_standing_lagging": {"zh": "🔴 滞后", "en": "🔴 lagging"},
    "in_standing_done": {"zh": "✅ 已完成", "en": "✅ done"},
    "in_ask_project": {
        "zh": "❓ 这条进展属于哪个项目？请点选：",
        "en": "❓ Which project is this update about? Tap one:",
    },
    "in_ask_code": {
        "zh": "❓ 没能判断是哪个项目。请在消息中写明项目编号（例如 QB-001）后重新发送。",
        "en": "❓ I could not tell which project this is about. Please resend it with the project code (e.g. ZQ-101).",
    },
    "in_no_projects": {
        "zh": "⛔ 您的单位（{unit}）还没有项目。请管理员先导入台账。",
        "en": "⛔ Your unit ({unit}) has no projects yet. Ask an admin to import the ledger.",
    },
    "in_out_of_range": {
        "zh": "⛔ 进度必须在 0–100% 之间（您写的是“{value}”）。本条未记录，请更正后重新发送。",
        "en": "⛔ Progress must be between 0 and 100% (you wrote “{value}”). Nothing was recorded; please correct it and send again.",
    },
    "in_other_unit": {  # names no unit: whose it is is not the sender's to know
        "zh": "⛔ {code} 不是您单位的项目，本条未记录。",
        "en": "⛔ {code} is not a project of your unit; nothing was recorded.",
    },
    "in_unknown_code": {
        "zh": "⛔ 没有编号为 {code} 的项目，本条未记录。发送 /status 查看项目列表。",
        "en": "⛔ There is no project {code}; nothing was recorded. Send /status to see the projects.",
    },
    "in_not_registered": {
        "zh": "⛔ 您尚未登记，消息未记录。请发送 /whoami，把编号发给管理员。",
        "en": "⛔ You are not registered, so nothing was recorded. Send /whoami and pass the id to an admin.",
    },
    "in_forwarded": {
        "zh": "⛔ 转发的消息不作为进展记录。请用您自己的话报送进展。",
        "en": "⛔ Forwarded messages are not recorded as updates. Please write the update yourself.",
    },
    "unknown_command": {
        "zh": "🤔 没有 {command} 这个命令。发送 /help 查看您可以用的命令。",
        "en": "🤔 There is no command {command}. Send /help to see the ones you can use.",
    },
    "in_unsupported": {
        "zh": "🤔 我能识别文字消息，以及带说明文字的照片或文件。",
        "en": "🤔 I understand text messages, and photos or files with a caption.",
    },
    "in_empty": {
        "zh": "🤔 消息是空的。请写上项目进展，例如：QB-001 进度45%",
        "en": "🤔 The message is empty. Write the progress, e.g.: ZQ-101 at 45%",
    },
    "in_photo_attached": {
        "zh": "📎 照片已附在 {code} 的最近一条进展上。",
        "en": "📎 Photo attached to the latest update of {code}.",
    },
    "in_pick_done": {"zh": "该条进展已记录。", "en": "That update has already been recorded."},
    "in_pick_other_unit": {
        "zh": "⛔ 该项目不是您单位的项目，本条未记录。",
        "en": "⛔ That project is not one of your unit's; nothing was recorded.",
    },
    "in_pick_not_yours": {
        "zh": "⛔ 这不是您的消息，不能替他人选择。",
        "en": "⛔ That is not your message; you cannot choose for someone else.",
    },
    "in_group_other_unit": {  # names no unit: the group may not read the sender's
        "zh": "⛔ 您不是本群所属单位的成员，本条未记录。请在您单位的群里或私聊我报送您单位的进展和问题。",
        "en": "⛔ You are not a member of this group's unit, so nothing was recorded. Send your unit's updates and problems in your unit's group or to me in a private chat.",
    },
    "in_group_unbound": {
        "zh": "⛔ 本群尚未绑定单位。请管理员在群里发送 /bind 单位名称。",
        "en": "⛔ This group is not bound to a unit yet. An admin can send /bind UNIT here.",
    },
    "in_update_usage": {"zh": "/update 项目进展内容", "en": "/update YOUR STATUS TEXT"},
    "in_more_projects": {"zh": "……另有 {count} 个项目，请写明编号", "en": "… {count} more: name the code"},
}
