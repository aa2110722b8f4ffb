"""Decoding Bot API requests: query strings, urlencoded forms, multipart forms and JSON bodies.

python-telegram-bot 22 sends ``application/x-www-form-urlencoded`` (or a query string) when there
are no files and ``multipart/form-data`` when there are. In both, a value that is a ``str`` is sent
as is and every other value (ints, bools, lists, dicts) is JSON-encoded. So ``"123"`` may be the
int ``chat_id`` 123 or the text "123": like Telegram, we decide by the parameter's name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

__all__ = ["DecodeError", "UploadedFile", "coerce_params", "decode_body"]

INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "reply_to_message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "max_connections",
        "duration",
        "width",
        "height",
        "until_date",
        "expire_date",
        "member_limit",
    }
)
BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
        "revoke_messages",
        "only_if_banned",
        "for_channels",
    }
)
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "media",
        "message_ids",
        "rights",
        "menu_button",
    }
)


class DecodeError(ValueError):
    """A parameter could not be decoded; the message is a Bot API error description."""


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


_HTTPX_ESCAPES = re.compile(r"%(?:22|[01][0-9A-F])")


def _unescape_filename(name: str) -> str:
    """Undo httpx's HTML5 escaping of multipart filenames (``"`` → %22, controls → %XX).

    The backslash escaping httpx also does is already undone by the email parser.
    """

    def repl(m: re.Match[str]) -> str:
        return chr(int(m.group(0)[1:], 16))

    return _HTTPX_ESCAPES.sub(repl, name)


def _fix_header_text(value: str | None) -> str | None:
    """The email parser keeps raw UTF-8 header bytes as surrogate escapes; undo that."""
    if value is None:
        return None
    try:
        return value.encode("ascii", "surrogateescape").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict, dict[str, UploadedFile]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise DecodeError("Bad Request: can't parse multipart/form-data request")
    params: dict = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        disposition = part.get("Content-Disposition", "")
        raw_name = part.get_param("name", header="content-disposition")
        if not raw_name or "form-data" not in str(disposition):
            continue
        name = _fix_header_text(str(raw_name))
        data = part.get_payload(decode=True) or b""
        filename = part.get_param("filename", header="content-disposition")
        if filename is not None:
            filename = _unescape_filename(_fix_header_text(str(filename)) or "")
            files[name] = UploadedFile(name, filename, part.get_content_type(), data)
        else:
            params[name] = data.decode("utf-8", "replace")
    return params, files


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while True:
        end = body.index(b"\r\n", pos)
        size = int(body[pos:end].split(b";", 1)[0], 16)
        pos = end + 2
        if size == 0:
            return bytes(out)
        out += body[pos : pos + size]
        pos += size + 2


def decode_body(
    content_type: str | None, body: bytes, query: str = ""
) -> tuple[dict, dict[str, UploadedFile]]:
    """Decode a request into (raw params, uploaded files). Query parameters come first."""
    params: dict = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    files: dict[str, UploadedFile] = {}
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    if not body:
        return params, files
    if ctype == "multipart/form-data":
        form, files = _parse_multipart(content_type or "", body)
        params.update(form)
    elif ctype == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise DecodeError("Bad Request: can't parse JSON object") from exc
        if not isinstance(data, dict):
            raise DecodeError("Bad Request: JSON object expected")
        params.update(data)
    else:
        # application/x-www-form-urlencoded, also the guess for a missing content type
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError("Bad Request: request body is not valid UTF-8") from exc
        params.update(parse_qsl(text, keep_blank_values=True))
    return params, files


def coerce_params(raw: dict) -> dict:
    """Give each known parameter its Bot API type. Unknown parameters stay as they came."""
    params: dict = {}
    for name, value in raw.items():
        if name in INT_PARAMS and isinstance(value, str):
            text = value.strip()
            if name in ("chat_id", "from_chat_id") and text.startswith("@"):
                params[name] = text
                continue
            try:
                params[name] = int(text)
            except ValueError:
                try:
                    as_float = float(text)
                except ValueError:
                    if name in ("chat_id", "from_chat_id"):
                        raise DecodeError("Bad Request: chat not found") from None
                    raise DecodeError(f"Bad Request: invalid {name} specified") from None
                if not as_float.is_integer():
                    raise DecodeError(f"Bad Request: invalid {name} specified") from None
                params[name] = int(as_float)
        elif name in BOOL_PARAMS and isinstance(value, str):
            params[name] = value.strip().lower() in ("true", "1", "yes", "on")
        elif name in JSON_PARAMS and isinstance(value, str):
            if value == "":
                continue
            try:
                params[name] = json.loads(value)
            except ValueError:
                if name == "reply_markup":
                    raise DecodeError(
                        "Bad Request: can't parse reply keyboard markup JSON object"
                    ) from None
                raise DecodeError(f"Bad Request: can't parse {name} JSON object") from None
        else:
            params[name] = value
    return params
