"""Has anything a build reads changed since the live site was built? Answered from file stats alone.

A one-off build checks this first: when nothing changed it is done before parsing, rendering or even
importing the rendering machinery.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from . import __version__
from .output import read_inputs_stamp
from .sources import Listing
from .themefiles import ThemeFiles


def inputs_stamp(content: Listing, base_url: str | None, theme: ThemeFiles) -> str | None:
    """A digest of what a build reads, from listings and stats (None when content files are misplaced)."""
    if content.errors:
        return None
    digest = hashlib.sha1(f"{__version__} {base_url}\n".encode())
    for src_path, signature in content.signatures.items():
        digest.update(f"{src_path} {signature}\n".encode())
    digest.update(theme_stamp(theme).encode())
    return digest.hexdigest()


def theme_stamp(theme: ThemeFiles) -> str:
    """A digest of the theme's files from their stats: a template or static file edited, added or removed."""
    digest = hashlib.sha1()
    for folder in theme.folders:
        for parent, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                try:
                    info = os.stat(os.path.join(parent, name))
                except FileNotFoundError:  # gone since the listing: an editor's swap file, the preview's sync file
                    continue
                digest.update(f"{parent}/{name} {info.st_mtime_ns} {info.st_size}\n".encode())
    return digest.hexdigest()


def unchanged_page_count(output: Path, stamp: str | None) -> int | None:
    """The live site's file count if it was built from exactly the inputs `stamp` names, else None."""
    recorded = read_inputs_stamp(output)
    return recorded[1] if recorded is not None and stamp is not None and stamp == recorded[0] else None
