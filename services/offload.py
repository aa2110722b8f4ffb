"""Work too long for the event loop's process (the export of a big ledger), done in a child
process forked for it, and files made once kept for as long as their data stand.

A thread would not do: it holds the interpreter's lock while it works, and every other chat's
answer waits for it at each database call and send. A forked child starts with the parent's
memory, so what it works on is not copied into it (pickling 20,000 rows would itself hold the
event loop for a tenth of a second); it sends back only the bytes it made, and exits.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import traceback
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class ChildFailed(RuntimeError):
    """The child process making a file did not finish it (its traceback is on stderr)."""


async def in_child(make: Callable[[], bytes]) -> bytes:
    """`make()`, run in a child process forked for it (in a worker thread where there is no
    fork). The child touches nothing of the parent's but memory: no database connection, no
    socket, no thread; `make` must not either."""
    if not hasattr(os, "fork"):
        return await asyncio.to_thread(make)
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no memory or processes left for a child: made here, in a thread
        os.close(read_fd)
        os.close(write_fd)
        log.warning("could not fork a child process: the file is made in a thread")
        return await asyncio.to_thread(make)
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read_fd)
            gc.freeze()  # the parent's objects: never visited by a collection here (copied on write)
            signal.set_wakeup_fd(-1)  # the parent's event loop must hear none of the child's
            for number in (signal.SIGINT, signal.SIGTERM):
                signal.signal(number, signal.SIG_DFL)
            data = make()
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(data)
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(status)  # no clean-up of the parent's objects, files or buffers
    os.close(write_fd)
    return await asyncio.to_thread(_collect, read_fd, pid)


def _collect(read_fd: int, pid: int) -> bytes:
    """The child's bytes, once it has exited well."""
    with os.fdopen(read_fd, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise ChildFailed(f"child {pid} exited with {os.waitstatus_to_exitcode(status)}")
    return data


class MadeFiles:
    """Files made from one state of the data (an export, a chart's pictures), each kept under a
    key naming that state and how it was asked for, until `size` newer ones push it out. Two
    askers of the same key while it is being made share the one making."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._made: OrderedDict[Hashable, asyncio.Future] = OrderedDict()

    async def get(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        """The file kept under `key`, else `make()`'s (kept if it is made)."""
        made = self._made.get(key)
        if made is None:
            made = asyncio.ensure_future(make())
            self._made[key] = made
            while len(self._made) > self.size:
                self._made.popitem(last=False)
        else:
            self._made.move_to_end(key)
        try:
            return await asyncio.shield(made)  # an asker gone does not stop the others' file
        except Exception:
            if self._made.get(key) is made:
                del self._made[key]  # not kept: the next asker tries again
            raise

    def __len__(self) -> int:
        return len(self._made)

    def forget(self, stale: Callable[[Hashable], bool]) -> None:
        """Let go of the files whose key is `stale` (of data since changed: never asked again)."""
        for key in [key for key in self._made if stale(key)]:
            del self._made[key]

    def clear(self) -> None:
        self._made.clear()
