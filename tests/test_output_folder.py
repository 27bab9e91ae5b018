"""The output folder: swapped in whole, only changed files rewritten, the user's files never touched."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import run_portfolio, write_files
from test_content_errors import make_project, snapshot


def build(project: Path, *args: str):  # type: ignore[no-untyped-def]
    result = run_portfolio("build", "--source", str(project), *args)
    assert result.returncode == 0, result.stderr
    return result


def mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file() and p.relative_to(folder).parts[0] != ".portfolio"}


def test_rebuild_without_changes_rewrites_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    build(project)
    before = mtimes(project / "site")
    result = build(project)
    assert "0 rendered, 0 files written" in result.stdout
    assert mtimes(project / "site") == before


def test_one_paper_edit_rewrites_only_the_pages_that_show_it(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    write_files(project, {"content/papers/other.md": "---\ntitle: Other Work\nauthors: [Someone Else]\n"
                                                     "date: 1850-01-01\ncategory: math.NT\n---\n"})
    build(project)
    before = mtimes(project / "site")
    paper = project / "content/papers/analytical-engine.md"
    paper.write_text(paper.read_text().replace("Notes on the engine", "Revised notes on the engine"))
    build(project)
    after = mtimes(project / "site")
    changed = sorted(path for path in after if after[path] != before.get(path))
    pages = [path for path in changed if path.endswith(".html")]
    assert pages == ["authors/ada-lovelace/index.html", "papers/analytical-engine/index.html"]
    others = [path for path in changed if not path.endswith(".html")]
    assert others == [  # the abstract is also in its author's feed and bibliography, its citations, the site feed,
        "authors/ada-lovelace/feed.xml", "authors/ada-lovelace/publications.bib",  # and the search index
        "feed.xml", "papers/analytical-engine/cite.bib", "papers/analytical-engine/cite.json",
        "papers/analytical-engine/cite.ris", "search/index.json", "search/terms/7265.json"]
    assert "Revised notes" in (project / "site/papers/analytical-engine/index.html").read_text()


def built_edited_and_built_again(tmp_path: Path, old: str, new: str) -> Path:
    """The test project built, its paper's `old` text made `new`, and built again."""
    project = make_project(tmp_path)
    build(project)
    paper = project / "content/papers/analytical-engine.md"
    paper.write_text(paper.read_text().replace(old, new))
    build(project)
    return project


def test_clean_build_equals_incremental_build(tmp_path: Path) -> None:
    project = built_edited_and_built_again(tmp_path, "title: The Analytical Engine", "title: The Engine")
    incremental = snapshot(project / "site")
    build(project, "--output", str(tmp_path / "clean"))
    clean = snapshot(tmp_path / "clean")
    drop_state = lambda files: {k: v for k, v in files.items() if not k.startswith(".portfolio")}
    assert drop_state(incremental) == drop_state(clean)


