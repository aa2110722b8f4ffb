"""`python bot.py console`: chat with the real bot in this terminal, no Telegram needed.

The real Application runs against the in-process Bot API stand-in (`localapi`) on 127.0.0.1;
each line typed is a message from the current user, and the bot's answers are printed.
Pictures and files the bot sends are saved under ./console-files and their paths printed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from config import Config
from i18n import plain_text

CONSOLE_TOKEN = "100000:CONSOLE-LOCAL-TOKEN"
DEMO_DIR = Path(__file__).parent / "demo"
DEMO_ADMIN, DEMO_LEADER, FIRST_MEMBER = 1, 2, 101

# Two spaces and "# " start a comment, as in the README's tour (pasted lines keep working).
COMMENT = re.compile(r"\s{2,}# .*$")

HELP = """Type a message and press Enter: it is sent as the current user.
A line ending in \\ continues on the next line: one message of several lines.
After two spaces, "# ..." is a comment and is not sent.
  /as ID           type as another user (the demo has admin 1, leader 2, members 101...)
  /file PATH [caption]   send a file (e.g. a ledger with caption /import)
  /tap N           press button N of the last message with buttons
  /edit TEXT       edit your last message to TEXT
  /group ID        speak in group chat ID (negative), /private to go back
  (the dashboard link printed below opens the web dashboard as the current user)
  /quit            leave
"""


def seed_demo(db) -> list[tuple[int, str, str | None]]:
    """The demo database: the sample ledgers, an admin, a leader and a member per unit."""
    from handlers.ledger import import_bytes
    from storage.people import grant_role, list_units

    # The Chinese ledger first, and units in the ledgers' order: user 101 is the member of
    # 科创城管委会 (QB-001's unit), as the README's tour says.
    for ledger in sorted(DEMO_DIR.glob("ledger_*.csv"), reverse=True):
        import_bytes(db, ledger.read_bytes(), ledger.name, None, "en")
    people = [(DEMO_ADMIN, "admin", None), (DEMO_LEADER, "leader", None)]
    grant_role(db, DEMO_ADMIN, "admin", name="Demo Admin")
    grant_role(db, DEMO_LEADER, "leader", name="Demo Leader")
    for offset, unit in enumerate(sorted(list_units(db), key=lambda u: u["id"])):
        user_id = FIRST_MEMBER + offset
        grant_role(db, user_id, "member", unit["id"], name=f"Member of {unit['name']}")
        people.append((user_id, "member", unit["name"]))
    return people


plain = plain_text  # HTML as a terminal shows it


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
            await self.application.post_shutdown(self.application)  # run_polling would call it

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
        self.seen_answers = 0  # answers to button taps (callback_answers) already printed
        self.last_buttons: tuple[int, int, list] | None = None
        self.last_message_id: int | None = None
        self.dashboard_link: Callable[[int], str] | None = None  # user id -> a login link

    def say_dashboard_link(self) -> None:
        if self.dashboard_link is not None:
            self.say(f"Dashboard (as user {self.user_id}): {self.dashboard_link(self.user_id)}")
        self.continued: list[str] = []  # the lines so far of a message typed over several

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def current_chat(self) -> int:
        return self.chat_id if self.chat_id is not None else self.user_id

    def handle(self, line: str) -> bool:
        """Act on one typed line; False to quit."""
        line = COMMENT.sub("", line.rstrip("\n"))
        if line.endswith("\\"):  # more lines of the same message follow
            self.continued.append(line[:-1].rstrip())
            return True
        if self.continued:
            text, self.continued = "\n".join([*self.continued, line]), []
            self.send(text=text)
            self.show_replies()
            return True
        word, _, rest = line.strip().partition(" ")
        if word in ("/quit", "/exit"):
            return False
        if word == "/as" and rest.strip().lstrip("-").isdigit():
            self.user_id, self.chat_id = int(rest), None
            self.say(f"(now typing as user {self.user_id})")
            self.say_dashboard_link()
            return True
        if word == "/group" and rest.strip().lstrip("-").isdigit():
            self.chat_id = int(rest)
            self.say(f"(now in group {self.chat_id})")
            return True
        if word == "/private":
            self.chat_id = None
            self.say(f"(now in the private chat of user {self.user_id})")
            return True
        if word == "/tap":
            if not self.tap(rest.strip()):
                return True
        elif word == "/edit":
            if not self.last_message_id:
                self.say("(nothing to edit: send a message first)")
                return True
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

    def tap(self, number: str) -> bool:
        """Press button `number` of the last message with buttons; False if there is none."""
        if not self.last_buttons or not number.isdigit():
            self.say("(no buttons to tap)")
            return False
        chat_id, message_id, buttons = self.last_buttons
        index = int(number) - 1
        if not 0 <= index < len(buttons):
            self.say(f"(choose 1..{len(buttons)})")
            return False
        self.server.queue_callback(self.user_id, buttons[index]["callback_data"], chat_id=chat_id,
                                   message_id=message_id)
        return True

    def show_replies(self, wait: float = 5.0, quiet: float = 1.2) -> None:
        """Print what the bot sends (and how it answers a tap) until it has been quiet for a
        moment; say so if it sent nothing at all. `quiet` outlasts Telegram's pace of about
        a message a second in a private chat (handlers.pacing): an answer after an edit of
        the buttons comes a second later."""
        deadline, last_change, printed = time.monotonic() + wait, None, False
        while time.monotonic() < deadline:
            records, answers = list(self.server.sent), self.server.callback_answers
            if len(records) > self.seen or len(answers) > self.seen_answers:
                shown = False
                for answer in answers[self.seen_answers:]:
                    shown |= self.print_answer(answer)
                for record in records[self.seen:]:
                    shown |= self.print_record(record)
                self.seen, self.seen_answers = len(records), len(answers)
                if shown:  # something unseen (buttons taken away) does not end the wait
                    printed, last_change = True, time.monotonic()
            elif last_change and time.monotonic() - last_change > quiet:
                break
            time.sleep(0.05)
        if not printed:
            self.say("(no answer)")

    def print_answer(self, answer: dict) -> bool:
        """A tap's answer: an alert or a notice on the button (most taps answer silently)."""
        if not answer.get("text"):
            return False
        kind = "alert" if answer.get("show_alert") else "notice"
        self.say(f"[{kind}] {plain(answer['text'])}")
        return True

    def print_record(self, record: dict) -> bool:
        """Print one thing the bot sent; False if there was nothing to show."""
        where = f"[to {record.get('chat_id')}]"
        method = record.get("method", "")
        if method in ("sendPhoto", "sendDocument"):
            self.files_dir.mkdir(parents=True, exist_ok=True)
            name = record.get("file_name") or ("chart.png" if method == "sendPhoto" else "file.bin")
            path = self.files_dir / f"{int(time.time() * 1000)}-{Path(name).name}"
            path.write_bytes(record.get("file_bytes") or b"")
            self.say(f"{where} 📎 {path}" + (f"\n{plain(record.get('caption') or '')}"
                                            if record.get("caption") else ""))
            return True
        if not method.startswith(("send", "edit")):
            return False  # e.g. deleteMessage, sendChatAction: nothing a reader sees
        text = plain(record.get("text") or "")
        if text:  # an edit of the buttons alone has no text to show
            prefix = "(edited) " if method.startswith("edit") else ""
            self.say(f"{where} {prefix}{text}")
        markup = record.get("reply_markup") or {}
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b]
        if buttons:
            self.last_buttons = (record.get("chat_id"), record.get("message_id"), buttons)
            self.say("   " + "  ".join(f"[{i}] {b['text']}" for i, b in enumerate(buttons, 1))
                     + "   (/tap N)")
        return bool(text or buttons)


