"""Content text to safe HTML: Markdown for bodies, LaTeX math to MathML and LaTeX text macros to HTML.

Everything is rendered at build time so pages need no JavaScript; all text from content is escaped, raw
HTML in Markdown shows as text, and links may only use web and mail schemes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import escape, unescape
from typing import TYPE_CHECKING, TypeVar

import markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

if TYPE_CHECKING:
    from .model import Paper

SAFE_URL_SCHEMES = ("http", "https", "mailto")

# Text macros whose argument is prose: LaTeX authors often wrap them in $...$ just to get the style.
_TEXT_MACROS = {
    "textit": "em", "emph": "em", "textsl": "em", "mathit": "em",
    "textbf": "strong", "mathbf": "strong",
    "texttt": "code", "mathtt": "code",
    "text": "span", "textrm": "span", "textsf": "span", "textnormal": "span", "mathrm": "span",
    "textsc": "span", "underline": "u",
}
_ESCAPED_SYMBOLS = {"\\%": "%", "\\&": "&", "\\_": "_", "\\#": "#", "\\$": "$", "\\{": "{", "\\}": "}"}
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_PRIVATE_MARKS = re.compile("[\ue000-\ue002]")
_DEFUSED_BRACKET = "\ue002"  # a `[` that cannot start a link, hidden from Python-Markdown (see _defuse_brackets)
# C0 and C1 controls (not tab, newline, carriage return) and non-characters: invalid in XML, errors in HTML.
# The non-characters beyond U+FFFF have a pattern of their own: in one class they make every search slow.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL_NONCHARACTERS = re.compile("[" + "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF)
                                                 for plane in range(1, 17)) + "]")
_MATH_ENTITY = re.compile(r"&#x([0-9A-Fa-f]{1,6});")
MAX_NESTING = 50  # braces deeper than this are refused: no real formula needs them, and they would recurse
_URL_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")
_TEXT_MACRO = re.compile(r"\\(" + "|".join(sorted(_TEXT_MACROS, key=len, reverse=True)) + r")\s*\{")
BARE_URL = re.compile(r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}]")


class MarkupError(ValueError):
    """Math or LaTeX that cannot be rendered; `offset` is the character position in the source text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True, slots=True)
class _Span:
    """A piece of LaTeX in prose: math (`macro` empty) or a text macro such as `\\textit{...}`."""

    start: int
    end: int
    inner: str
    display: bool = False
    macro: str = ""


def strip_control_characters(text: str) -> str:
    """Text without the characters that no page or feed may contain (they are invisible anyway)."""
    text = _CONTROL_CHARACTERS.sub("", text)
    return text if text.isascii() or max(text) <= "\uffff" else _ASTRAL_NONCHARACTERS.sub("", text)


def is_safe_url(url: str) -> bool:
    """True for relative URLs and web/mail links; false for `javascript:`, `data:` and the like."""
    cleaned = strip_control_characters(url).replace(" ", "")
    match = _URL_SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in SAFE_URL_SCHEMES


_SPAN_START = re.compile(r"[\\$]")


def _find_spans(text: str) -> list[_Span]:
    """Math and text macros, left to right. `$x$` follows pandoc: no space inside, no digit after."""
    spans: list[_Span] = []
    index = 0
    length = len(text)
    while (found := _SPAN_START.search(text, index)) is not None:  # past the plain text between spans at once
        index = found.start()
        char = text[index]
        if char == "\\" and index + 1 < length:
            macro = _TEXT_MACRO.match(text, index)
            if macro:
                end = _braced_argument(text, macro.end() - 1)
                spans.append(_Span(index, end, text[macro.end():end - 1], macro=macro.group(1)))
                index = end
                continue
            opener = text[index + 1]
            if opener in "([":
                closer = "\\)" if opener == "(" else "\\]"
                end = text.find(closer, index + 2)
                if end < 0:
                    raise MarkupError(f"math opened with '\\{opener}' is never closed with '{closer}'", index)
                spans.append(_Span(index, end + 2, text[index + 2:end], opener == "["))
                index = end + 2
                continue
            index += 2
            continue
        if char == "$":
            if text.startswith("$$", index):
                end = text.find("$$", index + 2)
                if end < 0:
                    raise MarkupError("display math opened with '$$' is never closed", index)
                spans.append(_Span(index, end + 2, text[index + 2:end], True))
                index = end + 2
                continue
            closing = _closing_dollar(text, index)
            if closing is not None:
                spans.append(_Span(index, closing + 1, text[index + 1:closing]))
                index = closing + 1
                continue
        index += 1
    return spans


