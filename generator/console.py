"""What the CLI prints: results on stdout, problems on stderr, colour and a live progress line only on a terminal.

Colour follows https://no-color.org: any non-empty NO_COLOR turns it off, as does TERM=dumb. Progress goes to
stderr so piped stdout stays clean; off a terminal it becomes a plain line per finished step of long work.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import TextIO

_STYLES = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "dim": "2"}
LIVE_DELAY = 0.3  # seconds of work before a live progress line appears (short builds never flicker)
LIVE_INTERVAL = 0.1  # seconds between redraws
PLAIN_MINIMUM = 2.0  # off a terminal, steps shorter than this are not worth a line (unless --verbose)


def wants_colour(stream: TextIO, env: Mapping[str, str]) -> bool:
    return stream.isatty() and not env.get("NO_COLOR") and env.get("TERM") != "dumb"


class Console:
    def __init__(self, *, quiet: bool = False, verbose: bool = False, out: TextIO | None = None,
                 err: TextIO | None = None, env: Mapping[str, str] | None = None) -> None:
        self.out, self.err = out or sys.stdout, err or sys.stderr
        env = os.environ if env is None else env
        self.quiet, self.verbose = quiet, verbose and not quiet
        self.out_colour, self.err_colour = wants_colour(self.out, env), wants_colour(self.err, env)
        self.live = self.err.isatty() and env.get("TERM") != "dumb"
        self._step: tuple[str, float] | None = None  # (label, started) of the step in progress
        self._drawn_at = 0.0
        self._line_shown = False

    def _paint(self, text: str, style: str, colour: bool) -> str:
        return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if colour else text

    def result(self, text: str, *, highlight: str = "") -> None:
        """The outcome of a command (suppressed by --quiet); `highlight` is a leading word shown in green."""
        if self.quiet:
            return
        self._clear()
        lead = self._paint(highlight, "green", self.out_colour) + " " if highlight else ""
        print(lead + text, file=self.out, flush=True)

    def detail(self, text: str) -> None:
        """Only with --verbose."""
        if self.verbose:
            self._clear()
            print(self._paint(text, "dim", self.out_colour), file=self.out, flush=True)

    def problem(self, location: str, message: str) -> None:
        """One `path:line: message` line; always shown."""
        self._clear()
        where = self._paint(f"{location}:", "bold", self.err_colour) if location else ""
        print(f"{where} {message}" if where else message, file=self.err, flush=True)

    def failure(self, text: str) -> None:
        """The closing line of a run that failed; always shown."""
        self._clear()
        print(self._paint(text, "red", self.err_colour), file=self.err, flush=True)

    def warning(self, text: str) -> None:
        self._clear()
        print(self._paint(text, "yellow", self.err_colour), file=self.err, flush=True)

    def progress(self, label: str, done: int, total: int) -> None:
        """Called as long work advances; draws a live line on a terminal (redrawn at most every 0.1 s)."""
        now = time.perf_counter()
        if self._step is None or self._step[0] != label:
            self._finish_step(now)
            self._step = (label, now)
        if done >= total:
            self._finish_step(now, total)
            return
        if self.quiet or not self.live or now - self._step[1] < LIVE_DELAY or now - self._drawn_at < LIVE_INTERVAL:
            return
        self._drawn_at = now
        width = 24
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.err.write(f"\r\x1b[2K{label} [{bar}] {done:,}/{total:,} ({100 * done // max(total, 1)}%)")
        self.err.flush()
        self._line_shown = True

    def _finish_step(self, now: float, total: int | None = None) -> None:
        if self._step is None:
            return
        label, started = self._step
        self._step = None
        self._clear()
        seconds = now - started
        if total is not None and not self.quiet and (self.verbose or (not self.live and seconds >= PLAIN_MINIMUM)):
            print(f"{label}: {total:,} done in {seconds:.1f} s", file=self.err, flush=True)

    def _clear(self) -> None:
        if self._line_shown:
            self.err.write("\r\x1b[2K")
            self.err.flush()
            self._line_shown = False
