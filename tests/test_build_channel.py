"""`portfolio build` while `portfolio serve` runs: the server builds (it holds the model), every edit counts, and
builds into one folder never overlap."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, file_tree, run_portfolio, without_state
from serving import ServeProcess

from generator.buildchannel import ask_server, build_request, channel_path
from generator.output import OutputLock
from generator.watch import ChangeWatcher

PAPER = "content/papers/taid-temporally-adaptive-interpolated-distillation.md"
PAPER_PAGE = "papers/taid-temporally-adaptive-interpolated-distillation/index.html"
BY_SERVER = "by the preview server"


@pytest.fixture
def server(example_project: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(example_project, "--verbose")
    process.wait_for("ready for fast rebuilds")
    yield process
    process.stop()


def build(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "build", "--source", str(project), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          # output to a pipe buffered, as a user's is (this machine's environment turns that off)
                          env={name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"})


def test_build_right_after_each_save_is_made_by_the_server_and_shows_every_edit(server: ServeProcess,
                                                                                 tmp_path: Path) -> None:
    project = server.project
    paper = project / PAPER
    for number in range(6):  # no waiting between save and build: the server must catch up on the save first
        paper.write_text(paper.read_text().replace("Causal language models", f"Causal models {number}", 1)
                         .replace(f"Causal models {number - 1}", f"Causal models {number}", 1))
        result = build(project)
        assert result.returncode == 0, result.stderr
        assert BY_SERVER in result.stdout
        assert f"Causal models {number}".encode() in (project / "site" / PAPER_PAGE).read_bytes()
    moved = tmp_path / "moved-out.md"
    os.replace(paper, moved)  # out of content/: watchdog holds such a move back, waiting for where it went
    result = build(project)
    assert result.returncode == 1
    assert "unknown paper 'taid-temporally-adaptive-interpolated-distillation'" in result.stderr
    os.replace(moved, paper)
    result = build(project)
    assert result.returncode == 0 and BY_SERVER in result.stdout, result.stderr

    clean = run_portfolio("build", "--source", str(project), "--output", str(tmp_path / "clean"))
    assert clean.returncode == 0, clean.stderr
    assert without_state(file_tree(project / "site")) == without_state(file_tree(tmp_path / "clean"))


def test_a_content_error_is_reported_by_build_as_if_it_had_built(server: ServeProcess) -> None:
    paper = server.project / PAPER
    before = (server.project / "site" / PAPER_PAGE).read_bytes()
    paper.write_text(paper.read_text().replace("category: cs.LG", "category: [cs.LG"))
    server.wait_for("build failed")  # the server has built the edit: `build` brings it no edit of its own
    for _ in range(2):
        result = build(server.project)
        assert result.returncode == 1
        # shown relative to where `build` runs, or whole when that is far off (CI's checkout is deeper)
        assert f"{PAPER}:10: YAML syntax error" in result.stderr
        assert "nothing was written" in result.stderr
        assert (server.project / "site" / PAPER_PAGE).read_bytes() == before
    paper.write_text(paper.read_text().replace("category: [cs.LG", "category: cs.LG"))
    result = build(server.project)
    assert result.returncode == 0 and BY_SERVER in result.stdout, result.stderr


def test_a_build_with_other_settings_builds_by_itself_and_the_server_then_rebuilds_what_it_changed(
        server: ServeProcess) -> None:
    project = server.project
    result = build(project, "--base-url", "https://elsewhere.example.org/x/", "--verbose")
    assert result.returncode == 0 and BY_SERVER not in result.stdout, result.stderr
    assert "building here: the preview server runs with another --base-url" in result.stdout
    assert b"elsewhere.example.org" in (project / "site" / "index.html").read_bytes()
    paper = project / PAPER
    paper.write_text(paper.read_text().replace("Causal language models", "Causal LM"))
    server.wait_for(r"taid-temporally.*pages re-rendered")
    # the server saw that another process built here: it checked every page, not only the edited paper's
    site = without_state(file_tree(project / "site"))
    assert not [path for path, data in site.items() if data and b"elsewhere.example.org" in data]


def test_a_server_of_other_code_declines(server: ServeProcess) -> None:
    request = {**build_request(server.project, None, None), "code": "another version"}
    assert ask_server(request, channel_path(server.project)) == {
        "declined": "the preview server runs with another generator"}
    assert "declined" not in ask_server(build_request(server.project, None, None), channel_path(server.project))


def test_a_killed_server_leaves_a_socket_that_build_ignores(example_project: Path) -> None:
    process = ServeProcess(example_project)
    os.kill(process.process.pid, signal.SIGKILL)
    process.process.wait()
    assert channel_path(example_project).exists()
    paper = example_project / PAPER
    paper.write_text(paper.read_text().replace("Causal language models", "After the kill"))
    result = build(example_project)
    assert result.returncode == 0 and BY_SERVER not in result.stdout, result.stderr
    assert b"After the kill" in (example_project / "site" / PAPER_PAGE).read_bytes()


def test_a_build_waits_for_another_build_of_the_same_folder(example_project: Path) -> None:
    assert build(example_project).returncode == 0
    paper = example_project / PAPER
    paper.write_text(paper.read_text().replace("Causal language models", "Waited models"))
    lock = OutputLock(example_project / "site")
    assert not lock.acquire(lambda: None)
    try:
        waiting = subprocess.Popen([sys.executable, "-m", "generator", "build", "--source", str(example_project)],
                                   cwd=REPO, stdout=subprocess.PIPE, text=True)
        time.sleep(3)
        assert waiting.poll() is None  # still waiting for the lock
        assert b"Waited models" not in (example_project / "site" / PAPER_PAGE).read_bytes()
    finally:
        lock.release()
    assert waiting.wait(timeout=60) == 0
    assert b"Waited models" in (example_project / "site" / PAPER_PAGE).read_bytes()


def test_run_now_sees_every_edit_made_before_it(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    batches: list[set[str]] = []
    watcher = ChangeWatcher(tmp_path, [content], batches.append, quiet=5, longest=5)  # the timer never fires
    watcher.start()
    try:
        for number in range(20):
            (content / f"{number}.md").write_text("x")
            assert watcher.run_now(lambda batch: batch) == {f"content/{number}.md"}
        assert batches == []
        assert not [path for path in content.iterdir() if path.name.startswith(".")]  # its own files are gone
    finally:
        watcher.stop()


def test_run_now_waits_for_a_batch_being_built(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    building, built = threading.Event(), threading.Event()

    def slow_build(batch: set[str]) -> None:
        building.set()
        time.sleep(1)
        built.set()

    watcher = ChangeWatcher(tmp_path, [content], slow_build)
    watcher.start()
    try:
        (content / "a.md").write_text("x")
        assert building.wait(10)
        assert watcher.run_now(lambda batch: built.is_set()) is True
    finally:
        watcher.stop()


def test_a_stopped_server_or_a_bad_client_never_holds_up_build(server: ServeProcess) -> None:
    path = channel_path(server.project)
    with socket.socket(socket.AF_UNIX) as silent, socket.socket(socket.AF_UNIX) as garbage:
        silent.connect(str(path))  # sends nothing
        garbage.connect(str(path))
        garbage.sendall(b"[" * 60_000 + b"\n")  # too deep for json
        result = build(server.project)
        assert result.returncode == 0 and BY_SERVER in result.stdout, result.stderr
    os.kill(server.process.pid, signal.SIGSTOP)  # Ctrl-Z: the socket still accepts connections
    try:
        started = time.monotonic()
        result = build(server.project, "--verbose")
        assert result.returncode == 0 and BY_SERVER not in result.stdout, result.stderr
        assert time.monotonic() - started < 30
    finally:
        os.kill(server.process.pid, signal.SIGCONT)


@pytest.mark.parametrize("blind", ["linked paper", "templates made later"])
def test_build_builds_by_itself_where_the_watcher_may_miss_edits(example_project: Path, tmp_path: Path,
                                                                   blind: str) -> None:
    paper = example_project / PAPER
    if blind == "linked paper":  # edits to the file a link points to make no event in content/
        target = tmp_path / "elsewhere.md"
        os.replace(paper, target)
        paper.symlink_to(target)
    process = ServeProcess(example_project, "--verbose")
    try:
        process.wait_for("ready for fast rebuilds")
        if blind == "linked paper":
            target.write_text(target.read_text().replace("Causal language models", "Linked edit"))
            expected = (PAPER_PAGE, b"Linked edit")
        else:
            (example_project / "templates").mkdir()
            (example_project / "templates" / "paper.html").write_text(
                '{% extends "base.html" %}{% block content %}<p>Own theme</p>{% endblock %}')
            expected = (PAPER_PAGE, b"Own theme")
        result = build(example_project, "--verbose")
        assert result.returncode == 0 and BY_SERVER not in result.stdout, result.stderr
        assert "the preview server may miss edits" in result.stdout
        assert expected[1] in (example_project / "site" / expected[0]).read_bytes()
    finally:
        process.stop()


def test_an_acknowledgement_and_a_reply_read_together_are_both_understood(tmp_path: Path) -> None:
    path = tmp_path / "channel.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        listener.listen()

        def answer_in_one_write() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(1 << 16)
                connection.sendall(b'{"accepted": true}\n{"declined": "a reason"}\n')

        thread = threading.Thread(target=answer_in_one_write)
        thread.start()
        assert ask_server({"ping": False}, path) == {"declined": "a reason"}
        thread.join()


def test_main_called_from_python_returns_after_the_server_builds(server: ServeProcess) -> None:
    """Only the `portfolio` command ends its process at once after the server's answer (see cli.run); a Python
    caller of `main` gets the status back (in a process of its own here, which the old way would have ended)."""
    code = (f"from generator.cli import main; status = main(['build', '--source', {str(server.project)!r}]); "
            "print('main returned', status)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert BY_SERVER in result.stdout and "main returned 0" in result.stdout, (result.stdout, result.stderr)
