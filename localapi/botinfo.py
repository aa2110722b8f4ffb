"""The bot's own settings and the chats it sees: getMe, commands, descriptions, menu button,
getChat and getChatMember, and the webhook settings."""

from __future__ import annotations

import copy
import json
import re

from .errors import ApiError

COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class BotInfoMixin:
    """Bot settings, chats and webhook settings of :class:`localapi.core.BotAPI`."""

    def _webhook_changed(self) -> None:
        """A webhook was set: the HTTP front starts delivering to it (in process, nothing)."""

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands set for a scope (default scope if None) and language."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True)
        with self._lock:
            return copy.deepcopy(self._commands.get((key, language_code), []))

    def menu_button(self, chat_id: int | None = None) -> dict:
        """The menu button set for a private chat (None: the default one)."""
        with self._lock:
            return copy.deepcopy(self._menu_buttons.get(chat_id)
                                 or self._menu_buttons.get(None) or {"type": "commands"})

    def all_commands(self) -> dict[tuple[str, str], list[dict]]:
        """{(scope JSON, language_code): commands} for everything set."""
        with self._lock:
            return copy.deepcopy(self._commands)

    @property
    def webhook(self) -> dict:
        with self._lock:
            return dict(self._webhook)

    def _bot_user(self) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def _m_getMe(self, params: dict, files: dict) -> dict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

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
            if not isinstance(cmd, dict) or not COMMAND_RE.match(str(cmd.get("command", ""))):
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
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands",
                                                                        "web_app"):
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        if button["type"] == "web_app":
            url = (button.get("web_app") or {}).get("url", "")
            if not str(url).startswith("https://") or not button.get("text"):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        chat_id = params.get("chat_id")
        self._menu_buttons[None if chat_id is None else int(chat_id)] = button
        return True

    def _m_getChatMenuButton(self, params: dict, files: dict) -> dict:
        chat_id = params.get("chat_id")
        return copy.deepcopy(self._menu_buttons.get(None if chat_id is None else int(chat_id))
                             or {"type": "default"})

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

    def _m_setWebhook(self, params: dict, files: dict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._m_deleteWebhook(params, files)
        if not re.match(r"^https?://[^/\s]+", url):
            raise ApiError(
                400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known"
            )
        secret = params.get("secret_token")
        if secret is not None and not SECRET_RE.match(str(secret)):
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
        self._changed()
        self._webhook_changed()
        return True

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

