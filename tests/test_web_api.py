"""The dashboard's JSON API over HTTP, without a browser: Telegram's initData signature, the
roles and unit scope of the chat, the screen links, and the headers every answer carries.

The application (web.app.make_app) runs on a real port on 127.0.0.1 (aiohttp's test server);
the data is the demo ledger with a member in each of two units and a group bound to one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from aiohttp.test_utils import TestClient, TestServer

from config import load_config
from services.views import Views
from services.webauth import MAX_AGE, sign_init_data, verify_init_data
from storage import open_db
from storage.db import now_iso
from storage.people import bind_group, find_unit, grant_role
from storage.problems import open_problem
from storage.projects import get_project
from storage.updates import NewUpdate, store_updates
from tests.conftest import ADMIN, LEADER, TOKEN, seed_ledger
from web.app import make_app

UNIT_A, UNIT_B = "科创城管委会", "区投资促进服务中心"  # QB-001, QB-002; QB-003
MEMBER_A, MEMBER_B, STRANGER = 101, 102, 999
GROUP_A = -100101
HOSTILE = "<img src=x onerror=alert(1)>&amp;"


def signed(user_id: int, *, token: str = TOKEN, age: int = 0, lang: str = "zh", **extra) -> str:
    user = {"id": user_id, "first_name": f"User {user_id}", "language_code": lang}
    return sign_init_data(token, user, auth_date=int(time.time()) - age, **extra)


def tma(init_data: str) -> dict:
    return {"Authorization": f"tma {init_data}"}


def seed_people(db) -> dict[str, int]:
    """The demo ledger, a leader, a member in each of units A and B, and unit A's group
    bound; the units' ids ("A", "B")."""
    seed_ledger(db)
    units = {key: find_unit(db, name)["id"] for key, name in (("A", UNIT_A), ("B", UNIT_B))}
    grant_role(db, LEADER, "leader", name="王市长")
    grant_role(db, MEMBER_A, "member", units["A"], name="科创小李")
    grant_role(db, MEMBER_B, "member", units["B"], name="投促小陈")
    bind_group(db, GROUP_A, units["A"], "A group", ADMIN)
    return units


@pytest.fixture
def world(tmp_path):
    db = open_db(tmp_path / "bot.db")
    units = seed_people(db)
    qb3 = get_project(db, "QB-003")["id"]
    open_problem(db, qb3, "用地指标未落实 " + HOSTILE, MEMBER_B, units["B"], None)
    store_updates(db, [NewUpdate(project_id=qb3, unit_id=units["B"], author_id=MEMBER_B,
                                 chat_id=MEMBER_B, message_id=1, part=0, created_at=now_iso(),
                                 raw_text="QB-003 进度30% " + HOSTILE, lang="zh",
                                 progress=30.0)])
    config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_DB": str(tmp_path / "bot.db"),
                          "BOT_ADMINS": str(ADMIN)})
    yield db, config, units
    db.close()


@pytest.fixture
async def client(world):
    db, config, _ = world
    async with TestClient(TestServer(make_app(Views(db), config), host="127.0.0.1")) as c:
        yield c


async def get(client, path: str, init_data: str | None = None, headers: dict | None = None):
    response = await client.get(path, headers=headers or (tma(init_data) if init_data else {}))
    return response.status, await response.text(), response.headers


# ---------------------------------------------------------------------------- the signature


def telegram_check(token: str, init_data: str) -> bool:
    """The check exactly as Telegram's Mini App documentation words it, written out again."""
    fields = dict(parse_qsl(init_data))
    received = fields.pop("hash")
    data_check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret_key = hmac.new(key=b"WebAppData", msg=token.encode(), digestmod=hashlib.sha256)
    expected = hmac.new(key=secret_key.digest(), msg=data_check_string.encode(),
                        digestmod=hashlib.sha256).hexdigest()
    return expected == received


def test_signed_init_data_passes_telegram_s_own_check_and_ours() -> None:
    init_data = signed(LEADER, start_param="g-1", query_id="AAE")
    assert telegram_check(TOKEN, init_data)
    user = verify_init_data(TOKEN, init_data)
    assert user is not None and user.user_id == LEADER and user.start_param == "g-1"


@pytest.mark.parametrize("tamper", ["other token", "changed user", "no hash", "bad hash",
                                    "duplicate key", "garbage", "empty"])
def test_a_forged_or_broken_init_data_is_refused(tamper: str) -> None:
    good = signed(MEMBER_A)
    forged = {
        "other token": signed(MEMBER_A, token="654321:OTHER"),
        "changed user": good.replace("101", "102"),
        "no hash": "&".join(p for p in good.split("&") if not p.startswith("hash=")),
        "bad hash": good[:-4] + "0000",
        "duplicate key": good + "&auth_date=1",
        "garbage": "%%%===&&",
        "empty": "",
    }[tamper]
    assert verify_init_data(TOKEN, forged) is None


