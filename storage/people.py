"""Units, people, roles, group bindings, invites and the audit trail."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from parsing.normalize import clean_name
from storage.db import now_iso, select

ROLES = ("admin", "leader", "member")


def record_audit(db: Database, actor_id: int | None, action: str, **detail) -> None:
    db["audit"].insert(
        {"at": now_iso(), "actor_id": actor_id, "action": action,
         "detail": json.dumps(detail, ensure_ascii=False, default=str)}
    )


# --- units -----------------------------------------------------------------------------------

def find_unit(db: Database, name: str) -> dict | None:
    """A unit by exact name, else by case-insensitive name (normalised as the ledger's are:
    parsing.normalize.clean_name, so a look-alike typed in a command finds the unit)."""
    name = clean_name(name or "")
    rows = list(select(db, "select * from units where name = ?", [name]))
    if not rows:
        rows = list(select(db, "select * from units where lower(name) = lower(?)", [name]))
    return rows[0] if rows else None


def get_or_create_unit(db: Database, name: str) -> int:
    unit = find_unit(db, name)
    if unit:
        return unit["id"]
    return db["units"].insert({"name": clean_name(name), "created_at": now_iso()}).last_pk


def get_unit(db: Database, unit_id: int | None) -> dict | None:
    if unit_id is None:
        return None
    rows = list(select(db, "select * from units where id = ?", [unit_id]))
    return rows[0] if rows else None


def list_units(db: Database) -> list[dict]:
    return list(select(db, "select * from units order by name"))


# --- people ----------------------------------------------------------------------------------

def get_person(db: Database, user_id: int) -> dict | None:
    rows = list(select(db,
        "select p.*, u.name as unit_name from people p left join units u on u.id = p.unit_id "
        "where p.user_id = ?", [user_id]))
    return rows[0] if rows else None


def grant_role(db: Database, user_id: int, role: str, unit_id: int | None = None,
               actor_id: int | None = None, name: str | None = None,
               leader_name: str | None = None, granted_by: str = "command") -> None:
    """Give `user_id` a role (members belong to one unit); keeps their language choice.
    `leader_name`: a leader in charge of the projects whose ledger leader column names them.
    `granted_by`: "config" for BOT_ADMINS (revoked when the id leaves it), else "command"."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if role == "member" and unit_id is None:
        raise ValueError("a member needs a unit")
    now = now_iso()
    with db.atomic():
        if get_person(db, user_id):
            changes = {"role": role, "unit_id": unit_id, "updated_at": now,
                       "granted_by": granted_by}
            if name:
                changes["name"] = name
            if leader_name:
                changes["leader_name"] = leader_name.strip()
            db["people"].update(user_id, changes)
        else:
            db["people"].insert({"user_id": user_id, "role": role, "unit_id": unit_id,
                                 "name": name, "created_at": now, "updated_at": now,
                                 "leader_name": (leader_name or "").strip() or None,
                                 "granted_by": granted_by})
        record_audit(db, actor_id, "grant", user_id=user_id, role=role, unit_id=unit_id,
                     leader_name=leader_name, granted_by=granted_by)


def revoke_role(db: Database, user_id: int, actor_id: int | None = None) -> dict | None:
    """Take `user_id`'s role (and unit) away; the row stays, so their updates keep their name.
    Returns the person as they were, or None if they had no role."""
    person = get_person(db, user_id)
    if person is None or person["role"] is None:
        return None
    with db.atomic():
        db["people"].update(user_id, {"role": None, "unit_id": None, "updated_at": now_iso()})
        record_audit(db, actor_id, "revoke", user_id=user_id, role=person["role"],
                     unit_id=person["unit_id"])
    return person


def revoke_unlisted_admins(db: Database, admins: frozenset[int] | set[int]) -> list[int]:
    """BOT_ADMINS is the authority for configured admins: those whose id is no longer in it
    are removed (they are strangers again). Returns their ids."""
    gone = [row["user_id"] for row in select(
        db, "select user_id from people where role = 'admin' and granted_by = 'config'")
        if row["user_id"] not in admins]
    with db.atomic():
        for user_id in gone:
            db.execute("delete from people where user_id = ?", [user_id])
            record_audit(db, None, "revoke", user_id=user_id, role="admin",
                         reason="not in BOT_ADMINS")
    return gone


def touch_person(db: Database, user_id: int, name: str | None, username: str | None,
                 language_code: str | None) -> None:
    """Remember what Telegram says about a known person (name, username, language)."""
    db.execute(
        "update people set name = coalesce(?, name), username = ?, language_code = ? "
        "where user_id = ? and (name is not ? or username is not ? or language_code is not ?)",
        [name, username, language_code, user_id, name, username, language_code],
    )