def _closing_dollar(text: str, start: int) -> int | None:
    if start + 1 >= len(text) or text[start + 1].isspace():
        return None
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "\n" and text.startswith("\n", index + 1):
            return None  # math never spans paragraphs
        if char == "$":
            if text[index - 1].isspace() or (index + 1 < len(text) and text[index + 1].isdigit()):
                return None
            return index
        index += 1
    return None


def _braced_argument(text: str, open_index: int) -> int:
    """Index just past the `}` that closes the `{` at `open_index`."""
    depth = 0
    index = open_index
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise MarkupError("'{' is never closed with '}'", open_index)


def _check_nesting(text: str, offset: int) -> None:
    """Refuse braces nested deeper than MAX_NESTING before anything recurses into them."""
    if text.count("{") <= MAX_NESTING:
        return
    depth = 0
    for match in re.finditer(r"\\.|[{}]", text, re.DOTALL):
        char = match.group(0)
        if char == "{":
            depth += 1
            if depth > MAX_NESTING:
                raise MarkupError(f"braces are nested more than {MAX_NESTING} deep; simplify the LaTeX (write "
                                  "\\{ for a brace that is only text)", offset + match.start())
        elif char == "}":
            depth = max(0, depth - 1)


def _check_braces(latex: str, offset: int) -> None:
    index = 0
    while index < len(latex):
        char = latex[index]
        if char == "{":
            try:
                index = _braced_argument(latex, index)
            except MarkupError:
                raise MarkupError("unbalanced '{' in math", offset + index) from None
            continue
        if char == "}":
            raise MarkupError("unbalanced '}' in math", offset + index)
        index += 2 if char == "\\" else 1


def _span_html(span: _Span, offset: int) -> str:
    if span.macro:
        tag = _TEXT_MACROS[span.macro]
        css = ' class="small-caps"' if span.macro == "textsc" else ""
        return f"<{tag}{css}>{_render_inline(span.inner, offset + span.end - len(span.inner) - 1)}</{tag}>"
    try:
        html = _convert_math(span.inner, span.display)
    except MarkupError as exc:
        raise MarkupError(str(exc), offset + span.start + exc.offset) from None
    return f'<span class="display-math">{html}</span>' if span.display else html


@lru_cache(maxsize=4096)
def _convert_math(latex: str, display: bool) -> str:
    stripped = latex.strip()
    whole_macro = _TEXT_MACRO.match(stripped)
    if whole_macro and _braced_argument(stripped, whole_macro.end() - 1) == len(stripped):
        return _render_inline(stripped, 0)
    _check_braces(latex, 0)
    # Imported on first use: 0.07 s that a CLI build reading no new math (an edit of a site) need not pay.
    from latex2mathml.converter import convert_to_element as latex_to_mathml
    try:
        mathml = _mathml_text(latex_to_mathml(stripped, display="block" if display else "inline"))
    except Exception as exc:  # noqa: BLE001 - latex2mathml raises many exception types for malformed input
        raise MarkupError(f"cannot render math ${_shorten(latex)}$ ({exc.__class__.__name__})", 0) from None
    unknown = re.search(r">(\\[a-zA-Z]+)<", mathml)
    if unknown:
        raise MarkupError(f"unknown LaTeX command {unknown.group(1)} in math ${_shorten(latex)}$", 0)
    label = escape(stripped, quote=True)
    return mathml.replace("<math ", f'<math alttext="{label}" ', 1)