def test_init_data_older_than_a_day_is_refused() -> None:
    now = time.time()
    assert verify_init_data(TOKEN, signed(MEMBER_A, age=MAX_AGE - 60), now=now) is not None
    assert verify_init_data(TOKEN, signed(MEMBER_A, age=MAX_AGE + 60), now=now) is None
    assert verify_init_data(TOKEN, signed(MEMBER_A, age=-3600), now=now) is None  # from the future


# ---------------------------------------------------------------------------- 401


ENDPOINTS = ["/api/overview", "/api/projects", "/api/projects/QB-001", "/api/units/1",
             "/api/problems", "/api/ranking"]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("auth", ["none", "bad signature", "stale", "other scheme", "empty tma"])
async def test_without_a_valid_login_every_endpoint_answers_401_and_nothing_else(
        client, path: str, auth: str) -> None:
    headers = {
        "none": {},
        "bad signature": tma(signed(LEADER)[:-2] + "00"),
        "stale": tma(signed(LEADER, age=MAX_AGE + 10)),
        "other scheme": {"Authorization": "Bearer " + signed(LEADER)},
        "empty tma": {"Authorization": "tma "},
    }[auth]
    status, body, response_headers = await get(client, path, headers=headers or
                                               {"X-Nothing": "1"})
    assert (status, body) == (401, "")
    assert response_headers["Cache-Control"] == "no-store"


async def test_a_signed_stranger_gets_403_without_data(client) -> None:
    status, body, _ = await get(client, "/api/overview", signed(STRANGER))
    assert status == 403 and json.loads(body) == {"error": "forbidden"}


# ---------------------------------------------------------------------------- scope


async def test_a_leader_sees_every_unit(client) -> None:
    status, body, _ = await get(client, "/api/projects", signed(LEADER))
    assert status == 200
    data = json.loads(body)
    assert {p["code"] for p in data["projects"]} >= {"QB-001", "QB-002", "QB-003"}
    assert {u["name"] for u in data["units"]} >= {UNIT_A, UNIT_B}
    ranking = json.loads((await get(client, "/api/ranking", signed(LEADER)))[1])["ranking"]
    assert {r["unit"] for r in ranking} >= {UNIT_A, UNIT_B}


async def test_the_project_list_follows_each_update_in_each_language(client, world) -> None:
    db, _, units = world

    async def progress(lang: str) -> float | None:
        body = (await get(client, "/api/projects", signed(LEADER, lang=lang)))[1]
        return {p["code"]: p for p in json.loads(body)["projects"]}["QB-003"]["progress"]

    assert await progress("zh") == 30 and await progress("en") == 30
    store_updates(db, [NewUpdate(project_id=get_project(db, "QB-003")["id"], unit_id=units["B"],
                                 author_id=MEMBER_B, chat_id=MEMBER_B, message_id=2, part=0,
                                 created_at=now_iso(), raw_text="QB-003 进度64%", lang="zh",
                                 progress=64.0)])
    assert await progress("en") == 64 and await progress("zh") == 64
    member = json.loads((await get(client, "/api/projects", signed(MEMBER_B)))[1])["projects"]
    assert {p["code"]: p["progress"] for p in member}["QB-003"] == 64
    assert all(p["unit"] == UNIT_B for p in member)


@pytest.mark.parametrize("path", ["/api/overview", "/api/projects", "/api/problems",
                                  "/api/ranking", "/api/units/{a}", "/api/projects/QB-001"])
async def test_a_member_sees_their_own_unit_only(client, world, path: str) -> None:
    _, _, units = world
    status, body, _ = await get(client, path.format(a=units["A"]), signed(MEMBER_A))
    assert status == 200, body
    assert UNIT_A in body or "QB-001" in body
    assert UNIT_B not in body and "QB-003" not in body and "用地指标" not in body


@pytest.mark.parametrize("path", ["/api/projects/QB-003", "/api/units/{b}",
                                  f"/api/units/{UNIT_B}"])
async def test_another_unit_s_project_or_unit_is_403_naming_nothing(client, world,
                                                                    path: str) -> None:
    _, _, units = world
    status, body, headers = await get(client, path.format(b=units["B"]), signed(MEMBER_A))
    assert status == 403
    assert json.loads(body) == {"error": "forbidden"}
    assert headers["Cache-Control"] == "no-store"


async def test_an_unknown_project_is_404(client) -> None:
    status, body, _ = await get(client, "/api/projects/QB-999", signed(LEADER))
    assert status == 404 and json.loads(body) == {"error": "not found"}


