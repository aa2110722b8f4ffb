"""Who is asking, as the use cases need it: plain data, built by handlers.access.identify."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from config import Config
from i18n import esc, t
from storage.people import get_person, grant_role, touch_person

LEADERS = frozenset({"admin", "leader"})


@dataclass(frozen=True)
class Caller:
    """The person behind an update, as far as permissions and language are concerned."""

    user_id: int
    role: str | None  # admin | leader | member | None (unknown)
    unit_id: int | None
    unit_name: str | None
    lang: str  # the reply language when the message itself does not decide it
    name: str | None = None
    # Set by `in_chat` when the answer goes to a unit's bound group: only that unit is shown.
    chat_unit_id: int | None = None
    chat_unit_name: str | None = None

    @property
    def is_leader(self) -> bool:
        return self.role in LEADERS

    @property
    def sees_all(self) -> bool:
        """Every unit at once: leaders and admins, except in a unit's group."""
        return self.is_leader and self.chat_unit_id is None

    def can_see_unit(self, unit_id: int | None) -> bool:
        """Leaders and admins see everything; a member sees only their own unit; and in a
        unit's group, whoever asks, only that unit is shown."""
        if self.chat_unit_id is not None and unit_id != self.chat_unit_id:
            return False
        return self.is_leader or (self.role == "member" and unit_id == self.unit_id)


def unit_suffix(unit_name: str | None, lang: str) -> str:
    """A unit named after a person's name: （科创城管委会）; nothing without a unit."""
    return t("unit_suffix", lang, unit=esc(unit_name)) if unit_name else ""


LOOK_UP = object()  # identify_user's `person` when it is not known yet


def identify_user(db: Database, config: Config, user_id: int, full_name: str | None,
                  username: str | None, language_code: str | None, *,
                  person: dict | None | object = LOOK_UP) -> Caller:
    """The caller behind a Telegram user, as Telegram describes them (an update's user, or a
    Mini App's signed user): BOT_ADMINS are registered as admins on first sight, and what
    Telegram tells anew about the person (name, username, language) is stored. `person`: their
    stored row (None: not stored) when the caller has just read it."""
    if person is LOOK_UP:
        person = get_person(db, user_id)
    if (person is None or person["role"] is None) and user_id in config.admins:
        grant_role(db, user_id, "admin", name=full_name,  # BOT_ADMINS are people too
                   granted_by="config")
        person = get_person(db, user_id)
    told = (full_name, username, language_code)
    if person and (person["name"], person["username"], person["language_code"]) != told:
        touch_person(db, user_id, *told)  # a write only when Telegram tells something new
    role = person["role"] if person else None
    if user_id in config.admins:
        role = "admin"  # BOT_ADMINS always win
    telegram_lang = (language_code or "")[:2].lower()
    lang = (person or {}).get("lang") or (telegram_lang if telegram_lang in ("zh", "en") else None)
    return Caller(
        user_id=user_id,
        role=role,
        unit_id=(person or {}).get("unit_id"),
        unit_name=(person or {}).get("unit_name"),
        lang=lang or config.language,
        name=full_name,
    )


def not_yours_here(caller: Caller, lang: str) -> str:
    """The answer when what was asked for or written about is not the caller's unit's. In a
    unit's group, anyone but that unit's own member is pointed to the private chat, and no unit
    is named: the group may not read theirs."""
    if caller.chat_unit_id is not None and (caller.is_leader
                                            or caller.unit_id != caller.chat_unit_id):
        return t("lead_refused_in_group", lang)
    return t("refused_other_unit", lang, unit=esc(caller.unit_name or "—"))
