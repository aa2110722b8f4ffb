"""End to end over HTTP: /status, /lagging, ◀ ▶ paging, for a leader, a member and an outsider.

The ledger is built with dates relative to today (so the standings below do not age), and
updates are inserted straight into the `updates` table.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.ledger import import_bytes
from services.floods import Allowance
from storage.people import find_unit, grant_role
from storage.projects import get_project
from storage.ranks import iso_week, previous_week
from tests.conftest import ADMIN

TZ = ZoneInfo("Asia/Shanghai")
LEADER, MEMBER, OTHER_MEMBER, OUTSIDER = 2, 300, 301, 777
KCC, TZZX, GXJ, ZJJ = "科创城管委会", "区投资促进服务中心", "区工业和信息化局", "区住房和城乡建设局"


def today():
    return datetime.now(TZ).date()


def plan_dates() -> tuple[str, str]:
    """Started 100 days ago, due in 100 days: 50 % planned today."""
    return (today() - timedelta(days=100)).isoformat(), (today() + timedelta(days=100)).isoformat()


def ledger_csv() -> bytes:
    """Six projects in four units: QB-001 on track, QB-002 lagging (20 points behind),
    QB-003 at risk (6 behind), QB-004 no plan dates and never updated, QB-005 done,
    QB-006 lagging (no update for 20 days)."""
    start, end = plan_dates()
    lines = [
        "编号,项目名称,责任单位,分管领导,阶段,计划开工,计划竣工,总投资（万元）,年度计划投资（万元）,别名",
        f"QB-001,科创城卫星互联网产业园一期,{KCC},张区长,开工,{start},{end},185000,60000,卫星产业园",
        f"QB-002,信创产业基地标准厂房,{KCC},张区长,签约,{start},{end},42000,15000,信创基地",
        f"QB-003,新能源汽车零部件智能制造项目,{TZZX},李副区长,开工,{start},{end},96000,50000,",
        f"QB-004,储能电池材料项目,{GXJ},李副区长,在谈,,,120000,0,储能项目",
        f"QB-005,城东污水处理厂扩建,{ZJJ},王副区长,开工,{start},{end},23000,12000,污水厂扩建",
        f"QB-006,科创城人才公寓,{ZJJ},王副区长,开工,{start},{end},36000,10000,人才公寓",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


_message_ids = iter(range(10_000, 10**9))


def add_update(db, code: str, progress: float | None, days_ago: float = 1, text: str | None = None,
               author: int = MEMBER, files: int = 0, invested: float | None = None) -> int:
    """Store one status update of project `code`, `days_ago` days back."""
    project = get_project(db, code)
    at = datetime.now(TZ) - timedelta(days=days_ago)
    return db["updates"].insert({
        "project_id": project["id"], "unit_id": project["unit_id"], "author_id": author,
        "chat_id": author, "message_id": next(_message_ids), "part": 0,
        "created_at": at.isoformat(timespec="seconds"),
        "raw_text": text or f"{code} 进度{progress}%", "lang": "zh", "progress": progress,
        "invested": invested, "file_ids": json.dumps([f"file-{i}" for i in range(files)]),
    }).last_pk


def seed(db) -> None:
    """The ledger, people (leader, two members, admin) and a few weeks of updates."""
    reply = import_bytes(db, ledger_csv(), "ledger.csv", None, "zh")
    assert reply.startswith("✅"), reply
    grant_role(db, LEADER, "leader", name="王市长")
    grant_role(db, MEMBER, "member", find_unit(db, KCC)["id"], name="科创小李")
    grant_role(db, OTHER_MEMBER, "member", find_unit(db, TZZX)["id"], name="投促小陈")
    add_update(db, "QB-001", 40, days_ago=9, invested=50000)
    add_update(db, "QB-001", 50, days_ago=2, text="QB-001 进度50%，主体结构封顶", files=2,
               invested=70000)
    add_update(db, "QB-002", 30, days_ago=3)
    add_update(db, "QB-003", 44, days_ago=1, author=OTHER_MEMBER)
    add_update(db, "QB-005", 100, days_ago=4, author=ADMIN)
    add_update(db, "QB-006", 50, days_ago=20, author=ADMIN)


def is_one_line_refusal(text: str) -> bool:
    return text.startswith("⛔") and "\n" not in text


async def test_leader_status_summary_and_weekly_rank_change(running_bot):
    db = running_bot.db
    seed(db)
    # Last week's snapshot: the housing bureau was first, 科创城 fourth.
    ids = {name: find_unit(db, name)["id"] for name in (KCC, TZZX, GXJ, ZJJ)}
    last = previous_week(today())
    db["rank_snapshots"].insert_all([
        {"week": last, "unit_id": ids[ZJJ], "rank": 1, "score": 90},
        {"week": last, "unit_id": ids[GXJ], "rank": 2, "score": 80},
        {"week": last, "unit_id": ids[TZZX], "rank": 3, "score": 70},
    ])
    [reply] = await running_bot.send(LEADER, "/status")
    text = reply["text"]
    assert len(text) <= 4096 and reply["reply_markup"] is None
    assert "重点项目总览" in text and "共 6 个" in text
    assert "🔴 滞后 2 · 🟠 有风险 1 · 🟢 正常 2 · ✅ 已完成 1" in text
    assert "完成投资" in text and "年度计划" in text
    # The worst projects with their unit, lagging first.
    worst = text[text.index("最需关注"):text.index("单位排名")]
    assert worst.index("QB-002") < worst.index("QB-003")
    assert "QB-006" in worst and KCC in worst and "QB-001" not in worst
    # The ranking: 科创城 (new) first; 区工业和信息化局, whose only project was never updated,
    # scores 0 and comes last, down two.
    ranking = text[text.index("单位排名"):]
    assert re.search(rf"1\. {KCC}\s+[\d.]+分 新", ranking), ranking
    assert re.search(r"4\. 区工业和信息化局\s+0分 ↓2", ranking), ranking
    # This week's snapshot is stored by the first /status, and kept by the next one.
    week = iso_week(today())
    stored = {r["unit_id"]: r["rank"] for r in db["rank_snapshots"].rows_where("week = ?", [week])}
    assert stored[ids[GXJ]] == 4 and stored[ids[KCC]] == 1 and len(stored) == 4
    db["rank_snapshots"].update((week, ids[GXJ]), {"rank": 3})
    [again] = await running_bot.send(LEADER, "/status")
    assert {r["unit_id"]: r["rank"] for r in db["rank_snapshots"].rows_where(
        "week = ?", [week])}[ids[GXJ]] == 3


async def test_member_status_is_their_unit_only(running_bot):
    seed(running_bot.db)
    [reply] = await running_bot.send(MEMBER, "/status")
    text = reply["text"]
    assert text.startswith(f"<b>🏢 {KCC}</b>（2 个项目）")
    assert "QB-001" in text and "QB-002" in text
    assert "排名" in text  # their unit's rank among the units
    for other in ("QB-003", "QB-004", "QB-005", "QB-006", TZZX, ZJJ):
        assert other not in text


async def test_outsider_is_refused_everything(running_bot):
    # Nine refusals in a row: more than a stranger's three a minute (tests/test_e2e_floods.py).
    running_bot.application.bot_data["strangers"] = Allowance(count=10**6)
    seed(running_bot.db)
    for command in ("/status", "/status QB-001", "/lagging", "/problems", "/chart", "/export",
                    "/problem QB-001 x", "/assign 1 x", "/resolve 1"):
        [reply] = await running_bot.send(OUTSIDER, command)
        assert is_one_line_refusal(reply["text"]), (command, reply["text"])
        assert "QB-00" not in reply["text"]


async def test_status_of_one_project(running_bot):
    db = running_bot.db
    seed(db)
    for i in range(6):  # seven updates of QB-001 in all: only the last five are shown
        add_update(db, "QB-001", None, days_ago=30 + i, text=f"旧进展{i}")
    db["problems"].insert({"project_id": get_project(db, "QB-001")["id"], "status": "open",
                           "text": "电力接入方案未批复", "opened_by": MEMBER, "created_at":
                           (datetime.now(TZ) - timedelta(days=5)).isoformat(timespec="seconds")})
    [reply] = await running_bot.send(LEADER, "/status qb-001")
    text = reply["text"]
    assert text.startswith("🟢 <b>QB-001 科创城卫星互联网产业园一期</b>")
    assert "进度：实际 50%，计划 50%" in text
    assert "主体结构封顶 📎2" in text and "科创小李" in text
    assert text.count("• ") == 5 and "旧进展0" in text and "旧进展4" not in text
    assert "未解决问题（1）" in text and "电力接入方案未批复（5天" in text
    assert "📈 预计完成：报送记录不足" in text  # 40 % and 50 % only a week apart
    # A member of the unit sees it too; a member of another unit gets one line and no data.
    [mine] = await running_bot.send(MEMBER, "/status #QB-001")
    assert "科创城卫星互联网产业园一期" in mine["text"]
    [refused] = await running_bot.send(OTHER_MEMBER, "/status QB-001")
    assert is_one_line_refusal(refused["text"]) and "卫星" not in refused["text"]


async def test_status_of_one_unit(running_bot):
    seed(running_bot.db)
    [reply] = await running_bot.send(LEADER, f"/status {ZJJ}")
    assert reply["text"].startswith(f"<b>🏢 {ZJJ}</b>（2 个项目）")
    assert reply["text"].index("QB-006") < reply["text"].index("QB-005")  # worst first
    [refused] = await running_bot.send(MEMBER, f"/status {ZJJ}")
    assert is_one_line_refusal(refused["text"]) and "QB-00" not in refused["text"]


async def test_status_unknown_target(running_bot):
    seed(running_bot.db)
    [reply] = await running_bot.send(LEADER, "/status QB-999 <b>")
    assert reply["text"] == ("⛔ 没有编号或名称为“QB-999 &lt;b&gt;”的项目或单位。"
                             "发送 /status 查看全部。")
    [english] = await running_bot.send(LEADER, "/status Nowhere", language_code="en")
    assert english["text"].startswith("⛔ There is no project or unit “Nowhere”")


async def test_lagging_leader_and_member(running_bot):
    seed(running_bot.db)
    [reply] = await running_bot.send(LEADER, "/lagging")
    text = reply["text"]
    assert "🔴 2 · 🟠 1" in text
    assert text.index("QB-002") < text.index("QB-006") < text.index("QB-003")
    assert "QB-001" not in text and "QB-005" not in text
    [mine] = await running_bot.send(MEMBER, "/lagging")
    assert "QB-002" in mine["text"]
    assert "QB-006" not in mine["text"] and "QB-003" not in mine["text"]
    [refused] = await running_bot.send(MEMBER, f"/lagging {ZJJ}")
    assert is_one_line_refusal(refused["text"])


def many_projects(db, n: int = 160) -> None:
    """`n` lagging projects in two units, with long names: several pages of /lagging."""
    start, end = plan_dates()
    lines = ["code,name,unit,planned_start,planned_end"]
    for i in range(n):
        unit = KCC if i % 2 else TZZX
        lines.append(f"LG-{i:03d},长名称的重点项目第{i}号 & <工程>,{unit},{start},{end}")
    reply = import_bytes(db, ("\n".join(lines) + "\n").encode(), "more.csv", None, "zh")
    assert reply.startswith("✅"), reply


async def test_paging_buttons_edit_the_message_and_check_permission_again(running_bot):
    db, api = running_bot.db, running_bot.api
    seed(db)
    many_projects(db)
    [first] = await running_bot.send(LEADER, "/lagging")
    assert len(first["text"]) <= 4096
    assert "&amp; &lt;工程&gt;" in first["text"]  # user text escaped
    buttons = first["reply_markup"]["inline_keyboard"][0]
    pages = int(re.search(r"（1/(\d+)）", first["text"]).group(1))
    assert pages >= 3 and buttons[0]["text"] == f"1/{pages}"
    data = buttons[-1]["callback_data"]
    assert data == "pg:l::1" and len(data.encode()) <= 64
    mark = len(api.sent)
    running_bot.api.queue_callback(LEADER, data, message_id=first["message_id"])
    edit = await api.wait_for_async(lambda r: r["kind"] == "edit", since=mark)
    assert edit["message_id"] == first["message_id"] and f"（2/{pages}）" in edit["text"]
    assert len(edit["text"]) <= 4096
    labels = [b["text"] for b in edit["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["◀ 上一页", f"2/{pages}", "下一页 ▶"]
    # ◀ goes back; the last page has no ▶.
    mark = len(api.sent)
    api.queue_callback(LEADER, f"pg:l::{pages - 1}", message_id=first["message_id"])
    last = await api.wait_for_async(lambda r: r["kind"] == "edit", since=mark)
    assert f"（{pages}/{pages}）" in last["text"]
    assert [b["text"] for b in last["reply_markup"]["inline_keyboard"][0]][-1] == f"{pages}/{pages}"

    # Forged taps: a member asking for everything, or another unit; an outsider; garbage.
    await running_bot.idle()
    kcc, zjj = find_unit(db, KCC)["id"], find_unit(db, ZJJ)["id"]
    for user, forged in ((MEMBER, "pg:l::1"), (MEMBER, f"pg:u:{zjj}:0"), (MEMBER, "pg:s::0"),
                         (OUTSIDER, f"pg:l:{kcc}:0"), (MEMBER, "pg:zz:1:0"), (MEMBER, "pg:l:x:0")):
        answers = len(api.callback_answers)
        edits = len(api.edits_to(LEADER)) + len(api.edits_to(user))
        api.queue_callback(user, forged, chat_id=LEADER, message_id=first["message_id"])
        await running_bot.idle()
        answer = api.callback_answers[answers]
        assert answer["show_alert"] and answer["text"].startswith(("⛔", "这个按钮")), answer
        assert "QB-" not in answer["text"] and "LG-" not in answer["text"]
        assert len(api.edits_to(LEADER)) + len(api.edits_to(user)) == edits
    # A member paging their own unit's list is fine.
    [mine] = await running_bot.send(MEMBER, "/lagging")
    data = mine["reply_markup"]["inline_keyboard"][0][-1]["callback_data"]
    assert data == f"pg:l:{kcc}:1"
    mark = len(api.sent)
    api.queue_callback(MEMBER, data, message_id=mine["message_id"])
    edit = await api.wait_for_async(lambda r: r["kind"] == "edit", since=mark)
    assert "LG-" in edit["text"] and TZZX not in edit["text"]
