"""Answering updates: each answer is noted against what it answers, and confirmations queued for
one chat go out as one message.

A person who sends ten updates in a row would get ten confirmations, and Telegram lets a private
chat receive about one message a second: the last would come ten seconds late. Instead a
confirmation that would wait (more of the chat's updates are still to be handled, or the chat's
pacing would hold the send back) joins the chat's open batch; the batch goes out as one message
once the chat's updates are handled (or MAX_HOLD seconds on, while a chat keeps sending) and the
chat's pacing allows, taking in every confirmation that arrives until then. Each update keeps
its own block in exactly one message. The updates of a batch are marked answered, and processed,
in the commit that notes the message's id: a crash before it leaves them pending, and the
restart answers them (once).

Any other message to the chat (a `/status` page, a refusal) first sends the chat's open batch,
so answers keep the order of the messages they answer, and is never merged into it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from storage.inbox import mark_processed
from storage.updates import mark_replied
from transport.pacing import PacedRateLimiter

MAX_HOLD = 1.0  # seconds a batch waits for its chat's other updates before it goes anyway
MAX_TEXT = 4096  # Telegram's limit for a message's text
# Combined answers on their way at once, all chats together: what a crash can catch between
# Telegram's answer and the commit noting it (and so repeat); two keep up with Telegram's 30 a
# second at round trips up to 60 ms.
SENDING_AT_ONCE = 2


@dataclass
class Processing:
    """The update being processed, and whether its handler already recorded it done."""

    update_id: int
    done: bool = False


processing: ContextVar[Processing | None] = ContextVar("durable_processing", default=None)


def _note_answer(db: Any, update_ids: list[int], reply_message_id: int | None,
                 processed: list[int]) -> None:
    """One commit: the message that answered these stored updates, and the received updates
    it settles marked processed."""
    with db.atomic():
        if update_ids and reply_message_id is not None:
            mark_replied(db, update_ids, reply_message_id)
        for update_id in processed:
            mark_processed(db, update_id)


def mark_answered(db: Any, update_ids: list[int], reply_message_id: int) -> None:
    """Note the message that answered these stored status updates and, in the same commit,
    that the update being processed is done (two commits per update were one too many)."""
    current = processing.get()
    _note_answer(db, update_ids, reply_message_id, [current.update_id] if current else [])
    if current is not None:
        current.done = True


def answer_later() -> int | None:
    """The update being processed is marked processed by the message that answers it later,
    not when its handler returns; its id (None outside DurableApplication.process_update)."""
    current = processing.get()
    if current is None:
        return None
    current.done = True
    return current.update_id


@dataclass
class Batch:
    """Confirmations waiting to go out to one chat as one message."""

    text: str = ""
    head: str | None = None  # the first paragraph of the last text: shared while it repeats
    quote: int | None = None  # the first message a confirmation in it quotes
    update_ids: list[int] = field(default_factory=list)
    processed: list[int] = field(default_factory=list)  # received updates it settles

    def joined(self, text: str) -> str:
        """The batch's text with `text` added: one head for consecutive texts that share it."""
        head, _, body = text.partition("\n\n")
        if not self.text:
            return text
        return f"{self.text}\n\n{body if body and head == self.head else text}"

    def add(self, text: str, quote: int | None, update_ids: list[int],
            processed: int | None) -> None:
        self.text, self.head = self.joined(text), text.partition("\n\n")[0]
        self.quote = self.quote if self.quote is not None else quote
        self.update_ids += update_ids
        if processed is not None:
            self.processed.append(processed)


