"""Key Project Bot: entry point and command-line interface.

    python bot.py [run]                       the bot (long polling, or a webhook)
    python bot.py console [--demo] [--as ID]  chat with the bot in this terminal
    python bot.py import LEDGER.csv|.xlsx     load or refresh projects and units (and nodes)
    python bot.py export [--format csv|xlsx] [-o FILE]
    python bot.py grant USER_ID admin|leader|member [--unit UNIT] [--name LEADER_NAME]
    python bot.py revoke USER_ID              remove a person's role (their updates stay)
    python bot.py remind [--dry-run]          send (or preview) the current round now
    python bot.py backup FILE [--force]       a consistent copy of the database
    python bot.py check                       configuration, database and Bot API: ready?

Every sub-command accepts --db PATH anywhere on its command line.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path

from config import Config, ConfigError, load_config
from storage import StorageError, open_db

log = logging.getLogger("bot")


# --- logging ---------------------------------------------------------------------------------

# The secrets no line of output may show (the token; the webhook secret, once it is known),
# each with what is shown instead.
SECRETS: dict[str, str] = {}


def keep_secret(secret: str | None, shown_as: str) -> None:
    if secret:
        SECRETS[secret] = shown_as


def redact(text: str) -> str:
    """`text` with every secret replaced (for log lines and error lines alike)."""
    for secret, shown_as in SECRETS.items():
        text = text.replace(secret, shown_as)
    return text


class RedactToken(logging.Filter):
    """Replace the bot token, the webhook secret (keep_secret) wherever they would appear in a
    log line; a traceback that shows one is dropped."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        keep_secret(token, "<token>")

    def filter(self, record: logging.LogRecord) -> bool:
        if not SECRETS:
            return True
        message = record.getMessage()
        if redact(message) != message:
            record.msg, record.args = redact(message), None
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and (redact(str(error)) != str(error) or _traceback_shows_secret(
                record)):
            record.exc_info, record.exc_text = None, None
            record.msg = f"{record.msg} ({type(error).__name__}: {redact(str(error))}; traceback hidden)"
        return True


def _traceback_shows_secret(record: logging.LogRecord) -> bool:
    import traceback

    text = "".join(traceback.format_exception(*record.exc_info))
    return redact(text) != text


def setup_logging(config: Config) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        level=config.log_level, force=True)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(config.token))
    # httpx logs every request URL, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler logs every job run at INFO; the rounds log what they did themselves.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING if config.log_level != "DEBUG"
                                                  else logging.DEBUG,
                                                  logging.getLevelName(config.log_level)))


# --- the Telegram application ---------------------------------------------------------------

# Updates handled at once, and HTTP connections to the Bot API. Four requests in flight reach
# Telegram's 30 messages a second at round trips up to 130 ms (a self-hosted Bot API server
# answers in a few); each one more costs CPU on every request, as httpcore's pool looks at
# every connection each time (bench/intake.py: 8 cost a third more CPU an update than 4).
CONCURRENCY = 4


