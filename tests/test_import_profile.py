"""`portfolio import profile` reads the seed text format faithfully and merges instead of duplicating."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AKIBA_SEED, ISHIKAWA_SEED, REPO, run_portfolio, write_files

from generator.readers.profile import parse_profile

SITE = "title: Lab\n"


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def import_into(project: Path, *files: Path, extra: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return run_portfolio("import", "profile", "--source", str(project), *map(str, files), *extra)


def test_seed_profiles_parse_to_their_facts() -> None:
    akiba = parse_profile(AKIBA_SEED.read_text("utf-8"), "a.txt")
    assert (akiba.name, akiba.category, akiba.h_index, akiba.paper_count, akiba.citations, akiba.novelty,
            akiba.ai_score) == ("Takuya Akiba", "cs.CV", 23, 16, 1355, 43, 42)
    first = akiba.papers[0]
    assert (first.score, first.category, first.date.iso(), first.has_code, first.et_al) == (31.3, "cs.AI", "2025-03-06", True, True)
    assert first.authors == ("Yuichi Inoue", "Kou Misaki", "Yuki Imajuku")
    assert first.title.startswith("Wider or Deeper?")
    last = akiba.papers[-1]
    assert (last.title, last.authors, last.et_al) == ("ChainerMN: Scalable Distributed Deep Learning Framework",
                                                      ("Takuya Akiba", "Keisuke Fukuda", "Shuji Suzuki"), False)
    ishikawa = parse_profile(ISHIKAWA_SEED.read_text("utf-8"), "i.txt")
    assert len(ishikawa.papers) == 6 and all(p.score is None for p in ishikawa.papers)
    assert "$μ$P" in ishikawa.papers[3].abstract


HAND_ADDED = ("photo:", "teaser:")  # fields of the example site that no profile has: pictures


def without_pictures(text: bytes) -> bytes:
    """A content file minus its photo/teaser block (the field line and the indented lines under it)."""
    kept: list[bytes] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if line.decode().startswith(HAND_ADDED):
            skipping = True
        elif not line.startswith(b"  "):
            skipping = False
        if not skipping:
            kept.append(line)
    return b"".join(kept)


def test_importing_the_seeds_reproduces_the_shipped_example_content(tmp_path: Path) -> None:
    write_files(tmp_path, {"content/site.yaml": SITE})
    result = import_into(tmp_path, AKIBA_SEED, ISHIKAWA_SEED)
    assert result.returncode == 0, result.stderr
    assert "24 files changed" in result.stdout
    imported = files_under(tmp_path / "content")
    shipped = {name: without_pictures(text) for name, text in files_under(REPO / "content").items()
               if name.startswith(("authors/", "papers/", ".imports.json"))}
    del imported["site.yaml"]
    assert imported == shipped


def test_crlf_and_bom_copies_import_identically(tmp_path: Path) -> None:
    plain, converted = tmp_path / "plain", tmp_path / "converted"
    for project in (plain, converted):
        write_files(project, {"content/site.yaml": SITE})
    import_into(plain, AKIBA_SEED, ISHIKAWA_SEED)
    copies = []
    for seed, prefix in ((AKIBA_SEED, b"\xef\xbb\xbf"), (ISHIKAWA_SEED, b"")):
        copy = tmp_path / "crlf" / seed.name
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(prefix + seed.read_bytes().replace(b"\n", b"\r\n"))
        copies.append(copy)
    assert import_into(converted, *copies).returncode == 0
    assert files_under(plain / "content") == files_under(converted / "content")


def test_importing_twice_changes_nothing(tmp_path: Path) -> None:
    write_files(tmp_path, {"content/site.yaml": SITE})
    import_into(tmp_path, AKIBA_SEED)
    before = files_under(tmp_path / "content")
    again = import_into(tmp_path, AKIBA_SEED)
    assert again.returncode == 0 and "nothing to change" in again.stdout
    assert files_under(tmp_path / "content") == before


def test_existing_paper_is_merged_and_the_importing_author_added(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "content/site.yaml": SITE,
        "content/papers/chainermn.md": "---\ntitle: 'ChainerMN: scalable distributed deep learning framework'\n"
                                       "authors: [Takuya Akiba, Keisuke Fukuda, Shuji Suzuki]\ndate: 2017-10-31\n"
                                       "category: cs.DC\nvenue: LearningSys Workshop\n---\nMy own abstract.\n",
    })
    assert import_into(tmp_path, AKIBA_SEED).returncode == 0
    papers = sorted(p.name for p in (tmp_path / "content/papers").iterdir())
    assert len(papers) == 16 and "chainermn.md" in papers
    merged = (tmp_path / "content/papers/chainermn.md").read_text()
    assert "venue: LearningSys Workshop" in merged and "My own abstract." in merged
    assert "code: true" in merged  # the profile's Code flag fills a missing field
    author = (tmp_path / "content/authors/takuya-akiba.yaml").read_text()
    assert "- chainermn\n" in author
    assert run_portfolio("build", "--source", str(tmp_path)).returncode == 0


def test_dry_run_lists_changes_and_writes_nothing(tmp_path: Path) -> None:
    write_files(tmp_path, {"content/site.yaml": SITE})
    result = import_into(tmp_path, ISHIKAWA_SEED, extra=("--dry-run",))
    assert result.returncode == 0
    assert "would add content/authors/satoki-ishikawa.yaml" in result.stdout and "7 files would change" in result.stdout
    assert not (tmp_path / "content/papers").exists()


@pytest.mark.parametrize("broken, line, message", [
    ("Jane Doe\n\nLG\nh-index3\n\n1 Papers\n\nLGFeb 30, 2024\nA Title\n\nJane Doe\n\nAbstract.\n", 8, "not a real date"),
    ("Jane Doe\n\nLG\nhindex 3\n", 4, "unexpected line 'hindex 3'"),
    ("Jane Doe\n\nLG\n\n1 Papers\n\nXXMar 1, 2024\nA Title\n\nJane Doe\n", 7, "unknown arXiv category 'XX'"),
    ("Jane Doe\n\nLG\n\n1 Papers\n\nLGMar 1, 2024\nA Title\n", 9, "has no author line"),
])
def test_malformed_profile_reports_file_and_line(tmp_path: Path, broken: str, line: int, message: str) -> None:
    write_files(tmp_path, {"content/site.yaml": SITE, "profile.txt": broken})
    result = import_into(tmp_path, tmp_path / "profile.txt")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"profile.txt:{line}: " in result.stderr and message in result.stderr
    assert not (tmp_path / "content/authors").exists()
