"""Citations of papers in the formats reference managers read: BibTeX, RIS and CSL-JSON. Pure functions.

The BibTeX written here reads back through `portfolio import bibtex` into the same papers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from .markup import abstract_text, parts_sharing, plain_text
from .model import MONTH_ABBREVIATIONS, Paper
from .slugs import transliterate

_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "via", "towards", "toward", "from"}
_NAME_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "dos", "del", "della", "la", "le", "ter", "ten"}
_LATEX_SPECIALS = re.compile(r"(?<!\\)([&%#])")

# entry type -> (field that holds the venue, RIS type, CSL type)
_TYPES = {
    "article": ("journal", "JOUR", "article-journal"),
    "inproceedings": ("booktitle", "CONF", "paper-conference"),
    "incollection": ("booktitle", "CHAP", "chapter"),
    "inbook": ("booktitle", "CHAP", "chapter"),
    "book": ("", "BOOK", "book"),
    "proceedings": ("", "CONF", "book"),
    "phdthesis": ("", "THES", "thesis"),
    "mastersthesis": ("", "THES", "thesis"),
    "techreport": ("", "RPRT", "report"),
    "misc": ("howpublished", "GEN", "article"),
    "unpublished": ("", "UNPB", "manuscript"),
    "booklet": ("howpublished", "PAMP", "pamphlet"),
    "manual": ("", "GEN", "book"),
}


def entry_type(paper: Paper) -> str:
    """The paper's own type, or the usual guess: a journal article when it has a venue, else a preprint."""
    return paper.type or ("article" if paper.venue else "misc")


def split_name(name: str) -> tuple[str, str]:
    """(given names, family name): `Last, First`, or `First von Last` with the particle kept in the family."""
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return given, family
    words = name.split()
    if len(words) == 1:
        return "", name
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _NAME_PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def citation_key(paper: Paper) -> str:
    """`inoue2025wider`: first author's family name, year, first significant title word."""
    family = split_name(paper.authors[0].name)[1] if paper.authors else "anonymous"
    family_key = "".join(re.findall(r"[a-z]+", transliterate(family))) or "anonymous"
    words = [w for w in re.findall(r"[a-z0-9]+", transliterate(paper.title_text)) if w not in _STOP_WORDS]
    return f"{family_key}{paper.date.year}{words[0] if words else ''}"


def _bibtex_text(text: str) -> str:
    """A braced BibTeX value: LaTeX kept, bare specials outside math escaped, unbalanced braces neutralized."""
    pieces = re.split(r"(\$[^$]*\$)", " ".join(text.split()))
    text = "".join(piece if len(piece) > 1 and piece.startswith("$") and piece.endswith("$")
                   else _escape_specials(piece) for piece in pieces)
    if "{" in text or "}" in text:
        text = _balance_braces(text)
    if text.endswith("\\"):  # a backslash just before the value's closing brace would escape it
        body = text.rstrip("\\")
        text = body + r"\textbackslash{}" * (len(text) - len(body))
    return "{" + text + "}"


def _escape_specials(text: str) -> str:
    if "&" in text or "%" in text or "#" in text:  # the expression looks behind at every character: 31 us an abstract
        text = _LATEX_SPECIALS.sub(r"\\\1", text)
    return text.replace("~", r"\textasciitilde{}")


_BRACE = re.compile(r"\\\\|\\?[{}]")


def _balance_braces(text: str) -> str:
    """Braces BibTeX can parse: it counts `{` and `}` even when escaped, so an unmatched one (escaped or not)
    would end the value early or swallow the rest of the file. Matched pairs stay; the others become
    `\\textbraceleft{}` / `\\textbraceright{}`, which print the same."""
    opened: list[re.Match[str]] = []
    unmatched: list[re.Match[str]] = []
    for token in _BRACE.finditer(text):
        if token.group(0).endswith("{"):
            opened.append(token)
        elif token.group(0).endswith("}"):
            if opened:
                opened.pop()
            else:
                unmatched.append(token)
    unmatched += opened
    if not unmatched:
        return text
    pieces: list[str] = []
    index = 0
    for token in sorted(unmatched, key=lambda match: match.start()):
        pieces += [text[index:token.start()], r"\textbraceleft{}" if token.group(0).endswith("{") else r"\textbraceright{}"]
        index = token.end()
    pieces.append(text[index:])
    return "".join(pieces)


