"""No update is lost: received updates are stored before they are acknowledged to the Bot API.

`DurableBot` writes every update getUpdates fetches to the inbox before returning it
(`InboxRequest`); the Updater acknowledges an update only with its *next* getUpdates call, so
an update is always in the database first. `DurableApplication.process_update` skips updates already processed and
marks each processed one, and `requeue_pending` feeds what a killed process left unprocessed
back into the queue on start.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import gc
import logging
import re
import sqlite3
import time
import warnings
from collections.abc import Awaitable
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, BaseUpdateProcessor
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

from storage.inbox import inbox_state, mark_processed, pending_updates, store_received
from transport.outbox import Outbox, Processing, processing
from transport.retry import BestEffortBot, RequestAround, RetryingRequest

log = logging.getLogger(__name__)


# Text in which Telegram could find a link to preview: a scheme, or a dot inside a word
# ("example.com", "t.me/…"). Anything else cannot show a preview.
LINK_LIKE_RE = re.compile(r"://|\w\.\w")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def preview_options(text: str | None, given: object) -> object:
    """No link previews, ever; said only where one could appear (as a default, python-telegram-
    bot builds, merges and serialises the options for every message: 3% of all the work of a
    status update, by instruction count), unless the caller chose its own."""
    if isinstance(given, LinkPreviewOptions) or not LINK_LIKE_RE.search(text or ""):
        return given
    return NO_PREVIEW


MAX_BACKOFF = 60.0  # seconds between getUpdates calls while the inbox cannot be written
FAILURE_LOG_EVERY = 60.0  # seconds between two log lines about the same failing inbox


class InboxRequest(RequestAround):
    """The getUpdates request around `inner` (an HTTPXRequest by default): each fetched batch is
    stored in the inbox before the Bot API's answer is parsed into Updates (and so before the
    Updater can acknowledge any of them).

    The JSON is stored exactly as the Bot API sent it: cheaper and more faithful than
    Update.to_dict() after parsing. A batch that cannot be stored (disk full, a failing disk)
    is handed on as no updates, so none is acknowledged and Telegram keeps them; the next
    calls wait longer and longer (up to MAX_BACKOFF), and the failure is logged once a minute.
    """

    def __init__(self, db: Any, inner: BaseRequest | None = None) -> None:
        super().__init__(inner)
        self._db = db
        self._received: dict[int, str] = {}  # update_id -> inbox state when fetched
        self._failures = 0  # batches in a row that could not be stored
        self._logged_at = -FAILURE_LOG_EVERY

    def received_state(self, update_id: int) -> str | None:
        """The inbox state of an update fetched here (once; None if not known here)."""
        return self._received.pop(update_id, None)

    def backoff(self) -> float:
        """Seconds to wait before the next getUpdates: 0, then 1, 2, 4 … up to MAX_BACKOFF."""
        return min(MAX_BACKOFF, 2.0 ** (self._failures - 1)) if self._failures else 0.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        # A stopping Updater's last call (timeout 0) only acknowledges: never held back.
        stopping = request_data is not None and request_data.parameters.get("timeout") == 0
        if self._failures and not stopping:
            await asyncio.sleep(self.backoff())
        return await self.inner.do_request(url, method, request_data, *args, **kwargs)

    def parse_json_payload(self, payload: bytes) -> dict:
        data = super().parse_json_payload(payload)
        updates = data.get("result")
        if data.get("ok") and isinstance(updates, list) and updates:
            try:
                states = store_received(self._db, [(raw["update_id"], raw) for raw in updates])
            except sqlite3.Error as error:
                self._failed(error)
                return {"ok": True, "result": []}
            if self._failures:
                log.warning("inbox writable again after %d failed batch(es)", self._failures)
                self._failures, self._logged_at = 0, -FAILURE_LOG_EVERY
            self._received.update(states)
        return data

    def _failed(self, error: sqlite3.Error) -> None:
        self._failures += 1
        now = time.monotonic()
        if now - self._logged_at >= FAILURE_LOG_EVERY:
            self._logged_at = now
            log.error("cannot store received updates in the inbox (%s): none acknowledged, "
                      "Telegram keeps them; getUpdates again in %.0f s (%d failed batch(es))",
                      error, self.backoff(), self._failures)


class DurableBot(BestEffortBot):
    """The application's ExtBot: fetched updates are stored in the inbox before anything else.

    Its calls go through `RetryingRequest` (transport/retry.py), getUpdates through an
    `InboxRequest` when it is given a database. Links in what it sends are never previewed
    (`preview_options`).
    """

    def __init__(self, token: str, *, db: Any = None, request: BaseRequest | None = None,
                 get_updates_request: BaseRequest | None = None, **kwargs: Any) -> None:
        request = request or RetryingRequest()
        if get_updates_request is None and db is not None:
            get_updates_request = InboxRequest(db)
        super().__init__(token, request=request, get_updates_request=get_updates_request,
                         **kwargs)
        # Leading underscores: PTB freezes public attributes.
        self._inbox = get_updates_request if isinstance(get_updates_request, InboxRequest) else None
        self._settings = dict(kwargs, token=token, request=request)
        self._outbox: Outbox | None = None
        # do_api_request is the public way to an answer as Telegram sent it (send_text); it warns
        # each time that sendMessage has a Bot method, which builds the Message send_text avoids.
        warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'",
                                category=PTBUserWarning)

    def combine_confirmations(self, outbox: Outbox) -> None:
        """Confirmations go through `outbox`: any other message first sends what it holds."""
        self._outbox = outbox

    async def _after_confirmations(self, chat_id: object) -> None:
        if self._outbox is not None and isinstance(chat_id, int):
            await self._outbox.flush(chat_id)

    def received_state(self, update_id: int) -> str | None:
        """The inbox state of an update this bot fetched (once; None if not known here)."""
        return self._inbox.received_state(update_id) if self._inbox is not None else None

    @functools.cached_property
    def single_attempt(self) -> DurableBot:
        """The same bot (rate limiter, connection pool) with every call tried once."""
        settings = dict(self._settings)
        request = settings["request"]
        if isinstance(request, RetryingRequest):
            settings["request"] = settings["get_updates_request"] = request.inner
        return DurableBot(**settings)

    async def send_message(self, chat_id, text, *args, link_preview_options=None, **kwargs):
        await self._after_confirmations(chat_id)
        return await super().send_message(
            chat_id, text, *args, link_preview_options=preview_options(text, link_preview_options),
            **kwargs)

    async def send_photo(self, chat_id, *args, **kwargs):
        await self._after_confirmations(chat_id)
        return await super().send_photo(chat_id, *args, **kwargs)

    async def send_document(self, chat_id, *args, **kwargs):
        await self._after_confirmations(chat_id)
        return await super().send_document(chat_id, *args, **kwargs)

    async def send_text(self, chat_id: int, text: str, *, quote: int | None = None) -> int:
        """Send an HTML text (quoting message `quote` when given); the id of the message sent.

        `send_message` without the Message it builds from Telegram's answer, for callers that
        keep only the id (building it took 0.1 ms, an eighth of a status update's own work).
        """
        params: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
        if quote is not None:
            params["reply_parameters"] = {"message_id": quote, "allow_sending_without_reply": True}
        preview = preview_options(text, None)
        if preview is not None:
            params["link_preview_options"] = preview
        sent = await self.do_api_request("sendMessage", api_kwargs=params)
        return sent["message_id"]

    async def edit_message_text(self, text, *args, link_preview_options=None, **kwargs):
        return await super().edit_message_text(
            text, *args, link_preview_options=preview_options(text, link_preview_options),
            **kwargs)


def single_attempt(bot: Any) -> Any:
    """The bot to send through for a caller that retries on its own (schedules.delivery)."""
    return bot.single_attempt if isinstance(bot, DurableBot) else bot


def settle_startup_objects() -> None:
    """Exempt what start-up built (modules, handlers, compiled patterns, the ledger) from the
    garbage collector's full passes: they live as long as the bot, and each full pass walked
    all ~100,000 of them (25 µs an update, measured). `DurableApplication.shutdown` undoes it."""
    gc.collect()  # what is garbage already must not be kept for good
    gc.freeze()


class DurableApplication(Application):
    """An Application that processes each stored update once and records that it did; its
    `outbox` combines the confirmations queued for one chat (transport/outbox.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        processor = self.update_processor
        self.outbox = Outbox(self, processor if isinstance(processor, PerChatUpdateProcessor)
                             else None)
        if isinstance(self.bot, DurableBot):
            self.bot.combine_confirmations(self.outbox)

    async def shutdown(self) -> None:
        await super().shutdown()
        gc.unfreeze()  # a process that starts bots again and again (tests) must not keep them

    async def process_update(self, update: object) -> None:
        db = self.bot_data.get("db")
        if not isinstance(update, Update) or db is None:
            await super().process_update(update)
            return
        state = None
        if isinstance(self.bot, DurableBot):
            state = self.bot.received_state(update.update_id)
        if state is None:  # re-queued after a restart, or not fetched by getUpdates
            state = inbox_state(db, update.update_id)
        if state in ("done", "failed") or self.outbox.holds(update.update_id):
            log.debug("update %s already processed; skipped", update.update_id)
            return
        if state is None:  # webhook or console: store it first
            store_received(db, [(update.update_id, update.to_dict())])
        current = Processing(update.update_id)
        token = processing.set(current)
        try:
            await super().process_update(update)
        finally:
            processing.reset(token)
        if not current.done:
            mark_processed(db, update.update_id)


async def requeue_pending(application: Application) -> int:
    """Put updates that were received but never processed back into the queue."""
    db = application.bot_data["db"]
    pending = pending_updates(db)
    for payload in pending:
        await application.update_queue.put(Update.de_json(payload, application.bot))
    if pending:
        log.info("re-processing %d update(s) received before the last stop", len(pending))
    return len(pending)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat are handled in order; different chats are handled concurrently,
    taking turns.

    Order matters within a conversation (an edit after its message, a tap after its question);
    across chats it does not, and overlapping their Bot API round trips multiplies throughput.
    Each chat has its own queue, and a processing slot goes only to a chat whose turn it is:
    the chats with waiting updates are served round robin, one update at a time, so a chat
    that floods (a stranger, a busy group, a 10-photo album answered at one message a second)
    holds at most one of the slots and everyone else keeps the others.
    """

    # python-telegram-bot's own bound on updates handed to do_process_update at once: only a
    # guard here (updates wait in their chat's queue, and `slots` bounds those processed).
    ADMITTED = 1_000_000

    def __init__(self, slots: int = 16) -> None:
        super().__init__(self.ADMITTED)
        self._slots = slots
        self._running = 0
        self._waiting: dict[object, collections.deque[asyncio.Future]] = {}  # chat -> its turns
        self._busy: set[object] = set()  # chats with an update in a slot
        self._round: collections.deque[object] = collections.deque()  # idle chats with updates
        self._quiet: dict[object, asyncio.Event] = {}  # set when the chat has nothing left

    def waiting(self, key: object) -> bool:
        """Updates of this chat wait behind the one being handled."""
        return key in self._waiting

    async def drained(self, key: object) -> None:
        """Return once no update of this chat is waiting or being handled."""
        if key in self._waiting or key in self._busy:
            await self._quiet.setdefault(key, asyncio.Event()).wait()

    def _maybe_quiet(self, key: object) -> None:
        if key not in self._waiting and key not in self._busy and key in self._quiet:
            self._quiet.pop(key).set()

    @staticmethod
    def _chat_key(update: object) -> object:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return ("user", update.effective_user.id)
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._chat_key(update)
        turn = asyncio.get_running_loop().create_future()
        queue = self._waiting.setdefault(key, collections.deque())
        queue.append(turn)
        if len(queue) == 1 and key not in self._busy:
            self._round.append(key)
        self._dispatch()
        try:
            await turn
        except asyncio.CancelledError:  # shutting down
            if turn.done() and not turn.cancelled():
                self._finished(key)  # its slot was given: give it back
            else:
                self._forget(key, turn)
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            raise
        try:
            await coroutine
        finally:
            self._finished(key)

    def _dispatch(self) -> None:
        """Give free slots to the chats whose turn it is."""
        while self._running < self._slots and self._round:
            key = self._round.popleft()
            queue = self._waiting[key]
            turn = queue.popleft()
            if not queue:
                del self._waiting[key]
            self._busy.add(key)
            self._running += 1
            turn.set_result(None)

    def _finished(self, key: object) -> None:
        self._running -= 1
        self._busy.discard(key)
        if key in self._waiting:
            self._round.append(key)  # its next update: at the back of the round
        self._dispatch()
        self._maybe_quiet(key)

    def _forget(self, key: object, turn: asyncio.Future) -> None:
        queue = self._waiting.get(key)
        if queue is None or turn not in queue:
            return
        queue.remove(turn)
        if not queue:
            del self._waiting[key]
            if key in self._round:
                self._round.remove(key)
            self._maybe_quiet(key)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
