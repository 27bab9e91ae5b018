"""Watching a project for edits: watchdog events -> debounced batches of changed project paths.

Editors save in many ways (write in place, write a temporary file and rename it over the original, keep
swap and backup files beside it); a batch names the files that really changed and ignores the rest.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .sources import is_editor_artifact

RESCAN = "*"  # in a batch: something changed that needs every file checked (a folder moved or vanished)


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

    def __init__(self, root: Path, folders: list[Path], on_batch: Callable[[set[str]], None],
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

    def note_path(self, absolute: str) -> None:
        if is_editor_artifact(os.path.basename(absolute)):
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
        for folder in self.folders:
            if folder.is_dir():
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
                batch, self._pending = self._pending, set()
            self.on_batch(batch)
