"""Updates: the messages, edits and button taps tests queue as users, and getUpdates
long polling (confirmation by offset, one poller at a time)."""

from __future__ import annotations

import copy
import mimetypes
import secrets
import threading
import time
from dataclasses import dataclass

from .errors import STATUS_TEXT, Abort, ApiError
from .files import tiny_png
from .htmlcheck import utf16_len


def chat_kind(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    if str(chat_id).startswith("-100"):
        return "supergroup"
    return "group"


@dataclass
class LongPoll:
    """A getUpdates call waiting for updates until `deadline` (time.monotonic())."""

    generation: int
    limit: int
    deadline: float
    stop_event: threading.Event


class UpdatesMixin:
    """The update queue of :class:`localapi.core.BotAPI`."""

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
            kind = chat_type or chat_kind(chat_id)
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
        mid = self._next_message_id.get(chat_id, self._first_message_id)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _enqueue(self, update: dict) -> dict:
        """Assign an update_id if needed and queue. Caller holds the lock."""
        if "update_id" not in update:
            update["update_id"] = max(self._next_update_id, self._confirmed_offset)
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._updates.append(update)
        if len(self._updates) > 1 and self._updates[-2]["update_id"] > update["update_id"]:
            self._updates.sort(key=lambda u: u["update_id"])
        self._changed()
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
                chat_type = chat_kind(chat_id)
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
                data = photo if isinstance(photo, bytes | bytearray) else tiny_png(64, 48)
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
                        self._next_message_id.get(cid, self._first_message_id), msg["message_id"] + 1
                    )
                    self._chats.setdefault(cid, dict(msg["chat"]))
            return self._enqueue(update)

    @property
    def confirmed_offset(self) -> int:
        """The highest offset the bot has acknowledged (all update_ids below it are gone)."""
        with self._lock:
            return self._confirmed_offset

    def pending_updates(self) -> list[dict]:
        """Queued updates not yet confirmed."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def _all_confirmed(self, update_id: int | None) -> bool:
        if update_id is None:
            update_id = self._next_update_id - 1
        return self._confirmed_offset > update_id or not any(
            u["update_id"] <= update_id for u in self._updates
        )

    def _m_getUpdates(self, params: dict, files: dict) -> LongPoll:
        # Answered by the front, which waits on the poll (threads or asyncio).
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
        return LongPoll(self._poll_generation, limit, time.monotonic() + timeout,
                        self._stop_event)

    def _poll_answer(self, poll: LongPoll) -> list[dict] | None:
        """The answer to a long poll: its updates, [] once it timed out, None while it waits.
        Caller holds the lock."""
        if poll.stop_event.is_set():
            raise Abort()
        if poll.generation != self._poll_generation:
            raise ApiError(409, STATUS_TEXT[409])
        # confirmed updates are gone, so everything queued is >= offset
        if self._updates:
            return self._updates[:poll.limit]
        if time.monotonic() >= poll.deadline:
            return []
        return None

    def _confirm(self, offset: int) -> None:
        if offset > self._confirmed_offset:
            self._confirmed_offset = offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._changed()

    def _drop_pending(self) -> None:
        if self._updates:
            self._confirm(self._updates[-1]["update_id"] + 1)

