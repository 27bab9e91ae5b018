"""Hostile content: whatever is written under content/, a build ends in a site whose every text is escaped,
or in `path:line: message` errors (BuildFailed) that name a file under content/.

Never a traceback, a hang, a file written outside the output folder, an executable URL in a link, an `on*`
attribute or a script element that the theme did not put there. Property-based (hypothesis) projects cover
the combinations; example-based tests pin every item of the hardening issue so each is surely exercised.

Run with `-p hypothesis --hypothesis-show-statistics` for hypothesis' own figures; the number of cases and
their outcomes are printed at the end of the module either way. `HOSTILE_EXAMPLES=1000` explores longer.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import bibtexparser
import html5lib
import pytest
import yaml
from conftest import run_portfolio
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from generator.build import build
from generator.errors import BuildFailed
from generator.markup import strip_control_characters

settings.register_profile(
    "hostile", max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "100")), deadline=None, derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.function_scoped_fixture])
HOSTILE = settings.get_profile("hostile")

BUILD_SECONDS = 30.0  # a build that takes longer than this has hung (a small project builds in 0.2 s)
BIG_BUILD_SECONDS = 12.0  # "a 1 MB abstract must still build in a few seconds" (about 1.5 s here), with CI slack
SAFE_SCHEMES = {"http", "https", "mailto"}
THEME_SCRIPTS = {"site.js", "search.js"}  # the only <script src> of the default theme (templates/base.html)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "cite", "data", "background", "ping",
                  "longdesc", "manifest", "codebase", "icon", "xlink:href", "srcset", "imagesrcset"}
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "pwn-x"}
MARKER_ATTRIBUTE = "data-pwned"  # hostile text carries it: an element that has it came from content unescaped
HTML5LIB_LIMIT = 300_000  # bytes: html5lib (browser-exact, ~250 KB/s) below, html.parser above

CASES: Counter[str] = Counter()
BUILD_TIMES: list[float] = []  # seconds of each build (not counting the checks of its output)


# --- The checks every build is held to ----------------------------------------------------------------------

class Hang(BaseException):
    """Raised by the watchdog; a BaseException so that no `except Exception` in the generator can swallow it."""


@contextlib.contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Interrupts the code under test after `seconds` (SIGALRM: tests run in the main thread)."""
    def expire(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _visible_url(value: str) -> str:
    """A URL as a browser's parser sees it: outer C0 controls and spaces gone, tabs and newlines removed."""
    return re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(0x21)))))


def unsafe_url(value: str) -> bool:
    """True when the URL has a scheme other than http, https and mailto (relative URLs are fine)."""
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):", _visible_url(value))
    return match is not None and match.group(1).lower() not in SAFE_SCHEMES


Element = tuple[str, dict[str, str], str]  # (local tag name, attributes by local name, text of a script)


def _html5lib_elements(html: str, fragment: bool = False) -> Iterator[Element]:
    tree = (html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False) if fragment else
            html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False))
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        attributes = {_local(name): value for name, value in element.attrib.items()}
        yield _local(element.tag).lower(), attributes, element.text or ""


def _local(name: str) -> str:
    """`{http://www.w3.org/1999/xlink}href` -> `xlink:href`; `{mathml}mi` -> `mi`."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return f"xlink:{local}" if namespace.endswith("xlink") else local
    return name


class _Collector(HTMLParser):
    """html.parser's view, for pages too large for html5lib to parse quickly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Element] = []
        self.script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag.lower(), {name.lower(): value or "" for name, value in attrs}, ""))
        if tag.lower() == "script":
            self.script = []

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag.lower() == "script" and self.script is not None:
            name, attributes, _ = self.found[-1] if self.found[-1][0] == "script" else ("script", {}, "")
            self.found[-1] = (name, attributes, "".join(self.script))
            self.script = None


def html_elements(html: str, fragment: bool = False) -> Iterator[Element]:
    if len(html) <= HTML5LIB_LIMIT:
        yield from _html5lib_elements(html, fragment)
        return
    collector = _Collector()
    collector.feed(html)
    collector.close()
    yield from collector.found


def json_urls(value: Any, key: str = "") -> Iterator[str]:
    """Strings under URL-ish keys of a JSON document (JSON-LD `url`/`sameAs`, CSL `URL`, search `url`...)."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from json_urls(item, str(name))
    elif isinstance(value, list):
        for item in value:
            yield from json_urls(item, key)
    elif isinstance(value, str):
        lowered = key.lower()
        if lowered in {"sameas", "@id", "coderepository", "image", "href", "link"} or lowered.endswith("url"):
            yield value


def check_html(html: str, where: str, *, fragment: bool = False) -> None:
    """No executable URL, no `on*` attribute, no element or attribute that came from content unescaped, and
    no script but the theme's own (its two files and the JSON-LD block, which must be JSON)."""
    for tag, attributes, text in html_elements(html, fragment):
        assert tag not in FORBIDDEN_ELEMENTS, f"{where}: <{tag}> element {attributes}"
        assert MARKER_ATTRIBUTE not in attributes, f"{where}: content made an attribute: <{tag} {attributes}>"
        for name, value in attributes.items():
            assert not name.startswith("on"), f"{where}: event handler <{tag} {name}={value!r}>"
            if name in ("srcset", "imagesrcset"):
                urls = [candidate.split()[0] for candidate in value.split(",") if candidate.split()]
            else:
                urls = [value] if name in URL_ATTRIBUTES else []
            for url in urls:
                assert not unsafe_url(url), f"{where}: <{tag} {name}={value!r}>"
        if tag == "meta":
            assert "http-equiv" not in attributes, f"{where}: <meta {attributes}>"
            described = " ".join(attributes.get(key, "") for key in ("name", "property", "itemprop")).lower()
            if "url" in described or "image" in described:
                assert not unsafe_url(attributes.get("content", "")), f"{where}: <meta {attributes}>"
        if tag == "script":
            assert not fragment, f"{where}: a script in feed HTML: {attributes} {text[:200]!r}"
            if attributes.get("type") == "application/ld+json":
                assert "src" not in attributes, f"{where}: {attributes}"
                for url in json_urls(json.loads(text)):
                    assert not unsafe_url(url), f"{where}: JSON-LD link {url!r}"
            else:
                source = urlsplit(attributes.get("src", "")).path
                assert source.rsplit("/", 1)[-1] in THEME_SCRIPTS and "/static/" in source and not text.strip(), \
                    f"{where}: a script the theme does not have: {attributes} {text[:200]!r}"


def check_xml(data: bytes, where: str) -> None:
    """Well-formed (control characters would break it), safe links, and safe HTML in `type="html"` text."""
    root = ElementTree.fromstring(data)
    for element in root.iter():
        for name, value in element.attrib.items():
            if _local(name) in ("href", "src", "xlink:href"):
                assert not unsafe_url(value), f"{where}: <{element.tag} {name}={value!r}>"
        if element.get("type") == "html" and element.text:
            check_html(element.text, f"{where} <{_local(element.tag)}>", fragment=True)
        if _local(element.tag) in ("loc", "uri", "id") and element.text:
            assert not unsafe_url(element.text), f"{where}: <{element.tag}>{element.text!r}"


