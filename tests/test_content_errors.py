"""Every kind of content mistake is reported as `path:line: message`, all at once, with exit status 1,
no traceback, and the previous site left exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_portfolio, write_files

SITE = """\
title: Test Lab
base_url: https://lab.example.org/
owners:
  - ada-lovelace
"""
AUTHOR = """\
name: Ada Lovelace
category: LG
metrics:
  h_index: 3
papers:
  - analytical-engine
"""
PAPER = """\
---
title: The Analytical Engine
authors:
  - Ada Lovelace
  - Charles Babbage
date: 1843-09-01
category: cs.LG
---
Notes on the engine with $x^2$.
"""


def make_project(root: Path, **overrides: str) -> Path:
    files = {
        "content/site.yaml": SITE,
        "content/authors/ada-lovelace.yaml": AUTHOR,
        "content/papers/analytical-engine.md": PAPER,
    }
    files.update({k.replace("__", "/").replace("_dot_", "."): v for k, v in overrides.items()})
    write_files(root, files)
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build_fails(project: Path) -> list[str]:
    result = run_portfolio("build", "--source", str(project), cwd=project)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if not line.endswith("nothing was written.")]


def test_valid_scratch_project_builds(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    result = run_portfolio("build", "--source", str(project))
    assert result.returncode == 0, result.stderr
    assert (project / "site" / "papers" / "analytical-engine" / "index.html").is_file()
    assert "Built" in result.stdout and " ms " in result.stdout


CASES = {
    "yaml syntax": ({"content/papers/analytical-engine.md": PAPER.replace("date: 1843-09-01", "date: [1843")},
                    "content/papers/analytical-engine.md:7: YAML syntax error"),
    "missing field": ({"content/papers/analytical-engine.md": PAPER.replace("title: The Analytical Engine\n", "")},
                      "content/papers/analytical-engine.md:2: missing required field 'title'"),
    "wrong type": ({"content/authors/ada-lovelace.yaml": AUTHOR.replace("h_index: 3", "h_index: many")},
                   "content/authors/ada-lovelace.yaml:4: 'h_index' must be a number, found text 'many'"),
    "bad date": ({"content/papers/analytical-engine.md": PAPER.replace("1843-09-01", "1843-02-30")},
                 "content/papers/analytical-engine.md:6: '1843-02-30' is not a real date (February 1843 has no day 30)"),
    "unknown paper": ({"content/authors/ada-lovelace.yaml": AUTHOR + "  - difference-engine\n"},
                      "content/authors/ada-lovelace.yaml:7: unknown paper 'difference-engine'"),
    "unknown owner": ({"content/site.yaml": SITE + "  - charles-babbage\n"},
                      "content/site.yaml:5: unknown owner 'charles-babbage'"),
    "unknown author slug": ({"content/papers/analytical-engine.md": PAPER.replace(
        "  - Charles Babbage", "  - name: Charles Babbage\n    slug: charles-babbage")},
        "content/papers/analytical-engine.md:5: unknown author 'charles-babbage'"),
    "duplicate slug": ({"content/papers/other.md": PAPER.replace("---\ntitle", "---\nslug: analytical-engine\ntitle")},
                       "content/papers/other.md:1: duplicate paper slug 'analytical-engine'"),
    "unsafe slug": ({"content/papers/analytical-engine.md": PAPER.replace("---\ntitle", "---\nslug: ../x\ntitle")},
                    "content/papers/analytical-engine.md:2: slug '../x' must be lowercase ASCII"),
    "unknown field": ({"content/papers/analytical-engine.md": PAPER.replace("category:", "catgory:")},
                      "content/papers/analytical-engine.md:7: unknown field 'catgory' (did you mean 'category'?)"),
    "unknown category": ({"content/papers/analytical-engine.md": PAPER.replace("cs.LG", "cs.XX")},
                         "content/papers/analytical-engine.md:7: unknown arXiv category 'cs.XX'"),
    "bad math": ({"content/papers/analytical-engine.md": PAPER + "\nMore $\\frac{a}{b$ here.\n"},
                 "content/papers/analytical-engine.md:11: unbalanced '{' in math"),
    "unsafe link": ({"content/papers/analytical-engine.md": PAPER.replace("---\nNotes", "code: javascript:alert(1)\n---\nNotes")},
                    "content/papers/analytical-engine.md:8: 'javascript:alert(1)' is not a usable link"),
    "python tag": ({"content/authors/ada-lovelace.yaml": AUTHOR.replace("name: Ada Lovelace", "name: !!python/object/apply:os.system [ls]")},
                   "content/authors/ada-lovelace.yaml:1: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    "not utf-8": ({}, "content/papers/latin1.md:2: file is not UTF-8 text"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_content_mistake_is_reported_with_file_and_line(tmp_path: Path, case: str) -> None:
    overrides, expected = CASES[case]
    project = make_project(tmp_path)
    write_files(project, overrides)
    if case == "not utf-8":
        (project / "content/papers/latin1.md").write_bytes(b"---\ntitle: Caf\xe9\n---\n")
    lines = build_fails(project)
    assert any(line.startswith(expected) for line in lines), lines


def test_all_problems_of_a_run_are_reported_together_sorted_by_file(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    write_files(project, {
        "content/authors/ada-lovelace.yaml": AUTHOR.replace("h_index: 3", "h_index: -1") + "  - nothing-here\n",
        "content/papers/analytical-engine.md": PAPER.replace("1843-09-01", "1843-13-01").replace("cs.LG", "zz"),
    })
    lines = build_fails(project)
    assert len(lines) == 4, lines
    assert [line.split(":")[0] for line in lines] == ["content/authors/ada-lovelace.yaml"] * 2 + \
        ["content/papers/analytical-engine.md"] * 2
    assert "4 problems found; nothing was written." in run_portfolio("check", "--source", str(project)).stderr


def test_failed_build_leaves_the_previous_site_exactly_as_it_was(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert run_portfolio("build", "--source", str(project)).returncode == 0
    before = snapshot(project / "site")
    write_files(project, {"content/papers/analytical-engine.md": PAPER.replace("title:", "titel:")})
    build_fails(project)
    assert snapshot(project / "site") == before


def test_template_error_names_the_template_and_line_and_changes_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert run_portfolio("build", "--source", str(project)).returncode == 0
    before = snapshot(project / "site")
    write_files(project, {"templates/paper.html": '{% extends "base.html" %}\n{% block content %}\n'
                                                  "{{ paper.no_such_field }}\n{% endblock %}\n"})
    result = run_portfolio("build", cwd=project)  # the project given as ".": paths as the user typed them
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("templates/paper.html:3: UndefinedError"), result.stderr
    assert "/papers/analytical-engine/" in result.stderr
    assert snapshot(project / "site") == before


@pytest.mark.parametrize("link", ["content/images/loop.png", "content/papers/loop.md"])
def test_a_file_that_cannot_be_read_is_reported_and_changes_nothing(tmp_path: Path, link: str) -> None:
    """A link in a loop (as a file without read permission, for users other than root): its path and why."""
    project = make_project(tmp_path)
    assert run_portfolio("build", "--source", str(project)).returncode == 0
    before = snapshot(project / "site")
    (project / link).parent.mkdir(exist_ok=True)
    (project / link).symlink_to(project / link)
    lines = build_fails(project)
    assert any(line.startswith(f"{link}: cannot read this file (Too many levels of symbolic links)") for line in lines), lines
    assert snapshot(project / "site") == before


def test_check_validates_without_writing(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    result = run_portfolio("check", "--source", str(project))
    assert result.returncode == 0 and "valid" in result.stdout
    assert not (project / "site").exists()


def test_script_in_content_is_shown_as_text(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    write_files(project, {"content/papers/analytical-engine.md": PAPER.replace(
        "The Analytical Engine", "'<script>alert(1)</script> Engine'").replace(
        "Notes on", "<script>alert(2)</script> [x](javascript:alert(3)) Notes on")})
    assert run_portfolio("build", "--source", str(project)).returncode == 0
    html = (project / "site" / "papers" / "analytical-engine" / "index.html").read_text()
    assert "<script>alert" not in html and 'href="javascript:' not in html
    assert "javascript:" not in html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Engine" in html and "&lt;script&gt;alert(2)" in html
