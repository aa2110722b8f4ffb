"""Telegram plumbing, extending python-telegram-bot through its public hooks.

    intake.py   durable intake: updates stored before they are acknowledged, processed once,
                one chat's updates in order (Bot, Application, BaseUpdateProcessor subclasses)
    retry.py    the one retry layer, a BaseRequest around HTTPXRequest
    pacing.py   the one pacing layer, a BaseRateLimiter (AIORateLimiter) subclass
    outbox.py   answers noted against what they answer; a chat's queued confirmations sent
                as one message
    webhook.py  webhook mode: the update queue that stores before Telegram gets its 200

Handlers, schedules and the CLI use these; nothing here knows about projects or people.
"""