def check_site(out: Path) -> int:
    """Every written file as the checks above require; returns how many HTML pages there were."""
    pages = 0
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        where = str(path.relative_to(out))
        if path.suffix == ".html":
            data = path.read_bytes()
            check_html(data.decode("utf-8"), where)
            pages += 1
        elif path.suffix == ".xml":
            check_xml(path.read_bytes(), where)
        elif path.suffix == ".json":
            for url in json_urls(json.loads(path.read_bytes())):
                assert not unsafe_url(url), f"{where}: {url!r}"
        elif path.suffix == ".bib":  # every entry parses: no value closes early or swallows the next entry
            text = path.read_text(encoding="utf-8")
            library = bibtexparser.parse_string(text)
            assert not library.failed_blocks and len(library.entries) == len(re.findall(r"(?m)^@", text)), where
        elif path.suffix == ".ris":  # one tag per line: no value starts a line of its own
            for line in path.read_text(encoding="utf-8").splitlines():
                assert not line or re.match(r"^[A-Z][A-Z0-9]  -( |$)", line), f"{where}: {line!r}"
    assert pages > 0
    return pages


def check_errors(failure: BuildFailed, written: set[str]) -> None:
    """Each error names a file under content/ (one the project has), a line >= 0, and a readable message."""
    assert failure.errors, "BuildFailed without errors"
    for error in failure.errors:
        path, line, message = error.location.path, error.location.line, error.message
        assert path.startswith("content/") and ".." not in path.split("/"), f"error outside content/: {error}"
        assert path in written, f"error names a file the project does not have: {error}"
        assert line >= 0 and message.strip(), f"no line or no message: {error!r}"
        assert "\n" not in message and not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", message), \
            f"message is not one clean line: {message!r}"
        assert len(message) < 1000, f"message of {len(message)} characters: {message[:200]!r}..."


def snapshot(folder: Path, skip: Path | None = None) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")
            if (skip is None or not p.is_relative_to(skip)) and not p.is_dir()}


def build_and_check(files: dict[str, str | bytes], *, seconds: float = BUILD_SECONDS,
                    label: str = "generated") -> tuple[Path | None, BuildFailed | None]:
    """Write the project into a fresh folder, build it in-process and hold the outcome to the rules.

    Returns (output folder, None) for a site or (None, the failure); any other exception fails the test.
    """
    for previous in SCRATCH.iterdir():  # one case at a time, so that a stray file stands out
        shutil.rmtree(previous, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix="case-", dir=SCRATCH))
    project, out, cwd = scratch / "sites" / "project", scratch / "sites" / "out", scratch / "cwd"
    cwd.mkdir()
    for rel, data in files.items():
        target = project / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    written = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    before = snapshot(scratch)
    started = time.perf_counter()
    failure: BuildFailed | None = None
    try:
        with contextlib.chdir(cwd), watchdog(seconds):
            build(project, out)
    except BuildFailed as caught:
        failure = caught
    elapsed = time.perf_counter() - started
    BUILD_TIMES.append(elapsed)
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert snapshot(scratch, skip=out) == before, "files appeared or changed outside the output folder"
    assert sorted(os.listdir(SCRATCH)) == [scratch.name], f"stray files beside the project: {os.listdir(SCRATCH)}"
    outcome = "built" if failure is None else "failed"
    CASES[f"{label} {outcome}"] += 1
    if currently_in_test_context():
        event(f"build {outcome}")
    if failure is not None:
        check_errors(failure, written)
        assert not out.exists() or not any(p.is_file() for p in out.rglob("*")), "a failed build wrote files"
        return None, failure
    check_site(out)
    return out, None


SCRATCH = Path(tempfile.mkdtemp(prefix="hostile-content-"))


@pytest.fixture(autouse=True)
def clean_scratch() -> Iterator[None]:
    yield
    for child in SCRATCH.iterdir():
        shutil.rmtree(child, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def report_cases(request: pytest.FixtureRequest) -> Iterator[None]:
    """Prints how many cases ran and how they ended (the figure for the hardening note)."""
    started = time.perf_counter()
    yield
    shutil.rmtree(SCRATCH, ignore_errors=True)
    total = sum(CASES.values())
    summary = ", ".join(f"{name}: {count}" for name, count in sorted(CASES.items()))
    line = f"hostile content: {total} cases in {time.perf_counter() - started:.0f} s ({summary})"
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print(f"\n{line}", file=sys.stderr)


def front_matter(fields: dict[str, Any], body: str = "") -> str:
    return "---\n" + dump(fields) + "---\n" + body


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=2**31 - 1) if data else ""


# --- Strategies ---------------------------------------------------------------------------------------------

MARKUP = [  # HTML and script, in text and in attributes: any of it that reaches a page unescaped is caught
    "<script>alert(1)</script>", "</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    '"><pwn-x data-pwned=1>', "'><pwn-x data-pwned=1>", '" data-pwned="1', "' data-pwned='1", "<pwn-x data-pwned>",
    '" onmouseover="alert(1)', "' onmouseover='alert(1)", "<svg onload=alert(1)>", "<a href=javascript:alert(1)>x</a>",
    "javascript:alert(1)", "[x](javascript:alert(1))", "![x](javascript:alert(1))", "<javascript:alert(1)>",
    "[x]: javascript:alert(1)\n\n[y][x]", "[x](JaVaScRiPt:alert(1))", "[x](java\tscript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)", "<ftp://example.org>", "https://example.org/a?b=1&c=2",
    "&lt;", "&#60;", "&amp;", "&#x6A;avascript:", "-->", "<!--", "]]>", "<![CDATA[", "{{ 7*7 }}", "{% raw %}",
]
GOOD_LATEX = [  # balanced: it renders, so what it renders to is checked
    "$x$", r"$\frac{a}{b}$", r"\textbf{bold}", r"$\textit{TAID}$", "$a<b$", r"$\text{<pwn-x data-pwned=1>}$",
    r"$\href{javascript:alert(1)}{x}$", r"$\style{color:red}{x}$", r"$\mbox{<img/src=x/onerror=alert(1)>}$",
    r"$\fbox{<pwn-x/data-pwned=1>}$", "$5 and $10", r"\$", r"\%",
]
BAD_LATEX = ["$", "$$", "\\(", "\\)", "\\[", "\\]", "{", "}", "\\", "$x^{2$", "\\textit{", r"$\notacommand$"]
UNICODE_BITS = [  # right-to-left, combining marks, emoji, CJK, controls, separators, non-characters
    "\u202e", "\u202d", "\u200f", "\u061c", "שלום", "مرحبا", "e\u0301", "\u0301", "\u0489", "👩‍🔬", "🏳️‍🌈", "😀",
    "秋葉拓哉", "한국어", "\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\ufeff", "\ufffe",
    "\uffff", "\ue000", "\ue0000\ue001", "\ue002", "\U0010ffff", "\r", "\r\n", "\t",
]
SYNTAX = [  # Markdown and YAML syntax, and paths
    "\n", "\n\n", "\n---\n", "---", "...", "- ", "# ", "> ", "1. ", "```", "~~~", "|", "[^1]", "*", "_", "`",
    ": ", " #", "&", "*alias", "&anchor", "!!python/object/apply:os.system ['touch pwned']", "!tag", "? ",
    "../", "..", "%2e%2e%2f", "/etc/passwd", "C:\\Windows", "con", "NUL",
]
# Text that any free-text field accepts (no LaTeX that fails): most projects built from it build, so their
# pages are checked. Pieces are joined by spaces so that `$x$` and `$y$` never make `$$`.
safe_text = st.lists(st.one_of(st.sampled_from(MARKUP + GOOD_LATEX + UNICODE_BITS + SYNTAX),
                               st.text(st.characters(codec="utf-8", exclude_characters="$\\{}"), max_size=10)),
                     min_size=1, max_size=6).map(lambda pieces: "A " + " ".join(pieces))
