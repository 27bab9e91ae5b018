"""Publishing to GitHub Pages with real git: a temporary repository, a local bare repository as `origin`."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from conftest import REPO, run_portfolio

from generator.linkcheck import check_links
from generator.serve import serving

PROJECT_SITE = "https://user.github.io/repo/"
PAPER = "content/papers/taid-temporally-adaptive-interpolated-distillation.md"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A source repository holding the example content (base_url on a project site), with a bare origin."""
    source = tmp_path / "source"
    shutil.copytree(REPO / "content", source / "content")
    site = source / "content" / "site.yaml"
    site.write_text(site.read_text().replace("https://example.github.io/research-portfolio/", PROJECT_SITE))
    (source / ".gitignore").write_text("/site/\n/.site.previous/\n")
    git(tmp_path, "init", "-q", "--bare", "-b", "main", "origin.git")
    git(tmp_path, "init", "-q", "-b", "main", "source")
    git(source, "config", "user.name", "Test Author")
    git(source, "config", "user.email", "test@example.org")
    git(source, "add", "-A")
    git(source, "commit", "-qm", "content")
    git(source, "remote", "add", "origin", str(tmp_path / "origin.git"))
    return source


def publish(source: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_portfolio("publish", "--source", str(source), *args, cwd=source)


def published_files(origin: Path, ref: str = "gh-pages") -> dict[str, bytes]:
    archive = subprocess.run(["git", "archive", ref], cwd=origin, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def snapshot(source: Path) -> dict[str, str]:
    """Working tree files, the index, HEAD and the status: what publishing must leave byte-identical."""
    files = {str(p.relative_to(source)): hashlib.sha1(p.read_bytes()).hexdigest()
             for p in source.rglob("*") if p.is_file() and ".git" not in p.relative_to(source).parts}
    files[".git/index"] = hashlib.sha1((source / ".git" / "index").read_bytes()).hexdigest()
    files["HEAD"] = git(source, "symbolic-ref", "HEAD") + git(source, "rev-parse", "HEAD")
    files["status"] = git(source, "status", "--porcelain=v1", "--untracked-files=all")
    return files


def test_publish_commits_the_site_as_the_branch_tree_and_pushes_it(repo: Path) -> None:
    before = snapshot(repo)
    result = publish(repo)
    assert result.returncode == 0, result.stderr
    assert "pushed to origin" in result.stdout
    origin = repo.parent / "origin.git"
    files = published_files(origin)
    assert {".nojekyll", "404.html", "robots.txt", "sitemap.xml", "index.html"} <= files.keys()
    assert "CNAME" not in files and not any(name.startswith(".portfolio") for name in files)
    assert "papers/taid-temporally-adaptive-interpolated-distillation/index.html" in files
    sitemap = files["sitemap.xml"].decode()
    assert f"<loc>{PROJECT_SITE}papers/taid-temporally-adaptive-interpolated-distillation/</loc>" in sitemap
    assert f"Sitemap: {PROJECT_SITE}sitemap.xml" in files["robots.txt"].decode()
    assert 'href="/repo/authors/takuya-akiba/"' in files["index.html"].decode()
    assert git(origin, "rev-list", "--count", "gh-pages").strip() == "1"
    assert snapshot(repo) == before  # working tree, index, HEAD untouched


def test_a_second_publish_adds_one_commit_with_only_the_changed_pages(repo: Path) -> None:
    assert publish(repo).returncode == 0
    paper = repo / PAPER
    paper.write_text(paper.read_text().replace("Causal language models", "Causal LANGUAGE models"))
    git(repo, "commit", "-qam", "edit one abstract")
    before = snapshot(repo)
    result = publish(repo)
    assert result.returncode == 0, result.stderr
    assert "0 added, 8 changed, 0 removed" in result.stdout
    origin = repo.parent / "origin.git"
    assert git(origin, "rev-list", "--count", "gh-pages").strip() == "2"
    changed = git(origin, "diff", "--name-only", "gh-pages~1", "gh-pages").split()
    paper = "papers/taid-temporally-adaptive-interpolated-distillation/"
    assert changed == [  # the pages and files that show the abstract: nothing else
        "authors/takuya-akiba/feed.xml", "authors/takuya-akiba/index.html", "authors/takuya-akiba/publications.bib",
        "feed.xml", paper + "cite.bib", paper + "cite.json", paper + "cite.ris", paper + "index.html"]
    assert snapshot(repo) == before


def test_publishing_an_unchanged_site_makes_no_commit(repo: Path) -> None:
    assert publish(repo).returncode == 0
    again = publish(repo)
    assert again.returncode == 0 and "Nothing to publish" in again.stdout
    assert git(repo.parent / "origin.git", "rev-list", "--count", "gh-pages").strip() == "1"


def test_dry_run_lists_the_changes_and_commits_nothing(repo: Path) -> None:
    assert publish(repo).returncode == 0
    (repo / PAPER).unlink()
    author = repo / "content/authors/takuya-akiba.yaml"
    author.write_text(author.read_text().replace("- taid-temporally-adaptive-interpolated-distillation\n", ""))
    result = publish(repo, "--dry-run")
    assert result.returncode == 0
    assert "D papers/taid-temporally-adaptive-interpolated-distillation/index.html" in result.stdout
    assert "M authors/takuya-akiba/index.html" in result.stdout and "nothing was written" in result.stdout
    assert git(repo, "branch", "--list", "gh-pages").strip() == "gh-pages"
    assert git(repo.parent / "origin.git", "rev-list", "--count", "gh-pages").strip() == "1"


def test_custom_domain_gets_cname_and_links_without_a_sub_path(repo: Path) -> None:
    site = repo / "content/site.yaml"
    site.write_text(site.read_text().replace(PROJECT_SITE, "https://lab.example.org/") + "cname: lab.example.org\n")
    assert publish(repo).returncode == 0
    files = published_files(repo.parent / "origin.git")
    assert files["CNAME"] == b"lab.example.org\n"
    assert 'href="/authors/takuya-akiba/"' in files["index.html"].decode()
    assert "<loc>https://lab.example.org/authors/takuya-akiba/</loc>" in files["sitemap.xml"].decode()


def test_the_published_tree_served_under_its_sub_path_has_no_broken_links(repo: Path, tmp_path: Path) -> None:
    assert publish(repo).returncode == 0
    tree = tmp_path / "published"
    for name, data in published_files(repo.parent / "origin.git").items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)
    with serving(tree, PROJECT_SITE) as url:
        assert url.endswith("/repo/")
        pages, broken = check_links(url, PROJECT_SITE)
    assert broken == [] and pages == 36  # every page of the site and its 404 page


def test_not_a_git_repository(tmp_path: Path) -> None:
    shutil.copytree(REPO / "content", tmp_path / "content")
    result = run_portfolio("publish", "--source", str(tmp_path))
    assert result.returncode == 1 and "not in a git repository" in result.stderr and "Traceback" not in result.stderr


def test_missing_remote(repo: Path) -> None:
    git(repo, "remote", "remove", "origin")
    result = publish(repo)
    assert result.returncode == 1 and "no remote 'origin'" in result.stderr
    assert publish(repo, "--no-push").returncode == 0
    assert git(repo, "rev-list", "--count", "gh-pages").strip() == "1"


def test_a_rejected_push_reports_what_git_said(repo: Path) -> None:
    hook = repo.parent / "origin.git" / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pages are frozen for review' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = publish(repo)
    assert result.returncode == 1 and "rejected" in result.stderr and "pages are frozen for review" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_build_error_publishes_nothing(repo: Path) -> None:
    assert publish(repo).returncode == 0
    paper = repo / PAPER
    paper.write_text(paper.read_text().replace("title:", "titel:"))
    result = publish(repo)
    assert result.returncode == 1 and "missing required field 'title'" in result.stderr
    assert git(repo.parent / "origin.git", "rev-list", "--count", "gh-pages").strip() == "1"


def test_link_checker_reports_broken_links_and_exits_non_zero(tmp_path: Path) -> None:
    shutil.copytree(REPO / "content", tmp_path / "content")
    (tmp_path / "templates").mkdir()
    paper_template = (REPO / "templates" / "paper.html").read_text()
    (tmp_path / "templates" / "paper.html").write_text(paper_template.replace(
        "<h2 id=\"abstract\">Abstract</h2>",
        "<h2 id=\"abstract\">Abstract</h2><a href=\"{{ site.home_url }}nowhere/\">x</a><a href=\"#missing\">y</a>"))
    result = run_portfolio("check", "--links", "--source", str(tmp_path))
    assert result.returncode == 1
    assert "papers/taid-temporally-adaptive-interpolated-distillation/: /research-portfolio/nowhere/: HTTP 404" \
        in result.stderr
    assert "#missing: no element with id 'missing' on that page" in result.stderr
    ok = run_portfolio("check", "--links", "--source", str(REPO))
    assert ok.returncode == 0 and "all links work" in ok.stdout


def test_the_pages_workflow_is_a_valid_github_workflow() -> None:
    checker = shutil.which("check-jsonschema")
    assert checker, "check-jsonschema is part of the test extras"
    workflow = REPO / ".github" / "workflows" / "pages.yml"
    result = subprocess.run([checker, "--builtin-schema", "vendor.github-workflows", str(workflow)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = workflow.read_text()
    for needed in ("actions/configure-pages@", "actions/upload-pages-artifact@", "actions/deploy-pages@",
                   "pages: write", "id-token: write", "concurrency:", "branches: [main]"):
        assert needed in text


def test_a_site_with_more_pages_than_a_sitemap_may_list_gets_an_index_of_sitemaps(
        example_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The protocol allows 50,000 URLs a file (a 100k-paper site has 155,000 pages); here 10 stand in for that."""
    import re

    import generator.build
    import generator.context
    import generator.plan

    whole = tmp_path / "whole"
    generator.build.build(example_project, whole, base_url=PROJECT_SITE)
    every_url = re.findall(r"<loc>([^<]+)</loc>", (whole / "sitemap.xml").read_text())
    for module in (generator.plan, generator.context):
        monkeypatch.setattr(module, "SITEMAP_LIMIT", 10)
    split = tmp_path / "split"
    generator.build.build(example_project, split, base_url=PROJECT_SITE)
    index = (split / "sitemap.xml").read_text()
    parts = re.findall(r"<sitemap><loc>([^<]+)</loc></sitemap>", index)
    assert "<sitemapindex" in index and parts == [f"{PROJECT_SITE}sitemap-{n}.xml" for n in range(1, 5)]
    listed = [re.findall(r"<loc>([^<]+)</loc>", (split / f"sitemap-{n}.xml").read_text()) for n in range(1, 5)]
    assert [len(urls) for urls in listed] == [10, 10, 10, len(every_url) - 30]
    assert [url for urls in listed for url in urls] == every_url
    with serving(split, PROJECT_SITE) as url:
        assert check_links(url, PROJECT_SITE) == (36, [])  # every page and the 404 page
        (split / "sitemap-3.xml").unlink()
        _, broken = check_links(url, PROJECT_SITE)
    assert [(link.page, link.reason) for link in broken] == [("sitemap.xml", "a part of the sitemap is missing")]
