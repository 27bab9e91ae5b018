"""The `portfolio` command: parses arguments, calls one function per command, prints, maps errors to exits.

Exit status: 0 success, 1 content errors (each printed as `path:line: message`), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__
from .console import Console
from .errors import BuildFailed, ContentError, GeneratorError, UsageError

if TYPE_CHECKING:
    import datetime

    from .importers.content_files import ImportReport

    Commands = argparse._SubParsersAction[argparse.ArgumentParser]  # the `portfolio` command's subcommands

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


class QuickExit(int):
    """An exit status after which the process has nothing to clean up (it made no files and started nothing):
    `run` ends it without the interpreter's teardown of every module, 10 ms of the 60-90 ms that `build` takes
    when the preview server answers it."""


def _display_path(project: Path, path: str) -> str:
    """Content paths are shown relative to where the command runs; other paths (imported files) as given."""
    if not os.path.isabs(path) and path.split("/")[0] not in ("content", "templates"):
        return path
    full = Path(path) if os.path.isabs(path) else project / path
    try:
        relative = os.path.relpath(full)
    except ValueError:  # another drive on Windows
        return str(full)
    return relative if not relative.startswith("../../..") else str(full)


def _where(project: Path, error: ContentError) -> str:
    location = error.location
    parts = [_display_path(project, location.path)]
    if location.line:
        parts.append(str(location.line))
    return ":".join(parts)


def _format_error(project: Path, error: ContentError) -> str:
    return f"{_where(project, error)}: {error.message}"


def _print_problems(console: Console, project: Path, errors: Sequence[ContentError]) -> None:
    for error in errors:
        console.problem(_where(project, error), error.message)


def _source(args: argparse.Namespace) -> Path:
    return Path(args.source).expanduser()


def cmd_build(args: argparse.Namespace, console: Console) -> int:
    started = time.perf_counter()
    project = _source(args)
    output = Path(args.output).expanduser() if args.output else None
    stamp = content = None
    if not args.clean and _built_by_server(args, console, project, output, started):
        return QuickExit(EXIT_OK)
    from .sources import SITE_CONFIG, list_content

    if not args.clean and args.base_url is None and (project / SITE_CONFIG).is_file():
        from .output import check_output_location
        from .stamp import inputs_stamp, unchanged_page_count
        from .themefiles import ThemeFiles

        folder = output or project / "site"
        check_output_location(folder, project)
        content = list_content(project)
        stamp = inputs_stamp(content, None, ThemeFiles.for_project(project))
        count = unchanged_page_count(folder, stamp)
        if count is not None:  # nothing changed: done without loading the rendering machinery
            console.result(f"{count} pages (0 rendered, 0 files written, 0 removed) in "
                           f"{(time.perf_counter() - started) * 1000:.0f} ms -> {os.path.relpath(folder)}",
                           highlight="Built")
            return EXIT_OK
    from .build import build

    result = build(project, output, base_url=args.base_url, clean=args.clean, progress=console.progress, stamp=stamp,
                   content=content)
    for path in sorted(result.changed):
        console.detail(f"  wrote {path}")
    if result.processes > 1:
        console.detail(f"  rendered in {result.processes} processes")
    pictures = f", {result.images_processed} pictures resized" if result.images_processed else ""
    console.result(f"{result.pages} pages ({result.rendered} rendered, {result.written} files written, "
                   f"{result.removed} removed{pictures}) in {(time.perf_counter() - started) * 1000:.0f} ms -> "
                   f"{os.path.relpath(result.output)}", highlight="Built")
    return EXIT_OK


def _built_by_server(args: argparse.Namespace, console: Console, project: Path, output: Path | None,
                     started: float) -> bool:
    """Whether a preview server of this project built the site (see buildchannel.py); raises its failure."""
    from .buildchannel import ask_server, build_request, channel_path, raise_failure

    reply = ask_server(build_request(project, output, args.base_url), channel_path(project))
    if reply is None or "declined" in reply:
        if reply is not None:
            console.detail(f"  building here: {reply['declined']}")
        return False
    raise_failure(reply)
    built = reply["built"]
    for path in built["changed"]:
        console.detail(f"  wrote {path}")
    console.result(f"{built['pages']} pages ({built['rendered']} rendered, {built['written']} files written, "
                   f"{built['removed']} removed) in {(time.perf_counter() - started) * 1000:.0f} ms by the "
                   f"preview server -> {os.path.relpath(output or project / 'site')}", highlight="Built")
    return True


def _error_lines(project: Path, error: GeneratorError) -> list[str]:
    if isinstance(error, BuildFailed):
        return [_format_error(project, e) for e in error.errors]
    if isinstance(error, ContentError):
        return [_format_error(project, error)]
    return [str(error)]


def cmd_serve(args: argparse.Namespace, console: Console) -> int:
    import signal
    import webbrowser

    from .build import Builder, BuildResult
    from .buildchannel import BuildChannel, Message, built_reply
    from .project import Project
    from .recordcache import RecordCache, cache_file
    from .serve import BuildState, PreviewServer, RebuildReport, base_path_of, rebuild
    from .watch import RESCAN, ChangeWatcher

    root = _source(args)
    builder = Builder(Project(root, args.base_url), Path(args.output).expanduser() if args.output else None,
                      records=RecordCache(cache_file(root)))
    state = BuildState()

    try:
        server = PreviewServer((args.host, args.port), builder.output, "/", state)
    except OSError as error:
        raise UsageError(f"cannot listen on {args.host}:{args.port} ({error.strerror}); "
                         "try another --port") from None

    lock, stopping, watcher_started = threading.Lock(), threading.Event(), threading.Event()

    def run_build(changed: set[str] | None) -> BuildResult:
        with lock:
            if changed is not None and any(p == RESCAN or p.startswith("templates/") for p in changed):
                builder.reload_theme()
                changed = None if RESCAN in changed else {p for p in changed if not p.startswith("templates/")}
            result = builder.build(changed)
            server.base_path = base_path_of(builder.base_url())
        if watcher_started.is_set():
            threading.Thread(target=warm_up, daemon=True).start()
        return result

    def warm_up() -> None:
        started = time.perf_counter()
        if builder.warm_up(lock, stopping) and not stopping.is_set():
            console.detail(f"{time.strftime('%H:%M:%S')} ready for fast rebuilds (caches filled in "
                           f"{(time.perf_counter() - started) * 1000:.0f} ms)")

    last_failed = False

    def report(changed: set[str] | None, asked: bool = False) -> RebuildReport:
        nonlocal last_failed
        outcome = rebuild(run_build, changed, state, lambda error: _error_lines(root, error))
        what = ", ".join(outcome.changed[:3]) + (f" and {len(outcome.changed) - 3} more" if len(outcome.changed) > 3 else "")
        if asked:
            what = "`portfolio build`" + (f" after {what}" if what else "")
        stamp = time.strftime("%H:%M:%S")
        if outcome.result is None:
            console.failure(f"{stamp} {what}: build failed in {outcome.milliseconds:.0f} ms; still serving the "
                            "last good site")
            for line in outcome.errors:
                console.problem("", f"  {line}")
        elif outcome.result.rendered or outcome.result.written or last_failed or changed is None:
            console.result(f"{stamp} {what}: {outcome.result.rendered} pages re-rendered, {outcome.result.written} "
                           f"files written in {outcome.milliseconds:.0f} ms")
        else:  # a save that changed nothing, or an editor's late second event for a file already rebuilt
            console.detail(f"{stamp} {what}: unchanged ({outcome.milliseconds:.0f} ms)")
        last_failed = outcome.result is None
        return outcome

    def build_for_cli() -> Message:
        if (blind := watcher.blind_spot()) is not None:
            return {"declined": f"the preview server may miss edits ({blind})"}
        outcome = watcher.run_now(lambda batch: report(batch, asked=True))
        if outcome is None:
            return {"declined": "the preview server could not tell which files changed (read-only content folder?)"}
        return built_reply(outcome.result, outcome.failure)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    watcher = ChangeWatcher(root, [root / "content", root / "templates"], report)
    channel = BuildChannel(root, builder.output, args.base_url, build_for_cli)
    try:
        report(None)
        host, port = str(server.server_address[0]), server.server_address[1]
        url = f"http://{host if ':' not in host else f'[{host}]'}:{port}{server.base_path}"
        watcher.start()
        if (reason := channel.open()) is not None:
            console.detail(f"`portfolio build` will build by itself: {reason}")
        console.result(f"{url} (watching content/ and templates/; Ctrl-C to stop)", highlight="Serving")
        watcher_started.set()
        threading.Thread(target=warm_up, daemon=True).start()
        if args.open:
            webbrowser.open(url)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stopping.set()
        channel.close()
        state.stop()
        if watcher_started.is_set():
            watcher.stop()
        server.server_close()
    console.result("Stopped.")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    from .build import check

    root = _source(args)
    if not args.links:
        pages = check(root)
        console.result(f"{pages} pages would be built.", highlight="Content is valid:")
        return EXIT_OK
    import tempfile

    from .build import Builder
    from .linkcheck import check_links
    from .project import Project
    from .serve import serving

    with tempfile.TemporaryDirectory(prefix="portfolio-links-") as scratch:
        builder = Builder(Project(root, args.base_url), Path(scratch) / "site", console.progress, one_off=True)
        builder.build()
        public = builder.base_url()
        with serving(builder.output, public) as url:
            pages, broken = check_links(url, public if public.startswith("http") else None)
    for link in broken:
        console.problem(link.page or "/", f"{link.link}: {link.reason}")
    if broken:
        console.failure(f"{len(broken)} broken link{'s' if len(broken) != 1 else ''} on {pages} pages.")
        return EXIT_CONTENT
    console.result(f"{pages} pages checked.", highlight="Content is valid and all links work:")
    return EXIT_OK


def cmd_publish(args: argparse.Namespace, console: Console) -> int:
    from .publish import publish

    result = publish(_source(args), remote=args.remote, branch=args.branch, message=args.message,
                     dry_run=args.dry_run, push=not args.no_push, base_url=args.base_url, progress=console.progress)
    changes = f"{len(result.added)} added, {len(result.changed)} changed, {len(result.removed)} removed"
    if args.dry_run:
        for marker, paths in (("A", result.added), ("M", result.changed), ("D", result.removed)):
            for path in paths:
                console.result(f"{marker} {path}")
        console.result(f"Dry run: publishing would commit {result.files} files to '{result.branch}' ({changes}); "
                       "nothing was written." if (result.added or result.changed or result.removed) else
                       f"Dry run: '{result.branch}' already holds this site; nothing to publish.")
        return EXIT_OK
    if result.commit is None:
        console.result(f"Nothing to publish: '{result.branch}' already holds this site ({(result.parent or '')[:12]}).")
        return EXIT_OK
    where = f"; pushed to {result.pushed_to}" if result.pushed_to else " (not pushed: --no-push)"
    console.result(f"{result.files} files to '{result.branch}' as {result.commit[:12]} ({changes}){where}.",
                   highlight="Published")
    return EXIT_OK


def cmd_init(args: argparse.Namespace, console: Console) -> int:
    from .importers.starter import write_starter_project

    target = Path(args.directory).expanduser()
    written = write_starter_project(target, title=args.title)
    for path in written:
        console.detail(f"created {os.path.relpath(path)}")
    console.result(f"site project in {target} ({len(written)} files). Next: portfolio build --source {target}",
                   highlight="New")
    return EXIT_OK


def _print_import(console: Console, project: Path, report: ImportReport) -> int:
    for line in report.lines():
        console.result(line)
    _print_problems(console, project, report.skipped)
    if report.skipped:
        console.failure(f"{len(report.skipped)} entr{'ies' if len(report.skipped) != 1 else 'y'} skipped; "
                        "the others were imported.")
        return EXIT_CONTENT
    return EXIT_OK


def cmd_import_profile(args: argparse.Namespace, console: Console) -> int:
    from .importers.profile import import_profiles

    project = _source(args)
    report = import_profiles(project, [Path(f) for f in args.files], dry_run=args.dry_run, progress=console.progress)
    return _print_import(console, project, report)


def cmd_import_papers(args: argparse.Namespace, console: Console) -> int:
    from .importers.merge import import_papers
    from .readers.arxiv import parse_arxiv
    from .readers.bibtex import parse_bibtex

    project = _source(args)
    parse = parse_bibtex if args.format == "bibtex" else parse_arxiv
    report = import_papers(project, [Path(f) for f in args.files], parse, author=args.author, dry_run=args.dry_run,
                           progress=console.progress)
    return _print_import(console, project, report)


def cmd_new(args: argparse.Namespace, console: Console) -> int:
    from .importers.starter import new_author, new_page, new_paper

    project = _source(args)
    if args.kind == "author":
        written = [new_author(project, args.name, args.slug)]
    elif args.kind == "paper":
        written = new_paper(project, args.title, args.author or [], args.slug, args.date)
    else:
        written = [new_page(project, args.path, args.title)]
    console.result(_display_path(project, str(written[0])), highlight="Created")
    for path in written[1:]:
        console.result(_display_path(project, str(path)), highlight="Updated")
    return EXIT_OK


def _add_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", metavar="DIR", default=".",
                        help="the site project: a folder with content/ (and optionally templates/); default: .")


def _verbosity(defaults: object) -> argparse.ArgumentParser:
    """-q/-v, accepted before or after the command (the command's copy must not reset the main one)."""
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", default=defaults,
                       help="print only problems (and nothing on success)")
    group.add_argument("-v", "--verbose", action="store_true", default=defaults,
                       help="also print each file written and how long each step took")
    return options


