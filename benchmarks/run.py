"""Build time and peak memory of our generator (clean, no-change and one-edit builds) next to Hugo, Pelican,
MkDocs and a floor, all building the same synthetic site.

    python benchmarks/run.py --papers 1000 [--papers 10000 ...] [--root /dev/shm/bench]
        [--disk-root /var/tmp/bench] [--peers floor,hugo,pelican,mkdocs] [--repeat 1] [--timeout 900]
        [--serve-edits 5] [--json FILE] [--keep]

For each size the corpus (benchmarks/corpus.py) is written once into ROOT/corpus-N and reused by later runs.
Every build is its own process, started as a user starts it (the installed `portfolio` command, with PYTHONPATH
naming this checkout's code) and timed from start to exit, with its peak
resident memory from the kernel (wait4): interpreter start-up and imports count, as they do for a user.
Scenarios for our generator, each starting from an up-to-date build of the unedited corpus:

    cold           no output folder and no cache: everything is rendered and written
    warm           the same build again, nothing changed (renders and writes nothing)
    edit-paper     one sentence appended to one paper's abstract
    edit-author    one author's h-index changed
    edit-template  an HTML comment added to the paper template, in a copy of the theme inside the project
    serve-edit     `portfolio serve`: save-to-reload latency of a one-paper edit (median of --serve-edits)
    served-build   a one-paper edit, then at once `portfolio build` while `portfolio serve` runs: the server
                   builds it (median of --serve-edits)

Each peer (benchmarks/peers.py) gets a clean build of the same corpus (`cold`); the floor writes the files of
our clean build without computing anything. --disk-root repeats the clean builds on a disk folder (ROOT is
meant to be a RAM disk). Prints a table per size and one JSON line per measurement; --json also appends those
lines to FILE as each size finishes, so a long run keeps what it measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import operator
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import peers
from benchmarks.corpus import write_corpus
from benchmarks.serve_latency import run_session
from generator.themefiles import default_theme_dir

TOOL = "research-portfolio"
# the `portfolio` command as installed (runpy's start, 5 ms, is not what a user waits for); PYTHONPATH picks the code
PORTFOLIO = [str(script)] if (script := Path(sys.executable).with_name("portfolio")).is_file() else \
    [sys.executable, "-m", "generator"]
SCENARIOS = ("cold", "warm", "edit-paper", "edit-author", "edit-template", "serve-edit", "served-build")
MARKER = ".bench-corpus.json"  # in a corpus folder: the size and seed it was written with
THEME_MARKER = ".bench-theme-copy"  # in a project's templates/ that this script copied there
BUILT = re.compile(r"(\d+) pages \((\d+) rendered, (\d+) files written, (\d+) removed.*?\) in (\d+) ms")
ADDED_SENTENCE = " One more sentence, added to time an incremental build."
TEMPLATE_COMMENT = "\n<!-- edited to time a template change -->"
DEFAULT_ROOT = Path("/dev/shm/bench") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir()) / "bench"


@dataclass(frozen=True)
class Run:
    """One timed process: 'ok', 'timeout' (killed at the limit) or 'failed' (non-zero exit), and what it printed."""

    status: str
    wall_s: float | None
    peak_rss_mb: float | None
    output: str


@dataclass
class Measurement:
    """A row of the table and a JSON line: a scenario's median wall time over its repeats, its largest peak."""

    tool: str
    scenario: str
    papers: int
    fs: str
    pages: int | None
    runs: list[Run]
    extra: dict[str, object] = field(default_factory=dict)
    ratio_floor: float | None = None
    ratio_ours: float | None = None

    @property
    def status(self) -> str:
        return next((run.status for run in self.runs if run.status != "ok"), "ok")

    @property
    def wall_s(self) -> float | None:
        if self.status != "ok":
            return None
        return statistics.median(run.wall_s for run in self.runs if run.wall_s is not None)

    @property
    def peak_rss_mb(self) -> float | None:
        peaks = [run.peak_rss_mb for run in self.runs if run.peak_rss_mb is not None]
        return max(peaks) if peaks else None

    def record(self) -> dict[str, object]:
        wall, peak = self.wall_s, self.peak_rss_mb
        record: dict[str, object] = {
            "tool": self.tool, "scenario": self.scenario, "papers": self.papers, "pages": self.pages,
            "wall_s": round(wall, 4) if wall is not None else None,
            "peak_rss_mb": round(peak, 1) if peak is not None else None,
            "fs": self.fs, "status": self.status,
        }
        if len(self.runs) > 1:
            record["runs_wall_s"] = [round(run.wall_s, 4) if run.wall_s is not None else None for run in self.runs]
        record.update(self.extra)
        record["ratio_floor"] = round(self.ratio_floor, 2) if self.ratio_floor is not None else None
        record["ratio_ours"] = round(self.ratio_ours, 2) if self.ratio_ours is not None else None
        return record


