"""Watching a project for edits: watchdog events -> debounced batches of changed project paths.

Editors save in many ways (write in place, write a temporary file and rename it over the original, keep
swap and backup files beside it); a batch names the files that really changed and ignores the rest.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .sources import is_editor_artifact

SYNC_MARK = ".portfolio-sync-"  # files run_now makes (hidden: never content, never a rebuild of their own)
RESCAN = "*"  # in a batch: something changed that needs every file checked (a folder moved or vanished)
T = TypeVar("T")


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
        self._syncs = 0
        self._marks: set[str] = set()  # names of our sync files the watcher has seen

    def note_path(self, absolute: str) -> None:
        name = os.path.basename(absolute)
        if name.startswith(SYNC_MARK):
            with self._wake:
                self._marks.add(name)
                self._wake.notify_all()
            return
        if is_editor_artifact(name):
            return
        try:
            relative = Path(absolute).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return
        self.note(relative)

    def note(self, relative: str) -> None:
        with self._wake:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending.add(relative)
            self._last = now
            self._wake.notify()

    def start(self) -> None:
        handler = _Collector(self)
        self._watched = [folder for folder in self.folders if folder.is_dir()]
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
        with self._wake:
            self._syncs += 1
            names = {f"{SYNC_MARK}{os.getpid()}-{self._syncs}-{number}": folder
                     for number, folder in enumerate(self._watched)}
        made: list[Path] = []
        try:
            for name, folder in names.items():
                (folder / name).write_bytes(b"")
                made.append(folder / name)
            deadline = time.monotonic() + timeout
            with self._wake:
                while not names.keys() <= self._marks:
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
                self._marks -= names.keys()
        with self._batching:
            return action(self._take())
