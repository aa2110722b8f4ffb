"""What leaders see, at scale: round trips of /status, /lagging, /chart… and the bot's memory.

The real bot runs as a separate process (`python bot.py run`) polling the local Bot API server
(localapi, HTTP on 127.0.0.1) that this script runs; the database is a real file, built here:

* 2,000 and 20,000 projects in 100 units with 200,000 stored updates (and an open problem for
  every fourth project): the round trip of each command (from queuing the message to the
  bot's last answer recorded by the server) against the round trip of a bare echo command
  (/whoami) in the same run. "first" is the first call after the start (the bot builds its
  ledger index, the project states and the leaders' views before it handles any update:
  services.views.Views.warm); the median of --repeat more calls follows (pages are reused
  until a project changes; then only the changed projects are read and measured again: see
  services.views.StateCache and reports.portfolio); "◀ ▶ tap" turns /lagging's pages; "a member's
  update" follows, the first one since the start; "(after a new update)" writes an update
  from another connection before each call;
* the bot process's peak memory (VmHWM) after it has answered every command.

    python bench/scale.py [--projects 2000] [--big 20000] [--units 100] [--updates 200000]
                          [--repeat 5] [--skip-big]

"/chart" and "/export" are also timed "after a new update" (the files the bot keeps until
their data change are drawn and made anew: for /chart the update is a 0% figure of a project
near the end of its planned time, so that it changes what the chart shows), and while /export is made after a new update, ten
members send a status update each, 0.1 s apart: their confirmations' round trips. At the end
the leader sends a status update in English and one in Spanish (langdetect's profiles are
loaded for it), before the peak memory is read.

Each round trip comes with the CPU seconds the bot process spent meanwhile (all its threads,
and the child that makes an export).

Targets: every chat answer (the text commands, a member's update, a tap), the first after
the start too, within 10x the echo round trip at both sizes; /chart under 1 s, the first one
included; /export under 3 s at the largest size, and no member's confirmation while it is made
more than 50 ms slower than their median; peak memory under 200 MB (20,000 projects).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from localapi import BotAPIServer  # noqa: E402
from storage import open_db  # noqa: E402

TOKEN = "999000:BENCH-TOKEN-scale"
ADMIN, LEADER = 1, 2
MEMBER = 10_001  # of unit 1
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ---------------------------------------------------------------------------- the database


def build_db(path: Path, projects: int, units: int, updates: int, seed: int = 7) -> float:
    """A ledger of `projects` in `units`, `updates` updates spread over them; seconds taken."""
    started = time.perf_counter()
    rnd = random.Random(seed)
    db = open_db(path)
    now = datetime.now(UTC)

    def iso(moment: datetime) -> str:
        return moment.isoformat(timespec="seconds")

    with db.atomic():
        db["units"].insert_all(
            ({"id": u, "name": f"区第{u:03d}责任单位", "created_at": iso(now)}
             for u in range(1, units + 1)), batch_size=1000)
        rows = []
        for i in range(1, projects + 1):
            start = (now - timedelta(days=rnd.randint(30, 400))).date()
            rows.append({
                "id": i, "code": f"BP-{i:05d}", "name": f"重点项目{i}号智能制造产业园",
                "unit_id": (i - 1) % units + 1, "leader": "张区长",
                "stage": rnd.choice(["negotiating", "signed", "started", "started"]),
                "planned_start": start.isoformat(),
                "planned_end": (start + timedelta(days=rnd.randint(200, 900))).isoformat(),
                "total_investment": rnd.randint(5_000, 200_000),
                "annual_plan": rnd.randint(1_000, 50_000), "aliases": "[]", "active": 1,
                "created_at": iso(now - timedelta(days=420)), "updated_at": iso(now)})
        db["projects"].insert_all(rows, batch_size=1000)
        db["people"].insert_all(
            ({"user_id": 10_000 + u, "name": f"成员{u}", "role": "member", "unit_id": u,
              "created_at": iso(now)} for u in range(1, units + 1)), batch_size=1000)
        db["people"].insert({"user_id": LEADER, "name": "王市长", "role": "leader",
                             "created_at": iso(now)})

    per = max(1, updates // projects)

    def update_rows():
        message_id = 0
        for p in range(1, projects + 1):
            unit, progress = (p - 1) % units + 1, 0.0
            for k in range(per):
                message_id += 1
                progress = min(100.0, progress + rnd.random() * 1.5)
                at = now - timedelta(days=(per - k) * 2 + rnd.random() * 3)
                yield (p, unit, 10_000 + unit, 10_000 + unit, message_id, iso(at),
                       f"BP-{p:05d} 进度{progress:.0f}%，主体结构施工。存在问题：无。下步：继续",
                       "zh", round(progress, 1) if k % 3 else None,
                       progress * 50 if k % 5 == 0 else None,
                       json.dumps(["photo-file-id"] if k % 4 == 0 else []))

    with db.atomic():
        db.conn.executemany(
            "insert into updates (project_id, unit_id, author_id, chat_id, message_id, part, "
            "created_at, raw_text, lang, progress, invested, file_ids) "
            "values (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)", update_rows())
        # Opened in the last 12 days: within their 14-day limit, so the start-up's overdue
        # ladder (services.ladder) has nothing to send and no round runs during the timing.
        db["problems"].insert_all(
            ({"project_id": p, "text": f"第{p}号项目用地指标未落实", "status": "open",
              "created_at": iso(now - timedelta(days=rnd.randint(0, 12))),
              "acting_unit_id": (p - 1) % units + 1, "raised_unit_id": (p - 1) % units + 1}
             for p in range(1, projects + 1, 4)), batch_size=1000)
    db.close()
    return time.perf_counter() - started


# ---------------------------------------------------------------------------- the bot


class Bot:
    """`python bot.py run` against `server`, on the database at `db_path`."""

    def __init__(self, server: BotAPIServer, db_path: Path, log_path: Path) -> None:
        far_day = DAYS[(datetime.now().weekday() + 3) % 7]  # no reminder round during the run
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
        env.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.api_url,
                    "BOT_DB": str(db_path), "BOT_ADMINS": str(ADMIN), "BOT_LANGUAGE": "zh",
                    "BOT_LOG_LEVEL": os.environ.get("SCALE_LOG_LEVEL", "WARNING"), "BOT_REMINDER_SCHEDULE": f"{far_day} 09:00",
                    "BOT_DIGEST_SCHEDULE": f"{far_day} 10:00"})
        self.server = server
        self.log = log_path.open("wb")
        self.process = subprocess.Popen([sys.executable, str(ROOT / "bot.py"), "run"], env=env,
                                        cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)

    def peak_rss_mb(self) -> float:
        """The process's peak resident memory so far (Linux: VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()


