"""Use cases: what the bot does, without Telegram; handlers, the CLI, the console and the dashboard call these."""