def _command(subparsers: Commands, name: str, *, help: str, description: str) -> argparse.ArgumentParser:
    return subparsers.add_parser(name, parents=[_verbosity(argparse.SUPPRESS)], help=help, description=description)


EXIT_STATUS = ("Exit status: 0 success; 1 content errors (each printed as path:line: message), broken links or "
               "skipped import entries; 2 wrong usage (bad option, not a site project, unsafe output folder); "
               "130 interrupted. Colour is used only on a terminal; set NO_COLOR=1 to turn it off.")


def _define_build(commands: Commands) -> None:
    build = _command(commands, "build", help="build the site into an output folder",
                                description="Build the site. Only changed files are written; the previous site "
                                            "stays in place until the new one is complete, and a build with "
                                            "content errors changes nothing.")
    _add_source(build)
    build.add_argument("--output", metavar="DIR", help="output folder (default: <source>/site)")
    build.add_argument("--base-url", metavar="URL",
                       help="public address of the site, overriding base_url in content/site.yaml "
                            "(e.g. https://user.github.io/repo/)")
    build.add_argument("--clean", action="store_true", help="re-render every page, ignoring the previous build")
    build.set_defaults(handler=cmd_build)


def _define_serve(commands: Commands) -> None:
    serve = _command(commands, "serve", help="build, serve on this computer, and rebuild as you edit",
                                description="Build the site, serve it over HTTP at its base URL's path (as GitHub "
                                            "Pages will), watch content/ and templates/, rebuild what an edit "
                                            "affects and reload open browser tabs. A build error is shown over "
                                            "the page while the last good site stays served.")
    _add_source(serve)
    serve.add_argument("--output", metavar="DIR", help="output folder (default: <source>/site)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: %(default)s, this computer only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s; 0 picks a free one)")
    serve.add_argument("--base-url", metavar="URL", help="override base_url from content/site.yaml")
    serve.add_argument("--open", action="store_true", help="open the site in the default web browser")
    serve.set_defaults(handler=cmd_serve)


