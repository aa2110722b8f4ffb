"""The overdue ladder's daily run (services.ladder): a JobQueue job on a CronTrigger of
ladder_schedule (default daily 09:00, in the bot's timezone), and once at start-up, so a step
due while the bot was down is taken when it is back. Steps are recorded before they are sent:
a restart never repeats one. The same run closes resolutions left unconfirmed for
confirm_days (recorded as confirmed by itself)."""

from __future__ import annotations

import logging
from datetime import datetime

from schedules.periods import trigger_for
from services.ladder import climb, confirm_unanswered
from services.settings import effective_config

log = logging.getLogger(__name__)

LADDER_JOB = "problem ladder"


async def ladder_job(context) -> None:
    from schedules.notices import tell  # the same sending as the commands' notices

    db = context.bot_data["db"]
    config = effective_config(db, context.bot_data["config"])
    try:
        now = datetime.now(config.timezone)
        confirm_unanswered(db, config, now)
        tellings = climb(db, config, now.date())
    except Exception:  # the steps not recorded are taken at the next run
        log.exception("the problem ladder could not run")
        return
    for telling in tellings:
        await tell(context.bot, telling, db)


def reschedule_ladder(application) -> None:
    """Put the ladder's job on ladder_schedule in the timezone now in force."""
    db = application.bot_data["db"]
    config = effective_config(db, application.bot_data["config"])
    trigger = trigger_for(config.ladder_schedule, config.timezone)
    jobs = application.job_queue.get_jobs_by_name(LADDER_JOB)
    for job in jobs[1:] if trigger else jobs:
        job.schedule_removal()
    if trigger is None:
        return
    if jobs:
        jobs[0].job.reschedule(trigger)
    else:
        application.job_queue.run_custom(
            ladder_job, name=LADDER_JOB,
            job_kwargs={"trigger": trigger, "misfire_grace_time": None, "coalesce": True,
                        "max_instances": 1})


def install_ladder(application) -> None:
    reschedule_ladder(application)
    application.job_queue.run_once(ladder_job, 0, name=f"{LADDER_JOB} at start-up",
                                   job_kwargs={"misfire_grace_time": None})
