"""Strangers cannot flood the bot: someone it does not know is answered a few times a minute.

A person the bot knows (anyone in `people`, and every BOT_ADMINS id) is always served. Anyone
else gets STRANGER_ANSWERS answers a minute (enough to send /start with an invitation and read
the reply); beyond that their updates are dropped before any handler looks at them.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from config import Config

STRANGER_ANSWERS = 3  # updates a minute an unknown sender is served
PERIOD = 60.0  # seconds
KEEP_SENDERS = 4096  # above this many strangers remembered, the quiet ones are forgotten


class Allowance:
    """At most `count` events per `period` seconds for each key (a sliding window)."""

    def __init__(self, count: int = STRANGER_ANSWERS, period: float = PERIOD,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._count, self._period, self._clock = count, period, clock
        self._seen: dict[object, deque[float]] = {}

    def take(self, key: object) -> bool:
        """Count one event for `key`; False when it is over its allowance (then not counted)."""
        now = self._clock()
        if len(self._seen) > KEEP_SENDERS:
            self._forget_quiet(now)
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] >= self._period:
            times.popleft()
        if len(times) >= self._count:
            return False
        times.append(now)
        return True

    def _forget_quiet(self, now: float) -> None:
        for key in [k for k, times in self._seen.items() if now - times[-1] >= self._period]:
            del self._seen[key]


def serves(config: Config, allowance: Allowance, user_id: int | None,
           person: dict | None) -> bool:
    """Whether an update from `user_id` (stored as `person`; None: not stored) is to be handled:
    always for a known person or an update without a sender, for a stranger only within their
    allowance."""
    if user_id is None or user_id in config.admins or person is not None:
        return True
    return allowance.take(user_id)