def _define_check(commands: Commands) -> None:
    check = _command(commands, "check", help="validate content and templates without writing anything",
                                description="Read all content and render every page in memory; report every "
                                            "problem as path:line: message. Writes nothing.")
    _add_source(check)
    check.add_argument("--links", action="store_true",
                       help="also build the site into a temporary folder, serve it on 127.0.0.1 and check that every "
                            "internal link, image and fragment resolves (exit 1 and a list when some do not)")
    check.add_argument("--base-url", metavar="URL", help="with --links: override base_url from content/site.yaml")
    check.set_defaults(handler=cmd_check)


def _define_publish(commands: Commands) -> None:
    publish = _command(commands, "publish", help="commit a clean build to the gh-pages branch and push it",
                                  description="Make a clean production build and commit it as the whole tree of a "
                                              "branch (default gh-pages) with git's plumbing: your working tree, "
                                              "index and current branch are never touched. One commit per "
                                              "publish; none when the site did not change. Then push.")
    _add_source(publish)
    publish.add_argument("--remote", default="origin", help="remote to push to (default: %(default)s)")
    publish.add_argument("--branch", default="gh-pages", help="branch that holds the site (default: %(default)s)")
    publish.add_argument("--message", metavar="MSG", help="commit message (default: 'Publish site from <commit>')")
    publish.add_argument("--base-url", metavar="URL", help="override base_url from content/site.yaml")
    publish.add_argument("--dry-run", action="store_true",
                         help="list the files that would be added (A), changed (M) and removed (D); commit nothing")
    publish.add_argument("--no-push", action="store_true", help="commit to the local branch only")
    publish.set_defaults(handler=cmd_publish)


