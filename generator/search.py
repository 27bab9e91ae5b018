"""The static search index: papers and authors found by title, author name and abstract words, client-side.

Layout (all under `search/`):
- `index.json`: the number of documents, the chunk size, and the term shards that exist;
- `docs-<n>.json`: documents by number, in chunks: [kind, site path, title, detail];
- `terms/<hex of a two-letter prefix>.json`: {term: [document, fields, document, fields, ...]}, documents as
  increasing numbers written as differences, fields as a bit mask (1 title or name, 2 authors, 4 abstract).

A query loads the manifest, one shard per word, and the chunks of the documents it shows. The index is kept
up to date per document: an edit re-renders only the shards whose words changed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .markup import html_to_text
from .model import Site
from .urls import author_path, paper_path

CHUNK = 500  # documents per docs file
TITLE, AUTHOR, ABSTRACT = 1, 2, 4
STOP_WORDS = frozenset("""a an and are as at be by can for from has have in into is it its of on or our that the
their these this those to was we were which with within without via than then there here such using based""".split())
_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """Lowercase words without accents, at least two characters, stop words left out (search.js does the same)."""
    if text.isascii():  # most text: nothing to decompose
        plain = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text.lower())
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return [word for word in _WORD.findall(plain) if len(word) > 1 and word not in STOP_WORDS]


def shard_name(prefix: str) -> str:
    return prefix.encode("utf-8").hex()


@dataclass(frozen=True, slots=True)
class Document:
    kind: str  # "p" paper or "a" author
    path: str  # site path
    title: str
    detail: str
    terms: tuple[tuple[str, int], ...]  # (term, fields), sorted


def _fields(parts: Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    masks: dict[str, int] = {}
    for text, field in parts:
        for term in tokenize(text):
            masks[term] = masks.get(term, 0) | field
    return tuple(sorted(masks.items()))


def paper_document(site: Site, slug: str) -> Document:
    paper = site.papers[slug]
    names = [author.name for author in paper.authors]
    hidden = [site.authors[key].name for key in site.hidden_authors(slug)]
    shown = ", ".join(names[:3]) + (" et al." if paper.et_al or len(names) > 3 else "")
    return Document("p", paper_path(slug), paper.title_text, f"{shown} · {paper.date.year}",
                    _fields([(paper.title_text, TITLE), (" ".join(names + hidden), AUTHOR),
                             (html_to_text(paper.abstract_html), ABSTRACT)]))


def author_document(site: Site, slug: str) -> Document:
    author = site.authors[slug]
    count = len(site.author_papers[slug])
    detail = f"{count} paper{'s' if count != 1 else ''}" + (f" · {author.affiliation}" if author.affiliation else "")
    return Document("a", author_path(slug), author.name, detail,
                    _fields([(" ".join((author.name, *author.aliases)), TITLE | AUTHOR),
                             (author.affiliation or "", ABSTRACT)]))


class SearchIndex:
    """Documents and postings of one site; built from the previous build's index where that is cheaper."""

    def __init__(self, site: Site, previous: SearchIndex | None = None, candidates: set[str] | None = None) -> None:
        """`candidates`: when known, the only document keys that may have changed since `previous`."""
        self.site = site
        self.keys = ["@" + slug for slug in sorted(site.authors)] + sorted(site.papers)
        self.postings: dict[str, dict[int, int]]
        same_documents = previous is not None and previous.keys == self.keys
        self.documents: list[Document] = []
        changed: set[int] = set()
        for number, key in enumerate(self.keys):
            old = previous.documents[number] if same_documents and previous is not None else None
            if old is not None and (key not in candidates if candidates is not None
                                    else self._unchanged(previous, key)):  # type: ignore[arg-type]
                self.documents.append(old)
                continue
            document = author_document(site, key[1:]) if key.startswith("@") else paper_document(site, key)
            self.documents.append(document)
            if old is None or old != document:
                changed.add(number)
        if same_documents and previous is not None:
            self.postings = dict(previous.postings)  # shallow: a term's postings are copied when they change
            self.changed_prefixes: set[str] | None = set()
            self.changed_chunks: set[int] | None = {number // CHUNK for number in changed}
            for number in changed:
                self._replace(number, previous.documents[number], self.documents[number])
        else:
            self.postings = {}
            for number, document in enumerate(self.documents):
                for term, fields in document.terms:
                    self.postings.setdefault(term, {})[number] = fields
            self.changed_prefixes = self.changed_chunks = None  # everything may differ
        self.terms_by_prefix: dict[str, list[str]] = {}
        for term in sorted(self.postings):
            self.terms_by_prefix.setdefault(term[:2], []).append(term)
        self.prefixes = sorted(self.terms_by_prefix)

    def _unchanged(self, previous: SearchIndex, key: str) -> bool:
        """Whether a document must be the same as before: the very same records, links and names."""
        old, new = previous.site, self.site
        if key.startswith("@"):
            slug = key[1:]
            return (old.authors.get(slug) is new.authors[slug]
                    and len(old.author_papers.get(slug, ())) == len(new.author_papers[slug]))
        return (old.papers.get(key) is new.papers[key] and old.author_links.get(key) == new.author_links[key]
                and old.listed_by.get(key) == new.listed_by.get(key)
                and [old.authors[s].name for s in old.hidden_authors(key)]
                == [new.authors[s].name for s in new.hidden_authors(key)])

    def _replace(self, number: int, old: Document, new: Document) -> None:
        """Move one document's postings from its old terms to its new ones (copying what is shared)."""
        before, after = dict(old.terms), dict(new.terms)
        for term in before.keys() | after.keys():
            if before.get(term) == after.get(term):
                continue
            postings = dict(self.postings.get(term, {}))
            if term in after:
                postings[number] = after[term]
            else:
                postings.pop(number, None)
            if postings:
                self.postings[term] = postings
            else:
                self.postings.pop(term, None)
            self.changed_prefixes.add(term[:2])  # type: ignore[union-attr]

    def shard(self, prefix: str) -> bytes:
        terms = {}
        for term in self.terms_by_prefix.get(prefix, ()):
            flat: list[int] = []
            last = 0
            for number, fields in sorted(self.postings[term].items()):
                flat += [number - last, fields]
                last = number
            terms[term] = flat
        return _json(terms)

    def chunk(self, number: int) -> bytes:
        return _json([[d.kind, d.path, d.title, d.detail] for d in self.documents[number * CHUNK:(number + 1) * CHUNK]])

    def chunk_count(self) -> int:
        return max(1, -(-len(self.documents) // CHUNK))

    def manifest(self) -> bytes:
        return _json({"version": 1, "documents": len(self.documents), "chunk": CHUNK,
                      "shards": [shard_name(prefix) for prefix in self.prefixes]})


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
