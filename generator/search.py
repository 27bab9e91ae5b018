"""The static search index: papers and authors found by title, author name and abstract words, client-side.

Layout (all under `search/`):
- `index.json`: the number of documents, the chunk size, and the term shards that exist;
- `docs-<n>.json`: documents by number, in chunks: [kind, site path, title, detail];
- `terms/<hex of a two-letter prefix>.json`: {term: [document, fields, document, fields, ...]}, documents as
  increasing numbers written as differences, fields as a bit mask (1 title or name, 2 authors, 4 abstract).

A query loads the manifest, one shard per word, and the chunks of the documents it shows. The index is kept
up to date per document: an edit re-renders only the shards whose words changed. A CLI build, which holds no
earlier index, patches the live shards an abstract edit touched instead (see `patched_index`).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import string
import struct
import sys
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .markup import abstract_text
from .model import Paper, Site
from .urls import author_path, paper_path, search_path, search_shard_path
from .workers import MIN_DOCUMENTS, give_back_free_memory, map_on_both_cores

CHUNK = 500  # documents per docs file
# Documents are made and indexed in this many runs, every other run in a second process (see SearchIndex).
# The runs' postings are joined in order, a copy per term and run; interleaved documents would need a merge.
BLOCKS = 32
TITLE, AUTHOR, ABSTRACT = 1, 2, 4
# A term's postings: one unsigned 32-bit number per document holding it, the document's number shifted above
# its fields, in increasing order. At 100k papers that is 15 million postings: 4 bytes each here, about 35 as
# a dict of int to int. Room for 2**29 documents.
POSTINGS_TYPE = "I"
FIELD_BITS = 3
FIELD_MASK = (1 << FIELD_BITS) - 1
STOP_WORDS = frozenset("""a an and are as at be by can for from has have in into is it its of on or our that the
their these this those to was we were which with within without via than then there here such using based""".split())
_WORD = re.compile(r"[^\W_]{2,}")  # one-letter words are left out
_ASCII_SEPARATORS = str.maketrans(dict.fromkeys((chr(code) for code in range(128)
                                                 if not (chr(code).isdigit() or chr(code).islower())), " "))
_ASCII_LEFT_OUT = STOP_WORDS | set(string.ascii_lowercase + string.digits)


def tokenize(text: str) -> list[str]:
    """Lowercase words without accents or other marks, at least two characters (code points), stop words left out;
    search.js does the same to queries."""
    if text.isascii():  # most text: nothing to decompose
        plain = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text.lower())
        plain = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))  # as \p{M}
    return [word for word in _WORD.findall(plain) if word not in STOP_WORDS]


def terms(text: str) -> set[str]:
    """The distinct words `tokenize` finds. For ASCII text a translation table finds them 2.5 times faster
    than the regular expression, which matters for a site's worth of abstracts."""
    if text.isascii():
        return set(text.lower().translate(_ASCII_SEPARATORS).split()) - _ASCII_LEFT_OUT
    return set(tokenize(text))


def shard_name(prefix: str) -> str:
    return prefix.encode("utf-8").hex()


@dataclass(frozen=True, slots=True)
class Document:
    kind: str  # "p" paper or "a" author
    path: str  # site path
    title: str
    detail: str
    terms: tuple[str, ...]  # sorted
    fields: bytes  # each term's fields (a bit mask), in the same order

    def postings(self) -> dict[str, int]:
        return dict(zip(self.terms, self.fields))


def _fields(parts: Iterable[tuple[str, int]], kept: bool = True) -> tuple[tuple[str, ...], bytes]:
    """Terms and their fields, compact: a site has a million of them, mostly the same few thousand words,
    so each word is one shared string and each mask one byte. Unless `kept` (the document lives only until
    its postings are made), in no order and not shared: 30% less time to make a document."""
    found = sorted(((terms(text), field) for text, field in parts), key=lambda words: -len(words[0]))
    masks: dict[str, int] = dict.fromkeys(found[0][0], found[0][1]) if found else {}  # the abstract's, at once
    for words, field in found[1:]:
        for term in words:
            masks[term] = masks.get(term, 0) | field
    if not kept:
        return tuple(masks), bytes(masks.values())
    ordered = sorted(masks)
    return tuple(map(sys.intern, ordered)), bytes(map(masks.__getitem__, ordered))