@pytest.mark.parametrize("how", ["start_param", "chat"])
async def test_a_launch_from_a_unit_s_group_shows_that_unit_only(client, how: str) -> None:
    where = {"start_param": f"g{GROUP_A}"} if how == "start_param" else {
        "chat": json.dumps({"id": GROUP_A, "type": "supergroup", "title": "A"})}
    launch = signed(LEADER, **where)
    status, body, _ = await get(client, "/api/projects", launch)
    assert status == 200
    data = json.loads(body)
    assert {p["unit"] for p in data["projects"]} == {UNIT_A}
    assert data["me"]["scope"] == UNIT_A
    status, body, _ = await get(client, "/api/projects/QB-003", launch)
    assert status == 403 and UNIT_B not in body
    # a member of another unit, in unit A's group: nothing at all
    status, body, _ = await get(client, "/api/overview", signed(MEMBER_B, **where))
    assert status == 403 and json.loads(body) == {"error": "forbidden"}


async def test_a_forged_start_param_only_narrows(client) -> None:
    status, body, _ = await get(client, "/api/projects", signed(MEMBER_A, start_param="g-999"))
    assert status == 200 and "QB-003" not in body  # an unbound group: the member's own unit


async def test_the_answer_is_in_the_user_s_language_and_carries_reasons(client) -> None:
    data = json.loads((await get(client, "/api/overview", signed(LEADER, lang="en")))[1])
    assert data["me"]["lang"] == "en"
    assert set(data["lights"]) == {"lagging", "at_risk", "on_track", "done"}
    assert all(p["reasons"] for p in data["lagging"] if p["standing"] == "lagging")


async def test_user_text_is_passed_as_data_not_markup(client) -> None:
    """The API gives text as it was written (JSON-escaped); the page puts it in with
    textContent (the browser test checks it renders as text)."""
    data = json.loads((await get(client, "/api/projects/QB-003", signed(LEADER)))[1])
    assert data["updates"][0]["text"].endswith(HOSTILE)
    assert data["problems"][0]["text"].endswith(HOSTILE)
    assert data["history"][0]["progress"] == 30.0


# ---------------------------------------------------------------------------- headers


@pytest.mark.parametrize("path", ["/", "/screen", "/static/app.js", "/api/overview"])
async def test_every_answer_carries_a_strict_policy(client, path: str) -> None:
    status, body, headers = await get(client, path, signed(LEADER))
    assert status == 200
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp.replace("https://web.telegram.org", "")
    assert headers["X-Content-Type-Options"] == "nosniff"
    if path.startswith("/api/"):
        assert headers["Cache-Control"] == "no-store"
        assert headers["Content-Type"].startswith("application/json")


async def test_the_pages_have_no_inline_script() -> None:
    from web.app import STATIC

    page = (STATIC / "index.html").read_text()
    assert "<script>" not in page and " on" not in page.split("<body>")[1]
    assert "innerHTML" not in (STATIC / "app.js").read_text()


# ---------------------------------------------------------------------------- screen links


async def test_a_screen_link_shows_the_portfolio_until_revoked(client, world) -> None:
    from services.caller import Caller
    from services.dashboard import make_screen_link, revoke_screens

    db, _, _ = world
    leader = Caller(LEADER, "leader", None, None, "en")
    token, expires = make_screen_link(db, leader, datetime.now(UTC))
    assert expires - datetime.now(UTC) > timedelta(hours=11, minutes=59)
    assert token not in json.dumps(list(db["screen_links"].rows))  # only its hash is kept
    screen = {"Authorization": f"screen {token}"}
    for path in ("/api/overview", "/api/projects", "/api/ranking"):
        status, body, _ = await get(client, path, headers=screen)
        assert status == 200 and UNIT_B in body, path
    # read-only portfolio: not the people's updates and problems
    for path in ("/api/projects/QB-001", "/api/problems", "/api/units/1"):
        assert (await get(client, path, headers=screen))[0] == 403
    assert (await get(client, "/api/overview", headers={"Authorization": "screen x" + token}))[0] == 401
    revoke_screens(db, leader)
    assert (await get(client, "/api/overview", headers=screen))[:2] == (401, "")


async def test_an_expired_screen_link_is_401(client, world) -> None:
    from services.caller import Caller
    from services.dashboard import make_screen_link

    db, _, _ = world
    token, _ = make_screen_link(db, Caller(LEADER, "leader", None, None, "zh"),
                                datetime.now(UTC) - timedelta(hours=12, seconds=1))
    assert (await get(client, "/api/overview",
                      headers={"Authorization": f"screen {token}"}))[:2] == (401, "")


async def test_a_screen_link_dies_with_its_maker_s_role(client, world) -> None:
    from services.caller import Caller
    from services.dashboard import make_screen_link

    db, _, units = world
    token, _ = make_screen_link(db, Caller(LEADER, "leader", None, None, "zh"), datetime.now(UTC))
    grant_role(db, LEADER, "member", units["A"])
    assert (await get(client, "/api/overview",
                      headers={"Authorization": f"screen {token}"}))[0] == 401