# Starts the measured command and reports its wall time and peak RSS. Linux carries a process's peak RSS over
# fork and exec, so a command forked from this script (tens of MB, more with a large corpus in memory) would
# report at least this script's size; forked from a bare interpreter (-I -S, about 5 MB), it reports its own.
LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as error:
        print(f"cannot run {sys.argv[2]}: {error}", file=sys.stderr)
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as report:
    report.write(f"{wall!r} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def _rss_mb(maxrss: int) -> float:
    """ru_maxrss is in kilobytes on Linux and in bytes on macOS."""
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def _kill_group(pid: int, killed: threading.Event) -> None:
    killed.set()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def run_timed(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Run:
    """Run a command to its end through LAUNCHER: wall time from fork to exit, peak RSS from wait4.

    Output goes to a file, not a pipe: nobody reads a pipe while we wait, and a reader thread would compete with
    the build for the CPU. The launcher leads its own process group so that a timeout kills the command too.
    Dirty pages of earlier runs are flushed first, so that their write-back does not land in this run."""
    os.sync()
    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        report, log = Path(scratch) / "report", Path(scratch) / "log"
        killed = threading.Event()
        with log.open("w") as sink:
            process = subprocess.Popen([sys.executable, "-I", "-S", "-c", LAUNCHER, str(report), *command],
                                       cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                       start_new_session=True)
            timer = threading.Timer(timeout, _kill_group, (process.pid, killed))
            timer.start()
            try:
                process.wait()
            except BaseException:  # interrupted: leave no build running behind us
                _kill_group(process.pid, killed)
                process.wait()
                raise
            finally:
                timer.cancel()
        output = log.read_text("utf-8", errors="replace")
        if killed.is_set():
            return Run("timeout", None, None, output)
        if not report.is_file():
            return Run("failed", None, None, output + f"\n(the launcher exited with status {process.returncode})")
        wall, maxrss, code = report.read_text().split()
    if int(code) != 0:
        return Run("failed", None, _rss_mb(int(maxrss)), output + f"\n(exit status {code})")
    return Run("ok", float(wall), _rss_mb(int(maxrss)), output)


def filesystem(path: Path) -> str:
    """'ram' when the folder is on tmpfs or ramfs (as /dev/shm is), otherwise 'disk'."""
    path = path.resolve()
    best, kind = "", "disk"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "ram" if str(path).startswith("/dev/shm") else "disk"
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = str(path) == point or str(path).startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, "ram" if parts[2] in ("tmpfs", "ramfs") else "disk"
    return kind


def ensure_corpus(folder: Path, papers: int, seed: int) -> Path:
    """Write the corpus unless the folder already holds this size and seed (writing 10,000 papers takes a while,
    and it is not what is measured)."""
    marker = folder / MARKER
    wanted = {"papers": papers, "seed": seed}
    leftover = folder / "templates"
    if leftover.is_dir() and (leftover / THEME_MARKER).exists():  # a run killed during edit-template
        shutil.rmtree(leftover)
    if marker.is_file() and json.loads(marker.read_text("utf-8")) == wanted:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    print(f"writing a {papers}-paper corpus into {folder}", file=sys.stderr)
    write_corpus(folder, papers, seed)
    marker.write_text(json.dumps(wanted), "utf-8")
    return folder


@contextlib.contextmanager
def edited(path: Path, change: Callable[[str], str]) -> Iterator[None]:
    """Apply an edit for the duration of a scenario and always put the original text back: the corpus is reused
    by later scenarios and later runs, so it must never stay edited."""
    original = path.read_text("utf-8")
    changed = change(original)
    if changed == original:
        raise RuntimeError(f"the edit changed nothing in {path}")
    path.write_text(changed, "utf-8")
    try:
        yield
    finally:
        path.write_text(original, "utf-8")


@contextlib.contextmanager
def theme_in_project(project: Path) -> Iterator[Path]:
    """A copy of the default theme as the project's own templates/ (ThemeFiles.for_project then prefers it), as a
    user who customises the theme has; removed afterwards."""
    own = project / "templates"
    if own.exists():
        raise RuntimeError(f"{own} exists; the benchmark corpus should have no templates of its own")
    shutil.copytree(default_theme_dir(), own)
    (own / THEME_MARKER).touch()
    try:
        yield own
    finally:
        shutil.rmtree(own, ignore_errors=True)


def _append_sentence(text: str) -> str:
    return text.rstrip("\n") + ADDED_SENTENCE + "\n"


def _raise_h_index(text: str) -> str:
    return re.sub(r"^(\s*h_index:\s*)(\d+)", lambda m: f"{m.group(1)}{int(m.group(2)) + 1}", text, count=1,
                  flags=re.MULTILINE)


def _comment_in_template(text: str) -> str:
    """An HTML comment inside the first block: text outside a block of a child template never reaches a page."""
    block = re.search(r"\{%-?\s*block\s+\w+\s*-?%\}", text)
    at = block.end() if block else 0
    return text[:at] + TEMPLATE_COMMENT + text[at:]


def pick_paper(project: Path) -> Path:
    """The middle paper by file name: a fixed, ordinary choice."""
    papers = sorted((project / "content" / "papers").glob("*.md"))
    return papers[len(papers) // 2]


def pick_author(project: Path) -> Path:
    """The middle author by file name among those with papers, so the change reaches their papers' pages too."""
    authors = [path for path in sorted((project / "content" / "authors").glob("*.yaml"))
               if re.search(r"^papers:\n- ", path.read_text("utf-8"), re.MULTILINE)]
    if not authors:
        raise RuntimeError(f"no author with papers in {project}")
    return authors[len(authors) // 2]


@dataclass
class Ours:
    """Our generator building one corpus into WORK/site with its cache in WORK/cache (nothing in the project)."""

    project: Path
    work: Path
    timeout: float

    @property
    def output(self) -> Path:
        return self.work / "site"

    def env(self) -> dict[str, str]:
        path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
        return {**os.environ, "XDG_CACHE_HOME": str(self.work / "cache"), "NO_COLOR": "1", "PYTHONPATH": path}

    def reset(self) -> None:
        """Nothing built, nothing cached: no output, no staged previous generation, no cache."""
        if self.work.exists():
            shutil.rmtree(self.work)
        (self.work / "cache").mkdir(parents=True)

    def build(self) -> tuple[Run, dict[str, object]]:
        """One CLI build, and what its summary line says (pages rendered, files written, its own milliseconds)."""
        run = run_timed([*PORTFOLIO, "build", "--output", str(self.output)], self.project,
                        self.env(), self.timeout)
        found = BUILT.search(run.output)
        if run.status != "ok" or not found:
            return run, {}
        return run, {"rendered": int(found.group(2)), "written": int(found.group(3)),
                     "removed": int(found.group(4)), "internal_s": int(found.group(5)) / 1000,
                     "by_server": "by the preview server" in run.output}

    def settle(self) -> None:
        """Bring the output back in step with the unedited corpus (untimed), so the next scenario starts from an
        up-to-date build as every scenario assumes."""
        run, _ = self.build()
        if run.status != "ok":
            raise RuntimeError(f"a build between scenarios {run.status}:\n{tail(run.output)}")


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _report(label: str, run: Run, extra: dict[str, object]) -> None:
    """A progress line on stderr, so that a long run shows where it is without mixing into the results."""
    took = f"{run.wall_s:.3f} s" if run.wall_s is not None else run.status
    peak = f", {run.peak_rss_mb:.0f} MB" if run.peak_rss_mb is not None else ""
    counts = f" ({extra['rendered']} rendered, {extra['written']} written)" if "rendered" in extra else ""
    print(f"  {label}: {took}{peak}{counts}", file=sys.stderr)
    if run.status != "ok":
        print(tail(run.output), file=sys.stderr)


MERGE: dict[str, Callable[[Any, Any], Any]] = {"edits": operator.add, "min_s": min, "max_s": max}


class Collector:
    """Runs of each (tool, scenario) over the repeats, in first-measured order."""

    def __init__(self, papers: int, fs: str) -> None:
        self.papers, self.fs = papers, fs
        self.rows: dict[tuple[str, str], Measurement] = {}

    def add(self, tool: str, scenario: str, run: Run, pages: int | None, extra: dict[str, object]) -> None:
        key = (tool, scenario)
        if key not in self.rows:
            self.rows[key] = Measurement(tool, scenario, self.papers, self.fs, pages, [])
        row = self.rows[key]
        row.runs.append(run)
        row.pages = pages if pages is not None else row.pages
        for name, value in extra.items():  # serve-edit's spread covers every repeat's edits
            before = row.extra.get(name)
            if before is not None and name in MERGE:
                value = MERGE[name](before, value)
            row.extra[name] = value
        _report(f"{tool} {scenario} ({self.fs})", run, extra)

    def measurements(self) -> list[Measurement]:
        """The rows, with each wall time as a multiple of the floor's and of our clean build on this filesystem."""
        rows = list(self.rows.values())
        floor = self.rows.get(("floor", "cold"))
        ours = self.rows.get((TOOL, "cold"))
        for row in rows:
            wall = row.wall_s
            if wall is None:
                continue
            if floor is not None and floor.wall_s:
                row.ratio_floor = wall / floor.wall_s
            if ours is not None and ours.wall_s:
                row.ratio_ours = wall / ours.wall_s
        return rows


def _pages(output: Path) -> int | None:
    return peers.count_pages(output) if output.is_dir() else None


def measure_ours(ours: Ours, collect: Collector, scenarios: tuple[str, ...], serve_edits: int,
                 listing: Path | None) -> None:
    """One pass over our scenarios, starting from nothing; when the clean build fails, nothing else can run.
    `listing` receives the clean build's file list, for the floor."""
    ours.reset()
    run, extra = ours.build()
    collect.add(TOOL, "cold", run, _pages(ours.output), extra)
    if run.status != "ok":
        return
    if listing is not None:
        peers.write_listing(ours.output, listing)
    project = ours.project

    def timed_build(scenario: str) -> None:
        run, extra = ours.build()
        collect.add(TOOL, scenario, run, _pages(ours.output), extra)

    if "warm" in scenarios:
        timed_build("warm")
        counts = collect.rows[(TOOL, "warm")].extra
        if counts.get("rendered") or counts.get("written"):
            print(f"  warning: a no-change build rendered {counts.get('rendered')} pages and wrote "
                  f"{counts.get('written')} files", file=sys.stderr)
    if "edit-paper" in scenarios:
        with edited(pick_paper(project), _append_sentence):
            timed_build("edit-paper")
        ours.settle()
    if "edit-author" in scenarios:
        with edited(pick_author(project), _raise_h_index):
            timed_build("edit-author")
        ours.settle()
    if "edit-template" in scenarios:
        with theme_in_project(project) as theme:
            ours.settle()  # the theme now comes from the project: not part of the edit being measured
            with edited(theme / "paper.html", _comment_in_template):
                timed_build("edit-template")
        ours.settle()
    def build_answered_by_server() -> float:
        run, extra = ours.build()
        if run.wall_s is None or not extra.get("by_server"):
            raise RuntimeError(f"`portfolio build` was not answered by the server ({run.status}):\n{tail(run.output)}")
        return run.wall_s

    for scenario, after_save in (("serve-edit", None), ("served-build", build_answered_by_server)):
        if scenario not in scenarios:
            continue
        try:
            session = run_session(project, serve_edits, "one-paper edit", output=ours.output, env=ours.env(),
                                  after_save=after_save)
        except Exception as error:  # noqa: BLE001 - recorded as a failed measurement, the others still count
            collect.add(TOOL, scenario, Run("failed", None, None, str(error)), _pages(ours.output), {})
        else:  # the memory is the server's: it holds the site's model for as long as it runs
            run = Run("ok", session.median, session.peak_rss_mb, "")
            collect.add(TOOL, scenario, run, _pages(ours.output),
                        {"edits": len(session.latencies), "min_s": round(min(session.latencies), 4),
                         "max_s": round(max(session.latencies), 4)})
        ours.settle()


def measure_peer(tool: str, corpus: Path, work: Path, listing: Path | None, collect: Collector, repeat: int,
                 timeout: float) -> None:
    """Convert the corpus for the tool (untimed), then time `repeat` clean builds into an absent folder with an
    empty cache."""
    project = peers.prepare(tool, corpus, work, listing)
    for _ in range(repeat):
        shutil.rmtree(project.output, ignore_errors=True)
        cache = work / f"{tool}-cache"
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        run = run_timed(project.command, project.project, {**os.environ, "XDG_CACHE_HOME": str(cache)}, timeout)
        collect.add(tool, "cold", run, _pages(project.output), {})


@dataclass(frozen=True)
class Options:
    papers: list[int]
    root: Path
    disk_root: Path | None
    peers: list[str]
    repeat: int
    timeout: float
    serve_edits: int
    seed: int
    json_file: Path | None
    keep: bool
    scenarios: tuple[str, ...] = SCENARIOS


def measure_size(papers: int, options: Options, usable: list[str]) -> list[Measurement]:
    """Every measurement of one corpus size: our scenarios and the peers on ROOT, clean builds on the disk root.

    The floor's listing of our clean build lives in a scratch folder of its own, as the disk root reuses it after
    ROOT's built sites are gone."""
    results: list[Measurement] = []
    roots: list[tuple[Path, tuple[str, ...]]] = [(options.root, options.scenarios)]
    if options.disk_root is not None:
        roots.append((options.disk_root, ("cold",)))
    with tempfile.TemporaryDirectory(prefix="bench-listing-") as scratch:
        listing = Path(scratch) / "listing.json"
        for index, (root, scenarios) in enumerate(roots):
            fs = filesystem(root) if index == 0 else "disk"
            corpus = ensure_corpus(root / f"corpus-{papers}", papers, options.seed)
            runs = root / f"runs-{papers}"
            collect = Collector(papers, fs)
            print(f"{papers} papers on {root} ({fs})", file=sys.stderr)
            try:
                ours = Ours(corpus, runs / "ours", options.timeout)
                for number in range(options.repeat):
                    measure_ours(ours, collect, scenarios, options.serve_edits,
                                 listing if index == 0 and number == 0 else None)
                if not options.keep:  # at 100k papers our site and the floor's together did not fit in memory
                    shutil.rmtree(ours.work, ignore_errors=True)
                for tool in usable:
                    if tool == "floor" and not listing.is_file():
                        print("  floor: skipped, our clean build failed so there is nothing to write",
                              file=sys.stderr)
                        continue
                    measure_peer(tool, corpus, runs / "peers", listing, collect, options.repeat, options.timeout)
                results.extend(collect.measurements())
            finally:
                if not options.keep:
                    shutil.rmtree(runs, ignore_errors=True)
    return results


def _cell(value: float | None, digits: int, missing: str = "-") -> str:
    return f"{value:.{digits}f}" if value is not None else missing


def print_table(papers: int, rows: list[Measurement], skipped: list[str]) -> None:
    print(f"\n{papers} papers, {max(1, papers // 2)} authors")
    print(f"{'fs':<5} {'tool':<19} {'scenario':<14} {'pages':>7} {'wall s':>9} {'peak MB':>8} {'x floor':>8} "
          f"{'x ours':>7}")
    for row in rows:
        print(f"{row.fs:<5} {row.tool:<19} {row.scenario:<14} {row.pages if row.pages is not None else '-':>7} "
              f"{_cell(row.wall_s, 3, row.status):>9} {_cell(row.peak_rss_mb, 1):>8} "
              f"{_cell(row.ratio_floor, 2):>8} {_cell(row.ratio_ours, 2):>7}")
    if skipped:
        print(f"not installed, skipped: {', '.join(skipped)}")
    for row in rows:
        print(json.dumps(row.record()))


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--papers", type=int, action="append", required=True, help="corpus size (repeatable)")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="where to build (default: %(default)s)")
    parser.add_argument("--disk-root", type=Path, help="also time clean builds in this disk folder")
    parser.add_argument("--peers", default=",".join(peers.PEERS),
                        help="comma-separated, from %(default)s; empty for none")
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario; the median is reported")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per build")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="our scenarios to run, comma-separated, from %(default)s (cold always runs)")
    parser.add_argument("--serve-edits", type=int, default=5, help="edits timed in serve-edit (median)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed")
    parser.add_argument("--json", type=Path, dest="json_file", help="also append the JSON lines to this file")
    parser.add_argument("--keep", action="store_true", help="keep the built sites (ROOT/runs-N)")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.peers.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in peers.PEERS]
    if unknown:
        parser.error(f"unknown peer {', '.join(unknown)}; choose from {', '.join(peers.PEERS)}")
    scenarios = tuple(name.strip() for name in args.scenarios.split(",") if name.strip())
    if set(scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenario {', '.join(sorted(set(scenarios) - set(SCENARIOS)))}; "
                     f"choose from {', '.join(SCENARIOS)}")
    if args.repeat < 1 or args.serve_edits < 1 or any(n < 1 for n in args.papers):
        parser.error("--papers, --repeat and --serve-edits must be at least 1")
    return Options(args.papers, args.root.expanduser().absolute(),
                   args.disk_root.expanduser().absolute() if args.disk_root else None, chosen, args.repeat,
                   args.timeout, args.serve_edits, args.seed, args.json_file, args.keep, scenarios)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so edited corpus files are restored and running builds stopped."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    signal.signal(signal.SIGTERM, _terminate)
    usable = [tool for tool in options.peers if peers.available(tool)]
    skipped = [tool for tool in options.peers if tool not in usable]
    for tool in skipped:
        print(f"{tool}: not installed, skipped (pip install {tool})", file=sys.stderr)
    if options.disk_root is not None and filesystem(options.disk_root) == "ram":
        print(f"warning: --disk-root {options.disk_root} is on a RAM disk", file=sys.stderr)
    # Compile our modules first, so that the first timed build does not pay for writing bytecode once.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "generator")], check=False)
    if options.json_file is not None:
        options.json_file.write_text("", "utf-8")
    for papers in options.papers:
        rows = measure_size(papers, options, usable)
        print_table(papers, rows, skipped)
        sys.stdout.flush()
        if options.json_file is not None:
            with options.json_file.open("a", encoding="utf-8") as file:
                file.writelines(json.dumps(row.record()) + "\n" for row in rows)


if __name__ == "__main__":
    main()
