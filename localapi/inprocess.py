"""python-telegram-bot's calls handed straight to the stand-in, in process: no socket, no HTTP.

The way python-telegram-bot's own test suite fakes the network: a `BaseRequest` subclass whose
`do_request` answers each call, here from :class:`localapi.core.BotAPI`. A getUpdates long poll
awaits the update queue; faults behave as over HTTP (a late answer past the read timeout is a
`TimedOut`, a dropped call an `httpx` error, both "unknown outcome" to the bot's retry rules).
"""

from __future__ import annotations

import asyncio
from urllib.parse import unquote, urlsplit

import httpx
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from .core import BotAPI
from .decoding import UploadedFile, coerce_params


class InProcessRequest(BaseRequest):
    """A `telegram.request.BaseRequest` answering from `api` in process."""

    def __init__(self, api: BotAPI, read_timeout: float | None = 5.0, **_unused: object):
        # `**_unused` takes HTTPXRequest's pool and connect settings, meaningless here
        self.api = api
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=None,
                         connect_timeout=None, pool_timeout=None) -> tuple[int, bytes]:
        if isinstance(read_timeout, int | float) or read_timeout is None:
            timeout = read_timeout
        else:
            timeout = self._read_timeout

        def decode() -> tuple[dict, dict[str, UploadedFile]]:
            if request_data is None:
                return {}, {}
            return coerce_params(request_data.json_parameters), uploads(request_data)

        answer = self.api.answer(method, unquote(urlsplit(url).path), decode)
        answer = await self.api.wait_poll_async(answer)
        if answer.delay > 0:
            if timeout is not None and answer.delay >= timeout:
                await asyncio.sleep(timeout)
                raise TimedOut() from httpx.ReadTimeout("in-process answer later than read timeout")
            await asyncio.sleep(answer.delay)
        if answer.drop:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return answer.status, answer.body


def uploads(request_data: RequestData) -> dict[str, UploadedFile]:
    """The files of a call, as the HTTP front decodes them from a multipart body."""
    files = {}
    for field, part in request_data.multipart_data.items():
        name, content, mime = part if len(part) == 3 else (*part, None)
        data = content if isinstance(content, bytes) else content.read()
        files[field] = UploadedFile(field, name, mime, data)
    return files