class BotCPU:
    """The bot process's CPU seconds (all its threads, and its children once reaped: the
    export's), read from /proc; `last` is what the latest round trip cost."""

    pid: int | None = None
    last = 0.0

    @classmethod
    def read(cls) -> float:
        if cls.pid is None:
            return 0.0
        fields = Path(f"/proc/{cls.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def round_trip(server: BotAPIServer, text: str, answers: int = 1, timeout: float = 60) -> float:
    """Seconds from queuing `text` from the leader to the bot's `answers`-th message to them
    (and the bot's CPU seconds meanwhile in BotCPU.last)."""
    # Telegram allows about one message a second into a chat, and the bot keeps to that
    # (transport/pacing.py): asking faster than a person would measure the pacing, not the bot.
    time.sleep(PACE)
    since = len(server.sent)
    cpu = BotCPU.read()
    started = time.monotonic()
    server.queue_message(LEADER, text)
    records = server.wait_for_count(
        answers, lambda r: r["chat_id"] == LEADER and r["kind"] == "send", timeout, since=since)
    BotCPU.last = BotCPU.read() - cpu
    return records[answers - 1]["at"] - started


def tap(server: BotAPIServer, data: str, timeout: float = 60) -> float:
    """Seconds from the leader's tap on a button (callback data `data`) of the bot's last
    message with buttons to the bot's edit of that message."""
    time.sleep(PACE)
    since = len(server.sent)
    started = time.monotonic()
    server.queue_callback(LEADER, data)
    [record] = server.wait_for_count(
        1, lambda r: r["chat_id"] == LEADER and r["kind"] == "edit", timeout, since=since)
    return record["at"] - started


def member_update(server: BotAPIServer, text: str, *, pause: bool = True,
                  timeout: float = 60) -> float:
    """Seconds from a member's status update to the bot's confirmation."""
    if pause:
        time.sleep(PACE)
    since = len(server.sent)
    started = time.monotonic()
    server.queue_message(MEMBER, text)
    [record] = server.wait_for_count(
        1, lambda r: r["chat_id"] == MEMBER and r["kind"] == "send", timeout, since=since)
    return record["at"] - started


def first_run(server: BotAPIServer, text: str) -> tuple[float, float, int]:
    """The round trip of the first `text`, its CPU, and how many messages the bot answers it
    with."""
    since = len(server.sent)
    first = round_trip(server, text)
    cpu = BotCPU.last
    time.sleep(1.0)
    return first, cpu, sum(1 for r in server.sent[since:]
                           if r["chat_id"] == LEADER and r["kind"] == "send")


def timed(server: BotAPIServer, command: str, answers: int, repeat: int,
          before: Callable[[], None] = lambda: None) -> tuple[float, float]:
    """The medians of `repeat` round trips of `command` and of their CPU (`before` each)."""
    times, cpus = [], []
    for _ in range(repeat):
        before()
        times.append(round_trip(server, command, answers))
        cpus.append(BotCPU.last)
    return statistics.median(times), statistics.median(cpus)


def new_update(db_path: Path, rnd: random.Random, *, shown: bool = False) -> None:
    """A status update of some project, written by another connection (as by the bot): 60% for
    a random project; or, if `shown`, 0% for one of the projects furthest through their planned
    time, which is among the worst a chart shows, so the chart must be drawn anew (a chart is
    kept by what it shows, and most updates leave the leader's 40 projects unchanged)."""
    pick = "order by random() limit 1"
    if shown:
        new_update.shown = getattr(new_update, "shown", 0) + 1
        pick = ("order by (julianday('now') - julianday(planned_start)) / (julianday("
                f"planned_end) - julianday(planned_start)) desc limit 1 offset {new_update.shown}")
    progress = 0 if shown else 60
    conn = sqlite3.connect(db_path, timeout=30)
    with conn:
        project, unit = conn.execute(f"select id, unit_id from projects {pick}").fetchone()
        conn.execute(
            "insert into updates (project_id, unit_id, author_id, chat_id, message_id, part, "
            "created_at, raw_text, progress) values (?, ?, 1, 1, ?, 0, ?, ?, ?)",
            [project, unit, rnd.randint(10**9, 2 * 10**9),
             datetime.now(UTC).isoformat(timespec="seconds"), f"进度{progress}%", progress])
    conn.close()


AFTER_UPDATE = "/status (after a new update)"
LAGGING_AFTER_UPDATE = "/lagging (after a new update)"
TAP = "◀ ▶ tap on /lagging"
FIRST_UPDATE = "a member's update"
PACE = 2.0  # seconds between a leader's commands
REMADE = ("/chart", "/export")  # also timed after a new update: drawn, or made, anew
DURING_EXPORT = "members' updates during /export"
# The commands answered with text (the files of /chart and /export have their own targets).
CHAT_ANSWERS = ("/status", "/status BP-00001", "/status 区第001责任单位", "/lagging", "/problems")


def members_during_export(server: BotAPIServer, db_path: Path, units: int,
                          rnd: random.Random, members: int = 10, export: bool = True) -> dict:
    """A new update, then /export from the leader (unless not `export`) and, while the file is
    made, a status update from each of `members` members (one every 0.1 s): the export's round
    trip and the members' (queued to confirmed)."""
    new_update(db_path, rnd)
    time.sleep(PACE)
    since = len(server.sent)
    started = time.monotonic()
    if export:
        server.queue_message(LEADER, "/export")
    queued = {}
    for unit in range(1, members + 1):
        time.sleep(0.1)
        member = 10_000 + (unit - 1) % units + 1
        queued[member] = time.monotonic()
        server.queue_message(member, f"BP-{unit:05d} 进度{rnd.randint(50, 99)}%")
    chats = {LEADER, *queued} if export else set(queued)
    records = server.wait_for_count(
        len(chats), lambda r: r["chat_id"] in chats and r["kind"] == "send", 120, since=since)
    first: dict[int, float] = {}
    for record in records:
        first.setdefault(record["chat_id"], record["at"])
    done = first.get(LEADER, time.monotonic())
    confirmations = [first[m] - queued[m] for m in queued]
    return {"export": done - started, "median": statistics.median(confirmations),
            "max": max(confirmations), "during": sum(1 for m in queued if queued[m] < done)}


def measure(db_path: Path, commands: list[str], repeat: int, workdir: Path,
            units: int) -> dict:
    """Round trips of each command: the first (the bot loads every project's state) and the
    median of `repeat` more (it re-reads only projects changed since); the peak memory."""
    rnd = random.Random(1)
    with BotAPIServer(token=TOKEN) as server:
        bot = Bot(server, db_path, workdir / f"bot-{db_path.stem}.log")
        BotCPU.pid = bot.process.pid
        try:
            round_trip(server, "/whoami", timeout=120)  # started and polling
            results = {}
            for command in commands:
                first, first_cpu, answers = first_run(server, command)
                median, cpu = timed(server, command, answers, repeat)
                results[command] = {"first": first, "first_cpu": first_cpu, "median": median,
                                    "cpu": cpu, "answers": answers}
                if command == "/lagging":  # its pages, ▶ then ◀ (the last message's buttons)
                    times = [tap(server, f"pg:l::{1 + i % 2}") for i in range(repeat + 1)]
                    results[TAP] = {"first": times[0], "median": statistics.median(times[1:]),
                                    "answers": 1}
            # A member's first update since the start, then more (each a new message).
            times = [member_update(server, f"BP-00001 进度{50 + i}%") for i in range(repeat + 1)]
            results[FIRST_UPDATE] = {"first": times[0], "median": statistics.median(times[1:]),
                                     "answers": 1}
            for command, row in (("/status", AFTER_UPDATE), ("/lagging", LAGGING_AFTER_UPDATE),
                                 *((c, f"{c} (after a new update)") for c in REMADE)):
                shown = command == "/chart"
                median, cpu = timed(server, command, results[command]["answers"], repeat,
                                    lambda shown=shown: new_update(db_path, rnd, shown=shown))
                results[row] = {"first": None, "median": median, "cpu": cpu,
                                "answers": results[command]["answers"]}
            results["members alone"] = members_during_export(server, db_path, units, rnd,
                                                             export=False)
            results[DURING_EXPORT] = members_during_export(server, db_path, units, rnd)
            # Text in English and in another Latin-script language: langdetect's profiles.
            for text in ("BP-00001 at 47%, grid connection approval still pending",
                         "BP-00001 avance 48%, sin problemas con la red"):
                round_trip(server, text)
            results["peak_rss_mb"] = bot.peak_rss_mb()
        finally:
            bot.stop()
    return results


# ---------------------------------------------------------------------------- main


def size_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The two sizes of database the scale benchmarks build, and how often each call is made."""
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--big", type=int, default=20000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--updates", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-big", action="store_true")
    return parser


def main() -> int:
    parser = size_arguments(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    args = parser.parse_args()
    commands = ["/whoami", *CHAT_ANSWERS, "/chart", "/export"]
    runs = [args.projects] + ([] if args.skip_big else [args.big])
    table = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for projects in runs:
            db_path = workdir / f"scale-{projects}.db"
            built = build_db(db_path, projects, args.units, args.updates)
            print(f"built {projects} projects, {args.units} units, {args.updates} updates "
                  f"in {built:.1f}s ({db_path.stat().st_size / 2**20:.0f} MB)", flush=True)
            table[projects] = measure(db_path, commands, args.repeat, workdir, args.units)
    echo = {n: r["/whoami"]["median"] for n, r in table.items()}
    heads = " | ".join(f"{n:,} projects" for n in table)
    print(f"\nload average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"\n| command (leader) | {heads} |")
    print("|---|" + "---|" * len(table))
    for command in [*commands, TAP, FIRST_UPDATE, AFTER_UPDATE, LAGGING_AFTER_UPDATE,
                    *(f"{c} (after a new update)" for c in REMADE)]:
        cells = []
        for n, r in table.items():
            m = r[command]
            extra = f", {m['answers']} messages" if m["answers"] > 1 else ""
            first_cpu = f", CPU {m['first_cpu'] * 1000:.0f} ms" if "first_cpu" in m else ""
            first = (f"; first {m['first'] * 1000:.0f} ms{first_cpu}"
                     if m["first"] is not None else "")
            cpu = f", CPU {m['cpu'] * 1000:.0f} ms" if "cpu" in m else ""
            cells.append(f"{m['median'] * 1000:.0f} ms{cpu} "
                         f"({m['median'] / echo[n]:.1f}× echo{extra}){first}")
        print(f"| `{command}` | " + " | ".join(cells) + " |")
    print("| members' updates, no /export (10, one every 0.1 s) | " + " | ".join(
        f"median {r['members alone']['median'] * 1000:.0f} ms, "
        f"max {r['members alone']['max'] * 1000:.0f} ms" for r in table.values()) + " |")
    print(f"| {DURING_EXPORT} (10, one every 0.1 s) | " + " | ".join(
        f"median {r[DURING_EXPORT]['median'] * 1000:.0f} ms, max {r[DURING_EXPORT]['max'] * 1000:.0f}"
        f" ms ({r[DURING_EXPORT]['during']} while the file was made, in "
        f"{r[DURING_EXPORT]['export']:.2f} s)" for r in table.values()) + " |")
    print("| peak memory of the bot (VmHWM) | "
          + " | ".join(f"{r['peak_rss_mb']:.0f} MB" for r in table.values()) + " |")
    ok = {}
    for n, r in table.items():  # every chat answer, the first after the start too
        for command in (*CHAT_ANSWERS, TAP, FIRST_UPDATE, AFTER_UPDATE, LAGGING_AFTER_UPDATE):
            slowest = max(t for t in (r[command]["first"], r[command]["median"]) if t)
            ok[f"{n:,} projects: {command} within 10x echo"] = slowest <= 10 * echo[n]
        ok[f"/chart under 1 s, the first included ({n:,})"] = max(
            r["/chart"]["first"], r["/chart"]["median"],
            r["/chart (after a new update)"]["median"]) < 1.0
        during = r[DURING_EXPORT]
        ok[f"no member's confirmation during /export 50 ms slower than without ({n:,})"] = (
            during["max"] - r["members alone"]["median"] <= 0.05)
    big = table[args.projects if args.skip_big else args.big]
    ok["/export after a new update under 3 s (largest)"] = (
        big["/export (after a new update)"]["median"] < 3.0)
    if not args.skip_big:
        ok["peak memory under 200 MB"] = table[args.big]["peak_rss_mb"] < 200
    print()
    for target, passed in ok.items():
        print(f"{'PASS' if passed else 'FAIL'}  {target}")
    return 0 if all(ok.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
