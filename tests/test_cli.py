"""The command line: help, init, new, version, output on and off a terminal, and the installed script."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_portfolio

from generator import __version__


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["init"], ["import"], ["import", "profile"],
                                     ["new", "paper"]])
def test_help_is_complete_and_exits_zero(command: list[str]) -> None:
    result = run_portfolio(*command, "--help")
    assert result.returncode == 0
    assert "usage: portfolio" in result.stdout
    if command and command[0] in ("build", "check") or command == ["import", "profile"]:
        assert "--source DIR" in result.stdout
    if command == ["build"]:
        assert "--output DIR" in result.stdout and "--base-url URL" in result.stdout


COMMANDS = ("build", "serve", "check", "publish", "init", "import", "new")


@pytest.mark.parametrize("argv", [["--help"], ["-q", "--help"], ["-h", "build"], ["--verbose", "-h"]])
def test_main_help_lists_every_command(argv: list[str]) -> None:
    """The parser is made for the one command named (a quicker start): help before any command shows them all."""
    result = run_portfolio(*argv)
    assert result.returncode == 0
    assert all(f"    {command} " in result.stdout for command in COMMANDS), result.stdout


def test_a_misspelt_command_is_a_usage_error_that_lists_the_commands() -> None:
    result = run_portfolio("biuld")
    assert result.returncode == 2
    assert "invalid choice: 'biuld'" in result.stderr and all(f"'{command}'" in result.stderr for command in COMMANDS)


def test_verbosity_before_the_command_applies_to_it(example_project: Path) -> None:
    result = run_portfolio("-v", "build", "--source", str(example_project))
    assert result.returncode == 0, result.stderr
    assert "  wrote index.html" in result.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = run_portfolio("build", "--no-such-option")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_version_and_exit_statuses_are_documented() -> None:
    result = run_portfolio("--version")
    assert result.returncode == 0 and result.stdout == f"portfolio {__version__}\n"
    usage = run_portfolio("--help").stdout
    assert "0 success" in usage and "1 content errors" in usage and "2 wrong usage" in usage


def test_init_makes_a_project_that_builds(tmp_path: Path) -> None:
    target = tmp_path / "newsite"
    result = run_portfolio("init", str(target))
    assert result.returncode == 0, result.stderr
    build = run_portfolio("build", "--source", str(target))
    assert build.returncode == 0, build.stderr
    html = (target / "site/papers/my-first-paper/index.html").read_text()
    assert "<math" in html and "<em>LaTeX text macros</em>" in html


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    result = run_portfolio("init", str(tmp_path))
    assert result.returncode == 2 and "not empty" in result.stderr


def test_missing_project_is_explained(tmp_path: Path) -> None:
    result = run_portfolio("build", "--source", str(tmp_path))
    assert result.returncode == 2 and "content/site.yaml is missing" in result.stderr


def test_console_script_runs_from_the_project_folder(example_project: Path) -> None:
    script = shutil.which("portfolio")
    assert script, "the package must be installed (pip install -e '.[test]')"
    result = subprocess.run([script, "build"], cwd=example_project, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (example_project / "site" / "index.html").is_file()


def test_new_author_paper_and_page_write_files_that_build(tmp_path: Path) -> None:
    project = tmp_path / "site"
    assert run_portfolio("init", str(project)).returncode == 0
    source = ("--source", str(project))
    author = run_portfolio("new", "author", "Ada Lovelace", *source)
    assert author.returncode == 0 and "Created" in author.stdout
    paper = run_portfolio("new", "paper", "Notes on the Engine", "--author", "ada-lovelace", "--author",
                          "your-name", "--date", "2026-03-01", *source)
    assert paper.returncode == 0, paper.stderr
    assert "content/authors/ada-lovelace.yaml" in paper.stdout and "content/authors/your-name.yaml" in paper.stdout
    page = run_portfolio("new", "page", "projects/robots", *source)
    assert page.returncode == 0, page.stderr
    authored = (project / "content/authors/ada-lovelace.yaml").read_text()
    assert "# affiliation:" in authored and authored.endswith("newest first\n- notes-on-the-engine\n")
    assert "- notes-on-the-engine\n- my-first-paper" in (project / "content/authors/your-name.yaml").read_text()
    build = run_portfolio("build", *source)
    assert build.returncode == 0, build.stderr
    html = (project / "site/papers/notes-on-the-engine/index.html").read_text()
    assert 'href="/authors/ada-lovelace/"' in html and "<time datetime=\"2026-03-01\"" in html
    assert (project / "site/projects/robots/index.html").is_file()
    assert "/papers/notes-on-the-engine/" in (project / "site/authors/your-name/index.html").read_text()


def test_new_never_replaces_a_file_and_names_known_authors(tmp_path: Path) -> None:
    project = tmp_path / "site"
    assert run_portfolio("init", str(project)).returncode == 0
    before = (project / "content/authors/your-name.yaml").read_bytes()
    again = run_portfolio("new", "author", "Your Name", "--source", str(project))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert (project / "content/authors/your-name.yaml").read_bytes() == before
    unknown = run_portfolio("new", "paper", "X", "--author", "nobody", "--source", str(project))
    assert unknown.returncode == 2 and "known: your-name" in unknown.stderr
    assert not (project / "content/papers/x.md").exists()
    bad_date = run_portfolio("new", "paper", "X", "--date", "March", "--source", str(project))
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr


def test_quiet_and_verbose(example_project: Path) -> None:
    quiet = run_portfolio("build", "--quiet", "--source", str(example_project))
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    (example_project / "content/news/2025-06-17-diffusionblocks.md").write_text("---\ntitle: x\n---\n")
    failing = run_portfolio("-q", "build", "--source", str(example_project))
    assert failing.returncode == 1 and "2025-06-17-diffusionblocks.md" in failing.stderr
    (example_project / "content/news/2025-06-17-diffusionblocks.md").unlink()
    verbose = run_portfolio("build", "-v", "--source", str(example_project))
    assert verbose.returncode == 0
    assert "  wrote news/index.html" in verbose.stdout and "Building pages:" in verbose.stderr
    assert "\x1b[" not in verbose.stdout + verbose.stderr  # not a terminal: no colour


def on_terminal(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run the command with a pseudo-terminal as its stdout and stderr, as in an interactive shell."""
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "generator", *args], stdin=child, stdout=child, stderr=child,
                               cwd=REPO, env={**os.environ, "TERM": "xterm", **env})
    os.close(child)
    output = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    return process.wait(timeout=120), output.decode()


def test_progress_and_colour_only_on_a_terminal(tmp_path: Path) -> None:
    # Large enough that rendering outlasts the progress line's delay (console.LIVE_DELAY) on a fast day too
    subprocess.run([sys.executable, str(REPO / "benchmarks/corpus.py"), "--papers", "1500", str(tmp_path / "big")],
                   check=True, capture_output=True)
    status, shown = on_terminal("build", "--source", str(tmp_path / "big"), env={"NO_COLOR": ""})
    assert status == 0
    assert "\x1b[32mBuilt\x1b[0m" in shown  # green on a terminal
    assert "\rBuilding pages [" in shown.replace("\x1b[2K", "") and "%)" in shown  # a live progress line...
    last_line = shown.rstrip().split("\r")[-1].replace("\x1b[2K", "")
    assert last_line.startswith("\x1b[32mBuilt")  # ...cleared at the end
    status, plain = on_terminal("build", "--source", str(tmp_path / "big"), env={"NO_COLOR": "1"})
    assert status == 0 and "Built" in plain and "\x1b[32m" not in plain
