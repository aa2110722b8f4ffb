"""What the bot did, for the tests to look at: every call, every message sent, edited or
deleted, and helpers that wait for them (threads or asyncio)."""

from __future__ import annotations

import asyncio
import copy
import time
from collections import Counter
from collections.abc import Callable

from .errors import WaitTimeout


class RecordsMixin:
    """Inspection and waiting helpers of :class:`localapi.core.BotAPI`."""

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
        with self._lock:
            collect = self._collector(predicate, since)

        def enough() -> list[dict] | None:
            found = collect()
            return found if len(found) >= n else None

        found = await self._wait_async(enough, time.monotonic() + timeout)
        if found is None:
            with self._lock:
                have = len(collect())
                raise WaitTimeout(
                    self._timeout_message(f"{n} matching sent records (have {have})", timeout)
                )
        return found

    async def wait_for_async(
        self,
        predicate: Callable[[dict], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> dict:
        return (await self.wait_for_count_async(1, predicate, timeout, since=since))[0]

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
        confirmed = await self._wait_async(
            lambda: self._all_confirmed(update_id) or None, time.monotonic() + timeout
        )
        if confirmed is None:
            raise WaitTimeout(
                f"timed out after {timeout}s waiting for update {update_id} to be "
                f"confirmed (confirmed_offset={self.confirmed_offset})"
            )

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
        def first_match() -> dict | None:
            for r in self._requests[since:]:
                if r["method"] == method and self._matches(predicate, r["params"]):
                    return r
            return None

        found = await self._wait_async(first_match, time.monotonic() + timeout)
        if found is None:
            raise WaitTimeout(f"timed out after {timeout}s waiting for a {method} call")
        return found
