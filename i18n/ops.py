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
    "grant_unit_needed": {"zh": "⛔ 单位成员需要指定单位：--unit 单位名称。",
                          "en": "⛔ a member needs --unit UNIT"},
    "grant_unit_unknown": {"zh": "⛔ 没有名为“{unit}”的单位。现有单位：{units}",
                           "en": "⛔ no unit called '{unit}' (import the ledger first; units: {units})"},
    "granted": {"zh": "✅ 用户 {user_id} 现在是{role}{unit}。",
                "en": "user {user_id} is now {role}{unit}"},
}
