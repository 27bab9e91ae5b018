"""Incremental builds are byte-identical to clean builds, whatever sequence of edits came before."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from conftest import append_a_sentence_it_has, pages_checked_by_build

from generator.build import Builder, LoadedTheme, SitePages, build
from generator.errors import BuildFailed
from generator.output import SHOWN_FILE, STATE_LOG, OutputTree
from generator.project import Project
from generator.shown import decode, encode, table

NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"]
CATEGORIES = ["cs.LG", "cs.CV", "cs.CL", "stat.ML"]


def slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def paper_text(rng: random.Random, title: str) -> str:
    authors = rng.sample(NAMES + ["Outside Person", "Another One"], rng.randint(1, 4))
    lines = ["---", f"title: {title}", "authors:", *(f"  - {a}" for a in authors),
             f"date: {rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
             f"category: {rng.choice(CATEGORIES)}"]
    if rng.random() < 0.5:
        lines.append(f"score: {rng.randint(1, 400) / 10}")
    if rng.random() < 0.3:
        lines.append("et_al: true")
    lines += ["---", f"An abstract with $x^{rng.randint(2, 9)}$ and words {rng.random():.6f}."]
    return "\n".join(lines) + "\n"


class Scratch:
    """A small project the test edits at random, remembering which files each edit touched."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root, self.rng = root, rng
        self.counter = 0
        self.write("content/site.yaml", "title: Lab\nbase_url: https://lab.example.org/x/\nowners: [ada-lovelace]\n")
        self.papers: list[str] = []
        for _ in range(12):
            self.add_paper()
        for name in NAMES:
            self.write_author(name, self.rng.sample(self.papers, self.rng.randint(0, 5)))

    def write(self, rel: str, text: str) -> str:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        return rel

    def write_author(self, name: str, papers: list[str], aliases: tuple[str, ...] = ()) -> str:
        lines = [f"name: {name}", "metrics:", f"  h_index: {self.rng.randint(1, 50)}"]
        if aliases:
            lines.append(f"aliases: [{', '.join(aliases)}]")
        lines.append("papers:" + ("" if papers else " []"))
        lines += [f"  - {p}" for p in papers]
        return self.write(f"content/authors/{slug(name)}.yaml", "\n".join(lines) + "\n")

    def add_paper(self) -> str:
        self.counter += 1
        name = f"paper-{self.counter}"
        self.papers.append(name)
        return self.write(f"content/papers/{name}.md", paper_text(self.rng, f"Paper number {self.counter}"))

    def author_lists(self) -> dict[str, list[str]]:
        lists = {}
        for name in NAMES:
            text = (self.root / f"content/authors/{slug(name)}.yaml").read_text()
            lists[name] = [line[4:] for line in text.splitlines() if line.startswith("  - ")]
        return lists

    def random_edit(self) -> set[str]:
        rng = self.rng
        choice = rng.randrange(9)
        paper = rng.choice(self.papers)
        path = f"content/papers/{paper}.md"
        text = (self.root / path).read_text()
        if choice == 0:  # abstract only
            return {self.write(path, text.replace("words", f"words {rng.random():.3f}"))}
        if choice == 1:  # title (changes order among equal dates, and every list showing it)
            return {self.write(path, text.replace("title: Paper", f"title: Renamed {rng.randint(0, 99)} Paper"))}
        if choice == 2:  # the whole front matter at random: date, category, authors
            return {self.write(path, paper_text(rng, f"Paper {paper}"))}
        if choice == 3:  # a new paper, listed by someone
            added = self.add_paper()
            name = rng.choice(NAMES)
            return {added, self.write_author(name, self.author_lists()[name] + [self.papers[-1]])}
        if choice == 4 and len(self.papers) > 3:  # delete a paper and the references to it
            self.papers.remove(paper)
            (self.root / path).unlink()
            return {path} | {self.write_author(n, [p for p in ps if p != paper])
                             for n, ps in self.author_lists().items() if paper in ps}
        if choice == 5:  # an author reorders their list
            name = rng.choice(NAMES)
            papers = self.author_lists()[name]
            rng.shuffle(papers)
            return {self.write_author(name, papers)}
        if choice == 6:  # an alias that makes a name on papers link to another author
            name = rng.choice(NAMES)
            return {self.write_author(name, self.author_lists()[name], aliases=("Outside Person",))
                    if not any("Outside Person" in (self.root / f"content/authors/{slug(n)}.yaml").read_text()
                               for n in NAMES) else self.write_author(name, self.author_lists()[name])}
        if choice == 7:  # the site's settings
            return {self.write("content/site.yaml", f"title: Lab {rng.randint(0, 9)}\n"
                               "base_url: https://lab.example.org/x/\nowners: [ada-lovelace]\n")}
        # a broken edit: the build must fail and change nothing; the next edit repairs it
        return {self.write(path, text.replace("category:", "category: [unclosed"))}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] != ".portfolio"}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_edit_sequences_build_the_same_bytes_as_clean_builds(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    scratch = Scratch(tmp_path / "project", rng)
    watched = Builder(Project(scratch.root), tmp_path / "watched")  # told which files changed, like the server
    polled = Builder(Project(scratch.root), tmp_path / "polled")  # finds changes itself, as `portfolio build` does
    watched.build()
    polled.build()
    build(scratch.root, tmp_path / "cli")  # a new process each time, as `portfolio build` is (see shown.py)
    broken: set[str] = set()
    for step in range(14):
        changed = scratch.random_edit() | broken
        before = tree(tmp_path / "watched")
        try:
            watched.build(changed)
        except BuildFailed:
            broken = changed
            assert tree(tmp_path / "watched") == before, f"step {step}: a failed build changed the site"
            with pytest.raises(BuildFailed):
                polled.build()
            with pytest.raises(BuildFailed):
                build(scratch.root, tmp_path / "cli")
            (scratch.root / min(changed)).write_text(  # repair the broken file
                (scratch.root / min(changed)).read_text().replace("category: [unclosed", "category:"))
            continue
        broken = set()
        polled.build()
        build(scratch.root, tmp_path / "cli")
        clean = Builder(Project(scratch.root), tmp_path / f"clean-{step}")
        clean.build()
        expected = tree(tmp_path / f"clean-{step}")
        assert tree(tmp_path / "watched") == expected, f"step {step}: incremental (watched) differs from clean"
        assert tree(tmp_path / "polled") == expected, f"step {step}: incremental (polled) differs from clean"
        assert tree(tmp_path / "cli") == expected, f"step {step}: one-off build after an edit differs from clean"


def test_unchanged_pages_keep_their_files_and_mtimes(tmp_path: Path) -> None:
    scratch = Scratch(tmp_path / "project", random.Random(5))
    builder = Builder(Project(scratch.root), tmp_path / "out")
    builder.build()
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*")
              if p.is_file() and ".portfolio" not in p.parts}
    paper = scratch.papers[0]
    path = f"content/papers/{paper}.md"
    scratch.write(path, (scratch.root / path).read_text().replace("words", "other words"))
    result = builder.build({path})
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*") if p.is_file() and ".portfolio" not in p.parts}
    changed = {p.relative_to(tmp_path / "out").as_posix() for p, stamp in after.items() if stamps.get(p) != stamp}
    assert f"papers/{paper}/index.html" in changed and f"papers/{paper}/cite.bib" in changed
    assert changed == set(result.changed)
    pages = {path for path in changed if path.endswith(".html")}
    assert len(pages) <= 1 + len(NAMES)  # its page and the pages of the authors listing it, at most


