"""The fast paths of a build (two worker processes, the unchanged-inputs stamp) make the same site as the plain one."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from conftest import REPO, append_a_sentence_it_has, pages_checked_by_build, run_portfolio

import generator.build
import generator.output
import generator.workers
from generator.build import SEARCH_KINDS, Builder, LoadedTheme, SitePages, build
from generator.errors import BuildFailed
from generator.output import SHOWN_FILE, TreeShare, WriteStats
from generator.project import Project
from generator.search import SearchIndex
from generator.shown import decode
from generator.workers import ChildFailed, Parts, from_both_ends, on_both_cores


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".portfolio" not in p.parts}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 synthetic papers: over 1,500 output files, enough for a build to use a second process."""
    root = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(REPO / "benchmarks/corpus.py"), "--papers", "300", str(root)],
                   check=True, capture_output=True)
    return root


def test_two_processes_write_the_same_bytes_as_one(corpus: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    two = run_portfolio("-v", "build", "--source", str(corpus), "--output", str(tmp_path / "two"))
    assert two.returncode == 0, two.stderr
    assert "rendered in 2 processes" in two.stdout
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: False)
    # A builder that stays (as the preview's does) keeps its cards and entries and renders in plan order; the
    # command's build ends its process, so it renders group by group and drops each group's pieces.
    one = Builder(Project(corpus), tmp_path / "one").build()
    assert one.processes == 1
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    # The records the two processes kept are complete: a later build finds nothing to redo.
    again = Builder(Project(corpus), tmp_path / "two").build()
    assert (again.rendered, again.written) == (0, 0)


def test_an_edit_after_a_two_process_build_checks_the_pages_both_processes_noted(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Which pages show each paper is noted by both processes as they fingerprint their pages (see shown.py):
    the next `portfolio build` after an abstract edit checks those pages only, and every page it changes."""
    project = tmp_path / "project"
    shutil.copytree(corpus, project)
    first = run_portfolio("-v", "build", "--source", str(project), "--output", str(tmp_path / "site"))
    assert first.returncode == 0 and "rendered in 2 processes" in first.stdout, first.stderr
    before = tree(tmp_path / "site")
    stored = decode((tmp_path / "site" / SHOWN_FILE).read_bytes())
    content = Project(project)
    content.refresh()
    pages = SitePages(LoadedTheme.for_project(project), content.site(), project)
    shown = [inputs.papers for spec in pages.specs
             if spec.kind not in SEARCH_KINDS and (inputs := pages.inputs_of(spec)) is not None]
    assert stored is not None and sum(map(len, stored.shown.values())) == 4 * sum(map(len, shown))
    paper = min((project / "content/papers").glob("*.md"))
    append_a_sentence_it_has(paper)
    checked = pages_checked_by_build(monkeypatch, project, tmp_path / "site")
    after = tree(tmp_path / "site")
    changed = {dest for dest in after if before.get(dest) != after[dest]}
    assert f"papers/{paper.stem}/index.html" in changed and changed <= checked
    assert {"authors", "papers"} <= {dest.split("/")[0] for dest in changed}
    assert len({dest for dest in checked if not dest.startswith("search/")}) < len(after) / 20
    build(project, tmp_path / "clean", clean=True)
    assert after == tree(tmp_path / "clean")


def test_a_preview_build_on_two_processes_then_an_edit_make_the_clean_build(corpus: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview keeps its caches and renders in plan order while its forked process groups and drops them;
    the edit that follows compares with what the parent kept."""
    # The preview forks before its threads start; threads left by earlier tests must not prevent it here.
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: items >= minimum)
    project = tmp_path / "project"
    shutil.copytree(corpus, project)
    server = Builder(Project(project), tmp_path / "served")
    first = server.build()
    assert first.processes == 2
    papers = sorted((project / "content/papers").glob("*.md"))
    # A new title and the last paper's abstract: words come and go from postings that other papers share.
    front = papers[0].read_text("utf-8").split("\n---\n", 1)[0].replace("title: ", "title: Edited ", 1)
    papers[0].write_text(front + "\n---\n" + papers[-1].read_text("utf-8").split("\n---\n", 1)[1], "utf-8")
    edit = server.build({papers[0].relative_to(project).as_posix()})
    assert 0 < edit.rendered < first.pages / 10
    build(project, tmp_path / "clean")
    assert tree(tmp_path / "served") == tree(tmp_path / "clean")


def test_reading_on_two_cores_loads_what_one_core_loads(corpus: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    shutil.copytree(corpus, project)
    # Four neighbouring papers with a bad date: the two processes each read some of them.
    broken = sorted((project / "content/papers").glob("*.md"))[:4]
    for path in broken:
        path.write_text(path.read_text("utf-8").replace("date: ", "date: someday ", 1), "utf-8")
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: True)
    two = Project(project)
    reported: list[tuple[int, int]] = []
    two.refresh(progress=lambda what, done, total: reported.append((done, total)))
    # Progress counts the files the child reads too, and reaches all of them once, at the end.
    assert reported[-1][0] == reported[-1][1] == len(two.files)
    assert all(done < total for done, total in reported[:-1])
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: False)
    one = Project(project)
    one.refresh()
    assert list(two.files) == list(one.files)
    assert [loaded.record for loaded in two.files.values()] == [loaded.record for loaded in one.files.values()]
    with pytest.raises(BuildFailed) as failed:
        two.site()
    reported = str(failed.value)
    for path in broken:
        assert f"content/papers/{path.name}:" in reported
    assert reported == str(pytest.raises(BuildFailed, one.site).value)


