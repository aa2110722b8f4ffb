"""What `python bot.py run` lets go of, or never loads, to keep its memory down."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from bot import let_go_of_sent_body

ROOT = Path(__file__).resolve().parents[1]


async def test_a_sent_file_is_let_go_once_the_answer_comes():
    def answer(request: httpx.Request) -> httpx.Response:
        assert b"x" * 1000 in request.content  # the whole file was sent
        return httpx.Response(200, json={"ok": True})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer),
                                 event_hooks={"response": [let_go_of_sent_body]}) as client:
        response = await client.post("http://api.test/bot1:x/sendDocument",
                                      files={"document": ("a.xlsx", b"x" * 100_000)})
    assert response.json() == {"ok": True}
    assert b"".join(response.request.stream) == b""  # the request no longer holds the file


def test_polling_does_not_load_the_webhook_server():
    code = ("import bot; bot.without_webhook_server(); import sys, telegram.ext; "
            "from telegram.ext import _updater; "
            "print(_updater.WEBHOOKS_AVAILABLE, sys.modules.get('tornado'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "None"]
