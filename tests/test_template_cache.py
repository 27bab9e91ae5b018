"""Compiled templates, and which templates each one includes, are kept between runs (templatecache.py): an edit
of any template must show in the next build, and a damaged cache must never fail a build or change a page."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from conftest import REPO, file_tree, run_portfolio, without_state, write_files
from jinja2.bccache import bc_magic

PAPER_PAGE = "papers/taid-temporally-adaptive-interpolated-distillation/index.html"
PARTIAL = "templates/partials/author_line.html"  # included by paper.html, which extends base.html


def build(project: Path, output: Path, cache: Path, *args: str) -> None:
    result = run_portfolio("build", "--source", str(project), "--output", str(output), *args,
                           env={"XDG_CACHE_HOME": str(cache)})
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


def cache_folder(cache: Path) -> Path:
    [folder] = (cache / "research-portfolio" / "templates").iterdir()
    return folder


def test_an_edited_partial_shows_though_the_page_template_was_cached(example_project: Path, tmp_path: Path) -> None:
    cache, site = tmp_path / "cache", tmp_path / "site"
    build(example_project, site, cache)
    folder = cache_folder(cache)
    assert list(folder.glob("__jinja2_*.cache"))
    assert any("partials/author_line.html" in (refs or []) for refs in json.loads(
        (folder / "references.json").read_text("utf-8")).values())
    original = (REPO / PARTIAL).read_text("utf-8")
    for marker in ("first edit", "second edit"):
        write_files(example_project, {PARTIAL: original + f"<!-- {marker} -->\n"})
        build(example_project, site, cache)
        page = (site / PAPER_PAGE).read_text("utf-8")
        assert f"<!-- {marker} -->" in page and page.count("edit -->") == 1
    (example_project / PARTIAL).unlink()
    build(example_project, site, cache)
    build(example_project, tmp_path / "clean", tmp_path / "other-cache", "--clean")
    assert without_state(file_tree(site)) == without_state(file_tree(tmp_path / "clean"))


def test_a_damaged_cache_changes_nothing_but_speed(example_project: Path, tmp_path: Path) -> None:
    cache, site = tmp_path / "cache", tmp_path / "site"
    build(example_project, site, cache)
    folder = cache_folder(cache)
    compiled = sorted(folder.glob("__jinja2_*.cache"))
    for number, path in enumerate(compiled):
        whole = path.read_bytes()
        path.write_bytes((whole[:len(whole) // 2], b"", b"garbage", bc_magic + b"\x80\x05junk")[number % 4])
    references = folder / "references.json"
    found = json.loads(references.read_text("utf-8"))
    references.write_text(json.dumps({key: 5 if refs else [7] for key, refs in found.items()}), "utf-8")
    write_files(example_project, {PARTIAL: (REPO / PARTIAL).read_text("utf-8") + "<!-- edited -->\n"})
    build(example_project, site, cache)
    build(example_project, tmp_path / "clean", tmp_path / "other-cache", "--clean")
    assert "<!-- edited -->" in (site / PAPER_PAGE).read_text("utf-8")
    assert without_state(file_tree(site)) == without_state(file_tree(tmp_path / "clean"))


def test_templates_compiled_by_other_code_are_removed_once_unused_for_a_day(example_project: Path,
                                                                            tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    versions = cache / "research-portfolio" / "templates"
    for name in ("abandoned", "in-use"):
        write_files(versions / name, {"__jinja2_0123.cache": "old bytecode"})
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(versions / "abandoned", (two_days_ago, two_days_ago))
    build(example_project, tmp_path / "site", cache)
    assert sorted(path.name for path in versions.iterdir()) == sorted(["in-use", cache_folder_name(cache)])


def cache_folder_name(cache: Path) -> str:
    names = [path.name for path in (cache / "research-portfolio" / "templates").iterdir()]
    [ours] = [name for name in names if (cache / "research-portfolio" / "templates" / name / "references.json").exists()]
    return ours


def test_a_page_follows_the_templates_its_template_includes_now(example_project: Path, tmp_path: Path) -> None:
    """What a template includes is cached by its source: a page template that starts including a partial, or
    chooses one as it runs, is re-rendered when that partial changes."""
    cache, site = tmp_path / "cache", tmp_path / "site"
    build(example_project, site, cache)
    paper = (REPO / "templates/paper.html").read_text("utf-8")
    dynamic = '{% set extra = "partials/" ~ "extra.html" %}{% include extra %}'
    for include in ('{% include "partials/extra.html" %}', dynamic):
        write_files(example_project, {"templates/paper.html": paper.replace("{% block content %}",
                                                                            "{% block content %}" + include, 1)})
        for marker in ("first", "second"):
            write_files(example_project, {"templates/partials/extra.html": f"<!-- extra: {marker} -->\n"})
            build(example_project, site, cache)
            assert f"<!-- extra: {marker} -->" in (site / PAPER_PAGE).read_text("utf-8")


def test_a_cache_folder_that_cannot_be_used_changes_nothing_but_speed(example_project: Path, tmp_path: Path) -> None:
    unusable = tmp_path / ("x" * 300)  # a name longer than a file system allows: every use fails
    build(example_project, tmp_path / "site", unusable)
    build(example_project, tmp_path / "clean", tmp_path / "cache", "--clean")
    assert without_state(file_tree(tmp_path / "site")) == without_state(file_tree(tmp_path / "clean"))


def test_a_save_that_cannot_replace_its_file_leaves_nothing_behind(example_project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build(example_project, tmp_path / "site", cache)
    folder = cache_folder(cache)
    (folder / "references.json").unlink()
    (folder / "references.json").mkdir()  # in the way of the rename
    for edit in ("<!-- one -->", "<!-- two -->"):  # each build has new references to save
        write_files(example_project, {"templates/paper.html": (REPO / "templates/paper.html").read_text("utf-8")
                                      + edit + "\n"})
        build(example_project, tmp_path / "site", cache)
    assert not [path.name for path in folder.iterdir() if path.name.endswith(".tmp")]
