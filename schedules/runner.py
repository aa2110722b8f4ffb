"""Running the rounds: their JobQueue jobs, planning, sending, start-up recovery, `remind`.

Each kind of round (reminder, digest) is one JobQueue job on a CronTrigger of its schedule
(schedules.periods.trigger_for); /settings calls `reschedule` when it changes a schedule or
the timezone. When a job fires, the runner reads the settings afresh, asks
schedules.periods.due_round what the latest occurrence calls for, records it
(storage.rounds.open_round: a round exists once per kind and period, whichever process gets
there first), and starts a task for every unfinished round: plan it (the content is computed
once and stored with each delivery), then deliver it (schedules.delivery). At start-up the
same is done once: the catch-up of an occurrence missed while the bot was down (within
BOT_CATCHUP_HOURS). An occurrence from before the schedule came into force (a new bot, a
changed schedule or timezone) is not sent.

Several processes may send at once (the bot and `bot.py remind`): deliveries are claimed in
the database by a process lease (schedules.lease), and a process only recovers in-flight
sends of dead processes: at start-up, and whenever a round is about to be run.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlite_utils import Database

from config import Config, Schedule
from config.calendar import work_calendar
from i18n import plain_text
from schedules import content
from schedules.delivery import deliver_round
from schedules.lease import Lease, lease_for
from schedules.periods import (
    current_period,
    due_round,
    latest_occurrence,
    next_round,
    period_key,
    wake_trigger_for,
)
from services.settings import effective_config
from storage import rounds
from transport.intake import single_attempt

log = logging.getLogger(__name__)

# A round is on time this long after its moment even with BOT_CATCHUP_HOURS=0 (a busy loop).
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
        retry_later: Callable[[int], object] | None = None,
    ) -> None:
        self.db, self.base_config, self.bot = db, config, bot
        self.spawn = spawn or asyncio.ensure_future
        self.keep_going = keep_going
        self.concurrency = concurrency
        self._lease = lease
        self.retry_later = retry_later  # (round_id): run that round again RETRY_FAILED_ROUND on
        self.tasks: dict[int, asyncio.Task] = {}

    @property
    def lease(self) -> Lease:
        """This process's lease (taken when first needed: a dry run never takes one)."""
        if self._lease is None:
            self._lease = lease_for(self.db)
        return self._lease

    # --- configuration -----------------------------------------------------------------------

    def config(self) -> Config:
        """The configuration with /settings applied, read afresh."""
        return effective_config(self.db, self.base_config)

    # --- start-up and scheduled runs ---------------------------------------------------------

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
            upcoming = next_round(schedule, config.timezone, now, work_calendar(config))
            log.info("%s schedule: %s (%s), next at %s; catching up within %d h",
                     kind, schedule, config.timezone.key,
                     period_key(upcoming[1]) if upcoming else "never", config.catchup_hours)
        for rnd in rounds.unfinished_rounds(self.db):
            period = datetime.fromisoformat(rnd["period"])
            if late(config, period, now) and not self._claimed_by_others(rnd["id"]):
                given_up = rounds.expire_round(
                    self.db, rnd["id"], "missed: the bot was down longer than BOT_CATCHUP_HOURS")
                log.warning("%s round %s is older than BOT_CATCHUP_HOURS: recorded as missed "
                            "(%d message(s) not sent)", rnd["kind"], rnd["period"], given_up)

    def _claimed_by_others(self, round_id: int) -> bool:
        return any(owner != self.lease.token and self.lease.is_alive(owner)
                   for owner in rounds.claimers(self.db, round_id))

    def note_schedules(self, now: datetime | None = None) -> None:
        """Record since when each schedule (with its timezone) is in force: a changed one
        sends from its next moment on, not one already past."""
        config = self.config()
        now = now or datetime.now(config.timezone)
        for kind in rounds.KINDS:
            rounds.schedule_since(self.db, kind, f"{schedule_of(config, kind)} "
                                  f"{config.timezone.key}", now)

    def due(self, now: datetime | None = None, kinds=rounds.KINDS) -> list[int]:
        """Record the rounds the schedules call for at `now`; the ids of rounds opened."""
        config = self.config()
        tz = config.timezone
        now = (now or datetime.now(tz)).astimezone(tz)
        opened = []
        for kind in kinds:
            schedule = schedule_of(config, kind)
            since = rounds.schedule_since(self.db, kind, f"{schedule} {tz.key}", now)
            found = due_round(schedule, tz, now, config.catchup_hours, work_calendar(config))
            if found is None:
                continue
            period, action = found
            if period < since or rounds.find_round(self.db, kind, period) is not None:
                continue
            if action == "missed" and now - period <= GRACE:
                action = "send"
            status = {"send": "planned", "missed": "missed"}[action]
            round_id, created = rounds.open_round(self.db, kind, period, status=status)
            if not created:
                continue
            opened.append(round_id)
            key = period_key(period)
            if action == "send":
                lateness = now - period
                log.info("%s round %s is due%s", kind, key,
                         f" (catching up, {lateness} late)" if lateness > GRACE else "")
            else:
                log.warning("%s round %s was missed: the bot was down for longer than "
                            "BOT_CATCHUP_HOURS (%s); recorded, not sent",
                            kind, key, config.catchup_hours)
        return opened

    async def run_due(self, kinds=rounds.KINDS) -> None:
        """A scheduled moment (or the start-up catch-up): recover dead senders' messages, open
        the rounds due now, and run every unfinished round."""
        if self.keep_going is not None and not self.keep_going():
            return
        rounds.recover_in_flight(self.db, is_alive=self.lease.is_alive)
        self.due(kinds=kinds)
        self.resume()

    def resume(self) -> None:
        """Start a task for each unfinished round this process should send."""
        config = self.config()
        now = datetime.now(config.timezone)
        for rnd in rounds.unfinished_rounds(self.db):
            round_id = rnd["id"]
            if round_id in self.tasks:
                continue
            if late(config, datetime.fromisoformat(rnd["period"]), now):
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
            log.exception("round %s could not be planned or sent; retrying in %.0f s",
                          round_id, RETRY_FAILED_ROUND)
            if self.retry_later is not None:
                self.retry_later(round_id)
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
        from services.views import CHART_THREAD

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
            elif "document" in part:  # a file of the meeting pack
                idx = part["document"]
                data, file_id = rounds.round_file(self.db, round_id, idx)
                message = await bot.send_document(chat_id, document=file_id or data,
                                                  filename=part["filename"],
                                                  caption=part.get("caption"))
                if file_id is None and message.document:
                    rounds.set_round_file_id(self.db, round_id, idx, message.document.file_id)
            else:
                message = await bot.send_message(chat_id, part["text"])
            return message.message_id

        return send


