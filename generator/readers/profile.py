"""The profile text format: an author's profile page saved as plain text (see shared/seeds/README.md).

```
Takuya Akiba                     name
CV                               primary category
h-index23 / 16papers / 1,355citations / Novelty43% / AI Score42
16 Papers
31.3AIMar 6, 2025Code            [score]category date[Code], then the title on the next line
Yuichi Inoue, Kou Misaki, Yuki Imajuku et al.
<abstract, one paragraph>
```
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from ..errors import ContentError
from ..model import MONTH_ABBREVIATIONS, PaperDate
from ..taxonomy import lookup_category, suggest_category
from .yamldoc import normalize_text

_MONTHS = "|".join(MONTH_ABBREVIATIONS)
_PAPER_HEADER = re.compile(
    rf"^(?P<score>-?\d+(?:\.\d+)?)?(?P<category>[A-Za-z][A-Za-z.\-]*?)"
    rf"(?P<month>{_MONTHS}) (?P<day>\d{{1,2}}), (?P<year>\d{{4}})(?P<code>Code)?$"
)
_METRICS = {
    "h_index": re.compile(r"^h-index\s*(\d+)$"),
    "paper_count": re.compile(r"^([\d,]+)\s*papers$"),
    "citations": re.compile(r"^([\d,]+)\s*citations$"),
    "novelty": re.compile(r"^Novelty\s*(\d+(?:\.\d+)?)%$"),
    "ai_score": re.compile(r"^AI Score\s*(-?\d+(?:\.\d+)?)$"),
}
_PAPERS_HEADING = re.compile(r"^(\d[\d,]*) Papers?$")


@dataclass(frozen=True, slots=True)
class ProfilePaper:
    title: str
    authors: tuple[str, ...]
    et_al: bool
    date: PaperDate
    category: str  # canonical arXiv code
    score: float | None
    has_code: bool
    abstract: str
    line: int


@dataclass(frozen=True, slots=True)
class Profile:
    src_path: str
    name: str
    category: str | None
    h_index: int | None
    paper_count: int | None
    citations: int | None
    novelty: float | None
    ai_score: float | None
    papers: tuple[ProfilePaper, ...]


def _number(text: str) -> float:
    value = float(text.replace(",", ""))
    return int(value) if value.is_integer() and "." not in text else value


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines, each with the 1-based line number of its first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def parse_profile(text: str, src_path: str) -> Profile:
    """Parse one profile; raises ContentError naming the line that does not fit the format."""
    blocks = _blocks(normalize_text(text).split("\n"))
    if not blocks:
        raise ContentError(src_path, 1, "empty profile: expected the author's name on the first line")
    header_line, header = blocks[0]
    name = header[0]
    values: dict[str, float | None] = dict.fromkeys(_METRICS)
    category = None
    index = 1
    # The header: name, then the category and metric lines (in one block or several).
    header_lines = [(header_line + offset, line) for offset, line in enumerate(header[1:], start=1)]
    while index < len(blocks) and not _PAPERS_HEADING.match(blocks[index][1][0]) \
            and not _PAPER_HEADER.match(blocks[index][1][0]):
        start, lines = blocks[index]
        header_lines += [(start + offset, line) for offset, line in enumerate(lines)]
        index += 1
    for number, line in header_lines:
        for key, pattern in _METRICS.items():
            match = pattern.match(line)
            if match:
                values[key] = _number(match.group(1))
                break
        else:
            found = lookup_category(line)
            if category is None and found is not None:
                category = found.code
            else:
                raise ContentError(src_path, number, f"unexpected line {line!r} in the profile header: expected the "
                                                     "primary category (e.g. 'CV') or a metric such as 'h-index23'"
                                   + (suggest_category(line) if category is None else ""))
    if index < len(blocks) and _PAPERS_HEADING.match(blocks[index][1][0]):
        index += 1
    papers = _parse_papers(blocks[index:], src_path)
    return Profile(
        src_path=src_path, name=name, category=category,
        h_index=_int(values["h_index"]), paper_count=_int(values["paper_count"]),
        citations=_int(values["citations"]), novelty=values["novelty"], ai_score=values["ai_score"],
        papers=tuple(papers),
    )


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _parse_papers(blocks: list[tuple[int, list[str]]], src_path: str) -> list[ProfilePaper]:
    papers: list[ProfilePaper] = []
    index = 0
    while index < len(blocks):
        start, lines = blocks[index]
        header = _PAPER_HEADER.match(lines[0])
        if header is None:
            raise ContentError(src_path, start, f"expected a paper header such as '31.3AIMar 6, 2025Code' "
                                                f"([score]category date[Code]), found {lines[0][:60]!r}")
        if len(lines) < 2:
            raise ContentError(src_path, start + 1, "the paper's title must follow its header line")
        title = " ".join(lines[1:])
        category = lookup_category(header["category"])
        if category is None:
            raise ContentError(src_path, start, f"unknown arXiv category {header['category']!r}"
                                                f"{suggest_category(header['category'])}")
        month = MONTH_ABBREVIATIONS.index(header["month"]) + 1
        try:
            datetime.date(int(header["year"]), month, int(header["day"]))
        except ValueError:
            raise ContentError(src_path, start, f"{header['month']} {header['day']}, {header['year']} "
                                                "is not a real date") from None
        date = PaperDate(int(header["year"]), month, int(header["day"]))
        index += 1
        if index >= len(blocks) or _is_paper_start(blocks[index][1]):
            raise ContentError(src_path, start + len(lines), f"paper {title[:50]!r} has no author line")
        author_line = " ".join(blocks[index][1])
        index += 1
        abstract = ""
        if index < len(blocks) and not _is_paper_start(blocks[index][1]):
            abstract = "\n".join(blocks[index][1])
            index += 1
        names, et_al = split_author_line(author_line)
        papers.append(ProfilePaper(
            title=title, authors=tuple(names), et_al=et_al, date=date, category=category.code,
            score=float(header["score"]) if header["score"] else None, has_code=bool(header["code"]),
            abstract=abstract, line=start,
        ))
    return papers


def _is_paper_start(lines: list[str]) -> bool:
    return len(lines) >= 2 and _PAPER_HEADER.match(lines[0]) is not None


def split_author_line(line: str) -> tuple[list[str], bool]:
    """`A, B, C et al.` -> (["A", "B", "C"], True)."""
    text = line.strip()
    et_al = False
    for suffix in (" et al.", " et al", ", et al.", " and others"):
        if text.endswith(suffix):
            text, et_al = text[: -len(suffix)].rstrip(" ,"), True
            break
    names = [name.strip() for name in re.split(r",\s*|\s+and\s+", text) if name.strip()]
    return names, et_al
