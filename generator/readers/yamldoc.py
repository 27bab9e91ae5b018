"""YAML that remembers where each value came from, so every content error can name its line.

Only plain data is built (no Python objects from tags), dates stay text for the readers to check, and
documents that expand aliases into huge trees, or nest deeper than a person would write, are refused instead
of eating memory or the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from ..errors import ContentError, quoted
from ..markup import strip_control_characters

try:  # libyaml's parser is several times faster; the pure-Python one is the fallback.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_NODES = 100_000
MAX_DEPTH = 64
# libyaml builds its node tree recursively in C: tens of thousands of nested brackets overflow the C stack and
# kill the process. Documents that could nest deeper than this are first walked as a flat event stream.
_SAFE_TO_COMPOSE = 1_000

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null")}
_scalar_constructor = SafeConstructor()

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """Parsed data plus the 1-based line of every mapping value and list item, keyed by its path."""

    data: Any
    lines: dict[KeyPath, int]
    path: str
    first_line: int

    def line(self, *key: str | int) -> int:
        """The line of the value at `key`, or of its nearest parent that has one."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.first_line

    def error(self, key: KeyPath, message: str) -> ContentError:
        return ContentError(self.path, self.line(*key), message)


@dataclass(frozen=True, slots=True)
class FrontMatterFile:
    """A Markdown file split into its YAML front matter and its body."""

    front: YamlDoc
    body: str
    body_first_line: int


def normalize_text(raw: str) -> str:
    """Drop a byte-order mark and turn CRLF/CR line ends into LF."""
    return raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_yaml(text: str, path: str, first_line: int = 1) -> YamlDoc:
    """Parse one YAML document; line numbers are counted from `first_line`."""
    try:
        simple = _parse_simple(text, path, first_line)
    except ContentError:
        simple = None  # reported by the full parser, after any syntax error earlier in the document
    return simple if simple is not None else parse_full(text, path, first_line)


def parse_full(text: str, path: str, first_line: int = 1) -> YamlDoc:
    """`parse_yaml` with libyaml, for any document."""
    try:
        if _may_nest_deeply(text):
            _check_depth(text, path, first_line)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.reader.ReaderError as exc:
        index = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = first_line + text.count("\n", 0, index) if index >= 0 else first_line
        code = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise ContentError(path, line, f"unprintable character {code} is not allowed in YAML; delete it") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "check indentation, colons and quotes"
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            hint = f"{exc.context.removeprefix('while parsing ')} that starts on line " \
                   f"{first_line + exc.context_mark.line}; {hint}"
        raise ContentError(path, line, f"YAML syntax error: {problem} ({hint})") from None
    except yaml.YAMLError as exc:
        raise ContentError(path, first_line, f"YAML error: {str(exc).splitlines()[0] if str(exc) else exc!r}") \
            from None
    lines: dict[KeyPath, int] = {}
    builder = _Builder(path, first_line, lines)
    data = builder.build(root, (), 0) if root is not None else None
    return YamlDoc(data, lines, path, first_line)


# The shape nearly all content files have: `key: value` lines, and under a bare `key:` either `- value` items or
# one level of `key: value` lines; values plain text on one line (no quotes, comments, anchors, tags or flow
# collections, nothing a YAML parser could read another way).
_PLAIN = r"[^\s\-?:,\[\]{}#&*!|>'\"%@`](?:[^\t #:]+|:(?! |$)|#| +(?![ #]|$))*+"  # no trailing spaces
_SIMPLE_LINE = re.compile(rf"(?P<indent> *)(?:(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?: +(?P<value>{_PLAIN}))?"
                          rf"|- +(?P<item>{_PLAIN})) *")
_MAX_SIMPLE_LINES = 10_000
_resolver = yaml.resolver.Resolver()
_MAY_BE_TYPED = frozenset(_resolver.yaml_implicit_resolvers)  # first characters of numbers, booleans, nulls, dates


def _parse_simple(text: str, path: str, first_line: int) -> YamlDoc | None:
    """The document as the full parser would read it, when it has the simple shape above; else None.

    Two to three times faster than libyaml composing a node tree and `_Builder` walking it (an author file:
    86 -> 31 us), and YAML was a fifth of reading a site's content. Values are typed by PyYAML's own rules."""
    rows = text.split("\n")
    if len(rows) > _MAX_SIMPLE_LINES:
        return None
    data: dict[str, Any] = {}
    lines: dict[KeyPath, int] = {}
    builder = _Builder(path, first_line, lines)
    open_key: str | None = None  # a top-level `key:` without a value: its items or fields follow
    child_indent = -1
    for number, row in enumerate(rows):
        if not row or row.isspace():
            continue
        match = _SIMPLE_LINE.fullmatch(row)
        if match is None or not row.isprintable():
            return None
        indent, key, value, item = len(match["indent"]), match["key"], match["value"], match["item"]
        line = first_line + number
        if open_key is not None and (indent > 0 or item is not None):
            if child_indent < 0:
                child_indent = indent
                data[open_key] = [] if item is not None else {}
            container = data[open_key]
            if indent != child_indent or (item is None) != isinstance(container, dict):
                return None
            if item is not None:
                lines[(open_key, len(container))] = line
                container.append(builder.plain(item, number))
            elif value is None or key in container:
                return None
            else:
                lines[(open_key, key)] = line
                container[key] = builder.plain(value, number)
            continue
        if indent > 0 or key is None or key in data:
            return None
        lines[(key,)] = line
        if value is None:
            open_key, child_indent = key, -1
            data[key] = None  # a bare `key:` is null, unless items or fields follow
        else:
            open_key = None
            data[key] = builder.plain(value, number)
    return YamlDoc(data or None, lines, path, first_line)