# --- the bot ---------------------------------------------------------------------------------

ROUND_JOB = "{kind} round"  # one job per kind of round


def _runner(context) -> Runner:
    return context.bot_data["rounds_runner"]


_failing: dict[str, str] = {}  # job -> the error it last failed with


def log_job_failure(job: str, error: Exception) -> None:
    """A job failed: the traceback once, the same failure again only at DEBUG (a job failing
    at every moment must not flood the log); each job fails on its own, the others run."""
    described = f"{type(error).__name__}: {error}"
    if _failing.get(job) == described:
        log.debug("%s failed again: %s", job, described)
        return
    _failing[job] = described
    log.error("%s failed (logged once while it keeps failing so): %s", job, described,
              exc_info=error)


async def _round_job(context) -> None:
    """A schedule's moment: its round (job.data is the kind)."""
    job = f"the {context.job.data} round"
    try:
        await _runner(context).run_due(kinds=(context.job.data,))
    except Exception as exc:  # the round stays in the ledger; the next run or start-up picks it up
        log_job_failure(job, exc)
    else:
        if _failing.pop(job, None):
            log.info("%s works again", job)


async def _catch_up_job(context) -> None:
    """Once at start-up: what was due while the bot was down, and rounds left unfinished."""
    try:
        await _runner(context).run_due()
    except Exception:
        log.exception("the start-up catch-up of rounds failed")


