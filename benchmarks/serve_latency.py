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


def measure(project: Path, edits: int, scenario: str, seed: int = 1) -> list[float]:
    server = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--source", str(project), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    try:
        assert server.stdout is not None
        origin = ""
        for line in server.stdout:  # wait until it serves and has filled its caches
            if line.startswith("Serving "):
                origin = "/".join(line.split()[1].split("/", 3)[:3])
            if "ready for fast rebuilds" in line and origin:
                break
        if not origin:
            raise RuntimeError("the server did not start")
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
            started = time.perf_counter()
            target.write_text(text)
            while True:
                arrived, state = events.get(timeout=120)
                if state["epoch"] != epoch:
                    epoch = state["epoch"]
                    break
            latencies.append(arrived - started)
        return latencies
    finally:
        server.terminate()
        server.wait(timeout=30)


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
