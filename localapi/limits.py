"""Telegram's flood limits (token buckets) and the faults a test injects: failures, delays,
failing or blocked chats."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import STATUS_TEXT, ApiError

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


@dataclass
class FloodLimits:
    """Telegram's documented send limits, as token buckets (rate per second, burst)."""

    overall_per_second: float = 30.0
    overall_burst: float = 30.0
    private_per_second: float = 1.0
    private_burst: float = 3.0
    group_per_minute: float = 20.0
    group_burst: float = 20.0


class Bucket:
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
class Fault:
    status: int | None
    retry_after: int
    description: str | None
    delay: float
    apply: bool



class LimitsMixin:
    """Flood limits and fault injection of :class:`localapi.core.BotAPI`."""

    @property
    def flood_limits(self) -> FloodLimits | None:
        return self._flood

    @flood_limits.setter
    def flood_limits(self, value: bool | FloodLimits | None) -> None:
        if value is True:
            value = FloodLimits()
        self._flood: FloodLimits | None = value or None
        self._buckets: dict[object, Bucket] = {}

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
                faults.append(Fault(status, retry_after, description, 0.0, False))

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
                faults.append(Fault(None, 0, None, seconds, apply))

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

    def _chat_fault(self, params: dict) -> Fault | None:
        status = self._failing_chats.get(params.get("chat_id"))  # type: ignore[arg-type]
        return None if status is None else Fault(status, 1, None, 0.0, False)

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

    def _pick_fault(self, method: str) -> Fault | None:
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
            return Fault(None, 0, None, rate["timeout_seconds"], rate["timeout_applies"])
        status = self._rng.choice(rate["statuses"])
        return Fault(status, rate["retry_after"], None, 0.0, False)

    def _fault_error(self, fault: Fault) -> ApiError:
        status = fault.status or 500
        if status == 429:
            return ApiError(
                429,
                fault.description or f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after},
            )
        description = fault.description or STATUS_TEXT.get(status, "Error")
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
            overall = self._buckets["*"] = Bucket(
                limits.overall_per_second, limits.overall_burst, now
            )
        buckets.append(overall)
        if isinstance(chat_id, int):
            chat = self._buckets.get(chat_id)
            if chat is None:
                if chat_id > 0:
                    chat = Bucket(limits.private_per_second, limits.private_burst, now)
                else:
                    chat = Bucket(limits.group_per_minute / 60.0, limits.group_burst, now)
                self._buckets[chat_id] = chat
            buckets.append(chat)
        wait = max(b.wait_time(now) for b in buckets)
        if wait > 0:
            self.flood_429_count += 1
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        for b in buckets:
            b.take()

