"""The build never writes (or reads) through a symbolic link planted in the site or its staging folder, and
never builds into the project, a folder above it, `/` or the home folder however the path is spelled.

(tests/test_output_folder.py covers foreign files, the plain dangerous locations and a symlinked output.)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import build_ok, file_tree, run_portfolio, without_state
from test_content_errors import make_project

from generator.errors import UsageError
from generator.output import OutputTree

PRECIOUS = b"precious: must never change\n"


def links_in(folder: Path) -> list[str]:
    return [rel for rel, data in file_tree(folder).items() if data == b"LINK"]


def edit(project: Path) -> None:
    """An edit that rewrites the paper's page and the pages that list it."""
    paper = project / "content/papers/analytical-engine.md"
    paper.write_text(paper.read_text().replace("Notes", "Edited notes"))


def touch(project: Path) -> None:
    """Same bytes, newer time: a whole build that writes no page, only the site's records."""
    os.utime(project / "content/papers/analytical-engine.md")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project built twice, so that the staging folder `.site.previous/` holds a whole generation."""
    project = make_project(tmp_path_factory.mktemp("template") / "project")
    build_ok(project)
    build_ok(project, "--clean")
    return project


@pytest.fixture(scope="module")
def edited_clean(template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes | None]:
    """A clean build of the template's content after `edit`, without its records."""
    project = tmp_path_factory.mktemp("reference") / "project"
    shutil.copytree(template / "content", project / "content")
    edit(project)
    build_ok(project)
    return without_state(file_tree(project / "site"))


@pytest.fixture
def built(template: Path, tmp_path: Path) -> Path:
    """A copy of the template project for one test."""
    project = tmp_path / "project"
    shutil.copytree(template, project, symlinks=True)
    return project


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the site with a file in it: what a planted link points at."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "victim.txt").write_bytes(PRECIOUS)
    return folder


def plant(project: Path, where: str, outside: Path) -> None:
    """Replace `where` (relative to the project) by a link into `outside`: to the victim file, or to the
    folder itself where a folder stood."""
    path = project / where
    if path.is_dir():
        shutil.rmtree(path)
        os.symlink(outside, path)
    else:
        path.unlink(missing_ok=True)
        os.symlink(outside / "victim.txt", path)


@pytest.mark.parametrize("where, change", [
    ("site/index.html", edit),  # a page the edit does not rewrite: it would be linked into the next one
    ("site/papers/analytical-engine/index.html", edit),  # one it rewrites
    ("site/papers", edit),  # a whole folder
    ("site/.portfolio/inputs.tmp", touch),  # the records' temporary files, written when no page changes
    ("site/.portfolio/state.tmp", touch),
    ("site/.portfolio", touch),
])
def test_a_link_planted_in_the_site_is_refused_and_nothing_is_written_through_it(
        built: Path, outside: Path, where: str, change: Callable[[Path], None]) -> None:
    if where == "site/.portfolio":  # a copy of the records outside, so the site still looks like ours
        shutil.copytree(built / where, outside / "records")
        shutil.rmtree(built / where)
        os.symlink(outside / "records", built / where)
    else:
        plant(built, where, outside)
    site, staged, elsewhere = file_tree(built / "site"), file_tree(built / ".site.previous"), file_tree(outside)
    change(built)
    result = run_portfolio("build", "--source", str(built))
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr and "nothing was changed" in result.stderr
    assert file_tree(outside) == elsewhere and (outside / "victim.txt").read_bytes() == PRECIOUS
    assert file_tree(built / "site") == site and file_tree(built / ".site.previous") == staged


@pytest.mark.parametrize("where", [
    ".site.previous/.portfolio/journal",  # appended to by every build
    ".site.previous/.portfolio/state.tmp",
    ".site.previous/.portfolio/inputs.tmp",
    ".site.previous/papers/analytical-engine/index.html",  # a file the edit rewrites
    ".site.previous/static/style.css",  # one it carries over unchanged: it would become live as it is
    ".site.previous/papers",
])
def test_a_link_planted_in_the_staging_folder_is_removed_never_followed(
        built: Path, outside: Path, edited_clean: dict[str, bytes | None], where: str) -> None:
    plant(built, where, outside)
    elsewhere = file_tree(outside)
    edit(built)
    build_ok(built)
    assert file_tree(outside) == elsewhere and (outside / "victim.txt").read_bytes() == PRECIOUS
    assert links_in(built / "site") == [] and links_in(built / ".site.previous") == []
    assert without_state(file_tree(built / "site")) == edited_clean


@pytest.mark.parametrize("target", ["other-site", "records"])
def test_a_linked_staging_folder_or_records_folder_is_refused(built: Path, tmp_path: Path,
                                                              target: str) -> None:
    """`.site.previous` linked to another generator-made folder, or its `.portfolio` linked elsewhere."""
    if target == "other-site":
        victim, where = tmp_path / "other-site", built / ".site.previous"
        shutil.copytree(built / "site", victim)
    else:
        victim, where = tmp_path / "records", built / ".site.previous/.portfolio"
        shutil.copytree(where, victim)
    shutil.rmtree(where)
    os.symlink(victim, where)
    before, site = file_tree(victim), file_tree(built / "site")
    edit(built)
    result = run_portfolio("build", "--source", str(built))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "refusing" in result.stderr
    assert file_tree(victim) == before and file_tree(built / "site") == site


