"""The database schema, created and upgraded by sqlite-utils migrations.

Migrations are append-only: a released migration is never edited; a change is a new function.
"""

from __future__ import annotations

import json

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from storage.update_keys import update_key

migrations = Migrations("key_project_bot")


@migrations()
def m001_initial(db: Database) -> None:
    db["units"].create(
        {"id": int, "name": str, "created_at": str},
        pk="id",
        not_null={"name", "created_at"},
    )
    db["units"].create_index(["name"], unique=True)

    db["people"].create(
        {
            "user_id": int,
            "name": str,
            "username": str,
            "role": str,  # admin | leader | member
            "unit_id": int,
            "lang": str,  # the user's own /lang choice
            "language_code": str,  # what Telegram last said
            "created_at": str,
            "updated_at": str,
        },
        pk="user_id",
        foreign_keys=[("unit_id", "units", "id")],
        not_null={"role", "created_at"},
    )

    db["projects"].create(
        {
            "id": int,
            "code": str,
            "name": str,
            "unit_id": int,
            "leader": str,
            "stage": str,  # negotiating | signed | started | completed
            "planned_start": str,
            "planned_end": str,
            "total_investment": float,
            "annual_plan": float,
            "aliases": str,  # JSON list
            "active": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("unit_id", "units", "id")],
        not_null={"code", "name", "unit_id", "created_at"},
        defaults={"active": 1, "aliases": "[]"},
    )
    db["projects"].create_index(["code"], unique=True)
    db["projects"].create_index(["unit_id"])

    db["milestones"].create(
        {"id": int, "project_id": int, "due": str, "progress": float, "title": str},
        pk="id",
        foreign_keys=[("project_id", "projects", "id")],
        not_null={"project_id", "due", "progress"},
    )
    db["milestones"].create_index(["project_id", "due"])

    # One row per project reported in a Telegram message; `part` numbers the projects of a
    # message that reports several. (chat_id, message_id, part) makes processing idempotent.
    db["updates"].create(
        {
            "id": int,
            "project_id": int,
            "unit_id": int,
            "author_id": int,
            "chat_id": int,
            "message_id": int,
            "part": int,
            "created_at": str,
            "edited_at": str,
            "raw_text": str,
            "lang": str,
            "progress": float,
            "stage": str,
            "invested": float,
            "next_steps": str,
            "file_ids": str,  # JSON list of Telegram file ids
            "parsed": str,  # JSON of everything the parser understood
        },
        pk="id",
        foreign_keys=[("project_id", "projects", "id"), ("unit_id", "units", "id")],
        not_null={"project_id", "created_at", "raw_text"},
        defaults={"part": 0, "file_ids": "[]"},
    )
    db["updates"].create_index(["chat_id", "message_id", "part"], unique=True)
    db["updates"].create_index(["project_id", "created_at"])

    db["problems"].create(
        {
            "id": int,
            "project_id": int,
            "text": str,
            "status": str,  # open | resolved
            "opened_by": int,
            "raised_unit_id": int,
            "acting_unit_id": int,
            "update_id": int,
            "created_at": str,
            "assigned_at": str,
            "resolved_at": str,
            "resolved_by": int,
            "resolution": str,
        },
        pk="id",
        foreign_keys=[
            ("project_id", "projects", "id"),
            ("raised_unit_id", "units", "id"),
            ("acting_unit_id", "units", "id"),
            ("update_id", "updates", "id"),
        ],
        not_null={"project_id", "text", "status", "created_at"},
        defaults={"status": "open"},
    )
    db["problems"].create_index(["status", "project_id"])

    db["invites"].create(
        {
            "code": str,
            "role": str,
            "unit_id": int,
            "created_by": int,
            "created_at": str,
            "expires_at": str,
            "used_by": int,
            "used_at": str,
        },
        pk="code",
        foreign_keys=[("unit_id", "units", "id")],
        not_null={"role", "created_at", "expires_at"},
    )

    db["groups"].create(
        {"chat_id": int, "unit_id": int, "title": str, "bound_by": int, "bound_at": str},
        pk="chat_id",
        foreign_keys=[("unit_id", "units", "id")],
        not_null={"unit_id", "bound_at"},
    )

    db["settings"].create({"key": str, "value": str, "updated_at": str}, pk="key")

    db["audit"].create(
        {"id": int, "at": str, "actor_id": int, "action": str, "detail": str},
        pk="id",
        not_null={"at", "action"},
    )

    # Durable intake: every update received from the Bot API, stored before it is acknowledged.
    db["inbox"].create(
        {
            "update_id": int,
            "received_at": str,
            "payload": str,
            "state": str,  # pending | done | failed
            "processed_at": str,
            "error": str,
        },
        pk="update_id",
        not_null={"received_at", "payload", "state"},
        defaults={"state": "pending"},
    )
    db["inbox"].create_index(["state"])

    # A status update waiting for the sender to tap which project it belongs to.
    db["pending_intake"].create(
        {
            "id": int,
            "user_id": int,
            "chat_id": int,
            "message_id": int,
            "text": str,
            "lang": str,
            "file_ids": str,
            "created_at": str,
            "resolved_at": str,
        },
        pk="id",
        not_null={"user_id", "chat_id", "text", "created_at"},
    )

    # Reminder and digest rounds, and each recipient's message, for exactly-once sending.
    db["rounds"].create(
        {
            "id": int,
            "kind": str,  # reminder | digest
            "period": str,  # the scheduled occurrence, ISO 8601 with offset
            "status": str,  # planned | sending | done | missed | skipped
            "created_at": str,
            "finished_at": str,
        },
        pk="id",
        not_null={"kind", "period", "status", "created_at"},
    )
    db["rounds"].create_index(["kind", "period"], unique=True)

    db["deliveries"].create(
        {
            "id": int,
            "round_id": int,
            "chat_id": int,
            "unit_id": int,
            "payload": str,  # JSON: what to send
            "state": str,  # pending | sending | sent | failed | blocked
            "attempts": int,
            "updated_at": str,
            "message_id": int,
            "error": str,
        },
        pk="id",
        foreign_keys=[("round_id", "rounds", "id"), ("unit_id", "units", "id")],
        not_null={"round_id", "chat_id", "payload", "state"},
        defaults={"state": "pending", "attempts": 0},
    )
    db["deliveries"].create_index(["round_id", "chat_id", "unit_id"], unique=True)

    # Projects named in a reminder round, for "reminded twice without an update" escalation.
    db["reminded_projects"].create(
        {"round_id": int, "project_id": int},
        pk=("round_id", "project_id"),
        foreign_keys=[("round_id", "rounds", "id"), ("project_id", "projects", "id")],
    )

    # Weekly snapshot of the unit ranking, for "rank change since last week".
    db["rank_snapshots"].create(
        {"week": str, "unit_id": int, "rank": int, "score": float},
        pk=("week", "unit_id"),
        foreign_keys=[("unit_id", "units", "id")],
    )


