"""A real `portfolio serve` process for tests, with its output lines collected as they come."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


class ServeProcess:
    def __init__(self, project: Path, *extra: str) -> None:
        self.project = project
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--source", str(project), "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        threading.Thread(target=self._pump, daemon=True).start()
        line = self.wait_for(r"^Serving (http://\S+)", timeout=60)
        self.url = re.match(r"^Serving (http://\S+)", line).group(1)  # type: ignore[union-attr]
        self.origin = "/".join(self.url.split("/", 3)[:3])

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 20) -> str:
        """The next output line matching `pattern` (earlier lines are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line matching {pattern!r} within {timeout} s; saw {self.seen[-10:]}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(line)
            if re.search(pattern, line):
                return line

    def drain(self, seconds: float) -> list[str]:
        """Every line printed during the next `seconds`."""
        got = []
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                got.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                break
        self.seen += got
        return got

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