def build_application(config: Config, db, *, rate_limit: bool = True, make_request=None,
                      rounds: bool = True):
    """The python-telegram-bot Application with all handlers, on `db`.

    `rate_limit=False` drops the rate limiter (Telegram's 30 messages a second, about one a
    second in a private chat: transport.pacing); only the benchmarks use it, to measure the
    bot's own work rather than Telegram's cap. `make_request(**settings)` builds the HTTP
    requests under the retry and inbox layers (default: python-telegram-bot's HTTPXRequest;
    the tests answer them in process).
    `rounds=False` leaves out what belongs to the real bot alone: the reminder and digest
    rounds, and re-processing the updates a stop left pending (the console on a real
    database talks through its own stand-in, so whatever it sent would reach nobody).
    """
    from telegram.constants import ParseMode
    from telegram.ext import ApplicationBuilder, Defaults
    from telegram.request import HTTPXRequest

    from handlers import publish_commands, register
    from services.views import Views
    from storage.people import revoke_unlisted_admins
    from transport.intake import (
        DurableApplication,
        DurableBot,
        InboxRequest,
        PerChatUpdateProcessor,
        requeue_pending,
        settle_startup_objects,
    )
    from transport.pacing import PacedRateLimiter
    from transport.retry import RetryingRequest

    if not config.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
    if make_request is None:
        import httpx

        # One TLS context for both clients: each would load the CA list again (0.7 MB).
        make_request = functools.partial(HTTPXRequest, httpx_kwargs={
            "verify": httpx.create_ssl_context(),
            "event_hooks": {"response": [let_go_of_sent_body]}})
    # Link previews are off too, in DurableBot (cheaper there than as a default).
    defaults = Defaults(tzinfo=config.timezone, parse_mode=ParseMode.HTML)
    bot = DurableBot(
        config.token,
        base_url=config.api_url,
        base_file_url=config.file_api_url,
        defaults=defaults,
        rate_limiter=PacedRateLimiter(max_retries=5) if rate_limit else None,
        request=RetryingRequest(make_request(
            connection_pool_size=CONCURRENCY, connect_timeout=10, read_timeout=config.api_timeout,
            write_timeout=config.api_timeout, pool_timeout=10)),
        get_updates_request=InboxRequest(db, make_request(connection_pool_size=2,
                                                          read_timeout=40)),
        db=db,
    )

    async def post_init(application) -> None:
        from parsing import preload
        from schedules import install_jobs
        from schedules.checkpoint import install_checkpoints
        from services.views import warm_up_charts

        await publish_commands(application, config.language)
        if rounds:
            await requeue_pending(application)
            install_jobs(application)  # reminders and digests
        install_checkpoints(application)  # the WAL's fsyncs off the event loop
        # matplotlib and the CJK font, beside the views, not on the first /chart.
        charts = [asyncio.wrap_future(warm_up_charts())] if config.warm_up else []
        await warm_views(application)  # the first commands at 20,000 projects answer at once
        await start_dashboard(application)
        if charts:  # its objects settle with the rest (a chart's figures are freed by a full
            await asyncio.wait(charts)  # collection, which need not walk them)
        settle_startup_objects()
        release_freed_memory()
        if config.warm_up:  # language profiles (about a second) beside start-up, not on the
            asyncio.get_running_loop().run_in_executor(None, preload)  # first message

    async def post_shutdown(application) -> None:
        await stop_dashboard(application)

    builder = ApplicationBuilder()
    if config.webhook_url:  # each update stored before the webhook answers 200
        from transport.webhook import InboxQueue

        builder = builder.update_queue(InboxQueue(db))
    application = (
        builder
        .bot(bot)
        .application_class(DurableApplication)
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENCY))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data["config"] = config
    application.bot_data["db"] = db
    for user_id in revoke_unlisted_admins(db, config.admins):
        log.warning("user %s is no longer in BOT_ADMINS: their admin role is revoked", user_id)
    application.bot_data["views"] = Views(db)  # keeps the state cache for every view
    register(application)
    return application


async def let_go_of_sent_body(response) -> None:
    """On each answer from the Bot API, let go of the request's body, sent by then: an httpx
    response and its stream refer to each other, so a sent file (an export, a chart's
    pictures: MBs) would otherwise stay until the garbage collector's next full pass, rare
    once start-up's objects are frozen (transport.intake.settle_startup_objects)."""
    import httpx

    response.request.stream = httpx.ByteStream(b"")


def release_freed_memory() -> None:
    """Give back to the system the memory warming up used and let go. glibc keeps freed
    memory for reuse (about 12 MB of 200 at 20,000 projects), and warming up is the biggest
    build the bot makes at once."""
    call_glibc("malloc_trim", 0)


def one_malloc_arena() -> None:
    """Let every thread allocate from one glibc arena. By default each thread that allocates
    (the warm-up's, the chart's, asyncio's executor's) gets its own, and what one frees no
    other reuses: 7 MB more at 20,000 projects (bench/memory.py). Called before the threads
    start. Blocks of 128 KB and more are always mapped apart and given back when freed: by
    default glibc raises that bound to the biggest block freed (a chart's 10 MB pixel buffer,
    an export), and blocks up to it then come from the heap, which keeps what it frees."""
    call_glibc("mallopt", M_ARENA_MAX, 1)
    call_glibc("mallopt", M_MMAP_THRESHOLD, 128 * 1024)


M_ARENA_MAX, M_MMAP_THRESHOLD = -8, -3  # glibc's malloc.h


def call_glibc(function: str, *args: int) -> None:
    """glibc's allocator `function(*args)`; elsewhere than glibc there is nothing to do."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # AttributeError: not glibc
        getattr(ctypes.CDLL(None), function)(*args)


async def warm_views(application) -> None:
    """Before any update is handled and before the dashboard serves, what the first commands
    would wait for at scale (seconds at 20,000 projects): the default language's views
    (Views.warm) and the index leaders' updates are matched against, in a thread while nothing
    else uses the database connection. A failure is logged, and the first command builds what
    is missing; the other language's views are built on first use."""
    from services.intake import warm_ledger_index
    from services.settings import effective_config

    db, views = application.bot_data["db"], application.bot_data["views"]
    config = effective_config(db, application.bot_data["config"])
    started = time.monotonic()
    try:
        await asyncio.to_thread(views.warm, config, config.language)
        await asyncio.to_thread(warm_ledger_index, db)
    except Exception:
        log.exception("warming the views up failed")
    else:
        log.info("warmed up in %.1f s", time.monotonic() - started)


