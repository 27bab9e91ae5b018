"""`portfolio publish`: a clean build committed as the whole tree of a branch (gh-pages), then pushed.

Everything goes through git's plumbing with a temporary index file (hash-object, update-index, write-tree,
commit-tree, update-ref), so the user's working tree, index and current branch are never touched. Each
publish adds one commit on top of the branch's history, and none at all when the site did not change.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .build import Builder
from .errors import GeneratorError
from .output import STATE_DIR
from .project import Progress, Project

_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_FALLBACK_IDENTITY = {"GIT_AUTHOR_NAME": "Research Portfolio", "GIT_AUTHOR_EMAIL": "portfolio@localhost",
                      "GIT_COMMITTER_NAME": "Research Portfolio", "GIT_COMMITTER_EMAIL": "portfolio@localhost"}


class PublishError(GeneratorError):
    """Publishing could not go on (no repository, no remote, push rejected); nothing half-done is left."""


@dataclass
class PublishResult:
    branch: str
    tree: str
    parent: str | None
    commit: str | None = None  # None: nothing to publish, or a dry run
    pushed_to: str | None = None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    files: int = 0


class _Git:
    def __init__(self, repository: Path, index_file: Path | None = None) -> None:
        self.repository = repository
        self.env = dict(os.environ)
        self.env.pop("GIT_DIR", None)
        self.env.pop("GIT_WORK_TREE", None)
        if index_file is not None:
            self.env["GIT_INDEX_FILE"] = str(index_file)

    def run(self, *args: str, stdin: str | None = None, check: bool = True, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        try:
            result = subprocess.run(["git", "-C", str(self.repository), *args], input=stdin, capture_output=True,
                                    text=True, env={**self.env, **(env or {})}, check=False)
        except FileNotFoundError:
            raise PublishError("git is not installed (or not on PATH)") from None
        if check and result.returncode != 0:
            raise PublishError(f"git {args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result

    def ref(self, name: str) -> str | None:
        result = self.run("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}", check=False)
        return result.stdout.strip() or None


def _repository_of(path: Path) -> Path:
    result = _Git(path).run("rev-parse", "--show-toplevel", check=False)
    if result.returncode != 0:
        raise PublishError(f"{path} is not in a git repository: publishing commits the site to a branch of it "
                           "(run 'git init' and add a remote, or use the GitHub Actions workflow)")
    return Path(result.stdout.strip())


def _identity(git: _Git) -> dict[str, str]:
    """The user's git identity when configured; otherwise a neutral one, so publishing never stops for it."""
    name = git.run("config", "user.name", check=False).stdout.strip()
    email = git.run("config", "user.email", check=False).stdout.strip()
    return {} if name and email else _FALLBACK_IDENTITY


def _tree_of(git: _Git, folder: Path) -> tuple[str, int]:
    """Write every file of `folder` (but the generator's state) as a git tree; returns (tree, file count)."""
    paths = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and p.relative_to(folder).parts[0] != STATE_DIR)
    blobs = git.run("hash-object", "-w", "--no-filters", "--stdin-paths",
                    stdin="".join(f"{folder / p}\n" for p in paths)).stdout.split()
    git.run("update-index", "--add", "--index-info",
            stdin="".join(f"100644 {blob}\t{path}\n" for blob, path in zip(blobs, paths)))
    return git.run("write-tree").stdout.strip(), len(paths)


def _parent(git: _Git, remote: str | None, branch: str) -> str | None:
    """The commit to build on: the remote branch, or the local one when it is ahead of (or without) it."""
    local = git.ref(f"refs/heads/{branch}")
    remote_tip = git.ref(f"refs/remotes/{remote}/{branch}") if remote else None
    if local and remote_tip and local != remote_tip:
        ahead = git.run("merge-base", "--is-ancestor", remote_tip, local, check=False).returncode == 0
        return local if ahead else remote_tip
    return local or remote_tip


def _diff(git: _Git, old_tree: str, new_tree: str, result: PublishResult) -> None:
    listing = git.run("diff-tree", "-r", "--no-renames", "--name-status", "-z", old_tree, new_tree).stdout
    fields = listing.split("\0")
    for status, path in zip(fields[0::2], fields[1::2]):
        {"A": result.added, "M": result.changed, "D": result.removed}.get(status[:1], result.changed).append(path)


def publish(root: Path, *, remote: str = "origin", branch: str = "gh-pages", message: str | None = None,
            dry_run: bool = False, push: bool = True, base_url: str | None = None,
            progress: Progress | None = None) -> PublishResult:
    repository = _repository_of(root)
    git = _Git(repository)
    if git.run("symbolic-ref", "--quiet", "HEAD", check=False).stdout.strip() == f"refs/heads/{branch}":
        raise PublishError(f"the working tree has '{branch}' checked out; switch to the branch holding your "
                           "content first (publishing writes that branch and must not touch your files)")
    remote_exists = git.run("remote", "get-url", remote, check=False).returncode == 0
    if not remote_exists and push and not dry_run:
        raise PublishError(f"the repository has no remote '{remote}': add it (git remote add {remote} URL), "
                           "name another with --remote, or publish locally with --no-push")
    if remote_exists:
        fetched = git.run("fetch", "--quiet", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}",
                          check=False)
        if fetched.returncode != 0 and "couldn't find remote ref" not in fetched.stderr:
            raise PublishError(f"cannot fetch '{branch}' from '{remote}': {fetched.stderr.strip()}")
    with tempfile.TemporaryDirectory(prefix="portfolio-publish-") as scratch:
        output = Path(scratch) / "site"
        Builder(Project(root, base_url), output, progress, one_off=True).build(clean=True)  # a build error stops here: nothing published
        index_git = _Git(repository, Path(scratch) / "index")
        tree, files = _tree_of(index_git, output)
    parent = _parent(git, remote if remote_exists else None, branch)
    result = PublishResult(branch, tree, parent, files=files)
    parent_tree = git.run("rev-parse", f"{parent}^{{tree}}").stdout.strip() if parent else _EMPTY_TREE
    _diff(git, parent_tree, tree, result)
    if dry_run or parent_tree == tree:
        return result
    source = git.ref("HEAD")
    text = message or (f"Publish site from {source[:12]}" if source else "Publish site")
    commit = git.run("commit-tree", tree, *(["-p", parent] if parent else []), stdin=text + "\n",
                     env=_identity(git)).stdout.strip()
    git.run("update-ref", "-m", "portfolio publish", f"refs/heads/{branch}", commit,
            git.ref(f"refs/heads/{branch}") or "0" * 40)
    result.commit = commit
    if push:
        pushed = git.run("push", "--porcelain", remote, f"refs/heads/{branch}:refs/heads/{branch}", check=False)
        if pushed.returncode != 0:
            detail = (pushed.stderr.strip() or pushed.stdout.strip()).splitlines()
            raise PublishError(f"push to '{remote}' was rejected; the commit {commit[:12]} stays on the local "
                               f"'{branch}' branch. git said: " + " / ".join(detail[-4:]))
        result.pushed_to = remote
    return result
