"""Instructions of each step of a status update the bot stores and confirms, counted by callgrind.

bench/intake.py counts the whole bot; this counts its own steps of one update, called directly
on bench/intake.py's database (the demo ledgers, 20 members, every update plausible): reading
the message (parsing it against the ledger: `read`, of which `parse` is the parser alone), the
plausibility check (`doubts`), storing it and wording the confirmation (`record`), and the
commit that notes the answer (`answer`). N updates of each step run between a zero and a dump
of callgrind's counters, after a warm-up of N updates; each step's instructions over N are
printed. Valgrind runs Python some 50 times slower: N = 100 takes about a minute.

    python bench/intake_steps.py [N]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/intake.py
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake import TOKEN, callgrind_control, progress, seed  # noqa: E402

from config import load_config  # noqa: E402
from parsing.status import parse_message  # noqa: E402
from services.caller import identify_user  # noqa: E402
from services.intake import (  # noqa: E402
    build_updates,
    clean_text,
    doubts_of,
    ledger_index,
    read_status,
    record_status,
    refs_for,
    reply_language,
    scope_unit,
)
from storage import open_db  # noqa: E402
from storage.people import get_person  # noqa: E402
from transport.outbox import mark_answered  # noqa: E402

STEPS = ("read", "parse", "doubts", "record", "answer")
CREATED_AT = "2026-12-02T10:00:00+00:00"


def run_steps(db, config, users: dict[int, str], n: int, counted: bool, first_id: int) -> None:
    """n updates, step by step; `counted`: each step's instructions dumped under its name."""
    def dump(step: str) -> None:
        if counted:
            callgrind_control("-d", step)  # a dump zeroes the counters too

    db.execute("delete from updates")  # each run stores the same figures on the same ledger
    ids = list(users)
    messages = []
    for i in range(n):
        user = ids[i % len(ids)]
        caller = identify_user(db, config, user, "Member", None, "zh",
                               person=get_person(db, user))
        text = clean_text(f"{users[user]} 进度{progress(i)}%，存在问题：无。下步：继续施工")
        messages.append((caller, text, reply_language(text, caller)))
    if counted:
        callgrind_control("-z")
    readings = [read_status(db, caller, text, lang) for caller, text, lang in messages]
    dump("read")
    index = ledger_index(db)
    for caller, text, _ in messages:
        parse_message(text, refs_for(db, index, caller), scope_unit(caller))
    dump("parse")
    updates = [build_updates(reading.reports, reading.projects, author_id=caller.user_id,
                             chat_id=caller.user_id, message_id=first_id + i,
                             created_at=CREATED_AT, text=text, lang=reading.lang, file_ids=[])
               for i, ((caller, text, _), reading)
               in enumerate(zip(messages, readings, strict=True))]
    dump("build")
    for reading, stored in zip(readings, updates, strict=True):
        doubts_of(db, reading, stored[0].chat_id, stored[0].message_id, CREATED_AT)
    dump("doubts")
    recorded = [record_status(db, config, stored, reading.projects, reading.lang)
                for reading, stored in zip(readings, updates, strict=True)]
    dump("record")
    for answered in recorded:
        mark_answered(db, answered.ids, 1)
    dump("answer")


def counted_child(n: int) -> None:
    """Under valgrind: a warm-up run, then a counted one."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        db = open_db(db_path)
        users = seed(db)
        config = load_config({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_DB": str(db_path),
                              "BOT_LOG_LEVEL": "WARNING"})
        run_steps(db, config, users, n, counted=False, first_id=1)
        run_steps(db, config, users, n, counted=True, first_id=n + 1)


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/callgrind.out",
                        sys.executable, __file__, str(n), "--counted"],
                       check=True, capture_output=True)
        counts = {}
        for dump in Path(tmp).glob("callgrind.out.*"):
            text = dump.read_text()
            step = re.search(r"^desc: Trigger: .*?dump (\S+)", text, re.MULTILINE).group(1)
            counts[step] = int(re.search(r"^summary: (\d+)", text, re.MULTILINE).group(1)) / n
    print(f"instructions per status update, step by step (callgrind; {n} updates a step, "
          "after a warm-up of as many):")
    print("| " + " | ".join(STEPS) + " |\n" + "|---" * len(STEPS) + "|")
    print("| " + " | ".join(f"{counts[step] / 1e6:.2f} M" for step in STEPS) + " |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="instructions of each step of a status update")
    parser.add_argument("n", nargs="?", type=int, default=100, help="updates a step (default 100)")
    parser.add_argument("--counted", action="store_true", help=argparse.SUPPRESS)  # under valgrind
    arguments = parser.parse_args()
    if arguments.counted:
        counted_child(arguments.n)
    else:
        main(arguments.n)
