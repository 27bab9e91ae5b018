"""A site project's content held in memory: a refresh re-reads only the files that changed, then links.

The CLI refreshes by comparing each file's size and mtime; the preview server passes the paths its
watcher saw, so an edit costs one file read however large the site is.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .config import normalize_base_url, parse_site_config
from .errors import BuildFailed, ContentError, UsageError
from .link import build_site
from .model import Asset, Author, NewsItem, Page, Paper, Site, SiteConfig
from .pickling import pickled_by_fields
from .readers.documents import parse_news, parse_page
from .readers.native import parse_author, parse_paper, slug_from_path
from .sources import (
    ASSET,
    SITE_CONFIG,
    Listing,
    classify,
    decode,
    list_content,
    load_bytes,
    settled,
    signature,
    unreadable,
)
from .workers import MIN_FILES, map_on_both_cores

Progress = Callable[[str, int, int], None]  # (what is being done, items done, items in all)

_READERS = {"authors": parse_author, "papers": parse_paper, "pages": parse_page, "news": parse_news}
Record = Author | Paper | Page | NewsItem | Asset | SiteConfig


Stat = tuple[str, str, tuple[int, int] | None, bool]  # a content file's path, kind, signature, whether settled


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class LoadedFile:
    kind: str
    signature: tuple[int, int] | None
    record: Record | None
    errors: tuple[ContentError, ...]
    digest: str  # of the bytes it was read from
    settled: bool = False  # while the file has this signature, it has these bytes (see sources.settled)


class Project:
    """One site project: its folder, an optional base-URL override, and its content as last read."""

    def __init__(self, root: Path, base_url: str | None = None) -> None:
        if not (root / SITE_CONFIG).is_file():
            raise UsageError(f"{root} is not a site project: {SITE_CONFIG} is missing "
                             "(create one with 'portfolio init DIR', or pass --source)")
        self.root = root
        self.base_url: str | None = None
        if base_url is not None:
            self.base_url = normalize_base_url(base_url)
            if self.base_url is None:
                raise UsageError(f"--base-url {base_url!r} must be a full URL such as 'https://user.github.io/repo/'")
        self.files: dict[str, LoadedFile] = {}
        self.problems: dict[str, ContentError] = {}  # files of a type that does not belong where they are
        self._linked: Site | None = None  # the last site linked without errors
        self._replaced: dict[str, Record | None] = {}  # records re-read since then
        self._earlier: dict[str, LoadedFile] = {}  # files as an earlier run read them (see recordcache.py)
        self._superseded: dict[str, LoadedFile] = {}  # of those, the ones whose bytes have changed since
        self._fresh: dict[str, LoadedFile] = {}  # files parsed, not reused, since `take_fresh`

    def reuse(self, earlier: dict[str, LoadedFile]) -> None:
        """Take records an earlier run parsed: a file whose bytes still have their digest is not parsed again."""
        self._earlier = earlier

    def take_fresh(self) -> dict[str, LoadedFile]:
        """The files parsed by full refreshes since the last call (what a record cache lacks)."""
        fresh, self._fresh = self._fresh, {}
        return fresh

    def refresh(self, changed: Iterable[str] | None = None, progress: Progress | None = None,
                content: Listing | None = None) -> set[str]:
        """Re-read what changed: the given project-relative paths, or (None) every file whose stat moved, by
        `content` if the caller has just listed it.

        Returns the paths whose records were re-read or dropped.
        """
        touched: set[str] = set()
        if changed is None:
            content = content or list_content(self.root)
            found = content.found
            self.problems = {error.location.path: error for error in content.errors}
            present = dict(found)
            for src_path in list(self.files):
                if src_path not in present:
                    self._replaced.setdefault(src_path, self.files.pop(src_path).record)
                    touched.add(src_path)
            stale: list[Stat] = []
            for src_path, kind in found:
                current = content.signatures[src_path]
                loaded = self.files.get(src_path)
                if loaded is None or loaded.signature != current:
                    stale.append((src_path, kind, current, settled(current, content.taken_ns)))
            reused = {item[0]: file for item in stale if (file := self._reusable(*item)) is not None}
            self._superseded = {item[0]: self._earlier[item[0]] for item in stale
                                if item[0] not in reused and item[0] in self._earlier}
            # Saved again: records whose file was read to be reused (its stat had moved, or had not settled).
            self._fresh.update((src_path, file) for src_path, file in reused.items()
                               if file is not self._earlier.get(src_path))
            self._earlier = {}
            parsed = dict(self._load_all([item for item in stale if item[0] not in reused], progress))
            for src_path, *_ in stale:  # kept in the order found, as a run that parses everything keeps them
                loaded = reused[src_path] if src_path in reused else parsed[src_path]
                if src_path in parsed and loaded is not None:
                    self._fresh[src_path] = loaded
                self._keep(src_path, loaded)
                touched.add(src_path)
            return touched
        for src_path in changed:
            file_kind, problem = classify(src_path)
            taken_ns = time.time_ns()
            current = signature(self.root, src_path)
            self.problems.pop(src_path, None)
            if problem and current is not None:
                self.problems[src_path] = ContentError(src_path, 0, problem)
            if file_kind is None or current is None:
                removed = self.files.pop(src_path, None)
                if removed is not None:
                    self._replaced.setdefault(src_path, removed.record)
                    touched.add(src_path)
                continue
            self._read(src_path, file_kind, current, settled(current, taken_ns))
            touched.add(src_path)
        return touched

    def digests(self) -> Iterator[tuple[str, str]]:
        """Each file's path and the digest of its bytes as read (as many as `files`)."""
        return ((src_path, loaded.digest) for src_path, loaded in self.files.items())

    def papers_changed_only(self, earlier: dict[str, str]) -> dict[str, Paper] | None:
        """The papers whose files differ from the `earlier` digests (see `digests`), by slug, as they were
        then, when nothing else differs and no change can alter a link or order (see `_relinked_papers_only`);
        else None.

        Tells a CLI build which papers an edit touched since a build of its own, whose site it does not hold:
        the records of that build come from the record cache, and only if their digests match."""
        if self.problems or self.files.keys() != earlier.keys():
            return None
        papers: dict[str, Paper] = {}
        for src_path, loaded in self.files.items():
            if loaded.digest == earlier[src_path]:
                continue
            old = self._superseded.get(src_path)
            if old is None or old.digest != earlier[src_path] or old.errors or loaded.errors \
                    or not isinstance(old.record, Paper) or not isinstance(loaded.record, Paper) \
                    or _link_key(old.record) != _link_key(loaded.record):
                return None
            papers[loaded.record.slug] = old.record
        return papers

    def _load_all(self, stale: list[Stat], progress: Progress | None) -> list[tuple[str, LoadedFile | None]]:
        """Read the given files, on both cores when there are many; in the order given."""
        loaded = map_on_both_cores(lambda item: self._load(*item), stale, MIN_FILES,
                                   (lambda count: progress("Reading content", count, len(stale))) if progress else None)
        return [(item[0], file) for item, file in zip(stale, loaded)]

    def _reusable(self, src_path: str, kind: str, current: tuple[int, int] | None, stat_settled: bool,
                  ) -> LoadedFile | None:
        """An earlier run's record of the file, if the file still has the bytes it was parsed from: known from
        its stat when that had settled (see sources.settled; at 10k papers, 0.2 s less than reading every
        file), else from the digest of its bytes."""
        earlier = self._earlier.get(src_path)
        if not isinstance(earlier, LoadedFile) or earlier.kind != kind:
            return None
        if earlier.settled and earlier.signature == current:
            return earlier
        try:
            _, digest = load_bytes(self.root, src_path)
        except OSError:
            return None  # gone or unreadable: reading it again says what is wrong
        if digest != earlier.digest:
            return None
        return dataclasses.replace(earlier, signature=current, settled=stat_settled)

    def _read(self, src_path: str, kind: str, current: tuple[int, int] | None, stat_settled: bool) -> None:
        self._keep(src_path, self._load(src_path, kind, current, stat_settled))

    def _keep(self, src_path: str, loaded: LoadedFile | None) -> None:
        """Hold what was read in place of the file's previous record (None: the file vanished meanwhile)."""
        previous = self.files.get(src_path)
        self._replaced.setdefault(src_path, previous.record if previous else None)
        if loaded is None:
            self.files.pop(src_path, None)
        else:
            self.files[src_path] = loaded

    def _load(self, src_path: str, kind: str, current: tuple[int, int] | None, stat_settled: bool,
              ) -> LoadedFile | None:
        """One file's record and problems; None if it vanished after it was listed. Reads only, so a worker can."""
        errors: list[ContentError] = []
        record: Record | None = None
        digest = ""
        try:
            if kind == ASSET:
                asset = read_asset(self.root, src_path)
                return LoadedFile(kind, current, asset, (), asset.digest, stat_settled)
            raw, digest = load_bytes(self.root, src_path)
            source = decode(src_path, kind, raw, digest)
            if kind == "config":
                record = parse_site_config(source.text, src_path, errors)
            else:
                record = _READERS[kind](src_path, source.text, errors, source.digest)
        except ContentError as exc:
            errors.append(exc)
        except FileNotFoundError:
            return None
        except OSError as exc:
            errors.append(unreadable(src_path, exc))
        return LoadedFile(kind, current, record, tuple(errors), digest, stat_settled)

    def site(self) -> Site:
        """Link the records into a Site; every problem of every file is raised together."""
        site = self._relinked_papers_only() or self._link_all()
        self._linked, self._replaced = site, {}
        return site

    def _relinked_papers_only(self) -> Site | None:
        """The last site with some papers' records swapped, when no change can alter any link or order.

        That is the common edit (an abstract, a score, a typo in a title word that keeps the order...): it
        then costs nothing proportional to the size of the site.
        """
        if self._linked is None or self.problems:
            return None
        swaps: dict[str, Paper] = {}
        for src_path, old in self._replaced.items():
            loaded = self.files.get(src_path)
            new = loaded.record if loaded else None
            if loaded is None or loaded.errors or not isinstance(old, Paper) or not isinstance(new, Paper):
                return None
            if _link_key(old) != _link_key(new):
                return None
            swaps[new.slug] = new
        papers = dict(self._linked.papers)
        papers.update(swaps)
        return dataclasses.replace(self._linked, papers=papers)

    def _link_all(self) -> Site:
        errors: list[ContentError] = list(self.problems.values())
        records: dict[type, list[Record]] = {kind: [] for kind in (Author, Paper, Page, NewsItem, Asset)}
        unreadable: set[str] = set()  # files too broken to read: references to them are not errors too
        config: SiteConfig | None = None
        for src_path, loaded in self.files.items():
            errors.extend(loaded.errors)
            record = loaded.record
            if isinstance(record, SiteConfig):
                config = record
            elif record is not None:
                records[type(record)].append(record)
            else:
                unreadable.add(slug_from_path(src_path))
        if config is None:
            if not errors:
                errors.append(ContentError(SITE_CONFIG, 0, "the site settings file is missing"))
            raise BuildFailed(errors)
        if self.base_url is not None:
            config = dataclasses.replace(config, base_url=self.base_url)
        site = build_site(config, SITE_CONFIG, records[Author], records[Paper], errors, unreadable,  # type: ignore[arg-type]
                          pages=records[Page], news=records[NewsItem], assets=records[Asset])  # type: ignore[arg-type]
        if errors:
            raise BuildFailed(errors)
        return site