class Outbox:
    """The batches of one application's chats (see the module's text)."""

    def __init__(self, application: Any, processor: Any = None) -> None:
        """`processor`: the PerChatUpdateProcessor that tells whether a chat has updates
        waiting (None: only the chat's pacing holds confirmations back)."""
        self._application, self._processor = application, processor
        self.combine = True  # False: each confirmation goes alone (bench/intake.py compares)
        self._open: dict[int, Batch] = {}
        self._held: set[int] = set()  # received updates whose answer waits in a batch
        self._sending: dict[int, list] = {}  # chat -> [its lock, the batches at it]
        self._at_once = asyncio.Semaphore(SENDING_AT_ONCE)

    def holds(self, update_id: int) -> bool:
        """This update's answer waits in a batch (a second delivery of it must not answer)."""
        return update_id in self._held

    @property
    def _db(self) -> Any:
        return self._application.bot_data["db"]

    @property
    def _limiter(self) -> PacedRateLimiter | None:
        limiter = self._application.bot.rate_limiter
        return limiter if isinstance(limiter, PacedRateLimiter) else None

    def _would_wait(self, chat_id: int) -> bool:
        """More of the chat's updates are waiting, or its pacing would hold a send back."""
        processor, limiter = self._processor, self._limiter
        return bool(chat_id in self._sending  # a batch is on its way: this one goes after it
                    or (processor is not None and processor.waiting(chat_id))
                    or (limiter is not None and limiter.would_wait(chat_id)))

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, chat_id: int) -> AsyncIterator[None]:
        """One batch of a chat on its way at a time: in order, and a crash can catch only one
        of them between Telegram's answer and the commit that notes it."""
        entry = self._sending.setdefault(chat_id, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if not entry[1]:
                del self._sending[chat_id]

    async def confirm(self, chat_id: int, text: str, *, quote: int | None,
                      update_ids: list[int]) -> None:
        """Send a confirmation of these stored updates now, or with the chat's batch."""
        # One turn of the loop: the updates fetched with this one reach their chats' queues
        # (a handler that never had to wait got here before they did).
        await asyncio.sleep(0)
        batch = self._open.get(chat_id)
        if batch is None and not (self.combine and self._would_wait(chat_id)):
            sent = await self._application.bot.send_text(chat_id, text, quote=quote)
            mark_answered(self._db, update_ids, sent)
            return
        if batch is not None and len(batch.joined(text)) > MAX_TEXT:
            await self.flush(chat_id)  # full: it goes now, this one starts the next
            batch = self._open.get(chat_id)
        if batch is None:
            batch = self._open[chat_id] = Batch()
            self._application.create_task(self._send_when_due(chat_id, batch))
        update_id = answer_later()
        batch.add(text, quote, update_ids, update_id)
        if update_id is not None:
            self._held.add(update_id)

    async def flush(self, chat_id: int) -> None:
        """Send the chat's open batch now, after any on its way (before another message to the
        chat)."""
        batch = self._open.pop(chat_id, None)
        if batch is not None:
            await self._send(chat_id, batch)
        elif chat_id in self._sending:
            async with self._one_at_a_time(chat_id):
                pass

    async def _send_when_due(self, chat_id: int, batch: Batch) -> None:
        processor, limiter = self._processor, self._limiter
        if processor is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(processor.drained(chat_id), MAX_HOLD)
        if self._open.get(chat_id) is not batch:
            return  # sent already: it filled up, or another message to the chat took it
        # Confirmations keep joining while the chat waits for its turn.
        async with limiter.turn(chat_id) if limiter else contextlib.nullcontext():
            if self._open.get(chat_id) is batch:  # (as above, while it waited)
                del self._open[chat_id]
                await self._send(chat_id, batch)

    async def _send(self, chat_id: int, batch: Batch) -> None:
        async with self._one_at_a_time(chat_id), self._at_once:
            try:
                sent = await self._application.bot.send_text(chat_id, batch.text,
                                                             quote=batch.quote)
            except Exception:
                # As a handler whose answer failed: its updates are done, their answer lost.
                _note_answer(self._db, [], None, batch.processed)
                raise
            else:
                _note_answer(self._db, batch.update_ids, sent, batch.processed)
            finally:
                self._held.difference_update(batch.processed)


async def confirm(application: Any, chat_id: int, text: str, *, quote: int | None,
                  update_ids: list[int]) -> None:
    """Confirm stored status updates in `chat_id` (quoting message `quote` when given): at once,
    or combined with the chat's other queued confirmations; noted answered as it is sent."""
    outbox = getattr(application, "outbox", None)
    if isinstance(outbox, Outbox):
        await outbox.confirm(chat_id, text, quote=quote, update_ids=update_ids)
        return
    sent = await application.bot.send_text(chat_id, text, quote=quote)
    mark_answered(application.bot_data["db"], update_ids, sent)