def _define_init(commands: Commands) -> None:
    init = _command(commands, "init", help="create a new minimal site project",
                               description="Create a new site project in DIR (which must be empty or missing) "
                                           "with a site.yaml, one author and one paper.")
    init.add_argument("directory", metavar="DIR", help="folder for the new project")
    init.add_argument("--title", default="My Research Group", help="site title (default: %(default)s)")
    init.set_defaults(handler=cmd_init)


def _define_import(commands: Commands) -> None:
    importer = _command(commands, "import", help="import publications from other formats",
                                   description="Import publications into content/. Papers already present are "
                                               "merged, not duplicated; importing the same file twice changes "
                                               "nothing.")
    formats = importer.add_subparsers(dest="format", metavar="FORMAT", required=True)
    profile = _command(formats, "profile", help="author profile pages saved as text",
                                 description="Import author profiles saved as plain text (name, category, "
                                             "metrics, then the papers). Writes content/authors/<slug>.yaml "
                                             "and content/papers/<slug>.md.")
    _add_source(profile)
    profile.add_argument("files", metavar="FILE", nargs="+", help="profile text files (UTF-8, LF or CRLF)")
    profile.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    profile.set_defaults(handler=cmd_import_profile)

    common = ("Papers already in the content (same DOI, arXiv id or title) are updated, not duplicated: fields you "
              "edited by hand are kept. A malformed entry is reported with its line and skipped; the rest is "
              "imported (exit status 1 tells that something was skipped).")
    bibtex = _command(formats, "bibtex", help="BibTeX or biblatex files (Google Scholar, DBLP, Zotero, al-folio)",
                                description="Import every entry of BibTeX files as a paper: title, authors, date, "
                                            "venue, DOI, URL, arXiv id, PDF, code, abstract. " + common)
    arxiv = _command(formats, "arxiv", help="arXiv API responses (Atom XML)",
                               description="Import every entry of arXiv API responses (export.arxiv.org/api/query) "
                                           "as a paper. " + common)
    for paper_format in (bibtex, arxiv):
        _add_source(paper_format)
        paper_format.add_argument("files", metavar="FILE", nargs="+", help="files to import (UTF-8)")
        paper_format.add_argument("--author", metavar="SLUG", help="also add the papers to this author's list")
        paper_format.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
        paper_format.set_defaults(handler=cmd_import_papers)


