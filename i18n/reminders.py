"""Texts of the weekly reminder, the leader digest, and /settings.

HTML for Telegram's HTML parse mode; user-supplied values are escaped by the caller.
"""

TEXTS = {
    # --- the weekly reminder (one message per unit) ---
    "rem_reminder_title": {
        "zh": "📌 <b>每周进展提醒 · {unit}</b>\n以下项目需要报送最新进展：",
        "en": "📌 <b>Weekly reminder · {unit}</b>\nThese projects need a progress update:",
    },
    "rem_item": {"zh": "{marker} <code>{code}</code> {name}\n   {details}",
                 "en": "{marker} <code>{code}</code> {name}\n   {details}"},
    "rem_days_since": {"zh": "{n}天未更新", "en": "no update for {n} days"},
    "rem_never": {"zh": "从未更新（建档已{n}天）", "en": "never updated ({n} days since added)"},
    "rem_behind": {
        "zh": "落后计划{n}个百分点（进度 {actual} / 计划 {planned}）",
        "en": "{n} points behind plan (progress {actual} / plan {planned})",
    },
    "rem_past_end": {"zh": "已过计划竣工日期 {date}", "en": "past its planned end {date}"},
    "rem_howto_group": {
        "zh": "👉 请直接<b>回复本消息</b>报送进展（一条消息可报多个项目，每行一个），例如：\n"
              "<code>{code} 进度{progress}% 下一步：…</code>",
        "en": "👉 <b>Reply to this message</b> with the progress (several projects in one "
              "message: one per line), e.g.\n<code>{code} {progress}% next: …</code>",
    },
    "rem_howto_private": {
        "zh": "👉 请直接把进展发给我（一条消息可报多个项目，每行一个），例如：\n"
              "<code>{code} 进度{progress}% 下一步：…</code>",
        "en": "👉 Send me the progress as a message (several projects in one message: one per "
              "line), e.g.\n<code>{code} {progress}% next: …</code>",
    },
    # --- the leader digest ---
    "rem_digest_title": {"zh": "📬 <b>领导周报</b>", "en": "📬 <b>Leader digest</b>"},
    "rem_chart_caption": {"zh": "📈 重点项目挂图（计划与实际）",
                          "en": "📈 Wall chart (plan against actual)"},
    "rem_esc_title": {"zh": "⏫ <b>需要督办</b>", "en": "⏫ <b>Escalations</b>"},
    "rem_esc_none": {"zh": "本期无需督办事项。", "en": "Nothing to escalate this time."},
    "rem_esc_reminded": {
        "zh": "<b>连续两次提醒仍未更新的项目（{n}）：</b>",
        "en": "<b>Reminded twice in a row, no update since ({n}):</b>",
    },
    "rem_esc_reminded_item": {"zh": "• <code>{code}</code> {name} — 责任单位：{unit}（{last}）",
                              "en": "• <code>{code}</code> {name} — unit: {unit} ({last})"},
    "rem_esc_last": {"zh": "最近更新 {date}", "en": "last update {date}"},
    "rem_esc_never": {"zh": "从未更新", "en": "never updated"},
    "rem_esc_problems": {
        "zh": "<b>超过{days}天未解决的问题（{n}）：</b>",
        "en": "<b>Problems open longer than {days} days ({n}):</b>",
    },
    "rem_esc_problem_item": {
        "zh": "• #{id} <code>{code}</code> {text} — 责任单位：{unit}，已{n}天",
        "en": "• #{id} <code>{code}</code> {text} — unit: {unit}, open {n} days",
    },
    "rem_unassigned": {"zh": "未指定", "en": "not assigned"},
    # --- /settings ---
    "rem_settings_title": {
        "zh": "⚙️ <b>设置</b>（对话中设置的值优先于环境变量）",
        "en": "⚙️ <b>Settings</b> (values set here win over the environment)",
    },
    "rem_settings_line": {"zh": "<code>{key}</code> = <code>{value}</code>{source}",
                          "en": "<code>{key}</code> = <code>{value}</code>{source}"},
    "rem_settings_here": {"zh": "（已在此设置）", "en": " (set here)"},
    "rem_settings_next": {
        "zh": "下次提醒：{reminder}\n下次周报：{digest}",
        "en": "Next reminder: {reminder}\nNext digest: {digest}",
    },
    "rem_settings_never": {"zh": "无", "en": "none"},
    "rem_settings_when": {"zh": "{date}（{weekday}）{time} {tz}", "en": "{weekday} {date} {time} {tz}"},
    "rem_weekdays": {"zh": "周一,周二,周三,周四,周五,周六,周日",
                     "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
    "rem_settings_holiday_note": {"zh": "（节假日，顺延至 {date}）",
                                  "en": " (a holiday: sent on {date})"},
    "rem_settings_help": {
        "zh": "修改：<code>/settings 键 值</code>，例如 "
              "<code>/settings reminder_schedule mon,thu 09:00</code>；"
              "恢复默认：<code>/settings 键 default</code>\n"
              "亮灯规则：<code>light_rule points</code>（落后 lag_points 个百分点为红灯，一半为黄灯）"
              "或 <code>light_rule ratio</code>（实际低于计划的 red_ratio 倍为红灯，"
              "低于 yellow_ratio 倍为黄灯）；计划开工 start_grace_days 天后仍未开工为红灯；"
              "按目前进度预计比计划晚 forecast_late_days 天以上为黄灯。"
              "holidays 加休息日，workdays 加工作日（在法定节假日之上）。",
        "en": "Change: <code>/settings key value</code>, e.g. "
              "<code>/settings reminder_schedule mon,thu 09:00</code>; back to the default: "
              "<code>/settings key default</code>\n"
              "Lights: <code>light_rule points</code> (lag_points behind: red, half of it: "
              "yellow) or <code>light_rule ratio</code> (actual below red_ratio × planned: red, "
              "below yellow_ratio × planned: yellow); not started start_grace_days after the "
              "planned start: red; forecast more than forecast_late_days after the planned "
              "end: yellow. holidays adds days off, workdays adds working days (on top of the "
              "statutory calendar).",
    },
    "rem_settings_saved": {
        "zh": "✅ 已保存 <code>{key}</code> = <code>{value}</code>，立即生效。",
        "en": "✅ Saved <code>{key}</code> = <code>{value}</code>; in force now.",
    },
    "rem_settings_reset": {
        "zh": "✅ <code>{key}</code> 已恢复为默认值（环境变量）：<code>{value}</code>。",
        "en": "✅ <code>{key}</code> is back to its default (the environment): <code>{value}</code>.",
    },
    "rem_settings_bad_key": {
        "zh": "⚠️ 没有名为 <code>{key}</code> 的设置，未做任何更改。可设置：{keys}",
        "en": "⚠️ There is no setting <code>{key}</code>; nothing changed. Settings: {keys}",
    },
    "rem_settings_no_value": {
        "zh": "⚠️ 请给出 <code>{key}</code> 的值，例如：<code>/settings {key} {example}</code>",
        "en": "⚠️ Give a value for <code>{key}</code>, e.g. <code>/settings {key} {example}</code>",
    },
    "rem_settings_bad_value": {
        "zh": "⚠️ 值无效，未保存：{error}。例如：<code>/settings {key} {example}</code>",
        "en": "⚠️ Not saved: {error}. For example: <code>/settings {key} {example}</code>",
    },
}