def test_deleted_paper_disappears_from_the_site(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    write_files(project, {"content/papers/other.md": "---\ntitle: Other Work\nauthors: [Someone Else]\n"
                                                     "date: 1850-01-01\ncategory: math.NT\n---\n"})
    build(project)
    assert (project / "site/papers/other/index.html").exists()
    (project / "content/papers/other.md").unlink()
    before = set(snapshot(project / "site"))
    result = build(project)
    removed = sorted(before - set(snapshot(project / "site")))
    assert [path for path in removed if not path.startswith("search/")] == [
        "categories/math.nt/index.html", "papers/other/cite.bib", "papers/other/cite.json", "papers/other/cite.ris",
        "papers/other/index.html"]  # its page, its citation files, its category's page (and its search words)
    assert f"{len(removed)} removed" in result.stdout
    assert not (project / "site/papers/other").exists()
    assert not (project / "site/categories/math.nt").exists()


def test_refuses_an_output_folder_holding_files_it_did_not_make(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    precious = project / "site" / "thesis.pdf"
    write_files(project, {"site/thesis.pdf": "my only copy"})
    result = run_portfolio("build", "--source", str(project))
    assert result.returncode == 2 and "did not make" in result.stderr and "Traceback" not in result.stderr
    assert precious.read_text() == "my only copy"


def test_a_file_added_to_a_built_site_is_never_moved_or_deleted(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    build(project)
    write_files(project, {"site/notes.txt": "mine"})
    paper = project / "content/papers/analytical-engine.md"
    paper.write_text(paper.read_text().replace("Notes", "New notes"))
    result = run_portfolio("build", "--source", str(project))
    assert result.returncode == 2 and "notes.txt" in result.stderr
    assert (project / "site/notes.txt").read_text() == "mine"


def test_refuses_dangerous_output_locations(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    for output in (str(project), str(tmp_path), "/", str(Path.home()), str(project / "content" / "out")):
        result = run_portfolio("build", "--source", str(project), "--output", output)
        assert result.returncode == 2, output
        assert "refusing" in result.stderr
    assert (project / "content/site.yaml").exists()


def test_symlinked_output_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", project / "site")
    result = run_portfolio("build", "--source", str(project))
    assert result.returncode == 2 and "symbolic link" in result.stderr


def test_base_url_option_sets_every_link(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    build(project, "--base-url", "https://user.github.io/lab")
    html = (project / "site/papers/analytical-engine/index.html").read_text()
    assert 'href="/lab/authors/ada-lovelace/"' in html
    assert '<link rel="canonical" href="https://user.github.io/lab/papers/analytical-engine/">' in html


def test_the_output_state_holds_every_record_in_chunks_and_the_previous_format_still_reads(tmp_path: Path) -> None:
    """A large site's records are written in parts (one marshal object took 85 MB more at 100k papers)."""
    import marshal

    from generator import output

    records = {f"papers/p{n}/index.html": (f"{n:040x}", n, f"{n + 1:040x}") for n in range(2 * output.STATE_CHUNK + 5)}
    log_id = output._write_state(tmp_path, records)
    assert output._read_state(tmp_path) == (records, log_id)
    assert output._read_state(tmp_path / "elsewhere") is None
    whole = (tmp_path / output.STATE_FILE).read_bytes()
    assert whole.startswith(f"{output.STATE_FORMAT}\n".encode())
    (tmp_path / output.STATE_FILE).write_bytes(whole[:-1])  # cut short: not to be trusted
    assert output._read_state(tmp_path) is None
    # Sites built before the sizes (format 4: the chunks back to back) and before the chunks (format 3: one
    # object) are still known as made by the generator.
    chunks = [dict(list(records.items())[start:start + output.STATE_CHUNK])
              for start in range(0, len(records), output.STATE_CHUNK)]
    (tmp_path / output.STATE_FILE).write_bytes(b"".join(map(marshal.dumps, [
        {"format": "research-portfolio output state 4", "log": log_id, "more": len(chunks) - 1, "files": chunks[0]},
        *chunks[1:]])))
    assert output._read_state(tmp_path) == (records, log_id)
    (tmp_path / output.STATE_FILE).write_bytes(marshal.dumps(
        {"format": "research-portfolio output state 3", "log": log_id, "files": records}))
    assert output._read_state(tmp_path) == (records, log_id)
    output._write_state(tmp_path, {})
    assert output._read_state(tmp_path)[0] == {}  # type: ignore[index]


def test_the_two_generations_records_are_held_once_where_they_are_equal(tmp_path: Path) -> None:
    """The staging folder's records are read beside the site's: the files both hold alike (after an edit, all but
    the edit's) are held as one record (at 100k papers, 200 MB less), and those that differ stay apart."""
    from generator.output import OutputTree

    project = built_edited_and_built_again(tmp_path, "Notes on the engine", "Revised notes on the engine")
    tree = OutputTree(project / "site")
    equal = [dest for dest, record in tree.staged.items() if tree.live.get(dest) == record]
    assert len(equal) > 10 and all(tree.staged[dest] is tree.live[dest] for dest in equal)
    differing = [dest for dest, record in tree.staged.items() if tree.live.get(dest) != record]
    assert "papers/analytical-engine/index.html" in differing
