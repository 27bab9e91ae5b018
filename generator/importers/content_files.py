"""What importers share: the existing content as raw fields, merging into it, and writing native files.

Importers normalize every input format to plain field dicts; this module finds the paper or author they
describe (by DOI, arXiv id, normalized title; by slug, name or alias), fills in what is missing without
touching what the user wrote, and writes a file only when its text really changes.
"""

from __future__ import annotations

import copy
import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import BuildFailed, ContentError
from ..readers.yamldoc import normalize_text, parse_front_matter, parse_yaml
from ..slugs import normalize_name, normalize_title, slugify
from ..sources import CONTENT_DIR, list_content, load, unreadable

if TYPE_CHECKING:
    from ..project import Progress

PAPER_FIELD_ORDER = ("title", "slug", "authors", "et_al", "date", "category", "type", "venue", "publisher", "volume",
                     "number", "pages", "institution", "note", "score", "citations", "code", "arxiv", "doi", "pdf",
                     "url")
AUTHOR_FIELD_ORDER = ("name", "slug", "category", "affiliation", "metrics", "links", "aliases", "papers", "bio")
METRIC_ORDER = ("h_index", "i10_index", "citations", "novelty", "ai_score")


class _ContentDumper(yaml.SafeDumper):
    """Block-style YAML without anchors, so generated files read like hand-written ones."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _date_representer(dumper: yaml.SafeDumper, value: datetime.date) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_ContentDumper.add_representer(datetime.date, _date_representer)


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_ContentDumper, sort_keys=False, allow_unicode=True, width=10_000,
                     default_flow_style=False)


def yaml_date(iso: str) -> Any:
    """Full dates are written unquoted (2025-03-06); partial ones as text or a year number."""
    if len(iso) == 10:
        return datetime.date.fromisoformat(iso)
    return int(iso) if len(iso) == 4 else iso


def ordered(data: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    known = {key: data[key] for key in order if data.get(key) is not None}
    return {**known, **{k: v for k, v in data.items() if k not in known and v is not None}}


def paper_file_text(front: dict[str, Any], body: str) -> str:
    front = dict(front)
    if isinstance(front.get("date"), str) and re.match(r"^\d{4}(-\d{2}){0,2}$", front["date"]):
        front["date"] = yaml_date(front["date"])  # keep dates unquoted, as a person writes them
    text = "---\n" + dump_yaml(ordered(front, PAPER_FIELD_ORDER)) + "---\n"
    return text + (body.strip() + "\n" if body.strip() else "")


def author_file_text(src_path: str, data: dict[str, Any], bio: str = "") -> str:
    """A `.yaml` author file, or a `.md` one with the bio as its body."""
    data = dict(data)
    if isinstance(data.get("metrics"), dict):
        data["metrics"] = ordered(data["metrics"], METRIC_ORDER)
    fields = dump_yaml(ordered(data, AUTHOR_FIELD_ORDER))
    if not src_path.endswith(".md"):
        return fields
    return "---\n" + fields + "---\n" + (bio.strip() + "\n" if bio.strip() else "")


@dataclass
class ExistingPaper:
    src_path: str
    front: dict[str, Any]
    body: str
    original: str = ""  # the file as read; kept as it is while nothing in it changes

    def __post_init__(self) -> None:
        self._loaded = (copy.deepcopy(self.front), self.body)

    def text(self) -> str:
        if self.original and (self.front, self.body) == self._loaded:
            return self.original
        return paper_file_text(self.front, self.body)


@dataclass
class ExistingAuthor:
    src_path: str
    data: dict[str, Any]
    body: str  # the bio of a Markdown author file
    original: str = ""  # the file as read; comments and layout survive papers being added to its list

    def __post_init__(self) -> None:
        self._loaded = copy.deepcopy(self.data)

    def text(self) -> str:
        if self.original and self.data == self._loaded:
            return self.original
        edited = self._with_papers_added()
        return edited if edited is not None else author_file_text(self.src_path, self.data, self.body)

    def _with_papers_added(self) -> str | None:
        """The file as read plus new lines in its `papers:` list, when that is the only change."""
        before, after = self._loaded.get("papers") or [], self.data.get("papers") or []
        if not self.original or {**self._loaded, "papers": after} != self.data:
            return None
        count = len(after) - len(before)
        if after[count:] == before:
            at_start = True
        elif after[:len(before)] == before:
            at_start = False
        else:
            return None
        new = [str(slug) for slug in (after[:count] if at_start else after[len(before):])]
        edited = add_to_block_list(normalize_text(self.original), "papers", new, at_start=at_start)
        try:
            if self.src_path.endswith(".md"):
                reread = parse_front_matter(edited, self.src_path).front.data
            else:
                reread = parse_yaml(edited, self.src_path).data
        except ContentError:
            return None
        return edited if reread == self.data else None


def add_to_block_list(text: str, key: str, items: list[str], *, at_start: bool = False) -> str:
    """Add `- item` lines to the top-level block list `key:` of YAML text (or add the key at the end).

    Callers re-read the result: flow lists (`key: [a, b]`) and other layouts come out different and are
    then rewritten instead.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(rf"^{re.escape(key)}:[ \t]*(#.*)?$", line)), None)
    if start is None:
        end = next((i for i, line in enumerate(lines) if i > 0 and line.rstrip() == "---"), len(lines))
        if end and not lines[end - 1].endswith("\n"):
            lines[end - 1] += "\n"
        return "".join(lines[:end] + [f"{key}:\n", *(f"- {item}\n" for item in items)] + lines[end:])
    first, last, indent = None, start, ""
    for number in range(start + 1, len(lines)):
        line = lines[number]
        item = re.match(r"^([ \t]*)- ", line)
        if item:
            first = number if first is None else first
            last, indent = number, item.group(1)
        elif line.strip() and not line.lstrip().startswith("#") and line[0] not in " \t":
            break
    where = first if at_start and first is not None else last + 1
    if not lines[where - 1].endswith("\n"):
        lines[where - 1] += "\n"
    return "".join(lines[:where] + [f"{indent}- {item}\n" for item in items] + lines[where:])


