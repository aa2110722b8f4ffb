"""Who opens the dashboard: Telegram's signed Mini App data, and the meeting-room screen's links.

A Mini App receives `initData`, a query string Telegram signs with the bot's token
(https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):

    secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token)
    hash       = hex(HMAC_SHA256(key=secret_key, msg=data_check_string))

where data_check_string is every field but `hash`, as `key=value`, sorted by key and joined
with line feeds. Data older than a day is refused: a leaked link must not open the
dashboard for ever.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

MAX_AGE = 24 * 3600  # seconds an initData stays good


@dataclass(frozen=True)
class WebUser:
    """The Telegram user a verified initData names, and where the Mini App was opened."""

    user_id: int
    full_name: str
    username: str | None
    language_code: str | None
    chat_id: int | None = None  # the chat the app was opened from, when Telegram tells
    start_param: str | None = None


def _secret_key(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _signature(token: str, fields: dict[str, str]) -> str:
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")
    return hmac.new(_secret_key(token), check.encode(), hashlib.sha256).hexdigest()


def sign_init_data(token: str, user: dict, *, auth_date: int | None = None,
                   **extra: str) -> str:
    """initData as Telegram would send it for `user` (the console's login link, the tests)."""
    fields = {"auth_date": str(int(time.time()) if auth_date is None else auth_date),
              "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")), **extra}
    fields["hash"] = _signature(token, fields)
    return urlencode(fields)


def verify_init_data(token: str, init_data: str, now: float | None = None) -> WebUser | None:
    """The user of a genuine, fresh initData; None when it is malformed, forged or stale."""
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs) or "hash" not in fields:
        return None  # a repeated key would make two readings of one string
    if not hmac.compare_digest(_signature(token, fields), fields["hash"]):
        return None
    try:
        age = (time.time() if now is None else now) - int(fields.get("auth_date", ""))
        user = json.loads(fields["user"])
        chat = json.loads(fields["chat"]) if "chat" in fields else {}
        user_id = int(user["id"])
    except (ValueError, KeyError, TypeError):
        return None
    if age > MAX_AGE or age < -300:  # a few minutes ahead: clocks differ a little
        return None
    name = " ".join(filter(None, (user.get("first_name"), user.get("last_name"))))
    return WebUser(user_id, name or str(user_id), user.get("username"),
                   user.get("language_code"),
                   chat_id=int(chat["id"]) if isinstance(chat, dict) and "id" in chat else None,
                   start_param=fields.get("start_param"))


# ---------------------------------------------------------------------------- screen links


def new_screen_token() -> str:
    return secrets.token_urlsafe(24)


def screen_token_hash(token: str) -> str:
    """What the database keeps of a screen link's token: a stolen copy opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()
