"""One chat flooding the bot does not hold up anyone else.

A member's status update is answered in under a second while a stranger sends 40 messages,
while 60 /help arrive in a stranger's group, and while another unit's member sends a 10-photo
album (each photo answered, at Telegram's one message a second into that chat). Strangers get
a few answers a minute and nothing more.
"""

from __future__ import annotations

import time

from services.floods import STRANGER_ANSWERS
from storage.people import grant_role, list_units
from storage.projects import list_projects
from tests.conftest import seed_ledger

MEMBER, ALBUM_MEMBER = 4001, 4002
STRANGER, GROUP_STRANGER, STRANGERS_GROUP = 4901, 4902, -100_4903
LATENCY = 1.0  # seconds a member may wait for an answer while another chat floods


def seed(db) -> tuple[str, str]:
    """Two members of two units; the code each reports on."""
    seed_ledger(db)
    first, second = list_units(db)[:2]
    codes = {}
    for project in list_projects(db):
        codes.setdefault(project["unit_id"], project["code"])
    grant_role(db, MEMBER, "member", first["id"])
    grant_role(db, ALBUM_MEMBER, "member", second["id"])
    return codes[first["id"]], codes[second["id"]]


async def answered_in(bot, code: str, progress: int) -> float:
    """Seconds from the member's status update to its confirmation."""
    started = time.monotonic()
    [reply] = await bot.send(MEMBER, f"{code} 进度{progress}%，本周推进正常", timeout=120)
    assert f"进度 {progress}%" in reply["text"]
    return time.monotonic() - started


async def test_a_member_is_answered_at_once_while_another_chat_floods(running_bot):
    bot, api = running_bot, running_bot.api
    code, album_code = seed(bot.db)
    quiet = await answered_in(bot, code, 10)

    for n in range(40):
        api.queue_message(STRANGER, f"你好 {n}")
    during_stranger = await answered_in(bot, code, 20)
    await bot.wait_replies(STRANGER, 0, replies=STRANGER_ANSWERS, timeout=60)
    await bot.idle(quiet=1.5, timeout=60)
    assert len(api.messages_to(STRANGER)) == STRANGER_ANSWERS  # the rest dropped

    for _ in range(60):
        api.queue_message(GROUP_STRANGER, "/help", chat_id=STRANGERS_GROUP, chat_type="supergroup",
                          chat_title="不相干的群")
    during_group = await answered_in(bot, code, 30)
    await bot.idle(quiet=1.5, timeout=60)
    assert len(api.messages_to(STRANGERS_GROUP)) <= STRANGER_ANSWERS

    api.queue_message(ALBUM_MEMBER, f"{album_code} 进度40%，现场照片", photo=True)
    for _ in range(9):
        api.queue_message(ALBUM_MEMBER, photo=True)
    during_album = await answered_in(bot, code, 50)
    await bot.wait_replies(ALBUM_MEMBER, 0, replies=10, timeout=60)  # the album: all answered

    print(f"member answered in {quiet:.2f} s quiet, {during_stranger:.2f} s during a stranger's "
          f"40 messages, {during_group:.2f} s during 60 /help in a group, {during_album:.2f} s "
          "during a 10-photo album")
    assert max(during_stranger, during_group, during_album) < LATENCY, (
        during_stranger, during_group, during_album)
