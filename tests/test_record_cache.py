"""The CLI keeps parsed content between runs (recordcache.py): whatever state that cache is in, a build must
make the site a clean build makes, and a damaged or unwritable cache must never fail a build."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from conftest import file_tree, run_portfolio, without_state

from generator.recordcache import MIN_OVERRIDDEN, RecordCache, cache_file

PAPER = "content/papers/taid-temporally-adaptive-interpolated-distillation.md"


def build(project: Path, output: Path, *args: str, env: dict[str, str] | None = None) -> None:
    result = run_portfolio("build", "--source", str(project), "--output", str(output), *args, env=env)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


def site_files(output: Path) -> dict[str, bytes | None]:
    return without_state(file_tree(output))


NEW_PAPER = "content/papers/a-new-result.md"


def edit(project: Path) -> None:
    """Change one paper's abstract and add a paper, as a session of editing does."""
    paper = project / PAPER
    paper.write_text(paper.read_text("utf-8").rstrip("\n") + " We also prove $O(n^2)$ bounds.\n", "utf-8")
    (project / NEW_PAPER).write_text("---\ntitle: A New Result\nauthors:\n- Takuya Akiba\ndate: 2026-11-01\n"
                                     "category: cs.LG\n---\nShort and new.\n", "utf-8")


def test_builds_after_edits_make_what_a_clean_build_makes(example_project: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(example_project, site)
    assert cache_file(example_project).is_file()
    edit(example_project)
    build(example_project, site)
    assert "We also prove" in (site / "papers/taid-temporally-adaptive-interpolated-distillation/index.html").read_text()
    assert (site / "papers/a-new-result/index.html").is_file()
    (example_project / NEW_PAPER).unlink()
    build(example_project, site)
    build(example_project, tmp_path / "clean", "--clean")
    assert site_files(site) == site_files(tmp_path / "clean")


def test_records_come_from_the_cache_while_their_files_are_unchanged_and_clean_builds_parse(
        example_project: Path, tmp_path: Path) -> None:
    build(example_project, tmp_path / "first")
    cache = RecordCache(cache_file(example_project))
    entries = cache.read()
    # Plant a record no parse of the file would give, under the digest of the file's bytes as they are.
    planted = entries[PAPER]
    planted = dataclasses.replace(planted, record=dataclasses.replace(planted.record, abstract_html="<p>PLANTED</p>"))
    cache.save(entries, {PAPER: planted})
    page = "papers/taid-temporally-adaptive-interpolated-distillation/index.html"
    build(example_project, tmp_path / "reused")
    assert "PLANTED" in (tmp_path / "reused" / page).read_text()
    build(example_project, tmp_path / "clean", "--clean")
    assert "PLANTED" not in (tmp_path / "clean" / page).read_text()
    # Once the file's bytes change, its record is parsed again.
    paper = example_project / PAPER
    paper.write_text(paper.read_text("utf-8") + "\n", "utf-8")
    build(example_project, tmp_path / "edited")
    assert "PLANTED" not in (tmp_path / "edited" / page).read_text()


def test_a_cut_short_or_foreign_cache_is_read_as_far_as_it_holds_and_rewritten(
        example_project: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(example_project, site)
    path = cache_file(example_project)
    whole = path.read_bytes()
    paper = example_project / PAPER
    for number, damaged in enumerate((whole[:len(whole) // 2], whole[:-7], b"research-portfolio records 0\n" + whole[40:],
                                      b"not a cache at all")):
        path.write_bytes(damaged)
        paper.write_text(paper.read_text("utf-8").rstrip("\n") + f" Edit {number}.\n", "utf-8")
        build(example_project, site)
        cache = RecordCache(path)
        entries = cache.read()
        assert cache.appendable and cache.overridden == 0  # rewritten whole
        assert f"Edit {number}." in entries[PAPER].record.abstract
    build(example_project, tmp_path / "clean", "--clean")
    assert site_files(site) == site_files(tmp_path / "clean")


def test_a_cache_folder_that_cannot_be_written_changes_nothing_but_speed(example_project: Path,
                                                                        tmp_path: Path) -> None:
    not_a_folder = tmp_path / "cache-is-a-file"
    not_a_folder.write_text("a file where the cache folder would be\n")
    env = {"XDG_CACHE_HOME": str(not_a_folder)}
    build(example_project, tmp_path / "site", env=env)
    edit(example_project)
    build(example_project, tmp_path / "site", env=env)
    build(example_project, tmp_path / "clean", "--clean")
    assert site_files(tmp_path / "site") == site_files(tmp_path / "clean")


def test_edits_append_to_the_cache_until_it_is_mostly_old_entries_then_it_is_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "records"
    everything = {f"content/papers/p{number}.md": f"record {number}" for number in range(10)}
    RecordCache(path).save(everything, everything)
    sizes = []
    for edit_number in range(MIN_OVERRIDDEN + 1):
        cache = RecordCache(path)
        entries = cache.read()
        assert entries == everything
        everything["content/papers/p3.md"] = f"record 3, edit {edit_number}"
        cache.save(everything, {"content/papers/p3.md": everything["content/papers/p3.md"]})
        sizes.append(os.path.getsize(path))
    assert sizes[1] > sizes[0]  # appended
    assert sizes[-1] < sizes[-2]  # rewritten whole once old entries outnumbered the limit
    reread = RecordCache(path)
    assert reread.read() == everything and reread.overridden == 0
