"""Parsed content kept between runs, so that a CLI build after an edit parses only the files whose bytes
changed (reading a 10,000-paper site: 5.5 s parsed, 1.1 s from here).

One file per project, in the user's cache folder (usercache.py) rather than in the project: it is a pickle,
and a project may hold content written by others. It starts with a header naming this exact generator code,
then holds checksummed pickled chunks of {path: LoadedFile}; a later chunk overrides an earlier one, so an edit
appends only what it re-read. A record is used only while its file has the bytes it was parsed from (see
Project._reusable), and reading stops at the first chunk that is cut short or garbled (a killed run, two runs
at once): a stale or damaged cache costs time, never a wrong page.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import struct
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from .usercache import code_digest, folder_cache

CHUNK = 500  # records pickled together
MIN_WASTE = 64  # replaced or deleted entries a file may hold before it is rewritten whole (or 1/8 of its entries)
ABANDONED_AFTER = 3600  # seconds after which a partial rewrite is taken as left by a killed run, and removed
_FRAME = struct.Struct("<Q20s")  # a chunk's length and SHA-1, before its bytes

# What reading content uses besides our own code: an upgrade of one may change a record (MathML, HTML, sizes,
# the Unicode tables that turn names into slugs, libyaml's error messages).
_READING_LIBRARIES = ("Markdown", "latex2mathml", "PyYAML", "pylatexenc", "Pillow", "Pygments")


@functools.cache
def _header() -> bytes:
    """Records made by other code may not be what this code makes; nor with other Unicode tables or libyaml."""
    import unicodedata

    import yaml

    return (f"research-portfolio records {code_digest(_READING_LIBRARIES)} {unicodedata.unidata_version} "
            f"{yaml.__with_libyaml__}\n").encode()


def cache_file(root: Path) -> Path:
    return folder_cache("records", root)


class RecordCache:
    """The cache of one project, and whether a save may append to it or must write it whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.held: set[str] = set()  # paths it has entries for
        self.waste = 0  # entries a later chunk replaced
        self._sound: tuple[int, int] | None = None  # (inode, size) of the file when last read whole or written

    def read(self) -> dict[str, Any]:
        entries: dict[str, Any] = {}
        read = 0
        with contextlib.suppress(OSError), open(self.path, "rb") as file:
            if file.read(len(_header())) == _header():
                chunks, sound = _read_chunks(file)
                for chunk in chunks:
                    entries.update(chunk)
                    read += len(chunk)
                if sound:
                    self._sound = _identity(file.fileno())
        self.held, self.waste = set(entries), read - len(entries)
        return entries

    def save(self, everything: Mapping[str, Any], fresh: Mapping[str, Any]) -> None:
        """Record `fresh` (entries parsed by this run); `everything` is the whole content, for a rewrite."""
        gone = len(self.held - everything.keys())
        replaced = len(fresh.keys() & self.held)
        tolerable = self._sound is not None and self.waste + replaced + gone <= max(MIN_WASTE, len(everything) // 8)
        if not fresh and (tolerable or not gone):
            return
        try:
            if tolerable and self._append(fresh):
                self.waste += replaced
                self.held |= fresh.keys()
                return
            self._rewrite(everything)
        except OSError:
            self._sound = None  # a read-only or full cache folder: builds work as without it

    def _append(self, fresh: Mapping[str, Any]) -> bool:
        """Add `fresh` at the end, if the file is still the one this run read or wrote (another run may have
        rewritten it, perhaps with other code); False if it is not."""
        with open(self.path, "r+b") as file:
            if _identity(file.fileno()) != self._sound or file.read(len(_header())) != _header():
                return False
            file.seek(0, os.SEEK_END)
            _write_chunks(file, fresh)
            file.flush()
            self._sound = _identity(file.fileno())
        return True

    def _rewrite(self, everything: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(self.path)
        partial = self.path.with_name(f"{self.path.name}.{os.getpid()}-{os.urandom(4).hex()}.partial")
        try:
            with open(partial, "wb") as file:
                file.write(_header())
                _write_chunks(file, everything)
                file.flush()
                os.replace(partial, self.path)
                self._sound = _identity(file.fileno())
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(partial)
        self.held, self.waste = set(everything), 0


def _identity(descriptor: int) -> tuple[int, int]:
    info = os.fstat(descriptor)
    return info.st_ino, info.st_size


def _read_chunks(file: BinaryIO) -> tuple[list[dict[str, Any]], bool]:
    """The sound chunks from the file's position on, up to the first that is not; and whether all were."""
    chunks: list[dict[str, Any]] = []
    while frame := file.read(_FRAME.size):
        if len(frame) != _FRAME.size:
            return chunks, False
        length, checksum = _FRAME.unpack(frame)
        data = file.read(length)
        if len(data) != length or hashlib.sha1(data).digest() != checksum:
            return chunks, False
        try:
            chunk = pickle.loads(data)
        except Exception:  # noqa: BLE001 - made by code that unpickles differently: as if damaged
            return chunks, False
        if not isinstance(chunk, dict):
            return chunks, False
        chunks.append(chunk)
    return chunks, True


def _write_chunks(file: BinaryIO, entries: Mapping[str, Any]) -> None:
    """Pickle `entries` a slice at a time: pickling keeps a memo of every object in its call, which for all of a
    large site's records would take more memory than the records."""
    items = list(entries.items())
    for start in range(0, len(items), CHUNK):
        data = pickle.dumps(dict(items[start:start + CHUNK]), protocol=pickle.HIGHEST_PROTOCOL)
        file.write(_FRAME.pack(len(data), hashlib.sha1(data).digest()) + data)


def _remove_abandoned(path: Path) -> None:
    """Partial rewrites left by runs that were killed while writing (each as large as the cache)."""
    now = time.time()
    for partial in path.parent.glob(f"{path.name}.*.partial"):
        with contextlib.suppress(OSError):
            if now - partial.stat().st_mtime > ABANDONED_AFTER:
                partial.unlink()