def _link_key(paper: Paper) -> tuple[object, ...]:
    """Everything of a paper that linking and ordering read, and what links to it show (title, date)."""
    return (paper.slug, paper.date, paper.title, paper.category and paper.category.code, paper.teaser, paper.pdf,
            tuple((author.key, author.slug) for author in paper.authors))


IMAGE_ENDINGS = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def read_asset(root: Path, src_path: str) -> Asset:
    """A file to copy as it is; for pictures, also their size (read from the header, not decoded)."""
    raw, digest = load_bytes(root, src_path)
    width = height = 0
    if src_path.lower().endswith(IMAGE_ENDINGS):
        from io import BytesIO

        from PIL import Image, UnidentifiedImageError
        try:
            with Image.open(BytesIO(raw)) as picture:
                width, height = picture.size
                if picture.getexif().get(0x0112) in (5, 6, 7, 8):  # EXIF says: shown turned by 90 degrees
                    width, height = height, width
        except (UnidentifiedImageError, OSError):
            pass  # not a readable picture: copied all the same, and refused where a picture is needed
    return Asset(src_path.removeprefix(f"{SITE_CONFIG.split('/')[0]}/"), digest, width, height)


def load_site(root: Path, base_url: str | None = None) -> Site:
    """Read and link a whole project once."""
    project = Project(root, base_url)
    project.refresh()
    return project.site()
