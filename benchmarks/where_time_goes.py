"""Where a clean build's time goes: reading, planning, and rendering each kind of page, in one process.

    python benchmarks/where_time_goes.py PROJECT [--top 12]

Times the phases of a build of PROJECT (a site folder, e.g. a corpus written by benchmarks/corpus.py) and the
rendering of every page grouped by kind, without writing anything and without the second process (rendering
figures are CPU time for the whole site; a real build splits them over two cores). Page fingerprints and file
writes are left out. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.build import LoadedTheme, SitePages
from generator.project import Project


@dataclass
class Kind:
    pages: int = 0
    seconds: float = 0.0
    bytes: int = 0


@dataclass
class Profile:
    papers: int
    authors: int
    read_s: float  # reading the content files (on both cores, as a build does) and linking them
    plan_s: float  # the page plan, the search index and the facts pages are fingerprinted from
    render_s: float
    kinds: dict[str, Kind] = field(default_factory=dict)  # slowest first


def measure(root: Path) -> Profile:
    gc.disable()  # as a build does
    started = time.perf_counter()
    project = Project(root)
    project.refresh()
    site = project.site()
    read = time.perf_counter()
    pages = SitePages(LoadedTheme.for_project(root), site, root)
    planned = time.perf_counter()
    kinds: dict[str, Kind] = {}
    for spec in pages.specs:
        begin = time.perf_counter()
        size = len(pages.render(spec))
        kind = kinds.setdefault(spec.kind, Kind())
        kind.pages += 1
        kind.seconds += time.perf_counter() - begin
        kind.bytes += size
    rendered = time.perf_counter()
    return Profile(len(site.papers), len(site.authors), read - started, planned - read, rendered - planned,
                   dict(sorted(kinds.items(), key=lambda item: -item[1].seconds)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="a site project folder (the one holding content/)")
    parser.add_argument("--top", type=int, default=12, help="page kinds to list, slowest first")
    args = parser.parse_args(argv)
    profile = measure(args.project.resolve())
    total = profile.read_s + profile.plan_s + profile.render_s
    print(f"{profile.papers} papers, {profile.authors} authors: {total:.1f} s in one process")
    for name, seconds in (("read + link", profile.read_s), ("plan + search + facts", profile.plan_s),
                          ("render", profile.render_s)):
        print(f"  {name:<24} {seconds:7.2f} s  {seconds / total:4.0%}")
    for name, kind in list(profile.kinds.items())[:args.top]:
        print(f"    {name:<16} {kind.pages:>7} pages {kind.seconds:7.2f} s {kind.seconds / kind.pages * 1000:7.2f} ms "
              f"each {kind.bytes / kind.pages / 1024:7.1f} KB each")
    print(json.dumps(asdict(profile)))


if __name__ == "__main__":
    main()
