"""End to end: the bot serves the dashboard (BOT_WEB_PORT), /dashboard opens it, and /screen
gives and revokes the meeting-room links, as the users see them in the chat and over HTTP."""

from __future__ import annotations

import json
import re
import socket
from html import unescape

import aiohttp
import pytest

from services.webauth import sign_init_data
from storage.people import find_unit, grant_role
from tests.conftest import ADMIN, LEADER, TOKEN, seed_ledger, started_bot

WEB_URL = "https://dash.example.org"
MEMBER = 101
UNIT_A = "科创城管委会"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def web_bot(tmp_path, api):
    port = free_port()
    async with started_bot(tmp_path, api, BOT_WEB_PORT=port, BOT_WEB_URL=WEB_URL) as bot:
        seed_ledger(bot.db)
        grant_role(bot.db, LEADER, "leader", name="王市长")
        grant_role(bot.db, MEMBER, "member", find_unit(bot.db, UNIT_A)["id"], name="小李")
        yield bot, f"http://127.0.0.1:{port}"


async def fetch(url: str, authorization: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": authorization} if authorization else {}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as r:
        return r.status, await r.text()


async def test_the_bot_serves_the_dashboard_and_dashboard_opens_it(web_bot, api) -> None:
    bot, local = web_bot
    assert api.menu_button()["type"] == "web_app"  # set at start-up for every chat
    assert api.menu_button()["web_app"]["url"] == WEB_URL + "/"
    [answer] = await bot.send(MEMBER, "/dashboard")
    button = answer["reply_markup"]["inline_keyboard"][0][0]
    assert button["web_app"]["url"] == WEB_URL + "/"
    assert "看板" in answer["text"]
    assert api.menu_button(MEMBER)["type"] == "web_app"
    # the page and the API, served by the bot's own process
    status, page = await fetch(local + "/")
    assert status == 200 and "/static/app.js" in page
    init_data = sign_init_data(TOKEN, {"id": MEMBER, "first_name": "小李"})
    status, body = await fetch(local + "/api/overview", f"tma {init_data}")
    assert status == 200 and json.loads(body)["me"]["scope"] == UNIT_A
    assert (await fetch(local + "/api/overview"))[0] == 401


async def test_a_project_page_shows_an_update_s_photo_to_whoever_may_see_it(web_bot) -> None:
    bot, local = web_bot
    grant_role(bot.db, 102, "member", find_unit(bot.db, "区投资促进服务中心")["id"])
    [answer] = await bot.send(MEMBER, caption="QB-001 进度50%，现场照片", photo=True)
    assert "QB-001" in answer["text"]
    member = "tma " + sign_init_data(TOKEN, {"id": MEMBER, "first_name": "小李"})
    status, body = await fetch(local + "/api/projects/QB-001", member)
    [update] = [u for u in json.loads(body)["updates"] if u["files"]]
    picture = f"{local}/api/updates/{update['id']}/files/0"
    async with aiohttp.ClientSession() as session, \
            session.get(picture, headers={"Authorization": member}) as response:
        assert response.status == 200 and response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")
        assert response.headers["Cache-Control"] == "no-store"
    other = "tma " + sign_init_data(TOKEN, {"id": 102, "first_name": "小陈"})
    assert (await fetch(picture, other)) == (403, '{"error":"forbidden"}')
    assert (await fetch(picture.replace("/files/0", "/files/1"), member))[0] == 404
    assert (await fetch(picture))[0] == 401


async def test_screen_links_work_until_revoked(web_bot) -> None:
    bot, local = web_bot
    [answer] = await bot.send(LEADER, "/screen")
    text = unescape(answer["text"])
    link = re.search(r"https://\S+/screen#k=(\S+)", text)
    assert link and "12" in text, text
    screen = f"screen {link.group(1)}"
    status, body = await fetch(local + "/api/overview", screen)
    assert status == 200 and json.loads(body)["projects"] > 0
    [second] = await bot.send(ADMIN, "/screen")
    other = "screen " + re.search(r"#k=(\S+)", unescape(second["text"])).group(1)

    [refused] = await bot.send(MEMBER, "/screen")
    assert refused["text"].startswith("⛔")
    [revoked] = await bot.send(LEADER, "/screen off")
    assert revoked["text"].startswith("✅") and "2" in revoked["text"]
    for token in (screen, other):  # every link at once, whoever made it
        assert await fetch(local + "/api/overview", token) == (401, "")


async def test_without_an_address_dashboard_says_how_to_enable_it(running_bot) -> None:
    grant_role(running_bot.db, LEADER, "leader")
    [answer] = await running_bot.send(LEADER, "/dashboard")
    assert answer["text"].startswith("⛔") and "BOT_WEB_URL" in answer["text"]
    [answer] = await running_bot.send(LEADER, "/screen")
    assert answer["text"].startswith("⛔") and "BOT_WEB_URL" in answer["text"]
