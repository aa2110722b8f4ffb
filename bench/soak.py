"""Soak: 50 people talk to the bot for minutes while a reminder round and a digest go out.

The real bot runs as a process (`python bot.py run`, database on disk) against the local Bot
API server (localapi) with Telegram's flood limits on; the bot sends through its
AIORateLimiter as deployed. The ledger is the demo one (console/demo: 11 projects in 9
units); 48 members of those units and 2 leaders, half writing Chinese and half English, each
behave like a person: send something, wait for the bot's answer, think 0.5–3 s (seeded),
send the next. Members mostly post status updates (codes, names, aliases, several projects
in one message, progress written many ways, problems, investment, next steps) and ask
/status; leaders ask /status, /status <unit|code>, /lagging, now and then /chart or post an
update. BOT_REMINDER_SCHEDULE and BOT_DIGEST_SCHEDULE are set to moments in the run (in
BOT_TIMEZONE), so the weekly reminder (to every member of a unit with lagging projects) and
the leader digest (summary, chart, escalations) are sent while people are talking.

    python bench/soak.py [--minutes 5 | --seconds 60] [--users 50] [--seed 1]
                         [--think 0.5 3] [--keep DIR]

Prints a table: exchanges, answers, confirmation and /status latency (from queuing the
message to the bot's answer as recorded by the server: median, 99th percentile), errors
(unanswered or late messages, error replies, unexpected answers, 4xx/5xx answers of the
server including 429, ERROR lines or tracebacks in the bot's log, round messages not
delivered), the rounds delivered, and the bot's memory (VmRSS after warm-up and at the end).
Exits 1 when a target is missed: no errors, both rounds delivered in full, RSS growth ≤ 20 %.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlite_utils import Database  # noqa: E402

from i18n import t  # noqa: E402
from i18n.reminders import TEXTS as ROUND_TEXTS  # noqa: E402
from localapi import FLOOD_METHODS, BotAPIServer  # noqa: E402
from storage import open_db, rounds  # noqa: E402
from storage.people import grant_role, list_units  # noqa: E402
from storage.projects import list_projects  # noqa: E402
from tests.conftest import LEADER, TOKEN, BotProcess, seed_ledger  # noqa: E402

TIMEZONE = "Asia/Shanghai"
EN_LEADER = LEADER + 1
FIRST_MEMBER = 1001
ANSWER_TIMEOUT = 30.0  # seconds a person waits before the message counts as unanswered
THINK = (0.5, 3.0)  # seconds a person thinks between getting an answer and writing again
WARM_UP_BUDGET = 30.0  # seconds from launch that start-up and warm-up are expected to take
REMINDER_AT, DIGEST_AT = 0.3, 0.55  # when the rounds go out, as a share of the soak
RSS_GROWTH_LIMIT = 20.0  # percent
SAMPLE_EVERY = 5.0  # seconds between memory samples


# ---------------------------------------------------------------------------- the people


@dataclass
class Person:
    user_id: int
    lang: str  # the language they write in (and their Telegram language_code)
    role: str  # member | leader
    unit: str | None  # a member's unit
    projects: list[dict]  # what they report on: their unit's projects; a leader's: all


def make_people(db: Database, count: int) -> list[Person]:
    """Two leaders (one Chinese-, one English-speaking) and members spread over all units;
    members write in their unit's ledger language, one in five of them in the other one."""
    projects = list(list_projects(db))
    units = list_units(db)
    by_unit = {u["id"]: [p for p in projects if p["unit_id"] == u["id"]] for u in units}
    people = [Person(LEADER, "zh", "leader", None, projects),
              Person(EN_LEADER, "en", "leader", None, projects)]
    grant_role(db, LEADER, "leader", name="王市长")
    grant_role(db, EN_LEADER, "leader", name="Mayor Chen")
    for i in range(count - len(people)):
        unit = units[i % len(units)]
        own = by_unit[unit["id"]]
        ledger_lang = "zh" if re.search(r"[\u4e00-\u9fff]", unit["name"]) else "en"
        other = "en" if ledger_lang == "zh" else "zh"
        user_id = FIRST_MEMBER + i
        grant_role(db, user_id, "member", unit["id"], name=f"unit head {i}")
        people.append(Person(user_id, other if i % 5 == 4 else ledger_lang, "member",
                             unit["name"], own))
    return people


