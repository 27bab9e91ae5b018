"""Slugs: the lowercase ASCII names that content files and URLs are named by.

Derived from names and titles so that the same person or paper always gets the same address, whatever
script or accents the source used.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from .errors import quoted

MAX_SLUG_LENGTH = 60

# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL_LETTERS = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
    "ħ": "h", "ŋ": "ng", "ſ": "s", "ĸ": "k", "&": " and ",
}
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi", "ye", "g", "u"],
))
_GREEK = dict(zip(
    "αβγδεζηθικλμνξοπρσςτυφχψω",
    ["a", "b", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p", "r", "s", "s", "t",
     "y", "f", "ch", "ps", "o"],
))
_TRANSLITERATION = {**_SPECIAL_LETTERS, **_CYRILLIC, **_GREEK}

# Words that read badly at the end of a shortened slug (`...-compute-with`).
_DANGLING_WORDS = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "via", "with"}
_SAFE_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Names that Windows refuses as file names, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def transliterate(text: str) -> str:
    """Best-effort ASCII spelling: accents dropped, Cyrillic and Greek spelled in Latin letters."""
    if text.isascii():  # the common case: only the ASCII entries of the table apply
        return text.lower().replace("&", _SPECIAL_LETTERS["&"])
    lowered = unicodedata.normalize("NFKC", text).lower()
    spelled = "".join(_TRANSLITERATION.get(ch, ch) for ch in lowered)
    decomposed = unicodedata.normalize("NFKD", spelled)
    return "".join(ch for ch in decomposed if ch.isascii())


def slugify(text: str, *, fallback_prefix: str = "item", max_length: int = MAX_SLUG_LENGTH) -> str:
    """`Takuya Akiba` -> `takuya-akiba`; text with no Latin letters gets a stable digest-based slug."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"['’]", "", transliterate(text)))
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length and slug:
            break
        slug = candidate[:max_length]
    while "-" in slug and slug.rsplit("-", 1)[1] in _DANGLING_WORDS:
        slug = slug.rsplit("-", 1)[0]
    if not slug:
        digest = hashlib.sha1(unicodedata.normalize("NFC", text.strip()).encode("utf-8")).hexdigest()[:8]
        slug = f"{fallback_prefix}-{digest}"
    if slug in _RESERVED:
        slug = f"{slug}-{fallback_prefix}"
    return slug


def slug_problem(slug: str) -> str | None:
    """Why a hand-written slug cannot name a file and a URL, or None when it can."""
    if not _SAFE_SLUG.match(slug):
        return (f"slug {quoted(slug)} must be lowercase ASCII letters and digits joined by single hyphens "
                f"(for example {slugify(slug[:200])!r})")
    if slug in _RESERVED:
        return f"slug {slug!r} is a reserved file name on Windows; choose another"
    return None


def normalize_title(title: str) -> str:
    """A key under which two spellings of one title compare equal (case, accents, punctuation, LaTeX)."""
    without_latex = re.sub(r"\\[a-zA-Z]+|[{}$]", " ", title)
    return " ".join(re.findall(r"[a-z0-9]+", transliterate(without_latex)))


@lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """A key under which two spellings of a person's name compare equal."""
    return " ".join(re.findall(r"[a-z0-9]+", transliterate(name)))
