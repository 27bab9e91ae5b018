"""The theme's Jinja environment takes shortcuts for speed (render.py); templates must not see a difference."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup, escape

from generator.context import MarkupOnDemand
from generator.fragments import category_options, coauthor_items, year_options
from generator.render import _quick_escape, _template_frame, make_environment
from generator.themefiles import ThemeFiles

TEMPLATE = """\
{{ person.name }} {{ person["name"] }} {{ person.items is string }} {{ counts.items() | list }}
{{ record.title }} {{ record.count }} {{ html }} {{ number }} {{ ratio }} {{ flag }} {{ nothing }}
{% for key, value in counts.items() %}{{ key }}={{ value }};{% endfor %}
{{ person.get("name") }} {{ person.keys() | list }}
"""


@dataclass
class Record:
    title: str
    count: int


class Shown:
    def __html__(self) -> str:
        return "<b>shown</b>"


CONTEXT = {
    "person": {"name": "Ada <Lovelace> & \"Byron\" 'A'", "items": "a key named like a dict method"},
    "counts": {"papers": 3, "talks": 0},
    "record": Record("Tom & Jerry", 7),
    "html": Markup("<em>kept</em>"),
    "number": -12,
    "ratio": 0.5,
    "flag": True,
    "nothing": None,
}


@pytest.mark.parametrize("value", [
    "", "plain", "<a href=\"x\">'&'</a>", "ünïcode ✓ <", Markup("<i>safe</i>"), 0, -7, 10**30, True, 2.5,
    None, Shown(), Record("<x>", 1),
])
def test_quick_escape_gives_what_markupsafe_gives(value: object) -> None:
    quick = _quick_escape(value)
    assert type(quick) is Markup
    assert quick == escape(value)


# Every way a theme puts templates together: inheritance over two levels with super(), includes with and
# without context, imported and local macros, call blocks, set and filter blocks, loops with else, filters and
# recursion, a block in a loop, a conditional parent, and output outside blocks in a child (dropped).
STRUCTURES = {
    "base.html": "<html>{% block head %}<title>{{ title }}</title>{% endblock %}\n"
                 "{% for n in [1, 2] %}{% block body scoped %}body {{ n }}{% endblock %}{% endfor %}\n"
                 "{% block foot %}{% endblock %}</html>\n",
    "middle.html": '{% extends "base.html" %}ignored {{ title }}\n'
                   "{% block head %}[{{ super() }}]{% endblock %}\n"
                   '{% block body scoped %}{% include "part.html" %}|{% include "plain.html" without context %}{% endblock %}',
    "page.html": '{% extends "middle.html" %}{% import "macros.html" as m %}\n'
                 "{% macro local(x) %}<{{ x }}>{{ caller() if caller else '' }}{% endmacro %}\n"
                 "{% block foot %}{% set caught %}{{ title }}!{% endset %}{{ caught }}{{ m.shout(title) }}"
                 "{% call local('c') %}inside {{ title }}{% endcall %}"
                 "{% filter upper %}{{ title }} lower{% endfilter %}"
                 "{% for item in items if item.show %}{{ loop.index }}:{{ item.name }} {% else %}none{% endfor %}"
                 "{% for node in tree recursive %}({{ node.name }}{{ loop(node.children) }}){% endfor %}"
                 "{{ super() }}{{ self.head() }}{% endblock %}",
    "part.html": "part {{ title }} {{ n }}",
    "plain.html": "plain",
    "macros.html": "{% macro shout(text) %}{{ text | upper }}&{% endmacro %}",
    "either.html": '{% extends "base.html" if fancy else "plain.html" %}{% block head %}either{% endblock %}',
}
STRUCTURE_CONTEXT = {
    "title": "T & <t>", "fancy": True, "tree": [{"name": "a", "children": [{"name": "b", "children": []}]}],
    "items": [{"name": "x", "show": True}, {"name": "y", "show": False}, {"name": "<z>", "show": True}],
}


def _both_environments(tmp_path: Path, files: dict[str, str]) -> tuple[jinja2.Environment, jinja2.Environment]:
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    ours = make_environment(ThemeFiles((tmp_path,)))
    stock = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), autoescape=True,
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                               keep_trailing_newline=True)
    return ours, stock


@pytest.mark.parametrize(("name", "fancy"), [("page.html", True), ("either.html", True), ("either.html", False),
                                             ("middle.html", True)])
def test_templates_put_together_render_as_with_jinja_own_environment(tmp_path: Path, name: str, fancy: bool) -> None:
    ours, stock = _both_environments(tmp_path, STRUCTURES)
    context = {**STRUCTURE_CONTEXT, "fancy": fancy}
    assert ours.get_template(name).render(context) == stock.get_template(name).render(context)


def test_an_error_deep_in_a_page_points_at_its_template_line(tmp_path: Path) -> None:
    ours, _ = _both_environments(tmp_path, {**STRUCTURES, "part.html": "part\n{% if n == 2 %}{{ nope.x }}{% endif %}"})
    with pytest.raises(jinja2.UndefinedError) as raised:
        ours.get_template("page.html").render(STRUCTURE_CONTEXT)
    assert _template_frame(raised.value) == (str(tmp_path / "part.html"), 2)


def test_templates_render_as_with_jinja_own_environment(tmp_path: Path) -> None:
    ours, stock = _both_environments(tmp_path, {"page.html": TEMPLATE})
    rendered = ours.get_template("page.html").render(CONTEXT)
    assert rendered == stock.get_template("page.html").render(CONTEXT)
    assert "Ada &lt;Lovelace&gt; &amp; &#34;Byron&#34; &#39;A&#39;" in rendered
    assert "<em>kept</em>" in rendered
    # A missing key is still an error naming it, as with Jinja's own lookup.
    (tmp_path / "missing.html").write_text("{{ person.nickname }}", "utf-8")
    with pytest.raises(jinja2.UndefinedError, match="nickname"):
        ours.get_template("missing.html").render(CONTEXT)


# The loops author.html had before fragments.py made their markup; the fragments must give the same bytes.
COAUTHOR_LOOP = """\
{% for person in coauthors %}
      <li>{% if person.url %}<a href="{{ person.url }}">{{ person.name }}</a>{% else %}{{ person.name }}{% endif %} \