def _shorten(text: str, limit: int = 80) -> str:
    """Source text quoted in a message: one line, and not the whole of a huge formula."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _mathml_text(math: etree.Element) -> str:
    """latex2mathml's tree as MathML whose text is escaped, with no style, event or unsafe link attributes.

    latex2mathml's own serializer unescapes its output to keep the character references it writes
    (`&#x0003C;`), which also lets `\\text{<img onerror=...>}` through as markup: here the references
    become characters and everything is escaped once, by ElementTree.
    """
    for node in math.iter():
        for name, value in list(node.attrib.items()):
            if name.lower().startswith("on") or name.lower() == "style" or (
                    name.lower().endswith("href") and not is_safe_url(value)):
                del node.attrib[name]
            else:
                node.set(name, _math_characters(value))
        if node.text:
            node.text = _math_characters(node.text)
        if node.tail:
            node.tail = _math_characters(node.tail)
    return etree.tostring(math, encoding="unicode")


def _math_characters(text: str) -> str:
    def character(match: re.Match[str]) -> str:
        code = int(match.group(1), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else ""

    return strip_control_characters(_MATH_ENTITY.sub(character, text)) if "&" in text else text


def _escape_text(text: str) -> str:
    for latex, plain in _ESCAPED_SYMBOLS.items():
        text = text.replace(latex, plain)
    return escape(text, quote=False)


def render_inline(text: str, offset: int = 0) -> str:
    """One line of content text (a title, a name) as HTML: math, text macros, everything else escaped."""
    text = strip_control_characters(text)
    _check_nesting(text, offset)
    return _render_inline(text, offset)


def _render_inline(text: str, offset: int) -> str:
    """render_inline for text already cleaned and checked (macro arguments, recursively)."""
    parts: list[str] = []
    index = 0
    for span in _find_spans(text):
        parts.append(_escape_text(text[index:span.start]))
        parts.append(_span_html(span, offset))
        index = span.end
    parts.append(_escape_text(text[index:]))
    return "".join(parts)


def plain_text(text: str) -> str:
    """Content text with LaTeX markup removed, for `<title>`, metadata and search."""
    text = strip_control_characters(text)
    text = re.sub(r"\$\$|\\[()\[\]]", "", text)
    text = re.sub(r"(?<!\\)\$", "", text)
    text = re.sub(r"\\[a-zA-Z]+\s*\{([^{}]*)\}", r"\1", text)
    for latex, plain in _ESCAPED_SYMBOLS.items():
        text = text.replace(latex, plain)
    return " ".join(text.split())


_MARKDOWN_ACTIVE = re.compile(r"([*_`\[\]#])")  # raw HTML is off, so < and > are already text


def escape_markdown(text: str) -> str:
    """Plain text that stays plain in a Markdown body: `*`, `_` and friends outside `$math$` become literal."""
    pieces = re.split(r"(\$[^$]*\$)", text)
    return "".join(p if len(p) > 1 and p.startswith("$") and p.endswith("$") else _MARKDOWN_ACTIVE.sub(r"\\\1", p)
                   for p in pieces)


def parts_sharing(text: str, shared: str) -> tuple[str, ...]:
    """`text` as parts whose join is `text`, one of them `shared` itself where `text` holds it whole.

    A piece remembered for many pages (a paper card, a BibTeX entry) that quotes a paper's abstract then holds
    only its own bytes beside the abstract the model keeps anyway (the cards: 30 -> 17 MB at 10k papers)."""
    at = text.find(shared) if shared else -1
    return (text,) if at < 0 else (text[:at], shared, text[at + len(shared):])


@lru_cache(maxsize=2)  # a paper's RIS and CSL files come one after the other, both with its abstract
def html_to_text(html: str) -> str:
    """The words of rendered HTML, for metadata: tags dropped (math keeps its source), entities decoded."""
    html = re.sub(r'<math alttext="([^"]*)"[^>]*>.*?</math>', r"\1", html, flags=re.DOTALL)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split()).replace(" ,", ",").replace(" .", ".")


# What keeps ASCII text from being its own words (see is_own_text): other whitespace, and what html_to_text drops.
_NOT_OWN_TEXT = ("  ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f", " ,", " .", "<", "&")


def is_own_text(text: str, html: str) -> bool:
    """Whether `html_to_text(html) == text`. Most abstracts are one line of plain prose, which a few scans for
    characters tell at once (taking their words apart took 11 us each; reading a paper takes 250)."""
    if (html == f"<p>{text}</p>" and text.isascii() and text == text.strip()
            and not any(part in text for part in _NOT_OWN_TEXT)):
        return True
    return html_to_text(html) == text


def abstract_text(paper: Paper) -> str:
    """A paper's abstract as metadata, citations and search quote it: its words, without markup."""
    return paper.abstract if paper.abstract_is_text else html_to_text(paper.abstract_html)


