"""End to end: the lights by a named rule (`/settings light_rule points|ratio`, the ratios), the
start-grace rule, and each lagging or at-risk project listed with its reason.

The ledger's dates are relative to today (planned 50 % today), updates go straight into the
`updates` table, and everything is read as the leader reads it in Telegram.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.ledger import import_bytes
from storage.people import grant_role
from storage.settings import get_settings
from tests.conftest import ADMIN
from tests.test_e2e_status import add_update

TZ = ZoneInfo("Asia/Shanghai")
LEADER = 2
UNIT = "科创城管委会"


def ledger_csv() -> bytes:
    """L-1/L-2/L-3 planned 50 % today; G-1 signed 100 days after its planned start, G-2 signed
    80 days after it (neither has a planned end, so only the start-grace rule can judge them)."""
    today = datetime.now(TZ).date()
    start, end = (today - timedelta(days=100)).isoformat(), (today + timedelta(days=100)).isoformat()
    late_start = (today - timedelta(days=80)).isoformat()
    rows = ["编号,项目名称,责任单位,阶段,计划开工,计划竣工",
            f"L-1,七成项目,{UNIT},开工,{start},{end}",
            f"L-2,八成项目,{UNIT},开工,{start},{end}",
            f"L-3,五成项目,{UNIT},开工,{start},{end}",
            f"G-1,签约百日项目,{UNIT},签约,{start},",
            f"G-2,签约八十日项目,{UNIT},签约,{late_start},"]
    return ("\n".join(rows) + "\n").encode()


def seed(db) -> None:
    assert import_bytes(db, ledger_csv(), "ledger.csv", None, "zh").startswith("✅")
    grant_role(db, LEADER, "leader", name="王市长")
    for code, progress in (("L-1", 35), ("L-2", 42), ("L-3", 28), ("G-1", None), ("G-2", None)):
        add_update(db, code, progress, days_ago=1, text=f"{code} 本周情况")


def sections(text: str, lang: str) -> tuple[str, str]:
    """(the lagging section, the at-risk section) of a /lagging answer."""
    lagging, at_risk = (("<b>🔴 滞后</b>", "<b>🟠 有风险</b>") if lang == "zh"
                        else ("<b>🔴 Lagging</b>", "<b>🟠 At risk</b>"))
    red = text.split(lagging, 1)[1].split(at_risk, 1)[0] if lagging in text else ""
    yellow = text.split(at_risk, 1)[1] if at_risk in text else ""
    return red, yellow


def entry(section: str, code: str) -> str:
    """One project's two lines in a list section ('' when it is not there)."""
    start = section.find(f"<code>{code}</code>")
    if start < 0:
        return ""
    end = section.find("<code>", start + 1)
    return section[start:end if end > 0 else None]


async def lagging(bot, lang: str = "zh") -> tuple[str, str]:
    [reply] = await bot.send(LEADER, "/lagging", language_code=lang)
    return sections(reply["text"], lang)


async def setting(bot, text: str) -> str:
    [reply] = await bot.send(ADMIN, f"/settings {text}", language_code="en")
    return reply["text"]


async def test_points_rule_is_the_default_and_the_start_grace_rule_applies(running_bot):
    seed(running_bot.db)
    red, yellow = await lagging(running_bot)
    assert "落后 15 点" in entry(red, "L-1")  # 50 planned, 35 actual: ≥ lag_points (10)
    assert "落后 22 点" in entry(red, "L-3")
    assert "落后 8 点" in entry(yellow, "L-2")  # ≥ half of lag_points
    # Signed 100 days after the planned start (> start_grace_days, 90): lagging, with why.
    assert "计划开工" in entry(red, "G-1") and "已过 100 天，仍未开工" in entry(red, "G-1")
    assert not entry(red, "G-2") and not entry(yellow, "G-2")  # 80 days: within the grace
    # The grace is a setting: at 60 days G-2 is lagging too, in every list.
    assert "Saved" in await setting(running_bot, "start_grace_days 60")
    red, _ = await lagging(running_bot, "en")
    assert "not started 80d after its planned start" in entry(red, "G-2")
    [unit] = await running_bot.send(LEADER, f"/status {UNIT}", language_code="en")
    assert "not started 80d after its planned start" in unit["text"]
    # /status <code> says why in full.
    [one] = await running_bot.send(LEADER, "/status G-1", language_code="en")
    assert one["text"].startswith("🔴") and "⚠️ Why: not started 100d after its planned start" \
        in one["text"]