def _bibtex_fields(paper: Paper, page_url: str | None, with_abstract: bool) -> list[tuple[str, str]]:
    kind = entry_type(paper)
    names = [author.name for author in paper.authors] + (["others"] if paper.et_al else [])
    fields = [("title", "{" + _bibtex_text(paper.title) + "}"), ("author", _bibtex_text(" and ".join(names))),
              ("year", str(paper.date.year))]
    if paper.date.month:
        fields.append(("month", MONTH_ABBREVIATIONS[paper.date.month - 1].lower()))
    if paper.date.day:
        fields.append(("date", "{" + paper.date.iso() + "}"))
    venue_field = _TYPES.get(kind, ("howpublished",))[0]
    if paper.venue and venue_field:
        fields.append((venue_field, _bibtex_text(paper.venue)))
    if paper.institution:
        fields.append(("school" if kind.endswith("thesis") else "institution", _bibtex_text(paper.institution)))
    for name in ("publisher", "volume", "number", "pages", "note"):
        value = getattr(paper, name)
        if value:
            fields.append((name, _bibtex_text(value)))
    if paper.arxiv:
        fields += [("eprint", "{" + paper.arxiv + "}"), ("archivePrefix", "{arXiv}")]
    if paper.category:
        fields.append(("primaryClass", "{" + paper.category.code + "}"))
    if paper.doi:
        fields.append(("doi", "{" + paper.doi + "}"))
    url = paper.url or page_url
    if url:
        fields.append(("url", "{" + url + "}"))
    if paper.pdf and paper.pdf.startswith(("http://", "https://")):
        fields.append(("pdf", "{" + paper.pdf + "}"))
    if paper.code_url:
        fields.append(("code", "{" + paper.code_url + "}"))
    if paper.abstract and with_abstract:
        fields.append(("abstract", _bibtex_text(paper.abstract)))
    return fields


def _entry_parts(paper: Paper, page_url: str | None, with_abstract: bool) -> tuple[str, str, tuple[str, ...]]:
    """(type, key, fields) of a paper's entry, the fields in parts (see parts_sharing)."""
    body = ",\n".join(f"  {name} = {value}" for name, value in _bibtex_fields(paper, page_url, with_abstract))
    return entry_type(paper), citation_key(paper), parts_sharing(body, paper.abstract) if with_abstract else (body,)


# Entries with their abstracts, as the .bib files have them, are remembered: long bibliographies repeat papers.
# The one a paper's page shows is not: no other page shows it (remembered, they took 100 MB at 100k papers).
_remembered_entry_parts = lru_cache(maxsize=200_000)(_entry_parts)


def forget_entries() -> None:
    """Drop the remembered entries once no page left to render repeats them."""
    _remembered_entry_parts.cache_clear()


def paper_bibtex(paper: Paper, page_url: str | None = None, key: str | None = None,
                 with_abstract: bool = True) -> str:
    """One BibTeX entry (the copy shown on a page leaves the abstract out)."""
    kind, own_key, body = (_remembered_entry_parts if with_abstract else _entry_parts)(paper, page_url, with_abstract)
    return f"@{kind}{{{key or own_key},\n{''.join(body)}\n}}\n"


def bibliography(papers: Iterable[tuple[Paper, str | None]]) -> str:
    """Many entries in one .bib file, with keys made unique (`smith2020deep`, `smith2020deepb`, ...)."""
    seen: dict[str, int] = {}
    entries = []
    for paper, page_url in papers:
        kind, key, body = _remembered_entry_parts(paper, page_url, True)
        count = seen.get(key, 0)
        seen[key] = count + 1
        entries.append(f"@{kind}{{{key}{chr(ord('a') + count) if count else ''},\n{''.join(body)}\n}}\n")
    return "\n".join(entries)


