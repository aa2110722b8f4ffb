"""Texts of the bot's defences: files too large to read, values out of range, refused input."""

TEXTS = {
    "ledger_too_many_columns": {
        "zh": "列数超过上限 {value}",
        "en": "more columns than the limit of {value}",
    },
    "ledger_hidden_characters": {
        "zh": "“{column}”含有不可见或无法显示的字符",
        "en": "“{column}” holds invisible or unprintable characters",
    },
    "ledger_too_large": {
        "zh": "文件解压后超过 {value} MB",
        "en": "the file unpacks to more than {value} MB",
    },
}