async def test_ratio_rule_by_setting_with_its_reasons_and_thresholds(running_bot):
    seed(running_bot.db)
    assert "Saved" in await setting(running_bot, "light_rule ratio")
    red, yellow = await lagging(running_bot, "en")
    # 28 / 50 = 56 % < red_ratio (0.6): lagging; 35 / 50 = 70 % < yellow_ratio (0.8): at risk;
    # 42 / 50 = 84 %: on track, though 8 points behind (the points rule made it at risk).
    assert "at 56% of planned progress (22 points behind)" in entry(red, "L-3")
    assert "at 70% of planned progress (15 points behind)" in entry(yellow, "L-1")
    assert not entry(red, "L-2") and not entry(yellow, "L-2")
    assert "not started 100d" in entry(red, "G-1")  # the start-grace rule, whatever the rule
    # The ratios are settings (a share, or a percent).
    assert "Saved" in await setting(running_bot, "red_ratio 75%")
    red, yellow = await lagging(running_bot, "zh")
    assert "实际进度仅为计划的 70%（落后 15 个百分点）" in entry(red, "L-1")
    assert "Saved" in await setting(running_bot, "yellow_ratio 0.9")
    red, yellow = await lagging(running_bot, "en")
    assert "at 84% of planned progress" in entry(yellow, "L-2")
    [one] = await running_bot.send(LEADER, "/status L-2", language_code="en")
    assert one["text"].startswith("🟠") and "⚠️ Why: at 84% of planned progress" in one["text"]
    # Back to points: L-2 is at risk by its 8 points again.
    assert "Saved" in await setting(running_bot, "light_rule points")
    _, yellow = await lagging(running_bot, "en")
    assert "8 pts behind" in entry(yellow, "L-2")


async def test_bad_light_settings_are_refused_and_nothing_is_stored(running_bot):
    seed(running_bot.db)
    before = get_settings(running_bot.db)
    for bad, why in [("light_rule traffic", "the light rule must be <code>points</code>"),
                     ("red_ratio 0", "must be a share above 0 and at most 1"),
                     ("yellow_ratio 1.5", "must be a share above 0 and at most 1"),
                     ("yellow_ratio lots", "must be a share above 0 and at most 1"),
                     ("red_ratio 0.8", "red_ratio (0.8) must be below yellow_ratio (0.8)"),
                     ("yellow_ratio 0.5", "red_ratio (0.6) must be below yellow_ratio (0.5)"),
                     ("start_grace_days -1", "must be from 0 to 3650"),
                     ("forecast_late_days soon", "must be a whole number")]:
        answer = await setting(running_bot, bad)
        assert answer.startswith("⚠️ Not saved") and why in answer, (bad, answer)
    assert get_settings(running_bot.db) == before
    [zh] = await running_bot.send(ADMIN, "/settings red_ratio 0.9")
    assert "红灯比例 red_ratio（0.9）须小于黄灯比例 yellow_ratio（0.8）" in zh["text"]
    # The lights did not change.
    red, _ = await lagging(running_bot)
    assert "落后 15 点" in entry(red, "L-1")
    # /settings lists the new keys with their values.
    [shown] = await running_bot.send(ADMIN, "/settings", language_code="en")
    for line in ("light_rule</code> = <code>points", "red_ratio</code> = <code>0.6",
                 "yellow_ratio</code> = <code>0.8", "start_grace_days</code> = <code>90",
                 "forecast_late_days</code> = <code>30"):
        assert line in shown["text"], line


async def test_reminder_and_digest_give_each_project_its_reason(running_bot):
    """The rounds are planned from the same standings: a reminder names why a project is
    lagging, and so does the leader digest's list."""
    from schedules import content
    from services.settings import effective_config
    from storage.people import find_unit

    db = running_bot.db
    seed(db)
    grant_role(db, 300, "member", find_unit(db, UNIT)["id"], name="科创小李")
    config = effective_config(db, running_bot.application.bot_data["config"])
    now = datetime.now(TZ)
    [(chat, _, payload)] = content.reminder_plan(db, config, now).items
    assert chat == 300 and "已过 100 天，仍未开工" in payload["parts"][0]["text"]
    digest = content.digest_plan(content.digest_data(db, config, now, dry_run=True),
                                 render_chart=False)
    texts = [part.get("text", "") for _, _, p in digest.items for part in p["parts"]]
    assert any("已过 100 天，仍未开工" in text for text in texts)