async def start_dashboard(application) -> None:
    """With BOT_WEB_PORT, the dashboard (web/) is served by this process, on the application's
    view service (in webhook mode the same server receives the updates: serve_webhook); with
    BOT_WEB_URL, the bot's menu button opens it."""
    config = application.bot_data["config"]
    if config.web_port is None or "web" in application.bot_data:
        return
    from web.app import WebServer

    async def fetch_file(file_id: str) -> bytes:  # an update's photo, for the project page
        telegram_file = await application.bot.get_file(file_id)
        return bytes(await telegram_file.download_as_bytearray())

    server = WebServer(application.bot_data["views"], config, config.web_listen, config.web_port,
                       fetch_file, posts=application.bot_data.get("webhook"))
    await server.start()
    application.bot_data["web"] = server
    if config.web_url:
        from handlers.dashboard import publish_menu_button

        await publish_menu_button(application, config.web_url, config.language)


async def stop_dashboard(application) -> None:
    server = application.bot_data.pop("web", None)
    if server is not None:
        await server.stop()


def without_webhook_server() -> None:
    """Keep python-telegram-bot from loading tornado, its webhook server's (3 MB of objects),
    in a run that does not use that server: long polling, or the dashboard's server receiving
    the updates. Its webhook support then reads as not installed."""
    if "telegram.ext" not in sys.modules:  # once imported, tornado is there already
        sys.modules.setdefault("tornado", None)  # None: an import of it fails at once


def run_bot(config: Config, db) -> None:
    from telegram.error import InvalidToken

    try:
        serve(config, db)
    except InvalidToken:  # its message and traceback carry the token: say it without them
        raise ConfigError("the Bot API rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): check "
                          "the token, or run python bot.py check") from None


def serve(config: Config, db) -> None:
    """Long polling, or the webhook when BOT_WEBHOOK_URL is set, until stopped."""
    from telegram import Update

    if not config.webhook_url or config.web_port:
        without_webhook_server()
    application = build_application(config, db)
    log.info("starting the bot against %s (database %s)",
             config.api_url.replace(config.token or "\0", "<token>"), config.db_path)
    if config.webhook_url:
        from transport.webhook import webhook_path, webhook_secret

        secret = webhook_secret(config.webhook_secret)
        keep_secret(secret, "<webhook secret>")  # python-telegram-bot logs setWebhook's at DEBUG
        listen, port = ((config.web_listen, config.web_port) if config.web_port
                        else (config.webhook_listen, config.webhook_port))
        log.info("webhook mode: listening on %s:%s/%s for %s", listen, port,
                 webhook_path(config.webhook_url), config.webhook_url)
        if config.web_port:  # the dashboard's server receives the updates too
            asyncio.run(serve_webhook(application, config, secret))
            return
        # Always a secret: without one, anybody who finds the URL could post updates.
        application.run_webhook(listen=config.webhook_listen, port=config.webhook_port,
                                url_path=webhook_path(config.webhook_url),
                                webhook_url=config.webhook_url,
                                secret_token=secret,
                                allowed_updates=Update.ALL_TYPES, bootstrap_retries=-1)
    else:
        # bootstrap_retries=-1: a Telegram down at start-up is waited for, not a reason to exit
        # (a wrong token still is: python-telegram-bot stops retrying on InvalidToken)
        application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False,
                                bootstrap_retries=-1)


async def serve_webhook(application, config: Config, secret: str) -> None:
    """Webhook mode with the dashboard: one server (the dashboard's) on BOT_WEB_PORT answers
    Telegram's POSTs under the webhook URL's path too. The Application is run through its
    public lifecycle, as run_webhook does around its own server, until SIGINT or SIGTERM."""
    import signal

    from telegram import Update

    from transport.webhook import webhook_path, webhook_receiver

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    receiver = webhook_receiver(application.bot, application.update_queue, secret)
    application.bot_data["webhook"] = {"/" + webhook_path(config.webhook_url): receiver}
    try:
        await until_answered(application.initialize)
        await application.post_init(application)  # starts the server (start_dashboard)
        await until_answered(lambda: application.bot.set_webhook(
            config.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES))
        await application.start()
        await stop.wait()
    finally:
        if application.running:
            await application.stop()
        await application.shutdown()
        await application.post_shutdown(application)


