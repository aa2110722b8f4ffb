"""The dashboard's API at scale: each endpoint's answer time over real HTTP on 127.0.0.1.

The database is bench/scale.py's: 2,000 projects in 100 units with 200,000 stored updates and
an open problem for every fourth project. The web application (web.app) runs in a thread on
its own event loop, as in the bot, on a view service warmed up as the bot's is at start-up
(services.views.Views.warm); each endpoint is asked once ("first") and then --repeat times (the median, and the slowest), as a leader (every unit) and as
a member (one unit). Beside the round trip (the client shares the process and the machine),
the CPU time the server's thread spent on each answer (time.thread_time, from the request to
its response, JSON included) is printed: the figure a loaded machine disturbs least.

    python bench/dashboard.py [--projects 2000] [--units 100] [--updates 200000] [--repeat 20]

Target: every answer within 100 ms on the 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale import LEADER, build_db  # noqa: E402
from config import load_config  # noqa: E402
from services.views import Views  # noqa: E402
from services.webauth import sign_init_data  # noqa: E402
from storage import open_db  # noqa: E402
from web.app import WebServer  # noqa: E402

TOKEN = "999000:BENCH-TOKEN-dashboard"
MEMBER = 10_001  # bench/scale.py's member of unit 1
ENDPOINTS = ("/api/overview", "/api/projects", "/api/ranking", "/api/problems",
             "/api/units/1", "/api/projects/BP-00001")


SERVER_CPU: list[float] = []  # ms of the server thread's CPU, one per answer


@web.middleware
async def cpu_timer(request: web.Request, handler) -> web.StreamResponse:
    started = time.thread_time()
    try:
        return await handler(request)
    finally:
        SERVER_CPU.append((time.thread_time() - started) * 1000)


def serve(db, config) -> tuple[WebServer, asyncio.AbstractEventLoop]:
    views = Views(db)
    views.warm(config, config.language)  # as the bot does before it answers anything
    server = WebServer(views, config, "127.0.0.1", 0)
    server.app.middlewares.append(cpu_timer)
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
    return server, loop


def timed_get(url: str, authorization: str) -> tuple[float, int, int]:
    request = urllib.request.Request(url, headers={"Authorization": authorization})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return (time.perf_counter() - started) * 1000, response.status, len(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--updates", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as workdir:
        db_path = Path(workdir) / "bench.db"
        built = build_db(db_path, args.projects, args.units, args.updates)
        print(f"database: {args.projects} projects, {args.units} units, {args.updates} updates "
              f"({built:.1f} s to build)")
        db = open_db(db_path)
        config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_DB": str(db_path),
                              "BOT_LOG_LEVEL": "WARNING"})
        server, loop = serve(db, config)
        base = f"http://127.0.0.1:{server.port}"
        worst = worst_cpu = 0.0
        for who, user_id in (("leader", LEADER), ("member", MEMBER)):
            auth = "tma " + sign_init_data(TOKEN, {"id": user_id, "first_name": who})
            for path in ENDPOINTS:
                first, status, size = timed_get(base + path, auth)
                SERVER_CPU.clear()
                times = [timed_get(base + path, auth)[0] for _ in range(args.repeat)]
                worst = max(worst, max(times))
                worst_cpu = max(worst_cpu, max(SERVER_CPU))
                print(f"{who:7} {path:24} {status} {size / 1024:7.1f} KB  first {first:7.1f} ms"
                      f"  median {statistics.median(times):6.1f} ms  max {max(times):6.1f} ms"
                      f"  server CPU median {statistics.median(SERVER_CPU):5.1f} ms"
                      f" max {max(SERVER_CPU):5.1f} ms")
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        db.close()
    print(f"slowest repeated answer: {worst:.1f} ms (target 100 ms); most server CPU for one "
          f"answer: {worst_cpu:.1f} ms; load average {os.getloadavg()[0]:.1f}")
    return 0 if worst <= 100 else 1


if __name__ == "__main__":
    sys.exit(main())