@migrations()
def m002_update_replies(db: Database) -> None:
    # The bot's confirmation of a stored update: a re-processed message is not answered twice.
    db["updates"].add_column("reply_message_id", int)
    db["pending_intake"].add_column("question_message_id", int)


@migrations()
def m003_reminder_rounds(db: Database) -> None:
    # Who claimed an in-flight delivery (a process lease token: schedules.lease), so a process
    # recovers only the sends of processes that died; how many parts of a several-message
    # delivery went out (resumed from there after a kill).
    db["deliveries"].add_column("claimed_by", str)
    db["deliveries"].add_column("parts_sent", int, not_null_default=0)
    db["deliveries"].create_index(["state"])
    # Pictures of a round (the digest's chart), stored once; file_id once Telegram has one.
    db["round_files"].create(
        {"round_id": int, "idx": int, "data": bytes, "file_id": str},
        pk=("round_id", "idx"),
        foreign_keys=[("round_id", "rounds", "id")],
        not_null={"data"},
    )
    # Since when each kind's schedule (with its timezone) is in force: a round is never sent
    # for an occurrence before that (a new bot or a changed schedule does not send at once).
    db["schedule_state"].create(
        {"kind": str, "signature": str, "since": str}, pk="kind", not_null={"signature", "since"})


@migrations()
def m004_latest_value_indexes(db: Database) -> None:
    # A project's latest reported progress, stage and investment (storage.projects
    # .project_states): partial indexes find the newest update carrying each value directly,
    # instead of walking back through all the updates that do not (most never name a stage).
    for column in ("progress", "stage", "invested"):
        db.execute(f"create index if not exists idx_updates_{column}_latest "
                   f"on updates (project_id, created_at) where {column} is not null")


