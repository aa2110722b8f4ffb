"""The dashboard's web application: a small JSON API and the static pages that read it.

Every API answer needs `Authorization: tma <initData>` (Telegram's signed Mini App data,
services.webauth) or `Authorization: screen <token>` (a /screen link, read-only portfolio);
without it, or with a forged, stale, revoked or expired one: 401 and nothing else. What the
caller may not see: 403, naming nothing. No telegram import here: the bot's token and the
use cases (services.dashboard) are all it needs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path

from aiohttp import web

from config import Config
from services.caller import Caller
from services.dashboard import Dashboard, Forbidden, NotFound, screen_caller, web_caller
from services.views import Views
from services.webauth import verify_init_data

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
DASHBOARD = web.AppKey("dashboard", Dashboard)
CONFIG = web.AppKey("config", Config)
# Telegram file id -> the file's bytes (the bot downloads it; None: no attachments shown).
FetchFile = Callable[[str], Awaitable[bytes]]
FETCH_FILE = web.AppKey("fetch_file", object)
# Attachments are shown only if they are pictures: a document is not served to a browser.
IMAGE_TYPES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
               (b"GIF8", "image/gif"))

# Scripts, styles, pictures and API calls from this origin only; no inline script; framed
# only by Telegram's web clients (the Mini App runs in their iframe).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
       "form-action 'none'; "
       "frame-ancestors 'self' https://web.telegram.org")
# What a screen link may read: the portfolio, not people's updates.
SCREEN_ENDPOINTS = frozenset({"overview", "projects", "ranking"})


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:  # 404 and the like: the same headers
        _secure(request, error)
        raise
    _secure(request, response)
    return response


def _secure(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                        status=status,
                        content_type="application/json")


def caller_of(request: web.Request, endpoint: str) -> Caller | web.Response:
    """The caller the request's Authorization header stands for, or the error answer."""
    config: Config = request.app[CONFIG]
    dashboard = request.app[DASHBOARD]
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    scheme, credential = scheme.lower(), credential.strip()
    if scheme == "tma" and credential and config.token:
        user = verify_init_data(config.token, credential)
        if user is not None:
            try:
                return web_caller(dashboard.db, config, user)
            except Forbidden:
                return _json({"error": "forbidden"}, 403)
    elif scheme == "screen" and credential:
        caller = screen_caller(dashboard.db, config, credential, datetime.now(config.timezone))
        if caller is not None:
            if endpoint not in SCREEN_ENDPOINTS:
                return _json({"error": "forbidden"}, 403)
            return caller
    return web.Response(status=401)


Answer = Callable[[Dashboard, Caller, web.Request], dict]


def endpoint(name: str, answer: Answer) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        caller = caller_of(request, name)
        if isinstance(caller, web.Response):
            return caller
        try:
            return _json(answer(request.app[DASHBOARD], caller, request))
        except Forbidden:
            return _json({"error": "forbidden"}, 403)
        except NotFound:
            return _json({"error": "not found"}, 404)

    return handle


async def update_file(request: web.Request) -> web.Response:
    """GET /api/updates/<id>/files/<n>: an update's picture, for whoever may see its project."""
    caller = caller_of(request, "file")
    if isinstance(caller, web.Response):
        return caller
    fetch: FetchFile | None = request.app[FETCH_FILE]
    try:
        file_id = request.app[DASHBOARD].update_file(caller, request.match_info["update"],
                                                     request.match_info["index"])
    except Forbidden:
        return _json({"error": "forbidden"}, 403)
    except NotFound:
        return _json({"error": "not found"}, 404)
    if fetch is None:
        return _json({"error": "not found"}, 404)
    try:
        data = await fetch(file_id)
    except Exception:  # Telegram failing or the file gone: the page shows no picture
        log.warning("an update's file could not be fetched", exc_info=True)
        return _json({"error": "unavailable"}, 502)
    kind = next((kind for magic, kind in IMAGE_TYPES if data.startswith(magic)), None)
    if kind is None:
        return _json({"error": "not a picture"}, 415)
    return web.Response(body=data, content_type=kind)


def _page(name: str) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    async def handle(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / name)

    return handle


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_app(views: Views, config: Config, fetch_file: FetchFile | None = None,
             posts: Mapping[str, Handler] | None = None) -> web.Application:
    """The dashboard's aiohttp application on the bot's view service and configuration;
    `fetch_file` downloads an update's attachment (the bot's, in the bot's process); `posts`:
    what else the same server answers, by path (the bot's webhook), ahead of the dashboard."""
    app = web.Application(middlewares=[security_headers])
    for path, handler in (posts or {}).items():
        app.router.add_post(path, handler)
    app[DASHBOARD] = Dashboard(views, config)
    app[CONFIG] = config
    app[FETCH_FILE] = fetch_file
    routes = {
        "/api/overview": ("overview", lambda d, c, r: d.overview(c)),
        "/api/projects": ("projects", lambda d, c, r: d.projects(c)),
        "/api/projects/{code}": ("project", lambda d, c, r: d.project(c, r.match_info["code"])),
        "/api/units/{unit}": ("unit", lambda d, c, r: d.unit(c, r.match_info["unit"])),
        "/api/problems": ("problems", lambda d, c, r: d.problems(c)),
        "/api/ranking": ("ranking", lambda d, c, r: d.ranking(c)),
    }
    for path, (name, answer) in routes.items():
        app.router.add_get(path, endpoint(name, answer))
    app.router.add_get("/api/updates/{update}/files/{index}", update_file)
    app.router.add_get("/", _page("index.html"))
    app.router.add_get("/screen", _page("index.html"))
    app.router.add_static("/static/", STATIC)
    return app


class WebServer:
    """The dashboard (and in webhook mode the webhook: `posts`) served on host:port, started
    and stopped with the bot."""

    def __init__(self, views: Views, config: Config, host: str, port: int,
                 fetch_file: FetchFile | None = None,
                 posts: Mapping[str, Handler] | None = None) -> None:
        self.app = make_app(views, config, fetch_file, posts)
        self.host, self.port = host, port
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        self.runner = web.AppRunner(self.app, access_log=None)  # URLs may carry a screen token
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # an ephemeral port: tell which
            self.port = self.runner.addresses[0][1]
        log.info("dashboard served on http://%s:%s/", self.host, self.port)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