# ---------------------------------------------------------------------------- what they write

PROBLEMS = {
    "zh": ["电力接入方案未批复", "用地指标未落实", "施工许可证办理中", "征拆还有3户未签约",
           "环评批复待下达", "资金到位不足", "雨季影响土方施工"],
    "en": ["power connection plan not approved", "land quota still pending",
           "construction permit in progress", "three households not yet relocated",
           "environmental approval awaited", "funding short this quarter"],
}
NEXT_STEPS = {
    "zh": ["完成主体结构封顶", "启动设备招标", "协调供电局现场踏勘", "推进桩基施工",
           "召开专题协调会"],
    "en": ["top out the main structure", "tender the equipment", "site survey with the grid "
           "company", "start piling", "hold a coordination meeting"],
}
WORK = {
    "zh": ["主体结构施工", "钢结构吊装", "土方开挖", "厂房装修", "设备安装调试"],
    "en": ["main structure works", "steel erection", "earthworks", "fit-out of the halls",
           "equipment commissioning"],
}
STAGES = {"zh": ["在建", "开工"], "en": ["under construction", "started"]}
NUMERALS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """0..99 as Chinese numerals (四十五), as in 百分之四十五."""
    tens, ones = divmod(n, 10)
    if not tens:
        return NUMERALS[ones]
    return ("" if tens == 1 else NUMERALS[tens]) + "十" + (NUMERALS[ones] if ones else "")


class Writer:
    """Status messages as unit heads write them, with progress that creeps on over the run."""

    def __init__(self, projects: list[dict], rnd: random.Random) -> None:
        self.progress = {p["code"]: rnd.randint(5, 60) for p in projects}

    def advance(self, code: str, rnd: random.Random) -> int:
        """Mostly the same figure again (several people report one project), now and then a
        point more: some 20 points over five minutes, so projects change standing but stay
        short of done."""
        if rnd.random() < 0.05:
            self.progress[code] = min(99, self.progress[code] + 1)
        return self.progress[code]

    @staticmethod
    def alias(project: dict, rnd: random.Random) -> str:
        """The project's name or one of its aliases (the ledger's 别名)."""
        return rnd.choice([project["name"], *json.loads(project["aliases"] or "[]")])

    def line(self, project: dict, lang: str, rnd: random.Random, *, named: bool = True) -> str:
        """One project's report; `named=False` leaves the project out (a unit's only one)."""
        code, pick = project["code"], rnd.choice
        if not project["active"]:  # completed: nothing left but to say so
            return f"{code} 已竣工，进度100%" if lang == "zh" else f"{code} completed, 100%"
        if not project["planned_start"]:  # still negotiating: no progress to report
            return (f"{code} 仍在谈，已提交投资意向书。下步：{pick(NEXT_STEPS['zh'])}"
                    if lang == "zh" else
                    f"{code} still negotiating, letter of intent received. Next: "
                    f"{pick(NEXT_STEPS['en'])}")
        p = self.advance(code, rnd)
        if lang == "zh":
            forms = [
                f"{code if named else ''} 进度{p}%，{pick(STAGES['zh'])}。"
                f"存在问题：{pick(PROBLEMS['zh'])}。下步：{pick(NEXT_STEPS['zh'])}",
                f"{self.alias(project, rnd) if named else '本周'}{pick(WORK['zh'])}，完成{p}%，"
                f"累计完成投资{rnd.randint(2, 90) * 100}万元",
                f"#{code.lower()} 进度{p}" if named else f"进度{p}%",
                f"{project['name'] if named else '项目'}目前完成百分之{chinese_number(p)}，"
                f"下一步：{pick(NEXT_STEPS['zh'])}",
            ]
        else:
            forms = [
                f"{code if named else ''} {p}% done, {pick(STAGES['en'])}. "
                f"Issue: {pick(PROBLEMS['en'])}. Next: {pick(NEXT_STEPS['en'])}",
                f"{self.alias(project, rnd) if named else 'This week'}: {pick(WORK['en'])}, "
                f"progress {p}%, invested {rnd.randint(2, 90)} million yuan so far",
                f"Update on {project['name']}: {pick(WORK['en'])}, now at {p}%"
                if named else f"{pick(WORK['en'])} going on, {p}% complete",
                f"{code} {p}%" if named else f"Progress {p}%, next: {pick(NEXT_STEPS['en'])}",
            ]
        return pick(forms).strip()

    def update(self, person: Person, rnd: random.Random) -> str:
        """A whole message: usually one project, sometimes two (one per line); a unit with a
        single active project often leaves it unnamed."""
        projects = person.projects
        active = [p for p in projects if p["active"]]
        if person.role == "member" and len(active) == 1 and rnd.random() < 0.3:
            return self.line(active[0], person.lang, rnd, named=False)
        if len(projects) > 1 and rnd.random() < 0.2:
            return "\n".join(self.line(p, person.lang, rnd) for p in rnd.sample(projects, 2))
        return self.line(rnd.choice(projects), person.lang, rnd)


