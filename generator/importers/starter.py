"""`portfolio init`: a new site project with one author and one paper, ready to build and edit."""

from __future__ import annotations

import datetime
from pathlib import Path

from ..errors import UsageError
from .content_files import author_file_text, dump_yaml, paper_file_text

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