def test_a_template_edit_re_renders_only_the_pages_that_use_it(tmp_path: Path) -> None:
    scratch = Scratch(tmp_path / "project", random.Random(7))
    theme = scratch.root / "templates"
    theme.mkdir()
    default = Path(__file__).resolve().parent.parent / "templates" / "category.html"
    (theme / "category.html").write_text(default.read_text())
    builder = Builder(Project(scratch.root), tmp_path / "out")
    first = builder.build()
    (theme / "category.html").write_text(default.read_text().replace("newest first.", "newest first!"))
    builder.reload_theme()
    result = builder.build(set())
    category_pages = {p for p in first.changed if p.startswith("categories/") and p != "categories/index.html"}
    assert set(result.changed) == category_pages and result.rendered == len(category_pages)


def edit_until_built(builder: Builder, scratch: Scratch, step: int) -> None:
    """An edit built as the preview server builds it: every other one an abstract alone (the common case,
    which carries every other file over), the others at random; a broken one is repaired and built again."""
    if step % 2:
        changed = scratch.random_edit()
    else:
        path = f"content/papers/{scratch.rng.choice(scratch.papers)}.md"
        text = (scratch.root / path).read_text()
        changed = {scratch.write(path, text.replace("words", f"words {scratch.rng.random():.3f}"))}
    try:
        builder.build(changed)
    except BuildFailed:
        broken = scratch.root / min(changed)
        broken.write_text(broken.read_text().replace("category: [unclosed", "category:"))
        builder.build(changed)