_LONG_LINE = re.compile(r"^[^\n]{300}", re.MULTILINE)


def _may_nest_deeply(text: str) -> bool:
    """Whether the collections can nest more than _SAFE_TO_COMPOSE deep: at most one level per bracket, and
    block collections need more indentation every other level, so two per column of the longest line."""
    return text.count("[") + text.count("{") > _SAFE_TO_COMPOSE - 2 * 300 - 2 or _LONG_LINE.search(text) is not None


def _check_depth(text: str, path: str, first_line: int) -> None:
    """Refuse a document nested deeper than MAX_DEPTH, reading it as events (libyaml parses without recursing)."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ContentError(path, first_line + event.start_mark.line,
                                   f"YAML nested more than {MAX_DEPTH} levels deep; write a flatter list or mapping")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def read_front_matter(text: str, path: str, errors: list[ContentError]) -> FrontMatterFile | None:
    """A Markdown content file as read by its reader: a file that cannot be split is one error, and None."""
    try:
        return parse_front_matter(normalize_text(text), path)
    except ContentError as exc:
        errors.append(exc)
        return None


def parse_front_matter(text: str, path: str) -> FrontMatterFile:
    """Split `---`-fenced YAML front matter from a Markdown body."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ContentError(path, 1, "expected YAML front matter: the file must start with a line '---'")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):  # at the start of the line: indented, it is YAML text
            front = parse_yaml("\n".join(lines[1:index]), path, first_line=2)
            body_first_line = index + 2
            return FrontMatterFile(front, "\n".join(lines[index + 1:]), body_first_line)
    raise ContentError(path, 1, "front matter is not closed: add a line '---' after the YAML fields")


class _Builder:
    def __init__(self, path: str, first_line: int, lines: dict[KeyPath, int]) -> None:
        self.path = path
        self.first_line = first_line
        self.lines = lines
        self.nodes = 0

    def _line(self, node: yaml.Node) -> int:
        return self.first_line + node.start_mark.line

    def build(self, node: yaml.Node, key: KeyPath, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise ContentError(self.path, self._line(node),
                               "YAML document too large or nested too deep (aliases that expand "
                               "recursively or exponentially are refused)")
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _COLLECTION_TAGS:
            raise ContentError(self.path, self._line(node),
                               f"YAML tag {quoted(node.tag)} is not allowed in content; write plain text, numbers or lists")
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise ContentError(self.path, self._line(key_node), "mapping keys must be plain text")
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise ContentError(self.path, self._line(key_node), "YAML merge keys ('<<') are not supported")
                self._scalar(key_node)  # refuses tags
                name = key_node.value  # as written: `yes:` is 'yes', not 'True'
                if not name.isprintable():
                    name = strip_control_characters(name)
                if name in result:
                    raise ContentError(self.path, self._line(key_node),
                                       f"duplicate key {quoted(name)}: each field may appear once")
                self.lines[(*key, name)] = self._line(key_node)
                result[name] = self.build(value_node, (*key, name), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item_node in enumerate(node.value):
                self.lines[(*key, index)] = self._line(item_node)
                items.append(self.build(item_node, (*key, index), depth + 1))
            return items
        return self._scalar(node)

    def plain(self, value: str, line_index: int) -> Any:
        """A plain one-line scalar, typed as PyYAML types it (see _parse_simple)."""
        if value[0] not in _MAY_BE_TYPED:
            return value  # printable: checked with its line
        tag = _resolver.resolve(yaml.ScalarNode, value, (True, False))
        if tag == _STR_TAG or tag == _TIMESTAMP_TAG:
            return value
        if tag == _INT_TAG and value.isdigit() and (value[0] != "0" or value == "0"):  # not octal: as PyYAML makes it
            return int(value)
        return self._scalar(yaml.ScalarNode(tag, value, yaml.Mark(self.path, 0, line_index, 0, None, 0)))

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _STR_TAG or node.tag == _TIMESTAMP_TAG:
            # text is the common case: the constructor would return it unchanged; a double-quoted "\0" or
            # "\x1b" would reach pages and feeds, where control characters are invalid
            return node.value if node.value.isprintable() else strip_control_characters(node.value)
        if node.tag not in _PLAIN_TAGS:
            raise ContentError(self.path, self._line(node),
                               f"YAML tag {quoted(node.tag)} is not allowed in content; write plain text, numbers or lists")
        try:
            return _scalar_constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            raise ContentError(self.path, self._line(node),
                               f"invalid value {quoted(node.value, 40)}: {str(exc).splitlines()[0]}") from None
