"""Citation formats made from a paper: BibTeX for now."""

from __future__ import annotations

import re

from .markup import plain_text
from .model import MONTH_ABBREVIATIONS, Paper
from .slugs import slugify, transliterate

_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "via", "towards", "toward"}
_BIBTEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "#": r"\#",
                    "_": r"\_", "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def citation_key(paper: Paper) -> str:
    """`inoue2025wider`: first author's family name, year, first significant title word."""
    first = paper.authors[0].name if paper.authors else "anonymous"
    family = re.findall(r"[a-z]+", transliterate(first.split(",")[0] if "," in first else first.split()[-1]))
    words = [w for w in re.findall(r"[a-z0-9]+", transliterate(paper.title_text)) if w not in _STOP_WORDS]
    return f"{''.join(family) or 'anonymous'}{paper.date.year}{words[0] if words else slugify(paper.slug)}"


def _bibtex_value(text: str) -> str:
    escaped = "".join(_BIBTEX_SPECIALS.get(char, char) for char in text)
    return "{" + escaped + "}"


def paper_bibtex(paper: Paper, page_url: str | None = None) -> str:
    """One BibTeX entry; arXiv papers without a venue are `@misc` with eprint fields, as arXiv exports them."""
    names = [author.name for author in paper.authors]
    if paper.et_al:
        names.append("others")
    fields: list[tuple[str, str]] = [
        ("title", "{" + _bibtex_value(paper.title_text) + "}"),
        ("author", _bibtex_value(" and ".join(names))),
        ("year", str(paper.date.year)),
    ]
    if paper.date.month:
        fields.append(("month", MONTH_ABBREVIATIONS[paper.date.month - 1].lower()))
    entry_type = "misc"
    if paper.venue:
        entry_type = "article"
        fields.append(("journal", _bibtex_value(plain_text(paper.venue))))
    if paper.arxiv:
        fields += [("eprint", _bibtex_value(paper.arxiv)), ("archivePrefix", "{arXiv}"),
                   ("primaryClass", _bibtex_value(paper.category.code))]
    if paper.doi:
        fields.append(("doi", _bibtex_value(paper.doi)))
    url = paper.url or (f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv else page_url)
    if url:
        fields.append(("url", _bibtex_value(url)))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{entry_type}{{{citation_key(paper)},\n{body}\n}}\n"