@migrations()
def m005_project_changes(db: Database) -> None:
    # Which projects changed, in order (triggers, so writes by any process count): the bot
    # keeps every project's derived state in memory and reloads only those that changed
    # (storage.projects.changed_projects). A NULL project_id means "reload them all".
    db.execute("create table if not exists project_changes "
               "(seq integer primary key autoincrement, project_id integer)")
    watched = {"updates": "project_id", "problems": "project_id", "milestones": "project_id",
               "projects": "id"}
    for table, column in watched.items():
        for event, row in (("insert", "new"), ("update", "new"), ("delete", "old")):
            moved = (f"insert into project_changes (project_id) select old.{column} "
                     f"where old.{column} is not new.{column}; ") if event == "update" else ""
            db.execute(f"create trigger if not exists {table}_{event}_changes after {event} "
                       f"on {table} begin {moved}insert into project_changes (project_id) "
                       f"values ({row}.{column}); end")
    for event in ("update", "delete"):  # a renamed or removed unit: reload everything
        db.execute(f"create trigger if not exists units_{event}_changes after {event} on units "
                   "begin insert into project_changes (project_id) values (null); end")


@migrations()
def m006_ledger_version(db: Database) -> None:
    # A counter that moves whenever a project or unit row changes (in any process): the bot
    # keeps the ledger it matches status messages against in memory while the counter stands.
    db.execute("create table if not exists ledger_version "
               "(id integer primary key check (id = 1), version integer not null)")
    db.execute("insert or ignore into ledger_version (id, version) values (1, 0)")
    for table in ("projects", "units"):
        for event in ("insert", "update", "delete"):
            db.execute(f"create trigger if not exists {table}_{event}_ledger after {event} "
                       f"on {table} begin update ledger_version set version = version + 1; end")


@migrations()
def m007_state_columns_only(db: Database) -> None:
    # An update row's change reloads its project's state only when a column that state is made
    # of changed: noting which message answered it (reply_message_id) must not.
    db.execute("drop trigger if exists updates_update_changes")
    db.execute("create trigger updates_update_changes after update of project_id, created_at, "
               "raw_text, progress, stage, invested on updates begin "
               "insert into project_changes (project_id) select old.project_id "
               "where old.project_id is not new.project_id; "
               "insert into project_changes (project_id) values (new.project_id); end")


@migrations()
def m_dashboard_screen_links(db: Database) -> None:
    # The meeting-room screen's read-only dashboard links (/screen): only a hash of each token
    # is kept, so the database does not hold a working link.
    db["screen_links"].create(
        {"id": int, "token_hash": str, "created_by": int, "lang": str, "created_at": str,
         "expires_at": str, "revoked_at": str},
        pk="id", not_null={"token_hash", "created_at", "expires_at"}, if_not_exists=True)
    db["screen_links"].create_index(["token_hash"], unique=True, if_not_exists=True)


