"""Reminder and digest scheduling: when a round is due, and sending it exactly once."""

from __future__ import annotations


def install_jobs(application):
    """Start the bot's jobs on a built Application (bot.py's post_init): the reminder and
    digest rounds, the daily inbox pruning and the problems' overdue ladder."""
    from schedules.ladder import install_ladder
    from schedules.pruning import install_inbox_pruning
    from schedules.runner import install_jobs as install

    runner = install(application)
    install_inbox_pruning(application)
    install_ladder(application)
    return runner


def reschedule(application) -> None:
    """Put the round jobs and the ladder on the schedules now in force (after /settings
    changed them)."""
    from schedules.ladder import reschedule_ladder
    from schedules.runner import reschedule as apply

    apply(application)
    if application.bot_data.get("rounds_runner") is not None:  # jobs installed here
        reschedule_ladder(application)
