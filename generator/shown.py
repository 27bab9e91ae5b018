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
import itertools
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .output import sized, sized_objects
from .plan import PageSpec

FORMAT = "research-portfolio shown 2"
POSITION = "I"  # array type of a page's position in the build's page order
CHUNK = 20_000  # table entries per marshal object


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

    def table(self) -> Table:
        return table(self.pages)


@dataclass(frozen=True)
class Table:
    """Which pages show each paper, as one process noted them, in the shown file's format: the entries in
    marshal chunks (a paper noted by both processes has an entry in each table). Encoded where it was noted,
    so that neither the second process's result nor the end of the build holds the arrays (at 100k papers,
    30 MB of them)."""

    entries: int
    chunks: list[bytes]


def table(pages: Mapping[str, bytes] | Mapping[str, array[int]]) -> Table:
    """`pages`: slug -> positions (marshal stores an array as its bytes)."""
    return Table(len(pages), list(sized(_chunks(pages.items()))))


def made_from(shared_fingerprint: str, theme_stamp: str, order: Sequence[PageSpec], base_url: str | None,
              ) -> tuple[str, ...]:
    """What else a generation's pages were made from: the shared inputs, the theme, the base-URL override, and
    the pages themselves in the order their positions count."""
    plan = hashlib.sha1()
    for start in range(0, len(order), CHUNK):  # not joined whole: at 100k papers, 28 MB of text and as much again
        plan.update("".join(f"{spec.dest}\n" for spec in order[start:start + CHUNK]).encode())
    return shared_fingerprint, theme_stamp, plan.hexdigest(), str(base_url)


def encode(made: tuple[str, ...], digests: Iterable[tuple[str, str]], digest_count: int,
           tables: Sequence[Table], search_files: list[str]) -> Iterator[bytes]:
    """The shown file: `made` (see `made_from`), the digest of each content file read (path, digest), which
    pages show each paper, and the generation's search files (they come after the pages the positions count,
    and their number changes with the words of the site). The digests go in chunks too: whole, their bytes
    took 15 MB at 100k papers."""
    head = {"made_from": made, "digests": digest_count, "shown": sum(part.entries for part in tables),
            "search_files": search_files}
    yield f"{FORMAT}\n".encode()
    yield from sized(itertools.chain((head,), _chunks(digests), ({},)))
    for part in tables:
        yield from part.chunks


def _chunks(pairs: Iterable[tuple[str, Any]]) -> Iterator[dict[str, Any]]:
    entries = iter(pairs)
    return iter(lambda: dict(itertools.islice(entries, CHUNK)), {})


@dataclass(frozen=True)
class Stored:
    """A generation's shown file, as read back."""

    made_from: tuple[str, ...]
    digests: dict[str, str]
    shown: dict[str, bytes]
    search_files: list[str]

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
    digests: dict[str, str] = {}
    shown: dict[str, bytes] = {}
    entries = 0
    size = array(POSITION).itemsize
    try:
        objects = sized_objects(memoryview(data), len(start))
        head = next(objects)
        made: Any = head["made_from"]
        for chunk in objects:
            if not chunk:  # the end of the digests
                break
            digests.update(chunk)
        for chunk in objects:
            entries += len(chunk)
            for slug, positions in chunk.items():
                if not isinstance(positions, bytes) or len(positions) % size:
                    return None
                shown[slug] = shown.get(slug, b"") + positions
        search_files = head["search_files"]
    except (ValueError, EOFError, TypeError, KeyError, StopIteration, AttributeError):
        return None
    if not isinstance(made, tuple) or (len(digests), entries) != (head["digests"], head["shown"]) \
            or not isinstance(search_files, list):
        return None
    return Stored(made, digests, shown, search_files)
