"""Which pages show each paper, kept with the output generation they were worked out for.

A CLI build is a new process: it holds no earlier site to compare with, so to find what an edit touched it
works out every page's inputs and fingerprint (at 10,000 papers, 0.6 s on both cores). While it does, it notes
which pages show each paper, and the output folder keeps that beside the generation's records (`SHOWN_FILE`),
with what the generation was made from. The next CLI build, when only papers' files changed and none in a way
that moves a link or an order (Project.papers_changed_only), with the same plan, theme and shared inputs,
checks only those papers' pages and the search files: every other page shows nothing that changed.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .output import sized, sized_objects
from .plan import PageSpec

FORMAT = "research-portfolio shown 1"
POSITION = "I"  # array type of a page's position in the build's page order


class ShownBy:
    """As pages are fingerprinted: the positions of the pages that show each paper (by slug)."""

    def __init__(self) -> None:
        self.pages: dict[str, array[int]] = {}

    def note(self, position: int, papers: Iterable[str]) -> None:
        pages = self.pages
        for slug in papers:
            found = pages.get(slug)
            if found is None:
                found = pages[slug] = array(POSITION)
            found.append(position)

    def absorb(self, other: dict[str, array[int]]) -> None:
        """Take over what another process noted (its `pages`), copying only what both noted."""
        pages = self.pages
        for slug, found in other.items():
            mine = pages.get(slug)
            if mine is None:
                pages[slug] = found
            else:
                mine.extend(found)


def made_from(shared_fingerprint: str, theme_stamp: str, order: Sequence[PageSpec], base_url: str | None,
              ) -> tuple[str, ...]:
    """What else a generation's pages were made from: the shared inputs, the theme, the base-URL override, and
    the pages themselves in the order their positions count."""
    plan = hashlib.sha1("\n".join(spec.dest for spec in order).encode()).hexdigest()
    return shared_fingerprint, theme_stamp, plan, str(base_url)


def encode(made: tuple[str, ...], digests: dict[str, str], shown: dict[str, bytes] | dict[str, array[int]],
           ) -> Iterator[bytes]:
    """The shown file: `made` (see `made_from`), the digest of each content file read, and which pages show
    each paper (`ShownBy.pages`; marshal stores each array as its bytes)."""
    yield f"{FORMAT}\n".encode()
    yield from sized(({"made_from": made}, digests, shown))


@dataclass(frozen=True)
class Stored:
    """A generation's shown file, as read back."""

    made_from: tuple[str, ...]
    digests: dict[str, str]
    shown: dict[str, bytes]

    def positions(self, papers: Iterable[str]) -> set[int]:
        """The positions of the pages that show any of these papers."""
        found: set[int] = set()
        for slug in papers:
            found.update(array(POSITION, self.shown.get(slug, b"")))
        return found


def decode(data: bytes | None) -> Stored | None:
    """The shown file's contents, or None when there is none or it is not one this code wrote whole."""
    start = f"{FORMAT}\n".encode()
    if data is None or not data.startswith(start):
        return None
    try:
        head, digests, shown = sized_objects(memoryview(data), len(start))
        made: Any = head["made_from"]
    except (ValueError, EOFError, TypeError, KeyError):
        return None
    size = array(POSITION).itemsize
    if not (isinstance(made, tuple) and isinstance(digests, dict) and isinstance(shown, dict)
            and all(isinstance(data, bytes) and len(data) % size == 0 for data in shown.values())):
        return None
    return Stored(made, digests, shown)
