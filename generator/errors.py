"""Typed errors: every problem names the file and line it comes from, and all of a run's problems travel together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Location:
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

    def sort_key(self) -> tuple[Location, str]:
        return (self.location, self.message)


class TemplateError(ContentError):
    """A mistake in a theme template, with the page that was being rendered."""


class UsageError(GeneratorError):
    """The command was called wrongly (bad option, unsafe output folder); exit status 2."""


class BuildFailed(GeneratorError):
    """One or more content errors; carries all of them, sorted by file and line."""

    def __init__(self, errors: Iterable[ContentError]) -> None:
        unique = {(e.location, e.message): e for e in errors}
        self.errors = sorted(unique.values(), key=ContentError.sort_key)
        super().__init__("\n".join(str(e) for e in self.errors))