@pytest.mark.parametrize("seed", [1, 2])
def test_records_appended_after_each_edit_read_back_as_the_records_kept_in_memory(tmp_path: Path,
                                                                                  seed: int) -> None:
    """An edit appends only its own records to the state log; a later `portfolio build` reads them all."""
    scratch = Scratch(tmp_path / "project", random.Random(seed))
    watched = Builder(Project(scratch.root), tmp_path / "site")
    watched.build()
    appended = 0
    for step in range(12):
        edit_until_built(watched, scratch, step)
        assert watched.tree is not None
        on_disk = OutputTree(tmp_path / "site")
        assert on_disk.live == watched.tree.live and on_disk.staged == watched.tree.staged
        appended += (tmp_path / "site" / STATE_LOG).exists()
    assert appended >= 3  # (a small site's log soon outgrows a quarter of its snapshot, and is folded in)
    later = Builder(Project(scratch.root), tmp_path / "site").build()
    assert later.written == 0 and later.removed == 0
    Builder(Project(scratch.root), tmp_path / "clean").build()
    assert tree(tmp_path / "site") == tree(tmp_path / "clean")


@pytest.mark.parametrize("tail", [b"\x40\x00\x00\x00\x00\x00\x00\x00partial",  # a kill while appending
                                  b"\x00" * 64])  # a power loss: the appended blocks read back as zeros
def test_a_torn_change_at_the_end_of_the_state_log_is_ignored_and_replaced_by_a_snapshot(tmp_path: Path,
                                                                                          tail: bytes) -> None:
    scratch = Scratch(tmp_path / "project", random.Random(3))
    watched = Builder(Project(scratch.root), tmp_path / "site")
    watched.build()
    for step in range(3):
        edit_until_built(watched, scratch, 2 * step)
    log = tmp_path / "site" / STATE_LOG
    assert log.exists()
    with log.open("ab") as handle:
        handle.write(tail)
    assert watched.tree is not None and OutputTree(tmp_path / "site").live == watched.tree.live
    later = Builder(Project(scratch.root), tmp_path / "site")
    later.build()
    for step in range(2):  # the torn folder turns staging, then gets the next generation: as a whole snapshot
        edit_until_built(later, scratch, 2 * step)
    logs = [folder / STATE_LOG for folder in (tmp_path / "site", tmp_path / ".site.previous")]
    assert not any(log.exists() and log.read_bytes().endswith(tail) for log in logs)
    Builder(Project(scratch.root), tmp_path / "clean").build()
    assert tree(tmp_path / "site") == tree(tmp_path / "clean")


def test_a_dropped_build_leaves_the_kept_one_comparing_as_before(example_project: Path) -> None:
    """A failed build is thrown away and the next one is compared with the last good one: the failed build's
    work must not have changed what that one compares against (edits share the per-page inputs)."""
    root = example_project
    theme = LoadedTheme.for_project(root)
    project = Project(root)
    project.refresh()
    good = SitePages(theme, project.site(), root)
    paper = min((root / "content/papers").glob("*.md"))
    paper.write_text(paper.read_text("utf-8").rstrip("\n") + " Qzxjvk.\n", "utf-8")  # a new search prefix
    project.refresh([paper.relative_to(root).as_posix()])
    edited = project.site()
    dropped = SitePages(theme, edited, root, good)
    manifest = next(spec for spec in dropped.specs if spec.kind == "search_manifest")
    assert dropped.dirty is not None and manifest in dropped.dirty
    for spec in dropped.dirty:  # as the build does before something else fails it
        dropped.fingerprint(spec)
    # The next build (here with an author edited too) lists the new prefix: its manifest must be made again.
    again = SitePages(theme, dataclasses.replace(edited, authors=dict(edited.authors)), root, good)
    assert not again.unchanged_since_previous(manifest)


