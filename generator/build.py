"""Runs the stages: discover -> parse -> link -> plan -> render -> write. Returns results; prints nothing.

A `Builder` can be kept between builds (the preview server does): the theme, the parsed content and the
output folder's records stay in memory, so a rebuild costs what the change touched.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from . import __version__, citations, feeds, shown, urls
from .context import PAGE_KINDS, Facts, PageInputs, Theme, paper_item, site_inputs
from .errors import BuildFailed, ContentError, quoted
from .exports import EXPORT_KINDS
from .images import parse_key, render_variant
from .markup import parts_sharing
from .model import Site
from .output import FINGERPRINT, OutputLock, OutputTree, Prescan, TreeShare, check_output_location, prescan
from .plan import PageSpec, plan_site, search_shard_specs, shard_positions
from .project import Progress, Project
from .recordcache import RecordCache, cache_file
from .render import make_environment, render_fragment, render_page, template_digest
from .search import CHUNK, PatchedIndex, SearchIndex, chunk_count, patched_index, shard_name
from .shown import ShownBy
from .shown import decode as decode_shown
from .sources import CONTENT_DIR, Listing, list_content
from .stamp import inputs_stamp, theme_stamp
from .templatecache import TemplateCache, template_cache
from .themefiles import ThemeFiles
from .urls import Urls
from .workers import (
    MIN_FILES,
    MIN_PAGES,
    ChildFailed,
    Parts,
    Worker,
    from_both_ends,
    give_back_free_memory,
    worth_forking,
)

COPIED_KINDS = ("static", "asset", "image")  # files that show no record: copied or made from one source
# The pages listing papers with a card unlike the author pages' (see templates/), rendered from the other end
# of the list (see _render_order): one process makes each kind of card.
OTHER_CARD_LISTS = frozenset({"papers", "category", "index"})


@dataclass(frozen=True, slots=True)
class BuildResult:
    output: Path
    pages: int
    rendered: int
    written: int
    removed: int
    changed: tuple[str, ...]
    images_processed: int = 0
    processes: int = 1  # how many processes rendered
    records_saved: bool = False  # the parsed records were saved for the next run (by the second process)


@dataclass
class LoadedTheme:
    """A project's templates and static files, read once; make a new one when any of them changes."""

    files: ThemeFiles
    env: object = field(init=False)
    static_files: dict[str, Path] = field(init=False)
    static_digests: dict[str, str] = field(init=False)
    cache: TemplateCache | None = None
    fragments: dict[tuple[str, ...], tuple[str, ...]] = field(init=False, default_factory=dict)  # see paper_card
    _template_digests: dict[str, str] = field(init=False, default_factory=dict)
    _references: dict[str, list[str] | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.env = make_environment(self.files, self.cache)
        if self.cache is not None:
            self._references = self.cache.references
        self.static_files = self.files.static_files()
        self.static_digests = {name: hashlib.sha1(path.read_bytes()).hexdigest()
                               for name, path in self.static_files.items()}

    @classmethod
    def for_project(cls, root: Path) -> LoadedTheme:
        return cls(ThemeFiles.for_project(root), template_cache())

    def template_digest(self, name: str) -> str:
        digest = self._template_digests.get(name)
        if digest is None:
            try:
                digest = template_digest(self.env, self.files, name, self._references)  # type: ignore[arg-type]
            except Exception as exc:
                from jinja2 import TemplateError as JinjaError
                if isinstance(exc, JinjaError):
                    raise BuildFailed([ContentError(getattr(exc, "filename", None) or f"templates/{name}",
                                                    getattr(exc, "lineno", 0) or 0, f"template error: {exc}")])
                raise
            self._template_digests[name] = digest
        return digest


SEARCH_KINDS = ("search_manifest", "search_docs", "search_terms")


def _same_relations(old: Site, new: Site) -> bool:
    """True when only some papers' records were swapped (see Project._relinked_papers_only)."""
    return (old.config is new.config and old.authors is new.authors and old.categories is new.categories
            and old.author_links is new.author_links and old.listed_by is new.listed_by
            and old.author_papers is new.author_papers and old.papers_by_person is new.papers_by_person
            and old.papers.keys() == new.papers.keys())


def _check_page_templates(theme: LoadedTheme, site: Site) -> None:
    """A free page's `template:` must name a template that exists, and the error belongs to that line."""
    errors = [ContentError(page.src_path, page.template_line,
                           f"template {quoted(page.template)} is neither in templates/ nor in the default theme; "
                           f"add templates/{page.template} or use 'page.html'")
              for page in site.pages.values() if theme.files.template_path(page.template) is None]
    if errors:
        raise BuildFailed(errors)


class SitePages:
    """Every page of one site with one theme: which exist, what each is made of, and their bytes."""

    def __init__(self, theme: LoadedTheme, site: Site, root: Path, previous: SitePages | None = None, *,
                 compared_later: bool = True) -> None:
        """`compared_later`: a later build will compare its pages with these (so each page's inputs are kept)."""
        _check_page_templates(theme, site)
        self.theme = theme
        self.compared_later = compared_later
        self.site = site
        self.root = root
        self.images_processed = 0
        self.view = Theme(Urls(site.config.base_url),
                          {name: digest[:10] for name, digest in theme.static_digests.items()})
        shared = hashlib.sha1(__version__.encode())
        for line in site_inputs(site):
            shared.update(line.encode() + b"\n")
        for name, digest in theme.static_digests.items():
            shared.update(f"asset {name} {digest}\n".encode())
        shared.update(theme.template_digest("partials/paper_item.html").encode())
        self.shared_fingerprint = shared.hexdigest()
        comparable = (previous is not None and previous.theme is theme
                      and previous.shared_fingerprint == self.shared_fingerprint)
        self.previous = previous if comparable else None
        if previous is not None:
            previous.previous = None  # keep one build back, not a chain of all of them
        self.facts: Facts = Facts(site, self.previous.facts if self.previous else None)
        self.changed = self.facts.changed_since(self.previous.facts) if self.previous else None
        # Only records' contents changed, not who wrote what nor which records exist: the fast path.
        records_only = (self.previous is not None and self.changed is not None
                        and _same_relations(self.previous.site, site))
        candidates = None
        if records_only and self.changed is not None:
            candidates = self.changed[0] | {"@" + slug for slug in self.changed[1]}
        self.search: SearchIndex
        if compared_later:
            self.search = SearchIndex(site, previous.search if previous is not None else None, candidates)
            self.search_layout: tuple[int, list[str]] = (self.search.chunk_count(), self.search.prefixes)
        else:  # a one-off build's index is made or patched once it knows what changed (see `use_search`)
            self.search_layout = (chunk_count(len(site.authors) + len(site.papers)), [])
        self.specs: list[PageSpec]
        self.shards: range  # where the search term shards are in `specs` (the plan keeps them together)
        self._by_dest: dict[str, PageSpec] | None = None
        removed: set[str] = set()
        if records_only and self.previous is not None:
            self.specs, self.shards = self.previous.specs, self.previous.shards
            if self.previous.search_layout != self.search_layout:  # a word with a new first two letters, or gone
                removed = self._replace_shards(self.previous)
        else:
            self.specs = plan_site(site, list(theme.static_files), self.search_layout)
            self.shards = shard_positions(self.specs)
        self.removed = sorted(removed)  # files the previous build made that no page makes now (fast path)
        self.inputs: dict[str, PageInputs] = {}
        self.showing: dict[str, list[str]] | None = None  # paper or author slug -> pages that show it
        self.dirty: list[PageSpec] | None = None  # when known: the only pages that may have changed
        if records_only and self.previous is not None and self.changed is not None \
                and self.search.changed_prefixes is not None:
            self.inputs, self.showing = self.previous.indexed_inputs()
            papers, authors = self.changed
            self.facts.inherit(self.previous.facts, papers | {p for a in authors for p in site.author_papers.get(a, ())})
            keys = papers | {"@" + slug for slug in authors}
            dests = {d for key in keys for d in self.showing.get(key, ())}
            dests |= {urls.search_shard_path(shard_name(prefix)) for prefix in self.search.changed_prefixes}
            if removed or self.previous.search_layout != self.search_layout:
                dests.add(urls.search_path("index.json"))  # the manifest lists the shards
            by_dest = self.specs_by_dest()
            self.dirty = [by_dest[dest] for dest in sorted(dests) if dest in by_dest]
        self.card_variants: set[tuple[str, bool]] = set()  # (heading, show_abstract) pairs templates asked for
        self.warm: bool = self.previous is not None and self.previous.warm

    def use_search(self, index: SearchIndex) -> None:
        """A one-off build's search index, and so its term shards."""
        self.search = index
        self.search_layout = (index.chunk_count(), index.prefixes)
        self._swap_shards()

    def _swap_shards(self) -> tuple[list[PageSpec], list[PageSpec]]:
        """Puts in the plan the term shards of the index's prefixes; returns the old ones and the new ones."""
        shards = search_shard_specs(self.search.prefixes)
        old = self.specs[self.shards.start:self.shards.stop]
        self.specs = self.specs[:self.shards.start] + shards + self.specs[self.shards.stop:]
        self.shards = range(self.shards.start, self.shards.start + len(shards))
        return old, shards

    def _replace_shards(self, previous: SitePages) -> set[str]:
        """Swap in the search shards of new term prefixes without re-planning (or re-indexing) the whole site;
        returns the destinations no longer made."""
        old, shards = self._swap_shards()
        by_dest = previous.specs_by_dest()
        previous._by_dest = None  # handed over: it now indexes this build's pages
        for spec in old:
            del by_dest[spec.dest]
        by_dest.update((spec.dest, spec) for spec in shards)
        self._by_dest = by_dest
        return {spec.dest for spec in old} - {spec.dest for spec in shards}

    def specs_by_dest(self) -> dict[str, PageSpec]:
        """Pages by destination; while the plan stays the same list, each build hands the index to the next."""
        if self._by_dest is None:
            previous = self.previous
            self._by_dest = previous.specs_by_dest() if previous is not None and previous.specs is self.specs \
                else {spec.dest: spec for spec in self.specs}
        return self._by_dest

    def indexed_inputs(self) -> tuple[dict[str, PageInputs], dict[str, list[str]]]:
        """Every page's inputs, and which pages show each paper (by slug) or author ("@" + slug)."""
        if self.showing is None:
            showing: dict[str, list[str]] = {}
            for spec in self.specs:
                if spec.kind not in COPIED_KINDS:
                    inputs = self.page_inputs(spec)
                    for key in (*inputs.papers, *("@" + author for author in inputs.authors)):
                        showing.setdefault(key, []).append(spec.dest)
            self.showing = showing
        return self.inputs, self.showing

    def page_inputs(self, spec: PageSpec) -> PageInputs:
        if spec.kind == "search_manifest":
            # Never kept: an edit's build shares `inputs` with the previous one (so it can compare against it
            # cheaply), and the manifest is the one page whose inputs such an edit can change.
            return self._search_inputs(spec)
        inputs = self.inputs.get(spec.dest)
        if inputs is None:
            if spec.kind in SEARCH_KINDS:
                inputs = self._search_inputs(spec)
            else:
                inputs = (EXPORT_KINDS.get(spec.kind) or PAGE_KINDS[spec.kind])[1](self.site, spec)
            if self.compared_later:
                self.inputs[spec.dest] = inputs
        return inputs

    def _search_inputs(self, spec: PageSpec) -> PageInputs:
        """Search files are made of the documents they hold (term shards are compared by content instead)."""
        if spec.kind == "search_docs":
            keys = self.search.keys[spec.page * CHUNK:(spec.page + 1) * CHUNK]
            authors = tuple(key[1:] for key in keys if key.startswith("@"))
            counts = tuple(len(self.site.author_papers[slug]) for slug in authors)
            return PageInputs(tuple(key for key in keys if not key.startswith("@")), authors, counts)
        if spec.kind == "search_manifest":
            return PageInputs(extra=(len(self.search.keys), tuple(self.search.prefixes)))
        return PageInputs(extra=(spec.key,))

    def unchanged_since_previous(self, spec: PageSpec) -> bool:
        """True when this page surely shows what it showed in the previous build (so its fingerprint holds).

        Cheap: compares which records the page shows and whether any of them changed, without hashing.
        """
        if self.previous is None or self.changed is None:
            return False
        if spec.kind == "static":
            return True  # static files are part of the shared fingerprint
        if spec.kind in COPIED_KINDS:
            return False  # pictures and files: their fingerprint is their source's digest, cheap to compare
        if spec.kind == "search_terms":
            changed = self.search.changed_prefixes
            return changed is not None and spec.key not in changed
        inputs = self.page_inputs(spec)
        previous = self.previous._search_inputs(spec) if spec.kind == "search_manifest" \
            else self.previous.inputs.get(spec.dest)
        if previous != inputs:
            return False
        papers, authors = self.changed
        return (papers.isdisjoint(inputs.papers) and papers.isdisjoint(inputs.titles)
                and authors.isdisjoint(inputs.authors))

    def inputs_of(self, spec: PageSpec) -> PageInputs | None:
        """What the page's fingerprint is made of; None for files fingerprinted by their source instead."""
        if spec.kind in COPIED_KINDS or spec.kind == "search_terms":
            return None
        return self.page_inputs(spec)

    def fingerprint(self, spec: PageSpec, inputs: PageInputs | None = None) -> str:
        """`inputs`: the page's, if the caller has them already (see `inputs_of`)."""
        if spec.kind == "static":
            return self.theme.static_digests[spec.key]
        if spec.kind == "asset":
            return self.site.assets[spec.key].digest
        if spec.kind == "image":
            source, width, ending = parse_key(spec.key)
            return f"{self.site.assets[source].digest} {width} {ending} {__version__}"
        if spec.kind == "search_terms":
            return self.search.shard_digest(spec.key, __version__)
        template = self.theme.template_digest(spec.template) if spec.template else spec.kind
        if inputs is None:
            inputs = self.page_inputs(spec)
        text = "\n".join((self.shared_fingerprint, template, self.facts.of_page(inputs)))
        return hashlib.sha1(text.encode()).hexdigest()

    def render(self, spec: PageSpec) -> bytes:
        if spec.kind == "static":
            return self.theme.static_files[spec.key].read_bytes()
        if spec.kind == "asset":
            return (self.root / CONTENT_DIR / spec.key).read_bytes()
        if spec.kind == "image":
            source, width, ending = parse_key(spec.key)
            data, made = render_variant(self.root, self.site.assets[source], width, ending)
            self.images_processed += made
            return data
        if spec.kind in EXPORT_KINDS:
            return EXPORT_KINDS[spec.kind][0](self.site, spec, self.view)
        if spec.kind == "search_terms":
            return self.search.shard(spec.key)
        if spec.kind == "search_docs":
            return self.search.chunk(spec.page)
        if spec.kind == "search_manifest":
            return self.search.manifest()
        return render_page(self.theme.env, self.site, spec, self.view, self.theme.files,  # type: ignore[arg-type]
                           paper_card=self.paper_card)

    def forget_pieces(self) -> None:
        """Drop the remembered paper cards and citation and feed entries."""
        self.theme.fragments.clear()
        citations.forget_entries()
        feeds.forget_entries()
        give_back_free_memory()

    def paper_card(self, slug: str, heading: str = "h3", show_abstract: bool = False) -> Markup:
        """A paper as lists show it, rendered once per build however many pages list it."""
        self.card_variants.add((heading, show_abstract))
        key = (self.shared_fingerprint, self.facts.paper(slug), heading, str(show_abstract))
        parts = self.theme.fragments.get(key)
        if parts is None:
            if len(self.theme.fragments) > 4 * len(self.site.papers) + 1000:
                self.theme.fragments.clear()
            paper = self.site.papers[slug]
            html = render_fragment(self.theme.env, "partials/paper_item.html", self.theme.files,  # type: ignore[arg-type]
                                   paper=paper_item(self.site, paper, self.view),
                                   heading=heading, show_abstract=show_abstract)
            parts = self.theme.fragments[key] = parts_sharing(html, paper.rendered_abstract or paper.abstract)
        return parts[0] if len(parts) == 1 else Markup("".join(parts))  # type: ignore[return-value]


@dataclass(frozen=True)
class _Edit:
    """A CLI build's edit since the live generation (see Builder._edit_since_live)."""

    stored: shown.Stored
    positions: list[int]  # of the pages that show the edited papers, in the build's order (see _render_order)
    search: PatchedIndex


class Builder:
    """Builds one project into one output folder, as often as asked, reusing all it can."""

    def __init__(self, project: Project, output: Path | None = None, progress: Progress | None = None,
                 records: RecordCache | None = None, *, one_off: bool = False) -> None:
        """`one_off`: the process ends after one build, so what later builds would reuse need not be kept."""
        self.project = project
        self.one_off = one_off
        self.progress = progress
        self.records = records  # parsed content kept between runs: read by the first full build, saved by each
        self.output = output or project.root / "site"
        check_output_location(self.output, project.root)
        self.theme: LoadedTheme | None = None
        self.pages: SitePages | None = None
        self.tree: OutputTree | None = None
        self._prescanning: Worker | None = None  # see output.prescan
        self._settled: BuildResult | None = None  # the last build, if it succeeded (and its theme is still loaded)

    def reload_theme(self) -> None:
        self.theme = self._settled = None

    def base_url(self) -> str:
        """The base URL of the last successful build ("/" before any)."""
        return self.pages.site.config.base_url if self.pages else "/"

    def build(self, changed: set[str] | None = None, *, clean: bool = False, stamp: str | None = None,
              content: Listing | None = None) -> BuildResult:
        """Build after the given content paths changed (None: check every file).

        `stamp`: the inputs stamp, if the caller took it before anything was read (else it is taken here), and
        `content`, the listing it was taken from."""
        lock = OutputLock(self.output)
        waiting = f"Waiting for another build of {self.output} to finish"
        if lock.acquire(lambda: self.progress and self.progress(waiting, 0, 1)) and self.progress:
            self.progress(waiting, 1, 1)
        try:
            if self.tree is not None and not self.tree.current():  # another process built here since: check all
                self.tree = self.pages = self._settled = None
            if changed == set() and not clean and self._settled is not None:  # `portfolio build` after no edit
                return dataclasses.replace(self._settled, rendered=0, written=0, removed=0, changed=(),
                                           images_processed=0)
            self._settled = None
            self._settled = self._build_alone(changed, clean, stamp, content)
            return self._settled
        finally:
            lock.release()

    def _build_alone(self, changed: set[str] | None, clean: bool, stamp: str | None,
                     content: Listing | None) -> BuildResult:
        # A full first build records a stamp of its inputs (see stamp.py); later ones, which may have been
        # told of changes only in part, record none.
        root = self.project.root
        if stamp is None and changed is None and self.pages is None:
            content = list_content(root)
            stamp = inputs_stamp(content, self.project.base_url,
                                 self.theme.files if self.theme else ThemeFiles.for_project(root))
        records = self.records if changed is None else None
        if self.tree is None and content is not None and worth_forking(len(content.found), MIN_FILES) \
                and self.output.is_dir():
            self._prescanning = Worker(lambda: prescan(self.output))  # on the other core, while this one reads
        # The model is large and acyclic: cyclic garbage collection would rescan it again and again.
        gc.disable()
        try:
            if records is not None and not clean and not self.project.files:  # the first reading of this run
                self.project.reuse(records.read())
            result = self._build(changed, clean, stamp, records, content)
        except BuildFailed:
            self._save_caches(records)  # what was parsed still holds: the fix of one file re-reads that file
            raise
        finally:
            if self._prescanning is not None:  # the build failed before it needed the scans
                self._prescanning.cancel()
                self._prescanning = None
            gc.enable()
            gc.freeze()
        self._save_caches(None if result.records_saved else records)
        return result

    def _save_caches(self, records: RecordCache | None) -> None:
        """Keep what the next run may reuse: the records parsed (after full builds), the templates' references."""
        self._save_records(records)
        if self.theme is not None and self.theme.cache is not None:
            self.theme.cache.save()

    def _save_records(self, records: RecordCache | None) -> None:
        if records is not None:
            records.save(self.project.files, self.project.take_fresh())

    def _build(self, changed: set[str] | None, clean: bool, stamp: str | None,
               records: RecordCache | None, content: Listing | None) -> BuildResult:
        self.project.refresh(changed, self.progress, content)
        site = self.project.site()
        if self.theme is None:
            self.theme = LoadedTheme.for_project(self.project.root)
        pages = SitePages(self.theme, site, self.project.root, self.pages, compared_later=not self.one_off)
        if self.tree is None:
            self.tree = OutputTree(self.output, self._prescanned())
        tree = self.tree
        tree.begin()
        try:
            order = sorted(pages.specs if pages.dirty is None or clean else pages.dirty, key=_render_order)
            to_check: Sequence[int] = range(len(order))  # positions in `order`
            made: tuple[str, ...] | None = None  # see shown.made_from: set when this build makes a shown file
            shown_file: Iterable[bytes] | None = None
            if pages.dirty is not None and not clean:
                tree.keep_all_except([*(spec.dest for spec in order), *pages.removed])
            elif self.one_off:
                settled = len(order) - sum(spec.kind in SEARCH_KINDS for spec in order)  # the search files last
                made = shown.made_from(pages.shared_fingerprint, theme_stamp(self.theme.files), order[:settled],
                                       self.project.base_url)
                edit = None if clean else self._edit_since_live(decode_shown(tree.live_shown()), made, settled, tree)
                pages.use_search(edit.search if edit is not None else SearchIndex(site, updatable=False))
                order[settled:] = [spec for spec in pages.specs if spec.kind in SEARCH_KINDS]
                to_check = range(len(order))
                if edit is not None:
                    search_files = [spec.dest for spec in order[settled:]]
                    changed_files = edit.search.files_changed()
                    to_check = [*edit.positions, *(at for at in range(settled, len(order))
                                                   if order[at].dest in changed_files)]
                    removed = set(edit.stored.search_files).difference(search_files)
                    shown_file = shown.encode(made, self.project.digests(), len(self.project.files),
                                              [shown.table(edit.stored.shown)], search_files)
                    tree.keep_all_except([*(order[number].dest for number in to_check), *removed])
            collecting = made is not None and shown_file is None
            for template in {order[number].template for number in to_check if order[number].template}:
                self.theme.template_digest(template)  # here, not in each process: so the cache learns them all
            before = pages.images_processed

            def render(share: Iterable[int], in_child: bool) -> WorkerResult | Parts:
                noted = ShownBy() if collecting else None
                if in_child:
                    # The records parsed are saved here, where the child starts: the parent takes more pages
                    # meanwhile, instead of saving them alone after the pages (5 s at 100k papers).
                    saves_records = records is not None and self.one_off
                    if saves_records:
                        self._save_records(records)
                    rendered, errors, share_made = _render_share(pages, tree, order, share, clean, detached=True,
                                                                 forget=pages.forget_pieces, shown=noted)
                    pages.search.forget()  # before the result is pickled
                    assert share_made is not None
                    return Parts(itertools.chain([(rendered, errors, pages.images_processed - before, saves_records,
                                                   noted.table() if noted else None)], share_made.parts()))
                done = _render_share(pages, tree, order, share, clean,
                                     forget=pages.forget_pieces if self.one_off else None, shown=noted)
                if self.one_off:
                    pages.search.forget()  # before the child's result is read (at 10k papers, 8 MB less at the end)
                return (*done, 0, False, noted.table() if noted else None)

            progress = self.progress
            total = len(to_check)

            # Rendering leaves few reference cycles (about 400 objects for 1,000 papers). A process that goes on
            # (the preview server) collects them, skipping the model and plan, which are frozen out of the
            # collector's way (and stay shared with the forked process, whose pages it would otherwise copy). A
            # one-off build ends soon: without the collector's passes over the pages it takes 5% less time.
            gc.freeze()
            if not self.one_off:
                gc.enable()
            try:
                shares = from_both_ends(render, to_check, MIN_PAGES,
                                        (lambda count: progress("Building pages", count, total)) if progress else None,
                                        lambda theirs: tree.expect_share(order[number].dest for number in theirs))
            finally:
                gc.disable()
            if progress:
                progress("Building pages", total, total)
            rendered, errors, records_saved = 0, [], False
            tables: list[shown.Table] = []
            for more, more_errors, share, images, saved, table in map(_from_worker, shares):
                if share is not None:
                    tree.absorb(share)
                pages.images_processed += images
                rendered += more
                errors += more_errors
                records_saved |= saved
                if table is not None:
                    tables.append(table)
            if errors:
                raise BuildFailed(errors)
            if collecting and made is not None:
                shown_file = shown.encode(made, self.project.digests(), len(self.project.files), tables,
                                          [spec.dest for spec in order[settled:]])
            stats = tree.commit(stamp, shown_file)
        except BaseException:
            tree.abort()
            raise
        self.pages = pages
        return BuildResult(self.output, len(pages.specs), rendered, stats.written, stats.removed,
                           tuple(stats.changed_paths), pages.images_processed, len(shares), records_saved)

    def _prescanned(self) -> Prescan | None:
        worker, self._prescanning = self._prescanning, None
        if worker is None:
            return None
        try:
            found: Prescan = worker.result()
        except (ChildFailed, OSError):  # the tree scans for itself, and reports what is wrong
            return None
        return found

    def _edit_since_live(self, stored: shown.Stored | None, made: tuple[str, ...], settled: int, tree: OutputTree,
                         ) -> _Edit | None:
        """When the live generation's shown file says which pages show the papers that changed since it was
        built, and nothing else changed (see shown.py): those pages, and the search index patched from the live
        search files. None: every page must be checked, against the whole index."""
        if stored is None or stored.made_from != made:
            return None
        papers = self.project.papers_changed_only(stored.digests)
        if papers is None:
            return None
        positions = sorted(stored.positions(papers))
        if positions and positions[-1] >= settled:
            return None
        search = patched_index(self.project.site(), papers, tree.live_bytes)
        return _Edit(stored, positions, search) if search is not None else None

    def warm_up(self, lock: threading.Lock, stop: threading.Event) -> bool:
        """Prepare, in the background, what the first edits would otherwise pay for; False if there was nothing.

        After a build that rendered little (the site was up to date), the paper cards of long lists and
        the index of which page shows which record are not yet in memory. One page of each list kind is
        rendered to learn which card variants the theme uses, then every card those pages need; the lock is
        taken in small steps so an edit never waits long.
        """
        with lock:
            pages = self.pages
            if pages is None or pages.warm:
                return False
            pages.warm = True
            pages.indexed_inputs()
            first_of_kind: dict[str, PageSpec] = {}
            for spec in pages.specs:
                if spec.kind in ("author", "category", "index"):
                    first_of_kind.setdefault(spec.kind, spec)
        exports = [spec for spec in pages.specs if spec.kind in ("author_bib", "author_feed")]
        for start in range(0, len(exports), 50):  # long bibliographies and feeds repeat the same entries
            with lock:
                if stop.is_set() or self.pages is not pages:
                    return True
                for spec in exports[start:start + 50]:
                    pages.render(spec)
        for kind, spec in first_of_kind.items():
            with lock:
                pages.card_variants.clear()
                try:
                    pages.render(spec)
                except ContentError:
                    return False
                variants = set(pages.card_variants)
            batch: list[str] = []
            for other in pages.specs:
                if other.kind != kind:
                    continue
                batch.extend(pages.inputs[other.dest].papers)
                if len(batch) >= 200 or other is pages.specs[-1]:
                    with lock:
                        if stop.is_set() or self.pages is not pages:
                            return True
                        for slug in batch:
                            for heading, abstract in variants:
                                pages.paper_card(slug, heading, abstract)
                    batch = []
            with lock:
                for slug in batch:
                    for heading, abstract in variants:
                        pages.paper_card(slug, heading, abstract)
        return True


# A process's rendering: pages rendered, errors, its share of the output (from the second process), pictures
# resized, whether it saved the parsed records, and which pages show each paper (see shown.Table).
WorkerResult = tuple[int, list[ContentError], TreeShare | None, int, bool, shown.Table | None]


def _from_worker(result: WorkerResult | Parts) -> WorkerResult:
    """A process's rendering result: the second process's comes in parts (see TreeShare.parts)."""
    if not isinstance(result, Parts):
        return result
    parts = iter(result.parts)
    rendered, errors, images, saved, table = next(parts)
    return rendered, errors, TreeShare.from_parts(parts), images, saved, table


def _pieces_used(spec: PageSpec) -> int:
    """Which remembered pieces a page is made of: paper cards (any template may list papers), citation entries,
    feed entries, none. No later group reuses an earlier one's."""
    if spec.template:
        return 0
    return {"paper_bib": 1, "author_bib": 1, "feed": 2, "author_feed": 2}.get(spec.kind, 3)


def _render_order(spec: PageSpec) -> tuple[int, int]:
    """Author pages first, then the other pages in groups by the pieces they are made of (see `_pieces_used`),
    the other lists of paper cards, and the search files, whose number changes with the words of the site:
    each page before them keeps its position in this order (see shown.py). Each process renders from one end
    (see workers.from_both_ends)."""
    if spec.kind == "author":
        return 0, 0
    if spec.kind in OTHER_CARD_LISTS:
        return 2, 0
    if spec.kind in SEARCH_KINDS:
        return 3, 0
    return 1, _pieces_used(spec)


def _render_share(pages: SitePages, tree: OutputTree, order: Sequence[PageSpec], positions: Iterable[int],
                  clean: bool, *, detached: bool = False, forget: Callable[[], None] | None = None,
                  shown: ShownBy | None = None) -> tuple[int, list[ContentError], TreeShare | None]:
    """Render the pages at these positions of `order` that changed into the staging folder: (rendered,
    errors, worker's share).

    `forget`, for a process that ends after this: called between groups of pages made of different remembered
    pieces (see `_pieces_used`; the pages come in groups, see `_render_order`). At 100k papers the pieces of
    one group take hundreds of megabytes; this way the build holds one group's at a time. `shown`: notes the
    papers each page shows (a build without a previous one, which fingerprints every page)."""
    if detached:
        tree.start_share()
    rendered = 0
    errors: list[ContentError] = []
    group = 0
    for position in positions:
        spec = order[position]
        if forget is not None and _pieces_used(spec) != group:
            group = _pieces_used(spec)
            forget()
        previous = tree.previous(spec.dest)
        if not clean and previous is not None and pages.unchanged_since_previous(spec):
            tree.keep(spec.dest)
            continue
        inputs = pages.inputs_of(spec)
        if shown is not None and inputs is not None and spec.kind not in SEARCH_KINDS:
            shown.note(position, inputs.papers)
        fingerprint = pages.fingerprint(spec, inputs)
        if not clean and previous is not None and previous[FINGERPRINT] == fingerprint:
            tree.keep(spec.dest)
            continue
        try:
            data = pages.render(spec)
        except ContentError as exc:
            errors.append(exc)
            continue
        rendered += 1
        if not errors:
            tree.put(spec.dest, data, fingerprint)
    if forget is not None:
        forget()  # the records are saved next, and take memory of their own
    return rendered, errors, tree.share() if detached else None


def build(root: Path, output: Path | None = None, *, base_url: str | None = None, clean: bool = False,
          progress: Progress | None = None, stamp: str | None = None, content: Listing | None = None,
          ) -> BuildResult:
    """Build a project once (the `portfolio build` command), reusing what earlier runs parsed."""
    return Builder(Project(root, base_url), output, progress, RecordCache(cache_file(root)),
                   one_off=True).build(clean=clean, stamp=stamp, content=content)


def check(root: Path) -> int:
    """Validate content and render every page in memory; returns the page count. Writes nothing."""
    project = Project(root)
    project.refresh()
    pages = SitePages(LoadedTheme.for_project(root), project.site(), root)
    errors: list[ContentError] = []
    for spec in pages.specs:
        try:
            pages.render(spec)
        except ContentError as exc:
            errors.append(exc)
    if errors:
        raise BuildFailed(errors)
    return len(pages.specs)
