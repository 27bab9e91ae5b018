"""The build channel: while `portfolio serve` runs, `portfolio build` of the same project asks it to build.

The server holds the whole model in memory and its watcher has already seen every edit, so its build of an edit
takes milliseconds where a new process spends seconds reading the record cache, linking and scanning the output
folder (see benchmarks/). The channel is a Unix socket in the user's cache folder that only its owner may
connect to; one request per connection, a JSON line each way (the server acknowledges a request it builds for
before building). With no server, a server of other code or other settings, one that does not acknowledge in
time or dies mid-build, or one whose watcher may miss edits, `build` builds by itself, as it always could.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import __version__
from .errors import BuildFailed, ContentError, GeneratorError
from .usercache import folder_cache

if TYPE_CHECKING:
    from .build import BuildResult

Message = dict[str, Any]

ANSWER_SECONDS = 10.0  # for a server to take a request (or a client to send one): one that takes longer is stuck
REQUEST_BYTES = 1 << 16
ACCEPTED = b'{"accepted": true}\n'  # sent before building: the build itself may take minutes at 100k papers
PACKAGE = os.path.dirname(os.path.abspath(__file__))  # the generator's code


def channel_path(root: Path) -> Path:
    return folder_cache("serve", root).with_suffix(".sock")


def _code() -> str:
    """Which generator answers: the interpreter, the package's folder and version (the server also checks that
    its code on disk is still the code it runs)."""
    return f"{sys.version}\0{PACKAGE}\0{__version__}"


def _code_on_disk() -> list[tuple[str, int, int]]:
    """The generator's source files as they are now: a server whose code was edited or upgraded since it started
    may build otherwise than `build` would."""
    found = []
    for folder, _, names in os.walk(PACKAGE):
        for name in names:
            if name.endswith(".py"):
                info = os.stat(os.path.join(folder, name))
                found.append((os.path.join(folder, name), info.st_mtime_ns, info.st_size))
    return sorted(found)


def build_request(root: Path, output: Path | None, base_url: str | None) -> Message:
    return {"root": str(root.resolve()), "output": str((output or root / "site").resolve()), "base_url": base_url,
            "code": _code()}


def _message(lines: BinaryIO, limit: int = -1) -> Message:
    """The next line's message: lines, as the acknowledgement and the reply may come in one read."""
    message = json.loads(lines.readline(limit))
    return message if isinstance(message, dict) else {}  # {}: no reply, and no request this server builds for


def _is_reply(reply: Message) -> bool:
    built, failed = reply.get("built"), reply.get("failed")
    if isinstance(built, dict):
        return all(isinstance(built.get(key), int) for key in ("pages", "rendered", "written", "removed")) \
            and isinstance(built.get("changed"), list)
    if isinstance(failed, list):
        return all(isinstance(error, list) and len(error) == 4 for error in failed)
    return isinstance(reply.get("declined"), str) or reply.get("pong") is True


def ask_server(request: Message, path: Path) -> Message | None:
    """The running server's reply (`built`, `failed`, `declined` or `pong`), or None when none answered in
    time, or it answered nonsense."""
    if not hasattr(socket, "AF_UNIX"):  # Windows builds of Python
        return None
    try:
        if not path.exists():
            return None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(ANSWER_SECONDS)  # a server stopped with Ctrl-Z still accepts connections
            connection.connect(str(path))
            connection.sendall(json.dumps(request).encode() + b"\n")
            with connection.makefile("rb") as lines:
                reply = _message(lines, REQUEST_BYTES)
                if reply.get("accepted") is True:
                    connection.settimeout(None)
                    reply = _message(lines)  # all the errors of a site, however many
    except (OSError, ValueError, RecursionError):
        return None
    return reply if _is_reply(reply) else None


class BuildChannel:
    """The server's end: requests are answered one at a time, on a thread of their own."""

    def __init__(self, root: Path, output: Path, base_url: str | None,
                 answer: Callable[[], Message]) -> None:
        self.path = channel_path(root)
        self.expected = build_request(root, output, base_url)
        self.answer = answer
        self._code_on_disk = _code_on_disk()
        self._listener: socket.socket | None = None
        self._inode = 0

    def open(self) -> str | None:
        """Start answering; the reason when it cannot (another server of this project answers, a path too long
        for a socket, a read-only cache folder)."""
        if not hasattr(socket, "AF_UNIX"):
            return "this system has no Unix sockets"
        if ask_server({"ping": True}, self.path) is not None:
            return "another preview server of this project answers `portfolio build`"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()  # left by a server that was killed
            listener.bind(str(self.path))
            os.chmod(self.path, 0o600)  # before listening: until then nobody can connect
            listener.listen()
            self._inode = os.stat(self.path).st_ino
        except OSError as error:
            listener.close()
            return f"cannot listen on {self.path} ({error.strerror or error})"
        self._listener = listener
        threading.Thread(target=self._serve, args=(listener,), name="portfolio-build-channel", daemon=True).start()
        return None

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        listener.close()
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_ino == self._inode:  # not another server's, started since
                self.path.unlink()

    def _serve(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # closed
            with connection, contextlib.suppress(OSError, ValueError, RecursionError):  # one bad client's loss
                connection.settimeout(ANSWER_SECONDS)  # a client that sends nothing must not hold up the others
                with connection.makefile("rb") as lines:
                    reply = self._refusal(_message(lines, REQUEST_BYTES))
                if reply is None:
                    connection.sendall(ACCEPTED)
                    try:
                        reply = self.answer()
                    except Exception:  # noqa: BLE001 - a bug: `build` builds by itself, this server goes on
                        import traceback  # here: 5 ms of every `build` otherwise

                        traceback.print_exc(file=sys.stderr)
                        continue
                connection.sendall(json.dumps(reply).encode() + b"\n")

    def _refusal(self, request: Message) -> Message | None:
        """The reply to a request this server does not build for, else None."""
        if request.get("ping"):
            return {"pong": True}
        for key, what in (("root", "project"), ("output", "output folder"), ("base_url", "--base-url"),
                          ("code", "generator")):
            if request.get(key) != self.expected[key]:
                return {"declined": f"the preview server runs with another {what}"}
        if _code_on_disk() != self._code_on_disk:
            return {"declined": "the preview server runs code that has changed on disk since it started"}
        return None


def built_reply(result: BuildResult | None, failure: GeneratorError | None) -> Message:
    """What the server's build comes to for `portfolio build`: a failure of content is its own to report; any
    other (a bug, a folder it may not write) is the CLI's to meet by building by itself."""
    if result is not None:
        return {"built": {"pages": result.pages, "rendered": result.rendered, "written": result.written,
                          "removed": result.removed, "changed": list(result.changed)}}
    errors = failure.errors if isinstance(failure, BuildFailed) else [failure] \
        if isinstance(failure, ContentError) else None
    if errors is None:
        return {"declined": "the preview server's last build failed (see its terminal)"}
    return {"failed": [[e.location.path, e.location.line, e.message, e.location.column] for e in errors]}


def raise_failure(reply: Message) -> None:
    if "failed" in reply:
        raise BuildFailed(ContentError(*error) for error in reply["failed"])
