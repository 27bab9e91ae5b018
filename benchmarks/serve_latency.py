"""Save-to-rebuilt latency of `portfolio serve`: from writing a file to the reload event reaching a browser.

    python benchmarks/serve_latency.py [--papers 5000] [--edits 20] [--dir /dev/shm]

Starts the real server on 127.0.0.1, listens to its reload events as a browser tab does, then edits one
paper's abstract (and, separately, one template) `--edits` times and prints the median and the spread.
`--papers 0` uses the bundled example site. Prints a table row and one JSON line per scenario.
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import write_corpus


def listen(origin: str, events: queue.Queue[tuple[float, dict[str, object]]]) -> None:
    host, port = origin.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    connection.request("GET", "/__portfolio__/events")
    response = connection.getresponse()
    for raw in response:
        line = raw.decode().strip()
        if line.startswith("data: "):
            events.put((time.perf_counter(), json.loads(line[6:])))


@dataclass(frozen=True)
class Session:
    """One server's edits: each save-to-reload latency in seconds, and the server's peak resident memory."""

    latencies: list[float]
    peak_rss_mb: float | None

    @property
    def median(self) -> float:
        return statistics.median(self.latencies)


def peak_rss_mb(pid: int) -> float | None:
    """A live process's peak resident set (Linux VmHWM), read before stopping it: the server is stopped with a
    signal, so waiting for its exit status would add shutdown noise and no portable timeout."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else None


def run_session(project: Path, edits: int, scenario: str, seed: int = 1, *, output: Path | None = None,
                env: dict[str, str] | None = None, after_save: Callable[[], float] | None = None) -> Session:
    """Start `serve` on `project`, make `edits` edits of one kind, time each to its reload event, stop the server.

    Edited files get their original text back once the server has stopped, so a caller (benchmarks/run.py) can
    go on measuring the same project; `output` and `env` let it serve the folder its builds use with its cache.
    `after_save`, run right after each save, times the edit instead (a `portfolio build`, which the server
    answers)."""
    command = [sys.executable, "-m", "generator", "serve", "--verbose", "--source", str(project), "--port", "0"]
    if output is not None:
        command += ["--output", str(output)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                              env=env)
    originals: dict[Path, str] = {}
    try:
        assert server.stdout is not None
        origin = ""
        ready = False
        for line in server.stdout:  # wait until it serves and has filled its caches (--verbose prints that)
            if line.startswith("Serving "):
                origin = "/".join(line.split()[1].split("/", 3)[:3])
            if "ready for fast rebuilds" in line and origin:
                ready = True
                break
        if not ready:
            raise RuntimeError(f"the server did not start (exit status {server.poll()})")
        threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()  # type: ignore[union-attr]
        events: queue.Queue[tuple[float, dict[str, object]]] = queue.Queue()
        threading.Thread(target=listen, args=(origin, events), daemon=True).start()
        epoch = events.get(timeout=30)[1]["epoch"]
        rng = random.Random(seed)
        papers = sorted((project / "content" / "papers").glob("*.md"))
        template = project / "templates" / "paper.html"
        latencies = []
        for number in range(edits):
            if scenario == "one-template edit":  # a visible change to every paper page
                target = template
                text = re.sub(r'<h2 id="abstract">Abstract[^<]*</h2>', f'<h2 id="abstract">Abstract {number}</h2>',
                              template.read_text())
            else:
                target = rng.choice(papers)
                text = target.read_text().replace("\n---\n", f"\n---\nEdit {number}. ", 1)
            originals.setdefault(target, target.read_text())
            started = time.perf_counter()
            target.write_text(text)
            if after_save is not None:
                latencies.append(after_save())
                continue
            while True:
                arrived, state = events.get(timeout=120)
                if state["epoch"] != epoch:
                    epoch = state["epoch"]
                    break
            latencies.append(arrived - started)
        return Session(latencies, peak_rss_mb(server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
        for path, text in originals.items():
            path.write_text(text)


def measure(project: Path, edits: int, scenario: str, seed: int = 1) -> list[float]:
    """Seconds from each save to its reload event (see run_session)."""
    return run_session(project, edits, scenario, seed).latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=5000, help="synthetic site size; 0 = the example site")
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--dir", type=Path, default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    args = parser.parse_args()
    workspace = Path(tempfile.mkdtemp(prefix="portfolio-latency-", dir=args.dir))
    try:
        project = workspace / "project"
        if args.papers:
            write_corpus(project, args.papers)
        else:
            shutil.copytree(REPO / "content", project / "content")
        (project / "templates").mkdir()
        shutil.copy(REPO / "templates" / "paper.html", project / "templates" / "paper.html")
        subprocess.run([sys.executable, "-m", "generator", "build", "--source", str(project)], check=True,
                       capture_output=True)
        print(f"{'scenario':<20} {'papers':>7} {'median ms':>10} {'min ms':>8} {'max ms':>8}  edits")
        for scenario in ("one-paper edit", "one-template edit"):
            latencies = measure(project, args.edits if scenario == "one-paper edit" else max(3, args.edits // 4),
                                scenario)
            median = statistics.median(latencies) * 1000
            print(f"{scenario:<20} {args.papers or 22:>7} {median:>10.1f} {min(latencies) * 1000:>8.1f} "
                  f"{max(latencies) * 1000:>8.1f}  {len(latencies)}")
            print(json.dumps({"tool": "research-portfolio", "scenario": f"serve {scenario}",
                              "papers": args.papers or 22, "median_ms": round(median, 1),
                              "min_ms": round(min(latencies) * 1000, 1), "max_ms": round(max(latencies) * 1000, 1),
                              "edits": len(latencies)}))
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    main()
