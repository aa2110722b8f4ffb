"""Texts of the leaders' dashboard in the chat: /dashboard (the Mini App) and /screen links."""

TEXTS = {
    "cmd_dashboard": {"zh": "打开调度看板", "en": "Open the dashboard"},
    "cmd_screen": {"zh": "会议室大屏链接（/screen off 作废）",
                   "en": "A meeting-room screen link (/screen off revokes)"},
    "dash_button": {"zh": "📊 打开看板", "en": "📊 Open the dashboard"},
    "dash_menu_button": {"zh": "看板", "en": "Dashboard"},
    "dash_open": {
        "zh": "📊 <b>调度看板</b>：总体情况、挂图作战、滞后项目、问题清单，点按钮打开。",
        "en": "📊 <b>The dashboard</b>: portfolio, wall chart, lagging projects and problems. "
              "Tap the button to open it.",
    },
    "dash_open_unit": {
        "zh": "📊 <b>调度看板</b>（{unit}）：点按钮打开。",
        "en": "📊 <b>The dashboard</b> ({unit}): tap the button to open it.",
    },
    "dash_not_served": {
        "zh": "⛔ 看板未启用：管理员需设置 BOT_WEB_PORT 和 BOT_WEB_URL（https 地址）。",
        "en": "⛔ The dashboard is not enabled: an admin must set BOT_WEB_PORT and BOT_WEB_URL "
              "(an https address).",
    },
    "screen_private_only": {
        "zh": "⛔ 大屏链接只在与我的私聊中发放。",
        "en": "⛔ Screen links are given in a private chat with me only.",
    },
    "screen_link": {
        "zh": "🖥 <b>会议室大屏链接</b>（只读，{hours} 小时内有效，至 {until}）：\n{url}\n"
              "任何拿到链接的人都能看到总体情况，请勿外传。发送 /screen off 立即作废全部大屏链接。",
        "en": "🖥 <b>Meeting-room screen link</b> (read-only, valid {hours} hours, until {until}):\n"
              "{url}\nAnyone with the link sees the portfolio: keep it to the room. Send "
              "/screen off to revoke every screen link at once.",
    },
    "screen_revoked": {
        "zh": "✅ 已作废 {n} 个大屏链接。",
        "en": "✅ {n} screen link(s) revoked.",
    },
    "screen_usage": {
        "zh": "⛔ 用法：/screen 生成大屏链接；/screen off 作废全部链接。",
        "en": "⛔ Usage: /screen for a screen link; /screen off to revoke them all.",
    },
}
