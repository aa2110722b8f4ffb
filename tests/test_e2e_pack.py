"""End to end: /pack sends the schedule table and the bulletin, read back; the same counts as
/status; members, and anyone in a unit's bound group, are refused; a group bound to no unit
gets the pack."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import datetime

import pytest
from docx import Document
from openpyxl import load_workbook

from schedules.delivery import deliver_round
from storage import rounds
from storage.people import bind_group, find_unit
from storage.settings import get_settings
from tests.test_e2e_status import ADMIN, KCC, LEADER, MEMBER, is_one_line_refusal, seed, today

BOUND, UNBOUND = -100111, -100222


async def test_pack_sends_both_files_with_the_status_counts(running_bot):
    seed(running_bot.db)
    table, bulletin = await running_bot.send(LEADER, "/pack", replies=2, timeout=30)
    day = today().isoformat()
    assert table["method"] == bulletin["method"] == "sendDocument"
    assert table["file_name"] == f"调度表-{day}.xlsx"
    assert bulletin["file_name"] == f"通报-{day}.docx"
    assert "调度表与通报" in table["caption"]

    wb = load_workbook(io.BytesIO(table["file_bytes"]))
    assert wb.sheetnames == ["总表", "滞后预警", "问题清单", "单位排名", "本周动态"]
    overview = wb["总表"]
    assert overview["A1"].value == f"重点项目调度表（截至{today().year}年{today().month}月{today().day}日）"
    summary = {overview.cell(r, 1).value: overview.cell(r, 2).value for r in range(4, 10)}

    [status] = await running_bot.send(LEADER, "/status")
    for label in ("滞后", "有风险", "正常", "已完成"):
        shown = re.search(rf"{label} (\d+)", status["text"])
        assert int(shown[1]) == summary[label], label
    total = int(re.search(r"共 (\d+) 个", status["text"])[1])
    assert summary["合计"] == total

    # The bulletin names exactly the projects the table marks lagging.
    header = next(r for r in range(1, 20) if overview.cell(r, 1).value == "编号")
    lights = {row[0]: row[7] for row in overview.iter_rows(min_row=header + 1, values_only=True)}
    assert Counter(lights.values())["滞后"] == summary["滞后"]
    text = "\n".join(p.text for p in Document(io.BytesIO(bulletin["file_bytes"])).paragraphs)
    named = {code for code in lights if f"{code} " in text}
    assert named, "the seeded portfolio has lagging projects"
    assert named == {code for code, light in lights.items() if light == "滞后"}
    assert "一、总体情况" in text and "二、本周变化" in text and "四、单位排名" in text
    # The week's updates, each once, in the This week sheet.
    week = [r[2] for r in wb["本周动态"].iter_rows(min_row=2, values_only=True)]
    assert sorted(week) == ["QB-001", "QB-002", "QB-003", "QB-005"]


async def test_pack_in_english_and_refused_for_members(running_bot):
    seed(running_bot.db)
    table, bulletin = await running_bot.send(LEADER, "/pack", replies=2, timeout=30,
                                             language_code="en")
    assert table["file_name"].startswith(("schedule-", "调度表-"))
    [refused] = await running_bot.send(MEMBER, "/pack")
    assert is_one_line_refusal(refused["text"])


async def test_pack_refused_in_a_units_group_sent_in_an_unbound_one(running_bot):
    seed(running_bot.db)
    bind_group(running_bot.db, BOUND, find_unit(running_bot.db, KCC)["id"], "科创城群", ADMIN)
    for user in (LEADER, ADMIN):
        [refused] = await running_bot.send(user, "/pack", chat_id=BOUND, chat_type="group")
        assert is_one_line_refusal(refused["text"])
        assert refused["method"] == "sendMessage"
    table, bulletin = await running_bot.send(LEADER, "/pack", chat_id=UNBOUND,
                                             chat_type="group", replies=2, timeout=30)
    assert table["method"] == bulletin["method"] == "sendDocument"


# ---------------------------------------------------------------------------- the digest

class Killed(BaseException):
    """Stands for the process dying."""


def documents(api, chat_id: int) -> list[str]:
    return [r["file_name"] for r in api.messages_to(chat_id) if r["method"] == "sendDocument"]


async def test_the_digest_attaches_the_pack_once_per_round_even_across_a_kill(running_bot):
    db, api = running_bot.db, running_bot.api
    seed(db)
    runner = running_bot.application.bot_data["rounds_runner"]
    config = runner.config()
    # A round of its own (a past period: the scheduler leaves it to this test).
    round_id, _ = rounds.open_round(db, "digest", "2024-06-10T10:00:00+08:00")
    plan = await runner.plan("digest", config, datetime.now(config.timezone))
    rounds.plan_deliveries(db, round_id, plan.items, files=plan.files)
    send = runner.sender(round_id)

    async def dies_at_the_bulletin(chat_id: int, part: dict) -> int:
        if part.get("filename", "").startswith("通报") and chat_id == LEADER:
            raise Killed  # the process dies before the bulletin leaves
        return await send(chat_id, part)

    with pytest.raises(Killed):
        await deliver_round(db, round_id, dies_at_the_bulletin)
    rounds.recover_in_flight(db)
    summary = await deliver_round(db, round_id, runner.sender(round_id))
    assert summary["status"] == "done" and summary["failed"] == 0
    day = today().isoformat()
    for chat in (LEADER, ADMIN):
        assert documents(api, chat) == [f"调度表-{day}.xlsx", f"通报-{day}.docx"], chat
    table = next(r for r in api.messages_to(LEADER) if (r.get("file_name") or "").endswith(".xlsx"))
    assert "调度会材料" in table["caption"]
    assert load_workbook(io.BytesIO(table["file_bytes"])).sheetnames[0] == "总表"

    # The round is done: delivering it again (a restart, the scheduler) sends nothing more.
    await deliver_round(db, round_id, runner.sender(round_id))
    await runner.run_due(kinds=("digest",))
    await running_bot.idle()
    assert len(documents(api, LEADER)) == 2 and len(documents(api, ADMIN)) == 2


async def test_settings_digest_pack_off_and_a_bad_value(running_bot):
    db = running_bot.db
    seed(db)
    runner = running_bot.application.bot_data["rounds_runner"]
    now = datetime.now(runner.config().timezone)
    [refused] = await running_bot.send(ADMIN, "/settings digest_pack maybe", language_code="en")
    assert refused["plain_text"].startswith("⚠️") and "expected on or off" in refused["plain_text"]
    assert "digest_pack" not in get_settings(db)
    [saved] = await running_bot.send(ADMIN, "/settings digest_pack 关")
    assert "digest_pack" in saved["plain_text"] and get_settings(db)["digest_pack"] == "off"
    plan = await runner.plan("digest", runner.config(), now, dry_run=True)
    assert plan.items and not any("document" in part for _, _, payload in plan.items
                                  for part in payload["parts"])
    [shown] = await running_bot.send(ADMIN, "/settings", language_code="en")
    assert "digest_pack = off (set here)" in shown["plain_text"]
    await running_bot.send(ADMIN, "/settings digest_pack on")
    plan = await runner.plan("digest", runner.config(), now, dry_run=True)
    assert all(sum("document" in part for part in payload["parts"]) == 2
               for _, _, payload in plan.items)
