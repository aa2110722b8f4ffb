"""Running the rounds: the scheduler's tick, planning, sending, start-up recovery, `remind`.

One JobQueue job ticks every TICK_SECONDS. Each tick reads the settings afresh (so /settings
changes apply at once), asks schedules.periods.due_round what the latest occurrence of each
schedule calls for, records it (storage.rounds.open_round: a round exists once per kind and
period, whichever process or tick gets there first), and starts a task for every unfinished
round: plan it (the content is computed once and stored with each delivery), then deliver it
(schedules.delivery). A bot that was down at the scheduled time does the same on its first
tick, which is the catch-up. An occurrence from before the schedule came into force (a new
bot, a changed schedule or timezone) is not sent.

Several processes may send at once (the bot and `bot.py remind`): deliveries are claimed in
the database by a process lease (schedules.lease), and a process only recovers in-flight
sends of dead processes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlite_utils import Database

from config import Config, Schedule, apply_settings
from schedules import content
from schedules.delivery import deliver_round
from schedules.lease import Lease, lease_for
from schedules.periods import due_round, latest_occurrence, next_occurrence, period_key
from storage import rounds
from storage.settings import get_settings
from transport.intake import single_attempt

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
# A round is on time this long after its moment even with BOT_CATCHUP_HOURS=0 (a busy tick).
GRACE = timedelta(minutes=2)
CONCURRENCY = 8  # deliveries in flight at once; the bot's rate limiter keeps the pace
RETRY_FAILED_ROUND = 60.0  # seconds before a round whose planning failed is tried again


def schedule_of(config: Config, kind: str) -> Schedule:
    return config.reminder_schedule if kind == "reminder" else config.digest_schedule


def late(config: Config, period: datetime, now: datetime) -> bool:
    """Is `period` too old to be sent now (older than BOT_CATCHUP_HOURS, and the grace)?"""
    return now - period > max(timedelta(hours=config.catchup_hours), GRACE)


class Runner:
    """Plans and sends the rounds of one database through one bot."""

    def __init__(
        self,
        db: Database,
        config: Config,
        bot=None,
        *,
        spawn: Callable[[Awaitable], asyncio.Task] | None = None,
        keep_going: Callable[[], bool] | None = None,
        concurrency: int = CONCURRENCY,
        lease: Lease | None = None,
    ) -> None:
        self.db, self.base_config, self.bot = db, config, bot
        self.spawn = spawn or asyncio.ensure_future
        self.keep_going = keep_going
        self.concurrency = concurrency
        self._lease = lease
        self.tasks: dict[int, asyncio.Task] = {}
        self._failed_at: dict[int, float] = {}

    @property
    def lease(self) -> Lease:
        """This process's lease (taken when first needed: a dry run never takes one)."""
        if self._lease is None:
            self._lease = lease_for(self.db)
        return self._lease

    # --- configuration -----------------------------------------------------------------------

    def config(self) -> Config:
        """The configuration with /settings applied, read afresh."""
        return apply_settings(self.base_config, get_settings(self.db))

    # --- start-up and ticks ------------------------------------------------------------------

    def startup(self) -> None:
        """Before any sending: recover the in-flight sends of dead processes, and give up what
        is left of rounds too old to send (the bot was down longer than BOT_CATCHUP_HOURS)."""
        recovered = rounds.recover_in_flight(self.db, is_alive=self.lease.is_alive)
        if recovered:
            log.warning("%d message(s) were in flight when the bot stopped: sending them again",
                        recovered)
        config = self.config()
        now = datetime.now(config.timezone)
        for kind in rounds.KINDS:
            schedule = schedule_of(config, kind)
            upcoming = next_occurrence(schedule, config.timezone, now)
            log.info("%s schedule: %s (%s), next at %s; catching up within %d h",
                     kind, schedule, config.timezone.key,
                     period_key(upcoming) if upcoming else "never", config.catchup_hours)
        for rnd in rounds.unfinished_rounds(self.db):
            period = datetime.fromisoformat(rnd["period"])
            if late(config, period, now) and not self._claimed_by_others(rnd["id"]):
                given_up = rounds.expire_round(
                    self.db, rnd["id"], "missed: the bot was down longer than BOT_CATCHUP_HOURS")
                log.warning("%s round %s is older than BOT_CATCHUP_HOURS: recorded as missed "
                            "(%d message(s) not sent)", rnd["kind"], rnd["period"], given_up)

    def _claimed_by_others(self, round_id: int) -> bool:
        owners = [r[0] for r in self.db.execute(
            "select distinct claimed_by from deliveries where round_id = ? and state = 'sending'",
            [round_id]).fetchall()]
        return any(o and o != self.lease.token and self.lease.is_alive(o) for o in owners)

    def due(self, now: datetime | None = None) -> list[int]:
        """Record the rounds the schedules call for at `now`; the ids of rounds opened."""
        config = self.config()
        tz = config.timezone
        now = (now or datetime.now(tz)).astimezone(tz)
        opened = []
        for kind in rounds.KINDS:
            schedule = schedule_of(config, kind)
            since = rounds.schedule_since(self.db, kind, f"{schedule} {tz.key}", now)
            found = due_round(schedule, tz, now, config.catchup_hours, config.holidays)
            if found is None:
                continue
            period, action = found
            if period < since or rounds.find_round(self.db, kind, period) is not None:
                continue
            if action == "missed" and now - period <= GRACE:
                action = "send"
            status = {"send": "planned", "missed": "missed", "holiday": "skipped"}[action]
            round_id, created = rounds.open_round(self.db, kind, period, status=status)
            if not created:
                continue
            opened.append(round_id)
            key = period_key(period)
            if action == "send":
                lateness = now - period
                log.info("%s round %s is due%s", kind, key,
                         f" (catching up, {lateness} late)" if lateness > GRACE else "")
            elif action == "missed":
                log.warning("%s round %s was missed: the bot was down for longer than "
                            "BOT_CATCHUP_HOURS (%s); recorded, not sent",
                            kind, key, config.catchup_hours)
            else:
                log.info("%s round %s falls on a holiday: skipped", kind, key)
        return opened

    async def tick(self, now: datetime | None = None) -> None:
        """One scheduler tick: recover dead senders' messages, open due rounds, start tasks."""
        if self.keep_going is not None and not self.keep_going():
            return
        rounds.recover_in_flight(self.db, is_alive=self.lease.is_alive)
        self.due(now)
        config = self.config()
        current = (now or datetime.now(config.timezone)).astimezone(config.timezone)
        for rnd in rounds.unfinished_rounds(self.db):
            round_id = rnd["id"]
            if round_id in self.tasks:
                continue
            failed_at = self._failed_at.get(round_id)
            if failed_at is not None and time.monotonic() - failed_at < RETRY_FAILED_ROUND:
                continue
            if late(config, datetime.fromisoformat(rnd["period"]), current):
                continue  # an operator's `remind` of an old round; never ours to finish
            if rnd["status"] == "sending":
                left = rounds.round_summary(self.db, round_id)
                if left["pending"] == 0 and left["sending"] > 0:
                    continue  # the last messages are in flight in another (live) process
            self.start(round_id)

    def start(self, round_id: int) -> asyncio.Task:
        task = self.spawn(self._run_logged(round_id))
        self.tasks[round_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(round_id, None))
        return task

    async def _run_logged(self, round_id: int) -> dict | None:
        try:
            return await self.run_round(round_id)
        except Exception:
            self._failed_at[round_id] = time.monotonic()
            log.exception("round %s could not be planned or sent; retrying in %.0f s",
                          round_id, RETRY_FAILED_ROUND)
            return None

    # --- one round ---------------------------------------------------------------------------

    async def plan(self, kind: str, config: Config, now: datetime, *,
                   dry_run: bool = False) -> content.Plan:
        """What the round would send now (database reads here, drawing in a worker thread).
        A dry run writes nothing and draws no chart."""
        if kind == "reminder":
            return content.reminder_plan(self.db, config, now)
        data = content.digest_data(self.db, config, now, dry_run=dry_run)
        # In /chart's one drawing thread: matplotlib keeps a copy of the (big) CJK font per
        # thread, and asyncio.to_thread would draw each digest in any of the default pool's.
        from handlers.status import CHART_THREAD

        return await asyncio.get_running_loop().run_in_executor(
            CHART_THREAD, functools.partial(content.digest_plan, data, render_chart=not dry_run))

    async def run_round(self, round_id: int) -> dict:
        """Plan the round if it is not yet, then send what is pending; its summary."""
        rnd = rounds.get_round(self.db, round_id)
        if rnd is None:
            raise KeyError(f"no round {round_id}")
        if rnd["status"] == "planned":
            config = self.config()
            now = datetime.now(config.timezone)
            plan = await self.plan(rnd["kind"], config, now)
            inserted = rounds.plan_deliveries(self.db, round_id, plan.items,
                                              reminded=plan.reminded, files=plan.files)
            log.info("%s round %s planned: %d message(s) to send", rnd["kind"], rnd["period"],
                     inserted)
        return await deliver_round(
            self.db, round_id, self.sender(round_id), concurrency=self.concurrency,
            owner=self.lease.token, keep_going=self.keep_going)

    def sender(self, round_id: int):
        """The send callback of schedules.delivery for this round, through the bot (its rate
        limiter paces the round; delivery does the retrying, so each message is tried once)."""
        bot = single_attempt(self.bot)

        async def send(chat_id: int, part: dict) -> int:
            if "photo" in part:
                idx = part["photo"]
                data, file_id = rounds.round_file(self.db, round_id, idx)
                message = await bot.send_photo(chat_id, photo=file_id or data,
                                                    caption=part.get("caption"))
                if file_id is None and message.photo:
                    rounds.set_round_file_id(self.db, round_id, idx, message.photo[-1].file_id)
            else:
                message = await bot.send_message(chat_id, part["text"])
            return message.message_id

        return send


