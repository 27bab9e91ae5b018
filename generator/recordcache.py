"""Parsed content kept between runs, so that a CLI build after an edit parses only the files whose bytes
changed (reading a 10,000-paper site: 5.5 s parsed, 1.1 s from here).

One file per project, in the user's cache folder (usercache.py) rather than in the project: it is a pickle,
and a project may hold content written by others. It starts with a header naming this exact generator code,
then holds pickled chunks of {path: LoadedFile}; a later chunk overrides an earlier one, so an edit appends
only what it re-read. A record is used only if its file's bytes still have the digest it was parsed from, so
a stale or partly written cache costs time, never a wrong page.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from .usercache import user_cache

CHUNK = 500  # records pickled together
MIN_OVERRIDDEN = 64  # stale entries an appended-to file may hold before it is rewritten whole (or 1/8 of it)


# What reading content uses besides our own code: an upgrade of one may change a record (MathML, HTML, sizes).
_READING_LIBRARIES = ("Markdown", "latex2mathml", "PyYAML", "pylatexenc", "Pillow", "Pygments")


@functools.cache
def _header() -> bytes:
    """Names the generator's code byte for byte and the libraries' versions: records made by other code may not
    be what this code makes (or even unpickle)."""
    digest = hashlib.sha1()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in _READING_LIBRARIES:
        try:
            digest.update(f"{name} {metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} -\0".encode())
    return f"research-portfolio records {digest.hexdigest()}\n".encode()


def cache_file(root: Path) -> Path:
    return user_cache(f"records-{hashlib.sha1(os.fsencode(root.resolve())).hexdigest()[:20]}")


class RecordCache:
    """The cache of one project, and whether a save may append to it or must write it whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.appendable = False  # read whole and sound, and not yet mostly entries overridden since
        self.overridden = 0  # entries read that a later chunk replaced
        self.kept = 0  # entries it holds

    def read(self) -> dict[str, Any]:
        entries: dict[str, Any] = {}
        read = 0
        try:
            with open(self.path, "rb") as file:
                if file.read(len(_header())) != _header():
                    return {}
                while True:
                    try:
                        chunk = pickle.load(file)
                    except EOFError:
                        break
                    if not isinstance(chunk, dict):
                        raise pickle.UnpicklingError("not a chunk of records")
                    entries.update(chunk)
                    read += len(chunk)
            self.appendable = True
        except FileNotFoundError:
            pass
        except Exception:  # noqa: BLE001 - cut short by a killed run, or damaged: what came before it still holds
            self.appendable = False
        self.overridden, self.kept = read - len(entries), len(entries)
        return entries

    def save(self, everything: Mapping[str, Any], fresh: Mapping[str, Any]) -> None:
        """Record `fresh` (entries parsed by this run); `everything` is the whole content, for a rewrite."""
        if not fresh:
            return
        try:
            if self.appendable and self.overridden + len(fresh) <= max(MIN_OVERRIDDEN, self.kept // 8):
                with open(self.path, "ab") as file:
                    _write_chunks(file, fresh)
                self.overridden += len(fresh)
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f"{self.path.name}.{os.getpid()}.partial")
            try:
                with open(partial, "wb") as file:
                    file.write(_header())
                    _write_chunks(file, everything)
                os.replace(partial, self.path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(partial)
            self.appendable, self.overridden, self.kept = True, 0, len(everything)
        except OSError:
            self.appendable = False  # a read-only or full cache folder: builds work as without it


def _write_chunks(file: BinaryIO, entries: Mapping[str, Any]) -> None:
    """Pickle `entries` a slice at a time: pickling keeps a memo of every object in its call, which for all of a
    large site's records would take more memory than the records."""
    items = list(entries.items())
    for start in range(0, len(items), CHUNK):
        pickle.dump(dict(items[start:start + CHUNK]), file, protocol=pickle.HIGHEST_PROTOCOL)
