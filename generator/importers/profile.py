"""`portfolio import profile`: profile text files -> native author and paper files, merged with what exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import BuildFailed, ContentError
from ..markup import BARE_URL
from ..readers.profile import Profile, ProfilePaper, parse_profile
from ..slugs import slugify
from ..sources import CONTENT_DIR
from .content_files import (
    ContentIndex,
    ExistingAuthor,
    ExistingPaper,
    ImportReport,
    author_file_text,
    fill_missing,
    paper_file_text,
    write_if_changed,
    yaml_date,
)

_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co", "sourceforge.net")
_MARKDOWN_ACTIVE = re.compile(r"([*_`\[\]<>|])")


def code_url_in(text: str) -> str | None:
    """The first repository URL an abstract names ("Code is available at https://github.com/...")."""
    for match in BARE_URL.finditer(text):
        host = match.group(0).split("/")[2].lower()
        if host.removeprefix("www.") in _CODE_HOSTS:
            return match.group(0)
    return None


def escape_markdown(text: str) -> str:
    """Keep plain text plain in a Markdown body: `*`, `_` and friends outside math become literal."""
    pieces = re.split(r"(\$[^$]*\$)", text)
    return "".join(p if p.startswith("$") and p.endswith("$") and len(p) > 1 else _MARKDOWN_ACTIVE.sub(r"\\\1", p)
                   for p in pieces)


def _paper_fields(paper: ProfilePaper) -> dict[str, Any]:
    code_url = code_url_in(paper.abstract)
    return {
        "title": paper.title,
        "authors": list(paper.authors),
        "et_al": True if paper.et_al else None,
        "date": yaml_date(paper.date.iso()),
        "category": paper.category,
        "score": paper.score,
        "code": code_url or (True if paper.has_code else None),
    }


def _import_paper(index: ContentIndex, project: Path, paper: ProfilePaper, report: ImportReport) -> str:
    """Write or merge one paper; returns its slug."""
    incoming = _paper_fields(paper)
    existing = index.find_paper(paper.title)
    if existing is None:
        src_path = index.free_paper_path(paper.title)
        existing = ExistingPaper(src_path, {}, "")
        index.papers.append(existing)
    merged = fill_missing(existing.front, incoming)
    if existing.front.get("code") is True and isinstance(incoming["code"], str):
        merged["code"] = incoming["code"]  # a URL is better than "code exists"
    body = existing.body if existing.body.strip() else escape_markdown(paper.abstract)
    write_if_changed(project, existing.src_path, paper_file_text(merged, body), report)
    existing.front, existing.body = merged, body
    return index.paper_slug(existing)


def _import_author(index: ContentIndex, project: Path, profile: Profile, paper_slugs: list[str],
                   report: ImportReport) -> None:
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
    write_if_changed(project, existing.src_path, author_file_text(existing.src_path, data, existing.body), report)
    existing.data = data


def import_profiles(project: Path, files: list[Path], *, dry_run: bool = False) -> ImportReport:
    """Import each profile; problems in any file stop the run before anything is written."""
    profiles: list[Profile] = []
    errors: list[ContentError] = []
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            errors.append(ContentError(str(path), 0, f"cannot read the file: {exc.strerror}"))
            continue
        try:
            profiles.append(parse_profile(raw.decode("utf-8"), str(path)))
        except UnicodeDecodeError as exc:
            errors.append(ContentError(str(path), raw[: exc.start].count(b"\n") + 1, "file is not UTF-8 text"))
        except ContentError as exc:
            errors.append(exc)
    if errors:
        raise BuildFailed(errors)
    index = ContentIndex.load(project)
    report = ImportReport(dry_run)
    for profile in profiles:
        if profile.paper_count is not None and profile.paper_count != len(profile.papers):
            report.warnings.append(f"{profile.src_path}: the header says {profile.paper_count} papers but "
                                   f"{len(profile.papers)} are listed; imported the {len(profile.papers)}")
        slugs = [_import_paper(index, project, paper, report) for paper in profile.papers]
        _import_author(index, project, profile, list(dict.fromkeys(slugs)), report)
    return report
