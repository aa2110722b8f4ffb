"""A local stand-in for the Telegram Bot API, for tests, the offline console and benchmarks.

Standard library only: a ``ThreadingHTTPServer`` in a background thread, so it works in-process
from sync and async code alike. See ``localapi/README.md`` for the helpers tests use.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import mimetypes
import random
import re
import secrets
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from .decoding import DecodeError, UploadedFile, coerce_params, decode_body
from .htmlcheck import EntityParseError, parse_html, strip_with_entities, utf16_len

__all__ = ["ApiError", "BotAPIServer", "FloodLimits", "WaitTimeout"]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_UPLOAD_PHOTO = 10 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024

# Methods that send a message and so count against the flood limits.
FLOOD_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendMediaGroup",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "sendSticker",
        "copyMessage",
        "forwardMessage",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        body: dict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class WaitTimeout(AssertionError, TimeoutError):
    """A ``wait_for*`` helper gave up."""


class _Abort(Exception):
    """Drop the connection without answering (the server is stopping)."""


@dataclass
class FloodLimits:
    """Telegram's documented send limits, as token buckets (rate per second, burst)."""

    overall_per_second: float = 30.0
    overall_burst: float = 30.0
    private_per_second: float = 1.0
    private_burst: float = 3.0
    group_per_minute: float = 20.0
    group_burst: float = 20.0


class _Bucket:
    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, rate: float, burst: float, now: float):
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.last = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


@dataclass
class _Fault:
    status: int | None
    retry_after: int
    description: str | None
    delay: float
    apply: bool


def _tiny_png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG; a plausible default for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + length
    return 800, 600