def test_the_search_index_made_on_two_cores_is_the_one_made_on_one(corpus: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(corpus)
    project.refresh()
    site = project.site()
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: True)
    two = SearchIndex(site)
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: False)
    one = SearchIndex(site)
    assert two.documents == one.documents
    assert two.prefixes == one.prefixes
    assert [two.shard(prefix) for prefix in two.prefixes] == [one.shard(prefix) for prefix in one.prefixes]
    assert [two.chunk(number) for number in range(two.chunk_count())] == \
        [one.chunk(number) for number in range(one.chunk_count())]


def test_a_one_off_search_index_writes_what_an_updatable_one_writes(corpus: Path) -> None:
    """A one-off build's index drops each document's terms once they are in the postings: the files it makes
    must not change, and an index made after it must not take it for a previous one it can update."""
    project = Project(corpus)
    project.refresh()
    site = project.site()
    kept = SearchIndex(site)
    one_off = SearchIndex(site, updatable=False)
    assert all(document.terms == () for document in one_off.documents)
    after = SearchIndex(site, one_off, candidates=set())
    for index in (one_off, after):
        assert index.manifest() == kept.manifest()
        assert [index.shard(prefix) for prefix in index.prefixes] == [kept.shard(prefix) for prefix in kept.prefixes]
        assert [index.chunk(number) for number in range(index.chunk_count())] == \
            [kept.chunk(number) for number in range(kept.chunk_count())]
    assert after.documents == kept.documents


def test_a_failure_in_the_child_reaches_the_parent_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: True)

    def task(share: Sequence[int], in_child: bool) -> list[int]:
        if in_child:
            raise ValueError(f"item {share[0]} is broken")
        return list(share)

    assert on_both_cores(lambda share, in_child: list(share), range(6), 1) == [[0, 2, 4], [1, 3, 5]]
    with pytest.raises(ValueError, match="item 1 is broken"):  # not an error about reaping the child twice
        on_both_cores(task, range(6), 1)


def test_pages_are_shared_out_from_both_ends_each_exactly_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent takes items from the front and the child from the back: together all, none twice."""
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: True)
    reported: list[int] = []

    def task(share: Iterator[int], in_child: bool) -> list[int]:
        return [item for item in share if time.sleep(0.001) is None]  # slow enough for the child to take some

    mine, theirs = from_both_ends(task, range(400), 1, reported.append)
    assert sorted(mine + theirs) == list(range(400))
    assert mine == sorted(mine) and mine[0] == 0 and theirs == sorted(theirs, reverse=True) and theirs[0] == 399
    assert reported == sorted(reported) and reported[-1] < 400  # the caller says when all is done


@pytest.mark.parametrize("ending", ["raises", "dies"])
def test_a_child_that_fails_while_taking_pages_fails_the_build_and_names_what_it_took(
        monkeypatch: pytest.MonkeyPatch, ending: str) -> None:
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: True)

    def task(share: Iterator[int], in_child: bool) -> list[int]:
        taken = []
        for item in share:
            time.sleep(0.0005)  # slow enough for the child to take its forty before the parent takes all
            taken.append(item)
            if in_child and len(taken) == 40:
                if ending == "dies":
                    os._exit(3)
                raise ValueError(f"item {item} is broken")
        return taken

    started: list[int] = []
    with pytest.raises(ValueError if ending == "raises" else ChildFailed):
        from_both_ends(task, range(2000), 1, child_failed=started.extend)
    assert set(range(1999, 1959, -1)) <= set(started) and 0 not in started


def test_a_child_that_dies_while_its_turn_to_take_pages_fails_the_build_not_hangs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: True)
    parent, claim = os.getpid(), generator.workers._TwoEnds._claim

    def claim_or_die(self: generator.workers._TwoEnds, from_back: bool) -> range:
        if os.getpid() != parent:
            self._take_turn()
            os._exit(3)
        return claim(self, from_back)

    monkeypatch.setattr(generator.workers._TwoEnds, "_claim", claim_or_die)
    with pytest.raises(ChildFailed):
        from_both_ends(lambda share, in_child: [time.sleep(0.01) for _ in share], range(100_000), 1)


def test_a_child_result_that_cannot_be_pickled_fails_the_build_not_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child pickles its result into the pipe as it goes: a failure half-way reaches the parent cut short."""
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: True)

    def task(share: Sequence[int], in_child: bool) -> list[object]:
        return [*share, (lambda: None) if in_child else None]  # a function cannot be pickled

    with pytest.raises(ChildFailed):
        on_both_cores(task, list(range(50_000)), 1)
    assert on_both_cores(lambda share, in_child: list(share), list(range(10)), 1) == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]


