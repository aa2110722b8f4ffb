"""`python bot.py console`: chat with the real bot in this terminal, no Telegram needed.

The real Application runs against the in-process Bot API stand-in (`localapi`) on 127.0.0.1;
each line typed is a message from the current user, and the bot's answers are printed.
Pictures and files the bot sends are saved under ./console-files and their paths printed.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

from config import Config

CONSOLE_TOKEN = "100000:CONSOLE-LOCAL-TOKEN"
DEMO_DIR = Path(__file__).parent / "demo"
DEMO_ADMIN, DEMO_LEADER, FIRST_MEMBER = 1, 2, 101

HELP = """Type a message and press Enter: it is sent as the current user.
  /as ID           type as another user (the demo has admin 1, leader 2, members 101...)
  /file PATH [caption]   send a file (e.g. a ledger with caption /import)
  /tap N           press button N of the last message with buttons
  /edit TEXT       edit your last message to TEXT
  /group ID        speak in group chat ID (negative), /private to go back
  /quit            leave
"""


def seed_demo(db) -> list[tuple[int, str, str | None]]:
    """The demo database: the sample ledgers, an admin, a leader and a member per unit."""
    from handlers.ledger import import_bytes
    from storage.people import grant_role, list_units

    for ledger in sorted(DEMO_DIR.glob("ledger_*.csv")):
        import_bytes(db, ledger.read_bytes(), ledger.name, None, "en")
    people = [(DEMO_ADMIN, "admin", None), (DEMO_LEADER, "leader", None)]
    grant_role(db, DEMO_ADMIN, "admin", name="Demo Admin")
    grant_role(db, DEMO_LEADER, "leader", name="Demo Leader")
    for offset, unit in enumerate(list_units(db)):
        user_id = FIRST_MEMBER + offset
        grant_role(db, user_id, "member", unit["id"], name=f"Member of {unit['name']}")
        people.append((user_id, "member", unit["name"]))
    return people


def plain(text: str) -> str:
    """HTML as a terminal shows it."""
    return html.unescape(re.sub(r"<[^>]+>", "", text or ""))


class BotThread(threading.Thread):
    """The real Application, polling the stand-in, on its own event loop."""

    def __init__(self, application) -> None:
        super().__init__(daemon=True, name="bot")
        self.application = application
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None

    def run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        async with self.application:
            await self.application.post_init(self.application)  # run_polling would call it
            await self.application.updater.start_polling(poll_interval=0.0, timeout=1)
            await self.application.start()
            self.ready.set()
            await self._stop_event.wait()
            await self.application.updater.stop()
            await self.application.stop()

    def stop(self) -> None:
        if self.loop and self._stop_event:
            self.loop.call_soon_threadsafe(self._stop_event.set)
        self.join(timeout=10)


class Console:
    def __init__(self, server, user_id: int, out=sys.stdout, files_dir: Path | None = None) -> None:
        self.server = server
        self.user_id = user_id
        self.chat_id: int | None = None  # None: the private chat with the user
        self.out = out
        self.files_dir = files_dir or Path("console-files")
        self.seen = 0
        self.last_buttons: tuple[int, int, list] | None = None
        self.last_message_id: int | None = None

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def current_chat(self) -> int:
        return self.chat_id if self.chat_id is not None else self.user_id

    def handle(self, line: str) -> bool:
        """Act on one typed line; False to quit."""
        line = line.rstrip("\n")
        word, _, rest = line.strip().partition(" ")
        if word in ("/quit", "/exit"):
            return False
        if word == "/as" and rest.strip().lstrip("-").isdigit():
            self.user_id, self.chat_id = int(rest), None
            self.say(f"(now typing as user {self.user_id})")
            return True
        if word == "/group" and rest.strip().lstrip("-").isdigit():
            self.chat_id = int(rest)
            self.say(f"(now in group {self.chat_id})")
            return True
        if word == "/private":
            self.chat_id = None
            return True
        if word == "/tap":
            self.tap(rest.strip())
        elif word == "/edit" and self.last_message_id:
            self.server.queue_edit(self.user_id, self.current_chat(), self.last_message_id, rest)
        elif word == "/file":
            path, _, caption = rest.strip().partition(" ")
            try:
                data = Path(path).expanduser().read_bytes()
            except OSError as exc:
                self.say(f"(cannot read {path}: {exc.strerror})")
                return True
            self.send(caption=caption or None, document=(Path(path).name, data))
        elif line.strip():
            self.send(text=line)
        else:
            return True
        self.show_replies()
        return True

    def send(self, **message) -> None:
        group = self.chat_id is not None
        queued = self.server.queue_message(
            self.user_id, message.pop("text", None), chat_id=self.current_chat(),
            chat_type="group" if group else "private", **message)
        self.last_message_id = queued["message"]["message_id"] if "message" in queued else None

    def tap(self, number: str) -> None:
        if not self.last_buttons or not number.isdigit():
            self.say("(no buttons to tap)")
            return
        chat_id, message_id, buttons = self.last_buttons
        index = int(number) - 1
        if not 0 <= index < len(buttons):
            self.say(f"(choose 1..{len(buttons)})")
            return
        self.server.queue_callback(self.user_id, buttons[index]["callback_data"], chat_id=chat_id,
                                   message_id=message_id)

    def show_replies(self, wait: float = 5.0, quiet: float = 0.4) -> None:
        """Print what the bot sends until it has been quiet for a moment."""
        deadline, last_change = time.monotonic() + wait, None
        while time.monotonic() < deadline:
            records = list(self.server.sent)
            if len(records) > self.seen:
                for record in records[self.seen:]:
                    self.print_record(record)
                self.seen = len(records)
                last_change = time.monotonic()
            elif last_change and time.monotonic() - last_change > quiet:
                return
            time.sleep(0.05)

    def print_record(self, record: dict) -> None:
        where = f"[to {record.get('chat_id')}]"
        method = record.get("method", "")
        if method in ("sendPhoto", "sendDocument"):
            self.files_dir.mkdir(parents=True, exist_ok=True)
            name = record.get("file_name") or ("chart.png" if method == "sendPhoto" else "file.bin")
            path = self.files_dir / f"{int(time.time() * 1000)}-{Path(name).name}"
            path.write_bytes(record.get("file_bytes") or b"")
            self.say(f"{where} 📎 {path}" + (f"\n{plain(record.get('caption') or '')}"
                                            if record.get("caption") else ""))
            return
        prefix = "(edited) " if method.startswith("edit") else ""
        self.say(f"{where} {prefix}{plain(record.get('text') or '')}")
        markup = record.get("reply_markup") or {}
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b]
        if buttons:
            self.last_buttons = (record.get("chat_id"), record.get("message_id"), buttons)
            self.say("   " + "  ".join(f"[{i}] {b['text']}" for i, b in enumerate(buttons, 1))
                     + "   (/tap N)")


def run_console(config: Config, demo: bool = False, as_user: int | None = None,
                stdin=None, out=sys.stdout) -> int:
    """Start the stand-in and the bot, then read lines until /quit or end of input."""
    from bot import build_application
    from localapi import BotAPIServer
    from storage import open_db

    stdin = stdin or sys.stdin
    if config.log_level == "INFO":  # keep the conversation readable; BOT_LOG_LEVEL=DEBUG shows all
        logging.getLogger().setLevel(logging.WARNING)
    tempdir = None
    if demo:
        tempdir = tempfile.TemporaryDirectory(prefix="keyproject-demo-")
        config = config.with_overrides(db_path=str(Path(tempdir.name) / "demo.db"),
                                       admins=config.admins | {DEMO_ADMIN})
    db = open_db(config.db_path)
    people = seed_demo(db) if demo else []
    server = BotAPIServer(token=CONSOLE_TOKEN, bot_username="KeyProjectBot")
    server.start()
    config = config.with_overrides(token=CONSOLE_TOKEN, api_url=server.api_url, webhook_url=None)
    # On a real database the rounds and the updates a stop left pending are the real bot's:
    # sent to this console's stand-in they would be recorded as delivered and reach nobody.
    bot_thread = BotThread(build_application(config, db, rounds=demo))
    bot_thread.start()
    if not bot_thread.ready.wait(30):
        print("error: the bot did not start", file=sys.stderr)
        return 1
    user_id = as_user or (DEMO_LEADER if demo else min(config.admins, default=1))
    console = Console(server, user_id, out=out)
    console.seen = len(server.sent)
    console.say("Key Project Bot console — " + ("demo database" if demo else config.db_path))
    if not demo:
        console.say("  (reminders and digests are not sent from here, and updates the bot has "
                    "not handled yet are left to it)")
    for person_id, role, unit in people:
        console.say(f"  user {person_id}: {role}" + (f" of {unit}" if unit else ""))
    console.say(HELP + f"You are user {user_id}.")
    try:
        for line in stdin:
            if not console.handle(line):
                break
    except KeyboardInterrupt:
        pass
    finally:
        bot_thread.stop()
        server.stop()
        if tempdir:
            db.close()
            tempdir.cleanup()
    return 0
