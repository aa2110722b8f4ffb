"""The dashboard in a real browser: Debian's Chromium, headless, driven by selenium through
/usr/bin/chromedriver (nothing is downloaded at run time).

One browser session and one web server for the module. A leader and a member open the Mini
App with signed initData (as Telegram passes it: in the URL fragment); the leader taps from
the wall chart to a project; the meeting-room screen link opens the portfolio. Each page is
saved to docs/screenshots/. Without the browser these tests skip with a one-line notice, but
in CI (CI=true) they fail: a skipped browser test would hide a broken dashboard.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from config import load_config
from services.caller import Caller
from services.dashboard import make_screen_link
from services.views import Views
from services.webauth import sign_init_data
from storage import open_db
from storage.people import find_unit
from storage.problems import open_problem
from storage.projects import add_milestone, get_project
from storage.updates import NewUpdate, store_updates
from tests.conftest import ADMIN, LEADER, TOKEN

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
HOSTILE = "<img src=x onerror=alert(1)>"
PHONE, SCREEN = (412, 915), (1920, 1080)


def browser_missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            return path
    return None


missing = browser_missing()
if missing:
    notice = (f"browser tests need {missing}: apt-get install chromium chromium-driver && "
              "pip install selenium")
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser tests; {notice}", pytrace=False)
    pytest.skip(notice, allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.test_web_api import MEMBER_A, MEMBER_B, UNIT_A, UNIT_B, seed_people  # noqa: E402
from web.app import WebServer  # noqa: E402

# ---------------------------------------------------------------------------- the world


def seed(db) -> dict[str, int]:
    """The demo ledger; a leader, a member in units A and B; progress over time for QB-001,
    with nodes; a hostile project name, update and problem in unit B."""
    units = seed_people(db)
    qb1, qb3 = get_project(db, "QB-001")["id"], get_project(db, "QB-003")["id"]
    add_milestone(db, qb1, "2026-07-01", 20, "主体结构开工")
    add_milestone(db, qb1, "2026-12-31", 60, "主体结构封顶")
    db["projects"].update(qb3, {"name": "零部件项目 " + HOSTILE})
    now = datetime.now(UTC)
    updates = [(qb1, "A", MEMBER_A, 90 - 30 * i, 10.0 + 12 * i, 15000.0 * (i + 1),
                f"QB-001 进度{10 + 12 * i}%，累计完成投资{15000 * (i + 1)}万元") for i in range(3)]
    updates.append((qb3, "B", MEMBER_B, 5, 30.0, 21000.0, "QB-003 进度30% " + HOSTILE))
    for n, (project, unit, author, days_ago, progress, invested, text) in enumerate(updates):
        store_updates(db, [NewUpdate(
            project_id=project, unit_id=units[unit], author_id=author, chat_id=author,
            message_id=n + 1, part=0, created_at=(now - timedelta(days=days_ago)).isoformat(),
            raw_text=text, lang="zh", progress=progress, invested=invested,
            file_ids=["site-photo"] if n == 2 else [])])
    open_problem(db, qb1, "电力接入方案未批复", MEMBER_A, units["A"], None)
    open_problem(db, qb3, "用地指标未落实 " + HOSTILE, MEMBER_B, units["B"], None)
    return units


# A 1×1 picture, as Telegram would hand the bot a site photo.
PHOTO = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
                         "60e6kgAAAABJRU5ErkJggg==")


async def fetch_photo(file_id: str) -> bytes:
    assert file_id == "site-photo"
    return PHOTO


class Served:
    """The dashboard on a real port of 127.0.0.1, its event loop in a thread."""

    def __init__(self, db, config) -> None:
        self.server = WebServer(Views(db), config, "127.0.0.1", 0, fetch_photo)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return f"http://127.0.0.1:{self.server.port}"

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "bot.db"
    db = open_db(path)
    seed(db)
    config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_DB": str(path),
                          "BOT_ADMINS": str(ADMIN)})
    with Served(db, config) as base:
        yield base, db
    db.close()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--lang=zh-CN", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def open_app(driver, base: str, user_id: int, *, lang: str = "zh", size=PHONE,
             path: str = "/", **extra) -> None:
    """Open the Mini App as Telegram would: signed initData in the URL fragment."""
    init_data = sign_init_data(TOKEN, {"id": user_id, "first_name": f"U{user_id}",
                                       "language_code": lang}, **extra)
    driver.set_window_size(*size)
    driver.get("about:blank")  # a new page: only the fragment would differ otherwise
    driver.get(f"{base}{path}#tgWebAppData={quote(init_data, safe='')}")


def wait_page(driver, page: str, timeout: float = 20) -> None:
    WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-page") in (page,
                                                                                     "error"))
    assert driver.find_element(By.TAG_NAME, "body").get_attribute("data-page") == page, \
        driver.find_element(By.TAG_NAME, "main").text


def go(driver, fragment: str, page: str) -> None:
    driver.execute_script("location.hash = arguments[0]", fragment)
    wait_page(driver, page)


def shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    time.sleep(0.3)  # the charts' first frame
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def page_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def policy_errors(driver) -> list[str]:
    """What the browser blocked (a Content-Security-Policy violation) or a script failed on;
    an API answer refused on purpose (403) is not one."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"
            and "Failed to load resource" not in e["message"]]


