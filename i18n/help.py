"""Command descriptions (for Telegram's menu, `set_my_commands`) and /help texts."""

TEXTS = {
    "cmd_start": {"zh": "开始 / 使用邀请码加入", "en": "Start / join with an invite code"},
    "cmd_help": {"zh": "我能做什么", "en": "What I can do for you"},
    "cmd_whoami": {"zh": "我的编号、身份和单位", "en": "Your id, role and unit"},
    "cmd_lang": {"zh": "回复语言 zh|en", "en": "Reply language zh|en"},
    "cmd_update": {"zh": "报送项目进展", "en": "Post a status update"},
    "cmd_status": {"zh": "总体情况 / 单个项目或单位", "en": "Summary, or one project or unit"},
    "cmd_lagging": {"zh": "滞后和预警项目", "en": "Lagging and at-risk projects"},
    "cmd_problems": {"zh": "未解决的问题", "en": "Open problems"},
    "cmd_problem": {"zh": "提出问题：/problem 编号 内容", "en": "Raise a problem: /problem CODE TEXT"},
    "cmd_assign": {"zh": "交办问题：/assign 问题号 单位", "en": "Hand a problem to a unit"},
    "cmd_resolve": {"zh": "办结问题：/resolve 问题号 说明", "en": "Close a problem"},
    "cmd_chart": {"zh": "挂图作战图", "en": "The wall chart"},
    "cmd_export": {"zh": "导出台账 Excel", "en": "The ledger as a spreadsheet"},
    "cmd_invite": {"zh": "生成邀请链接", "en": "Make an invite link"},
    "cmd_bind": {"zh": "把本群绑定到单位", "en": "Bind this group to a unit"},
    "cmd_import": {"zh": "导入台账（附文件）", "en": "Import the ledger (attach a file)"},
    "cmd_settings": {"zh": "提醒时间、阈值、节假日", "en": "Schedules, thresholds, holidays"},
    "help_header": {
        "zh": "🤖 <b>重点项目调度助手</b>\n您的身份：{role}{unit}。您可以：",
        "en": "🤖 <b>Key Project Bot</b>\nYou are: {role}{unit}. You can:",
    },
    "help_unknown": {
        "zh": "🤖 <b>重点项目调度助手</b>\n您尚未登记。可用：/start、/help、/whoami。\n请把 /whoami 显示的编号发给管理员，请其发给您邀请链接。",
        "en": "🤖 <b>Key Project Bot</b>\nYou are not registered. Available: /start, /help, /whoami.\nSend the id that /whoami shows to an admin and ask for an invite link.",
    },
    "help_updates": {
        "zh": "\n📝 <b>报送进展</b>：直接发消息即可，例如：\n<code>QB-001 进度45%，主体结构完成过半。存在问题：电力接入方案未批复。下步：设备基础施工</code>\n可写项目编号或名称；进度、阶段（在谈/签约/开工/竣工）、累计完成投资、问题、下步计划都会被识别。修改原消息即更正记录。",
        "en": "\n📝 <b>Post progress</b> as a plain message, e.g.:\n<code>ZQ-101 at 62%. Problem: grid approval pending. Next: commissioning</code>\nName the project by code or name; progress, stage (negotiating/signed/started/completed), investment, problems and next steps are understood. Editing your message corrects the record.",
    },
    "help_line": {"zh": "/{command} — {description}", "en": "/{command} — {description}"},
}
