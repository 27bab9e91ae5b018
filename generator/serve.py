"""The preview server: serves the built site as GitHub Pages would, rebuilds on edits, reloads open tabs.

Only while serving, HTML responses get one extra script tag; it listens for build events (Server-Sent
Events) and reloads the page after a rebuild, or shows the build's errors over the page until the next
good save. The files on disk never contain it.
"""

from __future__ import annotations

import email.errors
import io
import json
import mimetypes
import os
import posixpath
import re
import select
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .errors import GeneratorError
from .output import STATE_DIR

if TYPE_CHECKING:
    from .build import BuildResult

CONTROL_PREFIX = "/__portfolio__/"
EVENTS_PATH = CONTROL_PREFIX + "events"
SCRIPT_PATH = CONTROL_PREFIX + "live.js"
KEEPALIVE_SECONDS = 15.0
REQUEST_SECONDS = 10.0  # the request line and headers must all arrive within this, however slowly sent
HANGUP_CHECK_SECONDS = 1.0  # how often an event stream looks whether its tab went away
MAX_CONNECTIONS = 512  # open connections (one thread each) beyond which new ones get 503 at once
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# A header line without a colon (or with a space before it) ends the stdlib's header parsing without an error.
HEADER_SYNTAX_DEFECTS = (email.errors.MissingHeaderBodySeparatorDefect,
                         email.errors.FirstHeaderLineIsContinuationDefect)
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml",
              "application/atom+xml", "application/rss+xml")

LIVE_SCRIPT = """\
// Research Portfolio preview: reload after each rebuild, show build errors over the page.
(() => {
  const epoch = Number(document.currentScript.dataset.epoch);
  let box = null;
  function show(errors) {
    if (!errors.length) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "portfolio-error-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 1rem 1rem 1rem;max-height:60vh;overflow:auto;z-index:2147483647;" +
        "background:#2b0d0d;color:#ffe3e3;border:2px solid #ff6b6b;border-radius:8px;padding:1rem 1.25rem;" +
        "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;box-shadow:0 8px 30px rgba(0,0,0,.4)";
      document.body.appendChild(box);
    }
    box.textContent = "";
    const title = document.createElement("strong");
    title.textContent = "Build failed; showing the last good version. Fix and save to continue.";
    const list = document.createElement("pre");
    list.style.cssText = "margin:.5rem 0 0;white-space:pre-wrap";
    list.textContent = errors.join("\\n");
    box.append(title, list);
  }
  const source = new EventSource("/__portfolio__/events");
  source.onopen = () => { document.documentElement.dataset.portfolioLive = "connected"; };
  source.onmessage = (message) => {
    const state = JSON.parse(message.data);
    if (state.epoch !== epoch && !state.errors.length) { location.reload(); return; }
    show(state.errors);
  };
})();
"""


@dataclass
class BuildState:
    """What the browser is told: the number of the last good build and the current errors."""

    epoch: int = 0
    errors: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    stopping: bool = False

    def snapshot(self) -> str:
        return json.dumps({"epoch": self.epoch, "errors": self.errors})

    def publish(self, *, new_build: bool, errors: list[str]) -> None:
        with self.changed:
            if new_build:
                self.epoch += 1
            self.errors = errors
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


def resolve_request_path(output: Path, base_path: str, raw_path: str) -> tuple[str, Path | None]:
    """Map a request path to a file, a redirect or an error status.

    Returns (verdict, path) where verdict is "file", "dir-redirect", "root-redirect", "bad", "forbidden" or
    "missing". Only files inside `output` are ever returned. A path no browser sends - broken %-escapes,
    bytes that are not UTF-8, control characters or NULs, backslashes, `..` or `.` segments (also encoded)
    - is "bad" (400); a symlink that leads outside is "forbidden" (403).
    """
    if BAD_ESCAPE.search(raw_path):
        return "bad", None
    try:
        path = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return "bad", None
    if not path.startswith("/") or "\\" in path or any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return "bad", None
    segments = path.split("/")
    if any(segment in ("..", ".") for segment in segments):
        return "bad", None
    if not path.startswith(base_path):
        return ("root-redirect", None) if path in ("/", base_path.rstrip("/")) else ("missing", None)
    relative = path[len(base_path):]
    if relative.split("/")[0] == STATE_DIR:
        return "missing", None
    candidate = output / relative
    root = os.path.realpath(output)
    real = os.path.realpath(candidate)
    if real != root and not real.startswith(root + os.sep):
        return "forbidden", None
    if os.path.isdir(real):
        if not path.endswith("/"):
            return "dir-redirect", None
        real = os.path.join(real, "index.html")
    if not os.path.isfile(real):
        return "missing", None
    return "file", Path(real)


