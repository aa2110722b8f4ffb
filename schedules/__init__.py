"""Reminder and digest scheduling: when a round is due, and sending it exactly once."""

from __future__ import annotations


def install_jobs(application):
    """Start the bot's jobs on a built Application (bot.py's post_init): the reminder and
    digest rounds, and the daily inbox pruning."""
    from schedules.pruning import install_inbox_pruning
    from schedules.runner import install_jobs as install

    runner = install(application)
    install_inbox_pruning(application)
    return runner


def reschedule(application) -> None:
    """Put the round jobs on the schedules now in force (after /settings changed them)."""
    from schedules.runner import reschedule as apply

    apply(application)
