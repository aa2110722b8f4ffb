"""Operating the bot: removing people, the command line's own wording, settings errors."""

TEXTS = {
    "import_failed_cli": {
        "zh": "⛔ 台账未导入，数据未作任何改动。请修正以下问题后重新运行导入：\n{errors}",
        "en": "⛔ Ledger not imported; nothing was changed. Fix these and run the import again:\n{errors}",
    },
}

TEXTS |= {
    "cmd_revoke": {"zh": "移除某人的身份：/revoke 用户编号", "en": "Remove a person's role: /revoke USER_ID"},
    "revoke_usage": {"zh": "/revoke 用户编号（/whoami 显示的数字）",
                     "en": "/revoke USER_ID (the number /whoami shows)"},
    "revoked": {
        "zh": "✅ 已移除用户 {user_id}{name}的身份：{role}{unit}。其已报送的进展保留。",
        "en": "✅ User {user_id}{name} is no longer {role}{unit}. Their updates stay.",
    },
    "person_name_suffix": {"zh": "（{name}）", "en": " ({name})"},
    "revoke_not_registered": {
        "zh": "ℹ️ 用户 {user_id} 未登记，无需移除。",
        "en": "ℹ️ User {user_id} is not registered; nothing to remove.",
    },
    "revoke_env_admin": {
        "zh": "⛔ 用户 {user_id} 是 BOT_ADMINS 中的管理员：请从 BOT_ADMINS 中删除并重启机器人。",
        "en": "⛔ User {user_id} is an admin through BOT_ADMINS: remove them there and restart the bot.",
    },
    "grant_bad_role": {"zh": "⛔ 没有“{role}”这种身份（admin、leader、member）。",
                       "en": "⛔ There is no role “{role}” (admin, leader, member)."},
    "grant_unit_not_member": {"zh": "⛔ 只有单位成员才属于某个单位（领导和管理员可查看所有单位）。",
                              "en": "⛔ --unit is for members only (leaders and admins see every unit)"},
    "grant_name_not_member": {"zh": "⛔ --name 只用于领导（台账“分管领导”一栏中的姓名）。",
                              "en": "⛔ --name is for leaders (the ledger's leader column)"},
    "grant_unit_needed": {"zh": "⛔ 单位成员需要指定单位：--unit 单位名称。",
                          "en": "⛔ a member needs --unit UNIT"},
    "grant_unit_unknown": {"zh": "⛔ 没有名为“{unit}”的单位。现有单位：{units}",
                           "en": "⛔ no unit called '{unit}' (import the ledger first; units: {units})"},
    "granted": {"zh": "✅ 用户 {user_id} 现在是{role}{unit}{charge}。",
                "en": "user {user_id} is now {role}{unit}{charge}"},
    "granted_in_charge": {"zh": "，分管“{name}”的项目", "en": ", in charge as '{name}'"},
}

# Why a configuration value was refused (config.ConfigError's code and params).
TEXTS |= {
    "config_error_schedule_format": {
        "zh": "请写星期和时间，例如 <code>周一 09:00</code>、<code>周一、周四 09:00</code> 或 <code>每天 18:00</code>（收到的是 <code>{value}</code>）",
        "en": "expected day names and a time, e.g. <code>mon 09:00</code> or <code>daily 18:00</code>, not <code>{value}</code>",
    },
    "config_error_schedule_day": {
        "zh": "不认识的星期 <code>{day}</code>（可写 周一…周日、星期一…星期日、每天、工作日，或 mon…sun）",
        "en": "unknown day <code>{day}</code> (mon…sun, monday…sunday, daily, weekdays)",
    },
    "config_error_schedule_time": {
        "zh": "没有这个时刻：<code>{value}</code>（时 0–23，分 0–59）",
        "en": "no such time of day: <code>{value}</code> (hours 0–23, minutes 0–59)",
    },
    "config_error_timezone": {
        "zh": "不认识的时区 <code>{value}</code>（例如 <code>Asia/Shanghai</code>）",
        "en": "unknown timezone <code>{value}</code> (e.g. <code>Asia/Shanghai</code>)",
    },
    "config_error_whole_number": {
        "zh": "<code>{key}</code> 须为整数，收到的是 <code>{value}</code>",
        "en": "<code>{key}</code> must be a whole number, not <code>{value}</code>",
    },
    "config_error_at_least": {
        "zh": "<code>{key}</code> 不能小于 {minimum}，收到的是 <code>{value}</code>",
        "en": "<code>{key}</code> must be at least {minimum}, not <code>{value}</code>",
    },
    "config_error_between": {
        "zh": "<code>{key}</code> 须在 {minimum} 到 {maximum} 之间，收到的是 <code>{value}</code>",
        "en": "<code>{key}</code> must be from {minimum} to {maximum}, not <code>{value}</code>",
    },
    "config_error_language": {
        "zh": "语言须为 zh 或 en，收到的是 <code>{value}</code>",
        "en": "the language must be zh or en, not <code>{value}</code>",
    },
    "config_error_holiday_date": {
        "zh": "节假日须为 年-月-日 格式的日期（如 <code>2025-10-01</code>），收到的是 <code>{value}</code>",
        "en": "holidays must be YYYY-MM-DD dates, not <code>{value}</code>",
    },
    "config_error_light_rule": {
        "zh": "亮灯规则须为 <code>points</code>（按落后百分点）或 <code>ratio</code>（按实际/计划之比），收到的是 <code>{value}</code>",
        "en": "the light rule must be <code>points</code> (points behind) or <code>ratio</code> (actual / planned), not <code>{value}</code>",
    },
    "config_error_ratio": {
        "zh": "<code>{key}</code> 须为大于 0、不超过 1 的比例（如 <code>0.6</code> 或 <code>60%</code>），收到的是 <code>{value}</code>",
        "en": "<code>{key}</code> must be a share above 0 and at most 1 (e.g. <code>0.6</code> or <code>60%</code>), not <code>{value}</code>",
    },
    "config_error_ratio_order": {
        "zh": "红灯比例 red_ratio（{red}）须小于黄灯比例 yellow_ratio（{yellow}）",
        "en": "red_ratio ({red}) must be below yellow_ratio ({yellow})",
    },
}

# How long a project has gone without an update, in a reminder.
TEXTS |= {
    "rem_updated_today": {"zh": "今天已更新", "en": "updated today"},
    "rem_one_day": {"zh": "1天未更新", "en": "no update for 1 day"},
    "rem_never_today": {"zh": "从未更新（今天建档）", "en": "never updated (added today)"},
}
