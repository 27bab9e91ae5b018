"""BibTeX (and biblatex) files -> imported papers, with bibtexparser 2 doing the parsing.

Handles what real files hold: @string macros and month macros (also joined with `#`), `Last, First` and
`First von Last, Jr.` names, `and others`, LaTeX accents and dashes, biblatex `date` fields, crossref
inheritance, arXiv ids in eprint fields or URLs, and al-folio-style custom fields (code, pdf, html,
abstract). A malformed or incomplete entry is reported with its key and line, and the rest is imported.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import Entry
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from ..errors import ContentError
from ..markup import escape_markdown
from ..model import MONTH_ABBREVIATIONS, PUBLICATION_TYPES
from ..taxonomy import lookup_category
from .records import ImportedPaper

_MONTHS = {name.lower(): number for number, name in enumerate(MONTH_ABBREVIATIONS, start=1)}
_MONTH_WORD = re.compile(r"\b(" + "|".join(_MONTHS) + r")[a-z]*\.?", re.IGNORECASE)
_ARXIV_IN_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?", re.IGNORECASE)
_ARXIV_ID = re.compile(r"^(?:arxiv:)?([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?$", re.IGNORECASE)
_ARXIV_CITED = re.compile(r"\barXiv:\s*([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})", re.IGNORECASE)
# What DBLP, Google Scholar and Zotero write for "this is an arXiv preprint" where a venue would go.
_PREPRINT_VENUE = re.compile(r"^(corr|arxiv( preprint.*)?|arxiv e-prints)$", re.IGNORECASE)
_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s]+)")
# Fields that hold addresses or identifiers: never LaTeX-decoded (a `%` in a URL is not a comment).
_VERBATIM = {"url", "doi", "eprint", "pdf", "code", "html", "file", "isbn", "issn", "archiveprefix",
             "eprinttype", "primaryclass", "eprintclass", "date", "year", "month", "day", "crossref"}
_TYPE_ALIASES = {"conference": "inproceedings", "report": "techreport", "online": "misc", "electronic": "misc",
                 "www": "misc", "article-journal": "article", "preprint": "misc", "software": "misc"}
_TEXT_MACROS = ("textit", "emph", "textbf", "texttt", "textsc", "underline")


def _decoder() -> LatexNodes2Text:
    """LaTeX -> Unicode, keeping math and the text macros the site renders itself."""
    context = get_default_latex_context_db()
    context.add_context_category("portfolio", prepend=True, macros=[
        *(MacroTextSpec(name, simplify_repl="\\" + name + "{%s}") for name in _TEXT_MACROS),
        *(MacroTextSpec(name, simplify_repl="%s") for name in ("mbox", "text", "textrm", "textsf", "textnormal",
                                                              "noopsort")),
        MacroTextSpec("LaTeX", simplify_repl="LaTeX"), MacroTextSpec("TeX", simplify_repl="TeX"),
    ])
    return LatexNodes2Text(latex_context=context, math_mode="verbatim", keep_braced_groups=False)


def _text(decoder: LatexNodes2Text, value: str) -> str:
    return " ".join(decoder.latex_to_text(value).replace("\xa0", " ").split())


def _name(decoder: LatexNodes2Text, parts: Any) -> str:
    """`First von Last, Jr.` parts -> "First von Last Jr." as people write names on papers."""
    words = [*parts.first, *parts.von, *parts.last]
    name = _text(decoder, " ".join(words))
    return f"{name} {_text(decoder, ' '.join(parts.jr))}".strip() if parts.jr else name


def _month(raw: str) -> tuple[int, int]:
    """(month, day) from `mar`, `March`, `3`, or `"10~" # jan`; zeros when absent."""
    text = raw.strip().strip("{}\"")
    if text.isdigit():
        number = int(text)
        return (number, 0) if 1 <= number <= 12 else (0, 0)
    match = _MONTH_WORD.search(text)
    if not match:
        return 0, 0
    day = re.search(r"\b(\d{1,2})\b", text)
    return _MONTHS[match.group(1).lower()[:3]], int(day.group(1)) if day and int(day.group(1)) <= 31 else 0


def _date(fields: dict[str, str]) -> str | None:
    """ISO date text from biblatex `date`, or from year/month/day."""
    date = fields.get("date", "").strip("{} ")
    match = re.match(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", date)
    if match:
        return "-".join(f"{int(part):02d}" if index else part
                        for index, part in enumerate(match.groups()) if part)
    years = re.findall(r"\d{4}", fields.get("year", ""))
    if not years:
        return None
    month, day = _month(fields.get("month", ""))
    day = day or (int(fields["day"]) if fields.get("day", "").isdigit() else 0)
    return years[-1] + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if month and day else "")


def _arxiv(fields: dict[str, str]) -> str | None:
    """From eprint + archivePrefix (or eprinttype), al-folio's `arxiv` field, an arxiv.org URL, or a
    Google-Scholar-style `journal = {arXiv preprint arXiv:ID}`."""
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    for key, needs_prefix in (("eprint", True), ("arxiv", False)):
        match = _ARXIV_ID.match(fields.get(key, "").strip())
        if match and (not needs_prefix or prefix in ("arxiv", "")):
            return match.group(1)
    for key in ("url", "pdf", "journal", "howpublished", "note"):
        found = _ARXIV_IN_URL.search(fields.get(key, "")) or _ARXIV_CITED.search(fields.get(key, ""))
        if found:
            return found.group(1)
    return None


def _entry_type(entry: Entry, fields: dict[str, str]) -> str:
    kind = entry.entry_type.lower()
    if kind == "thesis":
        sort = fields.get("type", "").lower()
        return "mastersthesis" if any(word in sort for word in ("master", "msc", "m.sc")) else \
            "phdthesis" if any(word in sort for word in ("phd", "ph.d", "doctor")) else "mastersthesis" \
            if "bsc" not in sort and "bachelor" not in sort and sort else "misc"
    kind = _TYPE_ALIASES.get(kind, kind)
    return kind if kind in PUBLICATION_TYPES else "misc"


def _web_url(value: str) -> str | None:
    value = value.strip()
    return value if re.match(r"^https?://\S+$", value) else None


def _paper(entry: Entry, fields: dict[str, Any], decoder: LatexNodes2Text, origin: str) -> ImportedPaper:
    paper = ImportedPaper({}, origin=origin)
    people = fields.get("author") or fields.get("editor") or []
    names = [_name(decoder, parts) for parts in people]
    et_al = bool(names) and names[-1].lower() == "others"
    names = [name for name in names if name.lower() != "others"]
    kind = _entry_type(entry, fields)
    text = {key: _text(decoder, value) for key, value in fields.items()
            if isinstance(value, str) and key not in _VERBATIM}
    arxiv = _arxiv(fields)
    url = _web_url(fields.get("url", "")) or _web_url(fields.get("html", ""))
    if url and arxiv and _ARXIV_IN_URL.search(url):
        url = None  # the arXiv link is made from the id
    pdf = fields.get("pdf", "").strip()
    if pdf and not _web_url(pdf):
        paper.warnings.append(f"{origin}: pdf {pdf!r} is not a web address; copy the file under content/ and "
                              "set pdf: to its path by hand")
        pdf = ""
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", fields.get("doi", "").strip(), flags=re.IGNORECASE) or None
    if url and doi and url.lower().endswith(doi.lower()):
        url = None  # the DOI link is made from the DOI
    category = lookup_category(fields.get("primaryclass") or fields.get("eprintclass") or "")
    venue = text.get("journal") or text.get("journaltitle") or text.get("booktitle") or \
        (text.get("howpublished") if kind == "misc" else None)
    if arxiv and venue and _PREPRINT_VENUE.match(venue):  # a preprint, not a journal
        venue, kind = None, "misc"
        text.pop("volume", None)
    if arxiv and text.get("publisher", "").lower() == "arxiv":
        text.pop("publisher")
    if arxiv and _ARXIV_CITED.fullmatch(re.sub(r"\s*\[[^\]]*\]$", "", text.get("note", ""))):
        text.pop("note")  # Zotero's "arXiv:2502.19261 [cs]" says nothing the arXiv id does not
    paper.fields = {
        "title": text.get("title"),
        "authors": names,
        "et_al": True if et_al else None,
        "date": _date(fields),
        "category": category.code if category else None,
        "type": kind,
        "venue": venue if not (venue and _ARXIV_IN_URL.search(venue)) else None,
        "publisher": text.get("publisher"),
        "volume": text.get("volume"),
        "number": text.get("number") or text.get("issue"),
        "pages": text.get("pages"),
        "institution": text.get("school") or text.get("institution") or text.get("organization"),
        "note": text.get("note"),
        "doi": doi,
        "arxiv": arxiv,
        "url": url,
        "pdf": pdf or None,
        "code": _web_url(fields.get("code", "")),
    }
    paper.abstract = "\n\n".join(escape_markdown(_text(decoder, block))
                                 for block in re.split(r"\n\s*\n", fields.get("abstract", "")) if block.strip())
    return paper


def _concatenated(value: str, strings: dict[str, str]) -> str:
    """Resolve BibTeX's `#` joins of quoted text, braced text, @string macros and month names."""
    if "#" not in value:
        return value
    pieces, depth, quoted, current = [], 0, False, ""
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        if char == "#" and depth == 0 and not quoted:
            pieces.append(current.strip())
            current = ""
        else:
            current += char
    pieces.append(current.strip())
    if len(pieces) == 1:
        return value
    resolved = []
    for piece in pieces:
        if piece[:1] in "\"{" and piece[-1:] in "\"}":
            resolved.append(piece[1:-1])
        elif piece.lower() in strings:
            resolved.append(strings[piece.lower()])
        else:
            resolved.append(piece)  # a month name or a number: kept as written
    return "".join(resolved)