# --- Markdown ---------------------------------------------------------------------------------------------

_CODE = re.compile(r"(?ms)^(```|~~~).*?^\1[ \t]*$|`+[^`\n]*?`+")


def _shield_latex(text: str) -> tuple[str, list[str]]:
    """Swap math and LaTeX macros for placeholders Markdown leaves alone; code is not touched."""
    fragments: list[str] = []

    def stash(html: str) -> str:
        fragments.append(html)
        return f"\ue000{len(fragments) - 1}\ue001"

    pieces: list[str] = []
    index = 0
    for code in _CODE.finditer(text):
        pieces.append(_shield_prose(text[index:code.start()], index, stash))
        pieces.append(code.group(0))
        index = code.end()
    pieces.append(_shield_prose(text[index:], index, stash))
    return "".join(pieces), fragments


def _shield_prose(text: str, offset: int, stash: Callable[[str], str]) -> str:
    _check_nesting(text, offset)
    pieces: list[str] = []
    index = 0
    for span in _find_spans(text):
        pieces.append(text[index:span.start])
        pieces.append(stash(_span_html(span, offset)))
        index = span.end
    pieces.append(text[index:])
    return "".join(pieces)


class _BareUrlProcessor(InlineProcessor):
    """Links plain `https://...` URLs, as readers expect from abstracts that name a repository."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:
        link = etree.Element("a")
        link.set("href", m.group(0))
        link.text = m.group(0)
        return link, m.start(0), m.end(0)


class _UrlSanitizer(Treeprocessor):
    """Drops links and images whose URL scheme could run code."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not is_safe_url(value):
                    del element.attrib[attribute]


def _new_markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "footnotes", "sane_lists", "fenced_code"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.inlinePatterns.register(_BareUrlProcessor(BARE_URL.pattern, md), "bare_url", 110)
    md.treeprocessors.register(_UrlSanitizer(md), "url_sanitizer", 0)
    return md


_markdown_instances: list[markdown.Markdown] = []

_MARKDOWN_CHARACTERS = "\n\r\t*_`#>[]<&\\|$"  # \r: a line end to Markdown; a tab: written as spaces
_MARKDOWN_START = re.compile(r"\s|-|\+\s|\d+[.)]\s|=")  # a dash: a list item, or a rule (`---`)


def _is_plain_paragraph(text: str) -> bool:
    """Whether Markdown would make `text` one paragraph of the text as it is, so that the engine may be skipped
    (same bytes, faster). Substring tests, not one regular expression: 20 times faster on an abstract."""
    return not (any(character in text for character in _MARKDOWN_CHARACTERS) or "http://" in text
                or "https://" in text or _MARKDOWN_START.match(text))


_T = TypeVar("_T")


def _on_clean_text(text: str, render: Callable[[str], _T]) -> _T:
    """`render` applied to `text` without the characters no page may hold; a MarkupError's offset is moved back
    to count characters of `text` as given, so that its line is the one the author sees."""
    cleaned = _PRIVATE_MARKS.sub("", strip_control_characters(text))
    try:
        return render(cleaned)
    except MarkupError as exc:
        if len(cleaned) == len(text):
            raise
        kept = 0
        for index, character in enumerate(text):
            if kept == exc.offset:
                break
            kept += _PRIVATE_MARKS.match(character) is None and strip_control_characters(character) != ""
        else:
            index = len(text)
        raise MarkupError(str(exc), index) from None


def render_block(text: str) -> str:
    """A Markdown body (abstract, bio) as HTML, with math rendered and raw HTML shown as text.

    A MarkupError's offset counts characters of `text` as given.
    """
    return _on_clean_text(text, _render_block)


def _render_block(cleaned: str) -> str:
    stripped = cleaned.strip()
    if not stripped:
        return ""
    if _is_plain_paragraph(stripped):
        return f"<p>{stripped}</p>"
    if not _markdown_instances:
        _markdown_instances.append(_new_markdown())
    return _convert_with_math(cleaned, _markdown_instances, _markdown_instances[0], plain_prose_fast=True)[0]


