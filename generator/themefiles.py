"""Where a project's templates and static files come from: its own templates/ over the default theme.

Kept apart from rendering (and free of Jinja) so that checking whether a build has anything to do
imports almost nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def default_theme_dir() -> Path:
    """The theme shipped in the wheel (generator/templates), or the repository's templates/ in a checkout."""
    packaged = PACKAGE_DIR / "templates"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "templates"


@dataclass(frozen=True)
class ThemeFiles:
    """A site's templates folder layered over the default theme: the site's files win by name."""

    folders: tuple[Path, ...]

    @classmethod
    def for_project(cls, project: Path) -> ThemeFiles:
        own = project / "templates"
        default = default_theme_dir()
        folders = [own] if own.is_dir() and own.resolve() != default.resolve() else []
        return cls(tuple(folders + [default]))

    def static_files(self) -> dict[str, Path]:
        """Static file name (POSIX, under static/) -> the file that provides it."""
        found: dict[str, Path] = {}
        for folder in reversed(self.folders):
            static = folder / "static"
            if static.is_dir():
                for path in sorted(static.rglob("*")):
                    if path.is_file() and not path.name.startswith("."):
                        found[path.relative_to(static).as_posix()] = path
        return dict(sorted(found.items()))

    def templates_digest(self) -> str:
        """A digest of every file of the theme but its static ones: what a page may use when its templates
        choose what to include as they run."""
        found: dict[str, Path] = {}
        for folder in reversed(self.folders):
            for path in folder.rglob("*"):
                relative = path.relative_to(folder).as_posix()
                if path.is_file() and not relative.startswith("static/"):
                    found[relative] = path
        digest = hashlib.sha1()
        for relative, path in sorted(found.items()):
            try:
                digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
            except FileNotFoundError:  # gone since the listing: an editor's swap file, the preview's sync file
                continue
        return digest.hexdigest()

    def template_path(self, name: str) -> Path | None:
        for folder in self.folders:
            if (folder / name).is_file():
                return folder / name
        return None
