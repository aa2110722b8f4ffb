"""Texts of the foundation: people, permissions, help, ledger import and export."""

TEXTS = {
    # --- roles and refusals ---
    "role_admin": {"zh": "管理员", "en": "admin"},
    "role_leader": {"zh": "领导", "en": "leader"},
    "role_member": {"zh": "单位成员", "en": "unit member"},
    "role_none": {"zh": "未登记", "en": "not registered"},
    "refused_unknown": {
        "zh": "⛔ 您尚未登记，不能使用 /{command}。请把 /whoami 显示的编号发给管理员，请其邀请您。",
        "en": "⛔ You are not registered, so /{command} is not available. Send the id from /whoami to an admin and ask for an invite.",
    },
    "refused_role": {
        "zh": "⛔ /{command} 仅限{roles}使用，您的身份是{role}。",
        "en": "⛔ /{command} is for {roles} only; you are {role}.",
    },
    "refused_other_unit": {
        "zh": "⛔ 该项目/单位不属于您的单位（{unit}），无权查看或修改。",
        "en": "⛔ That belongs to another unit, not yours ({unit}); you may not see or change it.",
    },
    "refused_group": {
        "zh": "⛔ 请在私聊中使用 /{command}。",
        "en": "⛔ Please use /{command} in a private chat with me.",
    },
    "error_generic": {
        "zh": "⚠️ 处理时出错，已记录。请稍后再试或联系管理员。",
        "en": "⚠️ Something went wrong; it has been logged. Please try again later or tell an admin.",
    },
    "usage": {"zh": "用法：{usage}", "en": "Usage: {usage}"},
    # --- start / whoami / lang ---
    "welcome_known": {
        "zh": "👋 {name}，欢迎使用重点项目调度助手。您的身份：{role}{unit}。\n发送 /help 查看可用功能。",
        "en": "👋 Welcome, {name}, to Key Project Bot. You are: {role}{unit}.\nSend /help to see what you can do.",
    },
    "welcome_unknown": {
        "zh": "👋 您好！这是重点项目调度助手。您尚未登记：请把您的编号 <code>{user_id}</code> 发给管理员，或打开管理员发给您的邀请链接。",
        "en": "👋 Hello! This is Key Project Bot. You are not registered yet: send your id <code>{user_id}</code> to an admin, or open the invite link an admin sent you.",
    },
    "joined": {
        "zh": "✅ 已加入：{role}{unit}。发送 /help 查看可用功能。",
        "en": "✅ Joined as {role}{unit}. Send /help to see what you can do.",
    },
    "invite_unknown": {"zh": "⛔ 邀请码无效。请向管理员索取新的邀请链接。", "en": "⛔ That invite code is not valid. Ask an admin for a new link."},
    "invite_used": {"zh": "⛔ 该邀请链接已被使用过。请向管理员索取新的邀请链接。", "en": "⛔ That invite link has already been used. Ask an admin for a new one."},
    "invite_expired": {"zh": "⛔ 该邀请链接已过期。请向管理员索取新的邀请链接。", "en": "⛔ That invite link has expired. Ask an admin for a new one."},
    "whoami": {
        "zh": "🪪 编号：<code>{user_id}</code>\n身份：{role}{unit}\n语言：{lang}",
        "en": "🪪 Id: <code>{user_id}</code>\nRole: {role}{unit}\nLanguage: {lang}",
    },
    "whoami_unknown_hint": {
        "zh": "\n如需使用，请把上面的编号发给管理员（{admins}）。",
        "en": "\nTo get access, send the id above to an admin ({admins}).",
    },
    "unit_suffix": {"zh": "（{unit}）", "en": " ({unit})"},
    "lang_set": {"zh": "✅ 以后用中文回复您。", "en": "✅ I will reply in English from now on."},
    "lang_usage": {"zh": "/lang zh 或 /lang en", "en": "/lang zh or /lang en"},
    "lang_not_registered": {
        "zh": "⛔ 只有已登记的用户能保存语言设置。",
        "en": "⛔ Only registered users can save a language choice.",
    },
    # --- invite / bind ---
    "invite_usage": {"zh": "/invite member 单位名称，或 /invite leader [分管领导姓名]",
                     "en": "/invite member UNIT NAME, or /invite leader [NAME IN THE LEDGER]"},
    "unit_unknown": {
        "zh": "⛔ 没有名为“{unit}”的单位。现有单位：{units}",
        "en": "⛔ There is no unit called “{unit}”. Units: {units}",
    },
    "unit_unknown_here": {
        "zh": "⛔ 没有名为“{unit}”的单位。请核对名称；单位名单只在私聊中显示（/invite member 单位名称）。",
        "en": "⛔ There is no unit called “{unit}”. Check the name; the list of units is only shown in a private chat (/invite member UNIT).",
    },
    "invite_private": {
        "zh": "⛔ 邀请链接等同钥匙，群里任何人都能用。请在与我的私聊中发送 /invite。",
        "en": "⛔ An invite link is a key anyone in this group could use. Send /invite in a private chat with me.",
    },
    "invite_link": {
        "zh": "🔗 {role}{unit}的一次性邀请链接（{days}天内有效，仅可使用一次），请转发给对方：\n{link}",
        "en": "🔗 One-time invite for a {role}{unit} (valid {days} days, works once). Forward it:\n{link}",
    },
    "bind_usage": {"zh": "在群聊中发送 /bind 单位名称", "en": "/bind UNIT NAME, sent in the group"},
    "bind_private": {"zh": "⛔ /bind 需在要绑定的群聊中使用。", "en": "⛔ Send /bind in the group chat you want to bind."},
    "bound": {
        "zh": "✅ 本群已绑定为“{unit}”的工作群。在群里用 /update 内容 报送进展，或直接回复我的消息。",
        "en": "✅ This group is now the chat of “{unit}”. Post progress with /update TEXT, or reply to one of my messages.",
    },
    # --- import / export ---
    "import_usage": {
        "zh": "请发送 .csv 或 .xlsx 台账文件，并在说明中写 /import。",
        "en": "Send a .csv or .xlsx ledger file with /import as its caption.",
    },
    "import_done": {
        "zh": "✅ 台账已导入：新增 {created} 个项目，更新 {updated} 个。",
        "en": "✅ Ledger imported: {created} project{created_s} created, {updated} updated.",
    },
    "import_failed": {
        "zh": "⛔ 台账未导入，数据未作任何改动。请修正以下问题后重新发送：\n{errors}",
        "en": "⛔ Ledger not imported; nothing was changed. Fix these and send it again:\n{errors}",
    },
    "import_row_error": {"zh": "第{line}行：{reason}", "en": "row {line}: {reason}"},
    "import_more_errors": {"zh": "……另有 {count} 处问题", "en": "… and {count} more"},
    "import_too_big": {"zh": "⛔ 文件太大（上限 {mb} MB）。", "en": "⛔ The file is too large (limit {mb} MB)."},
    "ledger_missing": {"zh": "缺少“{column}”", "en": "“{column}” is missing"},
    "ledger_missing_columns": {"zh": "表头缺少必需列：{columns}", "en": "the header lacks required columns: {columns}"},
    "ledger_bad_code": {"zh": "编号“{value}”不合规（仅限字母、数字、- 和 _）", "en": "code “{value}” is not valid (letters, digits, - and _ only)"},
    "ledger_duplicate_code": {"zh": "编号 {value} 与第{other}行重复", "en": "code {value} repeats row {other}"},
    "ledger_bad_stage": {"zh": "阶段“{value}”无法识别（在谈/签约/开工/竣工）", "en": "stage “{value}” is unknown (negotiating/signed/started/completed)"},
    "ledger_bad_date": {"zh": "{column}“{value}”不是 YYYY-MM-DD 日期", "en": "{column} “{value}” is not a YYYY-MM-DD date"},
    "ledger_end_before_start": {"zh": "计划竣工早于计划开工", "en": "planned end is before planned start"},
    "ledger_bad_number": {"zh": "{column}“{value}”不是有效的金额（万元，0 至 1 亿）", "en": "{column} “{value}” is not a valid amount (万元, 0 to 100,000,000)"},
    "ledger_too_long": {"zh": "“{column}”超过 {limit} 个字", "en": "“{column}” is longer than {limit} characters"},
    "ledger_not_utf8": {"zh": "CSV 文件不是 UTF-8 编码", "en": "the CSV file is not UTF-8"},
    "ledger_not_xlsx": {"zh": "不是有效的 .xlsx 文件", "en": "not a valid .xlsx file"},
    "ledger_not_a_table": {"zh": "不是表格文件", "en": "not a table"},
    "ledger_unsupported_format": {"zh": "仅支持 .csv 和 .xlsx 文件", "en": "only .csv and .xlsx files are supported"},
    "ledger_empty": {"zh": "文件是空的", "en": "the file is empty"},
    "ledger_too_many_rows": {"zh": "行数超过上限 {value}", "en": "more rows than the limit of {value}"},
    "export_caption": {"zh": "📊 重点项目台账（{count} 个项目，{when}）", "en": "📊 Key project ledger ({count} project{count_s}, {when})"},
}
