"""Reminder and digest scheduling: when a round is due, and sending it exactly once."""

from __future__ import annotations


def install_jobs(application):
    """Start the reminder and digest scheduler of a built Application (bot.py's post_init)."""
    from schedules.runner import install_jobs as install

    return install(application)