# --- the bot ---------------------------------------------------------------------------------

async def _tick_job(context) -> None:
    runner: Runner = context.bot_data["rounds_runner"]
    try:
        await runner.tick()
    except Exception:  # the next tick tries again; the bot carries on
        log.exception("the reminder scheduler's tick failed")


class _QuietTicks(logging.Filter):
    """APScheduler logs every run of every job at INFO: not the every-second tick's."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or f'"{TICK_JOB} (' not in record.getMessage()


TICK_JOB = "rounds"


def install_jobs(application, *, interval: float = TICK_SECONDS) -> Runner:
    """Called by bot.py's post_init: recover, then tick every `interval` seconds."""
    executor_log = logging.getLogger("apscheduler.executors.default")
    if not any(isinstance(f, _QuietTicks) for f in executor_log.filters):
        executor_log.addFilter(_QuietTicks())
    runner = Runner(
        application.bot_data["db"], application.bot_data["config"], application.bot,
        spawn=application.create_task, keep_going=lambda: application.running,
    )
    application.bot_data["rounds_runner"] = runner
    runner.startup()
    application.job_queue.run_repeating(
        _tick_job, interval=interval, first=0, name=TICK_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )
    return runner


# --- `bot.py remind` -------------------------------------------------------------------------

def _plain(html_text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def describe_payload(chat_id: int, payload: dict) -> list[str]:
    """A delivery as lines for the operator's terminal."""
    who = {"group": "group", "member": "member", "leader": "leader"}.get(payload.get("to"), "chat")
    name = payload.get("name") or ""
    unit = f", unit {payload['unit']}" if payload.get("unit") else ""
    parts = payload.get("parts", [payload])
    lines = [f"  -> {who} {chat_id} ({name}{unit}; {payload.get('lang', '?')}): "
             f"{len(parts)} message(s)"]
    for part in parts:
        if "photo" in part:
            lines.append("     | [picture: the wall chart]")
        else:
            lines += [f"     | {line}" for line in _plain(part.get("text", "")).splitlines()]
        lines.append("     |")
    return lines


async def remind(runner: Runner, *, dry_run: bool, kinds=rounds.KINDS,
                 out: Callable[[str], None] = print) -> int:
    """Send (or show) the current round of each kind now; exactly once, like the scheduler.

    The current round is the latest occurrence of the schedule. One already sent is not sent
    again; one recorded as missed or skipped (a holiday) is sent, since the operator asks for
    it; one being sent (by the bot, or a killed `remind`) is finished. Returns the number of
    deliveries that failed.
    """
    config = runner.config()
    tz = config.timezone
    now = datetime.now(tz)
    failed = 0
    if not dry_run:  # what a killed `remind` or bot left in flight; never a live process's
        rounds.recover_in_flight(runner.db, is_alive=runner.lease.is_alive)
    for kind in kinds:
        schedule = schedule_of(config, kind)
        period = latest_occurrence(schedule, tz, now)
        if period is None:
            out(f"{kind}: no occurrence of '{schedule}' in the last 8 days; nothing to send")
            continue
        key = period_key(period)
        rnd = rounds.find_round(runner.db, kind, period)
        status = rnd["status"] if rnd else "not started"
        head = f"{kind} round {key} ({schedule}, {tz.key}): {status}"
        if rnd and rnd["status"] == "done":
            s = rounds.round_summary(runner.db, rnd["id"])
            out(f"{head}; already sent ({s['sent']} sent, {s['failed']} failed, "
                f"{s['blocked']} blocked): nothing to send")
            continue
        if dry_run:
            if rnd and rnd["status"] == "sending":
                left = [d for d in rounds.list_deliveries(runner.db, rnd["id"])
                        if d["state"] in ("pending", "sending")]
                out(f"{head}; {len(left)} message(s) still to send:")
                for d in left:
                    for line in describe_payload(d["chat_id"], d["payload"]):
                        out(line)
                continue
            plan = await runner.plan(kind, config, now, dry_run=True)
            out(f"{head}; `remind` would send {len(plan.items)} message(s) now:")
            for chat_id, _, payload in plan.items:
                for line in describe_payload(chat_id, payload):
                    out(line)
            for note in plan.notes:
                out(f"  ! {note}")
            continue
        if rnd is None:
            round_id, _ = rounds.open_round(runner.db, kind, period)
        else:
            round_id = rnd["id"]
            if rounds.reopen_round(runner.db, round_id):
                out(f"{kind} round {key} was {status}; sending it now as asked")
        summary = await runner.run_round(round_id)
        failed += summary["failed"]
        out(f"{kind} round {key}: {summary['status']}; {summary['sent']} sent, "
            f"{summary['failed']} failed, {summary['blocked']} blocked, "
            f"{summary['pending'] + summary['sending']} left, of {summary['total']}")
    return failed


def remind_cli(config: Config, db: Database, build_application, *, dry_run: bool,
               only: str | None = None) -> int:
    """`python bot.py remind [--dry-run] [--only KIND]`: 0, or 1 when a message failed."""
    from telegram.error import TelegramError

    from config import ConfigError

    kinds = (only,) if only else rounds.KINDS

    async def main() -> int:
        if dry_run:
            await remind(Runner(db, config), dry_run=True, kinds=kinds)
            return 0
        if not config.token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set (needed to send; or use --dry-run)")
        application = build_application(config, db)
        try:
            async with application:  # initialize (getMe) and shut down; no polling
                failed = await remind(Runner(db, config, application.bot), dry_run=False,
                                      kinds=kinds)
        except TelegramError as exc:
            raise ConfigError(f"cannot send through the Bot API: {exc}") from exc
        if failed:
            print(f"error: {failed} message(s) could not be sent (the log says why)",
                  file=sys.stderr)
        return 1 if failed else 0

    return asyncio.run(main())
