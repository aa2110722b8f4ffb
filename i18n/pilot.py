"""Texts of what a pilot's first week asked for: messages not understood, edits answering the
"which project?" question, parts without overall progress, look-ups by name, counts."""

TEXTS = {
    "in_not_understood": {
        "zh": "🤔 没看懂这条消息，未记录。报送进展请写明项目和进度，例如：{code} 进度45%，主体结构施工中",
        "en": "🤔 I did not understand that, so nothing was recorded. Name the project and its "
              "progress, e.g.: {code} 45% complete, structure under way",
    },
    "in_parts_only": {
        "zh": "读到分项：{parts}（未记录总体进度）",
        "en": "parts read: {parts} (no overall progress recorded)",
    },
    "in_answered_by_edit": {
        "zh": "✅ 已按修改后的消息记录到 {code}。",
        "en": "✅ Recorded on {code}, as the edited message says.",
    },
    "in_ledger_file_hint": {
        "zh": "📄 要导入台账，请把文件重新发送，并在说明文字中写上 /import",
        "en": "📄 To import the ledger, send the file again with /import as its caption.",
    },
    "lookup_ambiguous": {
        "zh": "❓ “{arg}”可以指：{choices}。请点选：",
        "en": "❓ “{arg}” could be: {choices}. Tap one:",
    },
}
