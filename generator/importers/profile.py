"""`portfolio import profile`: profile text files -> native author and paper files, merged with what exists."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..markup import BARE_URL, escape_markdown
from ..readers.profile import Profile, ProfilePaper, parse_profile
from ..readers.records import ImportedPaper
from ..slugs import slugify
from ..sources import CONTENT_DIR
from .content_files import ContentIndex, ExistingAuthor, ImportReport
from .merge import Provenance, merge_paper, read_sources

if TYPE_CHECKING:
    from ..project import Progress

_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co", "sourceforge.net")


def code_url_in(text: str) -> str | None:
    """The first repository URL an abstract names ("Code is available at https://github.com/...")."""
    for match in BARE_URL.finditer(text):
        host = match.group(0).split("/")[2].lower()
        if host.removeprefix("www.") in _CODE_HOSTS:
            return match.group(0)
    return None


def _imported(profile: Profile, paper: ProfilePaper) -> ImportedPaper:
    imported = ImportedPaper({
        "title": paper.title,
        "authors": list(paper.authors),
        "et_al": True if paper.et_al else None,
        "date": paper.date.iso(),
        "category": paper.category,
        "score": paper.score,
        "code": code_url_in(paper.abstract) or (True if paper.has_code else None),
    }, escape_markdown(paper.abstract), origin=f"{profile.src_path}:{paper.line}")
    imported.make_renderable()
    return imported


def _import_author(index: ContentIndex, profile: Profile, paper_slugs: list[str]) -> None:
    existing = index.find_author(profile.name)
    if existing is None:
        existing = ExistingAuthor(f"{CONTENT_DIR}/authors/{slugify(profile.name, fallback_prefix='author')}.yaml",
                                  {}, "")
        index.authors.append(existing)
    data = dict(existing.data)
    data.setdefault("name", profile.name)
    if profile.category and not data.get("category"):
        data["category"] = profile.category
    metrics = dict(data.get("metrics") or {})
    for key in ("h_index", "citations", "novelty", "ai_score"):
        value = getattr(profile, key)
        if value is not None:
            metrics[key] = value  # metrics come from outside: the newest profile is right
    data["metrics"] = metrics
    listed = [str(slug) for slug in data.get("papers") or []]
    data["papers"] = paper_slugs + [slug for slug in listed if slug not in paper_slugs]
    existing.data = data


def import_profiles(project: Path, files: list[Path], *, dry_run: bool = False,
                    progress: Progress | None = None) -> ImportReport:
    """Import each profile; a file that does not fit the format stops the run before anything is written."""
    profiles = read_sources(files, parse_profile)
    index = ContentIndex.load(project)
    report = ImportReport(dry_run)
    provenance = Provenance(project)
    for profile in profiles:
        if profile.paper_count is not None and profile.paper_count != len(profile.papers):
            report.warnings.append(f"{profile.src_path}: the header says {profile.paper_count} papers but "
                                   f"{len(profile.papers)} are listed; imported the {len(profile.papers)}")
        papers = [_imported(profile, paper) for paper in profile.papers]
        slugs = [merge_paper(index, provenance, paper, Path(profile.src_path).name) for paper in papers]
        _import_author(index, profile, list(dict.fromkeys(slugs)))
        report.warnings += [warning for paper in papers for warning in paper.warnings]
    index.write_changes(report, progress)
    provenance.save(report)
    return report
