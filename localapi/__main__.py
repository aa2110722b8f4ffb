"""Run the local Bot API stand-in on its own, for a bot started in another process.

    python -m localapi --port 8081 --token 123:TEST
    TELEGRAM_API_URL=http://127.0.0.1:8081/bot TELEGRAM_BOT_TOKEN=123:TEST python bot.py run

Lines typed here are queued as messages: ``text`` (from user 1000) or ``@USER_ID text``.
Whatever the bot sends is printed.
"""

from __future__ import annotations

import argparse
import sys

from .httpserver import BotAPIServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localapi", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123:TEST")
    parser.add_argument("--user", type=int, default=1000, help="default sender of typed lines")
    parser.add_argument("--flood-limits", action="store_true", help="enforce Telegram's limits")
    args = parser.parse_args(argv)

    server = BotAPIServer(
        token=args.token, host=args.host, port=args.port, flood_limits=args.flood_limits
    )

    def show(record: dict) -> None:
        body = record["body"] if record["body"] is not None else ""
        extra = f" [{record['file_name']}]" if record["file_name"] else ""
        print(f"<- {record['method']} chat={record['chat_id']}{extra}: {body}", flush=True)

    server.add_listener(show)
    server.start()
    print(f"Bot API at {server.api_url} (token {args.token}); Ctrl-D to stop", flush=True)
    try:
        for line in sys.stdin:
            line = line.rstrip("\n")
            if not line:
                continue
            user = args.user
            if line.startswith("@") and " " in line and line[1:].split(" ", 1)[0].isdigit():
                head, line = line[1:].split(" ", 1)
                user = int(head)
            server.queue_message(user, line)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