@dataclass
class ContentIndex:
    """The project's papers and authors as raw fields, with lookups for merging."""

    project: Path
    papers: list[ExistingPaper] = field(default_factory=list)
    authors: list[ExistingAuthor] = field(default_factory=list)

    @classmethod
    def load(cls, project: Path, kinds: tuple[str, ...] = ("papers", "authors")) -> ContentIndex:
        index = cls(project)
        listing = list_content(project)
        errors = list(listing.errors)
        for src_path, kind in listing.found:
            if kind not in kinds:
                continue
            try:
                original = load(project, src_path, kind).text
                text = normalize_text(original)
                if kind == "papers" or src_path.endswith(".md"):
                    document = parse_front_matter(text, src_path)
                    data, body = document.front.data, document.body
                else:
                    data, body = parse_yaml(text, src_path).data, ""
                if not isinstance(data, dict):
                    raise ContentError(src_path, 1, "expected YAML fields")
            except ContentError as exc:
                errors.append(exc)
                continue
            except FileNotFoundError:  # gone since it was listed, or a link to nothing: as the build, skip it
                continue
            except OSError as exc:
                errors.append(unreadable(src_path, exc))
                continue
            if kind == "papers":
                index.papers.append(ExistingPaper(src_path, data, body, original))
            else:
                index.authors.append(ExistingAuthor(src_path, data, body, original))
        if errors:
            raise BuildFailed(errors)
        return index

    def find_paper(self, title: str, doi: str | None = None, arxiv: str | None = None) -> ExistingPaper | None:
        key = normalize_title(title)
        for paper in self.papers:
            if doi and str(paper.front.get("doi", "")).lower() == doi.lower():
                return paper
            if arxiv and str(paper.front.get("arxiv", "")).split("v")[0] == arxiv.split("v")[0]:
                return paper
        for paper in self.papers:
            if normalize_title(str(paper.front.get("title", ""))) == key:
                return paper
        return None

    def find_author(self, name: str) -> ExistingAuthor | None:
        key = normalize_name(name)
        for author in self.authors:
            names = [author.data.get("name", ""), author.data.get("slug") or Path(author.src_path).stem,
                     *(author.data.get("aliases") or [])]
            if any(normalize_name(str(n)) == key for n in names):
                return author
        return None

    def free_paper_path(self, title: str) -> str:
        """`content/papers/<slug>.md` for a new paper, with -2, -3... if another paper has that slug."""
        base = slugify(title, fallback_prefix="paper")
        taken = {Path(p.src_path).stem for p in self.papers} | {str(p.front.get("slug")) for p in self.papers}
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        return f"{CONTENT_DIR}/papers/{slug}.md"

    def paper_slug(self, paper: ExistingPaper) -> str:
        return str(paper.front.get("slug") or Path(paper.src_path).stem)

    def author_slug(self, author: ExistingAuthor) -> str:
        return str(author.data.get("slug") or Path(author.src_path).stem)

    def author_by_slug(self, slug: str) -> ExistingAuthor | None:
        return next((author for author in self.authors if self.author_slug(author) == slug), None)

    def write_changes(self, report: ImportReport, progress: Progress | None = None) -> None:
        """Write every paper and author file whose text the merges changed (each file once)."""
        files: list[ExistingPaper | ExistingAuthor] = [*self.papers, *self.authors]
        for number, item in enumerate(files, 1):
            write_if_changed(self.project, item.src_path, item.text(), report)
            if progress:
                progress("Writing content files", number, len(files))


@dataclass
class ImportReport:
    dry_run: bool
    actions: list[tuple[str, str]] = field(default_factory=list)  # (verb, path)
    warnings: list[str] = field(default_factory=list)
    skipped: list[ContentError] = field(default_factory=list)  # entries that could not be imported

    def lines(self) -> list[str]:
        done = {"add": "added", "update": "updated"}
        out = [f"would {verb} {path}" if self.dry_run else f"{done[verb]} {path}" for verb, path in self.actions]
        out += [f"warning: {warning}" for warning in self.warnings]
        count = len(self.actions)
        if not count:
            out.append("nothing to change: the content is already up to date")
        else:
            out.append(f"{count} file{'s' if count != 1 else ''} {'would change' if self.dry_run else 'changed'}")
        return out


def write_if_changed(project: Path, src_path: str, text: str, report: ImportReport, listed: bool = True) -> bool:
    """Write a content file when its text changes (not at all in a dry run); `listed` puts it in the report."""
    path = project / src_path
    old = path.read_bytes().decode("utf-8", "replace") if path.exists() else None
    if old == text:
        return False
    if listed:
        report.actions.append(("add" if old is None else "update", src_path))
    if not report.dry_run:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.importing")
        temporary.write_text(text, "utf-8")
        temporary.replace(path)
    return True