def _convert_with_math(cleaned: str, instances: list, md: markdown.Markdown,  # type: ignore[type-arg]
                       plain_prose_fast: bool = False) -> tuple[str, list[str]]:
    """Markdown to HTML with the math shielded from the engine and put back: (HTML, the math fragments).

    `plain_prose_fast`: text that is one plain paragraph once its math is shielded (most abstracts with math)
    is made without the engine, as text without math is: the same bytes in less than half the time."""
    stripped = cleaned.strip()
    lead = len(cleaned) - len(cleaned.lstrip())
    try:
        shielded, fragments = _shield_latex(stripped)
    except MarkupError as exc:
        raise MarkupError(str(exc), exc.offset + lead) from None
    _check_block_work(stripped, lead)
    if plain_prose_fast and _is_plain_paragraph(shielded):
        html = f"<p>{shielded}</p>"
    else:
        html = _convert_markdown(instances, md, _defuse_brackets(shielded), stripped, lead).replace(
            _DEFUSED_BRACKET, "[")
    return _PLACEHOLDER.sub(lambda m: fragments[int(m.group(1))], html), fragments


_BRACKET_TOKENS = re.compile(r"\\.|[\[\]()]|\n[ \t]*\n", re.DOTALL)
MAX_LINK_NESTING = 32


def _defuse_brackets(text: str) -> str:
    """Every `[` that cannot start a link swapped for _DEFUSED_BRACKET, which is `[` again after Markdown.

    Python-Markdown scans from every `[` to its `]` and from `](` to its `)`, to the end of the paragraph
    when there is none: thousands of unclosed brackets take minutes. A `[` whose `]` (or whose link's `)`)
    is missing in its paragraph, or that is nested absurdly deep, is never a link, so nothing changes
    but the time. Code is left alone.
    """
    if text.count("[") <= MAX_LINK_NESTING:
        return text
    masked = _CODE.sub(lambda m: " " * len(m.group(0)), text)
    defused: list[int] = []
    closing: dict[int, int] = {}  # `[` -> its `]`
    paren_closed: set[int] = set()  # `(` that have their `)`
    brackets: list[int] = []
    parens: list[int] = []

    def end_paragraph() -> None:
        defused.extend(brackets)
        brackets.clear()
        parens.clear()

    for token in _BRACKET_TOKENS.finditer(masked):
        char, at = token.group(0), token.start()
        if char == "[":
            if len(brackets) >= MAX_LINK_NESTING:
                defused.append(brackets.pop(0))  # the outermost: the innermost may yet be a link
            brackets.append(at)
        elif char == "]":
            if brackets:
                closing[brackets.pop()] = at
        elif char == "(":
            parens.append(at)
        elif char == ")":
            if parens:
                paren_closed.add(parens.pop())
        elif char[0] == "\n":
            end_paragraph()
    end_paragraph()
    defused += [opening for opening, close in closing.items()
                if masked.startswith("(", close + 1) and close + 1 not in paren_closed]
    if not defused:
        return text
    pieces: list[str] = []
    index = 0
    for at in sorted(defused):
        pieces += [text[index:at], _DEFUSED_BRACKET]
        index = at + 1
    pieces.append(text[index:])
    return "".join(pieces)


# Lines that end a Markdown block element on their own: headings, rules and setext underlines, link and
# footnote definitions. Python-Markdown re-reads the rest of a block after each of them.
_SPLITTING_LINE = re.compile(r"^ {0,3}(?:#|[-=*_][-=*_ \t]*$|\[[^\]\n]*\]:)", re.MULTILINE)
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n")
MARKDOWN_WORK = 10_000_000  # splitting lines x characters of their block: about a second of Python-Markdown


