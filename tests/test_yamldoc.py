"""Content YAML: the fast reader of simple documents gives what the full parser gives, errors included."""

from __future__ import annotations

import random

import pytest

from generator.errors import ContentError
from generator.readers.yamldoc import _parse_simple, parse_full, parse_yaml

# Values and keys that YAML reads in different ways: numbers, booleans, nulls, dates, indicators, comments,
# quotes, colons, tabs, Unicode, and text that only looks like one of those.
VALUES = ["yes", "No", "on", "OFF", "true", "null", "~", "Null", "12", "012", "0", "00", "007", "0x1F", "0o17", "1_000",
          "-3", "+4", "1.5", "1e3", "1.0e+3", ".5", "0.", ".inf", "-.inf", ".NaN", "2013-07-04", "2013-7-4",
          "2001-12-14 21:59:43.10 -5", "2013-02-30", "190:20:30", "1:20", "a:b", "a: b", "a:", "http://x.org/a#b",
          "C#", "x #c", "#c", "a #", "a#b #c", "a  #b", "a,b", "[a]", "a[b]", "{a}", "a{b}", "'q'", '"q"', "don't",
          'a"b', "&a", "*a", "!a", "|", ">", "%a", "@a", "`a", "a%b", "a@b", "-", "- a", "-a", "?", "? a", "a?",
          ":a", "Ünïcödé", "日本語", "a\u00a0b", "a\u200bb", "a\tb", "\u0663", "1\u00b2", "<<", "=", "a  b", "ends ",
          "x: y: z", "$x^2$", "\\alpha", "a - b", "True", "FALSE", "y", "n"]
KEYS = ["title", "name", "date", "score", "yes", "null", "on", "a_b", "A1", "_x", "key-dash", "k", "metrics", "<<"]


def _document(rnd: random.Random) -> str:
    def value() -> str:
        return " ".join(rnd.choice(VALUES) for _ in range(rnd.choice([1, 1, 1, 2, 3])))

    rows = []
    for _ in range(rnd.randint(0, 6)):
        key, shape = rnd.choice(KEYS), rnd.random()
        if shape < 0.55:
            rows.append(f"{key}: {value()}" + rnd.choice(["", "", " ", "  "]))
        elif shape < 0.75:
            rows.append(f"{key}:")
            indent = rnd.choice(["", "  ", "    "])
            for _ in range(rnd.randint(0, 3)):
                rows.append(f"{indent}- {value()}")
                if rnd.random() < 0.05:
                    rows.append(rnd.choice(["", "   ", " - x", "  bad"]))
        else:
            rows.append(f"{key}:" + rnd.choice(["", "", " "]))
            indent = rnd.choice(["  ", "  ", "   ", " "])
            for _ in range(rnd.randint(0, 3)):
                rows.append(f"{indent}{rnd.choice(KEYS)}: {value()}")
                if rnd.random() < 0.05:
                    rows.append(rnd.choice(["", "      deeper: 1", "- x"]))
    return "\n".join(rows) + rnd.choice(["", "\n", "\n\n"])


def _read(parse, text: str) -> object:  # type: ignore[no-untyped-def]
    def typed(value: object) -> object:
        if isinstance(value, dict):
            return {key: typed(item) for key, item in value.items()}
        if isinstance(value, list):
            return [typed(item) for item in value]
        return type(value).__name__, repr(value)

    try:
        document = parse(text, "content/papers/p.md", 2)
    except ContentError as error:
        return str(error)
    return typed(document.data), sorted(document.lines.items(), key=repr)


def _simple_shape(text: str) -> bool:
    try:
        return _parse_simple(text, "content/papers/p.md", 2) is not None
    except ContentError:
        return False  # parse_yaml leaves the error to the full parser


def test_simple_documents_read_as_the_full_parser_reads_them() -> None:
    rnd = random.Random(7)
    simple = 0
    for _ in range(4000):
        text = _document(rnd)
        if _simple_shape(text):
            simple += 1
            assert _read(parse_yaml, text) == _read(parse_full, text), text
    assert simple > 800  # the test exercises the fast reader, not only the fallback


@pytest.mark.parametrize(("text", "message"), [
    ("title: A\nscore: 1\nscore: 2\n", "p.md:4: duplicate key 'score'"),
    ("title: A\nauthors:\n- Ann\nBob\n", "p.md:6: YAML syntax error: could not find expected ':'"),
    ("title: A\ndate: !!binary aGk=\n", "p.md:3: YAML tag"),
    ("title: A: B\n", "p.md:2: YAML syntax error: mapping values are not allowed"),
])
def test_errors_in_documents_of_almost_the_simple_shape_name_their_line(text: str, message: str) -> None:
    with pytest.raises(ContentError) as raised:
        parse_yaml(text, "content/papers/p.md", 2)
    assert message in str(raised.value)


def test_a_typical_front_matter_is_read_by_the_fast_reader_with_every_line() -> None:
    text = "title: Scaling Laws\nauthors:\n- Ann Lee\n- Bob Ray\ndate: 2024-03-06\nscore: 8.5\ncitations: 12\nmetrics:\n  h_index: 4\n"
    document = _parse_simple(text, "content/papers/p.md", 2)
    assert document is not None
    assert document.data == {"title": "Scaling Laws", "authors": ["Ann Lee", "Bob Ray"], "date": "2024-03-06",
                             "score": 8.5, "citations": 12, "metrics": {"h_index": 4}}
    assert document.line("authors", 1) == 5 and document.line("metrics", "h_index") == 10
    assert _read(parse_full, text) == _read(parse_yaml, text)
    folded = "title: A\nauthors:\n- Ann\n  - Bob\n"  # YAML reads the indented line as more of "Ann"
    assert _parse_simple(folded, "content/papers/p.md", 2) is None
    assert parse_yaml(folded, "content/papers/p.md", 2).data == {"title": "A", "authors": ["Ann - Bob"]}
