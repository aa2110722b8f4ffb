"""Messages the bot sends, edits and deletes: text and caption formatting, keyboards,
replies, chat actions and button answers; each one recorded for the tests."""

from __future__ import annotations

import contextlib
import copy
import re
import time

from .errors import ApiError
from .files import image_size
from .htmlcheck import EntityParseError, parse_html, strip_with_entities

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
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
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class MessagesMixin:
    """The message methods of :class:`localapi.core.BotAPI`."""

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
        self._changed()
        for fn in list(self._listeners):
            with contextlib.suppress(Exception):  # a listener must not break the server
                fn(record)
        return record

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
                width, height = image_size(data)
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
        self._changed()
        return True

    def _m_sendChatAction(self, params: dict, files: dict) -> bool:
        chat_id = self._target_chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._chat_actions.append({"chat_id": chat_id, "action": action, "at": time.monotonic()})
        return True