def _check_block_work(text: str, offset: int) -> None:
    """Refuse a block (text between blank lines) that Python-Markdown would take minutes over.

    After each heading, rule or link definition it re-reads the rest of the block, so a block of thousands
    of them costs their number times its length; with blank lines between them the cost is linear.
    """
    if len(text) * text.count("\n") <= MARKDOWN_WORK:
        return  # fast whatever its lines are
    masked = _CODE.sub(lambda m: " " * len(m.group(0)), text)
    start = 0
    for end in [m.start() for m in _BLOCK_BREAK.finditer(masked)] + [len(masked)]:
        block = masked[start:end]
        if len(block) * block.count("\n") > MARKDOWN_WORK:  # cheap test first
            splits = len(_SPLITTING_LINE.findall(block))
            if splits * len(block) > MARKDOWN_WORK:
                raise MarkupError(f"{splits} headings, rules or link definitions follow one another without a "
                                  "blank line, too many for the Markdown engine; put blank lines between them",
                                  offset + start + len(block) - len(block.lstrip()))
        start = end


_NESTING_MARKS = re.compile(r"[ \t>*+\-\d.)]*")  # what a line of nested lists and quotes starts with


def _convert_markdown(instances: list, md: markdown.Markdown, shielded: str, source: str,  # type: ignore[type-arg]
                      lead: int) -> str:
    """Python-Markdown recurses once per level of lists and quotes: a body nested deeper than Python's
    stack allows is a content error at its most deeply nested line, not a crash."""
    try:
        return md.reset().convert(shielded)
    except RecursionError:
        instances.clear()  # its state after the failure is unknown: the next body gets a fresh engine
        offset, deepest = 0, -1
        for line in re.finditer(r"^.*$", source, re.MULTILINE):
            depth = len(_NESTING_MARKS.match(line.group(0)).group(0))  # type: ignore[union-attr]
            if depth > deepest:
                offset, deepest = line.start(), depth
        raise MarkupError("lists or quotes are nested too deeply to render; nest them less", lead + offset) from None


# --- Documents: free pages and news ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RenderedDocument:
    html: str
    toc: tuple[tuple[int, str, str], ...]  # (level, anchor id, heading text) of the h2/h3 headings


class _LinkResolver(Treeprocessor):
    """Points links and images written as content source paths at the pages and files they became."""

    resolve: Callable[[str], str] = staticmethod(lambda target: target)  # type: ignore[assignment]

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None:
                    element.set(attribute, self.resolve(value))


_documents: list[tuple[markdown.Markdown, _LinkResolver]] = []


def _new_document_markdown() -> tuple[markdown.Markdown, _LinkResolver]:
    md = markdown.Markdown(extensions=["tables", "footnotes", "sane_lists", "fenced_code", "codehilite", "toc"],
                           extension_configs={
                               "codehilite": {"guess_lang": False, "css_class": "highlight"},
                               "toc": {"permalink": "#", "permalink_class": "anchor",
                                       "permalink_title": "Link to this section", "toc_depth": "2-3"},
                           })
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.inlinePatterns.register(_BareUrlProcessor(BARE_URL.pattern, md), "bare_url", 110)
    resolver = _LinkResolver(md)
    md.treeprocessors.register(resolver, "content_links", 1)
    md.treeprocessors.register(_UrlSanitizer(md), "url_sanitizer", 0)
    return md, resolver


def render_document(text: str, resolve: Callable[[str], str]) -> RenderedDocument:
    """A page's Markdown body: the usual extensions (tables, footnotes, highlighted code, heading anchors,
    a table of contents), math, and links to content files resolved by `resolve`."""
    return _on_clean_text(text, lambda cleaned: _render_document(cleaned, resolve))


def _render_document(cleaned: str, resolve: Callable[[str], str]) -> RenderedDocument:
    if not _documents:
        _documents.append(_new_document_markdown())
    md, resolver = _documents[0]
    resolver.resolve = resolve  # type: ignore[method-assign]
    html, fragments = _convert_with_math(cleaned, _documents, md)
    toc: list[tuple[int, str, str]] = []

    def walk(tokens: list[dict]) -> None:  # type: ignore[type-arg]
        for token in tokens:
            name = unescape(re.sub(r"<[^>]+>", "", token["name"])).replace(_DEFUSED_BRACKET, "[")
            toc.append((token["level"], token["id"], name))
            walk(token["children"])

    walk(getattr(md, "toc_tokens", []))
    toc = [(level, anchor, _PLACEHOLDER.sub(lambda m: html_to_text(fragments[int(m.group(1))]), name))
           for level, anchor, name in toc]
    return RenderedDocument(html, tuple(toc))