<span class="count">{{ person.papers }} paper{% if person.papers != 1 %}s{% endif %}</span></li>
{% endfor %}
"""
OPTION_LOOPS = """\
{% for key, label, count in categories %}
          <option value="{{ key }}">{{ key }} · {{ label }} ({{ count }})</option>
{% endfor %}
{% for year in years %}
          <option value="{{ year }}">{{ year }}</option>
{% endfor %}
"""


def test_list_fragments_give_the_bytes_of_the_template_loops(tmp_path: Path) -> None:
    environment = make_environment(ThemeFiles((tmp_path,)))
    tricky = "Ada <Lovelace> & \"Byron\" 'A' · Ünal"
    coauthors = [{"name": tricky, "url": "/a/?x=1&y='2'", "papers": 1},
                 {"name": "Grace Hopper", "url": None, "papers": 2},
                 {"name": "", "url": "", "papers": 0}]
    assert environment.from_string(COAUTHOR_LOOP).render(coauthors=coauthors) == coauthor_items(coauthors)
    categories = [("cs.LG", tricky, 3), ("<none>", "No arXiv category", 1)]
    years = [2024, 1999]
    assert environment.from_string(OPTION_LOOPS).render(categories=categories, years=years) \
        == category_options(categories) + year_options(years)
    assert coauthor_items([]) == category_options([]) == year_options([]) == ""
    assert isinstance(coauthor_items(coauthors), Markup)  # placed as it is, not escaped again


class Helpers:
    def card(self, slug: str, heading: str = "h3", *, loud: bool = False) -> Markup:
        return Markup(f"<{heading}>{slug.upper() if loud else slug}</{heading}>")


def _stops() -> None:
    raise StopIteration


@jinja2.pass_context
def _page_title(context, suffix: str) -> str:  # type: ignore[no-untyped-def]
    return context["title"] + suffix


@jinja2.pass_environment
def _autoescapes(environment) -> bool:  # type: ignore[no-untyped-def]
    return bool(environment.autoescape)


class _Counter:
    def __call__(self, start: int) -> int:
        return start + 1


CALLS = """\
{% for slug in slugs %}{{ card(slug) }}{{ card(slug, "h2", loud=true) }}{{ title_of(" | site") }}{% endfor %}
{{ title_of("!") }} {{ autoescapes() }} {{ counter(1) }} {{ stops() is undefined }} {{ "a-b".split("-") }}
{{ dict(self=1, obj=2) }} {{ range(3) | list }}{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m(title) }}
"""


def test_calls_from_templates_give_what_jinja_gives(tmp_path: Path) -> None:
    """Plain functions and methods are called at once (render._Context); the rest as Jinja does."""
    ours, stock = _both_environments(tmp_path, {"calls.html": CALLS})
    context = {"slugs": ["a", "<b>"], "card": Helpers().card, "title_of": _page_title, "title": "T & t",
               "autoescapes": _autoescapes, "counter": _Counter(), "stops": _stops}
    rendered = ours.get_template("calls.html").render(context)
    assert rendered == stock.get_template("calls.html").render(context)
    assert "<h2>&lt;B&gt;</h2>" not in rendered and "<h2><B></h2>" in rendered  # a helper's Markup is placed as is
    assert "T &amp; t | site" in rendered and "True 2 True" in rendered


def test_markup_on_demand_is_made_once_and_only_when_a_template_uses_it(tmp_path: Path) -> None:
    made: list[str] = []

    def spark() -> str:
        made.append("spark")
        return "<svg>1 & 2</svg>"

    ours, _ = _both_environments(tmp_path, {"card.html": "{% if shown %}{% if spark %}{{ spark }}{{ spark }}{% endif %}"
                                                         "{% endif %}|"})
    assert ours.get_template("card.html").render(shown=False, spark=MarkupOnDemand(spark)) == "|"
    assert made == []
    assert ours.get_template("card.html").render(shown=True, spark=MarkupOnDemand(spark)) == \
        "<svg>1 & 2</svg><svg>1 & 2</svg>|"  # placed as markup, not escaped
    assert made == ["spark"]
    assert not MarkupOnDemand(lambda: "")