@migrations()
def m008_problem_deadlines_ladder(db: Database) -> None:
    # A problem's time limit (YYYY-MM-DD) when one was written or set with /deadline; without
    # one the limit is problem_days from opening (services.problems.due_of).
    db["problems"].add_column("due_on", str)
    # What happened to a problem, in order: the history /problem <id> shows, and the steps of
    # the overdue ladder, each taken once per problem (the unique index makes it so, whichever
    # process or restart gets there first).
    db["problem_events"].create(
        {"id": int, "problem_id": int, "kind": str, "at": str, "actor_id": int, "detail": str},
        pk="id",
        foreign_keys=[("problem_id", "problems", "id")],
        not_null={"problem_id", "kind", "at"},
    )
    db["problem_events"].create_index(["problem_id", "at"])
    db.execute("create unique index if not exists idx_problem_events_once on problem_events "
               "(problem_id, kind) where kind in ('overdue', 'escalated')")
    # The name under which a leader is in charge of projects (the ledger's leader column).
    db["people"].add_column("leader_name", str)
    db["invites"].add_column("leader_name", str)
    # A resolution by the acting unit waits (status 'awaiting') until the side that raised
    # it confirms it (销号), or confirm_days pass: who confirmed, when, and how
    # (leader | own | raiser | auto).
    db["problems"].add_column("confirmed_at", str)
    db["problems"].add_column("confirmed_by", int)
    db["problems"].add_column("confirmation", str)
    # The bot's messages about a problem, per chat: a photo or file sent as a reply to one
    # attaches to that problem as evidence.
    db["problem_messages"].create(
        {"chat_id": int, "message_id": int, "problem_id": int},
        pk=("chat_id", "message_id"),
        foreign_keys=[("problem_id", "problems", "id")],
    )


@migrations()
def m008_people_revoke(db: Database) -> None:
    # A removed person keeps their row without a role: their updates stay under their name.
    db["people"].transform(not_null={"role": False})


@migrations()
def m008_inbox_update_keys(db: Database) -> None:
    # Updates recognised by what they carry (storage/update_keys.py), not by update_id alone,
    # which a re-installed Bot API server hands out again from 1.
    db["inbox"].add_column("key", str)
    keys: dict[str, int] = {}
    for row in db.query("select update_id, payload from inbox order by update_id"):
        key = update_key(json.loads(row["payload"]))
        keys[key if key not in keys else f"{key} #{row['update_id']}"] = row["update_id"]
    db.conn.executemany("update inbox set key = ? where update_id = ?", keys.items())
    db["inbox"].transform(pk="key", not_null={"key"})
    db["inbox"].create_index(["update_id"], if_not_exists=True)


@migrations()
def m008_security_role_granted_by(db: Database) -> None:
    # Whether a role came from BOT_ADMINS ("config") or a command, an invite or the CLI
    # ("command"): an id taken out of BOT_ADMINS loses the admin role it got from there. Admins
    # from before could only come from BOT_ADMINS (or the CLI): they count as configured.
    db["people"].add_column("granted_by", str)
    db.execute("update people set granted_by = case role when 'admin' then 'config' "
               "else 'command' end")


@migrations()
def m009_investment_kind_and_questions(db: Database) -> None:
    # An update's investment is either the cumulative figure (累计, since the project began) or
    # this year's (本年, since 1 January); figures stored before were read as cumulative.
    db["updates"].add_column("invested_kind", str)
    db.execute("update updates set invested_kind = 'cumulative' where invested is not null")
    # A waiting intake row is either "which project?" (kind null) or "store this implausible
    # update?" (kind 'confirm'): then `payload` holds the parsed updates (JSON) and `token` a
    # random word the buttons carry, so a button cannot be made up from an id alone.
    db["pending_intake"].add_column("kind", str)
    db["pending_intake"].add_column("payload", str)
    db["pending_intake"].add_column("token", str)
