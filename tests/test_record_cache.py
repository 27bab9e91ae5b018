"""The CLI keeps parsed content between runs (recordcache.py): whatever state that cache is in, a build must
make the site a clean build makes, and a damaged or unwritable cache must never fail a build."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import pytest
from conftest import file_tree, run_portfolio, without_state, write_files

import generator.build
import generator.project
import generator.sources
import generator.workers
from generator.pickling import pickled_by_fields
from generator.project import Project
from generator.recordcache import MIN_WASTE, RecordCache, cache_file

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


def test_a_build_on_both_cores_saves_every_record_and_the_next_build_parses_only_the_edits(
        example_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a large site the second process saves the records while the first renders (build.Builder._build)."""
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: True)
    first = generator.build.build(example_project, tmp_path / "site", clean=True)
    assert first.processes == 2 and first.records_saved
    saved = RecordCache(cache_file(example_project)).read()
    project = Project(example_project)
    project.refresh()
    assert saved.keys() == project.files.keys() and len(saved) > 30
    parsed: list[str] = []
    parse = generator.project._READERS["papers"]
    monkeypatch.setitem(generator.project._READERS, "papers", lambda *args: parsed.append(args[0]) or parse(*args))
    monkeypatch.setattr(generator.workers, "worth_forking", lambda items, minimum: False)  # parses seen here
    edit(example_project)
    generator.build.build(example_project, tmp_path / "site")
    assert sorted(parsed) == sorted([PAPER, NEW_PAPER])


def plant(project: Path, header: bytes | None = None) -> None:
    """Put into the cache a record no parse of PAPER gives, under the digest of the file's bytes as they are."""
    cache = RecordCache(cache_file(project))
    entries = cache.read()
    planted = entries[PAPER]
    entries[PAPER] = dataclasses.replace(
        planted, record=dataclasses.replace(planted.record, rendered_abstract="<p>PLANTED</p>"))
    cache.save(entries, {PAPER: entries[PAPER]})
    if header is not None:
        path = cache_file(project)
        path.write_bytes(header + path.read_bytes().split(b"\n", 1)[1])


PAGE = "papers/taid-temporally-adaptive-interpolated-distillation/index.html"


def planted_in(output: Path) -> bool:
    return "PLANTED" in (output / PAGE).read_text("utf-8")


def test_records_come_from_the_cache_while_their_files_are_unchanged(example_project: Path, tmp_path: Path) -> None:
    build(example_project, tmp_path / "first")
    plant(example_project)
    build(example_project, tmp_path / "reused")  # a new output folder: every page is rendered
    assert planted_in(tmp_path / "reused")
    paper = example_project / PAPER
    paper.write_text(paper.read_text("utf-8") + "\n", "utf-8")  # other bytes: parsed again
    build(example_project, tmp_path / "edited")
    assert not planted_in(tmp_path / "edited")


def test_clean_builds_and_caches_made_by_other_code_parse_everything(example_project: Path, tmp_path: Path) -> None:
    build(example_project, tmp_path / "first")
    plant(example_project)
    build(example_project, tmp_path / "clean", "--clean")
    assert not planted_in(tmp_path / "clean")
    plant(example_project, header=b"research-portfolio records 0123 (other code)\n")
    build(example_project, tmp_path / "other")
    assert not planted_in(tmp_path / "other")


def test_files_with_problems_are_reported_the_same_when_their_records_come_from_the_cache(
        example_project: Path, tmp_path: Path) -> None:
    broken = {"content/papers/broken-front-matter.md": "---\ntitle: [unclosed\n---\nText.\n",
              "content/papers/not-utf8.md": None}
    write_files(example_project, {path: text for path, text in broken.items() if text})
    (example_project / "content/papers/not-utf8.md").write_bytes(b"---\ntitle: Caf\xe9\n---\n")
    first = run_portfolio("build", "--source", str(example_project), "--output", str(tmp_path / "site"))
    with open(example_project / "content/papers/broken-front-matter.md", "a", encoding="utf-8") as edited:
        edited.write("More text, the same problem.\n")  # parsed again; the other file's record is reused
    again = run_portfolio("build", "--source", str(example_project), "--output", str(tmp_path / "site"))
    assert first.returncode == again.returncode == 1
    assert "not-utf8.md:2: file is not UTF-8" in first.stderr and "broken-front-matter.md:3: " in first.stderr
    assert again.stderr == first.stderr


def test_a_clash_is_blamed_on_the_same_file_after_the_other_one_changes(example_project: Path, tmp_path: Path) -> None:
    write_files(example_project, {"content/files/A.txt": "upper\n", "content/files/a.txt": "lower\n"})
    first = run_portfolio("build", "--source", str(example_project), "--output", str(tmp_path / "site"))
    write_files(example_project, {"content/files/A.txt": "upper, edited\n"})  # parsed again, a.txt reused
    again = run_portfolio("build", "--source", str(example_project), "--output", str(tmp_path / "site"))
    assert first.returncode == again.returncode == 1 and "which is also where" in first.stderr
    assert again.stderr == first.stderr