def _define_new(commands: Commands) -> None:
    new = _command(commands, "new", help="write a starting file for an author, a paper or a page",
                   description="Write a new content file with the required fields filled in and the optional "
                               "ones shown as comments. Existing files are never replaced.")
    kinds = new.add_subparsers(dest="kind", metavar="KIND", required=True)
    author = _command(kinds, "author", help="content/authors/<slug>.yaml",
                      description="Create content/authors/<slug>.yaml for a person (slug made from the name).")
    author.add_argument("name", metavar="NAME", help="the person's name, as papers list it")
    paper = _command(kinds, "paper", help="content/papers/<slug>.md, added to its authors' lists",
                     description="Create content/papers/<slug>.md (slug made from the title) dated today, with "
                                 "the named authors, and add it at the top of each author's paper list.")
    paper.add_argument("title", metavar="TITLE", help="the paper's title")
    paper.add_argument("--author", metavar="SLUG", action="append",
                       help="an author of this site (file name in content/authors/ without extension); repeatable")
    paper.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD", help="publication date (default: today)")
    page = _command(kinds, "page", help="content/pages/<path>.md, served at /<path>/",
                    description="Create a free page: PATH 'cv' gives content/pages/cv.md at /cv/; "
                                "'projects/robots' gives /projects/robots/.")
    page.add_argument("path", metavar="PATH", help="where the page lives, such as 'cv' or 'projects/robots'")
    page.add_argument("--title", help="page title (default: made from the path)")
    for kind in (author, paper):
        kind.add_argument("--slug", help="file name and URL part to use instead of the one made from the text")
    for kind in (author, paper, page):
        _add_source(kind)
        kind.set_defaults(handler=cmd_new, **({"slug": None} if kind is page else {}))