def _pages(paper: Paper) -> tuple[str, str]:
    if not paper.pages:
        return "", ""
    parts = re.split(r"\s*[-\u2013\u2014]+\s*", paper.pages, maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def paper_ris(paper: Paper, page_url: str | None = None) -> str:
    """An RIS record (the format EndNote, Zotero and Mendeley import)."""
    kind = entry_type(paper)
    lines = [("TY", _TYPES.get(kind, ("", "GEN"))[1]), ("TI", paper.title_text)]
    lines += [("AU", ", ".join(reversed(split_name(author.name))).strip(", ")) for author in paper.authors]
    lines.append(("PY", str(paper.date.year)))
    month, day = paper.date.month, paper.date.day
    lines.append(("DA", f"{paper.date.year:04d}/" + (f"{month:02d}/" if month else "/") + (f"{day:02d}/" if day else "/")))
    if paper.venue:
        lines.append(("T2" if kind != "article" else "JO", plain_text(paper.venue)))
    for tag, value in (("PB", paper.publisher), ("VL", paper.volume), ("IS", paper.number), ("DO", paper.doi),
                       ("N1", paper.note)):
        if value:
            lines.append((tag, plain_text(value)))
    first, last = _pages(paper)
    if first:
        lines.append(("SP", first))
    if last:
        lines.append(("EP", last))
    if paper.institution:
        lines.append(("PB", plain_text(paper.institution)))
    url = paper.url or (f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else page_url)
    if url:
        lines.append(("UR", url))
    if paper.abstract:
        lines.append(("AB", abstract_text(paper)))
    if paper.category:
        lines.append(("KW", paper.category.name))
    lines.append(("ER", ""))
    # one line per tag: a line break inside a value (a multi-line `pages:`) would start a record of its own
    return "".join(f"{tag}  - {' '.join(value.split())}".rstrip() + "\r\n" for tag, value in lines)


def csl_item(paper: Paper, page_url: str | None = None) -> dict[str, object]:
    """A CSL-JSON item (the format citeproc and most citation styles read)."""
    item: dict[str, object] = {
        "id": citation_key(paper),
        "type": _TYPES.get(entry_type(paper), ("", "", "article"))[2],
        "title": paper.title_text,
        "author": [_csl_name(author.name) for author in paper.authors],
        "issued": {"date-parts": [[part for part in (paper.date.year, paper.date.month, paper.date.day) if part]]},
    }
    for field, value in (("container-title", paper.venue), ("publisher", paper.publisher or paper.institution),
                         ("volume", paper.volume), ("issue", paper.number), ("page", paper.pages),
                         ("DOI", paper.doi), ("note", paper.note)):
        if value:
            item[field] = plain_text(value)
    url = paper.url or page_url
    if url:
        item["URL"] = url
    if paper.arxiv:
        item["number"] = f"arXiv:{paper.arxiv}"
    if paper.abstract:
        item["abstract"] = abstract_text(paper)
    return item


def _csl_name(name: str) -> dict[str, str]:
    given, family = split_name(name)
    return {"family": family, "given": given} if given else {"literal": family}


def paper_csl_json(paper: Paper, page_url: str | None = None) -> str:
    return indented_json([csl_item(paper, page_url)]) + "\n"


def indented_json(value: object, indent: str = "\n") -> str:
    """`json.dumps(value, ensure_ascii=False, indent=2)` for values with text keys (as CSL items are), twice as
    fast: with an indent, the json module leaves its C encoder for one in Python that yields every token
    through a generator per level (a paper's CSL-JSON took 38 us of its 76). Text and numbers still go through
    the C encoder."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)  # type: ignore[arg-type]
    if kind is dict:
        if not value:
            return "{}"
        inner = indent + "  "
        return "{" + ",".join(f"{inner}{encode_basestring(key)}: {indented_json(item, inner)}"
                              for key, item in value.items()) + indent + "}"  # type: ignore[attr-defined]
    if kind is list:
        if not value:
            return "[]"
        inner = indent + "  "
        return "[" + ",".join(inner + indented_json(item, inner) for item in value) + indent + "]"  # type: ignore[attr-defined]
    if kind is int:
        return int.__repr__(value)  # type: ignore[arg-type]
    return json.dumps(value, ensure_ascii=False)  # anything else, as the json module writes it