async def until_answered(call):
    """`call()`, tried again every second while the Bot API fails (a Telegram down at start-up
    is waited for, as run_polling's bootstrap_retries=-1 does); a rejected token is not."""
    from telegram.error import InvalidToken, TelegramError

    while True:
        try:
            return await call()
        except InvalidToken:
            raise
        except TelegramError as error:
            log.warning("the Bot API failed at start-up (%s); trying again", error)
            await asyncio.sleep(1)


# --- the command line ------------------------------------------------------------------------

def extract_db(argv: list[str]) -> tuple[str | None, list[str]]:
    """Take `--db PATH` (or `--db=PATH`) from anywhere on the command line."""
    rest, db_path, i = [], None, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--db":
            if i + 1 >= len(argv):
                raise ConfigError("--db needs a path")
            db_path, i = argv[i + 1], i + 2
            continue
        if arg.startswith("--db="):
            db_path = arg[len("--db="):]
        else:
            rest.append(arg)
        i += 1
    return db_path, rest


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description="Key Project Bot",
                                     epilog="Every sub-command accepts --db PATH (default BOT_DB).")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (long polling, or a webhook if BOT_WEBHOOK_URL is set)")
    console = sub.add_parser("console", help="chat with the bot in this terminal, no Telegram needed")
    console.add_argument("--demo", action="store_true", help="a fresh demo database with sample data")
    console.add_argument("--as", dest="as_user", type=int, help="the Telegram user id to type as")
    imp = sub.add_parser("import", help="load or refresh projects and units (and nodes) from a "
                         "ledger or nodes file")
    imp.add_argument("file", help="a .csv or .xlsx ledger")
    exp = sub.add_parser("export", help="write the ledger with current standing")
    exp.add_argument("--format", choices=("csv", "xlsx"), default=None)
    exp.add_argument("-o", "--output", help="the file to write (default: stdout for csv)")
    exp.add_argument("--force", action="store_true", help="replace the file if it exists")
    grant = sub.add_parser("grant", help="give a user a role")
    grant.add_argument("user_id", type=int)
    grant.add_argument("role", choices=("admin", "leader", "member"))
    grant.add_argument("--unit", help="the unit of a member")
    grant.add_argument("--name", help="a leader's name as the ledger's leader column writes it")
    revoke = sub.add_parser("revoke", help="remove a person's role (their updates stay)")
    revoke.add_argument("user_id", type=int)
    backup = sub.add_parser("backup", help="a consistent copy of the database, safe while running")
    backup.add_argument("file")
    backup.add_argument("--force", action="store_true", help="replace the file if it exists")
    sub.add_parser("check", help="check the configuration, the database and reaching the "
                   "Bot API, one line each; exit 0 only if all pass")
    remind = sub.add_parser("remind", help="send the current reminder and digest round now "
                            "(exactly once, also while the bot runs)")
    remind.add_argument("--dry-run", action="store_true", help="only show who would get what")
    remind.add_argument("--only", choices=("reminder", "digest"), help="one kind of round only")
    pack = sub.add_parser("pack", help="write the scheduling meeting's pack: the schedule table "
                          "(.xlsx) and the bulletin (.docx)")
    pack.add_argument("-o", "--output", default=".", help="the folder to write into (default: .)")
    pack.add_argument("--lang", choices=("zh", "en"), default="zh")
    pack.add_argument("--date", type=pack_day, help="the pack as of the end of this day "
                      "(YYYY-MM-DD), from what was stored by then (default: now)")
    return parser


def pack_day(text: str) -> date:
    """`pack --date`: a YYYY-MM-DD day."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text[:40]!r}") from None


def cmd_import(args, config: Config, db) -> int:
    from handlers.ledger import import_reply
    from i18n import plain_text
    from services.ledger import import_file

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {args.file}: {exc.strerror}") from exc
    result = import_file(db, data, path.name, None)
    print(plain_text(import_reply(result, "en", failed_key="import_failed_cli")))
    return 0 if result.ok else 1


def cmd_export(args, config: Config, db) -> int:
    """The ledger with current standing. CSV goes to stdout without -o; xlsx needs -o; the
    format comes from the file's suffix when --format is not given."""
    from services.ledger import FORMATS, export_ledger

    fmt, output = args.format, args.output
    if fmt is None and output:
        fmt = Path(output).suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ConfigError(f"cannot tell the format of {output!r} from its name; "
                              "add --format csv or --format xlsx")
    fmt = fmt or "csv"
    if fmt == "xlsx" and not output:
        raise ConfigError("xlsx is not written to the terminal; give a file: -o ledger.xlsx")
    if output:
        check_output(output, args.force)
    result = export_ledger(db, config, fmt)
    if not output:
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
        return 0
    from storage.db import write_private

    try:
        write_private(Path(output), result.data)
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from exc
    print(f"{len(result.rows)} projects written to {output}")
    return 0


