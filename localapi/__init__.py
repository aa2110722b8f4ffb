"""A local stand-in for the Telegram Bot API (tests, the offline console, benchmarks).

`core.BotAPI` holds the state and the methods; `httpserver.BotAPIServer` serves it over HTTP;
`inprocess.InProcessRequest` hands python-telegram-bot's calls to it without a socket.
Not part of the product's package: it is used from a checkout only.
"""

from .core import BotAPI
from .errors import ApiError, WaitTimeout
from .htmlcheck import EntityParseError, parse_html
from .httpserver import BotAPIServer
from .limits import FLOOD_METHODS, FloodLimits

__all__ = [
    "FLOOD_METHODS",
    "ApiError",
    "BotAPI",
    "BotAPIServer",
    "EntityParseError",
    "FloodLimits",
    "WaitTimeout",
    "parse_html",
]
