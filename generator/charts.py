"""Charts as inline SVG, drawn at build time: no chart library in the browser. Pure functions.

Colours come from CSS classes (`s0`...`s7`, `other`), so charts follow the page's light or dark theme. Every
chart has a <title> and <desc> and is paired with a data table (made here too: a loop per cell in a template
took a sixth of an author page's time).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import escape as text

SERIES = 8  # distinct colours; further series share the "other" colour


@dataclass(frozen=True, slots=True)
class Series:
    key: str  # e.g. "LG"
    label: str  # e.g. "Machine Learning"
    css: str  # "s0"... or "other"


def series_for(keys_by_size: Sequence[tuple[str, str]]) -> list[Series]:
    """Colour assignment: the largest series first, the rest grouped under one colour."""
    return [Series(key, label, f"s{index}" if index < SERIES - 1 else "other")
            for index, (key, label) in enumerate(keys_by_size)]


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_ceiling(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 5, 10, 20, 50...)."""
    if value <= 5:
        return max(value, 1)
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def stacked_years(chart_id: str, title: str, description: str, counts: Mapping[int, Mapping[str, int]],
                  series: Sequence[Series], width: int = 440) -> str:
    """Bars per year, stacked by series; every year between the first and the last gets a slot."""
    if not counts:
        return ""
    years = list(range(min(counts), max(counts) + 1))
    height, left, bottom, top = 190, 30, 22, 10
    plot_height = height - bottom - top
    maximum = _nice_ceiling(max(sum(by_series.values()) for by_series in counts.values()))
    slot = (width - left - 6) / len(years)
    bar = max(2.0, slot * 0.72)
    parts = [_open(chart_id, title, description, width, height, "chart stacked" + (" wide" if width > 440 else ""))]
    for tick in sorted({0, maximum} | ({maximum // 2} if maximum % 2 == 0 else set())):
        y = top + plot_height - plot_height * tick / maximum
        parts.append(f'<line class="grid" x1="{left}" x2="{width}" y1="{_number(y)}" y2="{_number(y)}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{_number(y + 4)}" text-anchor="end">{tick}</text>')
    label_every = max(1, math.ceil(len(years) / 9))
    keys = [(entry.key, entry.css, escape(entry.key)) for entry in series]
    bar_width = _number(bar)
    for index, year in enumerate(years):
        x = left + slot * index + (slot - bar) / 2
        y = top + plot_height
        by_series = counts.get(year)
        if by_series:
            for key, css, shown_key in keys:
                value = by_series.get(key)
                if not value:
                    continue
                h = plot_height * value / maximum
                y -= h
                parts.append(f'<rect class="{css}" x="{_number(x)}" y="{_number(y)}" width="{bar_width}" '
                             f'height="{_number(h)}" data-year="{year}" data-series="{shown_key}" '
                             f'data-value="{value}"/>')
        if index % label_every == 0:
            parts.append(f'<text class="axis" x="{_number(x + bar / 2)}" y="{height - 6}" '
                         f'text-anchor="middle">{year}</text>')
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(chart_id: str, title: str, description: str, values: Sequence[tuple[Series, int]]) -> str:
    """One bar per series, longest first, with its count at the end."""
    if not values:
        return ""
    row, label_width, width = 26, 56, 400
    height = row * len(values) + 6
    maximum = max(count for _, count in values)
    parts = [_open(chart_id, title, description, width, height, "chart bars")]
    for index, (entry, count) in enumerate(values):
        y = 3 + row * index
        length = (width - label_width - 36) * count / maximum
        parts.append(f'<text class="label" x="{label_width - 8}" y="{y + 15}" text-anchor="end">'
                     f'{escape(entry.key)}</text>')
        parts.append(f'<rect class="{entry.css}" x="{label_width}" y="{y + 4}" width="{_number(max(length, 2))}" '
                     f'height="{row - 10}" rx="2" data-series="{escape(entry.key)}" data-value="{count}"/>')
        parts.append(f'<text class="value" x="{_number(label_width + max(length, 2) + 6)}" y="{y + 15}">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline(chart_id: str, label: str, counts: Mapping[int, int], first: int, last: int) -> str:
    """A tiny bar per year from `first` to `last`, for author cards; `label` reads the numbers out."""
    if not counts:
        return ""
    years = list(range(first, last + 1))
    width, height = 120, 28
    maximum = max(counts.values())
    slot = width / len(years)
    parts = [(f'<svg class="spark" id="{chart_id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="{escape(label, quote=True)}">')]
    for index, year in enumerate(years):
        value = counts.get(year, 0)
        if value:
            h = (height - 2) * value / maximum
            parts.append(f'<rect x="{_number(slot * index + slot * 0.15)}" y="{_number(height - h)}" '
                         f'width="{_number(slot * 0.7)}" height="{_number(h)}" data-year="{year}" '
                         f'data-value="{value}"/>')
    parts.append("</svg>")
    return "".join(parts)


def years_table(series: Sequence[Series], rows: Sequence[tuple[int, Sequence[int], int]]) -> str:
    """The numbers of `stacked_years`: a row per year, a column per series, then the year's total."""
    head = "".join(f'<th scope="col">{text(entry.key)}</th>' for entry in series)
    body = "".join(f'        <tr><th scope="row">{year}</th><td>{"</td><td>".join(map(str, (*values, total)))}</td></tr>\n'
                   for year, values, total in rows)
    return _table(f'<th scope="col">Year</th>{head}<th scope="col">All</th>', body)


def categories_table(rows: Sequence[tuple[Series, int]]) -> str:
    """The numbers of `horizontal_bars`."""
    body = "".join(f'        <tr><th scope="row">{text(entry.key)} · {text(entry.label)}</th><td>{count}</td></tr>\n'
                   for entry, count in rows)
    return _table('<th scope="col">Category</th><th scope="col">Papers</th>', body)


def _table(head: str, body: str) -> str:
    return f"<table>\n      <thead><tr>{head}</tr></thead>\n      <tbody>\n{body}      </tbody>\n    </table>"


def _open(chart_id: str, title: str, description: str, width: int, height: int, css: str) -> str:
    return (f'<svg class="{css}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMidYMid meet">'
            f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>')
