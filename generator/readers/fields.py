"""Typed reading of a mapping of YAML fields; each problem is recorded with its line and reading goes on."""

from __future__ import annotations

import datetime
import difflib
import math
import re
from typing import Any

from ..errors import ContentError, quoted
from ..markup import is_safe_url
from ..model import Image, PaperDate
from .yamldoc import KeyPath, YamlDoc

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
MAX_NUMBER = 10**15
_NUMBER_TEXT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def parse_date(text: str) -> PaperDate:
    """`2025-03-06`, `2025-03` or `2025`; raises ValueError with a readable reason."""
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(f"{quoted(text)} is not a date; write YYYY-MM-DD (or YYYY-MM, or YYYY)")
    year, month, day = (int(part) if part else 0 for part in match.groups())
    if year == 0:
        raise ValueError(f"{quoted(text)} has no year 0; years start at 1")
    if match.group(2) is not None and not 1 <= month <= 12:  # written as 00 it is a mistake, not "no month"
        raise ValueError(f"{quoted(text)} has no month {month}; months are 01 to 12")
    if match.group(3) is not None:
        try:
            datetime.date(year, month, day)
        except ValueError:
            raise ValueError(f"{quoted(text)} is not a real date ({_month_name(month)} {year} has no day {day})") from None
    return PaperDate(year, month, day)


def _month_name(month: int) -> str:
    return datetime.date(2000, month, 1).strftime("%B")


class Fields:
    """Fields of one mapping in a YAML document, read with types checked and errors collected."""

    def __init__(self, doc: YamlDoc, errors: list[ContentError], key: KeyPath = ()) -> None:
        self.doc = doc
        self.errors = errors
        self.key = key
        value: Any = doc.data
        for part in key:
            value = value[part]
        if value is None:
            value = {}
        if not isinstance(value, dict):
            self.errors.append(doc.error(key, f"expected fields ('name: value' lines), found {_kind(value)}"))
            value = {}
        self.data: dict[str, Any] = value
        self.read: set[str] = set()

    def error(self, name: str | int | None, message: str) -> None:
        key = self.key if name is None else (*self.key, name)
        self.errors.append(self.doc.error(key, message))

    def line(self, name: str) -> int:
        return self.doc.line(*self.key, name)

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def _get(self, name: str, required: bool) -> Any:
        self.read.add(name)
        value = self.data.get(name)
        if value is None and required:
            self.error(None, f"missing required field '{name}'")
        return value

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(name, f"'{name}' must be text, found {_kind(value)}")
            return None
        text = str(value).strip()
        if not text:
            if required:
                self.error(name, f"'{name}' must not be empty")
            return None
        return text

    def number(self, name: str, *, integer: bool = False, minimum: float = 0) -> Any:
        value = self._get(name, False)
        if value is None:
            return None
        if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
            digits = value.replace(",", "").strip()
            value = float(digits) if "." in digits or len(digits) > 18 else int(digits)  # int() refuses 4,300 digits
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and math.isnan(value)):
            self.error(name, f"'{name}' must be a number, found {_kind(value)}")
            return None
        if abs(value) > MAX_NUMBER:  # also infinity; a huge int is exact, but no float (nor a reader) can use it
            self.error(name, f"'{name}' must be a number no larger than {MAX_NUMBER:,}")
            return None
        if integer and value != int(value):
            self.error(name, f"'{name}' must be a whole number, found {value!r}")
            return None
        if value < minimum:
            self.error(name, f"'{name}' must be at least {minimum:g}, found {value!r}")
            return None
        return int(value) if integer else value

    def flag(self, name: str) -> bool:
        value = self._get(name, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(name, f"'{name}' must be true or false, found {_kind(value)}")
            return False
        return value

    def date(self, name: str, *, required: bool = False) -> PaperDate | None:
        value = self._get(name, required)
        if value is None:
            return None
        try:
            return parse_date(str(value))
        except ValueError as exc:
            self.error(name, str(exc))
            return None

    def url(self, name: str, *, required: bool = False) -> str | None:
        text = self.text(name, required=required)
        if text is None:
            return None
        return self.check_url(name, text)

    def check_url(self, name: str | int, text: str) -> str | None:
        if not is_safe_url(text) or any(ch.isspace() for ch in text):
            self.error(name, f"{quoted(text)} is not a usable link: use an http(s):// or mailto: URL, or a path")
            return None
        return text

    def text_list(self, name: str, *, required: bool = False) -> list[tuple[int, Any]]:
        """Items of a list field with their index; items are left for the caller to check."""
        value = self._get(name, required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(name, f"'{name}' must be a list (one '- item' per line), found {_kind(value)}")
            return []
        return list(enumerate(value))

    def item_text(self, name: str, index: int, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.errors.append(self.doc.error((*self.key, name, index),
                                              f"item {index + 1} of '{name}' must be text, found {_kind(value)}"))
            return None
        if not str(value).strip():
            self.errors.append(self.doc.error((*self.key, name, index),
                                              f"item {index + 1} of '{name}' is empty; remove it or write its text"))
            return None
        return str(value).strip()

    def image(self, name: str) -> Image | None:
        """A picture written as `name: {src: images/x.png, alt: what it shows}`; alt text is required."""
        value = self._get(name, False)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(name, f"'{name}' needs a picture and the words that describe it: write "
                             f"'{name}: {{src: images/x.jpg, alt: ...}}'")
            return None
        item = Fields(self.doc, self.errors, (*self.key, name))
        src = item.text("src", required=True)
        alt = item.text("alt")
        item.finish()
        if src and not alt:
            item.error(None, f"'{name}' has no alt text: add 'alt:' describing the picture for people who cannot "
                             "see it")
        if src and (src.startswith("/") or ".." in src.split("/") or "://" in src):
            item.error("src", f"'{name}' src {quoted(src)} must be a path under content/, such as images/photo.jpg")
            return None
        return Image(src, alt or "", self.line(name)) if src else None

    def sub(self, name: str) -> Fields | None:
        value = self._get(name, False)
        if value is None:
            return None
        return Fields(self.doc, self.errors, (*self.key, name))

    def item_fields(self, name: str, index: int) -> Fields:
        return Fields(self.doc, self.errors, (*self.key, name, index))

    def finish(self) -> None:
        """Report fields nobody read: almost always a typo."""
        known = sorted(self.read)
        for name in self.data:
            if name not in self.read:
                close = difflib.get_close_matches(name[:100], known, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(known)}"
                self.error(name, f"unknown field {quoted(name)} ({hint})")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return f"text {str(value)[:40]!r}"