# Anything at all, including LaTeX that cannot be rendered.
hostile_text = st.lists(st.one_of(st.sampled_from(MARKUP + GOOD_LATEX + BAD_LATEX + UNICODE_BITS + SYNTAX),
                                  st.text(max_size=10)), max_size=6).map("".join)

HOSTILE_URLS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "\x00javascript:alert(1)", "\x01javascript:alert(1)", "javascript&colon;alert(1)",
    "&#106;avascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd",
    'https://example.org/" onmouseover="alert(1)', "https://example.org/'><pwn-x data-pwned=1>", "//evil.example/x",
    "%6Aavascript:alert(1)", "mailto:a@example.org?body=<script>", "https://[::1", "http://", ":", "",
]
VALID_URLS = ["https://example.org/paper", "http://example.org/a?b=1&c=2#d", "mailto:ada@example.org",
              "files/paper.pdf", "/absolute/path", "#fragment", "https://example.org/ü/%20?q=<x>"]
SLUG_NAMES = ["Foo", "foo", "FOO", "con", "NUL", "aux", "com1", "lpt9", "prn", "..", "...", "%2e%2e", "%2e%2e%2f",
              "a b", "é", "-x", "x-", "x--y", "x_y", "a.b", "秋葉", "x\u0301", "CON", "nul-"]
SLUG_VALUES = [*SLUG_NAMES, "../x", "../../etc/passwd", "a/b", "/abs", "C:\\x", "a\\b", "", " ", ".", "x\x00y",
               "%2e%2e/%2e%2e", "foo/../../x"]
good_slug = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)
numbers_as_text = st.sampled_from(["12", "1,355", "25.5", "-3", "1e5", "0x10", "١٢", "12 ", "NaN", "inf", "many", ""])
odd_value = st.one_of(st.integers(-10**20, 10**20), st.floats(), st.booleans(), st.none(), numbers_as_text,
                      hostile_text, st.lists(hostile_text, max_size=2),
                      st.dictionaries(hostile_text, hostile_text, max_size=2))
good_date = st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31))
DATES = ["2025-02-30", "2025-13-01", "2025-00-10", "2025-00", "0000-01-01", "2025", "2025-06", "99999", "2025-1-1",
         "2025/01/01", "yesterday", "2024-02-29", "2023-02-29", "1843-09-01T10:00:00"]
ASSET_NAMES = ["files/a b.pdf", 'files/x".pdf', "files/<script>.pdf", "javascript:alert(1)", "files/%2e%2e.pdf",
               "files/..pdf", "files/con.pdf", "files/a\\b.pdf", "files/ü.pdf", "files/x\u202e.pdf", "img/p.png",
               "files/' onerror='x.png", "files/&amp;.pdf"]
TYPES = ["article", "inproceedings", "phdthesis", "misc", "techreport", "Article", "<b>"]