COMMANDS = {"build": _define_build, "serve": _define_serve, "check": _define_check, "publish": _define_publish,
            "init": _define_init, "import": _define_import, "new": _define_new}
MAIN_FLAGS = ("-q", "--quiet", "-v", "--verbose")  # the main options that may come before a command


def _named_command(argv: Sequence[str]) -> str | None:
    """The command `argv` runs when nothing before it but -q/-v (which take no value) can change what it means."""
    for word in argv:
        if word not in MAIN_FLAGS:
            return word if word in COMMANDS else None
    return None


def make_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (for a quicker start: argparse spends milliseconds on each parser) the main
    options and only `command`'s."""
    parser = argparse.ArgumentParser(
        prog="portfolio", parents=[_verbosity(False)],
        description="Build a research group's website (authors, papers, metrics) from content files.",
        epilog=EXIT_STATUS,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, define in COMMANDS.items():
        if command in (None, name):
            define(commands)
    return parser


def _iso_date(text: str) -> datetime.date:
    import datetime  # here: most commands never parse a date, and every import delays `build`'s start

    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-03-01") from None


def run() -> NoReturn:
    """The `portfolio` command (and `python -m generator`); `main` returns its status to callers in Python."""
    status = main()
    if isinstance(status, QuickExit):
        os._exit(status)  # the console has flushed every line it printed
    sys.exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = make_parser(_named_command(argv)).parse_args(argv)
    handler: Callable[[argparse.Namespace, Console], int] = args.handler
    project = _source(args) if hasattr(args, "source") else Path(".")
    console = Console(quiet=args.quiet, verbose=args.verbose)
    try:
        return handler(args, console)
    except BuildFailed as failure:
        _print_problems(console, project, failure.errors)
        count = len(failure.errors)
        console.failure(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
        return EXIT_CONTENT
    except ContentError as error:
        _print_problems(console, project, [error])
        return EXIT_CONTENT
    except UsageError as error:
        console.failure(f"portfolio: error: {error}")
        return EXIT_USAGE
    except GeneratorError as error:
        console.failure(f"portfolio: error: {error}")
        return EXIT_CONTENT
    except KeyboardInterrupt:
        console.failure("interrupted")
        return 130
