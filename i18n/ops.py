"""Operating the bot: removing people, the command line's own wording, settings errors."""

TEXTS = {
    "import_failed_cli": {
        "zh": "⛔ 台账未导入，数据未作任何改动。请修正以下问题后重新运行导入：\n{errors}",
        "en": "⛔ Ledger not imported; nothing was changed. Fix these and run the import again:\n{errors}",
    },
}
