"""kill -9 of `portfolio build` at several moments: the live site stays byte for byte as it was, no build
process outlives the kill, and the next build repairs everything and equals a clean build.

A 400-paper corpus makes about 2,400 output files, so the build forks its second render process; every
page is re-rendered because the edit changes the site title, which every page shows.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, build_ok, file_tree, without_state

sys.path.insert(0, str(REPO))

from benchmarks.corpus import write_corpus

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

PAPERS = 400
MOMENT_TIMEOUT = 60.0  # seconds to reach the moment to kill at; a build takes about 4 s


def edit_title(project: Path) -> None:
    config = project / "content/site.yaml"
    config.write_text(config.read_text().replace("title: Synthetic Lab", "title: Renamed Lab"))


@dataclass
class Prepared:
    template: Path  # a built project: site/ is generation 2, .site.previous/ generation 1 (with its state)
    before: dict[str, bytes | None]  # the template's live site, .portfolio included
    reference: dict[str, bytes | None]  # a clean build of the edited content, .portfolio left out
    journal_bytes: int  # about the journal's size at the end of the edited build: one line per file rewritten


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    root = tmp_path_factory.mktemp("interrupted")
    template = root / "template"
    write_corpus(template, PAPERS)
    build_ok(template)
    paper = min((template / "content/papers").glob("*.md"))
    paper.write_text(paper.read_text().replace("\n---\n", "\n---\nFirst edit. ", 1))
    build_ok(template)  # the staging folder now holds a whole generation, with its state
    reference_project = root / "reference"
    shutil.copytree(template / "content", reference_project / "content")
    edit_title(reference_project)
    build_ok(reference_project, "--clean")
    reference = without_state(file_tree(reference_project / "site"))
    assert len(reference) > 2000
    before = file_tree(template / "site")
    rewritten = [rel for rel, data in reference.items() if data is not None and data != before.get(rel)]
    return Prepared(template, before, reference, sum(len(rel) + 1 for rel in rewritten))


def process_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state letter, command line) of every process."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(name)] = (int(fields[1]), fields[0], cmdline)
    return table


def build_processes(pid: int, project: Path) -> set[int]:
    """The build and every live process descended from it or running a build of this project."""
    table = process_table()
    found = {pid} if pid in table else set()
    grew = True
    while grew:
        more = {p for p, (parent, _, _) in table.items() if parent in found} - found
        grew = bool(more)
        found |= more
    found |= {p for p, (_, _, cmd) in table.items() if " build " in cmd and str(project) in cmd}
    return {p for p in found if p in table and table[p][1] not in "ZX"}  # zombies write nothing


def opened_content(pid: int, content: str) -> bool:
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(f"/proc/{pid}/fd/{descriptor}").startswith(content):
                return True
        except OSError:
            continue
    return False


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def journal_size(journal: Path) -> int:
    try:
        return journal.stat().st_size
    except FileNotFoundError:
        return 0


def kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + MOMENT_TIMEOUT
    while not ready():  # polled without pausing: a file is open for only microseconds at a time
        assert process.poll() is None, "the build ended before the moment to kill it"
        assert time.monotonic() < deadline, "the moment to kill the build never came"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.mark.parametrize("moment", ["reading", "rendering", "finishing"])
def test_kill_9_leaves_the_site_intact_and_the_next_build_repairs_it(prepared: Prepared, tmp_path: Path,
                                                                      moment: str) -> None:
    project = tmp_path / "project"
    shutil.copytree(prepared.template, project, symlinks=True)
    edit_title(project)
    journal = project / ".site.previous/.portfolio/journal"
    process = subprocess.Popen([sys.executable, "-m", "generator", "build", "--source", str(project)],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen_workers: set[int] = set()

    def ready() -> bool:
        if moment == "reading":  # a content file open in the build or in the child reading half of them
            return any(opened_content(pid, str(project / "content")) for pid in (process.pid, *children(process.pid)))
        workers = build_processes(process.pid, project) - {process.pid}
        seen_workers.update(workers)
        if moment == "rendering":  # a fifth of the files staged, the second render process running
            return bool(workers) and journal_size(journal) > prepared.journal_bytes // 5
        return journal_size(journal) > prepared.journal_bytes * 9 // 10

    kill_when(process, ready)
    if moment == "reading":
        assert not journal.exists()  # killed before anything was staged
    else:
        assert journal.exists()  # killed before the swap (the journal goes just before it)
    if moment == "rendering":
        assert seen_workers, "the build did not fork a second render process"

    deadline = time.monotonic() + 1.0
    while (survivors := build_processes(process.pid, project)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not survivors, f"build processes outlived the kill: {survivors}"
    size = journal_size(journal)
    time.sleep(0.3)
    assert journal_size(journal) == size  # nothing goes on writing into the staging folder

    assert file_tree(project / "site") == prepared.before  # byte for byte, its records included

    build_ok(project)
    assert without_state(file_tree(project / "site")) == prepared.reference
    assert not journal.exists()
    print(f"kill -9 while {moment}: site intact, workers seen {len(seen_workers)}, none survived; "
          "next build equals a clean build")
