"""`python bot.py console --demo` serves the dashboard on 127.0.0.1 and prints a link that
logs the console's current user in (again after /as)."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from urllib.parse import parse_qs, urlsplit

from bot import build_application
from config import load_config
from console import run_console


def overview_as(link: str) -> dict:
    """What the page behind `link` reads first: /api/overview with the link's initData."""
    parts = urlsplit(link)
    init_data = parse_qs(parts.fragment)["tgWebAppData"][0]
    request = urllib.request.Request(f"{parts.scheme}://{parts.netloc}/api/overview",
                                     headers={"Authorization": f"tma {init_data}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_console_prints_a_working_login_link_for_the_current_user(tmp_path) -> None:
    out, seen = io.StringIO(), {}

    def typed():
        seen["leader"] = overview_as(re.findall(r"Dashboard \(as user 2\): (\S+)",
                                                out.getvalue())[-1])
        yield "/as 101\n"
        seen["member"] = overview_as(re.findall(r"Dashboard \(as user 101\): (\S+)",
                                                out.getvalue())[-1])
        yield "/quit\n"

    config = load_config({"BOT_DB": str(tmp_path / "unused.db"), "BOT_LANGUAGE": "en"})
    assert run_console(config, build_application, demo=True, stdin=typed(), out=out) == 0
    assert seen["leader"]["me"]["role"] == "leader" and seen["leader"]["me"]["scope"] is None
    assert seen["member"]["me"]["role"] == "member" and seen["member"]["me"]["scope"]
    assert seen["member"]["projects"] < seen["leader"]["projects"]
