"""Reminder and digest scheduling: when a round is due, and sending it exactly once."""
