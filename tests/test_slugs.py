"""Slugs: lowercase ASCII words joined by hyphens, stable for any script."""

from __future__ import annotations

import pytest

from generator.slugs import normalize_title, slug_problem, slugify


@pytest.mark.parametrize("text, slug", [
    ("Takuya Akiba", "takuya-akiba"),
    ("Zoë Ångström-Müller", "zoe-angstrom-muller"),
    ("Łukasz Straße", "lukasz-strasse"),
    ("Юрий Гагарин", "yuriy-gagarin"),
    ("Team PFDet's Methods", "team-pfdets-methods"),
    ("Wider or Deeper? Scaling LLM Inference-Time Compute with Adaptive Branching Tree Search",
     "wider-or-deeper-scaling-llm-inference-time-compute"),
])
def test_slugs_are_derived_from_names_and_titles(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_names_without_latin_letters_get_a_stable_fallback() -> None:
    first = slugify("秋葉拓哉", fallback_prefix="author")
    assert first == slugify("秋葉拓哉", fallback_prefix="author")
    assert first.startswith("author-") and first != slugify("石川智貴", fallback_prefix="author")
    assert slug_problem(first) is None


def test_windows_reserved_names_are_avoided() -> None:
    assert slugify("CON") == "con-item" and slug_problem("nul") is not None


@pytest.mark.parametrize("slug", ["../x", "a/b", "Foo", "%2e%2e", "a--b", "", "-a"])
def test_unsafe_hand_written_slugs_are_refused(slug: str) -> None:
    assert slug_problem(slug) is not None


def test_titles_compare_equal_across_case_punctuation_and_latex() -> None:
    assert normalize_title(r"$\textit{TAID}$: Temporally Adaptive") == normalize_title("TAID — temporally adaptive")