def test_a_link_planted_while_the_preview_server_runs_is_never_followed(tmp_path: Path,
                                                                        outside: Path) -> None:
    """The preview server keeps one OutputTree and checks the site only when it starts; a file it would link
    into the next generation is looked at (lstat) first."""
    site = tmp_path / "site"
    tree_ = OutputTree(site)
    for version in (b"one", b"two"):  # the second generation rewrites a.html: it must be linked next time
        tree_.begin()
        tree_.put("a.html", version, version.decode())
        tree_.put("b.html", b"b", "b")
        tree_.commit()
    (site / "a.html").unlink()
    os.symlink(outside / "victim.txt", site / "a.html")
    tree_.begin()
    with pytest.raises(UsageError, match="no longer a file"):
        tree_.put("a.html", b"two", "two")  # unchanged bytes: the live file would be hard-linked
    tree_.abort()
    assert os.stat(outside / "victim.txt").st_nlink == 1  # not hard-linked into the staging folder
    assert links_in(tmp_path / ".site.previous") == [] and (outside / "victim.txt").read_bytes() == PRECIOUS


@pytest.mark.parametrize("command, spelling", [
    ("build", "."), ("build", ".."), ("build", "content/.."), ("build", "./site/.."), ("build", "~"),
    ("build", "~/"), ("serve", "."), ("serve", "~"),
])
def test_refuses_the_project_a_folder_above_it_or_home_however_spelled(tmp_path: Path, command: str,
                                                                       spelling: str) -> None:
    project = make_project(tmp_path / "project")
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    extra = ("--port", "0") if command == "serve" else ()
    result = run_portfolio(command, "--source", ".", "--output", spelling, *extra, cwd=project,
                           env={"HOME": str(home)}, timeout=60)
    assert result.returncode == 2 and "refusing" in result.stderr, result.stderr
    assert sorted(os.listdir(project)) == ["content"] and os.listdir(home) == ["notes.txt"]


@pytest.mark.parametrize("earlier_builds", [0, 1, 2])
@pytest.mark.parametrize("ending", ["failed", "killed"])
def test_files_of_a_failed_or_killed_build_never_reach_the_site_unrecorded(tmp_path: Path, ending: str,
                                                                           earlier_builds: int) -> None:
    """A build that wrote pages and then failed (or was killed) leaves them in the staging folder; when the next
    build no longer makes a page, it must go, not be published as a file nobody made; one it makes again gets
    the new bytes. The very first build (no site yet) too."""
    out = tmp_path / "site"
    tree = OutputTree(out)
    for generation in range(earlier_builds):
        tree.begin()
        tree.put("index.html", b"generation %d" % generation, "f")
        tree.commit()
    tree.begin()
    tree.put("index.html", b"from the build that did not finish", "f")
    tree.put("papers/gone/index.html", b"a paper the next build no longer has", "f")
    if ending == "failed":
        tree.abort()
    else:
        tree = OutputTree(out)  # what the next process finds after kill -9
    tree.begin()
    tree.put("index.html", b"generation 3", "f")
    tree.commit()
    assert without_state(file_tree(out)) == {"index.html": b"generation 3"}
    assert OutputTree(out).live.keys() == {"index.html"}  # and the folder is still recognised as ours


@pytest.mark.parametrize("where", ["site/index.html", "site/papers", ".site.previous/static/style.css",
                                   ".site.previous/papers", "site/papers/analytical-engine/notes.txt"])
def test_the_scans_made_by_a_second_process_find_what_the_builder_would(
        built: Path, outside: Path, edited_clean: dict[str, bytes | None], where: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On large sites a second process scans the output folders while the first reads the content
    (output.prescan): a link planted in the site, or a file of the user's, is refused all the same, and one
    planted in the staging folder is removed, never followed."""
    import generator.build
    import generator.output

    monkeypatch.setattr(generator.build, "worth_forking", lambda items, minimum: True)
    scanned: list[Path] = []  # by this process: the second one's calls land in its own copy of the list
    scan = generator.output._scan
    monkeypatch.setattr(generator.output, "_scan", lambda folder: scanned.append(folder) or scan(folder))
    if where.endswith("notes.txt"):
        (built / where).write_text("the user's own notes\n")
    else:
        plant(built, where, outside)
    site, elsewhere = file_tree(built / "site"), file_tree(outside)
    edit(built)
    if where.startswith("site/"):
        with pytest.raises(UsageError, match="did not make|no longer a file|symbolic link"):
            generator.build.build(built)
        assert file_tree(built / "site") == site
    else:
        generator.build.build(built)
        assert links_in(built / "site") == [] and links_in(built / ".site.previous") == []
        assert without_state(file_tree(built / "site")) == edited_clean
    assert file_tree(outside) == elsewhere and (outside / "victim.txt").read_bytes() == PRECIOUS
    assert scanned == []
