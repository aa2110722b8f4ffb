"""Who belongs: granting and removing roles, as the command line and /revoke ask for them.

Each use case returns a `Said` (an i18n key and its values) for the caller to word in its
own language and medium; nothing here knows about Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config import Config
from i18n import esc, quote, t
from services.caller import unit_suffix
from storage.people import (
    ROLES,
    bind_group,
    create_invite,
    find_unit,
    get_person,
    get_unit,
    grant_role,
    list_units,
    redeem_invite,
    revoke_role,
)
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


def grant(db, user_id: int, role: str, unit_name: str | None, actor_id: int | None = None,
          leader_name: str | None = None) -> Said:
    """Give `user_id` a role: a member needs a unit, and only a member has one; a leader may be
    linked to the name the ledger's leader column gives them."""
    if role not in ROLES:
        return Said(False, "grant_bad_role", {"role": esc(role)})
    if role != "member" and unit_name:
        return Said(False, "grant_unit_not_member")
    leader_name = (leader_name or "").strip() or None
    if leader_name and role == "member":
        return Said(False, "grant_name_not_member")
    if role == "member" and not unit_name:
        return Said(False, "grant_unit_needed")
    unit = find_unit(db, unit_name) if unit_name else None
    if unit_name and unit is None:
        units = "、".join(u["name"] for u in list_units(db)) or "—"
        return Said(False, "grant_unit_unknown", {"unit": quote(unit_name), "units": esc(units)})
    grant_role(db, user_id, role, unit["id"] if unit else None, actor_id=actor_id,
               leader_name=leader_name)
    return Said(True, "granted", {
        "user_id": user_id, "role": lambda lang: role_label(role, lang),
        "unit": lambda lang: unit_suffix(unit["name"] if unit else None, lang),
        "charge": lambda lang: (t("granted_in_charge", lang, name=esc(leader_name))
                                if leader_name else "")})


def units_list(db) -> str:
    """Every unit's name, for a refusal that lists them (HTML-escaped)."""
    return esc("、".join(u["name"] for u in list_units(db)) or "—")


def join(db, code: str, user_id: int, name: str | None) -> Said:
    """Redeem an invite code (a /start deep link)."""
    outcome, invite_row = redeem_invite(db, code, user_id, name)
    if outcome != "joined":
        return Said(False, f"invite_{outcome}")
    unit = get_unit(db, invite_row["unit_id"])
    return Said(True, "joined", {
        "role": lambda lang: role_label(invite_row["role"], lang),
        "unit": lambda lang: unit_suffix(unit["name"] if unit else None, lang)})


def invite(db, config: Config, args: str, actor_id: int, bot_username: str) -> Said:
    """A one-time join link from `/invite member <unit>` or `/invite leader [<name in the
    ledger>]` (the link joins as the leader in charge of that name's projects)."""
    role, _, unit_name = args.partition(" ")
    role, unit_name = role.lower(), unit_name.strip()
    if role not in ("member", "leader") or (role == "member" and not unit_name):
        return Said(False, "usage", {"usage": lambda lang: t("invite_usage", lang)})
    leader_name = unit_name[:60] if role == "leader" else None  # the ledger's leader column
    unit = find_unit(db, unit_name) if role == "member" else None
    if role == "member" and unit is None:
        return Said(False, "unit_unknown", {"unit": quote(unit_name), "units": units_list(db)})
    code = create_invite(db, role, unit["id"] if unit else None, actor_id, config.invite_days,
                         leader_name=leader_name or None)
    link = f"https://t.me/{bot_username}?start={code}"
    return Said(True, "invite_link", {
        "role": lambda lang: role_label(role, lang),
        "unit": lambda lang: unit_suffix(unit["name"] if unit else leader_name, lang),
        "days": config.invite_days, "link": esc(link)})


def bind(db, chat_id: int, title: str | None, unit_name: str, actor_id: int) -> Said:
    """Make a group chat a unit's: `/bind <unit>` sent there."""
    if not unit_name:
        return Said(False, "usage", {"usage": lambda lang: t("bind_usage", lang)})
    unit = find_unit(db, unit_name)
    if unit is None:  # no list of units here: the group's members would read it
        return Said(False, "unit_unknown_here", {"unit": quote(unit_name)})
    bind_group(db, chat_id, unit["id"], title, actor_id)
    return Said(True, "bound", {"unit": esc(unit["name"])})


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
