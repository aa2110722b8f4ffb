"""The stand-in served over HTTP on 127.0.0.1, in a background thread: for a bot in another
process (`python bot.py run` in tests), the offline console and the benchmarks. Webhook
delivery lives here too, since it is Telegram calling the bot over HTTP."""

from __future__ import annotations

import contextlib
import copy
import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from .core import Answer, BotAPI
from .decoding import coerce_params, decode_body
from .errors import Abort
from .limits import FloodLimits


class BotAPIServer(BotAPI):
    """The Bot API stand-in listening on ``host:port`` (0: any free port)."""

    def __init__(
        self,
        token: str = "123:TEST",
        host: str = "127.0.0.1",
        port: int = 0,
        flood_limits: bool | FloodLimits = False,
        bot_username: str = "KeyProjectBot",
        *,
        webhook_retry_delay: float = 0.5,
        **options: object,
    ):
        super().__init__(token, flood_limits, bot_username, **options)  # type: ignore[arg-type]
        self.host = host
        self.port = port
        self.webhook_retry_delay = webhook_retry_delay
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._webhook_thread: threading.Thread | None = None

    @property
    def api_url(self) -> str:
        """The base URL for python-telegram-bot (``base_url``); PTB appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def file_api_url(self) -> str:
        """The base file URL for python-telegram-bot (``base_file_url``)."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> BotAPIServer:
        """Start listening (again on the same port after :meth:`stop`). Returns ``self``."""
        if self._httpd is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"api": self})
        httpd = _HTTPServer((self.host, self.port), handler)
        self.port = httpd.server_address[1]
        with self._lock:
            self._stop_event = threading.Event()
            self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"localapi:{self.port}",
            daemon=True,
        )
        self._thread.start()
        with self._lock:
            if self._webhook.get("url"):
                self._start_webhook_delivery()
        return self

    def stop(self) -> None:
        """Stop listening and drop open connections. All state is kept for a later start()."""
        with self._cond:
            httpd = self._httpd
            if httpd is None:
                return
            self._httpd = None
            self._stop_event.set()
            self._webhook_wake.set()
            self._changed()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._webhook_thread is not None:
            self._webhook_thread.join(timeout=5)
            self._webhook_thread = None

    def __enter__(self) -> BotAPIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def post_update(self, url: str, update: dict, secret_token: str | None = None) -> int:
        """POST an update to a webhook URL as Telegram does; returns the HTTP status."""
        body = json.dumps(update).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
                return resp.status
        except urllib.error.HTTPError as err:
            return err.code

    def _start_webhook_delivery(self) -> None:
        """Caller holds the lock."""
        if self._webhook_thread is not None and self._webhook_thread.is_alive():
            self._webhook_wake.set()
            return
        self._webhook_wake.clear()
        stop_event = self._stop_event
        self._webhook_thread = threading.Thread(
            target=self._deliver_webhooks, args=(stop_event,), name="localapi-webhook", daemon=True
        )
        self._webhook_thread.start()

    def _deliver_webhooks(self, stop_event: threading.Event) -> None:
        while not stop_event.is_set():
            with self._lock:
                url = self._webhook.get("url")
                secret = self._webhook.get("secret_token")
                update = copy.deepcopy(self._updates[0]) if (url and self._updates) else None
            if not url:
                return
            if update is None:
                self._webhook_wake.wait(0.5)
                self._webhook_wake.clear()
                continue
            try:
                status = self.post_update(url, update, secret)
                error = (
                    None if 200 <= status < 300 else f"Wrong response from the webhook: {status}"
                )
            except OSError as exc:
                error = f"Connection failed: {exc}"
            with self._cond:
                if error is None:
                    self._updates = [
                        u for u in self._updates if u["update_id"] != update["update_id"]
                    ]
                    self._confirmed_offset = max(self._confirmed_offset, update["update_id"] + 1)
                    self._changed()
                else:
                    self._webhook["last_error_date"] = int(time.time())
                    self._webhook["last_error_message"] = error
            if error is not None:
                stop_event.wait(self.webhook_retry_delay)

    def _webhook_changed(self) -> None:
        if self._httpd is not None:
            self._start_webhook_delivery()

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _handle(self, verb: str, path: str, query: str, headers: object, body: bytes
                ) -> tuple[Answer, threading.Event]:
        """Answer one HTTP request (a getUpdates once it has its answer), with the stop event
        that cuts its delay short."""
        stop_event = self._stop_event

        def decode() -> tuple[dict, dict]:
            raw, files = decode_body(headers.get("Content-Type"), body, query)  # type: ignore[attr-defined]
            return coerce_params(raw), files

        answer = self.answer(verb, unquote(path), decode)
        return self.wait_poll(answer), stop_event


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        # connections dropped by clients (or by stop()) are normal here
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalBotAPI/1.0"
    # headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
    # delayed ACKs add ~40 ms to every answer
    disable_nagle_algorithm = True
    api: BotAPIServer

    def setup(self) -> None:
        super().setup()
        self.api._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.api._track(self.connection, False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self, verb: str) -> None:
        body = self._read_body()
        split = urlsplit(self.path)
        try:
            answer, stop_event = self.api._handle(verb, split.path, split.query, self.headers,
                                                  body)
        except Abort:
            self.close_connection = True
            return
        if answer.delay > 0 and stop_event.wait(answer.delay):
            self.close_connection = True
            return
        if answer.drop:
            self.close_connection = True
            return
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if verb != "HEAD":
                self.wfile.write(answer.body)
        except OSError:
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")
