"""Webhook mode, end to end: `python bot.py run` with BOT_WEBHOOK_URL, fed by the Bot API stand-in.

The stand-in delivers queued updates to the URL the bot registers with setWebhook (with the
secret header) and drops each one on a 2xx answer, as Telegram does; the tests also POST to
the bot themselves (`api.post_update`) to send wrong secrets and duplicates. With BOT_WEB_PORT
the dashboard's server receives the updates too: one server, one port.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request

import pytest

from services.webauth import sign_init_data
from storage import open_db
from storage.people import find_unit, grant_role
from tests.conftest import TOKEN, confirmations, seed_ledger, wait_until

MEMBER = 301  # member of 科创城管委会
SECRET = "s3cret-for-the-tests_0123456789"
STRANGER_UPDATE = {  # never queued at the stand-in: only ever posted by the test
    "update_id": 900_001,
    "message": {"message_id": 1, "date": 1_700_000_000, "text": "/whoami",
                "chat": {"id": 777, "type": "private", "first_name": "Eve"},
                "from": {"id": 777, "is_bot": False, "first_name": "Eve"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 7}]},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]



def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def answers(api, update: dict) -> int:
    """How many confirmations the message of `update` received (each reports its own
    progress: tests.conftest.confirmations)."""
    progress = int(re.search(r"进度\s*(\d+)%", update["message"]["text"]).group(1))
    return confirmations(api)[(update["message"]["chat"]["id"], progress)]


def inbox(db, update_id: int) -> list[dict]:
    return list(db.query("select state from inbox where update_id = ?", [update_id]))


def stored_updates(db, message_id: int) -> int:
    return db.execute("select count(*) from updates where chat_id = ? and message_id = ?",
                      [MEMBER, message_id]).fetchone()[0]


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "bot.db")
    seed_ledger(db, "ledger_zh.csv")
    grant_role(db, MEMBER, "member", find_unit(db, "科创城管委会")["id"])
    yield db
    db.close()


def get(url: str, authorization: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": authorization} if authorization else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@pytest.fixture
def webhook(api, bot_process, db):
    """Start `python bot.py run` in webhook mode; returns (start, url) with start(**env)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"

    def start(**env):
        env = {"BOT_WEBHOOK_URL": url, "BOT_WEBHOOK_PORT": port, "BOT_LOG_LEVEL": "WARNING", **env}
        process = bot_process(**env).start()
        assert wait_until(lambda: api.webhook.get("url") == url and listening(port)), (
            f"the webhook server did not come up:\n{process.output()}")
        return process

    return start, url


def test_replies_and_refuses_requests_without_the_secret(api, db, webhook):
    start, url = webhook
    bot = start(BOT_WEBHOOK_SECRET=SECRET)
    assert api.webhook["secret_token"] == SECRET

    update = api.queue_message(MEMBER, "QB-001 进度45%")  # delivered by the stand-in
    assert wait_until(lambda: answers(api, update) == 1), bot.output()
    [reply] = api.messages_to(MEMBER)
    assert reply["text"].startswith("✅ 已记录") and "QB-001" in reply["text"]

    assert api.post_update(url, STRANGER_UPDATE) == 403
    assert api.post_update(url, STRANGER_UPDATE, secret_token="wrong") == 403
    assert inbox(db, STRANGER_UPDATE["update_id"]) == []
    # The same request with the secret is taken, and stored before its 200 came back.
    assert api.post_update(url, STRANGER_UPDATE, secret_token=SECRET) == 200
    assert len(inbox(db, STRANGER_UPDATE["update_id"])) == 1
    bot.stop()
    assert SECRET not in bot.output()


def test_without_a_configured_secret_one_is_generated(api, db, webhook):
    start, url = webhook
    bot = start()  # no BOT_WEBHOOK_SECRET
    secret = api.webhook.get("secret_token") or ""
    assert len(secret) >= 32

    assert api.post_update(url, STRANGER_UPDATE) == 403
    assert inbox(db, STRANGER_UPDATE["update_id"]) == []
    update = api.queue_message(MEMBER, "QB-001 进度50%")  # the stand-in sends the secret
    assert wait_until(lambda: answers(api, update) == 1), bot.output()
    bot.stop()
    assert secret not in bot.output()


