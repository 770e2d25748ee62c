"""The built guide served on 127.0.0.1 as a static host serves it: byte ranges for the <audio> (206 with
Content-Range, 416 past the end), which http.server does not answer, and, if asked, gzip for text, as hosts send
pages, CSS and JS over the wire. Every request is logged (path and Range) for the tests to count."""

import functools
import gzip
import http.server
import io
import re
import threading
from pathlib import Path

# What a host compresses: text, never media or pictures, which are compressed already.
_TEXT = re.compile(r"text/|application/(javascript|json|manifest\+json)|image/svg")


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".webmanifest": "application/manifest+json",
                      ".js": "text/javascript", ".vtt": "text/vtt", ".webp": "image/webp"}

    def send_head(self) -> io.BytesIO | None:
        self.server.log.append((self.path.split("?")[0], self.headers.get("Range")))
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        try:
            body = path.read_bytes()
        except OSError:
            self.send_error(404)
            return None
        kind = self.guess_type(str(path))
        status, start, end = 200, 0, len(body) - 1
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range") or "")
        if match and (match[1] or match[2]):
            if match[1]:
                start, end = int(match[1]), min(int(match[2] or len(body) - 1), len(body) - 1)
            else:
                start = max(0, len(body) - int(match[2]))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            status = 206
        compressed = (self.server.compress and status == 200 and _TEXT.match(kind)
                      and "gzip" in self.headers.get("Accept-Encoding", ""))
        if compressed:
            body, end = gzip.compress(body, mtime=0), None
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if compressed else end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-cache")
        if compressed:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
            self.end_headers()
            return io.BytesIO(body)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
        self.end_headers()
        return io.BytesIO(body[start:end + 1])

    def log_message(self, format: str, *args: object) -> None:
        pass


class Host:
    """The built guide on 127.0.0.1, in a thread; stopped, the port refuses connections (HTTP/1.0: none is kept)."""

    def __init__(self, site: Path, *, compress: bool = False) -> None:
        self.site = site
        self.compress = compress
        self.port = 0
        self.log: list[tuple[str, str | None]] = []
        self.server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> "Host":
        # The folder by name: a rebuild swaps a new folder in under it, and the same port serves that one.
        handler = functools.partial(RangeHandler, directory=str(self.site))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.server.daemon_threads = True
        self.server.log = self.log
        self.server.compress = self.compress
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def paths(self) -> list[str]:
        return [path for path, _ in self.log]

    def __enter__(self) -> "Host":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