def paper_document(site: Site, paper: Paper, kept: bool = True) -> Document:
    names = [author.name for author in paper.authors]
    hidden = [site.authors[key].name for key in site.hidden_authors(paper.slug)]
    shown = ", ".join(names[:3]) + (" et al." if paper.et_al or len(names) > 3 else "")
    return Document("p", paper_path(paper.slug), paper.title_text, f"{shown} · {paper.date.year}",
                    *_fields([(paper.title_text, TITLE), (" ".join(names + hidden), AUTHOR),
                             (abstract_text(paper), ABSTRACT)], kept))


def author_document(site: Site, slug: str, kept: bool = True) -> Document:
    author = site.authors[slug]
    count = len(site.author_papers[slug])
    detail = f"{count} paper{'s' if count != 1 else ''}" + (f" · {author.affiliation}" if author.affiliation else "")
    return Document("a", author_path(slug), author.name, detail,
                    *_fields([(" ".join((author.name, *author.aliases)), TITLE | AUTHOR),
                             (author.affiliation or "", ABSTRACT)], kept))


class SearchIndex:
    """Documents and postings of one site; built from the previous build's index where that is cheaper."""

    def __init__(self, site: Site, previous: SearchIndex | None = None, candidates: set[str] | None = None, *,
                 updatable: bool = True) -> None:
        """`candidates`: when known, the only document keys that may have changed since `previous`.

        `updatable`: a later index may be made from this one. If not (a one-off build), each document keeps only
        what its chunk shows: its terms are in the postings, and as a tuple each they took 10 MB at 10k papers
        (and the time to hand half of them back from the second process)."""
        self.site = site
        self.updatable = updatable
        if previous is not None and not previous.updatable:
            previous = None
        self.keys = _document_keys(site, previous)
        self.postings: dict[str, array[int]]  # term -> postings (see POSTINGS_TYPE)
        self.documents: list[Document]
        self.terms_by_prefix: dict[str, list[str]]
        self._touched_terms: set[str] = set()  # terms whose postings _replace changed
        same_documents = previous is not None and previous.keys == self.keys
        if same_documents and previous is not None:
            changed = (self._update_candidates(previous, candidates) if candidates is not None
                       else self._update_all(previous))
            self.postings = dict(previous.postings)  # shallow: a term's postings are copied when they change
            self.changed_prefixes: set[str] | None = set()
            for number in changed:
                self._replace(number, previous.documents[number], self.documents[number])
            self._index_terms(previous)
            return
        size = max(1, -(-len(self.keys) // BLOCKS))
        blocks = [range(start, min(start + size, len(self.keys))) for start in range(0, len(self.keys), size)]
        made = map_on_both_cores(self._block, blocks, 2 if len(self.keys) >= MIN_DOCUMENTS else len(blocks) + 1)
        self.documents = [document for documents, _ in made for document in documents]
        self.postings = {}
        for _, (terms, sizes, flat) in made:  # blocks in order: each term's documents stay in increasing order
            start = 0
            for term, size in zip(terms, sizes):
                found = flat[start:start + size]
                start += size
                known = self.postings.get(term)
                if known is None:
                    self.postings[term] = found
                else:
                    known.extend(found)
        del made
        give_back_free_memory()  # the runs' postings, copied: else both renderers hold them (30 MB each at 100k)
        self.changed_prefixes = None  # everything may differ
        self._index_terms(None)

    def _block(self, numbers: range) -> tuple[list[Document], tuple[list[str], array[int], array[int]]]:
        """The documents of a run of numbers, and their postings: the process that makes them indexes them too.

        The postings come as their terms, their sizes and all of them in one array: a dict of an array per term
        took twice as long to pass back from the second process (0.11 s against 0.06 s at 10k papers)."""
        documents = [self._document(self.keys[number]) for number in numbers]
        postings: dict[str, array[int]] = {}
        for number, document in zip(numbers, documents):
            above = number << FIELD_BITS
            for term, fields in zip(document.terms, document.fields):
                found = postings.get(term)
                if found is None:
                    found = postings[term] = array(POSTINGS_TYPE)
                found.append(above | fields)
        if not self.updatable:
            documents = [Document(d.kind, d.path, d.title, d.detail, (), b"") for d in documents]
        flat = array(POSTINGS_TYPE)
        for found in postings.values():
            flat.extend(found)
        return documents, (list(postings), array(POSTINGS_TYPE, map(len, postings.values())), flat)

    def _document(self, key: str) -> Document:
        if key.startswith("@"):
            return author_document(self.site, key[1:], self.updatable)
        return paper_document(self.site, self.site.papers[key], self.updatable)

    def _update_all(self, previous: SearchIndex) -> list[int]:
        """Remake every document that may have changed; returns the numbers of those that did."""
        self.documents = []
        changed: list[int] = []
        for number, key in enumerate(self.keys):
            old = previous.documents[number]
            document = old if self._unchanged(previous, key) else self._document(key)
            self.documents.append(document)
            if document is not old and document != old:
                changed.append(number)
        return changed

    def _update_candidates(self, previous: SearchIndex, candidates: set[str]) -> list[int]:
        """Remake only the candidates' documents, found by bisection: the cost of an edit, not of the site."""
        self.documents = list(previous.documents)
        authors = len(self.site.authors)
        changed: list[int] = []
        for key in sorted(candidates):
            low, high = (0, authors) if key.startswith("@") else (authors, len(self.keys))
            number = bisect.bisect_left(self.keys, key, low, high)
            if number == high or self.keys[number] != key:
                continue
            document = self._document(key)
            if document != self.documents[number]:
                self.documents[number] = document
                changed.append(number)
        return sorted(changed)

    def _index_terms(self, previous: SearchIndex | None) -> None:
        """Terms by their first two letters; from the previous index, only terms that came or went move."""
        if previous is None:
            self.terms_by_prefix = {}
            for term in sorted(self.postings):
                self.terms_by_prefix.setdefault(term[:2], []).append(term)
            self.prefixes = sorted(self.terms_by_prefix)
            return
        self.terms_by_prefix = dict(previous.terms_by_prefix)
        came = {term for term in self._touched_terms if term in self.postings and term not in previous.postings}
        went = {term for term in self._touched_terms if term not in self.postings and term in previous.postings}
        for prefix in {term[:2] for term in came | went}:
            terms = set(self.terms_by_prefix.get(prefix, ())) - went | {term for term in came if term[:2] == prefix}
            if terms:
                self.terms_by_prefix[prefix] = sorted(terms)
            else:
                del self.terms_by_prefix[prefix]
        same = self.terms_by_prefix.keys() == previous.terms_by_prefix.keys()
        self.prefixes = previous.prefixes if same else sorted(self.terms_by_prefix)

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
        before, after = old.postings(), new.postings()
        for term in before.keys() | after.keys():
            if before.get(term) == after.get(term):
                continue
            postings = self.postings[term][:] if term in self.postings else array(POSTINGS_TYPE)
            at = bisect.bisect_left(postings, number << FIELD_BITS)
            if at < len(postings) and postings[at] >> FIELD_BITS == number:
                del postings[at]
            if term in after:
                postings.insert(at, number << FIELD_BITS | after[term])
            if postings:
                self.postings[term] = postings
            else:
                self.postings.pop(term, None)
            self.changed_prefixes.add(term[:2])  # type: ignore[union-attr]
            self._touched_terms.add(term)

    def shard(self, prefix: str) -> bytes:
        terms = {}
        for term in self.terms_by_prefix.get(prefix, ()):
            flat: list[int] = []
            last = 0
            for posting in self.postings[term]:
                number = posting >> FIELD_BITS
                flat += [number - last, posting & FIELD_MASK]
                last = number
            terms[term] = flat
        return _json(terms)

    def shard_digest(self, prefix: str, version: str) -> str:
        """A digest of what a shard is made of, found without making it: every build checks every shard.
        `version` stands for the code that makes the shard."""
        digest = hashlib.sha1(version.encode())
        for term in self.terms_by_prefix.get(prefix, ()):
            postings = self.postings[term]
            word = term.encode()
            digest.update(struct.pack("<II", len(word), len(postings)) + word + postings.tobytes())
        return digest.hexdigest()

    def chunk(self, number: int) -> bytes:
        return _json([[d.kind, d.path, d.title, d.detail] for d in self.documents[number * CHUNK:(number + 1) * CHUNK]])

    def chunk_count(self) -> int:
        return chunk_count(len(self.keys))

    def forget(self) -> None:
        """Drop the documents and postings: for a process that has rendered its pages and ends soon, so that
        what it reads next (the other process's records) takes their memory instead of more."""
        self.documents, self.postings, self.terms_by_prefix = [], {}, {}

    def manifest(self) -> bytes:
        return _json({"version": 1, "documents": len(self.keys), "chunk": CHUNK,
                      "shards": [shard_name(prefix) for prefix in self.prefixes]})


class PatchedIndex(SearchIndex):
    """The index of a site that differs from the one the live search files were made for only in some papers'
    abstracts: made of those files and the edits, it holds the shards the edits touched and the chunks that
    list the papers (whose lines did not change). A CLI build after an edit has no earlier index in memory;
    making the whole index took a third of its time at 10k papers."""

    def __init__(self, site: Site, keys: list[str], live_chunks: dict[int, bytes], live_prefixes: set[str],
                 postings: dict[str, array[int]], changes: list[tuple[int, Document, Document]]) -> None:
        """`postings`: of every term of the live shards the changes (number, old, new document) touch."""
        self.site = site
        self.updatable = False
        self.keys = keys
        self.documents = []
        self.live_chunks = live_chunks
        self.postings = postings
        self.changed_prefixes: set[str] = set()
        self._touched_terms = set()
        for number, old, new in changes:
            self._replace(number, old, new)
        self.terms_by_prefix = {}
        for term in sorted(postings):
            self.terms_by_prefix.setdefault(term[:2], []).append(term)
        self.prefixes = sorted(live_prefixes - self.changed_prefixes | self.terms_by_prefix.keys())

    def files_changed(self) -> set[str]:
        """The search files this index may make differently from the live ones (the shards that are gone
        excepted): the manifest, which lists the shards, the chunks of the edited papers, the shards they touched."""
        return {search_path("index.json"), *(search_path(f"docs-{number}.json") for number in self.live_chunks),
                *(search_shard_path(shard_name(prefix)) for prefix in self.terms_by_prefix)}

    def shard(self, prefix: str) -> bytes:
        assert prefix in self.terms_by_prefix, "only the shards the edits touched are held"
        return super().shard(prefix)

    def shard_digest(self, prefix: str, version: str) -> str:
        assert prefix in self.terms_by_prefix, "only the shards the edits touched are held"
        return super().shard_digest(prefix, version)

    def chunk(self, number: int) -> bytes:
        return self.live_chunks[number]


def patched_index(site: Site, edited: Mapping[str, Paper], live: Callable[[str], bytes | None],
                  ) -> PatchedIndex | None:
    """The index of `site` from the live search files (`live` reads one by its site path, None if it is not
    what the generator wrote) and the papers as they were when those were made (`edited`: slug -> paper),
    when only those papers' terms differ; else None (the whole index must be made)."""
    try:
        manifest = json.loads(live(search_path("index.json")) or b"null")
        keys = _document_keys(site, None)
        if manifest["version"] != 1 or manifest["chunk"] != CHUNK or manifest["documents"] != len(keys):
            return None
        prefixes = {bytes.fromhex(name).decode("utf-8") for name in manifest["shards"]}
    except (ValueError, TypeError, KeyError):  # a manifest of another version
        return None
    changes = []
    for slug, before in edited.items():
        old, new = paper_document(site, before), paper_document(site, site.papers[slug])
        if (old.title, old.detail) != (new.title, new.detail):
            return None  # the paper's line in its chunk changed
        changes.append((bisect.bisect_left(keys, slug, len(site.authors)), old, new))
    live_chunks = {}
    for number, _, _ in changes:
        found = live(search_path(f"docs-{number // CHUNK}.json"))
        if found is None:
            return None
        live_chunks[number // CHUNK] = found
    touched = {term[:2] for _, old, new in changes
               for term, fields in old.postings().items() ^ new.postings().items()}
    postings: dict[str, array[int]] = {}
    for prefix in touched & prefixes:
        shard = live(search_shard_path(shard_name(prefix)))
        if shard is None or not _decode_shard(shard, postings):
            return None
    return PatchedIndex(site, keys, live_chunks, prefixes, postings, changes)


def _decode_shard(data: bytes, postings: dict[str, array[int]]) -> bool:
    """Adds a shard's postings (see `SearchIndex.shard`); False if it is not one."""
    try:
        for term, flat in json.loads(data).items():
            found = array(POSTINGS_TYPE)
            number = 0
            for at in range(0, len(flat), 2):
                number += flat[at]
                found.append(number << FIELD_BITS | flat[at + 1])
            postings[term] = found
    except (ValueError, TypeError, AttributeError, IndexError, OverflowError):
        return False
    return True


def chunk_count(documents: int) -> int:
    return max(1, -(-documents // CHUNK))


def _document_keys(site: Site, previous: SearchIndex | None) -> list[str]:
    """Authors ("@" + slug), then papers, each sorted; the previous list while neither set changed."""
    if (previous is not None and previous.site.authors is site.authors
            and previous.site.papers.keys() == site.papers.keys()):
        return previous.keys
    return ["@" + slug for slug in sorted(site.authors)] + sorted(site.papers)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
