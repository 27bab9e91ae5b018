"""Where the generator keeps what it can make again: the user's cache folder ($XDG_CACHE_HOME or ~/.cache), so
that rebuilds into any folder share it and the project's own folder stays untouched."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
from pathlib import Path


def user_cache(name: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative: the XDG specification says to ignore it
        base = str(Path.home() / ".cache")
    return Path(base) / "research-portfolio" / name


def folder_cache(kind: str, folder: Path) -> Path:
    """The cache entry of one kind for a project or output folder (however the path to it is written)."""
    return user_cache(f"{kind}-{hashlib.sha1(os.fsencode(folder.resolve())).hexdigest()[:20]}")


def write_whole(path: Path, data: bytes) -> None:
    """Put `data` at `path` all at once: written under a name of its own beside it, then renamed, so that a
    reader (another run) sees the old file or the new one; the temporary file never outlives a failure."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


@functools.cache
def _sources_digest() -> bytes:
    """The interpreter and the generator's code, byte for byte (read once per run, whoever asks)."""
    digest = hashlib.sha1(f"{sys.version}\0".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


@functools.cache
def code_digest(libraries: tuple[str, ...]) -> str:
    """Names the generator's code, the interpreter and the given libraries (by version): what other code made
    may not be what this code makes, or may not even load."""
    # imported here: it takes 25 ms, more than the preview server takes to build an edit for `portfolio build`
    from importlib import metadata

    digest = hashlib.sha1(_sources_digest())
    for name in libraries:
        try:
            digest.update(f"{name} {metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} -\0".encode())
    return digest.hexdigest()