def content_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed.startswith(TEXT_TYPES):
        return f"{guessed}; charset=utf-8"
    return guessed


def inject_live_script(html: bytes, epoch: int) -> bytes:
    tag = f'<script src="{SCRIPT_PATH}" data-epoch="{epoch}"></script>'.encode()
    index = html.rfind(b"</body>")
    return html[:index] + tag + html[index:] if index >= 0 else html + tag


class _DeadlineReader(io.RawIOBase):
    """A client socket's reading end on which no read may end after `deadline` (a time.monotonic()).

    A socket timeout alone bounds each read, so a client sending one byte a second (slowloris) would hold
    its thread forever; a deadline bounds the whole request.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request took too long to arrive")
            self.sock.settimeout(left)
        return self.sock.recv_into(buffer)


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # so a malformed request gets a real "400" status line, not HTTP/0.9
    timeout = 10  # seconds any one read or write may block; REQUEST_SECONDS bounds a whole request

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the socket's own reader: replaced by one with a deadline
        self._reader = _DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        """One request; waiting for it (also on an idle kept-alive connection) ends after REQUEST_SECONDS."""
        self._reader.deadline = time.monotonic() + REQUEST_SECONDS
        super().handle_one_request()  # a TimeoutError there closes the connection without a reply

    def parse_request(self) -> bool:
        """The stdlib's parsing, plus a 400 for header lines it would drop (no colon, a space before it)."""
        if not super().parse_request():
            return False
        self._reader.deadline = None
        self.connection.settimeout(self.timeout)
        if any(isinstance(defect, HEADER_SYNTAX_DEFECTS) for defect in self.headers.defects):
            self.send_error(HTTPStatus.BAD_REQUEST, "Malformed header line")
            return False
        has_body = self.headers.get("Content-Length", "0").strip() not in ("", "0")
        if has_body or "Transfer-Encoding" in self.headers:
            self.close_connection = True  # the body is never read: it must not be taken for the next request
        return True

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per rebuild is what the terminal shows, not one per request

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def _refuse_method(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse_method

    def _serve(self, send_body: bool) -> None:
        try:
            target = urlsplit(self.path)
        except ValueError:  # e.g. "http://[bad" as an absolute-form target
            self._bad_request(send_body)
            return
        if target.path == EVENTS_PATH and send_body:
            self._stream_events()
            return
        if target.path == SCRIPT_PATH:
            self._respond(HTTPStatus.OK, LIVE_SCRIPT.encode(), "application/javascript; charset=utf-8", send_body)
            return
        verdict, file = resolve_request_path(self.server.output, self.server.base_path, target.path)
        if verdict == "root-redirect":
            self._redirect(self.server.base_path)
        elif verdict == "dir-redirect":
            self._redirect(target.path + "/" + (f"?{target.query}" if target.query else ""))
        elif verdict == "bad":
            self._bad_request(send_body)
        elif verdict == "forbidden":
            self._respond(HTTPStatus.FORBIDDEN, b"403 Forbidden\n", "text/plain; charset=utf-8", send_body)
        elif verdict == "missing" or file is None:
            try:  # the site's own 404 page, unless a rebuild is swapping it right now
                body, kind = (self.server.output / "404.html").read_bytes(), "text/html; charset=utf-8"
            except OSError:
                body, kind = b"404 Not Found\n", "text/plain; charset=utf-8"
            self._respond(HTTPStatus.NOT_FOUND, self._live(body, kind), kind, send_body)
        else:
            try:
                body = file.read_bytes()  # one read of one inode: a rebuild swaps files, never edits them
            except OSError:
                self._respond(HTTPStatus.NOT_FOUND, b"404 Not Found\n", "text/plain; charset=utf-8", send_body)
                return
            kind = content_type(file)
            self._respond(HTTPStatus.OK, self._live(body, kind), kind, send_body)

    def _bad_request(self, send_body: bool) -> None:
        self.close_connection = True  # as the stdlib does after its own 400s: what follows cannot be trusted
        self._respond(HTTPStatus.BAD_REQUEST, b"400 Bad Request\n", "text/plain; charset=utf-8", send_body)

    def _live(self, body: bytes, kind: str) -> bytes:
        if self.server.live and kind.startswith("text/html"):
            return inject_live_script(body, self.server.state.epoch)
        return body

    def _respond(self, status: HTTPStatus, body: bytes, kind: str, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY if location.endswith("/") else HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _stream_events(self) -> None:
        state = self.server.state
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        sent = None
        last_write = time.monotonic()
        try:
            while True:
                with state.changed:
                    if state.stopping:
                        return
                    current = state.snapshot()
                    if current == sent:
                        state.changed.wait(HANGUP_CHECK_SECONDS)
                        if state.stopping:
                            return
                        current = state.snapshot()
                if current == sent:
                    if self._hung_up():
                        return  # the tab went away: free the thread now, not at the next keep-alive
                    if time.monotonic() - last_write < KEEPALIVE_SECONDS:
                        continue
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    self.wfile.write(f"data: {current}\n\n".encode())
                    sent = current
                self.wfile.flush()
                last_write = time.monotonic()
        except OSError:
            return  # the tab went away

    def _hung_up(self) -> bool:
        """True once the client closed its end (or sent anything: an event stream is never written to)."""
        try:
            if hasattr(select, "poll"):  # no limit on descriptor numbers, unlike select()
                poller = select.poll()
                poller.register(self.connection, select.POLLIN)
                return bool(poller.poll(0))
            return bool(select.select([self.connection], [], [], 0)[0])
        except (OSError, ValueError):
            return True


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # the listen backlog: socketserver's 5 drops connections when many tabs load at once

    def __init__(self, address: tuple[str, int], output: Path, base_path: str, state: BuildState,
                 live: bool = True, max_connections: int = MAX_CONNECTIONS) -> None:
        self.output = output
        self.base_path = base_path
        self.state = state
        self.live = live  # add the reload script to pages (the preview); off for serving a site as it is
        self._slots = threading.BoundedSemaphore(max_connections)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6  # --host ::1
        super().__init__(address, PreviewHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """One thread per connection, but never more than `max_connections`: the rest get 503 at once."""
        if not self._slots.acquire(blocking=False):
            try:
                request.setblocking(False)  # the accepting thread must never wait on a client
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
                                b"Connection: close\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except RuntimeError:  # "can't start new thread": no thread will give the slot back
            self._slots.release()
            raise
        # (Not on KeyboardInterrupt: Ctrl-C may land after the thread started, or even finished, and must
        # reach serve_forever's caller rather than become a "released too many times" error.)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up or resets is normal; a bug gets one line, not a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return
        print(f"preview server: error while answering a request: {type(error).__name__}: {error}",
              file=sys.stderr, flush=True)


@contextmanager
def serving(output: Path, base_url: str) -> Iterator[str]:
    """Serve a built folder as it is on 127.0.0.1 (a free port) for the duration; yields the site's URL."""
    state = BuildState()
    server = PreviewServer(("127.0.0.1", 0), output, base_path_of(base_url), state, live=False)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{server.base_path}"
    finally:
        state.stop()
        server.shutdown()
        server.server_close()


@dataclass
class RebuildReport:
    """One rebuild, for the terminal: what changed, what was built, how long it took, what went wrong."""

    changed: list[str]
    result: BuildResult | None = None  # None when the build failed
    milliseconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    failure: GeneratorError | None = None  # the mistake in the user's files that failed it, if it was one


def rebuild(build: Callable[[set[str] | None], BuildResult], changed: set[str] | None, state: BuildState,
            format_error: Callable[[GeneratorError], list[str]]) -> RebuildReport:
    """Run one build; whatever goes wrong, the server keeps serving the last good site."""
    report = RebuildReport(["(all files)"] if changed is None else sorted(changed))
    started = time.perf_counter()
    try:
        report.result = build(changed)
    except GeneratorError as error:
        report.errors, report.failure = format_error(error), error
    except Exception:  # noqa: BLE001 - a bug must not stop the preview; it is printed in full
        traceback.print_exc(file=sys.stderr)
        report.errors = ["internal error while building (details in the terminal); save again to retry"]
    report.milliseconds = (time.perf_counter() - started) * 1000
    state.publish(new_build=report.result is not None and report.result.written > 0, errors=report.errors)
    return report


def base_path_of(base_url: str) -> str:
    path = urlsplit(base_url).path or "/"
    return posixpath.normpath(path).rstrip("/") + "/" if path != "/" else "/"