async def _retry_job(context) -> None:
    runner = _runner(context)
    if context.job.data not in runner.tasks:
        runner.start(context.job.data)


def reschedule(application) -> None:
    """Put each kind's job on the trigger of its schedule, with /settings applied: at
    start-up, and whenever /settings changes a schedule or the timezone."""
    runner = application.bot_data.get("rounds_runner")
    if runner is None:  # no scheduler in this process (a test's bare Application)
        return
    config = runner.config()
    runner.note_schedules()
    for kind in rounds.KINDS:
        name = ROUND_JOB.format(kind=kind)
        trigger = wake_trigger_for(schedule_of(config, kind), config.timezone)
        jobs = application.job_queue.get_jobs_by_name(name)
        for job in jobs[1:] if trigger else jobs:
            job.schedule_removal()
        if trigger is None:
            continue
        if jobs:
            jobs[0].job.reschedule(trigger)
        else:
            # Never skipped as a misfire, however busy the loop: due_round decides lateness.
            application.job_queue.run_custom(
                _round_job, name=name, data=kind,
                job_kwargs={"trigger": trigger, "misfire_grace_time": None, "coalesce": True,
                            "max_instances": 1})
        next_at = next_round(schedule_of(config, kind), config.timezone,
                             datetime.now(config.timezone), work_calendar(config))
        log.debug("%s job on %s (%s): next at %s", kind, schedule_of(config, kind),
                  config.timezone.key, period_key(next_at[1]) if next_at else "never")


def install_jobs(application) -> Runner:
    """Called by bot.py's post_init: recover, schedule each kind's job, catch up at once."""
    job_queue = application.job_queue
    runner = Runner(
        application.bot_data["db"], application.bot_data["config"], application.bot,
        spawn=application.create_task, keep_going=lambda: application.running,
        retry_later=lambda round_id: job_queue.run_once(
            _retry_job, RETRY_FAILED_ROUND, data=round_id, name=f"round {round_id} retry"),
    )
    application.bot_data["rounds_runner"] = runner
    runner.startup()
    reschedule(application)
    job_queue.run_once(_catch_up_job, 0, name="rounds catch-up",
                       job_kwargs={"misfire_grace_time": None})
    return runner


# --- `bot.py remind` -------------------------------------------------------------------------

def describe_payload(chat_id: int, payload: dict) -> list[str]:
    """A delivery as lines for the operator's terminal."""
    who = {"group": "group", "member": "member", "leader": "leader"}.get(payload.get("to"), "chat")
    # A person without a name is named by their id alone (it is already on the line).
    name = payload.get("name") if payload.get("name") != str(chat_id) else None
    about = ", ".join(filter(None, (name, payload.get("unit") and f"unit {payload['unit']}")))
    parts = payload.get("parts", [payload])
    lines = [f"  -> {who} {chat_id} ({about + '; ' if about else ''}{payload.get('lang', '?')}): "
             f"{len(parts)} message(s)"]
    for part in parts:
        if "photo" in part:
            lines.append("     | [picture: the wall chart]")
        elif "document" in part:
            lines.append(f"     | [file: {part['filename']}]")
        else:
            lines += [f"     | {line}" for line in plain_text(part.get("text", "")).splitlines()]
        lines.append("     |")
    return lines


async def remind(runner: Runner, *, dry_run: bool, kinds=rounds.KINDS,
                 out: Callable[[str], None] = print) -> int:
    """Send (or show) the current round of each kind now; exactly once, like the scheduler.

    The current round is the latest occurrence of the schedule. One already sent is not sent
    again; one recorded as missed (or skipped) is sent, since the operator asks for
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
        period = (current_period(schedule, tz, now, work_calendar(config))
                  or latest_occurrence(schedule, tz, now))  # one put off past today: sent now
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