class Pick:
    """Values for one project: a strict project has valid structure and only free text is hostile (so it
    mostly builds, and its pages are checked); a loose one may have anything anywhere."""

    def __init__(self, draw: st.DrawFn, strict: bool) -> None:
        self.draw, self.strict = draw, strict

    def __call__(self, valid: st.SearchStrategy[Any], *hostile: st.SearchStrategy[Any]) -> Any:
        return self.draw(self.strategy(valid, *hostile))

    def strategy(self, valid: st.SearchStrategy[Any], *hostile: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return valid if self.strict or not hostile else st.one_of(valid, *hostile)

    def text(self) -> str:
        return self(safe_text, hostile_text, odd_value)

    def body(self) -> str:
        return str(self(safe_text, hostile_text))

    def url(self) -> str:
        return self(st.sampled_from(VALID_URLS), st.sampled_from(HOSTILE_URLS), hostile_text, odd_value)

    def number(self) -> Any:
        return self(st.one_of(st.integers(0, 10**6), st.sampled_from(["12", "1,355"])), numbers_as_text, odd_value)

    def optional(self, **fields: Callable[[], Any]) -> dict[str, Any]:
        """Some of the fields, each drawn only when present."""
        return {name: make() for name, make in fields.items() if self.draw(st.booleans())}


@st.composite
def yaml_text(draw: st.DrawFn, fields: dict[str, Any], strict: bool = True) -> str:
    """The fields as YAML: dumped properly, or (loose projects) with one written raw, as a careless hand would."""
    if strict or not fields or draw(st.integers(0, 3)) > 0:
        return dump(fields)
    raw = draw(st.sampled_from(sorted(fields)))
    rest = {key: value for key, value in fields.items() if key != raw}
    return dump(rest) + f"{raw}: {fields[raw]}\n"


@st.composite
def projects(draw: st.DrawFn) -> dict[str, str | bytes]:
    """A whole site project: site.yaml, 1-3 authors, 1-5 papers, maybe a page and a news item."""
    strict = draw(st.booleans())
    pick = Pick(draw, strict)
    event("strict project" if strict else "loose project")
    files: dict[str, str | bytes] = {"content/files/paper.pdf": b"%PDF-1.4\n%hostile\n"}
    for name in draw(st.lists(st.sampled_from(ASSET_NAMES), max_size=2)):  # files copied as they are
        files[f"content/{name}"] = name.encode()
    file_slug = pick.strategy(good_slug, st.sampled_from(SLUG_NAMES))
    author_slugs = draw(st.lists(file_slug, min_size=1, max_size=3, unique=True))
    paper_slugs = draw(st.lists(file_slug, min_size=1, max_size=5, unique=True))
    names = [f"Person{index} {pick.text()}" if strict else pick.text() for index in range(len(author_slugs))]

    def yaml_of(fields: dict[str, Any]) -> str:
        return draw(yaml_text(fields, strict))

    def markdown_file(fields: dict[str, Any], body: str) -> str:
        return "---\n" + yaml_of(fields) + "---\n" + body

    def aliases(index: int) -> list[str]:
        return [f"Alias{index} {pick.text()}" for _ in range(draw(st.integers(0, 2)))]

    for index, (slug, name) in enumerate(zip(author_slugs, names)):
        author = {"name": name, **pick.optional(
            slug=partial(pick, st.just(slug), st.sampled_from(SLUG_VALUES), hostile_text),
            category=lambda: pick(st.sampled_from(["LG", "cs.CV", "stat.ML"]), st.sampled_from(["cs.XX", "lg"]),
                                  odd_value),
            affiliation=pick.text,
            metrics=lambda: pick.optional(h_index=pick.number, i10_index=pick.number, citations=pick.number,
                                          novelty=pick.number, ai_score=pick.number),
            links=lambda: pick.optional(
                homepage=pick.url, email=lambda: pick(st.just("ada@example.org"), st.sampled_from(HOSTILE_URLS)),
                orcid=lambda: pick(st.just("0000-0002-1825-0097"), st.sampled_from(HOSTILE_URLS)),
                scholar=lambda: pick(st.just("AbCdEfGhIjKl"), st.sampled_from(HOSTILE_URLS)),
                github=lambda: pick(st.just("ada"), st.sampled_from(HOSTILE_URLS)),
                linkedin=lambda: pick(st.just("ada-l"), hostile_text)),
            aliases=partial(aliases, index),
            papers=lambda: draw(st.lists(pick.strategy(st.sampled_from(paper_slugs), st.sampled_from(SLUG_VALUES)),
                                         max_size=3, unique=True)),
            bio=pick.text,
            photo=lambda: pick(st.fixed_dictionaries({"src": st.just("files/paper.pdf")}), st.fixed_dictionaries(
                {"src": st.sampled_from(ASSET_NAMES + ["../x.png", "/etc/passwd", "https://x.org/a.png"])},
                optional={"alt": hostile_text})))}
        if strict:
            author.pop("photo", None)  # a PDF is no picture: strict projects have none
        if draw(st.booleans()):
            files[f"content/authors/{slug}.yaml"] = yaml_of(author)
        else:
            bio = str(author.pop("bio", ""))  # as the Markdown body
            files[f"content/authors/{slug}.md"] = markdown_file(author, bio)

    def person() -> Any:
        return pick(st.one_of(st.sampled_from(names), safe_text, st.fixed_dictionaries(
            {"name": safe_text}, optional={"slug": st.sampled_from(author_slugs)})), hostile_text, odd_value)

    for slug in paper_slugs:
        paper = {"title": pick.text(), "authors": [person() for _ in range(draw(st.integers(1, 4)))],
                 "date": pick(st.one_of(good_date, good_date.map(datetime.date.isoformat)), st.sampled_from(DATES),
                              odd_value),
                 **pick.optional(
                     slug=partial(pick, st.just(slug), st.sampled_from(SLUG_VALUES), hostile_text),
                     et_al=lambda: pick(st.booleans(), odd_value),
                     category=lambda: pick(st.sampled_from(["LG", "cs.CV", "stat.ML"]), odd_value),
                     score=pick.number, citations=pick.number, code=lambda: pick(st.one_of(st.booleans(), st.sampled_from(
                         VALID_URLS)), st.sampled_from(HOSTILE_URLS), odd_value),
                     arxiv=lambda: pick(st.just("2501.16937"), odd_value), doi=lambda: pick(st.just("10.1234/abcd"),
                                                                                           odd_value),
                     pdf=lambda: pick(st.sampled_from(VALID_URLS), st.sampled_from(ASSET_NAMES + HOSTILE_URLS), odd_value),
                     url=pick.url, venue=pick.text, type=lambda: pick(st.sampled_from(TYPES[:5]),
                                                                                      st.sampled_from(TYPES), odd_value),
                     publisher=pick.text, volume=pick.text, number=pick.text, pages=pick.text,
                     institution=pick.text, note=pick.text,
                     teaser=lambda: pick(st.nothing(), st.fixed_dictionaries({"src": st.sampled_from(
                         ["files/paper.pdf", "../x.png", "/etc/passwd", "images/none.png", "https://x.org/a.png"])},
                         optional={"alt": hostile_text})) if not strict else None)}
        paper = {key: value for key, value in paper.items() if value is not None}
        if not strict and draw(st.integers(0, 9)) == 0:
            paper[draw(hostile_text) or "?"] = draw(odd_value)  # an unknown (and odd) field name
        files[f"content/papers/{slug}.md"] = markdown_file(paper, pick.body())

    site = {"title": pick.text(), **pick.optional(
        description=pick.text, language=lambda: pick(st.sampled_from(["en", "ja", "pt-BR"]), odd_value),
        base_url=lambda: pick(st.sampled_from(["https://lab.example.org/repo/", "/", "/sub/"]), st.sampled_from(
            HOSTILE_URLS), hostile_text),
        owners=lambda: draw(st.lists(pick.strategy(st.sampled_from(author_slugs), st.sampled_from(SLUG_VALUES)),
                                     max_size=2, unique=True)),
        links=lambda: [{"title": pick.text(), "url": pick.url()} for _ in range(draw(st.integers(0, 2)))],
        nav=lambda: [{"title": pick.text(), "target": pick(st.sampled_from(["papers/", "authors/", "search/",
                                                                            "https://example.org/"]),
                                                           st.sampled_from(["news/", "../../etc/passwd"]), hostile_text)}
                     for _ in range(draw(st.integers(0, 2)))],
        latest_papers=pick.number, citation_files=lambda: pick(st.booleans(), odd_value))}
    files["content/site.yaml"] = yaml_of(site)

    if draw(st.booleans()):
        page = {"title": pick.text(), **pick.optional(
            description=pick.text, nav=pick.number,
            template=lambda: pick(st.just("page.html"), st.sampled_from(["../base.html", "paper.html", "x.txt"])))}
        body = pick.body() + draw(st.sampled_from(["", f"\n\n[paper](papers/{paper_slugs[0]}.md)",
                                                   "\n\n[pdf](files/paper.pdf) and [web](https://example.org/)",
                                                   "\n\n## A\n\ntext\n\n## B\n\n```python\n<b>\n```\n"]))
        folder = pick(st.just(""), st.sampled_from(["sub/", "Con/", "a b/", "..x/", "%2e%2e/", "x/y/"]))
        files[f"content/pages/{folder}{draw(file_slug)}.md"] = markdown_file(page, body)
    if draw(st.booleans()):
        news = {"title": pick.text(), "date": pick(good_date.map(datetime.date.isoformat), st.sampled_from(DATES),
                                                   odd_value)}
        files[f"content/news/{draw(file_slug)}.md"] = markdown_file(news, pick.body())
    return files


# --- Generated projects -------------------------------------------------------------------------------------

@HOSTILE
@given(projects())
def test_generated_hostile_projects_build_safely_or_fail_clearly(files: dict[str, str | bytes]) -> None:
    build_and_check(files)


@settings(HOSTILE, max_examples=HOSTILE.max_examples * 2)
@given(st.sampled_from(["content/site.yaml", "content/authors/ada.yaml", "content/papers/p.md",
                        "content/pages/about.md", "content/news/n.md", "content/authors/ada.md"]),
       st.one_of(hostile_text, st.binary(max_size=200), st.text(max_size=200)))
@example("content/papers/p.md", "")
@example("content/site.yaml", b"\xff\xfe t\x00i\x00")
@example("content/papers/p.md", "---\n")
@example("content/papers/p.md", "---\n---\n")
def test_any_bytes_in_any_content_file_fail_clearly_or_build(path: str, data: str | bytes) -> None:
    """Garbage in one file of an otherwise valid project (the raw text, not YAML-dumped values)."""
    files = valid_project()
    files[path] = data
    build_and_check(files, label="raw file")


# --- Example-based: each item of the issue, surely ---------------------------------------------------------

SITE = {"title": "Test Lab", "base_url": "https://lab.example.org/", "owners": ["ada"],
        "links": [{"title": "Home", "url": "https://example.org/"}],
        "nav": [{"title": "Papers", "target": "papers/"}, {"title": "About", "target": "pages/about.md"}]}
AUTHOR = {"name": "Ada Lovelace", "category": "LG", "affiliation": "Analytical Society",
          "metrics": {"h_index": 3, "citations": 12}, "links": {"homepage": "https://ada.example.org/",
                                                                 "email": "ada@example.org", "github": "ada"},
          "aliases": ["A. Lovelace"], "papers": ["p"]}
PAPER = {"title": "Notes on the Engine", "authors": ["Ada Lovelace", "Charles Babbage"], "date": "1843-09-01",
         "category": "cs.LG", "code": "https://example.org/code", "pdf": "files/paper.pdf",
         "url": "https://example.org/paper", "venue": "Scientific Memoirs"}


def short_id(value: object) -> str:
    """A readable test id for a long or odd parameter."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...({len(text)} chars)"


def valid_project(*, site: dict[str, Any] | None = None, author: dict[str, Any] | None = None,
                  paper: dict[str, Any] | None = None, abstract: str = "The engine with $x^2$.",
                  bio: str = "") -> dict[str, str | bytes]:
    return {
        "content/site.yaml": dump({**SITE, **(site or {})}),
        "content/authors/ada.yaml": dump({**AUTHOR, **(author or {}), **({"bio": bio} if bio else {})}),
        "content/papers/p.md": front_matter({**PAPER, **(paper or {})}, abstract),
        "content/pages/about.md": front_matter({"title": "About", "description": "Who we are"},
                                               "We build [engines](papers/p.md).\n"),
        "content/news/2025-01-02-hello.md": front_matter({"title": "Hello", "date": "2025-01-02"}, "News *text*."),
        "content/files/paper.pdf": b"%PDF-1.4\n",
    }


def line_of(text: str | bytes, key: str) -> int:
    """The line where YAML field `key` is first written (as `key:` or `- key:`)."""
    lines = (text.decode() if isinstance(text, bytes) else text).split("\n")
    return next(number for number, line in enumerate(lines, 1) if re.match(rf"^[\s-]*{key}:", line))


def fails_with(files: dict[str, str | bytes], path: str, message: str, line: int | None = None,
               seconds: float = BUILD_SECONDS) -> None:
    """The build fails, and one of its errors is at `path` (and `line`) and says `message`."""
    _out, failure = build_and_check(files, seconds=seconds, label="example")
    assert failure is not None, f"expected {path}: {message}, but the site built"
    found = [e for e in failure.errors if e.location.path == path and message in e.message
             and (line is None or e.location.line == line)]
    assert found, "\n".join(str(e) for e in failure.errors)


def builds(files: dict[str, str | bytes], seconds: float = BUILD_SECONDS) -> Path:
    out, failure = build_and_check(files, seconds=seconds, label="example")
    assert out is not None, str(failure)
    return out


def page_text(out: Path, page: str) -> str:
    tree = html5lib.parse((out / page).read_bytes(), treebuilder="etree", namespaceHTMLElements=False)
    body = tree.find("body")
    assert body is not None
    return " ".join("".join(body.itertext()).split())


def test_a_valid_project_builds_and_passes_every_check() -> None:
    out = builds(valid_project())
    assert "The engine with" in page_text(out, "papers/p/index.html")


SCRIPTY = '<script>alert(1)</script>" onmouseover="alert(2)\' data-pwned=\'1 <pwn-x data-pwned=1>'


def test_html_and_javascript_in_every_text_field_is_shown_as_text() -> None:
    site = {"title": SCRIPTY, "description": SCRIPTY, "links": [{"title": SCRIPTY, "url": "https://example.org/"}],
            "nav": [{"title": SCRIPTY, "target": "papers/"}]}
    author = {"name": "Ada " + SCRIPTY, "affiliation": SCRIPTY, "aliases": [SCRIPTY]}
    paper = {"title": "Engine " + SCRIPTY, "authors": ["Ada " + SCRIPTY, SCRIPTY], "venue": SCRIPTY,
             "publisher": SCRIPTY, "note": SCRIPTY, "pages": SCRIPTY, "volume": SCRIPTY, "number": SCRIPTY,
             "institution": SCRIPTY, "type": "phdthesis"}
    files = valid_project(site=site, author=author, paper=paper, abstract=SCRIPTY + "\n\n" + SCRIPTY,
                          bio=SCRIPTY)
    files["content/pages/about.md"] = front_matter({"title": SCRIPTY, "description": SCRIPTY}, SCRIPTY)
    files["content/news/2025-01-02-hello.md"] = front_matter({"title": SCRIPTY, "date": "2025-01-02"}, SCRIPTY)
    out = builds(files)
    for page in ("papers/p/index.html", "authors/ada/index.html", "about/index.html", "news/index.html",
                 "index.html"):
        assert "<script>alert(1)</script>" in page_text(out, page), page


MATH_ATTACKS = [
    r"$\text{<pwn-x data-pwned=1>}$", r"$\mbox{<img src=x onerror=alert(1)>}$", r"$\textrm{</math><pwn-x data-pwned>}$",
    r"$\href{javascript:alert(1)}{x}$", r"$\href{https://example.org/}{x}$", r"$\style{position:fixed}{x}$",
    r"$\tag{<pwn-x data-pwned=1>}$", r"$\fbox{<pwn-x data-pwned=1>}$", r"$\rule{1em\" onclick=\"x}{1em}$",
    r"$\text{a & b}$", r"$a<b>c$", r"$$\text{</script><script>alert(1)</script>}$$",
]


@pytest.mark.parametrize("math", MATH_ATTACKS)
def test_html_inside_math_text_is_escaped(math: str) -> None:
    out, _ = build_and_check(valid_project(paper={"title": f"T {math}"}, abstract=f"See {math} here."),
                             label="example")
    if out is not None and "<pwn-x" in math:
        assert "<pwn-x data-pwned" in page_text(out, "papers/p/index.html")


LINK_FIELDS = {  # field -> (project with that field set to a URL, file, YAML key whose line the error names)
    "paper code": (lambda url: valid_project(paper={"code": url}), "content/papers/p.md", "code"),
    "paper url": (lambda url: valid_project(paper={"url": url}), "content/papers/p.md", "url"),
    "paper pdf": (lambda url: valid_project(paper={"pdf": url}), "content/papers/p.md", "pdf"),
    "author homepage": (lambda url: valid_project(author={"links": {"homepage": url}}), "content/authors/ada.yaml",
                        "homepage"),
    "author email": (lambda url: valid_project(author={"links": {"email": url}}), "content/authors/ada.yaml", "email"),
    "author github": (lambda url: valid_project(author={"links": {"github": url}}), "content/authors/ada.yaml",
                      "github"),
    "author orcid": (lambda url: valid_project(author={"links": {"orcid": url}}), "content/authors/ada.yaml", "orcid"),
    "site link": (lambda url: valid_project(site={"links": [{"title": "x", "url": url}]}), "content/site.yaml", "url"),
    "site nav": (lambda url: valid_project(site={"nav": [{"title": "x", "target": url}]}), "content/site.yaml",
                 "target"),
    "site base_url": (lambda url: valid_project(site={"base_url": url}), "content/site.yaml", "base_url"),
}
EXECUTABLE_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
                   "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
                   'https://example.org/" onmouseover="alert(1)']


@pytest.mark.parametrize("url", EXECUTABLE_URLS)
@pytest.mark.parametrize("field", sorted(LINK_FIELDS))
def test_executable_urls_in_link_fields_are_errors_at_their_line(field: str, url: str) -> None:
    make, path, key = LINK_FIELDS[field]
    files = make(url)
    fails_with(files, path, "", line_of(files[path], key))


@pytest.mark.parametrize("url", EXECUTABLE_URLS + ["<javascript:alert(1)>", "java&#x09;script:alert(1)"])
def test_executable_urls_in_markdown_bodies_lose_their_link(url: str) -> None:
    body = f"[click]({url}) and ![pic]({url}) and [ref][r]\n\n[r]: {url}\n"
    files = valid_project(abstract=body, bio=body)
    files["content/pages/about.md"] = front_matter({"title": "About"}, body)
    files["content/news/2025-01-02-hello.md"] = front_matter({"title": "Hello", "date": "2025-01-02"}, body)
    build_and_check(files, label="example")


BOMB = "\n".join(["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
                  *(f"{chr(ord('b') + i)}: &{chr(ord('b') + i)} [" + ", ".join([f"*{chr(ord('a') + i)}"] * 9) + "]"
                    for i in range(8)), "title: Lab", ""])


@pytest.mark.parametrize("path", ["content/site.yaml", "content/authors/ada.yaml", "content/papers/p.md"])
def test_yaml_bomb_is_refused_quickly(path: str) -> None:
    files = valid_project()
    files[path] = BOMB if path.endswith(".yaml") else "---\n" + BOMB + "---\nx\n"
    fails_with(files, path, "too large", seconds=10)


@pytest.mark.parametrize("text", ["title: &a [*a]\n", "a: &a {b: *a}\ntitle: x\n",
                                  "title: " + "[" * 100_000 + "]" * 100_000 + "\n",
                                  "title: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n",
                                  "title:\n" + "".join(" " * i + "- \n" for i in range(0, 4000, 2)) + "x\n",
                                  "title: " + "- " * 5_000 + "x\n"], ids=short_id)
def test_recursive_and_deeply_nested_yaml_is_refused(text: str) -> None:
    files = valid_project()
    files["content/site.yaml"] = text
    fails_with(files, "content/site.yaml", "", seconds=10)


PYTHON_TAGS = ["!!python/object/apply:os.system ['touch pwned']", "!!python/object/new:os.system [touch pwned]",
               "!!python/name:os.system", "!!python/module:os", "!!python/object:builtins.object {}",
               "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch pwned']", "!!binary aGk=", "!!set {a}",
               "!!timestamp 2025-01-01", "!custom x"]


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_yaml_tags_that_construct_objects_are_refused(tag: str) -> None:
    files = valid_project()
    files["content/authors/ada.yaml"] = f"name: {tag}\n"
    files["content/papers/p.md"] = f"---\ntitle: x\nauthors: [{tag}]\ndate: 2025-01-01\n---\n"
    out, _ = build_and_check(files, label="example")
    assert out is None or "!!timestamp" in tag


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["prose", "math", "markdown", "one line", "title"])
def test_one_megabyte_of_text_builds_in_seconds(shape: str) -> None:
    words = ["alpha", "beta", "gamma", "<b>delta</b>", "$x_i^2$", "&amp;", "**bold**", "[link](https://x.org)"]
    pieces = {"prose": words[:4], "math": words[:5], "markdown": words, "one line": words[:5], "title": words[:5]}[shape]
    text = " ".join(pieces[i % len(pieces)] for i in range(300_000))[:1_000_000]
    text = text.rsplit(" ", 1)[0]
    if shape in ("prose", "math", "markdown"):
        text = "\n\n".join(text[i:i + 2000].strip() for i in range(0, len(text), 2000))
        files = valid_project(abstract=text)
    elif shape == "one line":
        files = valid_project(abstract=text)
    else:
        files = valid_project(paper={"title": text})
    out = builds(files, seconds=BIG_BUILD_SECONDS * (3 if shape == "markdown" else 1))
    CASES[f"1 MB {shape} built in {BUILD_TIMES[-1]:.1f} s"] += 1
    assert "alpha" in (out / "papers/p/index.html").read_text()


def test_three_thousand_authors_on_one_paper() -> None:
    people = [f"Author {i} Ünïcødé 作者{i}" for i in range(3000)]
    files = valid_project(paper={"authors": ["Ada Lovelace", *people, {"name": "Ada L", "slug": "ada"}]})
    out = builds(files, seconds=BIG_BUILD_SECONDS)
    assert "Author 2999" in (out / "papers/p/index.html").read_text()


@pytest.mark.parametrize("date, message", [
    ("2025-02-30", "not a real date (February 2025 has no day 30)"), ("2025-13-01", "no month 13"),
    ("2025-00-10", "no month 0"), ("2025-00", "no month 0"), ("0000-01-01", "year"), ("2025/01/01", "not a date"),
    ("yesterday", "not a date"), ("20250101", "not a date"), ("2023-02-29", "no day 29"),
])
def test_impossible_dates_are_errors_that_say_why(date: str, message: str) -> None:
    fails_with(valid_project(paper={"date": date}), "content/papers/p.md", message, 6)
    for unquoted in (f"date: {date}\n",):
        files = valid_project()
        files["content/news/2025-01-02-hello.md"] = f"---\ntitle: Hello\n{unquoted}---\nx\n"
        fails_with(files, "content/news/2025-01-02-hello.md", message, 3)


@pytest.mark.parametrize("fields, builds_ok", [
    ({"paper": {"citations": "12", "score": "25.5"}, "author": {"metrics": {"h_index": "1,355"}}}, True),
    ({"paper": {"title": 12345, "venue": 2025, "volume": 3, "pages": 1.5}}, True),
    ({"author": {"name": 3.14, "aliases": [1, 2.5]}, "paper": {"authors": [3.14]}}, True),
    ({"site": {"title": 42, "latest_papers": "3"}}, True),
    ({"paper": {"citations": "many"}}, False), ({"paper": {"citations": 1.5}}, False),
    ({"paper": {"citations": float("nan")}}, False), ({"paper": {"score": float("inf")}}, False),
    ({"paper": {"citations": 10**400}}, False), ({"author": {"metrics": {"h_index": True}}}, False),
    ({"paper": {"date": 2025}}, True), ({"paper": {"date": 2025.5}}, False), ({"paper": {"title": True}}, False),
    ({"paper": {"title": None}}, False), ({"paper": {"authors": "Ada Lovelace"}}, False),
    ({"site": {"citation_files": "yes"}}, False), ({"paper": {"et_al": "true"}}, False),
    ({"paper": {"arxiv": 2501.16937}}, True), ({"paper": {"doi": 10.1234}}, False),
])
def test_numbers_as_text_and_text_as_numbers(fields: dict[str, dict[str, Any]], builds_ok: bool) -> None:
    out, failure = build_and_check(valid_project(**fields), label="example")  # type: ignore[arg-type]
    assert (out is not None) == builds_ok, failure


@pytest.mark.parametrize("files, path, message", [
    ({"content/papers/Foo.md": front_matter({**PAPER, "title": "Other"}), "content/papers/foo.md":
      front_matter({**PAPER, "title": "Another"})}, "content/papers/Foo.md", "lowercase ASCII"),
    ({"content/papers/q.md": front_matter({**PAPER, "slug": "p"})}, "content/papers/q.md", "duplicate paper slug"),
    ({"content/authors/Ada.yaml": dump({"name": "Ada Two"})}, "content/authors/Ada.yaml", "lowercase ASCII"),
    ({"content/authors/bob.yaml": dump({"name": "Bob", "slug": "ada"})}, "content/authors/bob.yaml", "duplicate author"),
    ({"content/pages/About.md": front_matter({"title": "About 2"})}, "content/pages/About.md", "lowercase"),
    ({"content/news/Hello.md": front_matter({"title": "Hi", "date": "2025-01-01"})}, "content/news/Hello.md",
     "lowercase"),
])
def test_duplicate_and_case_colliding_slugs(files: dict[str, str], path: str, message: str) -> None:
    fails_with({**valid_project(), **files}, path, message)


@pytest.mark.parametrize("name", ["con", "nul", "aux", "prn", "com1", "lpt9", "CON", "Nul"])
@pytest.mark.parametrize("where", ["paper file", "paper slug", "author file", "author slug", "page", "news"])
def test_reserved_windows_names_are_refused(name: str, where: str) -> None:
    files = valid_project()
    path = {"paper file": f"content/papers/{name}.md", "paper slug": "content/papers/p.md",
            "author file": f"content/authors/{name}.yaml", "author slug": "content/authors/ada.yaml",
            "page": f"content/pages/{name}.md", "news": f"content/news/{name}.md"}[where]
    files[path] = {"paper file": front_matter({**PAPER, "title": "Other"}), "paper slug": front_matter(
        {**PAPER, "slug": name}), "author file": dump({"name": "Other"}), "author slug": dump({**AUTHOR, "slug": name}),
        "page": front_matter({"title": "x"}), "news": front_matter({"title": "x", "date": "2025-01-01"})}[where]
    fails_with(files, path, "")


@pytest.mark.parametrize("slug", SLUG_VALUES + ["%2e", "..%2f..%2fetc", "\u2024\u2024", "．．", "x/../..", "a\x00"])
@pytest.mark.parametrize("kind", ["paper", "author"])
def test_path_like_slugs_never_write_outside_the_output(slug: str, kind: str) -> None:
    if kind == "paper":
        files = valid_project(paper={"slug": slug})
    else:
        files = valid_project(author={"slug": slug})
    out, _ = build_and_check(files, label="example")
    assert out is None or re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) or not slug.strip()  # blank: the file name


@pytest.mark.parametrize("file_name", ["..md", "...md", "%2e%2e.md", "a b.md", "é.md", "x\u0301.md", "秋葉.md",
                                       "-x.md", "x--y.md", "UPPER.md", ".hidden.md", "con.md", "~x.md"])
def test_odd_file_names(file_name: str) -> None:
    files = valid_project()
    files[f"content/papers/{file_name}"] = front_matter({**PAPER, "title": "Other"})
    build_and_check(files, label="example")


@pytest.mark.parametrize("path", ["content/site.yaml", "content/authors/ada.yaml", "content/authors/ada.md",
                                  "content/papers/p.md", "content/pages/about.md", "content/news/2025-01-02-hello.md"])
@pytest.mark.parametrize("text", ["", "\ufeff", "   \n\n", "---\n---\n", "~\n", "[]\n", "- a\n", "42\n", "'x'\n"])
def test_empty_and_non_mapping_files(path: str, text: str) -> None:
    files = valid_project()
    if path == "content/authors/ada.md":
        del files["content/authors/ada.yaml"]
    files[path] = text
    out, _ = build_and_check(files, label="example")
    if text.strip("\ufeff \n") in ("", "~"):
        assert out is None


@pytest.mark.parametrize("text", ["$x", "$$x", "x$$", "\\(x", "\\[x", "x\\)", "\\textit{x", "x}", "{x",
                                  "$\\frac{a}{b$", "$\\notacommand$", "$x^{2$", "$}$", "$\\$", "\\", "$\\text{$",
                                  "\\textbf{" * 3000 + "x" + "}" * 3000, "{" * 5000 + "x" + "}" * 5000,
                                  "$" + "{" * 3000 + "x" + "}" * 3000 + "$", "$\\frac" * 2000 + "$",
                                  "- " * 3000 + "x", "1. " * 3000 + "x", "> " * 3000 + "x", "[" * 3000 + "x" + "]" * 3000,
                                  "".join(" " * (4 * i) + "- x\n" for i in range(400)), "*" * 5000 + "x" + "*" * 5000], ids=short_id)
@pytest.mark.parametrize("where", ["title", "abstract", "bio", "page"])
def test_unbalanced_and_deeply_nested_latex_and_markdown(text: str, where: str) -> None:
    files = {"title": lambda: valid_project(paper={"title": text}), "abstract": lambda: valid_project(abstract=text),
             "bio": lambda: valid_project(bio=text), "page": lambda: {**valid_project(), "content/pages/about.md":
                                                                      front_matter({"title": "About"}, text)}}[where]()
    build_and_check(files, label="example")


UNICODE = ["\u202eevil\u202c", "שלום עולם", "مرحبا بالعالم", "e\u0301\u0301\u0301", "\u0301starts combining",
           "👩‍🔬 🏳️‍🌈 😀", "秋葉拓哉", "한국어 이름", "Zoë Ångström", "a\u200b\u200d\ufeffb", "x\U0010ffff\ufdd0y",
           "Ω" * 5000]


@pytest.mark.parametrize("text", UNICODE, ids=short_id)
def test_unicode_everywhere_builds(text: str) -> None:
    files = valid_project(site={"title": text, "description": text},
                          author={"name": text, "affiliation": text, "aliases": []},
                          paper={"title": text, "authors": [text], "venue": text}, abstract=text, bio=text)
    out = builds(files)
    shown = page_text(out, next(p.relative_to(out).as_posix() for p in (out / "papers").glob("*/index.html")))
    assert strip_control_characters(text).strip()[:20] in shown


CONTROLS = "".join(map(chr, [*range(9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0), 0xFFFE, 0xFFFF]))


def test_control_characters_never_reach_the_output() -> None:
    text = "A" + CONTROLS + "Z"
    files = valid_project(site={"title": text, "description": text},
                          author={"name": "Ada" + CONTROLS, "affiliation": text, "aliases": [text]},
                          paper={"title": text, "authors": ["Ada" + CONTROLS], "venue": text, "note": text},
                          abstract=text, bio=text)
    files["content/news/2025-01-02-hello.md"] = front_matter({"title": text, "date": "2025-01-02"}, text)
    out = builds(files)
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".bib", ".ris"):
            data = path.read_text(encoding="utf-8")
            assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]", data), path


@pytest.mark.parametrize("raw", [b"title: a\x00b\n", b"title: a\x1bb\n", b"title: ok\nx: \x07\n",
                                 b"title: \xef\xbf\xbe\n"])
def test_raw_control_characters_in_yaml_are_errors_at_their_line(raw: bytes) -> None:
    files = valid_project()
    files["content/site.yaml"] = raw
    fails_with(files, "content/site.yaml", "unprintable character U+", raw.count(b"\n", 0, len(raw.rstrip(b"\n"))) + 1)


def test_line_breaks_and_braces_stay_inside_their_field_in_citation_files() -> None:
    """Found by the generated projects: a multi-line `pages:` broke cite.ris into a record of its own, and an
    unmatched brace ended a cite.bib value early (the checks parse both files)."""
    files = valid_project(paper={"pages": "1\n  -2\nER  - ", "note": "n}, title = {x", "volume": "a\\",
                                 "publisher": "P\u2028Q{", "type": "inproceedings"},
                          author={"name": "Ada\nER  - \nTY  - X"})
    out = builds(files)
    assert "\\textbraceright{}" in (out / "papers/p/cite.bib").read_text()


@pytest.mark.parametrize(("path", "reported_at", "message"), [
    ("content/index.html", "content/index.html", "the generated home page"),
    ("content/static/site.js", "content/static/site.js", "the theme's file 'site.js'"),
    ("content/About/index.html", "content/About/index.html", "where content/pages/about.md goes"),
    ("content/sitemap.xml", "content/sitemap.xml", "the generated sitemap page"),
    ("content/files/A.pdf", "content/files/a.pdf", "where content/files/A.pdf goes"),  # the same on macOS
])
def test_files_that_would_overwrite_a_generated_page_are_errors_at_the_file(path: str, reported_at: str,
                                                                              message: str) -> None:
    files = {**valid_project(), path: b"<script>alert(1)</script>", "content/files/a.pdf": b"%PDF"}
    fails_with(files, reported_at, f"{message}; move or rename it")


def test_template_field_cannot_name_another_kind_of_page() -> None:
    files = valid_project()
    files["content/pages/about.md"] = front_matter({"title": "About", "template": "paper.html"}, "x")
    fails_with(files, "content/pages/about.md", "template 'paper.html'", 3)


def test_template_field_must_name_a_template_that_exists() -> None:
    files = valid_project()
    files["content/pages/about.md"] = front_matter({"title": "About", "template": "fancy.html"}, "x")
    fails_with(files, "content/pages/about.md", "template 'fancy.html' is neither in templates/", 3)


# --- The real command -------------------------------------------------------------------------------------

CLI_PROJECTS = {
    "deep yaml, python tag, bad date": {
        **valid_project(), "content/site.yaml": "title: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "content/authors/ada.yaml": "name: !!python/object/apply:os.system ['touch pwned']\n",
        "content/papers/p.md": front_matter({**PAPER, "date": "2025-02-30"}),
    },
    "executable links everywhere": valid_project(
        site={"links": [{"title": "x", "url": "javascript:alert(1)"}]},
        author={"links": {"homepage": "javascript:alert(1)"}},
        paper={"code": "javascript:alert(1)", "url": "data:text/html,x", "pdf": "vbscript:x"}),
    "nested macros, bomb, colliding slugs": {
        **valid_project(paper={"title": "\\textit{" * 3000 + "x" + "}" * 3000}),
        "content/authors/bob.yaml": BOMB, "content/papers/q.md": front_matter({**PAPER, "slug": "P"}),
        "content/pages/con.md": front_matter({"title": "x"}),
    },
}


@pytest.mark.parametrize("name", sorted(CLI_PROJECTS))
def test_hostile_projects_through_the_real_command(name: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    for rel, data in CLI_PROJECTS[name].items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_bytes(data if isinstance(data, bytes) else data.encode())
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run_portfolio("build", "--source", str(project), "--output", str(tmp_path / "out"), cwd=project,
                           timeout=60)
    CASES["command line failed"] += result.returncode == 1
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr.split(":", 2)[0]
    lines = [line for line in result.stderr.splitlines() if line and not line.endswith("nothing was written.")]
    assert len(lines) >= 2, result.stderr
    for line in lines:
        assert re.match(r"^content/[^:\n]+(:\d+){0,2}: \S", line), line
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written, no `pwned`


def test_scratch_helpers_catch_what_they_claim_to() -> None:
    """The checks themselves: an unsafe link, an event handler and a foreign script are each caught."""
    for html in ('<a href=" java\tscript:alert(1)">x</a>', '<p onclick="x">y</p>', "<script>alert(1)</script>",
                 '<math><mrow href="javascript:alert(1)"><mi>x</mi></mrow></math>', "<pwn-x>",
                 '<script type="application/ld+json">{"url": "javascript:alert(1)"}</script>'):
        with pytest.raises(AssertionError):
            check_html(f"<!DOCTYPE html><html><head></head><body>{html}</body></html>", "test")
    check_html('<!DOCTYPE html><a href="/x">a</a><a href="mailto:a@b.org">b</a><script src="/static/site.js">'
               "</script>", "test")
    with pytest.raises(Hang), watchdog(0.2):
        time.sleep(5)



def test_latex_specials_are_escaped_in_citation_files_outside_math_only() -> None:
    """`&`, `%`, `#` and `~` mean something to LaTeX: escaped once in BibTeX values, left alone in math and where
    the author escaped them already."""
    files = valid_project(paper={"note": "R&D at 50% for #1 ~ \\& done; $a & b$", "volume": "x#y"})
    bib = (builds(files) / "papers/p/cite.bib").read_text()
    assert "note = {R\\&D at 50\\% for \\#1 \\textasciitilde{} \\& done; $a & b$}" in bib
    assert "volume = {x\\#y}" in bib
