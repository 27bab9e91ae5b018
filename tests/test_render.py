"""The theme's Jinja environment takes shortcuts for speed (render.py); templates must not see a difference."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup, escape

from generator.render import _quick_escape, make_environment
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


def test_templates_render_as_with_jinja_own_environment(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(TEMPLATE, "utf-8")
    ours = make_environment(ThemeFiles((tmp_path,)))
    stock = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), autoescape=True,
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                               keep_trailing_newline=True)
    rendered = ours.get_template("page.html").render(CONTEXT)
    assert rendered == stock.get_template("page.html").render(CONTEXT)
    assert "Ada &lt;Lovelace&gt; &amp; &#34;Byron&#34; &#39;A&#39;" in rendered
    assert "<em>kept</em>" in rendered
    # A missing key is still an error naming it, as with Jinja's own lookup.
    (tmp_path / "missing.html").write_text("{{ person.nickname }}", "utf-8")
    with pytest.raises(jinja2.UndefinedError, match="nickname"):
        ours.get_template("missing.html").render(CONTEXT)
