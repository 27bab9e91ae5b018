"""The one merge step every importer ends with: imported papers -> paper files, and author lists.

A paper already in the content (same DOI, arXiv id or normalized title) is updated, not duplicated. What
an earlier import wrote is remembered (as short digests) in `content/.imports.json`, so each field can be
judged on its own:
a field the user changed by hand since is kept; a field still as imported takes the source's new value;
a field that is missing is filled. Importing the same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import BuildFailed, ContentError
from ..readers.records import ImportedPaper
from ..slugs import normalize_title
from ..sources import CONTENT_DIR
from .content_files import ContentIndex, ExistingPaper, ImportReport, write_if_changed

if TYPE_CHECKING:
    from ..project import Progress

T = TypeVar("T")
PROVENANCE_FILE = f"{CONTENT_DIR}/.imports.json"
ABSTRACT = "(abstract)"


class Provenance:
    """What imports last wrote into each paper file, field by field."""

    def __init__(self, project: Path) -> None:
        self.project = project
        path = project / PROVENANCE_FILE
        try:
            self.records: dict[str, dict[str, Any]] = json.loads(path.read_text("utf-8")) if path.exists() else {}
        except ValueError:
            self.records = {}  # unreadable: every existing value then counts as the user's

    def of(self, src_path: str) -> dict[str, Any]:
        return self.records.setdefault(src_path, {})

    @staticmethod
    def last(remembered: dict[str, Any], key: str, source: str) -> str | None:
        """The digest of what `source` last wrote into this field, if it was that source."""
        entry = str(remembered.get(key, ""))
        written_by, _, value_digest = entry.rpartition(":")
        return value_digest if written_by == source else None

    def save(self, report: ImportReport) -> None:
        text = json.dumps(self.records, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        write_if_changed(self.project, PROVENANCE_FILE, text, report, listed=False)


def digest(value: Any) -> str:
    """A short fingerprint of a field's value (dates and numbers compare as the text YAML shows)."""
    comparable = value if isinstance(value, (list, bool)) else str(value)
    return hashlib.sha1(json.dumps(comparable, ensure_ascii=False).encode()).hexdigest()[:16]


def _says_the_same(key: str, current: Any, incoming: Any) -> bool:
    """Values that differ only in what the source knows less well: a title's case, a date's precision."""
    if digest(current) == digest(incoming):
        return True
    if key == "title":
        return normalize_title(str(current)) == normalize_title(str(incoming))
    if key == "date":
        return str(current).startswith(str(incoming))
    return False


def merge_value(key: str, current: Any, incoming: Any, last_imported: str | None) -> tuple[Any, bool]:
    """(value to keep, whether it now stands as imported) for one field; `last_imported` is a digest."""
    if current is None or current == "" or current == []:
        return incoming, True
    if _says_the_same(key, current, incoming):
        return current, True
    if current is True and isinstance(incoming, str):
        return incoming, True  # `code: true` gains its URL
    if last_imported is not None and digest(current) == last_imported:
        return incoming, True  # untouched since the last import: the source's newer value wins
    return current, False  # edited by hand: kept


def merge_paper(index: ContentIndex, provenance: Provenance, paper: ImportedPaper, source: str) -> str:
    """Merge one imported paper into the content in memory (a new file or an existing one); returns its slug.

    `source` names where it came from (a file name): only an import from the same source may replace a
    value an earlier import wrote; values from another source, or edited by hand, are kept.
    """
    fields = {key: value for key, value in paper.fields.items() if value is not None}
    existing = index.find_paper(str(fields["title"]), fields.get("doi"), fields.get("arxiv"))
    if existing is None:
        existing = ExistingPaper(index.free_paper_path(str(fields["title"])), {}, "")
        index.papers.append(existing)
    remembered = provenance.of(existing.src_path)
    front = dict(existing.front)
    for key, value in fields.items():
        if key == "et_al":
            continue  # goes with the author list (below)
        front[key], as_imported = merge_value(key, front.get(key), value, provenance.last(remembered, key, source))
        if as_imported:
            remembered[key] = f"{source}:{digest(front[key])}"
    if front.get("authors") == fields.get("authors"):  # the list is the source's: so is whether it is complete
        front["et_al"] = fields.get("et_al")
    body = existing.body.strip()
    if paper.abstract:
        body, as_imported = merge_value(ABSTRACT, body, paper.abstract.strip(),
                                        provenance.last(remembered, ABSTRACT, source))
        if as_imported:
            remembered[ABSTRACT] = f"{source}:{digest(body)}"
    existing.front, existing.body = front, body
    return index.paper_slug(existing)


def add_to_author_list(index: ContentIndex, author_slug: str, paper_slugs: list[str]) -> None:
    """Append papers the author does not list yet, keeping the author's own order."""
    author = index.author_by_slug(author_slug)
    if author is None:
        known = ", ".join(sorted(index.author_slug(a) for a in index.authors)) or "none yet"
        raise BuildFailed([ContentError(f"{CONTENT_DIR}/authors/", 0, f"--author {author_slug!r}: no such author "
                                                                       f"(known: {known})")])
    listed = [str(slug) for slug in author.data.get("papers") or []]
    new = [slug for slug in dict.fromkeys(paper_slugs) if slug not in listed]
    if new:
        author.data = {**author.data, "papers": listed + new}


def read_sources(files: list[Path], parse: Callable[[str, str], T]) -> list[T]:
    """Parse each file (UTF-8, with or without a BOM, LF or CRLF); any file that cannot be read at all stops
    the run before anything is written, with every such problem listed."""
    results: list[T] = []
    fatal: list[ContentError] = []
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as error:
            fatal.append(ContentError(str(path), 0, f"cannot read the file: {error.strerror}"))
            continue
        except UnicodeDecodeError as error:
            fatal.append(ContentError(str(path), 0, f"file is not UTF-8 text ({error.reason})"))
            continue
        try:
            results.append(parse(text.replace("\r\n", "\n").replace("\r", "\n"), str(path)))
        except ContentError as error:
            fatal.append(error)
    if fatal:
        raise BuildFailed(fatal)
    return results


def import_papers(project: Path, files: list[Path],
                  parse: Callable[[str, str], tuple[list[ImportedPaper], list[ContentError]]], *,
                  author: str | None = None, dry_run: bool = False, progress: Progress | None = None) -> ImportReport:
    """Read each file with `parse`, merge every paper found, and report what changed and what was skipped.

    A malformed entry is reported and skipped while the rest of its file is imported.
    """
    results = read_sources(files, parse)
    parsed = [(paper, path.name) for path, (papers, _) in zip(files, results) for paper in papers]
    index = ContentIndex.load(project)
    report = ImportReport(dry_run)
    provenance = Provenance(project)
    slugs = []
    for number, (paper, source) in enumerate(parsed, 1):
        slugs.append(merge_paper(index, provenance, paper, source))
        if progress:
            progress("Merging papers", number, len(parsed))
    if author is not None:
        add_to_author_list(index, author, slugs)
    index.write_changes(report, progress)
    provenance.save(report)
    report.warnings += [warning for paper, _ in parsed for warning in paper.warnings]
    report.skipped = [problem for _, problems in results for problem in problems]
    return report
