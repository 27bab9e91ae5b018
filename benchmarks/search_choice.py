"""Pagefind or our own index? Index size and query speed on one synthetic site, measured side by side.

    python benchmarks/search_choice.py [--papers 5000] [--dir /dev/shm]

Builds the site, runs Pagefind (PyPI `pagefind[bin]`) over a copy, serves both on 127.0.0.1, and in Debian's
Chromium times five queries each (first query, cold cache; then warm) and sums the bytes each query fetched.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import write_corpus
from generator.serve import serving

QUERIES = ["model", "distributed training", "graph algorithms", "quantization", "reinforcement reward"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def measure(url: str, script: str) -> list[tuple[float, int]]:
    """(milliseconds, bytes fetched) per query, each in a fresh page (cold caches)."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for query in QUERIES:
            page = browser.new_page()
            page.goto(url)
            before = page.evaluate("performance.getEntriesByType('resource').length")
            started = time.perf_counter()
            page.evaluate(script, query)
            elapsed = (time.perf_counter() - started) * 1000
            fetched = page.evaluate(f"performance.getEntriesByType('resource').slice({before})"
                                    ".reduce((sum, e) => sum + e.encodedBodySize, 0)")
            results.append((elapsed, fetched))
            page.close()
        browser.close()
    return results


OURS = """async (query) => {
  const input = document.querySelector('#site-search');
  input.value = query;
  input.dispatchEvent(new Event('input'));
  await new Promise((resolve) => {
    const check = () => document.querySelector('[data-search-results]:not([hidden]) .search-status')
      ? resolve() : setTimeout(check, 2);
    check();
  });
}"""
PAGEFIND = """async (query) => {
  const pagefind = await import('./pagefind/pagefind.js');
  const search = await pagefind.search(query);
  await Promise.all(search.results.slice(0, 8).map((r) => r.data()));
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--dir", type=Path, default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    args = parser.parse_args()
    workspace = Path(tempfile.mkdtemp(prefix="portfolio-search-", dir=args.dir))
    try:
        project = workspace / "project"
        write_corpus(project, args.papers)
        subprocess.run([sys.executable, "-m", "generator", "build", "--source", str(project), "--base-url",
                        "https://example.org/lab/"], check=True, capture_output=True)
        ours_size, ours_files = folder_size(project / "site" / "search")
        pagefind_site = workspace / "pagefind-site"
        shutil.copytree(project / "site", pagefind_site)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pagefind", "--site", str(pagefind_site)], check=True,
                       capture_output=True)
        pagefind_seconds = time.perf_counter() - started
        pagefind_size, pagefind_files = folder_size(pagefind_site / "pagefind")
        with serving(project / "site", "https://example.org/lab/") as url:
            ours = measure(url, OURS)
        with serving(pagefind_site, "https://example.org/lab/") as url:
            theirs = measure(url, PAGEFIND)
        rows = [("ours (JSON shards)", ours_size, ours_files, None, ours),
                ("Pagefind 1.5", pagefind_size, pagefind_files, pagefind_seconds, theirs)]
        print(f"{'index':<20} {'size MB':>8} {'files':>7} {'extra build s':>13} {'query ms (median)':>18} "
              f"{'fetched KB/query':>17}")
        for name, size, files, seconds, timings in rows:
            median_ms = statistics.median(t for t, _ in timings)
            median_kb = statistics.median(b for _, b in timings) / 1024
            print(f"{name:<20} {size / 1e6:>8.2f} {files:>7} {seconds or 0:>13.1f} {median_ms:>18.1f} {median_kb:>17.1f}")
            print(json.dumps({"index": name, "papers": args.papers, "size_mb": round(size / 1e6, 2), "files": files,
                              "extra_build_s": round(seconds or 0, 1), "query_ms_median": round(median_ms, 1),
                              "fetched_kb_median": round(median_kb, 1)}))
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    main()
