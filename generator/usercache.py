"""Where the generator keeps what it can make again: the user's cache folder ($XDG_CACHE_HOME or ~/.cache), so
that rebuilds into any folder share it and the project's own folder stays untouched."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache(name: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative: the XDG specification says to ignore it
        base = str(Path.home() / ".cache")
    return Path(base) / "research-portfolio" / name
