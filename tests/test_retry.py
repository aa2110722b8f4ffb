"""The retry layer's table: which Bot API call is tried again after which failure."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from transport.retry import RetryingRequest, RetryPolicy

URL = "http://127.0.0.1/botTOKEN/"


def failure(kind: str) -> object:
    """What the HTTP implementation gives back: an answer (status, body) or an error raised."""
    request = httpx.Request("POST", URL)
    causes = {
        "read timeout": (TimedOut(), httpx.ReadTimeout("late", request=request)),
        "write timeout": (TimedOut(), httpx.WriteTimeout("slow", request=request)),
        "cut off": (NetworkError("httpx.RemoteProtocolError"),
                    httpx.RemoteProtocolError("closed mid-answer")),
        "refused": (NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")),
        "connect timeout": (TimedOut(), httpx.ConnectTimeout("no answer")),
        "pool timeout": (TimedOut(), httpx.PoolTimeout("pool")),
    }
    if kind in causes:
        error, cause = causes[kind]
        error.__cause__ = cause
        return error
    status = int(kind)
    return status, b'{"ok": false, "error_code": %d, "description": "no"}' % status


class Flaky:
    """An inner request answering `fails` failures, then 200."""

    def __init__(self, kind: str, fails: int) -> None:
        self.kind, self.fails, self.calls = kind, fails, 0

    async def do_request(self, url, method, request_data=None, **timeouts):
        self.calls += 1
        if self.calls <= self.fails:
            answer = failure(self.kind)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return 200, b'{"ok": true, "result": true}'


# (endpoint, failure, tries made when every try fails: 4 = retried up to the limit, 1 = not)
TABLE = [
    ("sendMessage", "500", 4), ("sendMessage", "502", 4), ("editMessageText", "503", 4),
    ("sendMessage", "refused", 4), ("sendMessage", "connect timeout", 4),
    ("sendMessage", "pool timeout", 4),
    # unknown outcome: a send, edit or answer may have arrived, so it is never repeated
    ("sendMessage", "read timeout", 1), ("sendPhoto", "write timeout", 1),
    ("editMessageText", "cut off", 1), ("answerCallbackQuery", "read timeout", 1),
    # ... while a read or a setting is harmless to repeat
    ("getFile", "read timeout", 4), ("getMe", "cut off", 4), ("setMyCommands", "read timeout", 4),
    ("sendChatAction", "read timeout", 4), ("setWebhook", "write timeout", 4),
    # Telegram's refusals are final
    ("sendMessage", "400", 1), ("sendMessage", "403", 1), ("getFile", "404", 1),
    ("sendMessage", "429", 1), ("getMe", "409", 1),
]


@pytest.mark.parametrize(("endpoint", "kind", "tries"), TABLE)
async def test_what_is_tried_again(endpoint, kind, tries):
    inner = Flaky(kind, fails=99)
    request = RetryingRequest(inner, RetryPolicy(attempts=4, backoff=0.0))
    data = RequestData()
    outcome = failure(kind)
    if isinstance(outcome, Exception):
        with pytest.raises(type(outcome)):
            await request.do_request(URL + endpoint, "POST", data)
    else:
        assert await request.do_request(URL + endpoint, "POST", data) == outcome
    assert inner.calls == tries


@pytest.mark.parametrize("kind", ["500", "refused"])
async def test_a_retried_call_that_then_succeeds_answers_like_a_first_try(kind):
    inner = Flaky(kind, fails=2)
    request = RetryingRequest(inner, RetryPolicy(attempts=4, backoff=0.0))
    assert (await request.do_request(URL + "sendMessage", "POST"))[0] == 200
    assert inner.calls == 3


def test_the_backoff_doubles_up_to_its_limit():
    assert [RetryPolicy().delay(n) for n in (1, 2, 3, 4, 5, 6)] == [0.5, 1, 2, 4, 8, 8]
