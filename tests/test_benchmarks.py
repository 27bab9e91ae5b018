"""benchmarks/run.py on a 30-paper site: every scenario and peer reports, and the counts make sense.

No timing is asserted (CI machines vary); this keeps the benchmark runnable as the generator changes, and checks
what it claims: a no-change build does nothing, each edit re-renders something, each peer builds the pages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO))

from benchmarks import peers
from benchmarks.corpus import write_corpus

PAPERS = 30
AUTHORS = PAPERS // 2
KEYS = {"tool", "scenario", "papers", "pages", "wall_s", "peak_rss_mb"}
SCENARIOS = {"cold", "warm", "edit-paper", "edit-author", "edit-template", "serve-edit", "served-build"}
PEERS = [tool for tool in peers.PEERS if peers.available(tool)]  # the floor always; others when installed


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench")


@pytest.fixture(scope="module")
def records(root: Path) -> list[dict[str, Any]]:
    """One small run (about 15 s): its JSON lines, as --json wrote them."""
    results = root / "results.jsonl"
    completed = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--papers", str(PAPERS),
                                "--root", str(root), "--peers", ",".join(PEERS), "--serve-edits", "2",
                                "--timeout", "120", "--json", str(results)],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = [json.loads(line) for line in results.read_text("utf-8").splitlines()]
    printed = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    assert printed == lines, "stdout and --json carry the same lines"
    assert not (root / f"runs-{PAPERS}").exists(), "built sites are removed unless --keep"
    assert not (root / f"corpus-{PAPERS}" / "templates").exists(), "the theme copy is removed"
    return lines


def by_scenario(records: list[dict[str, Any]], tool: str) -> dict[str, dict[str, Any]]:
    return {str(r["scenario"]): r for r in records if r["tool"] == tool}


def test_every_measurement_has_the_required_keys(records: list[dict[str, Any]]) -> None:
    for record in records:
        assert KEYS <= record.keys(), record
        assert record["papers"] == PAPERS
        assert record["status"] == "ok", record
        assert isinstance(record["wall_s"], float) and record["wall_s"] > 0, record
        assert isinstance(record["pages"], int) and record["pages"] > 0, record


def test_our_scenarios_render_what_they_should(records: list[dict[str, Any]]) -> None:
    ours = by_scenario(records, "research-portfolio")
    assert set(ours) == SCENARIOS
    assert ours["cold"]["rendered"] == ours["cold"]["written"] and ours["cold"]["rendered"] > 0
    assert (ours["warm"]["rendered"], ours["warm"]["written"]) == (0, 0)
    for scenario in ("edit-paper", "edit-author", "edit-template"):
        assert ours[scenario]["rendered"] > 0, ours[scenario]
    assert ours["serve-edit"]["edits"] == ours["served-build"]["edits"] == 2  # served-build fails unless served
    assert not ours["edit-paper"]["by_server"]
    assert all(record["peak_rss_mb"] for record in ours.values())


def test_each_peer_builds_every_paper_and_author_page(records: list[dict[str, Any]]) -> None:
    ours = by_scenario(records, "research-portfolio")["cold"]
    for tool in PEERS:
        cold = by_scenario(records, tool)
        assert set(cold) == {"cold"}, f"{tool}: {cold}"
        assert cold["cold"]["pages"] >= PAPERS + AUTHORS, cold
        assert cold["cold"]["ratio_ours"] is not None
    assert by_scenario(records, "floor")["cold"]["pages"] == ours["pages"], "the floor writes our site's files"


def test_the_corpus_is_left_as_it_was_written(root: Path, records: list[dict[str, Any]], tmp_path: Path) -> None:
    """Every edit is undone, so later scenarios and later runs measure the same corpus."""
    write_corpus(tmp_path, PAPERS, 1)
    corpus = root / f"corpus-{PAPERS}"
    files = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    left = {p.relative_to(corpus) for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(".bench")}
    assert left == files
    assert all((corpus / rel).read_bytes() == (tmp_path / rel).read_bytes() for rel in files)


def test_where_time_goes_accounts_for_every_page(example_project: Path) -> None:
    completed = subprocess.run([sys.executable, str(REPO / "benchmarks" / "where_time_goes.py"), str(example_project)],
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    profile = json.loads(completed.stdout.splitlines()[-1])
    kinds = profile["kinds"]
    assert (profile["papers"], profile["authors"]) == (22, 2)
    assert (kinds["paper"]["pages"], kinds["author"]["pages"]) == (22, 2)
    built = subprocess.run([sys.executable, "-m", "generator", "build", "--source", str(example_project),
                            "--output", str(example_project / "site")], capture_output=True, text=True, check=True)
    assert f"Built {sum(kind['pages'] for kind in kinds.values())} pages" in built.stdout
    assert all(profile[phase] > 0 for phase in ("read_s", "plan_s", "render_s"))
