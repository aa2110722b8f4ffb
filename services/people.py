"""Who belongs: granting and removing roles, as the command line and /revoke ask for them.

Each use case returns a `Said` (an i18n key and its values) for the caller to word in its
own language and medium; nothing here knows about Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config import Config
from i18n import esc, t
from services.caller import unit_suffix
from storage.people import ROLES, find_unit, get_person, grant_role, list_units, revoke_role
from storage.updates import written_languages

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Said:
    """An outcome: `ok`, and what to tell the person who asked (`key` with `values`)."""

    ok: bool
    key: str
    values: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        values = {k: v(lang) if callable(v) else v for k, v in self.values.items()}
        return t(self.key, lang, **values)


def role_label(role: str | None, lang: str) -> str:
    return t(f"role_{role or 'none'}", lang)


def grant(db, user_id: int, role: str, unit_name: str | None, actor_id: int | None = None) -> Said:
    """Give `user_id` a role: a member needs a unit, and only a member has one."""
    if role not in ROLES:
        return Said(False, "grant_bad_role", {"role": esc(role)})
    if role != "member" and unit_name:
        return Said(False, "grant_unit_not_member")
    if role == "member" and not unit_name:
        return Said(False, "grant_unit_needed")
    unit = find_unit(db, unit_name) if unit_name else None
    if unit_name and unit is None:
        units = "、".join(u["name"] for u in list_units(db)) or "—"
        return Said(False, "grant_unit_unknown", {"unit": esc(unit_name), "units": esc(units)})
    grant_role(db, user_id, role, unit["id"] if unit else None, actor_id=actor_id)
    return Said(True, "granted", {
        "user_id": user_id, "role": lambda lang: role_label(role, lang),
        "unit": lambda lang: unit_suffix(unit["name"] if unit else None, lang)})


def revoke(db, config: Config, user_id: int, actor_id: int | None = None) -> Said:
    """Remove `user_id`'s role. Their updates stay, attributed to them. An admin named in
    BOT_ADMINS stays admin whatever the database says, so that is refused with the way out."""
    if user_id in config.admins:
        return Said(False, "revoke_env_admin", {"user_id": user_id})
    person = get_person(db, user_id)
    if person is None or person["role"] is None:
        return Said(False, "revoke_not_registered", {"user_id": user_id})
    revoke_role(db, user_id, actor_id)
    name = person["name"]
    return Said(True, "revoked", {
        "user_id": user_id,
        "name": (lambda lang: t("person_name_suffix", lang, name=esc(name))) if name else "",
        "role": lambda lang: role_label(person["role"], lang),
        "unit": lambda lang: unit_suffix(person["unit_name"], lang)})


def person_lang(person: dict, default: str, written: str | None = None) -> str:
    """A person's language: their /lang choice, else the one they write in (`written`: see
    `people_langs`), else Telegram's, else `default` (the bot's)."""
    telegram = (person.get("language_code") or "")[:2].lower()
    for lang in (person.get("lang"), written, telegram):
        if lang in LANGS:
            return lang
    return default


def people_langs(db, people: list[dict], default: str) -> dict[int, str]:
    """`person_lang` of each of `people` (rows of the people table), by user id."""
    written = written_languages(db, [p["user_id"] for p in people])
    return {p["user_id"]: person_lang(p, default, written.get(p["user_id"])) for p in people}