def set_language(db: Database, user_id: int, lang: str) -> bool:
    """Store a person's /lang choice; False if they are not registered."""
    cursor = db.execute("update people set lang = ?, updated_at = ? "
                        "where user_id = ? and role is not null",
                        [lang, now_iso(), user_id])
    return cursor.rowcount > 0


def unit_members(db: Database, unit_id: int) -> list[dict]:
    return list(select(db,
        "select * from people where unit_id = ? and role = 'member' order by user_id", [unit_id]))


def leaders_named(db: Database, leader_name: str) -> list[dict]:
    """The leaders (and admins) linked to a ledger leader name, matched after trimming."""
    return list(select(db,
        "select * from people where role in ('leader', 'admin') and leader_name = ? "
        "order by user_id", [(leader_name or "").strip()]))


def unlinked_leader_names(db: Database) -> list[str]:
    """Leader names in the ledger (active projects) that no leader account is linked to."""
    return [row["name"] for row in select(db,
        "select distinct trim(p.leader) as name from projects p where p.active = 1 "
        "and trim(coalesce(p.leader, '')) != '' and trim(p.leader) not in "
        "(select leader_name from people where leader_name is not null "
        "and role in ('leader', 'admin')) order by name")]


def people_with_role(db: Database, *roles: str) -> list[dict]:
    marks = ",".join("?" for _ in roles)
    return list(select(db, f"select * from people where role in ({marks}) order by user_id", roles))


# --- group chats -----------------------------------------------------------------------------

def bind_group(db: Database, chat_id: int, unit_id: int, title: str | None, actor_id: int) -> None:
    with db.atomic():
        db["groups"].upsert({"chat_id": chat_id, "unit_id": unit_id, "title": title,
                             "bound_by": actor_id, "bound_at": now_iso()}, pk="chat_id")
        record_audit(db, actor_id, "bind", chat_id=chat_id, unit_id=unit_id)


def move_group(db: Database, old_chat_id: int, new_chat_id: int) -> bool:
    """The group `old_chat_id` became `new_chat_id` (a supergroup): its binding goes with it.
    False when the old id was bound to nothing (or was moved already)."""
    with db.atomic():
        old = list(select(db, "select * from groups where chat_id = ?", [old_chat_id]))
        if not old:
            return False
        db.execute("delete from groups where chat_id = ?", [new_chat_id])
        db.execute("update groups set chat_id = ? where chat_id = ?", [new_chat_id, old_chat_id])
        record_audit(db, None, "group_migrated", chat_id=old_chat_id, new_chat_id=new_chat_id,
                     unit_id=old[0]["unit_id"])
    return True


def group_unit(db: Database, chat_id: int) -> dict | None:
    rows = list(select(db,
        "select u.* from groups g join units u on u.id = g.unit_id where g.chat_id = ?", [chat_id]))
    return rows[0] if rows else None


def unit_group(db: Database, unit_id: int) -> int | None:
    rows = list(select(db,
        "select chat_id from groups where unit_id = ? order by bound_at desc limit 1", [unit_id]))
    return rows[0]["chat_id"] if rows else None


# --- invites ---------------------------------------------------------------------------------

def create_invite(db: Database, role: str, unit_id: int | None, actor_id: int, days: int,
                  leader_name: str | None = None) -> str:
    """A one-time join code (URL-safe, fits Telegram's 64-character start parameter);
    `leader_name`: the one who joins is the leader of that name in the ledger."""
    code = secrets.token_urlsafe(12)
    now = datetime.now(UTC)
    with db.atomic():
        db["invites"].insert({
            "code": code, "role": role, "unit_id": unit_id, "created_by": actor_id,
            "created_at": now.isoformat(timespec="seconds"),
            "expires_at": (now + timedelta(days=days)).isoformat(timespec="seconds"),
            "leader_name": leader_name,
        })
        record_audit(db, actor_id, "invite", role=role, unit_id=unit_id)
    return code


def redeem_invite(db: Database, code: str, user_id: int, name: str | None) -> tuple[str, dict | None]:
    """Use an invite: ('joined', invite) or ('unknown' | 'used' | 'expired', None)."""
    with db.atomic():
        rows = list(select(db, "select * from invites where code = ?", [code]))
        if not rows:
            return "unknown", None
        invite = rows[0]
        if invite["used_by"] is not None:
            return "used", None
        if invite["expires_at"] < now_iso():
            return "expired", None
        db["invites"].update(code, {"used_by": user_id, "used_at": now_iso()})
        grant_role(db, user_id, invite["role"], invite["unit_id"], actor_id=user_id, name=name,
                   leader_name=invite.get("leader_name"))
    return "joined", invite