def dashboard_link(db, config: Config, port: int, user_id: int) -> str:
    """A link that opens the local dashboard as `user_id`: initData signed with the console's
    token, as Telegram would sign it, in the URL fragment where a Mini App finds it."""
    from services.webauth import sign_init_data
    from storage.people import get_person

    person = get_person(db, user_id) or {}
    user = {"id": user_id, "first_name": person.get("name") or f"User {user_id}",
            "language_code": person.get("lang") or config.language}
    init_data = sign_init_data(CONSOLE_TOKEN, user)
    return f"http://127.0.0.1:{port}/#tgWebAppData={quote(init_data, safe='')}"


def run_console(config: Config, build_application, demo: bool = False,
                as_user: int | None = None, stdin=None, out=sys.stdout,
                files_dir: Path | None = None) -> int:
    """Start the stand-in and the bot (`build_application(config, db)`, bot.py's), then read
    lines until /quit or end of input."""
    from localapi import BotAPIServer
    from storage import open_db

    stdin = stdin or sys.stdin
    if config.log_level == "INFO":  # keep the conversation readable; BOT_LOG_LEVEL=DEBUG shows all
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    tempdir = None
    if demo:
        tempdir = tempfile.TemporaryDirectory(prefix="keyproject-demo-")
        config = config.with_overrides(db_path=str(Path(tempdir.name) / "demo.db"),
                                       admins=config.admins | {DEMO_ADMIN})
    db = open_db(config.db_path)
    people = seed_demo(db) if demo else []
    server = BotAPIServer(token=CONSOLE_TOKEN, bot_username="KeyProjectBot")
    server.start()
    # The dashboard on an ephemeral local port (BOT_WEB_PORT's, if set), without Telegram.
    config = config.with_overrides(token=CONSOLE_TOKEN, api_url=server.api_url, webhook_url=None,
                                   web_port=config.web_port or 0, web_listen="127.0.0.1",
                                   web_url=None)
    # On a real database the rounds and the updates a stop left pending are the real bot's:
    # sent to this console's stand-in they would be recorded as delivered and reach nobody.
    application = build_application(config, db, rounds=demo)
    bot_thread = BotThread(application)
    bot_thread.start()
    if not bot_thread.ready.wait(30):
        print("error: the bot did not start", file=sys.stderr)
        return 1
    user_id = as_user or (DEMO_LEADER if demo else min(config.admins, default=1))
    console = Console(server, user_id, out=out, files_dir=files_dir)
    console.seen = len(server.sent)
    console.say("Key Project Bot console — " + ("demo database" if demo else config.db_path))
    if not demo:
        console.say("  (reminders and digests are not sent from here, and updates the bot has "
                    "not handled yet are left to it)")
    for person_id, role, unit in people:
        console.say(f"  user {person_id}: {role}" + (f" of {unit}" if unit else ""))
    console.say(HELP + f"You are user {user_id}.")
    web = application.bot_data.get("web")
    if web is not None:
        console.dashboard_link = lambda uid: dashboard_link(db, config, web.port, uid)
        console.say_dashboard_link()
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