def test_a_duplicate_post_is_stored_and_answered_once(api, db, webhook):
    start, url = webhook
    bot = start(BOT_WEBHOOK_SECRET=SECRET)
    first = api.queue_message(MEMBER, "QB-001 进度45%")
    assert wait_until(lambda: answers(api, first) == 1), bot.output()
    payload = {k: v for k, v in first.items() if k != "message_id"}

    # Telegram re-sends an update whose 200 it missed: once after processing ...
    assert api.post_update(url, payload, secret_token=SECRET) == 200
    # ... and twice while the same update is still being handled (its reply is slow).
    api.delay_next("sendMessage", 1.0)
    second = api.queue_message(MEMBER, "QB-001 进度46%")
    api.wait_for_request("sendMessage", lambda p: "46%" in str(p), timeout=30)
    again = {k: v for k, v in second.items() if k != "message_id"}
    assert api.post_update(url, again, secret_token=SECRET) == 200
    assert api.post_update(url, again, secret_token=SECRET) == 200
    # A later message of the same chat is handled after all of those (one chat, in order).
    last = api.queue_message(MEMBER, "QB-001 进度47%")
    assert wait_until(lambda: answers(api, last) == 1), bot.output()
    bot.stop()

    for update in (first, second, last):
        assert len(inbox(db, update["update_id"])) == 1
        assert stored_updates(db, update["message_id"]) == 1
        assert answers(api, update) == 1


def test_acknowledged_then_killed_is_processed_once_after_restart(api, db, webhook):
    start, url = webhook
    # A long Bot API timeout: no retry of the hanging send may slip in before the kill.
    first_bot = start(BOT_WEBHOOK_SECRET=SECRET, BOT_API_TIMEOUT=300)
    # The confirmation of the first message hangs (and never arrives), so the member's chat
    # is busy: the second message waits behind it, acknowledged but not handled.
    api.delay_next("sendMessage", 240, apply=False)
    slow = api.queue_message(MEMBER, "QB-001 进度45%")
    api.wait_for_request("sendMessage", lambda p: "45%" in str(p), timeout=60)
    waiting = api.queue_message(MEMBER, "QB-001 进度55%")
    api.wait_confirmed(waiting["update_id"], timeout=30)  # the bot answered 200

    # Stored before the 200: the update is in the inbox although nothing has handled it yet.
    assert inbox(db, waiting["update_id"]) == [{"state": "pending"}]
    assert inbox(db, slow["update_id"]) == [{"state": "pending"}]
    first_bot.kill()
    assert stored_updates(db, waiting["message_id"]) == 0
    assert answers(api, slow) == 0

    second_bot = start(BOT_WEBHOOK_SECRET=SECRET)
    assert wait_until(lambda: answers(api, waiting) >= 1), (
        second_bot.output())
    second_bot.stop()

    for update in (slow, waiting):
        assert inbox(db, update["update_id"]) == [{"state": "done"}]
        assert stored_updates(db, update["message_id"]) == 1
        assert answers(api, update) == 1
    assert [r["progress"] for r in db.query("select progress from updates order by id")] == [45, 55]


def test_the_dashboard_and_the_webhook_answer_on_one_port(api, db, webhook):
    start, url = webhook
    port = int(url.split(":")[2].split("/")[0])
    unused = free_port()  # BOT_WEBHOOK_PORT: not opened when the dashboard's server receives
    bot = start(BOT_WEB_PORT=port, BOT_WEBHOOK_PORT=unused, BOT_WEBHOOK_SECRET=SECRET)
    assert api.webhook["secret_token"] == SECRET and not listening(unused)

    update = api.queue_message(MEMBER, "QB-001 进度45%")  # delivered by the stand-in
    assert wait_until(lambda: answers(api, update) == 1), bot.output()
    assert api.post_update(url, STRANGER_UPDATE) == 403
    assert api.post_update(url, STRANGER_UPDATE, secret_token="wrong") == 403
    assert inbox(db, STRANGER_UPDATE["update_id"]) == []
    assert api.post_update(url, STRANGER_UPDATE, secret_token=SECRET) == 200
    assert len(inbox(db, STRANGER_UPDATE["update_id"])) == 1  # stored before its 200

    # The dashboard, on the same port: the page, and the API with the member's signed data.
    status, page = get(f"http://127.0.0.1:{port}/")
    assert status == 200 and b"/static/app.js" in page
    assert get(f"http://127.0.0.1:{port}/api/overview")[0] == 401
    member = "tma " + sign_init_data(TOKEN, {"id": MEMBER, "first_name": "小李"})
    status, body = get(f"http://127.0.0.1:{port}/api/projects/QB-001", member)
    assert status == 200 and json.loads(body)["project"]["progress"] == 45
    bot.stop()
    assert SECRET not in bot.output() and not listening(port)
