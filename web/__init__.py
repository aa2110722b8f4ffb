"""The leaders' dashboard over HTTP: a Telegram Mini App and a meeting-room screen (web.app)."""