def next_message(person: Person, writer: Writer, rnd: random.Random) -> tuple[str, str]:
    """(kind, text) of what `person` sends next; kind is update, status, lagging or chart."""
    roll = rnd.random()
    if person.role == "member":
        if roll < 0.72:
            return "update", writer.update(person, rnd)
        if roll < 0.90:
            return "status", "/status"
        if roll < 0.95:
            return "status", f"/status {rnd.choice(person.projects)['code']}"
        if roll < 0.99:
            return "lagging", "/lagging"
        return "chart", "/chart"
    if roll < 0.40:
        return "status", "/status"
    if roll < 0.55:
        return "status", f"/status {rnd.choice(person.projects)['unit_name']}"
    if roll < 0.70:
        return "status", f"/status {rnd.choice(person.projects)['code']}"
    if roll < 0.85:
        return "lagging", "/lagging"
    if roll < 0.90:
        return "chart", "/chart"
    return "update", writer.update(person, rnd)


# ---------------------------------------------------------------------------- the bot's answers


def plain_prefix(template: str) -> str:
    """The fixed beginning of an HTML template as it reads in Telegram (tags dropped)."""
    return re.sub(r"<[^>]+>", "", template).split("{", 1)[0]


# How the rounds' messages begin (nothing else the bot says begins so): the reminder's title;
# the digest's title, chart caption and escalations.
ROUND_PREFIXES = {
    kind: tuple(plain_prefix(ROUND_TEXTS[key][lang]) for key in keys for lang in ("zh", "en"))
    for kind, keys in (("reminder", ["rem_reminder_title"]),
                       ("digest", ["rem_digest_title", "rem_chart_caption", "rem_esc_title"]))}
ERROR_REPLIES = {t("error_generic", lang) for lang in ("zh", "en")}
RECORDED = tuple(t("in_recorded_head", lang) for lang in ("zh", "en"))


def readable(record: dict) -> str:
    return record.get("plain_text") or record.get("body") or ""


def round_kind(record: dict) -> str | None:
    """reminder or digest, when the message is part of a round."""
    text = readable(record)
    return next((kind for kind, prefixes in ROUND_PREFIXES.items()
                 if text.startswith(prefixes)), None)


