"""A real HTTP server on 127.0.0.1 in a background thread, the base of the fake info sources.

Subclasses answer in `respond`. `failures` holds statuses to send before any real answer (a 503 then
success), `requests` records every request that reached the server (path, query, User-Agent).
"""

import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class Seen:
    path: str  # percent-decoded
    query: dict[str, str]
    user_agent: str


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def xml_reply(text: str, status: int = 200) -> Reply:
    return Reply(status, text.encode("utf-8"), "text/xml;charset=UTF-8")


def json_reply(data: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")


def free_port() -> int:
    """A port nothing listens on (bound, then released), for 'cannot connect' tests."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A client that timed out has hung up; writing to it then fails, which is what the test wanted.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeServer:
    """Serve `respond(path, query)` on 127.0.0.1; use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.failures: list[int] = []  # statuses to answer first, one per request
        self.retry_after: str | None = None  # sent with each scripted failure
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                parts = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                seen = Seen(unquote(parts.path), query, self.headers.get("User-Agent", ""))
                with fake._lock:
                    fake.requests.append(seen)
                    failure = fake.failures.pop(0) if fake.failures else None
                if failure is not None:
                    headers = (("Retry-After", fake.retry_after),) if fake.retry_after is not None else ()
                    reply = Reply(failure, b"<html><body>Service Unavailable</body></html>", "text/html", headers)
                else:
                    reply = fake.respond(seen.path, seen.query)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def respond(self, path: str, query: dict[str, str]) -> Reply:
        raise NotImplementedError

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    def __enter__(self) -> "FakeServer":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


def serve_until_interrupted(stop: Callable[[], None]) -> None:
    """Keep a fake server started by `python -m tests.fake_…` running until SIGINT/SIGTERM ends the process."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
