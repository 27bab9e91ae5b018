"""Watching a project for edits: watchdog events -> debounced batches of changed project paths.

Editors save in many ways (write in place, write a temporary file and rename it over the original, keep
swap and backup files beside it); a batch names the files that really changed and ignores the rest.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .sources import is_editor_artifact

SYNC_MARK = ".portfolio-sync-"  # files run_now makes (hidden: never content, never a rebuild of their own)
RESCAN = "*"  # in a batch: something changed that needs every file checked (a folder moved or vanished)
T = TypeVar("T")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class _Collector(FileSystemEventHandler):
    def __init__(self, watcher: ChangeWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        if event.is_directory:
            if event.event_type in ("moved", "deleted", "created"):
                self.watcher.note(RESCAN)
            return
        for path in paths:
            if path:
                self.watcher.note_path(os.fsdecode(path))


class ChangeWatcher:
    """Calls `on_batch(paths)` after edits settle: `quiet` seconds without events, `longest` at most."""

    def __init__(self, root: Path, folders: list[Path], on_batch: Callable[[set[str]], object],
                 quiet: float = 0.01, longest: float = 0.3) -> None:
        self.root = root.resolve()
        self.folders = folders
        self.on_batch = on_batch
        self.quiet = quiet
        self.longest = longest
        self._pending: set[str] = set()
        self._first = 0.0
        self._last = 0.0
        self._wake = threading.Condition()
        self._stopped = False
        self._observer = Observer()
        self._thread = threading.Thread(target=self._run, name="portfolio-debounce", daemon=True)
        self._batching = threading.Lock()  # held from taking a batch until on_batch returns
        self._watched: list[Path] = []
        self._awaited: dict[str, bool] = {}  # names of run_now's files: whether the watcher has seen each
        self._links = ""  # a symbolic link met in a watched folder: edits through it are not seen

    def note_path(self, absolute: str) -> None:
        name = os.path.basename(absolute)
        if name.startswith(SYNC_MARK):
            with self._wake:
                if name in self._awaited:
                    self._awaited[name] = True
                    self._wake.notify_all()
            return
        if is_editor_artifact(name):
            return
        if os.path.islink(absolute):
            self._links = absolute
        try:
            relative = Path(absolute).resolve().relative_to(self.root).as_posix()
        except ValueError:
            self._links = absolute
            return
        self.note(relative)

    def blind_spot(self) -> str | None:
        """Why edits might escape this watcher: a folder made after it started, a symbolic link."""
        for folder in self.folders:
            if folder not in self._watched and folder.is_dir():
                return f"{folder.name}/ was made after the preview server started"
        return f"{self._links} is a symbolic link" if self._links else None

    def note(self, relative: str) -> None:
        with self._wake:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending.add(relative)
            self._last = now
            self._wake.notify_all()  # the debounce thread, and any run_now waiting

    def start(self) -> None:
        handler = _Collector(self)
        self._watched = [folder for folder in self.folders if folder.is_dir()]
        self._links = next(_links_in(self._watched), "")
        for folder in self._watched:
            self._observer.schedule(handler, str(folder), recursive=True)
        self._observer.start()
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                now = time.monotonic()
                due = min(self._last + self.quiet, self._first + self.longest)
                if now < due:
                    self._wake.wait(due - now)
                    continue
            with self._batching:
                batch = self._take()
                if batch:  # else run_now took it
                    self.on_batch(batch)

    def _take(self) -> set[str]:
        with self._wake:
            batch, self._pending = self._pending, set()
        return batch

    def run_now(self, action: Callable[[set[str]], T], timeout: float = 5.0) -> T | None:
        """`action(batch)` with every edit made before this call, at once, without waiting for edits to settle;
        None if the watcher did not catch up within `timeout` or a watched folder is read-only.

        Each watched folder gets a file of our own, made and removed at once: the watcher sees its events after
        those of every earlier edit in that folder (inotify and watchdog keep each watch's events in order)."""
        names = {f"{SYNC_MARK}{os.urandom(8).hex()}": folder for folder in self._watched}
        with self._wake:
            self._awaited.update(dict.fromkeys(names, False))
        made: list[Path] = []
        try:
            for name, folder in names.items():  # a new file of our own: never through a link, never another's
                os.close(os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600))
                made.append(folder / name)
            deadline = time.monotonic() + timeout
            with self._wake:
                while not all(self._awaited[name] for name in names):
                    if (left := deadline - time.monotonic()) <= 0:
                        return None
                    self._wake.wait(left)
        except OSError:
            return None
        finally:
            for path in made:
                with contextlib.suppress(OSError):
                    path.unlink()
            with self._wake:
                for name in names:
                    del self._awaited[name]
        with self._batching:
            return action(self._take())


def _links_in(folders: list[Path]) -> Iterator[str]:
    stack = [str(folder) for folder in folders]
    while stack:
        with contextlib.suppress(OSError), os.scandir(stack.pop()) as entries:
            for entry in entries:  # the entry's type comes with the listing: no stat per file
                if entry.is_symlink():
                    yield entry.path
                elif entry.is_dir():
                    stack.append(entry.path)
