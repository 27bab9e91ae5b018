"""The preview server: serves the built site as GitHub Pages would, rebuilds on edits, reloads open tabs.

Only while serving, HTML responses get one extra script tag; it listens for build events (Server-Sent
Events) and reloads the page after a rebuild, or shows the build's errors over the page until the next
good save. The files on disk never contain it.
"""

from __future__ import annotations

import json
import mimetypes
import os
import posixpath
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
from urllib.parse import unquote, urlsplit

from .errors import GeneratorError
from .output import STATE_DIR

CONTROL_PREFIX = "/__portfolio__/"
EVENTS_PATH = CONTROL_PREFIX + "events"
SCRIPT_PATH = CONTROL_PREFIX + "live.js"
KEEPALIVE_SECONDS = 15.0
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
    """Map a request path to a file: ("file", path), ("redirect", None) with the path to use, or a status.

    Returns (verdict, path) where verdict is "file", "dir-redirect", "root-redirect", "forbidden" or
    "missing". Only files inside `output` are ever returned; `..`, encoded dots, absolute paths, NULs,
    backslashes and symlinks that lead outside are refused.
    """
    path = unquote(raw_path)
    if "\x00" in path or "\\" in path or not path.startswith("/"):
        return "forbidden", None
    segments = path.split("/")
    if any(segment in ("..", ".") for segment in segments):
        return "forbidden", None
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


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # so a malformed request gets a real "400" status line, not HTTP/0.9
    timeout = 10  # seconds a client may take to send its request: slow clients cannot hold a thread forever

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
        target = urlsplit(self.path)
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
        elif verdict == "forbidden":
            self._respond(HTTPStatus.FORBIDDEN, b"403 Forbidden\n", "text/plain; charset=utf-8", send_body)
        elif verdict == "missing" or file is None:
            not_found = self.server.output / "404.html"
            body = not_found.read_bytes() if not_found.is_file() else b"404 Not Found\n"
            kind = "text/html; charset=utf-8" if not_found.is_file() else "text/plain; charset=utf-8"
            self._respond(HTTPStatus.NOT_FOUND, self._live(body, kind), kind, send_body)
        else:
            try:
                body = file.read_bytes()  # one read of one inode: a rebuild swaps files, never edits them
            except OSError:
                self._respond(HTTPStatus.NOT_FOUND, b"404 Not Found\n", "text/plain; charset=utf-8", send_body)
                return
            kind = content_type(file)
            self._respond(HTTPStatus.OK, self._live(body, kind), kind, send_body)

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
        try:
            while True:
                with state.changed:
                    if state.stopping:
                        return
                    current = state.snapshot()
                    if current == sent:
                        state.changed.wait(KEEPALIVE_SECONDS)
                        if state.stopping:
                            return
                        current = state.snapshot()
                if current != sent:
                    self.wfile.write(f"data: {current}\n\n".encode())
                    sent = current
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except OSError:
            return  # the tab went away


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # the listen backlog: socketserver's 5 drops connections when many tabs load at once

    def __init__(self, address: tuple[str, int], output: Path, base_path: str, state: BuildState,
                 live: bool = True) -> None:
        self.output = output
        self.base_path = base_path
        self.state = state
        self.live = live  # add the reload script to pages (the preview); off for serving a site as it is
        super().__init__(address, PreviewHandler)


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
    """One rebuild, for the terminal: what changed, how many pages were re-rendered, how long it took."""

    changed: list[str]
    rendered: int = 0
    written: int = 0
    milliseconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def rebuild(build: Callable[[set[str] | None], tuple[int, int]], changed: set[str] | None, state: BuildState,
            format_error: Callable[[GeneratorError], list[str]]) -> RebuildReport:
    """Run one build; whatever goes wrong, the server keeps serving the last good site."""
    report = RebuildReport(sorted(changed) if changed else ["(all files)"])
    started = time.perf_counter()
    try:
        report.rendered, report.written = build(changed)
    except GeneratorError as error:
        report.errors = format_error(error)
    except Exception:  # noqa: BLE001 - a bug must not stop the preview; it is printed in full
        traceback.print_exc(file=sys.stderr)
        report.errors = ["internal error while building (details in the terminal); save again to retry"]
    report.milliseconds = (time.perf_counter() - started) * 1000
    state.publish(new_build=not report.errors and report.written > 0, errors=report.errors)
    return report


def base_path_of(base_url: str) -> str:
    path = urlsplit(base_url).path or "/"
    return posixpath.normpath(path).rstrip("/") + "/" if path != "/" else "/"