def parse_bibtex(text: str, path: str) -> tuple[list[ImportedPaper], list[ContentError]]:
    """Every usable entry as an ImportedPaper; each unusable one as a ContentError naming its key and line."""
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    logging.getLogger("pylatexenc").setLevel(logging.CRITICAL)
    library = bibtexparser.parse_string(text, append_middleware=[middlewares.SeparateCoAuthors(),
                                                                 middlewares.SplitNameParts()])
    decoder = _decoder()
    errors: list[ContentError] = []
    for block in library.failed_blocks:
        found = _KEY.search(block.raw or "")
        label = f"entry '{found.group(1)}'" if found else "a block"
        errors.append(ContentError(path, (block.start_line or 0) + 1, f"{label} is malformed (unbalanced braces "
                                                                      "or quotes, or a missing comma?); it was skipped"))
    by_key = {entry.key.lower(): entry for entry in library.entries}
    strings = {block.key.lower(): block.value for block in library.strings}
    papers = []

    def resolved(entry: Entry) -> dict[str, Any]:
        return {key.lower(): _concatenated(field.value, strings) if isinstance(field.value, str) else field.value
                for key, field in entry.fields_dict.items()}

    for entry in library.entries:
        fields = resolved(entry)
        parent = by_key.get(str(fields.get("crossref", "")).strip().lower())
        if parent is not None:
            for key, value in resolved(parent).items():
                fields.setdefault(key, value)
        line = (entry.start_line or 0) + 1
        origin = f"{path}:{line} (entry '{entry.key}')"
        paper = _paper(entry, fields, decoder, origin)
        missing = [what for name, what in (("title", "a title"), ("authors", "an author or editor"),
                                           ("date", "a year or date")) if not paper.fields.get(name)]
        if missing:
            listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
            errors.append(ContentError(path, line, f"entry '{entry.key}' is missing {listed}; it was skipped"))
            continue
        paper.make_renderable()
        papers.append(paper)
    return papers, errors
