"""A local stand-in for the Telegram Bot API (tests, the offline console, benchmarks)."""

from .htmlcheck import EntityParseError, parse_html
from .server import ApiError, BotAPIServer, FloodLimits, WaitTimeout

__all__ = [
    "ApiError",
    "BotAPIServer",
    "EntityParseError",
    "FloodLimits",
    "WaitTimeout",
    "parse_html",
]