def test_a_one_off_build_after_an_abstract_edit_checks_only_the_pages_that_show_the_paper(
        example_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`portfolio build` after an edit to papers' text alone fingerprints their pages and the search files, not
    the site (the pages showing each paper are kept with the output); after any other edit, every page."""
    root, output = example_project, tmp_path / "site"
    everything = pages_checked_by_build(monkeypatch, root, output)
    paper = root / "content/papers/drop-upcycling-training-sparse-mixture-of-experts.md"
    other = "papers/taid-temporally-adaptive-interpolated-distillation/index.html"
    text = paper.read_text("utf-8")
    append_a_sentence_it_has(paper)
    checked = pages_checked_by_build(monkeypatch, root, output)
    assert "papers/drop-upcycling-training-sparse-mixture-of-experts/index.html" in checked
    pages = {dest for dest in checked if not dest.startswith("search/")}
    assert other not in pages and len(pages) < 20, sorted(pages)
    # Of the search files, the manifest and the chunk listing the paper: no word came or went.
    listing = {"search/index.json", "search/docs-0.json"}
    assert checked - pages == listing
    build(root, tmp_path / "clean", clean=True)
    assert tree(output) == tree(tmp_path / "clean")

    # Words the site never had make search files of their own (patched into the live index: the shards of "qz",
    # "wk" and "yx", no other); taken out again, those files go.
    new_shards = {f"search/terms/{prefix.encode().hex()}.json" for prefix in ("qz", "wk", "yx")}
    for text_now, search_files in ((paper.read_text("utf-8").rstrip("\n") + " Qzxjvk wkpq yxxv.\n",
                                    listing | new_shards), (text, listing)):
        paper.write_text(text_now, "utf-8")
        checked = pages_checked_by_build(monkeypatch, root, output)
        assert len({dest for dest in checked if not dest.startswith("search/")}) < 20
        assert {dest for dest in checked if dest.startswith("search/")} == search_files
        build(root, tmp_path / "clean", clean=True)
        assert tree(output) == tree(tmp_path / "clean")
        assert (new_shards <= tree(output).keys()) == (search_files != listing)

    # A word other papers have changes that word's shard alone.
    paper.write_text(text.rstrip("\n") + " Distillation.\n", "utf-8")
    checked = pages_checked_by_build(monkeypatch, root, output)
    assert {dest for dest in checked if dest.startswith("search/")} == listing | {"search/terms/6469.json"}
    build(root, tmp_path / "clean", clean=True)
    assert tree(output) == tree(tmp_path / "clean")
    paper.write_text(text, "utf-8")
    pages_checked_by_build(monkeypatch, root, output)

    # A name on the paper's author line written another way links the same, but the search lists it as written:
    # every page is checked, against the whole index.
    paper.write_text(text.replace("- Taishi Nakamura", "- TAISHI NAKAMURA", 1), "utf-8")
    assert pages_checked_by_build(monkeypatch, root, output) == everything
    build(root, tmp_path / "clean", clean=True)
    assert tree(output) == tree(tmp_path / "clean")
    paper.write_text(text, "utf-8")
    assert pages_checked_by_build(monkeypatch, root, output) == everything

    # A preview's build leaves no record of which page shows what, not even one that an older generation left in
    # the folder it builds in: the next one-off build checks every page.
    paper.write_text(text.replace("title: '", "title: 'Previewed ", 1), "utf-8")
    Builder(Project(root), output).build()
    paper.write_text(text, "utf-8")  # as the first build read it
    assert pages_checked_by_build(monkeypatch, root, output) == everything
    build(root, tmp_path / "original", clean=True)
    assert tree(output) == tree(tmp_path / "original")

    # A title moves the paper in lists and changes every link to it: every page is checked.
    paper.write_text(text.replace("title: '", "title: 'Renamed ", 1), "utf-8")
    pages_checked_by_build(monkeypatch, root, output)  # records which pages show what, after the preview's build
    paper.write_text(text.replace("title: '", "title: 'Renamed Again ", 1), "utf-8")
    assert pages_checked_by_build(monkeypatch, root, output) == everything
    build(root, tmp_path / "clean", clean=True)
    assert tree(output) == tree(tmp_path / "clean")


@pytest.mark.parametrize("damage", ["cut short", "another format", "positions torn"])
def test_a_damaged_record_of_what_pages_show_makes_the_next_build_check_every_page(
        example_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    root, output = example_project, tmp_path / "site"
    everything = pages_checked_by_build(monkeypatch, root, output)
    shown = output / SHOWN_FILE
    data = shown.read_bytes()
    if damage == "cut short":
        shown.write_bytes(data[:len(data) // 2])
    elif damage == "another format":
        shown.write_bytes(data.replace(b"shown 2\n", b"shown 0\n", 1))
    else:  # a page position that is not whole: three bytes of four
        stored = decode(data)
        assert stored is not None
        slug = next(iter(stored.shown))
        torn = {**stored.shown, slug: stored.shown[slug][:-1]}
        shown.write_bytes(b"".join(encode(stored.made_from, stored.digests.items(), len(stored.digests), [table(torn)],
                                          stored.search_files)))
    append_a_sentence_it_has(root / "content/papers/drop-upcycling-training-sparse-mixture-of-experts.md")
    assert pages_checked_by_build(monkeypatch, root, output) == everything
    build(root, tmp_path / "clean", clean=True)
    assert tree(output) == tree(tmp_path / "clean")


@pytest.mark.parametrize("search_file", ["search/terms/6469.json", "search/index.json", "search/docs-0.json"])
def test_a_live_search_file_someone_changed_is_not_patched(
        example_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, search_file: str) -> None:
    """The index of an abstract edit is patched from the live search files only while they hold the bytes the
    generator wrote: else the next build checks every page against the whole index."""
    root, output = example_project, tmp_path / "site"
    everything = pages_checked_by_build(monkeypatch, root, output)
    live = output / search_file
    live.write_bytes(live.read_bytes().replace(b"[", b"[ ", 1))
    paper = root / "content/papers/drop-upcycling-training-sparse-mixture-of-experts.md"
    paper.write_text(paper.read_text("utf-8").rstrip("\n") + " Distillation.\n", "utf-8")
    assert pages_checked_by_build(monkeypatch, root, output) == everything
