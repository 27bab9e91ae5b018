"""Runs the stages: discover -> parse -> link -> plan -> render -> write. Returns results; prints nothing."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .config import normalize_base_url, parse_site_config
from .context import PAGE_KINDS, Theme, site_inputs
from .errors import BuildFailed, ContentError, GeneratorError, UsageError
from .link import build_site
from .model import Author, Paper, Site
from .output import OutputTree, check_output_location
from .plan import PageSpec, plan_site
from .readers.native import parse_author, parse_paper, slug_from_path
from .render import ThemeFiles, make_environment, render_page, template_digests
from .sources import SITE_CONFIG, discover, load
from .urls import Urls


@dataclass(frozen=True, slots=True)
class BuildResult:
    output: Path
    pages: int
    rendered: int
    written: int
    removed: int
    seconds: float
    changed: tuple[str, ...]


def load_site(project: Path, base_url: str | None = None) -> Site:
    """Read and link all content; every problem found is raised together as one BuildFailed."""
    if not (project / SITE_CONFIG).is_file():
        raise UsageError(f"{project} is not a site project: {SITE_CONFIG} is missing "
                         "(create one with 'portfolio init DIR', or pass --source)")
    found, errors = discover(project)
    config = None
    authors: list[Author] = []
    papers: list[Paper] = []
    unreadable: set[str] = set()  # slugs of files too broken to read: references to them are not errors too
    for src_path, kind in found:
        record: Author | Paper | None = None
        try:
            source = load(project, src_path, kind)
            if kind == "config":
                config = parse_site_config(source.text, src_path, errors)
                continue
            reader = parse_author if kind == "authors" else parse_paper
            record = reader(src_path, source.text, errors)
        except ContentError as exc:
            errors.append(exc)
        if record is None:
            unreadable.add(slug_from_path(src_path))
        elif isinstance(record, Author):
            authors.append(dataclasses.replace(record, digest=source.digest))
        else:
            papers.append(dataclasses.replace(record, digest=source.digest))
    if config is None:
        raise BuildFailed(errors)
    if base_url is not None:
        normalized = normalize_base_url(base_url)
        if normalized is None:
            raise UsageError(f"--base-url {base_url!r} must be a full URL such as 'https://user.github.io/repo/'")
        config = dataclasses.replace(config, base_url=normalized)
    site = build_site(config, SITE_CONFIG, authors, papers, errors, unreadable)
    if errors:
        raise BuildFailed(errors)
    return site


class Renderer:
    """The theme, its templates and assets, ready to render any page of one site."""

    def __init__(self, project: Path, site: Site) -> None:
        self.site = site
        self.theme_files = ThemeFiles.for_project(project)
        self.env = make_environment(self.theme_files)
        self.static_files = self.theme_files.static_files()
        self.static_digests = {name: hashlib.sha1(path.read_bytes()).hexdigest()
                               for name, path in self.static_files.items()}
        self.theme = Theme(Urls(site.config.base_url),
                           {name: digest[:10] for name, digest in self.static_digests.items()})
        self.specs = plan_site(site, list(self.static_files))
        try:
            self.template_digests = template_digests(self.env, {s.template for s in self.specs if s.template})
        except Exception as exc:  # a missing or unparsable template: name it
            from jinja2 import TemplateError as JinjaError
            if isinstance(exc, JinjaError):
                raise BuildFailed([ContentError(getattr(exc, "filename", None) or "templates",
                                                getattr(exc, "lineno", 0) or 0, f"template error: {exc}")])
            raise
        shared = hashlib.sha1(__version__.encode())
        for line in site_inputs(site):
            shared.update(line.encode() + b"\n")
        for name, digest in self.static_digests.items():
            shared.update(f"asset {name} {digest}\n".encode())
        self.shared_fingerprint = shared.hexdigest()

    def fingerprint(self, spec: PageSpec) -> str:
        if spec.kind == "static":
            return self.static_digests[spec.key]
        digest = hashlib.sha1(f"{self.shared_fingerprint} {self.template_digests[spec.template]}\n".encode())
        _, inputs = PAGE_KINDS[spec.kind]
        for line in inputs(self.site, spec):
            digest.update(line.encode() + b"\n")
        return digest.hexdigest()

    def render(self, spec: PageSpec) -> bytes:
        if spec.kind == "static":
            return self.static_files[spec.key].read_bytes()
        return render_page(self.env, self.site, spec, self.theme, self.theme_files)


def build(project: Path, output: Path | None = None, *, base_url: str | None = None,
          clean: bool = False) -> BuildResult:
    """Build the site into `output` (default `<project>/site`); the old site stays until the new one is whole."""
    started = time.perf_counter()
    output = output or project / "site"
    check_output_location(output, project)
    site = load_site(project, base_url)
    renderer = Renderer(project, site)
    tree = OutputTree(output)
    rendered = 0
    errors: list[ContentError] = []
    try:
        for spec in renderer.specs:
            fingerprint = renderer.fingerprint(spec)
            previous = tree.previous(spec.dest)
            if not clean and previous is not None and previous.fingerprint == fingerprint:
                tree.keep(spec.dest)
                continue
            try:
                data = renderer.render(spec)
            except ContentError as exc:
                errors.append(exc)
                continue
            rendered += 1
            if not errors:
                tree.put(spec.dest, data, fingerprint)
        if errors:
            raise BuildFailed(errors)
        stats = tree.commit()
    except BaseException:
        tree.abort()
        raise
    return BuildResult(output, len(renderer.specs), rendered, stats.written, stats.removed,
                       time.perf_counter() - started, tuple(stats.changed_paths))


def check(project: Path) -> int:
    """Validate content and render every page in memory; returns the page count. Writes nothing."""
    site = load_site(project)
    renderer = Renderer(project, site)
    errors: list[GeneratorError] = []
    for spec in renderer.specs:
        try:
            renderer.render(spec)
        except ContentError as exc:
            errors.append(exc)
    if errors:
        raise BuildFailed(errors)  # type: ignore[arg-type]
    return len(renderer.specs)
