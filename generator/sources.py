"""Finding and reading the content files of a site project: the only module that reads `content/`."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError

CONTENT_DIR = "content"
SITE_CONFIG = f"{CONTENT_DIR}/site.yaml"

# Folder under content/ -> the file endings it may hold, and whether files may sit in subfolders.
KINDS = {
    "authors": ((".yaml", ".yml", ".md"), False),
    "papers": ((".md",), False),
    "pages": ((".md",), True),
    "news": ((".md",), False),
}
STRICT_FOLDERS = ("authors", "papers")  # hold nothing but their own kind of file
ASSET = "asset"  # any other file under content/ (images, PDFs, slides): copied to the site as it is


@dataclass(frozen=True, slots=True)
class SourceFile:
    src_path: str  # POSIX path relative to the project, e.g. "content/papers/taid.md"
    kind: str  # "config", "authors", "papers", "pages" or "news"
    text: str
    digest: str


def is_editor_artifact(name: str) -> bool:
    """Swap, backup and lock files that editors leave beside the file being edited (and hidden files)."""
    return (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".bak"))
            or name == "4913")


def classify(src_path: str) -> tuple[str | None, str | None]:
    """(kind, problem) for a project-relative path: kind None means not a content file at all."""
    parts = src_path.split("/")
    if parts[0] != CONTENT_DIR or len(parts) < 2 or any(is_editor_artifact(part) for part in parts[1:]):
        return None, None
    return _classify_in(parts[:-1], parts[-1])


def _classify_in(folders: list[str], name: str) -> tuple[str | None, str | None]:
    """`classify` of file `name` in `folders` (["content", "papers"]), none of them an editor's artifact: a
    listing works out `folders` once for all the files in them."""
    if len(folders) == 1:
        return ("config", None) if f"{CONTENT_DIR}/{name}" == SITE_CONFIG else (ASSET, None)
    folder = folders[1]
    if folder in KINDS:
        endings, nested = KINDS[folder]
        if name.endswith(endings) and (nested or len(folders) == 2):
            return folder, None
        if folder in STRICT_FOLDERS:
            if not name.endswith(endings):
                return None, (f"unexpected file in {CONTENT_DIR}/{folder}/: {folder} are written as "
                              f"{' or '.join(endings)} files (put images and other files elsewhere, e.g. "
                              f"{CONTENT_DIR}/images/)")
            return None, f"{folder} files belong directly in {CONTENT_DIR}/{folder}/, not in a subfolder"
    return ASSET, None


@dataclass(frozen=True, slots=True)
class Listing:
    """The content files of a project at one moment, with their stats: the no-change check takes one and the
    build that follows reads by it, so a CLI build walks and stats the content folder once."""

    found: list[tuple[str, str]]  # (src_path, kind) of every content file, sorted
    errors: list[ContentError]
    signatures: dict[str, tuple[int, int] | None]  # see `signature`
    taken_ns: int  # a moment before the stats were taken (see `settled`)


def list_content(project: Path) -> Listing:
    """Every content file (sorted, with its kind), files that do not belong where they are (as errors), and the
    stats of the files: one walk of the content folder."""
    taken_ns = time.time_ns()
    found: list[tuple[str, str]] = []
    errors: list[ContentError] = []
    signatures: dict[str, tuple[int, int] | None] = {}
    for root, dirs, files in os.walk(project / CONTENT_DIR):
        dirs[:] = sorted(d for d in dirs if not is_editor_artifact(d))
        rel_root = Path(root).relative_to(project).as_posix()
        folders = rel_root.split("/")
        listed = []
        for name in sorted(files):
            kind, problem = (None, None) if is_editor_artifact(name) else _classify_in(folders, name)
            if problem:
                errors.append(ContentError(f"{rel_root}/{name}", 0, problem))
            elif kind:
                found.append((f"{rel_root}/{name}", kind))
                listed.append(name)
        signatures.update(zip((f"{rel_root}/{name}" for name in listed), _signatures_in(root, listed)))
    return Listing(found, errors, signatures, taken_ns)


def _signatures_in(folder: str, names: list[str]) -> list[tuple[int, int] | None]:
    """The `signature` of each file in one folder: stat by name relative to the open folder where the system
    allows it, a third quicker than by whole path (the kernel does not look up the folders again for each)."""
    if not _STAT_IN_FOLDER:
        return [_signature_of(os.path.join(folder, name)) for name in names]
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # gone or replaced since it was listed: reading its files says what is wrong
        return [None] * len(names)
    try:
        return [_signature_of(name, handle) for name in names]
    finally:
        os.close(handle)


# File systems stamp modification times in ticks (of up to 2 s): a file changed again within a tick of the stat
# taken before it was read may keep that stat. Not so a file last changed this long before the stat was taken.
SETTLE_NS = 3_000_000_000


def settled(stat: tuple[int, int] | None, taken_ns: int) -> bool:
    """Whether a file's `signature`, taken after `taken_ns`, changes whenever its bytes change from those read
    after it (so a record parsed from them may be reused while the signature holds, without reading the file)."""
    return stat is not None and stat[0] < taken_ns - SETTLE_NS


def load_bytes(project: Path, src_path: str) -> tuple[bytes, str]:
    """A file's bytes and their sha1."""
    with open(os.path.join(project, src_path), "rb") as file:  # os.path, not Path: run for every content file
        raw = file.read()
    return raw, hashlib.sha1(raw).hexdigest()


def signature(project: Path, src_path: str) -> tuple[int, int] | None:
    """(mtime_ns, size) of a content file, or None when it is gone or cannot be stat'ed: cheap change detection."""
    return _signature_of(os.path.join(project, src_path))


_STAT_IN_FOLDER = os.stat in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")  # not on Windows


def _signature_of(path: str, folder: int | None = None) -> tuple[int, int] | None:
    try:
        info = os.stat(path, dir_fd=folder)
    except OSError:  # gone, or unreadable (no permission, a link in a loop): reading the file says which
        return None
    return (info.st_mtime_ns, info.st_size)


def unreadable(src_path: str, error: OSError) -> ContentError:
    """The problem of a content file that is there but cannot be read."""
    return ContentError(src_path, 0, f"cannot read this file ({error.strerror}); check its permissions, or where it "
                                     "links to")


def load(project: Path, src_path: str, kind: str) -> SourceFile:
    """Read one content file as UTF-8 text; a file that is not UTF-8 is a content error."""
    return decode(src_path, kind, *load_bytes(project, src_path))


def decode(src_path: str, kind: str, raw: bytes, digest: str) -> SourceFile:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(src_path, line, "file is not UTF-8 text; save it with UTF-8 encoding") from None
    return SourceFile(src_path, kind, text, digest)