def test_a_cut_short_or_foreign_cache_is_read_as_far_as_it_holds_and_rewritten(
        example_project: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(example_project, site)
    path = cache_file(example_project)
    whole = path.read_bytes()
    first = RecordCache(path).read()
    paper = example_project / PAPER
    middle = len(whole) // 2
    flipped = whole[:middle] + bytes([whole[middle] ^ 1]) + whole[middle + 1:]
    for number, damaged in enumerate((whole[:middle], whole[:-7], flipped, b"not a cache at all")):
        path.write_bytes(damaged)
        paper.write_text(paper.read_text("utf-8").rstrip("\n") + f" Edit {number}.\n", "utf-8")
        build(example_project, site)
        cache = RecordCache(path)
        entries = cache.read()
        assert cache.waste == 0 and len(entries) == len(first)  # rewritten whole
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
    for edit_number in range(MIN_WASTE + 1):
        cache = RecordCache(path)
        assert cache.read() == everything
        everything["content/papers/p3.md"] = f"record 3, edit {edit_number}"
        cache.save(everything, {"content/papers/p3.md": everything["content/papers/p3.md"]})
        sizes.append(os.path.getsize(path))
    assert sizes[1] > sizes[0]  # appended
    assert sizes[-1] < sizes[-2]  # rewritten whole once old entries outnumbered the limit
    reread = RecordCache(path)
    assert reread.read() == everything and reread.waste == 0


def test_a_run_never_appends_to_a_cache_another_run_rewrote_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "records"
    mine = {f"p{number}": f"mine {number}" for number in range(10)}
    RecordCache(path).save(mine, mine)
    cache = RecordCache(path)
    cache.read()
    other = RecordCache(tmp_path / "other")  # another run (perhaps other code) rewrites the file meanwhile
    theirs = {key: "theirs" for key in mine}
    other.save(theirs, theirs)
    os.replace(tmp_path / "other", path)
    mine["p1"] = "mine, edited"
    cache.save(mine, {"p1": "mine, edited"})
    assert RecordCache(path).read() == mine  # written whole, not appended after their entries


def test_every_kind_of_record_reads_back_from_the_cache_as_it_was_parsed(example_project: Path) -> None:
    project = Project(example_project)
    project.refresh()
    kinds = {type(loaded.record).__name__ for loaded in project.files.values()}
    assert {"Author", "Paper", "Page", "NewsItem", "Asset", "SiteConfig"} <= kinds
    cache = RecordCache(cache_file(example_project))
    cache.save(project.files, project.files)
    assert cache.read() == project.files


@pytest.mark.parametrize("length", [dataclasses.field(init=False, default=0), dataclasses.field(kw_only=True)])
def test_a_record_with_a_field_not_given_to_init_by_position_is_refused(length: dataclasses.Field[int]) -> None:
    @dataclasses.dataclass(frozen=True)
    class Derived:
        name: str
        size: int = length

    with pytest.raises(TypeError, match="every field"):
        pickled_by_fields(Derived)


def test_a_file_whose_stat_settled_is_not_read_again_but_one_changed_within_a_time_stamp_tick_is(
        example_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record is reused without reading its file when the file has the size and modification time it had when
    read, and that time was well before the stat was taken (sources.settled). A file changed again within a
    file system's time stamp tick keeps both, so a file changed just before a build is read again for its digest."""
    hour_ago = time.time_ns() - 3600 * 10**9
    for path in (example_project / "content").rglob("*"):
        os.utime(path, ns=(hour_ago, hour_ago))
    recent = example_project / "content/papers/drop-upcycling-training-sparse-mixture-of-experts.md"
    now = time.time_ns()
    os.utime(recent, ns=(now, now))
    generator.build.build(example_project, tmp_path / "site")
    text = recent.read_text("utf-8")
    recent.write_text(text.replace("architecture reduces", "architecture REDUCES", 1), "utf-8")  # as long as before
    os.utime(recent, ns=(now, now))
    read: list[str] = []
    load_bytes = generator.project.load_bytes
    monkeypatch.setattr(generator.project, "load_bytes", lambda root, src_path: read.append(src_path)
                        or load_bytes(root, src_path))
    generator.build.build(example_project, tmp_path / "site")
    assert PAPER not in read and recent.relative_to(example_project).as_posix() in read
    page = tmp_path / "site/papers/drop-upcycling-training-sparse-mixture-of-experts/index.html"
    assert "architecture REDUCES" in page.read_text("utf-8")


def test_records_whose_stat_settled_since_they_were_saved_are_saved_again_so_later_runs_read_no_file(
        example_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator.sources, "SETTLE_NS", 10**20)  # every file changed just now
    generator.build.build(example_project, tmp_path / "site")
    monkeypatch.setattr(generator.sources, "SETTLE_NS", 0)  # ...and long ago
    read: list[str] = []
    load_bytes = generator.project.load_bytes
    monkeypatch.setattr(generator.project, "load_bytes", lambda root, src_path: read.append(src_path)
                        or load_bytes(root, src_path))
    paper = example_project / PAPER
    paper.write_text(paper.read_text("utf-8").rstrip("\n") + " One more sentence.\n", "utf-8")
    generator.build.build(example_project, tmp_path / "site")
    assert len(read) > 30  # each file read once for its digest, the edited one parsed too
    read.clear()
    paper.write_text(paper.read_text("utf-8").rstrip("\n") + " And another.\n", "utf-8")
    generator.build.build(example_project, tmp_path / "site")
    assert set(read) == {PAPER}  # the edited file alone: its digest, then its parse