@dataclass
class Exchange:
    """One message a person sent and what became of it."""

    user_id: int
    kind: str
    text: str
    phase: str  # warm-up | soak
    queued_at: float
    answered_at: float | None = None
    outcome: str = "ok"  # ok | unanswered | error reply | unexpected answer
    answer: str = ""

    @property
    def latency(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.queued_at


@dataclass
class Mailboxes:
    """What the bot sends, routed to the person it went to (the server records it in one of
    its threads; `on_sent` hands it over to the event loop)."""

    loop: asyncio.AbstractEventLoop
    user_ids: list[int]
    queues: dict[int, asyncio.Queue] = field(default_factory=dict)
    round_messages: list[dict] = field(default_factory=list)
    late_answers: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.queues = {uid: asyncio.Queue() for uid in self.user_ids}

    def on_sent(self, record: dict) -> None:  # a server thread
        if record["kind"] == "send":
            self.loop.call_soon_threadsafe(self._route, record)

    def _route(self, record: dict) -> None:
        if round_kind(record):
            self.round_messages.append(record)
        elif record["chat_id"] in self.queues:
            self.queues[record["chat_id"]].put_nowait(record)

    def take_late(self, user_id: int) -> None:
        """Answers that came after their sender gave up waiting: set aside, counted."""
        queue = self.queues[user_id]
        while not queue.empty():
            self.late_answers.append(queue.get_nowait())


class Conversation:
    """People sending messages through the server and waiting for the bot's answers."""

    def __init__(self, server: BotAPIServer, mailboxes: Mailboxes,
                 think: tuple[float, float] = THINK) -> None:
        self.server, self.mailboxes, self.think = server, mailboxes, think
        self.exchanges: list[Exchange] = []

    async def send(self, person: Person, kind: str, text: str, phase: str) -> Exchange:
        self.mailboxes.take_late(person.user_id)
        queued_at = time.monotonic()
        self.server.queue_message(person.user_id, text, language_code=person.lang)
        exchange = Exchange(person.user_id, kind, text, phase, queued_at)
        self.exchanges.append(exchange)
        try:
            answer = await asyncio.wait_for(self.mailboxes.queues[person.user_id].get(),
                                            ANSWER_TIMEOUT)
        except TimeoutError:
            exchange.outcome = "unanswered"
            return exchange
        exchange.answered_at, exchange.answer = answer["at"], readable(answer)
        if exchange.answer in ERROR_REPLIES:
            exchange.outcome = "error reply"
        elif kind == "update" and not exchange.answer.startswith(RECORDED):
            # the next answer in the chat: a private confirmation follows, not quotes, its message
            exchange.outcome = "unexpected answer"  # refused, or asked which project
        return exchange

    async def until_ready(self, person: Person, timeout: float = 120) -> None:
        """Wait until the bot, starting up, answers at all."""
        self.server.queue_message(person.user_id, "/whoami", language_code=person.lang)
        await asyncio.wait_for(self.mailboxes.queues[person.user_id].get(), timeout)

    async def person(self, person: Person, writer: Writer, rnd: random.Random,
                     until: float) -> None:
        await asyncio.sleep(rnd.uniform(0, self.think[1]))  # people do not all start at once
        while time.monotonic() < until:
            kind, text = next_message(person, writer, rnd)
            await self.send(person, kind, text, "soak")
            await asyncio.sleep(rnd.uniform(*self.think))

    async def warm_up(self, people: list[Person], writer: Writer, rnd: random.Random) -> None:
        """Everyone's first update and /status, and every command once, before memory is read:
        the RSS at start then includes what any run loads once (matplotlib, the state cache)."""

        async def first_words(person: Person, delay: float) -> None:
            await asyncio.sleep(delay)  # people come in over a few seconds, not all at once
            await self.send(person, "update", writer.update(person, rnd), "warm-up")
            await asyncio.sleep(rnd.uniform(*self.think))
            await self.send(person, "status", "/status", "warm-up")

        await asyncio.gather(*(first_words(p, rnd.uniform(0, self.think[1])) for p in people))
        for person in (people[0], people[1], people[-1]):  # the leaders, and a member
            for kind, text in (("lagging", "/lagging"), ("chart", "/chart"),
                               ("status", f"/status {person.projects[0]['code']}")):
                await self.send(person, kind, text, "warm-up")
                await asyncio.sleep(rnd.uniform(*self.think))
        # Latin text that is not mostly common English words goes to langdetect, which loads
        # its 55 language profiles (about 60 MB) the first time: once, not growth.
        await self.send(people[1], "update", f"{people[1].projects[0]['code']} letter of intent "
                        "received, coordination meeting held", "warm-up")


# ---------------------------------------------------------------------------- measuring


def proc_status_mb(pid: int, key: str) -> float:
    """A memory figure of a process from /proc/<pid>/status (VmRSS, VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} for process {pid}")


async def sample_memory(pid: int, samples: list[tuple[float, float]]) -> None:
    while True:
        samples.append((time.monotonic(), proc_status_mb(pid, "VmRSS")))
        await asyncio.sleep(SAMPLE_EVERY)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p99 of 100 values is the 99th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def moment_in(seconds: float, tz: ZoneInfo) -> str:
    """A daily schedule for `seconds` from now in `tz`, e.g. `daily 14:03:30`."""
    at = datetime.now(tz) + timedelta(seconds=seconds)
    return f"daily {at:%H:%M:%S}"


def log_problems(log_text: str) -> list[str]:
    return [line for line in log_text.splitlines()
            if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")]


def rounds_report(db_path: Path) -> list[dict]:
    """Every round in the database with its delivery counts and messages sent."""
    db = Database(db_path)
    try:
        found = []
        for row in db.query("select id from rounds order by id"):
            summary = rounds.round_summary(db, row["id"])
            summary["messages"] = db.execute(
                "select coalesce(sum(max(parts_sent, 1)), 0) from deliveries "
                "where round_id = ? and state = 'sent'", [row["id"]]).fetchone()[0]
            found.append(summary)
        return found
    finally:
        db.close()


def rejections(requests: list[dict]) -> list[dict]:
    """The server's answers other than 200 (getUpdates aside), each with what preceded it:
    messages the server accepted in the second before, overall and to the same chat (which of
    Telegram's limits a 429 was about: 30 a second overall, 1 a second per private chat)."""
    accepted = [r for r in requests if r["status"] == 200 and r["method"] in FLOOD_METHODS]
    found = []
    for r in requests:
        if r["status"] in (200, None) or r["method"] == "getUpdates":
            continue
        chat = r["params"].get("chat_id")
        before = [a for a in accepted if r["at"] - 1.0 <= a["at"] < r["at"]]
        found.append({"method": r["method"], "status": r["status"], "chat_id": chat,
                      "at": r["at"], "description": r.get("description"),
                      "overall_1s": len(before),
                      "chat_3s": sum(a["params"].get("chat_id") == chat for a in accepted
                                     if r["at"] - 3.0 <= a["at"] < r["at"])})
    return found


async def wait_rounds_done(db_path: Path, kinds: set[str], timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        report = rounds_report(db_path)
        done = {r["kind"] for r in report if r["status"] == "done"}
        if kinds <= done or time.monotonic() > deadline:
            return report
        await asyncio.sleep(0.5)


# ---------------------------------------------------------------------------- the run


@dataclass
class Result:
    duration: float
    exchanges: list[Exchange]
    rounds: list[dict]
    round_messages: list[dict]
    late_answers: list[dict]
    rejected: list[dict]
    flood_429: int
    log_problems: list[str]
    rss_start: float
    rss_end: float
    rss_peak: float
    rss_samples: list[tuple[float, float]]
    bot_exit: int | None
    soak_started: float
    loads: tuple[tuple[float, float, float], tuple[float, float, float]]


async def soak(workdir: Path, users: int, seconds: float, seed: int,
               think: tuple[float, float] = THINK) -> Result:
    rnd = random.Random(seed)
    db = open_db(workdir / "bot.db")
    for ledger in ("ledger_zh.csv", "ledger_en.csv"):
        seed_ledger(db, ledger)
    people = make_people(db, users)
    writer = Writer(list(list_projects(db)), rnd)
    db.close()
    tz = ZoneInfo(TIMEZONE)
    server = BotAPIServer(token=TOKEN, flood_limits=True).start()
    mailboxes = Mailboxes(asyncio.get_running_loop(), [p.user_id for p in people])
    server.add_listener(mailboxes.on_sent)
    talk = Conversation(server, mailboxes, think)
    loads_before = os.getloadavg()
    bot = BotProcess(workdir, server, BOT_TIMEZONE=TIMEZONE, BOT_LOG_LEVEL="INFO",
                     BOT_REMINDER_SCHEDULE=moment_in(WARM_UP_BUDGET + REMINDER_AT * seconds, tz),
                     BOT_DIGEST_SCHEDULE=moment_in(WARM_UP_BUDGET + DIGEST_AT * seconds, tz))
    bot.start()
    sampler = None
    try:
        try:
            await talk.until_ready(people[0])
        except TimeoutError:
            raise SystemExit("error: the bot did not answer within 120 s; the end of its log:\n"
                             + "\n".join(bot.output().splitlines()[-20:])) from None
        await talk.warm_up(people, writer, rnd)
        await asyncio.sleep(2.0)  # let the last answers' work settle
        rss_start = proc_status_mb(bot.process.pid, "VmRSS")
        samples: list[tuple[float, float]] = []
        sampler = asyncio.create_task(sample_memory(bot.process.pid, samples))
        soak_started = time.monotonic()
        until = soak_started + seconds
        print(f"warm-up done; soaking for {seconds:.0f} s with {len(people)} people "
              f"(RSS {rss_start:.1f} MB)", flush=True)
        await asyncio.gather(*(talk.person(p, writer, random.Random(seed * 10_007 + p.user_id),
                                           until) for p in people))
        round_rows = await wait_rounds_done(workdir / "bot.db", {"reminder", "digest"}, 120)
        await asyncio.sleep(2.0)
        for person in people:
            mailboxes.take_late(person.user_id)
        rss_end = proc_status_mb(bot.process.pid, "VmRSS")
        rss_peak = proc_status_mb(bot.process.pid, "VmHWM")
        bot_exit = bot.process.poll()
    finally:
        if sampler is not None:
            sampler.cancel()
        bot.stop()
        server.stop()
    return Result(
        duration=seconds, exchanges=talk.exchanges, rounds=round_rows,
        round_messages=mailboxes.round_messages, late_answers=mailboxes.late_answers,
        rejected=rejections(server.requests), flood_429=server.flood_429_count,
        log_problems=log_problems(bot.output()), rss_start=rss_start, rss_end=rss_end,
        rss_peak=rss_peak, rss_samples=samples, bot_exit=bot_exit, soak_started=soak_started,
        loads=(loads_before, os.getloadavg()))


# ---------------------------------------------------------------------------- the report


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def latency_cell(exchanges: list[Exchange]) -> str:
    times = [e.latency for e in exchanges if e.latency is not None]
    if not times:
        return "—"
    return (f"median {ms(statistics.median(times))}, p99 {ms(percentile(times, 0.99))} "
            f"(n = {len(times)})")


def report(result: Result) -> bool:
    soak_exchanges = [e for e in result.exchanges if e.phase == "soak"]
    by_kind: dict[str, list[Exchange]] = {}
    for e in soak_exchanges:
        by_kind.setdefault(e.kind, []).append(e)
    failed = [e for e in result.exchanges if e.outcome != "ok"]
    outcomes = Counter(e.outcome for e in failed)
    rounds_by_kind = {r["kind"]: r for r in result.rounds}
    round_ok = {kind: (r := rounds_by_kind.get(kind)) is not None and r["status"] == "done"
                and r["sent"] == r["total"] > 0 for kind in ("reminder", "digest")}
    delivered_messages = sum(r["messages"] for r in result.rounds)
    # From a second before a round's first message to its last, for each round.
    windows = [(min(seen) - 1.0, max(seen)) for kind in ROUND_PREFIXES
               if (seen := [m["at"] for m in result.round_messages if round_kind(m) == kind])]
    during_round = [e for e in by_kind.get("update", [])
                    if any(start <= e.queued_at <= end for start, end in windows)]
    growth = 100 * (result.rss_end / result.rss_start - 1)
    errors = {
        "unanswered (no answer within 30 s)": outcomes["unanswered"],
        "late answers": len(result.late_answers),
        "error replies (⚠️)": outcomes["error reply"],
        "unexpected answers to updates": outcomes["unexpected answer"],
        f"4xx/5xx answers of the server ({result.flood_429} of them 429)": len(result.rejected),
        "ERROR lines / tracebacks in the bot's log": len(result.log_problems),
        "round messages seen ≠ recorded as sent": abs(len(result.round_messages)
                                                      - delivered_messages),
        "bot process exited during the run": int(result.bot_exit is not None),
    }

    def rnd_cell(kind: str) -> str:
        r = rounds_by_kind.get(kind)
        if r is None:
            return "not sent (no round opened)"
        seen = [m["at"] for m in result.round_messages if round_kind(m) == kind]
        when = (f", at +{min(seen) - result.soak_started:.0f}…"
                f"+{max(seen) - result.soak_started:.0f} s" if seen else "")
        return (f"{r['status']}: {r['sent']}/{r['total']} recipients, {r['messages']} messages"
                f"{when}; {r['failed']} failed, {r['blocked']} blocked")

    def count(kind: str) -> int:
        return len(by_kind.get(kind, []))

    people = len({e.user_id for e in soak_exchanges})
    rows = [
        ("duration of the soak", f"{result.duration:.0f} s, {people} people"),
        ("messages sent (soak)",
         f"{len(soak_exchanges)} ({len(soak_exchanges) / result.duration:.1f} a second): "
         f"{count('update')} updates, {count('status')} /status, {count('lagging')} /lagging, "
         f"{count('chart')} /chart"),
        ("answers received (soak)", f"{sum(e.answered_at is not None for e in soak_exchanges)}"),
        ("confirmation latency", latency_cell(by_kind.get("update", []))),
        ("… while the rounds were sent", latency_cell(during_round)),
        ("/status latency", latency_cell(by_kind.get("status", []))),
        ("/lagging latency", latency_cell(by_kind.get("lagging", []))),
        ("/chart latency", latency_cell(by_kind.get("chart", []))),
        ("errors", f"{sum(errors.values())}" + "".join(
            f"; {name}: {n}" for name, n in errors.items() if n)),
        ("reminder round", rnd_cell("reminder")),
        ("digest round", rnd_cell("digest")),
        ("bot RSS after warm-up", f"{result.rss_start:.1f} MB"),
        ("bot RSS at the end", f"{result.rss_end:.1f} MB (peak {result.rss_peak:.1f} MB)"),
        ("RSS growth", f"{growth:+.1f} %"),
        ("load average (1/5/15 min) before / after",
         " / ".join(" ".join(f"{x:.2f}" for x in load) for load in result.loads)),
    ]
    print("\n| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    quarters = [result.rss_samples[min(len(result.rss_samples) - 1,
                                       q * (len(result.rss_samples) - 1) // 4)]
                for q in range(5)] if result.rss_samples else []
    print("\nRSS over the soak: " + ", ".join(
        f"+{at - result.soak_started:.0f} s {mb:.1f} MB" for at, mb in quarters))
    for r in result.rejected[:20]:
        print(f"  {r['status']} to {r['method']} (chat {r['chat_id']}) at "
              f"{r['at'] - result.soak_started:+.1f} s: {r['description']}; accepted in the "
              f"second before: {r['overall_1s']} overall; in the 3 s before: {r['chat_3s']} "
              f"to that chat")
    for e in failed[:10]:
        print(f"  {e.outcome}: {e.kind} from {e.user_id}: {e.text!r} -> {e.answer[:120]!r}")
    for line in result.log_problems[:10]:
        print(f"  log: {line[:200]}")
    targets = {
        "no errors": sum(errors.values()) == 0,
        "reminder round delivered in full": round_ok["reminder"],
        "digest delivered in full": round_ok["digest"],
        f"RSS growth ≤ {RSS_GROWTH_LIMIT:.0f} %": growth <= RSS_GROWTH_LIMIT,
    }
    print()
    for target, passed in targets.items():
        print(f"{'PASS' if passed else 'FAIL'}  {target}")
    return all(targets.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, help="length of the soak (default 5)")
    length.add_argument("--seconds", type=float, help="length of the soak in seconds")
    parser.add_argument("--users", type=int, default=50, help="people, 2 of them leaders")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--think", type=float, nargs=2, default=THINK, metavar=("MIN", "MAX"),
                        help="seconds a person thinks between answer and next message "
                             "(default 0.5 3)")
    parser.add_argument("--keep", type=Path, help="keep the database and the bot's log here")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else 60 * (args.minutes or 5)

    def run(workdir: Path) -> Result:
        return asyncio.run(soak(workdir, args.users, seconds, args.seed, tuple(args.think)))

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = run(args.keep)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = run(Path(tmp))
    return 0 if report(result) else 1


if __name__ == "__main__":
    sys.exit(main())