def _chat_kind(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    if str(chat_id).startswith("-100"):
        return "supergroup"
    return "group"


class BotAPIServer:
    """An in-process Telegram Bot API server. All public helpers are thread-safe."""

    def __init__(
        self,
        token: str = "123:TEST",
        host: str = "127.0.0.1",
        port: int = 0,
        flood_limits: bool | FloodLimits = False,
        bot_username: str = "KeyProjectBot",
        *,
        bot_name: str = "Key Project Bot",
        strict_html: bool = True,
        strict_chats: bool = False,
        first_update_id: int = 1,
        webhook_retry_delay: float = 0.5,
    ):
        self.token = token
        self.host = host
        self.port = port
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.strict_html = strict_html
        self.strict_chats = strict_chats
        self.webhook_retry_delay = webhook_retry_delay
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 1
        self.flood_limits = flood_limits

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._connections: set[socket.socket] = set()

        # updates
        self._updates: list[dict] = []
        self._next_update_id = first_update_id
        self._confirmed_offset = 0
        self._poll_generation = 0
        # chats, users, messages, files
        self._chats: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._last_bot_message: dict[int, int] = {}
        self._files: dict[str, dict] = {}
        self._file_paths: dict[str, str] = {}
        self._file_counter = itertools.count(1)
        self._callbacks: dict[str, dict] = {}
        self._blocked: set[int] = set()
        self._members: dict[tuple[int, int], str] = {}
        # records
        self._sent: list[dict] = []
        self._sent_epoch = 0
        self._requests: list[dict] = []
        self._request_counts: Counter[str] = Counter()
        self._chat_actions: list[dict] = []
        self._callback_answers: list[dict] = []
        self._faults_log: list[dict] = []
        self._listeners: list[Callable[[dict], None]] = []
        self.flood_429_count = 0
        # bot settings
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._menu_buttons: dict[int | None, dict] = {}
        self._webhook: dict = {"url": ""}
        self._webhook_thread: threading.Thread | None = None
        self._webhook_wake = threading.Event()
        self.closed_count = 0
        self.logged_out = False
        # faults
        self._fail_next: dict[str, list[_Fault]] = {}
        self._fail_rate: dict | None = None
        self._rng = random.Random(0)
        self._failing_chats: dict[int, int] = {}  # chat id -> the status every call gets
        self._migrated_chats: dict[int, int] = {}  # a group -> the supergroup it became

        self._methods: dict[str, tuple[str, Callable[[dict, dict], object]]] = {}
        for attr in dir(self):
            if attr.startswith("_m_"):
                name = attr[3:]
                self._methods[name.lower()] = (name, getattr(self, attr))

    # ------------------------------------------------------------------ lifecycle

    @property
    def flood_limits(self) -> FloodLimits | None:
        return self._flood

    @flood_limits.setter
    def flood_limits(self, value: bool | FloodLimits | None) -> None:
        if value is True:
            value = FloodLimits()
        self._flood: FloodLimits | None = value or None
        self._buckets: dict[object, _Bucket] = {}

    @property
    def api_url(self) -> str:
        """The base URL for python-telegram-bot (``base_url``); PTB appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def file_api_url(self) -> str:
        """The base file URL for python-telegram-bot (``base_file_url``)."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> BotAPIServer:
        """Start listening (again on the same port after :meth:`stop`). Returns ``self``."""
        if self._httpd is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"api": self})
        httpd = _HTTPServer((self.host, self.port), handler)
        self.port = httpd.server_address[1]
        with self._lock:
            self._stop_event = threading.Event()
            self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"localapi:{self.port}",
            daemon=True,
        )
        self._thread.start()
        with self._lock:
            if self._webhook.get("url"):
                self._start_webhook_delivery()
        return self

    def stop(self) -> None:
        """Stop listening and drop open connections. All state is kept for a later start()."""
        with self._cond:
            httpd = self._httpd
            if httpd is None:
                return
            self._httpd = None
            self._stop_event.set()
            self._webhook_wake.set()
            self._cond.notify_all()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._webhook_thread is not None:
            self._webhook_thread.join(timeout=5)
            self._webhook_thread = None

    def __enter__(self) -> BotAPIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ queueing updates

    def _user(self, user_id: int, **info: object) -> dict:
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
            self._users[user_id] = user
        for key, value in info.items():
            if value is not None:
                user[key] = value
        return dict(user)

    def _chat(self, chat_id: int, chat_type: str | None = None, **info: object) -> dict:
        chat = self._chats.get(chat_id)
        if chat is None:
            kind = chat_type or _chat_kind(chat_id)
            chat = {"id": chat_id, "type": kind}
            if kind == "private":
                user = self._users.get(chat_id)
                chat["first_name"] = user["first_name"] if user else f"User{chat_id}"
                if user and user.get("username"):
                    chat["username"] = user["username"]
            else:
                chat["title"] = f"Group {chat_id}"
            self._chats[chat_id] = chat
        elif chat_type is not None:
            chat["type"] = chat_type
        for key, value in info.items():
            if value is not None:
                chat[key] = value
        return dict(chat)

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _new_file(
        self, kind: str, data: bytes | None, file_name: str | None = None, mime: str | None = None
    ) -> dict:
        n = next(self._file_counter)
        prefix = {"photo": "AgAC", "document": "BQAC"}.get(kind, "CAAC")
        file_id = f"{prefix}{n:06d}{secrets.token_urlsafe(18)}"
        unique = f"AQAD{n:06d}{secrets.token_hex(4)}"
        if kind == "photo":
            path = f"photos/file_{n}.jpg"
        else:
            ext = ""
            if file_name and "." in file_name:
                ext = "." + file_name.rsplit(".", 1)[1]
            path = f"{kind}s/file_{n}{ext}"
        entry = {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_path": path,
            "data": data,
            "file_size": len(data) if data is not None else 0,
            "file_name": file_name,
            "mime_type": mime,
            "kind": kind,
        }
        self._files[file_id] = entry
        self._file_paths[path] = file_id
        return entry

    def _photo_sizes(self, data: bytes) -> list[dict]:
        entry = self._new_file("photo", data)
        width, height = _image_size(data)
        full = {
            "file_id": entry["file_id"],
            "file_unique_id": entry["file_unique_id"],
            "file_size": entry["file_size"],
            "width": width,
            "height": height,
        }
        scale = max(width, height) / 90
        if scale <= 1:
            return [full]
        thumb = self._new_file("photo", data)
        small = {
            "file_id": thumb["file_id"],
            "file_unique_id": thumb["file_unique_id"],
            "file_size": thumb["file_size"],
            "width": max(1, round(width / scale)),
            "height": max(1, round(height / scale)),
        }
        return [small, full]

    @staticmethod
    def _document_object(entry: dict) -> dict:
        doc = {
            "file_id": entry["file_id"],
            "file_unique_id": entry["file_unique_id"],
            "file_size": entry["file_size"],
        }
        if entry.get("file_name"):
            doc["file_name"] = entry["file_name"]
        if entry.get("mime_type"):
            doc["mime_type"] = entry["mime_type"]
        return doc

    def _enqueue(self, update: dict) -> dict:
        """Assign an update_id if needed and queue. Caller holds the lock."""
        if "update_id" not in update:
            update["update_id"] = max(self._next_update_id, self._confirmed_offset)
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._updates.append(update)
        if len(self._updates) > 1 and self._updates[-2]["update_id"] > update["update_id"]:
            self._updates.sort(key=lambda u: u["update_id"])
        self._cond.notify_all()
        self._webhook_wake.set()
        return copy.deepcopy(update)

    @staticmethod
    def _command_entities(text: str | None) -> list[dict] | None:
        if not text or not text.startswith("/"):
            return None
        word = text.split(None, 1)[0]
        if len(word) < 2:
            return None
        return [{"type": "bot_command", "offset": 0, "length": utf16_len(word)}]

    def queue_message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh",
        reply_to_message_id: int | None = None,
        caption: str | None = None,
        photo: bool | bytes = False,
        document: tuple[str, bytes] | None = None,
        forward_from: int | dict | None = None,
        entities: list[dict] | None = None,
        date: int | None = None,
    ) -> dict:
        """Queue a message update from a user; returns the update (plus ``message_id``)."""
        with self._cond:
            user = self._user(
                user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
            if chat_id is None:
                chat_id = user_id
            if chat_type == "private" and chat_id != user_id:
                chat_type = _chat_kind(chat_id)
            if chat_type == "private":
                chat = self._chat(
                    chat_id,
                    "private",
                    first_name=user["first_name"],
                    last_name=user.get("last_name"),
                    username=user.get("username"),
                )
            else:
                chat = self._chat(chat_id, chat_type, title=chat_title)
            message: dict = {
                "message_id": self._new_message_id(chat_id),
                "from": user,
                "chat": chat,
                "date": int(date if date is not None else time.time()),
            }
            media = bool(photo) or document is not None
            if media and caption is None:
                caption, text = text, None
            if text is not None:
                message["text"] = text
                ents = entities if entities is not None else self._command_entities(text)
                if ents:
                    message["entities"] = ents
            if photo:
                data = photo if isinstance(photo, bytes | bytearray) else _tiny_png(64, 48)
                message["photo"] = self._photo_sizes(bytes(data))
            if document is not None:
                name, data = document
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
                entry = self._new_file("document", bytes(data), name, mime)
                message["document"] = self._document_object(entry)
            if caption is not None:
                message["caption"] = caption
                ents = entities if (entities is not None and text is None) else None
                ents = ents or self._command_entities(caption)
                if ents:
                    message["caption_entities"] = ents
            if reply_to_message_id is not None:
                replied = self._messages.get((chat_id, reply_to_message_id))
                if replied is not None:
                    message["reply_to_message"] = self._strip_reply(replied)
            if forward_from is not None:
                origin_user = (
                    forward_from
                    if isinstance(forward_from, dict)
                    else self._user(int(forward_from))
                )
                message["forward_origin"] = {
                    "type": "user",
                    "sender_user": origin_user,
                    "date": message["date"] - 60,
                }
            self._messages[(chat_id, message["message_id"])] = message
            update = self._enqueue({"message": copy.deepcopy(message)})
        update["message_id"] = message["message_id"]
        return update

    @staticmethod
    def _strip_reply(message: dict) -> dict:
        reply = copy.deepcopy(message)
        reply.pop("reply_to_message", None)
        return reply

    def queue_edit(self, user_id: int, chat_id: int, message_id: int, new_text: str) -> dict:
        """Queue an edited_message update for a message the user sent."""
        with self._cond:
            message = self._messages.get((chat_id, message_id))
            if message is None:
                message = {
                    "message_id": message_id,
                    "from": self._user(user_id),
                    "chat": self._chat(chat_id),
                    "date": int(time.time()) - 60,
                }
                self._messages[(chat_id, message_id)] = message
            message["text"] = new_text
            message.pop("entities", None)
            ents = self._command_entities(new_text)
            if ents:
                message["entities"] = ents
            message["edit_date"] = int(time.time())
            return self._enqueue({"edited_message": copy.deepcopy(message)})

    def queue_callback(
        self,
        user_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        message_id: int | None = None,
    ) -> dict:
        """Queue a callback_query: the user pressed a button on a message the bot sent.

        ``message_id`` defaults to the newest bot message in the chat with an inline keyboard
        (else the newest bot message). The data is not checked against the buttons.
        """
        with self._cond:
            if chat_id is None:
                chat_id = user_id
            if message_id is None:
                candidates = [
                    mid
                    for (cid, mid), msg in self._messages.items()
                    if cid == chat_id and msg["from"]["id"] == self.bot_id
                ]
                with_kb = [
                    mid for mid in candidates if "reply_markup" in self._messages[(chat_id, mid)]
                ]
                pool = with_kb or candidates
                if not pool:
                    raise LookupError(f"the bot has sent no message to chat {chat_id}")
                message_id = max(pool)
            message = self._messages.get((chat_id, message_id))
            if message is None:
                raise LookupError(f"no message {message_id} in chat {chat_id}")
            query_id = str(secrets.randbits(62))
            self._callbacks[query_id] = {
                "user_id": user_id,
                "data": data,
                "answered": False,
                "chat_id": chat_id,
                "message_id": message_id,
            }
            query = {
                "id": query_id,
                "from": self._user(user_id),
                "message": copy.deepcopy(message),
                "chat_instance": str(abs(hash((self.bot_id, chat_id))) % 10**18),
                "data": data,
            }
            return self._enqueue({"callback_query": query})

    def queue_raw(self, update: dict) -> dict:
        """Queue any update dict (an ``update_id`` is assigned if it has none)."""
        with self._cond:
            update = copy.deepcopy(update)
            for key in ("message", "edited_message", "channel_post"):
                msg = update.get(key)
                if isinstance(msg, dict) and "chat" in msg and "message_id" in msg:
                    cid = msg["chat"]["id"]
                    self._messages[(cid, msg["message_id"])] = copy.deepcopy(msg)
                    self._next_message_id[cid] = max(
                        self._next_message_id.get(cid, 1), msg["message_id"] + 1
                    )
                    self._chats.setdefault(cid, dict(msg["chat"]))
            return self._enqueue(update)

    # ------------------------------------------------------------------ inspection

    @property
    def sent(self) -> list[dict]:
        """Everything the bot sent, edited or deleted, oldest first (a snapshot)."""
        with self._lock:
            return list(self._sent)

    @property
    def requests(self) -> list[dict]:
        """Every Bot API call: {"method", "params", "http_method", "status", "at"} (a snapshot)."""
        with self._lock:
            return list(self._requests)

    @property
    def request_counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self._request_counts)

    def request_count(self, method: str | None = None) -> int:
        with self._lock:
            if method is None:
                return sum(self._request_counts.values())
            return self._request_counts[method]

    def calls(self, method: str) -> list[dict]:
        """The decoded params of every call of ``method``."""
        with self._lock:
            return [r["params"] for r in self._requests if r["method"] == method]

    @property
    def chat_actions(self) -> list[dict]:
        with self._lock:
            return list(self._chat_actions)

    @property
    def callback_answers(self) -> list[dict]:
        with self._lock:
            return list(self._callback_answers)

    @property
    def faults(self) -> list[dict]:
        """Every injected fault: {"method", "status" or "delay", "at"}."""
        with self._lock:
            return list(self._faults_log)

    @property
    def confirmed_offset(self) -> int:
        """The highest offset the bot has acknowledged (all update_ids below it are gone)."""
        with self._lock:
            return self._confirmed_offset

    def pending_updates(self) -> list[dict]:
        """Queued updates not yet confirmed."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def messages_to(self, chat_id: int, *, include_edits: bool = False) -> list[dict]:
        """Records of messages the bot sent (and, optionally, edited) to a chat."""
        with self._lock:
            return [
                r
                for r in self._sent
                if r["chat_id"] == chat_id
                and (r["kind"] == "send" or (include_edits and r["kind"] == "edit"))
            ]

    def texts_to(self, chat_id: int) -> list[str]:
        """Text (or caption) of every message the bot sent to a chat, as sent."""
        return [r["body"] for r in self.messages_to(chat_id) if r["body"] is not None]

    def edits_to(self, chat_id: int) -> list[dict]:
        with self._lock:
            return [r for r in self._sent if r["chat_id"] == chat_id and r["kind"] == "edit"]

    def message(self, chat_id: int, message_id: int) -> dict | None:
        """The current state of a message (after edits), as a Bot API Message dict."""
        with self._lock:
            msg = self._messages.get((chat_id, message_id))
            return copy.deepcopy(msg) if msg is not None else None

    def last_message_id(self, chat_id: int) -> int | None:
        """The id of the newest message the bot sent to a chat."""
        with self._lock:
            return self._last_bot_message.get(chat_id)

    def file_bytes(self, file_id: str) -> bytes | None:
        with self._lock:
            entry = self._files.get(file_id)
            return entry["data"] if entry else None

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands set for a scope (default scope if None) and language."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True)
        with self._lock:
            return copy.deepcopy(self._commands.get((key, language_code), []))

    def all_commands(self) -> dict[tuple[str, str], list[dict]]:
        """{(scope JSON, language_code): commands} for everything set."""
        with self._lock:
            return copy.deepcopy(self._commands)

    @property
    def webhook(self) -> dict:
        with self._lock:
            return dict(self._webhook)

    def clear_sent(self) -> None:
        with self._lock:
            self._sent.clear()
            self._sent_epoch += 1

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()
            self._request_counts.clear()

    def mark(self) -> int:
        """The current length of ``sent``, to pass as ``since=`` to the wait helpers."""
        with self._lock:
            return len(self._sent)

    def add_listener(self, fn: Callable[[dict], None]) -> None:
        """Call ``fn(record)`` (in a server thread) for every record added to ``sent``."""
        with self._lock:
            self._listeners.append(fn)

    def remove_listener(self, fn: Callable[[dict], None]) -> None:
        with self._lock:
            if fn in self._listeners:
                self._listeners.remove(fn)

    # ------------------------------------------------------------------ waiting

    @staticmethod
    def _matches(predicate: Callable[[dict], bool] | None, record: dict) -> bool:
        if predicate is None:
            return True
        try:
            return bool(predicate(record))
        except (KeyError, TypeError, AttributeError, IndexError):
            return False

    def _collector(
        self, predicate: Callable[[dict], bool] | None, since: int
    ) -> Callable[[], list[dict]]:
        """Incrementally collect matching records of ``sent[since:]``. Call with the lock held."""
        found: list[dict] = []
        state = {"pos": since, "epoch": self._sent_epoch}

        def collect() -> list[dict]:
            if state["epoch"] != self._sent_epoch:  # clear_sent() ran meanwhile
                state["epoch"], state["pos"] = self._sent_epoch, 0
                found.clear()
            for record in self._sent[state["pos"] :]:
                if self._matches(predicate, record):
                    found.append(record)
            state["pos"] = max(state["pos"], len(self._sent))
            return list(found)

        return collect

    def _timeout_message(self, what: str, timeout: float) -> str:
        tail = [
            {k: r[k] for k in ("method", "chat_id", "message_id", "body")} for r in self._sent[-5:]
        ]
        hint = ""
        try:
            asyncio.get_running_loop()
            hint = (
                " (called from a running event loop: if the bot runs in this loop, "
                "use the *_async variant)"
            )
        except RuntimeError:
            pass
        return f"timed out after {timeout}s waiting for {what}{hint}; last sent: {tail}"

    def wait_for_count(
        self,
        n: int,
        predicate: Callable[[dict], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> list[dict]:
        """Block until ``n`` records in ``sent[since:]`` match; returns the matching records."""
        deadline = time.monotonic() + timeout
        collect = self._collector(predicate, since)
        with self._cond:
            while True:
                found = collect()
                if len(found) >= n:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WaitTimeout(
                        self._timeout_message(
                            f"{n} matching sent records (have {len(found)})", timeout
                        )
                    )
                self._cond.wait(left)

    def wait_for(
        self,
        predicate: Callable[[dict], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> dict:
        """Block until a record in ``sent[since:]`` matches; returns the first one.

        A predicate raising KeyError/TypeError/AttributeError/IndexError counts as no match.
        """
        return self.wait_for_count(1, predicate, timeout, since=since)[0]

    async def wait_for_count_async(
        self,
        n: int,
        predicate: Callable[[dict], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> list[dict]:
        """Like :meth:`wait_for_count` without blocking the event loop."""
        deadline = time.monotonic() + timeout
        collect = self._collector(predicate, since)
        while True:
            with self._lock:
                found = collect()
            if len(found) >= n:
                return found
            if time.monotonic() >= deadline:
                with self._lock:
                    raise WaitTimeout(
                        self._timeout_message(
                            f"{n} matching sent records (have {len(found)})", timeout
                        )
                    )
            await asyncio.sleep(0.01)

    async def wait_for_async(
        self,
        predicate: Callable[[dict], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> dict:
        return (await self.wait_for_count_async(1, predicate, timeout, since=since))[0]

    def _all_confirmed(self, update_id: int | None) -> bool:
        if update_id is None:
            update_id = self._next_update_id - 1
        return self._confirmed_offset > update_id or not any(
            u["update_id"] <= update_id for u in self._updates
        )

    def wait_confirmed(self, update_id: int | None = None, timeout: float = 10.0) -> None:
        """Block until the bot has confirmed ``update_id`` (default: every update queued)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._all_confirmed(update_id):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WaitTimeout(
                        f"timed out after {timeout}s waiting for update {update_id} to be "
                        f"confirmed (confirmed_offset={self._confirmed_offset})"
                    )
                self._cond.wait(left)

    async def wait_confirmed_async(
        self, update_id: int | None = None, timeout: float = 10.0
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if self._all_confirmed(update_id):
                    return
                offset = self._confirmed_offset
            if time.monotonic() >= deadline:
                raise WaitTimeout(
                    f"timed out after {timeout}s waiting for update {update_id} to be "
                    f"confirmed (confirmed_offset={offset})"
                )
            await asyncio.sleep(0.01)

    def wait_for_request(
        self,
        method: str,
        predicate: Callable[[dict], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> dict:
        """Block until a call of ``method`` in ``requests[since:]`` matches ``predicate(params)``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self._requests[since:]:
                    if r["method"] == method and self._matches(predicate, r["params"]):
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WaitTimeout(f"timed out after {timeout}s waiting for a {method} call")
                self._cond.wait(left)

    async def wait_for_request_async(
        self,
        method: str,
        predicate: Callable[[dict], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                for r in self._requests[since:]:
                    if r["method"] == method and self._matches(predicate, r["params"]):
                        return r
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"timed out after {timeout}s waiting for a {method} call")
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        status: int = 429,
        count: int = 1,
        retry_after: int = 1,
        *,
        description: str | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` ("*" = any method) with an error.

        The failed calls have no effect. 429 carries ``parameters.retry_after``.
        """
        with self._lock:
            faults = self._fail_next.setdefault(method, [])
            for _ in range(count):
                faults.append(_Fault(status, retry_after, description, 0.0, False))

    def delay_next(
        self, method: str, seconds: float, count: int = 1, *, apply: bool = True
    ) -> None:
        """Answer the next ``count`` calls of ``method`` only after ``seconds``.

        With ``apply=True`` the call takes effect at once (the message is sent; only the answer
        is late), the case where a client that timed out cannot know whether it worked.
        """
        with self._lock:
            faults = self._fail_next.setdefault(method, [])
            for _ in range(count):
                faults.append(_Fault(None, 0, None, seconds, apply))

    def fail_rate(
        self,
        p: float,
        methods: Iterable[str] | None = None,
        seed: int | None = 0,
        statuses: Iterable[int] = (500, 502),
        timeout_share: float = 0.0,
        timeout_seconds: float = 6.0,
        *,
        retry_after: int = 1,
        timeout_applies: bool = True,
    ) -> None:
        """Fail a random share ``p`` of calls (of ``methods``, default all but getUpdates).

        Of the failures, ``timeout_share`` are answered only after ``timeout_seconds`` (past a
        client's read timeout; with ``timeout_applies`` the call still takes effect), the rest
        get a status from ``statuses``. ``fail_rate(0)`` turns it off.
        """
        with self._lock:
            if p <= 0:
                self._fail_rate = None
                return
            self._rng = random.Random(seed)
            self._fail_rate = {
                "p": p,
                "methods": None if methods is None else frozenset(methods),
                "statuses": tuple(statuses),
                "timeout_share": timeout_share,
                "timeout_seconds": timeout_seconds,
                "retry_after": retry_after,
                "timeout_applies": timeout_applies,
            }

    def clear_faults(self) -> None:
        with self._lock:
            self._fail_next.clear()
            self._fail_rate = None
            self._failing_chats.clear()

    def fail_chat(self, chat_id: int, status: int = 500) -> None:
        """Answer every call about this chat with ``status`` (no effect) until ``clear_faults``."""
        with self._lock:
            self._failing_chats[chat_id] = status

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, *, user_id: int,
                     announce: bool = True) -> None:
        """The group `old_chat_id` becomes the supergroup `new_chat_id`, as Telegram does when a
        group grows or goes public: every later call about the old id is answered 400 "group
        chat was upgraded" with ``migrate_to_chat_id``; with `announce`, the two service
        messages (``migrate_to_chat_id`` in the old chat, ``migrate_from_chat_id`` in the new)
        are queued as updates."""
        with self._lock:
            self._migrated_chats[old_chat_id] = new_chat_id
            if not announce:
                return
            for chat_id, field, value in ((old_chat_id, "migrate_to_chat_id", new_chat_id),
                                          (new_chat_id, "migrate_from_chat_id", old_chat_id)):
                kind = "supergroup" if chat_id == new_chat_id else "group"
                self.queue_raw({"message": {
                    "message_id": self._new_message_id(chat_id), "date": int(time.time()),
                    "from": self._user(user_id), "chat": self._chat(chat_id, kind), field: value}})

    def _migration_error(self, params: dict) -> ApiError | None:
        new_chat_id = self._migrated_chats.get(params.get("chat_id"))  # type: ignore[arg-type]
        if new_chat_id is None:
            return None
        return ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                        {"migrate_to_chat_id": new_chat_id})

    def _chat_fault(self, params: dict) -> _Fault | None:
        status = self._failing_chats.get(params.get("chat_id"))  # type: ignore[arg-type]
        return None if status is None else _Fault(status, 1, None, 0.0, False)

    def block_chat(self, chat_id: int) -> None:
        """Sends to this chat get 403 (blocked by the user / kicked from the group)."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def set_chat_member(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers: creator, administrator, member, restricted, left, kicked."""
        with self._lock:
            self._members[(chat_id, user_id)] = status

    def _pick_fault(self, method: str) -> _Fault | None:
        for key in (method, "*"):
            faults = self._fail_next.get(key)
            if faults:
                fault = faults.pop(0)
                if not faults:
                    del self._fail_next[key]
                return fault
        rate = self._fail_rate
        if rate is None:
            return None
        methods = rate["methods"]
        if methods is None:
            if method == "getUpdates":
                return None
        elif method not in methods:
            return None
        if self._rng.random() >= rate["p"]:
            return None
        if self._rng.random() < rate["timeout_share"]:
            return _Fault(None, 0, None, rate["timeout_seconds"], rate["timeout_applies"])
        status = self._rng.choice(rate["statuses"])
        return _Fault(status, rate["retry_after"], None, 0.0, False)

    def _fault_error(self, fault: _Fault) -> ApiError:
        status = fault.status or 500
        if status == 429:
            return ApiError(
                429,
                fault.description or f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after},
            )
        description = fault.description or _STATUS_TEXT.get(status, "Error")
        if status == 400 and not fault.description:
            description = "Bad Request: injected fault"
        return ApiError(status, description)

    def _check_flood(self, method: str, params: dict) -> None:
        limits = self._flood
        if limits is None or method not in FLOOD_METHODS:
            return
        chat_id = params.get("chat_id")
        now = time.monotonic()
        buckets = []
        overall = self._buckets.get("*")
        if overall is None:
            overall = self._buckets["*"] = _Bucket(
                limits.overall_per_second, limits.overall_burst, now
            )
        buckets.append(overall)
        if isinstance(chat_id, int):
            chat = self._buckets.get(chat_id)
            if chat is None:
                if chat_id > 0:
                    chat = _Bucket(limits.private_per_second, limits.private_burst, now)
                else:
                    chat = _Bucket(limits.group_per_minute / 60.0, limits.group_burst, now)
                self._buckets[chat_id] = chat
            buckets.append(chat)
        wait = max(b.wait_time(now) for b in buckets)
        if wait > 0:
            self.flood_429_count += 1
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        for b in buckets:
            b.take()

    # ------------------------------------------------------------------ webhooks

    def post_update(self, url: str, update: dict, secret_token: str | None = None) -> int:
        """POST an update to a webhook URL as Telegram does; returns the HTTP status."""
        body = json.dumps(update).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
                return resp.status
        except urllib.error.HTTPError as err:
            return err.code

    def _start_webhook_delivery(self) -> None:
        """Caller holds the lock."""
        if self._webhook_thread is not None and self._webhook_thread.is_alive():
            self._webhook_wake.set()
            return
        self._webhook_wake.clear()
        stop_event = self._stop_event
        self._webhook_thread = threading.Thread(
            target=self._deliver_webhooks, args=(stop_event,), name="localapi-webhook", daemon=True
        )
        self._webhook_thread.start()

    def _deliver_webhooks(self, stop_event: threading.Event) -> None:
        while not stop_event.is_set():
            with self._lock:
                url = self._webhook.get("url")
                secret = self._webhook.get("secret_token")
                update = copy.deepcopy(self._updates[0]) if (url and self._updates) else None
            if not url:
                return
            if update is None:
                self._webhook_wake.wait(0.5)
                self._webhook_wake.clear()
                continue
            try:
                status = self.post_update(url, update, secret)
                error = (
                    None if 200 <= status < 300 else f"Wrong response from the webhook: {status}"
                )
            except OSError as exc:
                error = f"Connection failed: {exc}"
            with self._cond:
                if error is None:
                    self._updates = [
                        u for u in self._updates if u["update_id"] != update["update_id"]
                    ]
                    self._confirmed_offset = max(self._confirmed_offset, update["update_id"] + 1)
                    self._cond.notify_all()
                else:
                    self._webhook["last_error_date"] = int(time.time())
                    self._webhook["last_error_message"] = error
            if error is not None:
                stop_event.wait(self.webhook_retry_delay)

    # ------------------------------------------------------------------ HTTP dispatch

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _handle(
        self, verb: str, path: str, query: str, headers: object, body: bytes
    ) -> tuple[int, str, bytes, float, threading.Event]:
        """Answer one HTTP request: (status, content type, body, delay, stop event)."""
        stop_event = self._stop_event
        path = unquote(path)
        if path.startswith("/file/bot"):
            status, ctype, payload = self._serve_file(path[len("/file/bot") :])
            return status, ctype, payload, 0.0, stop_event
        if not path.startswith("/bot"):
            return self._json_error(ApiError(404, "Not Found")) + (0.0, stop_event)
        token, _, method_name = path[len("/bot") :].partition("/")
        if token != self.token:
            if _TOKEN_RE.match(token):
                return self._json_error(ApiError(401, "Unauthorized")) + (0.0, stop_event)
            return self._json_error(ApiError(404, "Not Found")) + (0.0, stop_event)
        found = self._methods.get(method_name.strip("/").lower())
        method = found[0] if found else method_name
        try:
            raw, files = decode_body(headers.get("Content-Type"), body, query)  # type: ignore[attr-defined]
            params = coerce_params(raw)
        except DecodeError as err:
            params, files = {}, {}
            decode_error: ApiError | None = ApiError(400, str(err))
        else:
            decode_error = None
        record = {
            "method": method,
            "params": params,
            "files": {k: (f.filename, len(f.data)) for k, f in files.items()},
            "http_method": verb,
            "status": None,
            "at": time.monotonic(),
        }
        delay = 0.0
        with self._cond:
            self._requests.append(record)
            self._request_counts[method] += 1
            self._cond.notify_all()
            try:
                if decode_error is not None:
                    raise decode_error
                if found is None:
                    raise ApiError(404, "Not Found")
                migrated = self._migration_error(params)
                if migrated is not None:
                    raise migrated
                fault = self._chat_fault(params) or self._pick_fault(method)
                if fault is not None:
                    entry: dict = {"method": method, "at": time.monotonic()}
                    if fault.status is not None:
                        entry["status"] = fault.status
                    else:
                        entry["delay"] = fault.delay
                    self._faults_log.append(entry)
                    if fault.status is not None:
                        raise self._fault_error(fault)
                    delay = fault.delay
                    if not fault.apply:
                        record["status"] = "timeout"
                        return 504, "application/json", b"", delay, stop_event
                self._check_flood(method, params)
                result = found[1](params, files)
                payload = json.dumps({"ok": True, "result": result}, ensure_ascii=False)
                record["status"] = 200
                return 200, "application/json", payload.encode("utf-8"), delay, stop_event
            except ApiError as err:
                record["status"] = err.status
                record["description"] = err.description
                return self._json_error(err) + (delay, stop_event)

    @staticmethod
    def _json_error(err: ApiError) -> tuple[int, str, bytes]:
        return err.status, "application/json", json.dumps(err.payload()).encode("utf-8")

    def _serve_file(self, rest: str) -> tuple[int, str, bytes]:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return (
                401,
                "application/json",
                json.dumps(ApiError(401, "Unauthorized").payload()).encode(),
            )
        with self._lock:
            file_id = self._file_paths.get(file_path)
            entry = self._files.get(file_id) if file_id else None
            if entry is None or entry["data"] is None:
                return (
                    404,
                    "application/json",
                    json.dumps(ApiError(404, "Not Found").payload()).encode(),
                )
            data = entry["data"]
            mime = entry.get("mime_type") or "application/octet-stream"
        return 200, mime, data

    # ------------------------------------------------------------------ method helpers

    def _bot_user(self) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def _target_chat(self, params: dict, *, write: bool = True) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str):
            for cid, chat in self._chats.items():
                if chat.get("username") and "@" + chat["username"] == chat_id:
                    chat_id = cid
                    break
            else:
                raise ApiError(400, "Bad Request: chat not found")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if self.strict_chats and chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        if write and chat_id in self._blocked:
            if chat_id > 0:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat_id

    def _format(self, text: str, params: dict, what: str) -> tuple[str, list[dict]]:
        """Parse ``text`` per parse_mode; returns (plain text, entities)."""
        mode = params.get("parse_mode")
        key = "entities" if what == "text" else "caption_entities"
        if mode in (None, ""):
            ents = params.get(key) or []
            if not isinstance(ents, list):
                raise ApiError(400, f"Bad Request: can't parse {key} JSON object")
            return text, list(ents)
        mode_l = str(mode).lower()
        if mode_l == "html":
            try:
                return parse_html(text, strict_amp=self.strict_html)
            except EntityParseError as err:
                raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        if mode_l in ("markdown", "markdownv2"):
            return text, []
        raise ApiError(400, "Bad Request: unsupported parse_mode")

    def _text_content(self, params: dict) -> tuple[str, list[dict]]:
        text = params.get("text")
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        if not isinstance(text, str):
            text = str(text)
        plain, ents = self._format(text, params, "text")
        plain, ents = strip_with_entities(plain, ents)
        if not plain:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return plain, ents

    def _caption_content(self, params: dict) -> tuple[str | None, list[dict]]:
        caption = params.get("caption")
        if caption is None or caption == "":
            return None, []
        plain, ents = self._format(str(caption), params, "caption")
        plain, ents = strip_with_entities(plain, ents)
        if len(plain) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        return (plain or None), ents

    @staticmethod
    def _check_markup(markup: object) -> dict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(
                    400,
                    'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be '
                    "an Array of Arrays",
                )
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise ApiError(
                            400,
                            "Bad Request: can't parse inline keyboard button: "
                            'Field "text" must be of type String',
                        )
                    data = button.get("callback_data")
                    if data is not None:
                        size = len(str(data).encode("utf-8"))
                        if size == 0 or size > MAX_CALLBACK_DATA:
                            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                    url = button.get("url")
                    if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
                    actions = set(button) - {"text"}
                    if not actions:
                        raise ApiError(
                            400,
                            "Bad Request: can't parse inline keyboard button: "
                            "Text buttons are unallowed in the inline keyboard",
                        )
            return markup
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(
                    400,
                    'Bad Request: field "keyboard" of the ReplyKeyboardMarkup must be an Array '
                    "of Arrays",
                )
            return markup
        if "remove_keyboard" in markup or "force_reply" in markup:
            return markup
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")

    def _reply_to(self, params: dict, chat_id: int) -> dict | None:
        reply_params = params.get("reply_parameters")
        mid = params.get("reply_to_message_id")
        allow = bool(params.get("allow_sending_without_reply"))
        target_chat = chat_id
        if isinstance(reply_params, dict):
            mid = reply_params.get("message_id", mid)
            allow = bool(reply_params.get("allow_sending_without_reply", allow))
            if isinstance(reply_params.get("chat_id"), int):
                target_chat = reply_params["chat_id"]
        if mid is None:
            return None
        replied = self._messages.get((target_chat, int(mid)))
        if replied is None or replied.get("_deleted"):
            if allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return self._public(replied, strip_reply=True)

    @staticmethod
    def _public(message: dict, *, strip_reply: bool = False) -> dict:
        out = {k: copy.deepcopy(v) for k, v in message.items() if not k.startswith("_")}
        if strip_reply:
            out.pop("reply_to_message", None)
        return out

    def _new_bot_message(self, chat_id: int, params: dict) -> dict:
        chat = self._chat(chat_id)
        reply = self._reply_to(params, chat_id)
        message: dict = {
            "message_id": self._new_message_id(chat_id),
            "from": self._bot_user(),
            "chat": chat,
            "date": int(time.time()),
        }
        if reply is not None:
            message["reply_to_message"] = reply
        return message

    @staticmethod
    def _echo_markup(message: dict, markup: dict | None) -> None:
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = copy.deepcopy(markup)
        else:
            message.pop("reply_markup", None)

    def _store_and_record(
        self,
        method: str,
        kind: str,
        message: dict | None,
        params: dict,
        *,
        chat_id: int,
        message_id: int | None,
        text: str | None = None,
        caption: str | None = None,
        markup: dict | None = None,
        file_name: str | None = None,
        file_bytes: bytes | None = None,
        plain: str | None = None,
        entities: list[dict] | None = None,
    ) -> dict:
        record = {
            "method": method,
            "kind": kind,
            "chat_id": chat_id,
            "message_id": message_id,
            "text": text,
            "caption": caption,
            "body": text if text is not None else caption,
            "plain_text": plain,
            "entities": entities or [],
            "parse_mode": params.get("parse_mode"),
            "reply_markup": markup,
            "file_name": file_name,
            "file_bytes": file_bytes,
            "params": params,
            "message": self._public(message) if message is not None else None,
            "at": time.monotonic(),
        }
        self._sent.append(record)
        self._cond.notify_all()
        for fn in list(self._listeners):
            with contextlib.suppress(Exception):  # a listener must not break the server
                fn(record)
        return record

    def _file_param(
        self, params: dict, files: dict[str, UploadedFile], name: str, kind: str
    ) -> tuple[dict, bytes | None, str | None]:
        """Resolve an upload, a file_id or a URL: (file entry, bytes or None, file name)."""
        value = params.get(name)
        upload = files.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
        if upload is not None:
            limit = MAX_UPLOAD_PHOTO if kind == "photo" else MAX_UPLOAD
            if len(upload.data) > limit:
                raise ApiError(413, "Request Entity Too Large")
            if not upload.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            mime = upload.content_type or mimetypes.guess_type(upload.filename or "")[0]
            entry = self._new_file(kind, upload.data, upload.filename, mime)
            return entry, upload.data, upload.filename
        if not value or not isinstance(value, str):
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        if value in self._files:
            entry = self._files[value]
            return entry, entry["data"], entry.get("file_name")
        if re.match(r"^https?://", value):
            fname = value.rsplit("/", 1)[-1] or None
            mime = mimetypes.guess_type(fname or "")[0]
            entry = self._new_file(kind, None, fname, mime)
            return entry, None, fname
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    # ------------------------------------------------------------------ Bot API methods

    def _m_getMe(self, params: dict, files: dict) -> dict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_getUpdates(self, params: dict, files: dict) -> list[dict]:
        # Runs with self._cond held; waiting releases it.
        if self._webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset") or 0
        limit = params.get("limit") or 100
        limit = min(max(int(limit), 1), 100)
        timeout = max(0.0, float(params.get("timeout") or 0))
        if offset > 0:
            self._confirm(offset)
        elif offset < 0:
            keep = self._updates[offset:]
            if keep:
                self._confirm(keep[0]["update_id"])
        self._poll_generation += 1
        generation = self._poll_generation
        stop_event = self._stop_event
        deadline = time.monotonic() + timeout
        while True:
            if stop_event.is_set():
                raise _Abort()
            if generation != self._poll_generation:
                raise ApiError(409, _STATUS_TEXT[409])
            # confirmed updates are gone, so everything queued is >= offset
            if self._updates:
                return self._updates[:limit]
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            self._cond.wait(left)

    def _confirm(self, offset: int) -> None:
        if offset > self._confirmed_offset:
            self._confirmed_offset = offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._cond.notify_all()

    def _m_sendMessage(self, params: dict, files: dict) -> dict:
        chat_id = self._target_chat(params)
        plain, ents = self._text_content(params)
        markup = self._check_markup(params.get("reply_markup"))
        message = self._new_bot_message(chat_id, params)
        message["text"] = plain
        if ents:
            message["entities"] = ents
        self._echo_markup(message, markup)
        if params.get("link_preview_options"):
            message["link_preview_options"] = params["link_preview_options"]
        self._messages[(chat_id, message["message_id"])] = message
        self._last_bot_message[chat_id] = message["message_id"]
        self._store_and_record(
            "sendMessage",
            "send",
            message,
            params,
            chat_id=chat_id,
            message_id=message["message_id"],
            text=params["text"],
            markup=markup,
            plain=plain,
            entities=ents,
        )
        return self._public(message)

    def _send_media(self, method: str, field: str, params: dict, files: dict) -> dict:
        chat_id = self._target_chat(params)
        caption, ents = self._caption_content(params)
        markup = self._check_markup(params.get("reply_markup"))
        entry, data, file_name = self._file_param(params, files, field, field)
        message = self._new_bot_message(chat_id, params)
        if field == "photo":
            if data is not None and entry["kind"] == "photo":
                width, height = _image_size(data)
            else:
                width, height = 800, 600
            message["photo"] = [
                {
                    "file_id": entry["file_id"],
                    "file_unique_id": entry["file_unique_id"],
                    "file_size": entry["file_size"],
                    "width": width,
                    "height": height,
                }
            ]
        else:
            message[field] = self._document_object(entry)
        if caption:
            message["caption"] = caption
            if ents:
                message["caption_entities"] = ents
        self._echo_markup(message, markup)
        self._messages[(chat_id, message["message_id"])] = message
        self._last_bot_message[chat_id] = message["message_id"]
        raw_caption = params.get("caption")
        self._store_and_record(
            method,
            "send",
            message,
            params,
            chat_id=chat_id,
            message_id=message["message_id"],
            caption=raw_caption if raw_caption not in (None, "") else None,
            markup=markup,
            file_name=file_name,
            file_bytes=data,
            plain=caption,
            entities=ents,
        )
        return self._public(message)

    def _m_sendPhoto(self, params: dict, files: dict) -> dict:
        return self._send_media("sendPhoto", "photo", params, files)

    def _m_sendDocument(self, params: dict, files: dict) -> dict:
        return self._send_media("sendDocument", "document", params, files)

    def _editable(self, params: dict) -> tuple[int, dict]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by this server")
        chat_id = self._target_chat(params)
        mid = params.get("message_id")
        if mid is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self._messages.get((chat_id, mid))
        if message is None or message.get("_deleted"):
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat_id, message

    def _m_editMessageText(self, params: dict, files: dict) -> dict:
        chat_id, message = self._editable(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        plain, ents = self._text_content(params)
        markup = self._check_markup(params.get("reply_markup"))
        new_markup = markup if markup and markup.get("inline_keyboard") else None
        if (
            message.get("text") == plain
            and message.get("entities", []) == ents
            and message.get("reply_markup") == new_markup
        ):
            raise ApiError(400, NOT_MODIFIED)
        message["text"] = plain
        if ents:
            message["entities"] = ents
        else:
            message.pop("entities", None)
        self._echo_markup(message, markup)
        message["edit_date"] = int(time.time())
        self._store_and_record(
            "editMessageText",
            "edit",
            message,
            params,
            chat_id=chat_id,
            message_id=message["message_id"],
            text=params["text"],
            markup=markup,
            plain=plain,
            entities=ents,
        )
        return self._public(message)

    def _m_editMessageCaption(self, params: dict, files: dict) -> dict:
        chat_id, message = self._editable(params)
        if "text" in message:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption, ents = self._caption_content(params)
        markup = self._check_markup(params.get("reply_markup"))
        new_markup = markup if markup and markup.get("inline_keyboard") else None
        if (
            message.get("caption") == caption
            and message.get("caption_entities", []) == ents
            and message.get("reply_markup") == new_markup
        ):
            raise ApiError(400, NOT_MODIFIED)
        message.pop("caption", None)
        message.pop("caption_entities", None)
        if caption:
            message["caption"] = caption
            if ents:
                message["caption_entities"] = ents
        self._echo_markup(message, markup)
        message["edit_date"] = int(time.time())
        self._store_and_record(
            "editMessageCaption",
            "edit",
            message,
            params,
            chat_id=chat_id,
            message_id=message["message_id"],
            caption=params.get("caption"),
            markup=markup,
            plain=caption,
            entities=ents,
        )
        return self._public(message)

    def _m_editMessageReplyMarkup(self, params: dict, files: dict) -> dict:
        chat_id, message = self._editable(params)
        markup = self._check_markup(params.get("reply_markup"))
        new_markup = markup if markup and markup.get("inline_keyboard") else None
        if message.get("reply_markup") == new_markup:
            raise ApiError(400, NOT_MODIFIED)
        self._echo_markup(message, markup)
        message["edit_date"] = int(time.time())
        self._store_and_record(
            "editMessageReplyMarkup",
            "edit",
            message,
            params,
            chat_id=chat_id,
            message_id=message["message_id"],
            markup=markup,
        )
        return self._public(message)

    def _m_deleteMessage(self, params: dict, files: dict) -> bool:
        chat_id = self._target_chat(params, write=False)
        mid = params.get("message_id")
        message = self._messages.get((chat_id, mid))
        if message is None or message.get("_deleted"):
            raise ApiError(400, "Bad Request: message to delete not found")
        message["_deleted"] = True
        self._store_and_record(
            "deleteMessage", "delete", None, params, chat_id=chat_id, message_id=mid
        )
        return True

    def _m_answerCallbackQuery(self, params: dict, files: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._callbacks.get(query_id)
        if query is None or query["answered"]:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query["answered"] = True
        self._callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": bool(params.get("show_alert")),
                "url": params.get("url"),
                "user_id": query["user_id"],
                "data": query["data"],
                "chat_id": query["chat_id"],
                "message_id": query["message_id"],
                "at": time.monotonic(),
            }
        )
        self._cond.notify_all()
        return True

    def _m_sendChatAction(self, params: dict, files: dict) -> bool:
        chat_id = self._target_chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._chat_actions.append({"chat_id": chat_id, "action": action, "at": time.monotonic()})
        return True

    def _scope_key(self, params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        lang = params.get("language_code") or ""
        if lang and not re.match(r"^[a-z]{2}$", str(lang)):
            raise ApiError(400, "Bad Request: invalid language code specified")
        return json.dumps(scope, sort_keys=True), str(lang)

    def _m_setMyCommands(self, params: dict, files: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for cmd in commands:
            if not isinstance(cmd, dict) or not _COMMAND_RE.match(str(cmd.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            desc = cmd.get("description")
            if not isinstance(desc, str) or not 1 <= len(desc) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    def _m_getMyCommands(self, params: dict, files: dict) -> list[dict]:
        return copy.deepcopy(self._commands.get(self._scope_key(params), []))

    def _m_deleteMyCommands(self, params: dict, files: dict) -> bool:
        self._commands.pop(self._scope_key(params), None)
        return True

    def _bot_text(self, kind: str, params: dict, field: str) -> bool:
        value = params.get(field) or ""
        lang = str(params.get("language_code") or "")
        if value:
            self._bot_texts[(kind, lang)] = str(value)
        else:
            self._bot_texts.pop((kind, lang), None)
        return True

    def _m_setMyDescription(self, params: dict, files: dict) -> bool:
        return self._bot_text("description", params, "description")

    def _m_getMyDescription(self, params: dict, files: dict) -> dict:
        lang = str(params.get("language_code") or "")
        return {"description": self._bot_texts.get(("description", lang), "")}

    def _m_setMyShortDescription(self, params: dict, files: dict) -> bool:
        return self._bot_text("short_description", params, "short_description")

    def _m_getMyShortDescription(self, params: dict, files: dict) -> dict:
        lang = str(params.get("language_code") or "")
        return {"short_description": self._bot_texts.get(("short_description", lang), "")}

    def _m_setMyName(self, params: dict, files: dict) -> bool:
        return self._bot_text("name", params, "name")

    def _m_getMyName(self, params: dict, files: dict) -> dict:
        lang = str(params.get("language_code") or "")
        return {"name": self._bot_texts.get(("name", lang), self.bot_name)}

    def _m_setChatMenuButton(self, params: dict, files: dict) -> bool:
        self._menu_buttons[params.get("chat_id")] = params.get("menu_button") or {"type": "default"}
        return True

    def _m_getChatMenuButton(self, params: dict, files: dict) -> dict:
        return self._menu_buttons.get(params.get("chat_id"), {"type": "commands"})

    def _m_getChat(self, params: dict, files: dict) -> dict:
        chat_id = self._target_chat(params, write=False)
        chat = self._chat(chat_id)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _m_getChatMember(self, params: dict, files: dict) -> dict:
        chat_id = self._target_chat(params, write=False)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise ApiError(400, "Bad Request: invalid user_id specified")
        default = "member" if chat_id < 0 or chat_id == user_id else "left"
        status = self._members.get((chat_id, user_id), default)
        user = self._bot_user() if user_id == self.bot_id else self._user(user_id)
        member: dict = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
        elif status == "restricted":
            member.update({"is_member": True, "until_date": 0})
            member.update(
                {
                    k: True
                    for k in (
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                    )
                }
            )
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _m_leaveChat(self, params: dict, files: dict) -> bool:
        chat_id = self._target_chat(params, write=False)
        self._blocked.add(chat_id)
        return True

    def _m_getFile(self, params: dict, files: dict) -> dict:
        file_id = params.get("file_id")
        entry = self._files.get(str(file_id)) if file_id else None
        if entry is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if entry["file_size"] > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": entry["file_id"],
            "file_unique_id": entry["file_unique_id"],
            "file_size": entry["file_size"],
            "file_path": entry["file_path"],
        }

    def _m_setWebhook(self, params: dict, files: dict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._m_deleteWebhook(params, files)
        if not re.match(r"^https?://[^/\s]+", url):
            raise ApiError(
                400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self._webhook = {"url": url}
        if secret:
            self._webhook["secret_token"] = str(secret)
        if params.get("max_connections"):
            self._webhook["max_connections"] = params["max_connections"]
        if params.get("allowed_updates") is not None:
            self._webhook["allowed_updates"] = params["allowed_updates"]
        # a new webhook ends any long poll
        self._poll_generation += 1
        self._cond.notify_all()
        if self._httpd is not None:
            self._start_webhook_delivery()
        return True

    def _drop_pending(self) -> None:
        if self._updates:
            self._confirm(self._updates[-1]["update_id"] + 1)

    def _m_deleteWebhook(self, params: dict, files: dict) -> bool:
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self._webhook = {"url": ""}
        self._webhook_wake.set()
        return True

    def _m_getWebhookInfo(self, params: dict, files: dict) -> dict:
        info: dict = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        for key in ("max_connections", "allowed_updates", "last_error_date", "last_error_message"):
            if key in self._webhook:
                info[key] = self._webhook[key]
        return info

    def _m_close(self, params: dict, files: dict) -> bool:
        self.closed_count += 1
        return True

    def _m_logOut(self, params: dict, files: dict) -> bool:
        self.logged_out = True
        return True


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        # connections dropped by clients (or by stop()) are normal here
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalBotAPI/1.0"
    # headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
    # delayed ACKs add ~40 ms to every answer
    disable_nagle_algorithm = True
    api: BotAPIServer

    def setup(self) -> None:
        super().setup()
        self.api._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.api._track(self.connection, False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self, verb: str) -> None:
        body = self._read_body()
        split = urlsplit(self.path)
        try:
            status, ctype, payload, delay, stop_event = self.api._handle(
                verb, split.path, split.query, self.headers, body
            )
        except _Abort:
            self.close_connection = True
            return
        if delay > 0 and stop_event.wait(delay):
            self.close_connection = True
            return
        if status == 504 and not payload:
            # a timeout fault that must not take effect: just drop the connection
            self.close_connection = True
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if verb != "HEAD":
                self.wfile.write(payload)
        except OSError:
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")
