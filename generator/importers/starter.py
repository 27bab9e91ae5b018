"""Starting files: `portfolio init` (a new project with one author and one paper) and `portfolio new`
(one author, paper or page), each ready to build, with the optional fields shown as comments."""

from __future__ import annotations

import datetime
from pathlib import Path

from ..errors import UsageError
from ..slugs import slug_problem, slugify
from ..sources import CONTENT_DIR, SITE_CONFIG
from .content_files import ContentIndex, ImportReport, author_file_text, dump_yaml, paper_file_text

_EXAMPLE_ABSTRACT = """\
Write the abstract here, in Markdown. Inline math such as $O(n \\log n)$ is rendered at build time,
and so are \\textit{LaTeX text macros}.
"""


def write_starter_project(target: Path, *, title: str) -> list[Path]:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} already exists and is not empty; choose a new folder")
    today = datetime.date.today()
    files = {
        "content/site.yaml": dump_yaml({
            "title": title,
            "description": f"Publications and people of {title}.",
            "base_url": "https://example.org/",
            "language": "en",
            "owners": ["your-name"],
            "links": [{"title": "Source", "url": "https://github.com/"}],
        }),
        "content/authors/your-name.yaml": author_file_text("your-name.yaml", {
            "name": "Your Name",
            "category": "cs.LG",
            "affiliation": "Your Institute",
            "metrics": {"h_index": 1, "citations": 10},
            "links": {"homepage": "https://example.org/"},
            "papers": ["my-first-paper"],
        }),
        "content/papers/my-first-paper.md": paper_file_text({
            "title": "My First Paper",
            "authors": ["Your Name", "A. Colleague"],
            "date": today,
            "category": "cs.LG",
            "code": "https://github.com/",
        }, _EXAMPLE_ABSTRACT),
        ".gitignore": "/site/\n/.site.previous/\n",
    }
    written = []
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written.append(path)
    return written


def _check_project(project: Path) -> None:
    if not (project / SITE_CONFIG).is_file():
        raise UsageError(f"{project} is not a site project: {SITE_CONFIG} is missing "
                         "(create one with 'portfolio init DIR', or pass --source)")


def _create(project: Path, src_path: str, text: str) -> Path:
    """Write a new file; never replaces one that exists."""
    path = project / src_path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as new_file:
            new_file.write(text)
    except FileExistsError:
        raise UsageError(f"{src_path} already exists; edit it, or choose another name") from None
    return path


def _chosen_slug(text: str, slug: str | None, what: str) -> str:
    if slug is None:
        return slugify(text, fallback_prefix=what)
    problem = slug_problem(slug)
    if problem:
        raise UsageError(f"--slug: {problem}")
    return slug


def new_author(project: Path, name: str, slug: str | None = None) -> Path:
    _check_project(project)
    slug = _chosen_slug(name, slug, "author")
    text = (dump_yaml({"name": name}) + f"""\
# Optional fields: remove the '#' to use one. README.md ("Content format") describes them all.
# category: cs.LG                 # arXiv category of the main field
# affiliation: Your Institute
# photo:
#   src: images/{slug}.jpg         # a picture under content/
#   alt: Portrait of {name}
# metrics:
#   h_index: 10
#   citations: 250
# links:
#   homepage: https://example.org/
papers:  # file names in content/papers/ without .md, newest first
""")
    return _create(project, f"{CONTENT_DIR}/authors/{slug}.yaml", text)


def new_paper(project: Path, title: str, author_slugs: list[str], slug: str | None = None,
              date: datetime.date | None = None) -> list[Path]:
    """The paper file, and each named author's list with the paper added at its top."""
    _check_project(project)
    index = ContentIndex.load(project, kinds=("authors",))
    authors = []
    for author_slug in author_slugs:
        author = index.author_by_slug(author_slug)
        if author is None:
            known = ", ".join(sorted(index.author_slug(a) for a in index.authors)) or "none yet"
            raise UsageError(f"--author {author_slug!r}: no such author (known: {known})")
        authors.append(author)
    slug = _chosen_slug(title, slug, "paper")
    front = {"title": title, "authors": [str(a.data.get("name", "")) for a in authors] or ["Your Name"],
             "date": date or datetime.date.today()}
    categories = [a.data.get("category") for a in authors if a.data.get("category")]
    if categories:
        front["category"] = categories[0]
    header = paper_file_text(front, "").removesuffix("---\n")
    text = header + f"""\
# Optional fields: remove the '#' to use one. README.md ("Content format") describes them all.
# venue: NeurIPS 2026
# arxiv: 2601.00001
# doi: 10.0000/example
# code: https://github.com/you/{slug}
# pdf: files/{slug}.pdf           # a file under content/, or a web address
# teaser:
#   src: images/{slug}.png         # a picture shown above the abstract
#   alt: What the figure shows
---
The abstract, in Markdown. Math such as $O(n \\log n)$ is rendered at build time.
"""
    written = [_create(project, f"{CONTENT_DIR}/papers/{slug}.md", text)]
    report = ImportReport(dry_run=False)
    for author in authors:
        listed = list(author.data.get("papers") or [])
        author.data = {**author.data, "papers": [slug, *listed]}
    index.write_changes(report)
    written += [project / path for _, path in report.actions]
    return written


def new_page(project: Path, path: str, title: str | None = None) -> Path:
    """content/pages/<path>.md; `path` may be 'cv', 'cv.md' or 'projects/robots'."""
    _check_project(project)
    parts = [part for part in path.removesuffix(".md").strip("/").split("/") if part]
    if not parts:
        raise UsageError("give the page a path, such as 'cv' or 'projects/robots'")
    for part in parts:
        problem = slug_problem(part)
        if problem:
            raise UsageError(f"page path {path!r}: {problem}")
    title = title or parts[-1].replace("-", " ").capitalize()
    text = "---\n" + dump_yaml({"title": title}) + """\
# description: One sentence for search engines and link previews.
# nav: 2            # show the page in the site menu, in this order (or list it under nav: in site.yaml)
---
Write the page in Markdown: **bold**, [links](https://example.org/), tables, footnotes and math such as
$E = mc^2$. Link to other content by its file, as in `[a paper](papers/file-name.md)` or
`[a person](authors/their-name.yaml)`: the link points at the right page, and a wrong name is an error.

## A section

Headings become anchors and, with two or more, a table of contents.
"""
    return _create(project, f"{CONTENT_DIR}/pages/{'/'.join(parts)}.md", text)
