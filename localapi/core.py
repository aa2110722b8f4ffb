"""The Bot API stand-in's state and dispatch, with no transport: `localapi.httpserver` serves it over
HTTP (processes, the console, benchmarks), `localapi.inprocess` hands it python-telegram-bot's
calls directly (the tests' bot)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .botinfo import BotInfoMixin
from .decoding import DecodeError, UploadedFile
from .errors import ApiError
from .files import FilesMixin
from .limits import Fault, FloodLimits, LimitsMixin
from .messages import MessagesMixin
from .records import RecordsMixin
from .updates import LongPoll, UpdatesMixin

T = TypeVar("T")
TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
Decoder = Callable[[], tuple[dict, dict[str, UploadedFile]]]


@dataclass
class Answer:
    """The answer to one call, whatever carries it."""

    status: int
    body: bytes
    content_type: str = "application/json"
    delay: float = 0.0  # seconds before answering (an injected fault)
    drop: bool = False  # no answer at all: a timeout fault that must not take effect
    poll: LongPoll | None = None  # a getUpdates still waiting for updates
    record: dict | None = None


def error_answer(err: ApiError, delay: float = 0.0) -> Answer:
    return Answer(err.status, json.dumps(err.payload()).encode("utf-8"), delay=delay)


class BotAPI(UpdatesMixin, MessagesMixin, FilesMixin, BotInfoMixin, LimitsMixin, RecordsMixin):
    """The Bot API's state and methods. All public helpers are thread-safe."""

    def __init__(
        self,
        token: str = "123:TEST",
        flood_limits: bool | FloodLimits = False,
        bot_username: str = "KeyProjectBot",
        *,
        bot_name: str = "Key Project Bot",
        strict_html: bool = True,
        strict_chats: bool = False,
        first_update_id: int = 1,
        first_message_id: int = 1,
    ):
        self.token = token
        # Message ids are Telegram's, not the server's: a re-installed server numbers updates
        # from 1 again but continues every chat's message ids.
        self._first_message_id = first_message_id
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.strict_html = strict_html
        self.strict_chats = strict_chats
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 1
        self.flood_limits = flood_limits

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._stop_event = threading.Event()
        self._webhook_wake = threading.Event()

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
        self.closed_count = 0
        self.logged_out = False
        # faults
        self._fail_next: dict[str, list[Fault]] = {}
        self._fail_rate: dict | None = None
        self._rng = random.Random(0)
        self._failing_chats: dict[int, int] = {}  # chat id -> the status every call gets
        self._migrated_chats: dict[int, int] = {}  # a group -> the supergroup it became

        self._methods: dict[str, tuple[str, Callable[[dict, dict], object]]] = {}
        for attr in dir(self):
            if attr.startswith("_m_"):
                name = attr[3:]
                self._methods[name.lower()] = (name, getattr(self, attr))

    # ------------------------------------------------------------------ change notification

    def _changed(self) -> None:
        """Wake every waiter, threads and event loops alike. Caller holds the lock."""
        self._cond.notify_all()
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for loop, event in self._async_waiters:
            if loop is current:
                event.set()
            else:
                with contextlib.suppress(RuntimeError):  # that loop is closed
                    loop.call_soon_threadsafe(event.set)

    async def wait_until_async(self, ready: Callable[[], T | None], timeout: float = 10.0
                               ) -> T | None:
        """Await, woken by every change, until `ready()` (called with the lock held) is not
        None; its value, or None after `timeout` seconds."""
        return await self._wait_async(ready, time.monotonic() + timeout)

    async def _wait_async(self, ready: Callable[[], T | None], deadline: float) -> T | None:
        """Await until `ready()` (called with the lock held) is not None; None at `deadline`."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._async_waiters.append(waiter)
        try:
            while True:
                with self._lock:
                    waiter[1].clear()
                    value = ready()
                if value is not None:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter[1].wait(), left)
        finally:
            with self._lock:
                self._async_waiters.remove(waiter)

    # ------------------------------------------------------------------ dispatch

    def answer(self, verb: str, path: str, decode: Decoder) -> Answer:
        """Answer a call to `path` (``/bot<token>/<method>`` or ``/file/bot<token>/<path>``);
        `decode` gives its parameters and files. A getUpdates may come back still waiting
        (``poll``): see :meth:`wait_poll` and :meth:`wait_poll_async`."""
        if path.startswith("/file/bot"):
            status, ctype, payload = self.serve_file(path[len("/file/bot") :])
            return Answer(status, payload, ctype)
        if not path.startswith("/bot"):
            return error_answer(ApiError(404, "Not Found"))
        token, _, method_name = path[len("/bot") :].partition("/")
        if token != self.token:
            if TOKEN_RE.match(token):
                return error_answer(ApiError(401, "Unauthorized"))
            return error_answer(ApiError(404, "Not Found"))
        found = self._methods.get(method_name.strip("/").lower())
        method = found[0] if found else method_name
        try:
            params, files = decode()
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
            self._changed()
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
                    delay = fault.delay
                    if self._inject(method, fault):
                        record["status"] = "timeout"
                        return Answer(504, b"", delay=delay, drop=True)
                self._check_flood(method, params)
                result = found[1](params, files)
                if isinstance(result, LongPoll):
                    return Answer(200, b"", delay=delay, poll=result, record=record)
                return self._ok(record, result, delay)
            except ApiError as err:
                return self._failed(record, err, delay)

    def _inject(self, method: str, fault: Fault) -> bool:
        """Log a fault; raise its error, or True when the call is to be dropped unanswered."""
        entry: dict = {"method": method, "at": time.monotonic()}
        if fault.status is not None:
            entry["status"] = fault.status
        else:
            entry["delay"] = fault.delay
        self._faults_log.append(entry)
        if fault.status is not None:
            raise self._fault_error(fault)
        return not fault.apply

    @staticmethod
    def _ok(record: dict, result: object, delay: float) -> Answer:
        payload = json.dumps({"ok": True, "result": result}, ensure_ascii=False)
        record["status"] = 200
        return Answer(200, payload.encode("utf-8"), delay=delay)

    @staticmethod
    def _failed(record: dict, err: ApiError, delay: float) -> Answer:
        record["status"] = err.status
        record["description"] = err.description
        return error_answer(err, delay)

    def _poll_done(self, answer: Answer) -> Answer | None:
        """The final answer of a waiting getUpdates, or None while it waits. Lock held."""
        assert answer.poll is not None and answer.record is not None
        try:
            updates = self._poll_answer(answer.poll)
        except ApiError as err:
            return self._failed(answer.record, err, answer.delay)
        return None if updates is None else self._ok(answer.record, updates, answer.delay)

    def wait_poll(self, answer: Answer) -> Answer:
        """Block (a server thread) until a waiting getUpdates has its answer."""
        with self._cond:
            while answer.poll is not None:
                done = self._poll_done(answer)
                if done is not None:
                    return done
                self._cond.wait(max(0.0, answer.poll.deadline - time.monotonic()) + 0.001)
        return answer

    async def wait_poll_async(self, answer: Answer) -> Answer:
        """Await (without blocking the event loop) until a waiting getUpdates has its answer."""
        while answer.poll is not None:
            deadline = answer.poll.deadline + 0.001
            done = await self._wait_async(lambda: self._poll_done(answer), deadline)
            if done is not None:
                return done
        return answer