def said(outcome) -> int:
    """Print a use case's outcome (services.people.Said) the command-line way."""
    from i18n import plain_text

    text = plain_text(outcome.text("en"))
    if not outcome.ok:
        raise ConfigError(text.removeprefix("⛔ ").removeprefix("ℹ️ "))
    print(text)
    return 0


def cmd_grant(args, config: Config, db) -> int:
    from services.people import grant

    return said(grant(db, args.user_id, args.role, args.unit, leader_name=args.name))


def cmd_revoke(args, config: Config, db) -> int:
    from services.people import revoke

    return said(revoke(db, config, args.user_id))


def check_output(path: str, force: bool) -> Path:
    """The one rule for files the CLI writes (backup, export -o): the directory must exist
    (a typo makes no new folders) and an existing file is replaced only with --force."""
    target = Path(path)
    if not target.parent.exists():
        raise ConfigError(f"no directory {target.parent}; create it first")
    if target.exists() and not force:
        raise ConfigError(f"{path} exists already; add --force to replace it")
    return target


def cmd_backup(args, config: Config, db) -> int:
    import contextlib
    import sqlite3

    from storage.db import create_private

    target = check_output(args.file, args.force)
    # Written under a temporary name and renamed when complete: a backup interrupted by a full
    # disk or a kill never leaves a half-written file under the name a restore would use.
    partial = target.with_name(target.name + ".part")
    try:
        partial.unlink(missing_ok=True)
        create_private(partial)  # a copy of every person and update: the owner's only
        destination = sqlite3.connect(str(partial))
        try:
            # SQLite's online backup copies all pages in one read transaction: a consistent
            # snapshot (WAL included) while the bot goes on writing.
            db.conn.backup(destination)
        finally:
            destination.close()
        partial.replace(target)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise StorageError(f"cannot write the backup {args.file}: {exc}") from exc
    print(f"backup written to {target}")
    return 0


def cmd_remind(args, config: Config, db) -> int:
    from schedules.runner import remind_cli

    return remind_cli(config, db, build_application, dry_run=args.dry_run, only=args.only)


def cmd_pack(args, config: Config, db) -> int:
    """The meeting pack as of now (or the end of --date), both files into the folder; their
    paths, one a line."""
    from services.pack import write_pack

    if args.date and args.date > datetime.now(config.timezone).date():
        raise ConfigError(f"--date {args.date.isoformat()} is still to come: a pack is made "
                          "from what was stored by then")
    try:
        paths = write_pack(db, config, Path(args.output), args.lang, args.date)
    except OSError as exc:
        raise ConfigError(f"cannot write into {args.output}: {exc.strerror or exc}") from exc
    for path in paths:
        print(path)
    return 0


# The commands that may start a new database (console --demo makes its own elsewhere).
CREATE_DATABASE = frozenset({"run", "import", "grant"})

COMMANDS = {"import": cmd_import, "export": cmd_export, "grant": cmd_grant, "revoke": cmd_revoke, "backup": cmd_backup,
            "remind": cmd_remind, "pack": cmd_pack}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        db_override, argv = extract_db(argv)
        args = make_parser().parse_args(argv)
        command = args.command or "run"
        if command == "check":  # before open_db, which would create or migrate the database
            from services.check import check_cli

            return check_cli(db_override)
        config = load_config()
        keep_secret(config.token, "<token>")  # from any error line, before anything can fail
        if db_override:
            config = config.with_overrides(db_path=db_override)
        setup_logging(config)
        if command == "console" and not args.demo and not Path(config.db_path).exists():
            raise StorageError(f"no database at {config.db_path}")
        if command == "console":
            from console import run_console

            return run_console(config, build_application, demo=args.demo, as_user=args.as_user)
        if command == "run" and not config.token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set (or try: python bot.py console --demo)")
        if command not in CREATE_DATABASE and not Path(config.db_path).exists():
            # open_db would create it: a mistyped --db would export, remind or back up an
            # empty database and leave it behind
            raise StorageError(f"no database at {config.db_path}")
        db = open_db(config.db_path)
        if command == "run":
            from storage.db import run_lock

            one_malloc_arena()
            with run_lock(config.db_path):
                run_bot(config, db)
            return 0
        return COMMANDS[command](args, config, db)
    except (ConfigError, StorageError) as exc:
        print(redact(f"error: {exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left (`remind --dry-run | head`): stop quietly. stdout now points at
        # /dev/null so that Python's own flush at exit does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
