"""Compiled templates, and which templates each one uses, kept between runs in the user's cache folder.

Both depend only on a template's source, Jinja and this code, yet finding them costs more than the rest of a
one-file edit's build of a small site: for the example site, 0.29 s to parse every template for what it
includes and 0.18 s to compile the ones rendered, of 0.62 s. The cache lives in a folder named after this
code and its libraries; a damaged, unreadable or unwritable cache only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import time
from pathlib import Path

import jinja2

from .usercache import code_digest, user_cache, write_whole

_LIBRARIES = ("Jinja2", "MarkupSafe")
MAX_REFERENCES = 1000  # template sources whose references are kept (each edit of a template adds one)
UNUSED_FOR = 24 * 3600  # seconds after which another version's folder is taken as abandoned
_REFERENCES = "references.json"
References = dict[str, "list[str] | None"]  # source digest -> templates it names (None: a name known only when run)


def source_digest(source: str) -> str:
    return hashlib.sha1(source.encode()).hexdigest()


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's own bytecode cache (one file per template, written whole by whichever process compiled it), made
    to shrug off damage, and beside it the references of every template source seen."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder
        self.references = self._read_references()
        self._known = len(self.references)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - cut short or garbled (Jinja unpickles its header): compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)

    def _read_references(self) -> References:
        try:
            found = json.loads((self.folder / _REFERENCES).read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(found, dict):
            return {}
        return {key: refs for key, refs in found.items()
                if refs is None or (isinstance(refs, list) and all(isinstance(ref, str) for ref in refs))}

    def save(self) -> None:
        """Keep the references found since the cache was read, if any; written whole, then renamed into place."""
        if len(self.references) == self._known:
            return
        kept = dict(list(self.references.items())[-MAX_REFERENCES:])  # the newest: sources a theme had lately
        with contextlib.suppress(OSError):
            write_whole(self.folder / _REFERENCES, json.dumps(kept).encode())
            self._known = len(self.references)


def template_cache() -> TemplateCache | None:
    """This code's cache folder, made if needed (None if it cannot be). Folders that other code (another
    version, another Python) has not used for a day are removed."""
    folder = user_cache("templates") / code_digest(_LIBRARIES)[:20]
    try:
        if not folder.is_dir():
            for other in folder.parent.glob("*"):
                if other.name != folder.name and time.time() - other.stat().st_mtime > UNUSED_FOR:
                    shutil.rmtree(other, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
        return TemplateCache(folder)
    except OSError:
        return None