# ---------------------------------------------------------------------------- the tests


def test_a_leader_sees_every_unit_and_taps_from_the_wall_chart_to_a_project(site, browser):
    base, _ = site
    open_app(browser, base, LEADER, size=SCREEN)
    wait_page(browser, "portfolio")
    text = page_text(browser)
    assert UNIT_A in text and UNIT_B in text and "单位排名" in text
    assert "66,000" in browser.find_element(By.ID, "invest-done").text  # 45,000 + 21,000
    shot(browser, "portfolio")

    go(browser, "#/wall", "wall")
    wall = browser.find_element(By.ID, "wall")
    assert int(wall.get_attribute("data-projects")) >= 4
    shot(browser, "wall-chart")
    # Click QB-001's bar where ECharts drew it.
    x, y = browser.execute_script("""
        const node = document.getElementById('wall');
        const chart = echarts.getInstanceByDom(node);
        const labels = chart.getOption().yAxis[0].data;
        const index = labels.findIndex((l) => l.includes('卫星互联网'));
        const value = chart.getOption().series[0].data[index].value;
        const [px, py] = chart.convertToPixel({seriesIndex: 0}, [Math.max(value, 1) / 2, index]);
        const box = node.getBoundingClientRect();
        return [px - box.width / 2, py - box.height / 2];
    """)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", wall)
    ActionChains(browser).move_to_element_with_offset(wall, int(x), int(y)).click().perform()
    wait_page(browser, "project")
    text = page_text(browser)
    assert "QB-001" in text and "主体结构封顶" in text and "电力接入方案未批复" in text
    assert browser.find_elements(By.CSS_SELECTOR, "#progress-chart canvas")
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".photos img"))
    shot(browser, "project")

    go(browser, "#/lagging", "lagging")
    assert "零部件项目 " + HOSTILE in page_text(browser)
    shot(browser, "lagging")
    go(browser, "#/problems", "problems")
    text = page_text(browser)
    assert "用地指标未落实 " + HOSTILE in text  # shown as text, not markup
    assert not browser.find_elements(By.CSS_SELECTOR, "main img")
    shot(browser, "problems")
    assert not policy_errors(browser)


def test_a_member_sees_their_own_unit_only(site, browser):
    base, db = site
    open_app(browser, base, MEMBER_A, lang="en")
    wait_page(browser, "portfolio")
    text = page_text(browser)
    assert "Portfolio" in text and UNIT_A in text
    assert UNIT_B not in text and "QB-003" not in text
    shot(browser, "member-portfolio-phone")
    go(browser, "#/wall", "wall")
    assert int(browser.find_element(By.ID, "wall").get_attribute("data-projects")) == 2
    go(browser, f"#/unit/{find_unit(db, UNIT_A)['id']}", "unit")
    assert UNIT_A in page_text(browser)
    shot(browser, "unit-phone")
    # another unit's project: refused, naming nothing
    go(browser, "#/project/QB-003", "error")
    assert browser.find_element(By.ID, "error").get_attribute("data-status") == "403"
    assert UNIT_B not in page_text(browser) and "QB-003" not in page_text(browser)
    assert not policy_errors(browser)


def test_a_stale_login_is_refused(site, browser):
    base, _ = site
    open_app(browser, base, LEADER, auth_date=int(time.time()) - 2 * 86400)
    wait_page(browser, "error")
    assert browser.find_element(By.ID, "error").get_attribute("data-status") == "401"
    assert UNIT_A not in page_text(browser)


def test_the_screen_link_shows_the_portfolio_on_a_wall(site, browser):
    base, db = site
    token, _ = make_screen_link(db, Caller(LEADER, "leader", None, None, "zh"),
                                datetime.now(UTC))
    browser.set_window_size(*SCREEN)
    browser.get("about:blank")
    browser.get(f"{base}/screen#k={token}")
    wait_page(browser, "screen")
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "wall").get_attribute("data-projects"))
    text = page_text(browser)
    assert UNIT_A in text and UNIT_B in text and "会议室大屏" in text
    assert token not in browser.current_url  # not left in the address bar
    shot(browser, "screen-1920x1080")
    assert not policy_errors(browser)
