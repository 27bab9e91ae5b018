"""Finding and reading the content files of a site project: the only module that reads `content/`."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError

CONTENT_DIR = "content"
SITE_CONFIG = f"{CONTENT_DIR}/site.yaml"

# Folder under content/ -> the file endings it may hold.
KINDS = {
    "authors": (".yaml", ".yml", ".md"),
    "papers": (".md",),
}


@dataclass(frozen=True, slots=True)
class SourceFile:
    src_path: str  # POSIX path relative to the project, e.g. "content/papers/taid.md"
    kind: str  # "config", "authors" or "papers"
    text: str
    digest: str


def is_editor_artifact(name: str) -> bool:
    """Swap, backup and lock files that editors leave beside the file being edited."""
    return (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".bak"))
            or name == "4913")


def classify(src_path: str) -> tuple[str | None, str | None]:
    """(kind, problem) for a project-relative path: kind None means not a content file we read."""
    parts = src_path.split("/")
    if parts[0] != CONTENT_DIR or is_editor_artifact(parts[-1]):
        return None, None
    if src_path == SITE_CONFIG:
        return "config", None
    if len(parts) >= 3 and parts[1] in KINDS:
        kind, endings = parts[1], KINDS[parts[1]]
        if not parts[-1].endswith(endings):
            return None, f"unexpected file in {CONTENT_DIR}/{kind}/: {kind} are written as {' or '.join(endings)} files"
        if len(parts) > 3:
            return None, f"{kind} files belong directly in {CONTENT_DIR}/{kind}/, not in a subfolder"
        return kind, None
    return None, None


def discover(project: Path) -> tuple[list[tuple[str, str]], list[ContentError]]:
    """Every content file as (src_path, kind), sorted; files of an unknown type are errors."""
    found: list[tuple[str, str]] = []
    errors: list[ContentError] = []
    if (project / SITE_CONFIG).is_file():
        found.append((SITE_CONFIG, "config"))
    for kind in KINDS:
        folder = project / CONTENT_DIR / kind
        if not folder.is_dir():
            continue
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not is_editor_artifact(d))
            rel_root = Path(root).relative_to(project).as_posix()
            for name in sorted(files):
                src_path = f"{rel_root}/{name}"
                found_kind, problem = classify(src_path)
                if problem:
                    errors.append(ContentError(src_path, 0, problem))
                elif found_kind:
                    found.append((src_path, found_kind))
    return found, errors


def signature(project: Path, src_path: str) -> tuple[int, int] | None:
    """(mtime_ns, size) of a content file, or None when it is gone: cheap change detection."""
    try:
        info = os.stat(project / src_path)
    except FileNotFoundError:
        return None
    return (info.st_mtime_ns, info.st_size)


def load(project: Path, src_path: str, kind: str) -> SourceFile:
    """Read one content file as UTF-8 text; a file that is not UTF-8 is a content error."""
    raw = (project / src_path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(src_path, line, "file is not UTF-8 text; save it with UTF-8 encoding") from None
    return SourceFile(src_path, kind, text, hashlib.sha1(raw).hexdigest())
