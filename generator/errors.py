"""Typed errors: every problem names the file and line it comes from, and all of a run's problems travel together."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


def quoted(value: object, limit: int = 60) -> str:
    """A value from content inside a message: quoted as repr quotes it (so on one line), and cut short."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


class Location(NamedTuple):  # not a dataclass: the CLI's start imports this, and dataclasses takes 10 ms
    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        parts = [self.path]
        if self.line:
            parts.append(str(self.line))
            if self.column:
                parts.append(str(self.column))
        return ":".join(parts)


class GeneratorError(Exception):
    """Base of every error the CLI reports without a traceback."""


class ContentError(GeneratorError):
    """A mistake in the user's content, reported as `path:line: message`."""

    def __init__(self, path: str, line: int, message: str, column: int = 0) -> None:
        self.location = Location(path, line, column)
        self.message = message
        super().__init__(f"{self.location}: {message}")

    def __reduce__(self) -> tuple[type, tuple[str, int, str, int]]:
        """Picklable, so a build worker process can send its errors back."""
        return (type(self), (self.location.path, self.location.line, self.message, self.location.column))

    def sort_key(self) -> tuple[Location, str]:
        return (self.location, self.message)


class TemplateError(ContentError):
    """A mistake in a theme template, with the page that was being rendered (and how many others met it)."""

    def __init__(self, path: str, line: int, message: str, column: int = 0, page: str = "",
                 other_pages: int = 0) -> None:
        self.problem, self.page, self.other_pages = message, page, other_pages
        if page:
            others = f" and {other_pages} other page{'s' if other_pages != 1 else ''}" if other_pages else ""
            message = f"{message} (while rendering {page}{others})"
        super().__init__(path, line, message, column)

    def __reduce__(self) -> tuple[type, tuple[str, int, str, int, str, int]]:  # type: ignore[override]
        return (type(self), (self.location.path, self.location.line, self.problem, self.location.column,
                             self.page, self.other_pages))


class UsageError(GeneratorError):
    """The command was called wrongly (bad option, unsafe output folder); exit status 2."""


class BuildFailed(GeneratorError):
    """One or more content errors; carries all of them, sorted by file and line."""

    def __init__(self, errors: Iterable[ContentError]) -> None:
        unique = {(e.location, e.message): e for e in _one_per_template_mistake(errors)}
        self.errors = sorted(unique.values(), key=ContentError.sort_key)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __reduce__(self) -> tuple[type, tuple[list[ContentError]]]:
        return (type(self), (self.errors,))



def _one_per_template_mistake(errors: Iterable[ContentError]) -> list[ContentError]:
    """A template mistake breaks every page that uses the template: say so once, with a count."""
    kept: list[ContentError] = []
    first: dict[tuple[Location, str], int] = {}
    for error in errors:
        if not isinstance(error, TemplateError) or not error.page:
            kept.append(error)
            continue
        key = (error.location, error.problem)
        if key not in first:
            first[key] = len(kept)
            kept.append(error)
            continue
        seen = kept[first[key]]
        assert isinstance(seen, TemplateError)
        kept[first[key]] = TemplateError(seen.location.path, seen.location.line, seen.problem, seen.location.column,
                                         min(seen.page, error.page), seen.other_pages + 1 + error.other_pages)
    return kept