def test_a_build_with_unchanged_inputs_reads_nothing(example_project: Path, tmp_path: Path) -> None:
    output = tmp_path / "site"
    first = build(example_project, output)
    assert first.written > 0
    # Nothing changed: not even the content is parsed (a broken reader would not be noticed).
    paper = example_project / "content/papers/drop-upcycling-training-sparse-mixture-of-experts.md"
    stat = paper.stat()
    original = paper.read_text("utf-8")
    paper.write_text(original.replace("title:", "title: [unclosed", 1), "utf-8")
    os.utime(paper, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    if paper.stat().st_size == stat.st_size:
        pytest.skip("the edit kept the size")
    assert run_portfolio("build", "--source", str(example_project), "--output", str(output)).returncode == 1
    paper.write_text(original, "utf-8")
    os.utime(paper, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    quiet = run_portfolio("build", "--source", str(example_project), "--output", str(output))
    assert quiet.returncode == 0 and "(0 rendered, 0 files written, 0 removed)" in quiet.stdout
    # A touched file is read again, and still nothing is written.
    os.utime(paper)
    touched = build(example_project, output)
    assert (touched.written, touched.removed) == (0, 0) and touched.pages == first.pages


def test_a_preview_build_clears_the_stamp(example_project: Path, tmp_path: Path) -> None:
    """The preview server's builds leave no stamp: a later one-off build cannot mistake its output for current."""
    output = tmp_path / "site"
    build(example_project, output)
    paper = example_project / "content/papers/drop-upcycling-training-sparse-mixture-of-experts.md"
    stat = paper.stat()
    original = paper.read_text("utf-8")
    server = Builder(Project(example_project), output)
    server.build()
    paper.write_text(original + "\nEdited while previewing.\n", "utf-8")
    server.build({"content/papers/drop-upcycling-training-sparse-mixture-of-experts.md"})
    assert "Edited while previewing" in (output / "papers/drop-upcycling-training-sparse-mixture-of-experts/index.html").read_text("utf-8")
    paper.write_text(original, "utf-8")  # back as it was, mtime included, while the server is not looking
    os.utime(paper, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = build(example_project, output)
    assert result.written > 0
    assert "Edited while previewing" not in (output / "papers/drop-upcycling-training-sparse-mixture-of-experts/index.html").read_text("utf-8")


def test_an_error_in_a_two_process_build_is_reported_once_and_the_site_is_kept(
        corpus: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(corpus / "content", project / "content")
    output = tmp_path / "site"
    assert run_portfolio("build", "--source", str(project), "--output", str(output)).returncode == 0
    before = tree(output)
    (project / "templates").mkdir()
    (project / "templates/paper.html").write_text('{% extends "base.html" %}\n{% block content %}\n'
                                                  "{{ paper.no_such_field }}\n{% endblock %}\n", "utf-8")
    failed = run_portfolio("-v", "build", "--source", str(project), "--output", str(output))
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    problems = [line for line in failed.stderr.splitlines() if "templates/paper.html:3" in line]
    assert len(problems) == 1, failed.stderr  # both processes met it; it is reported once
    assert tree(output) == before


def test_a_result_in_parts_arrives_whole_and_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each part is pickled on its own (a pickler's memory of a whole share took 48 MB at 100k papers)."""
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: True)

    def task(share: Sequence[int], in_child: bool) -> object:
        return Parts([number, f"part {number}"] for number in share) if in_child else list(share)

    mine, theirs = on_both_cores(task, list(range(10)), 1)
    assert mine == [0, 2, 4, 6, 8]
    assert isinstance(theirs, Parts) and list(theirs.parts) == [[n, f"part {n}"] for n in (1, 3, 5, 7, 9)]

    def broken(share: Sequence[int], in_child: bool) -> object:
        return Parts([1, lambda: None]) if in_child else []  # the second part cannot be pickled

    with pytest.raises(ChildFailed):
        on_both_cores(broken, list(range(10)), 1)


def test_a_share_of_the_output_tree_in_parts_is_the_same_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator.output, "SHARE_CHUNK", 3)
    records = {f"papers/p{n}/index.html": (f"{n:040x}", 100 + n, f"fingerprint {n}") for n in range(8)}
    written = [dest for n, dest in enumerate(records) if n % 3 != 1]  # the others linked from the live site
    share = TreeShare(dict(records), WriteStats(written=len(written), linked=8 - len(written), removed=1,
                                                changed_paths=list(written)),
                      [*records, "papers/gone/index.html"], {"papers", "papers/p0"})
    parts = [pickle.loads(pickle.dumps(part)) for part in share.parts()]
    assert len(parts) == 1 + 3  # what the share holds besides its records, then 8 records in threes
    again = TreeShare.from_parts(parts)
    assert again.new == records and list(again.new) == list(records)
    assert again.stats == share.stats  # counts and the written files, in order
    assert set(again.touched) == set(share.touched) and again.made_dirs == share.made_dirs
