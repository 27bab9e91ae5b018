"""What every importer's reader produces: a paper as native content fields, ready to merge into content/."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..markup import MarkupError, render_block, render_inline


@dataclass
class ImportedPaper:
    """One paper read from a foreign format.

    `fields` uses the native front matter's names and value shapes (see readers/native.py): title, authors
    (a list of names), et_al, date (ISO text), category, type, venue, doi, arxiv, url, pdf, code, ...
    """

    fields: dict[str, Any]
    abstract: str = ""
    origin: str = ""  # where it came from, for messages: "refs.bib:12 (key smith2020)"
    warnings: list[str] = field(default_factory=list)

    def make_renderable(self) -> None:
        """Text whose LaTeX cannot be rendered is kept as it is written, shown as text."""
        title, error = _renderable(str(self.fields.get("title", "")), render_inline)
        if error:
            self.fields["title"] = title
            self.warnings.append(f"{self.origin}: the title's LaTeX could not be rendered ({error}); kept as text")
        self.abstract, error = _renderable(self.abstract, render_block)
        if error:
            self.warnings.append(f"{self.origin}: the abstract's LaTeX could not be rendered ({error}); kept as text")


def _renderable(text: str, render: Callable[[str], str]) -> tuple[str, str]:
    """The text, or its dollars and then its braces escaped until it renders; and the first error, if any."""
    first_error = ""
    for attempt in (text, text.replace("$", r"\$"),
                    text.replace("$", r"\$").replace("{", r"\{").replace("}", r"\}")):
        try:
            render(attempt)
        except MarkupError as error:
            first_error = first_error or str(error)
            continue
        return attempt, first_error
    return attempt, first_error