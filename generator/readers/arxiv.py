"""arXiv API responses (Atom) -> imported papers.

Reads each entry's id, published date, title, summary, authors, primary category, PDF link, comment,
journal reference and DOI; hard-wrapped titles and summaries are unwrapped (paragraphs kept).
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from ..errors import ContentError
from ..markup import escape_markdown
from ..taxonomy import lookup_category
from .records import ImportedPaper

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_ID = re.compile(r"arxiv\.org/abs/(.+?)(v\d+)?$")


def _unwrap(text: str) -> str:
    """Hard-wrapped lines joined; blank lines kept as paragraph breaks."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs if paragraph.strip())


def _entry_lines(text: str) -> list[int]:
    """The line on which each <entry> starts, in document order (ElementTree does not keep positions)."""
    return [text.count("\n", 0, match.start()) + 1 for match in re.finditer(r"<(?:\w+:)?entry[\s>]", text)]


def parse_arxiv(text: str, path: str) -> tuple[list[ImportedPaper], list[ContentError]]:
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as error:
        line = error.position[0] if error.position else 0
        raise ContentError(path, line, f"not a well-formed arXiv Atom document: {error}") from None
    if root.tag != f"{ATOM}feed":
        raise ContentError(path, 1, "not an arXiv API response: the document must be an Atom <feed>")
    papers: list[ImportedPaper] = []
    errors: list[ContentError] = []
    lines = _entry_lines(text)
    for index, entry in enumerate(root.findall(f"{ATOM}entry")):
        line = lines[index] if index < len(lines) else 0
        identifier = (entry.findtext(f"{ATOM}id") or "").strip()
        match = _ID.search(identifier)
        title = _unwrap(entry.findtext(f"{ATOM}title") or "")
        published = (entry.findtext(f"{ATOM}published") or "")[:10]
        authors = [_unwrap(name.text or "") for name in entry.findall(f"{ATOM}author/{ATOM}name")]
        if not match or not title or not re.match(r"^\d{4}-\d{2}-\d{2}$", published) or not authors:
            what = "an arXiv id" if not match else "a title" if not title else "a published date" \
                if not published else "an author"
            errors.append(ContentError(path, line, f"entry {index + 1} ({identifier or 'no id'}) has no {what}; "
                                                   "it was skipped"))
            continue
        arxiv_id = match.group(1)
        primary = entry.find(f"{ARXIV}primary_category")
        category = lookup_category(primary.get("term", "")) if primary is not None else None
        pdf = next((link.get("href") for link in entry.findall(f"{ATOM}link")
                    if link.get("title") == "pdf" or link.get("type") == "application/pdf"), None)
        comment = _unwrap(entry.findtext(f"{ARXIV}comment") or "")
        journal = _unwrap(entry.findtext(f"{ARXIV}journal_ref") or "")
        doi = (entry.findtext(f"{ARXIV}doi") or "").strip()
        paper = ImportedPaper({
            "title": title,
            "authors": authors,
            "date": published,
            "category": category.code if category else None,
            "type": "article" if journal else "misc",
            "venue": journal or None,
            "doi": doi or None,
            "arxiv": arxiv_id,
            "pdf": pdf.replace("http://", "https://", 1) if pdf else None,
            "note": comment or None,
        }, origin=f"{path}:{line} (arXiv {arxiv_id})")
        paper.abstract = escape_markdown(_unwrap(entry.findtext(f"{ATOM}summary") or ""))
        paper.make_renderable()
        papers.append(paper)
    return papers, errors
