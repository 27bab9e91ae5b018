"""The only writer of the output folder: a build is staged beside the site and swapped in at once.

Two generations live side by side: the site (`site/`) and the one before it (`.site.previous/`). A build
turns the previous generation into the new one - writing only files whose bytes changed, hard-linking
unchanged ones to the live site's files (so their mtimes stay) - and then exchanges the two folders in one
atomic rename. A build that fails or is killed before that rename leaves the site as it was; the next
build repairs or rebuilds the staging folder. Nothing is deleted that the generator did not record making.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import hashlib
import io
import itertools
import marshal
import os
import shutil
import stat
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Final, TextIO, TypeVar

from .errors import UsageError
from .libc import libc_function
from .usercache import folder_cache

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; builds into one folder must not overlap there
    fcntl = None  # type: ignore[assignment]

STATE_DIR = ".portfolio"
STATE_FILE = f"{STATE_DIR}/state"  # a snapshot of the records...
STATE_LOG = f"{STATE_DIR}/state-log"  # ...and the changes appended since, so an edit writes only its own records
JOURNAL_FILE = f"{STATE_DIR}/journal"
SHOWN_FILE = f"{STATE_DIR}/shown"  # which pages show each paper, for the next CLI build (see shown.py)
INPUTS_FILE = f"{STATE_DIR}/inputs"  # what the generation was built from: "<stamp> <file count>"
STATE_FORMAT = "research-portfolio output state 5"
# Read, and rewritten as format 5 by the next snapshot: 4 held its marshal objects back to back, which marshal
# reads from a stream a string at a time (0.12 s against 0.03 s for 56,000 records); 3 held the records in one
# marshal object, 2 was a snapshot without a log.
OLD_STATE_FORMATS = tuple(f"research-portfolio output state {number}" for number in (4, 3, 2))
_STATE_START = f"{STATE_FORMAT}\n".encode()  # then each marshal object after its length (_SIZE)
_SIZE = struct.Struct("<Q")
STATE_CHUNK = 20_000  # records per marshal object of a snapshot: in one, its bytes took 85 MB more at 100k papers
SHARE_CHUNK = 20_000  # records per part a worker hands back (see TreeShare.parts)
_FRAME = struct.Struct("<II")  # before each appended change: its length and CRC-32, so a torn append is seen


# What the generator knows of one file it made: (sha1 of its bytes, its inode, the fingerprint of what it was
# made from). A plain tuple, so the state file is written without converting half a million records.
FileRecord = tuple[str, int, str]
Made = TypeVar("Made")
DIGEST: Final = 0
INODE: Final = 1
FINGERPRINT: Final = 2


@dataclass
class WriteStats:
    written: int = 0
    linked: int = 0
    removed: int = 0
    unchanged: int = 0
    changed_paths: list[str] = field(default_factory=list)


@dataclass
class TreeShare:
    """What one worker process did to the staging folder, to be merged into the build's records."""

    new: dict[str, FileRecord]
    stats: WriteStats
    touched: list[str]
    made_dirs: set[str]

    def parts(self) -> Iterator[Any]:
        """This share in parts that share no objects, to be pickled one by one (see workers.Parts): the records
        in chunks, each record with whether it was written. `from_parts` makes the share again, with every file
        it has a record of counted as touched (more than it touched: only a failed build reads those)."""
        changed = self.stats.changed_paths  # in the order of `new`: a file's record is made as it is written
        yield dataclasses.replace(self.stats, changed_paths=[]), self.made_dirs, \
            [dest for dest in self.touched if dest not in self.new]
        written = 0
        items = iter(self.new.items())
        while chunk := list(itertools.islice(items, SHARE_CHUNK)):
            part = []
            for dest, record in chunk:
                was_written = written < len(changed) and changed[written] == dest
                written += was_written
                part.append((dest, record, was_written))
            yield part
        assert written == len(changed), "a written file out of the order of the records"

    @classmethod
    def from_parts(cls, parts: Iterable[Any]) -> TreeShare:
        found = iter(parts)
        stats, made_dirs, removed = next(found)
        new: dict[str, FileRecord] = {}
        for part in found:
            for dest, record, was_written in part:
                new[dest] = record
                if was_written:
                    stats.changed_paths.append(dest)
        return cls(new, stats, [*new, *removed], made_dirs)


def staging_dir_for(output: Path) -> Path:
    return output.with_name(f".{output.name}.previous")


def check_output_location(output: Path, project: Path) -> None:
    """Refuse output folders whose replacement could destroy the user's files."""
    resolved = output.resolve()
    project = project.resolve()
    home = Path.home().resolve()
    if resolved == Path(resolved.anchor) or resolved == home:
        raise UsageError(f"refusing to build into {output}: choose a dedicated folder such as {project / 'site'}")
    if resolved == project or project.is_relative_to(resolved):
        raise UsageError(f"refusing to build into {output}: it contains the site project itself; "
                         f"use a subfolder such as {project / 'site'}")
    for protected in ("content", "templates"):
        if resolved.is_relative_to(project / protected):
            raise UsageError(f"refusing to build into {output}: it is inside the project's {protected}/ folder")
    _refuse_symlinked_output(output)


def _refuse_symlinked_output(output: Path) -> None:
    if output.is_symlink():
        raise UsageError(f"refusing to build into {output}: it is a symbolic link; give the real folder")


def _refuse_symlinked_scratch(folder: Path) -> None:
    """The generator's own scratch folders are never links: one found there was planted."""
    if folder.is_symlink():
        raise UsageError(f"refusing to use {folder}: it is a symbolic link, which no build makes; "
                         "remove it. Nothing was changed.")


def _read_state(folder: Path, other: dict[str, FileRecord] | None = None,
                ) -> tuple[dict[str, FileRecord], str | None] | None:
    """The files a generation holds and the id of its change log, or None if the folder has no readable state.

    The id is None when changes cannot be appended safely (a torn or foreign log, an old snapshot): the
    next save then writes a whole snapshot. marshal, not pickle: reading it can build only plain values.
    `other`: the other generation's records; a record equal to one of them is kept as that very tuple, chunk
    by chunk as they are read (at 100k papers, the two generations' records took 200 MB each, mostly equal).
    """
    try:
        data = _read_small(folder / STATE_FILE)
        objects = sized_objects(memoryview(data), len(_STATE_START)) if data.startswith(_STATE_START) \
            else _objects_back_to_back(io.BytesIO(data))
        raw = next(objects)
        if raw.get("format") not in (STATE_FORMAT, *OLD_STATE_FORMATS):
            return None
        files = raw["files"]
        if not isinstance(files, dict):
            return None
        _share_equal(files, other)
        for _ in range(raw.get("more", 0)):  # formats 4 and 5: the rest of the records, in chunks
            chunk = next(objects)
            if not isinstance(chunk, dict):
                return None
            files.update(_share_equal(chunk, other))
        log_id = raw.get("log")
        if not isinstance(log_id, str) or not _replay_log(folder / STATE_LOG, log_id, files):
            log_id = None
        return files, log_id
    except (OSError, ValueError, EOFError, TypeError, AttributeError, StopIteration, struct.error):
        return None


def _share_equal(records: dict[str, FileRecord], other: dict[str, FileRecord] | None) -> dict[str, FileRecord]:
    if other:
        for dest, record in records.items():
            if other.get(dest) == record:
                records[dest] = other[dest]
    return records


def sized(objects: Iterable[Any]) -> Iterator[bytes]:
    """Each object in marshal's format after its size: read back from memory in one pass (`sized_objects`)."""
    for data in map(marshal.dumps, objects):
        yield _SIZE.pack(len(data))
        yield data


def sized_objects(data: memoryview, offset: int) -> Iterator[Any]:
    while offset < len(data):
        (size,) = _SIZE.unpack_from(data, offset)
        offset += _SIZE.size
        if offset + size > len(data):
            raise EOFError("a state file cut short")
        yield marshal.loads(data[offset:offset + size])
        offset += size


def _objects_back_to_back(stream: io.BytesIO) -> Iterator[Any]:
    while True:
        yield marshal.load(stream)


def _replay_log(log: Path, log_id: str, files: dict[str, FileRecord]) -> bool:
    """Apply the changes appended after the snapshot `log_id`; False if the log does not end cleanly.

    A change whose frame is torn (a kill while appending), or that follows another snapshot (a kill between
    writing a snapshot and removing the old log), ends the replay: what follows it is never applied.
    """
    try:
        data = _read_small(log)
    except FileNotFoundError:
        return True
    offset = 0
    while offset < len(data):
        if offset + _FRAME.size > len(data):
            return False
        size, check = _FRAME.unpack_from(data, offset)
        payload = data[offset + _FRAME.size:offset + _FRAME.size + size]
        if size == 0 or len(payload) != size or zlib.crc32(payload) != check:
            return False  # a zero-filled tail (power loss) passes the checksum: no change is ever empty
        try:
            entry_id, changed, gone = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return False
        if entry_id != log_id or not isinstance(changed, dict) or not isinstance(gone, list):
            return False
        files.update(changed)
        for dest in gone:
            files.pop(dest, None)
        offset += _FRAME.size + size
    return True


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _read_small(path: Path) -> bytes:
    """A generator file's bytes; a symbolic link at `path` raises OSError (ELOOP), never followed."""
    descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW)
    with os.fdopen(descriptor, "rb") as handle:
        return handle.read()


def _replace_file(target: Path, data: bytes | Iterable[bytes]) -> None:
    """New bytes for `target` (given whole or in parts) via a new temporary file: a link planted at either name
    is not written through.

    The temporary is created with O_EXCL | O_NOFOLLOW (after removing whatever had its name); the rename then
    replaces the name `target`, never what a link there points to.
    """
    temporary = target.with_name(target.name + ".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
    with os.fdopen(descriptor, "wb") as handle:
        if isinstance(data, bytes):
            handle.write(data)
        else:
            handle.writelines(data)
    os.replace(temporary, target)


def read_inputs_stamp(output: Path) -> tuple[str, int] | None:
    """The inputs stamp of the live site and its file count, if a complete build left one."""
    if output.with_name(f".{output.name}.swapping").exists() or (staging_dir_for(output) / JOURNAL_FILE).exists():
        return None  # an interrupted build: let a full build repair it
    try:
        stamp, count = _read_small(output / INPUTS_FILE).decode("ascii").split()
        return stamp, int(count)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _write_inputs_stamp(folder: Path, stamp: str | None, count: int) -> None:
    target = folder / INPUTS_FILE
    if stamp is None:
        target.unlink(missing_ok=True)
        return
    _replace_file(target, f"{stamp} {count}\n".encode("ascii"))


def _write_shown(folder: Path, shown: Iterable[bytes] | None) -> None:
    target = folder / SHOWN_FILE
    if shown is None:
        target.unlink(missing_ok=True)
    else:
        _replace_file(target, shown)


def _is_ours(folder: Path) -> bool:
    state = folder / STATE_DIR
    return state.is_dir() and not state.is_symlink()


def _scan(folder: Path) -> tuple[list[str], list[str]]:
    """Every regular file below `folder`, and every entry that is neither a file nor a folder (symbolic
    links, sockets, FIFOs), as relative paths. Links are never followed; scandir's types cost no stat.
    Files are asked for first: they are most entries (a CLI edit at 10k papers scans 112,000)."""
    files: list[str] = []
    odd: list[str] = []
    pending = [("", os.fspath(folder))]
    while pending:
        prefix, full_dir = pending.pop()  # the folder's relative path with a slash at the end, or ""
        with os.scandir(full_dir) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    files.append(prefix + entry.name)
                elif entry.is_dir(follow_symlinks=False):
                    pending.append((f"{prefix}{entry.name}/", entry.path))
                else:
                    odd.append(prefix + entry.name)
    return files, odd


def _entries_not_made_by_us(folder: Path, records: dict[str, FileRecord]) -> list[str]:
    """What no build recorded making - the user's files, never to be moved or deleted - and any symbolic link
    (the generator makes none: one that a build went through could read or write outside the site)."""
    files, odd = _scan(folder)
    in_state = STATE_DIR + "/"
    foreign = [rel for rel in files if rel not in records and not rel.startswith(in_state)]
    return sorted(foreign + odd)


@dataclass(frozen=True)
class Prescan:
    """The two scans of the output folders an `OutputTree` needs, made by a second process while the first reads
    and links the content (see `prescan`): at 10k papers they took 0.3 s of a 2.3 s CLI edit, at 100k 3.8 s."""

    foreign: list[str] | None  # as `_entries_not_made_by_us` in the site (None: its records were not readable)
    staging_has_odd: bool | None  # a link or other odd entry in the staging folder (None: there is no folder)


def prescan(output: Path) -> Prescan:
    """Reads only: the process that builds checks all the rest, and scans for itself what this could not."""
    def real(folder: Path) -> bool:
        return folder.is_dir() and not folder.is_symlink()

    state = _read_state(output) if real(output) else None
    staging = staging_dir_for(output)
    return Prescan(None if state is None else _entries_not_made_by_us(output, state[0]),
                   bool(_scan(staging)[1]) if real(staging) else None)


def _safe_dest(dest: str) -> str:
    parts = dest.split("/")
    if any(p in ("", ".", "..") for p in parts) or parts[0] == STATE_DIR:
        raise ValueError(f"unsafe output path {dest!r}")
    return dest


class OutputTree:
    """The output folder across builds: the live generation, and the staging one each build turns into the next.

    One instance may serve many builds (the preview server keeps it), so the records of both generations
    are read from disk once and then kept in step in memory. A build that carries most files over (an
    edit) tracks which records it set, so that it writes, compares and records only what it changed.
    """

    def __init__(self, output: Path, prescanned: Prescan | None = None) -> None:
        """`prescanned`: the folders' scans, if a second process made them (see `prescan`)."""
        self.output = output
        self._prescanned = prescanned
        self.staging = staging_dir_for(output)
        self._staging_prefix = f"{self.staging}{os.sep}"  # the start of a staged file's path, as a string
        self._live_prefix = f"{output}{os.sep}"  # ...and of a live one
        self._recover_interrupted_swap()
        self.live, self._live_log = self._load_live()
        # log id None: the staging state on disk may not be appended to; `unknown`: files a killed build touched
        self.staged, self._staged_log, unknown = self._load_staging()
        # No state file in the staging folder yet: a build killed there leaves nothing the next one would trust
        # (it empties the folder), so the files it touches need no journal lines.
        self._staging_unrecorded = not (self.staging / STATE_FILE).exists()
        self._behind = _out_of_step(self.staged, self.live) | unknown
        self.new: dict[str, FileRecord] = {}
        self.stats = WriteStats()
        self._assigned: set[str] = set()  # records this build set one by one...
        self._carried: set[str] | None = None  # ...the rest carried over from the live site, but for these
        self._touched: list[str] = []
        self._made_dirs: set[str] = set()
        self._journal: TextIO | None = None
        self._states_seen = self._states()

    def _states(self) -> list[tuple[int, int, int] | None]:
        """Which state files both generations have now: another process's build would change them."""
        return [_stat_key(folder / name) for folder in (self.output, self.staging) for name in (STATE_FILE, STATE_LOG)]

    def current(self) -> bool:
        """Whether the folders are as this tree left them (no other process built here since)."""
        return self._states() == self._states_seen

    # -- setup -----------------------------------------------------------------------------------------------

    def _recover_interrupted_swap(self) -> None:
        """Finish or undo a three-rename swap (platforms without an atomic exchange) cut short by a kill."""
        swapping = self.output.with_name(f".{self.output.name}.swapping")
        _refuse_symlinked_scratch(swapping)
        if not swapping.exists():
            return
        if not self.output.exists():
            os.rename(swapping, self.output)
        elif not self.staging.exists():
            os.rename(swapping, self.staging)

    def _load_live(self) -> tuple[dict[str, FileRecord], str | None]:
        _refuse_symlinked_output(self.output)
        if not self.output.exists():
            return {}, None
        if not self.output.is_dir():
            raise UsageError(f"{self.output} is a file, not a folder; choose another --output")
        if not _is_ours(self.output):
            if any(self.output.iterdir()):
                raise UsageError(f"refusing to write into {self.output}: it holds files that Research Portfolio "
                                 "did not make. Move them away (or choose another --output); nothing was changed.")
            return {}, None
        state = _read_state(self.output)
        if state is None:
            raise UsageError(f"{self.output} was made by Research Portfolio, but its build records are missing or "
                             "from another version, so files you may have added cannot be told apart. Delete the "
                             "folder (after saving anything of yours in it) to rebuild it; nothing was changed.")
        records = state[0]
        foreign = self._prescanned.foreign if self._prescanned else None
        if foreign is None:
            foreign = _entries_not_made_by_us(self.output, records)
        if foreign:
            listed = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise UsageError(f"{self.output} holds files the generator did not make: {listed}. Move them "
                             "to content/ or templates/static/ (or away; symbolic links too); nothing was "
                             "changed.")
        return state

    def _load_staging(self) -> tuple[dict[str, FileRecord], str | None, set[str]]:
        """The staging folder's files; those an interrupted build touched (see the journal) are unknown.

        The staging folder is the generator's own scratch space: a symbolic link (or other odd entry) found in
        it was planted, and a build going through it could write outside the site, so the folder is emptied
        (rmtree removes links, never what they point to) and rebuilt from the live site.
        """
        staging = self.staging
        _refuse_symlinked_scratch(staging)
        if staging.exists() and not _is_ours(staging):
            raise UsageError(f"refusing to use {staging}: it exists but was not made by Research Portfolio")
        state = _read_state(staging, self.live) if staging.exists() else None
        odd = self._prescanned.staging_has_odd if self._prescanned else None
        if state is not None and (odd if odd is not None else _scan(staging)[1]):
            state = None
        if state is None:
            if staging.exists():
                shutil.rmtree(staging)  # ours, but its state is unreadable or it holds links
            (staging / STATE_DIR).mkdir(parents=True)
            return {}, None, set()
        records, log_id = state
        journal = staging / JOURNAL_FILE
        interrupted = journal.exists()
        unknown = set(journal.read_text("utf-8").splitlines()) if interrupted else set()
        for dest in unknown:
            records.pop(dest, None)
        return records, None if interrupted else log_id, unknown

    # -- one build -------------------------------------------------------------------------------------------

    def begin(self) -> None:
        self.new = {}
        self.stats = WriteStats()
        self._assigned = set()
        self._carried = None
        self._touched = []
        self._made_dirs = set()
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW
        journal = os.open(self.staging / JOURNAL_FILE, flags, 0o666)
        self._journal = os.fdopen(journal, "a", encoding="utf-8")  # closed in commit() or abort()

    def live_shown(self) -> bytes | None:
        """The live generation's shown file (see shown.py), if it has one."""
        try:
            return _read_small(self.output / SHOWN_FILE)
        except OSError:
            return None

    def live_bytes(self, dest: str) -> bytes | None:
        """A live file's bytes, if they are still those the generator wrote there."""
        record = self.live.get(dest)
        if record is None:
            return None
        try:
            data = _read_small(self.output / dest)
        except OSError:
            return None
        return data if hashlib.sha1(data).hexdigest() == record[DIGEST] else None

    def previous(self, dest: str) -> FileRecord | None:
        return self.live.get(dest)

    def keep(self, dest: str) -> None:
        """The live file is still right: carry it over without reading or rendering it."""
        self._link_from_live(dest, self.live[dest])
        self.stats.unchanged += 1

    def keep_all_except(self, dests: Iterable[str]) -> None:
        """Carry over every live file but these, at the cost of the few the staging folder lacks."""
        excluded = set(dests)
        self._carried = excluded
        if self.new:
            self.new.update(self.live)
        else:
            self.new = self.live.copy()  # a copy of a whole dict is much cheaper than adding its items one by one
        for dest in excluded:
            self.new.pop(dest, None)
        for dest in self._behind - excluded:
            if dest in self.live:
                self._link_from_live(dest, self.live[dest])
        self.stats.unchanged += len(self.live) - len(excluded & self.live.keys())

    def start_share(self) -> None:
        """In a forked worker: record only what this process does from now on (see `share`)."""
        self.new, self.stats, self._touched = {}, WriteStats(), []

    def share(self) -> TreeShare:
        return TreeShare(self.new, self.stats, self._touched, self._made_dirs)

    def expect_share(self, dests: Iterable[str]) -> None:
        """A worker may touch these staged files: if the build fails, they are no longer known."""
        self._touched.extend(dests)

    def absorb(self, share: TreeShare) -> None:
        """Take over what a worker wrote and linked into the staging folder."""
        self.new.update(share.new)
        self._assigned.update(share.new)
        for name in ("written", "linked", "removed", "unchanged"):
            setattr(self.stats, name, getattr(self.stats, name) + getattr(share.stats, name))
        self.stats.changed_paths.extend(share.stats.changed_paths)
        self._touched.extend(share.touched)
        self._made_dirs.update(share.made_dirs)

    def put(self, dest: str, data: bytes, fingerprint: str) -> None:
        """New bytes for `dest`; only written when they differ from the live file."""
        digest = hashlib.sha1(data).hexdigest()
        live = self.live.get(dest)
        if live is not None and live[DIGEST] == digest:
            self._link_from_live(dest, (digest, live[INODE], fingerprint))
            self.stats.unchanged += 1
            return
        path = self._touch(dest)
        descriptor = _made_anew(path, _create)
        try:
            _write_all(descriptor, data)
            inode = os.fstat(descriptor).st_ino
        finally:
            os.close(descriptor)
        self.new[dest] = (digest, inode, fingerprint)
        self._assigned.add(dest)
        self.stats.written += 1
        self.stats.changed_paths.append(dest)

    def _touch(self, dest: str) -> str:
        """Record that a staged file is about to change, so a kill between here and commit() is recoverable."""
        path = self._prepare_path(dest)
        assert self._journal is not None, "begin() first"
        if not self._staging_unrecorded:
            self._journal.write(dest + "\n")
            self._journal.flush()
        self._touched.append(dest)
        return path

    def _remove(self, dest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._touch(dest))

    def _link_from_live(self, dest: str, record: FileRecord) -> None:
        self._assigned.add(dest)
        staged = self.staged.get(dest)
        if staged is not None and staged[INODE] == record[INODE] and staged[DIGEST] == record[DIGEST]:
            self.new[dest] = record
            return
        source = self._live_prefix + dest  # a string: the first edit after a clean build links every file
        if not stat.S_ISREG(os.lstat(source).st_mode):  # planted since the site was checked (preview server)
            raise UsageError(f"{source} is no longer a file the generator made (a symbolic link?); move it "
                             "away. The site was not changed.")
        path = self._touch(dest)
        try:
            _made_anew(path, lambda new: os.link(source, new, follow_symlinks=False))
        except OSError:  # no hard links here: a copy, whose other inode tells the two generations apart
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            shutil.copyfile(source, path, follow_symlinks=False)
            record = (record[DIGEST], os.stat(path).st_ino, record[FINGERPRINT])
        self.new[dest] = record
        self.stats.linked += 1

    def _prepare_path(self, dest: str) -> str:
        """The staged file's path, its folders made (plain strings: this runs once per file written)."""
        parent = _safe_dest(dest).rpartition("/")[0]
        if parent and parent not in self._made_dirs:
            made = ""
            for part in parent.split("/"):
                made = f"{made}/{part}" if made else part
                if made not in self._made_dirs:
                    self._make_dir(self._staging_prefix + made)
                    self._made_dirs.add(made)
        return self._staging_prefix + dest

    @staticmethod
    def _make_dir(path: str) -> None:
        """A real folder at `path`, whatever a previous generation left there (a file, a link)."""
        try:
            os.mkdir(path)
            return
        except FileExistsError:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                return
        os.unlink(path)
        with contextlib.suppress(FileExistsError):  # a worker process may make it at the same moment
            os.mkdir(path)

    def commit(self, inputs_stamp: str | None = None, shown: Iterable[bytes] | None = None) -> WriteStats:
        """See `_commit`; then note the state files as this tree left them (see `current`)."""
        stats = self._commit(inputs_stamp, shown)
        self._states_seen = self._states()
        return stats

    def _commit(self, inputs_stamp: str | None, shown: Iterable[bytes] | None) -> WriteStats:
        """Make the staging generation complete and swap it in; the old site becomes the staging folder.

        `inputs_stamp` names the inputs this generation was made from (see stamp.py), so that the next
        build can tell that nothing changed without reading anything; `shown`, the new generation's shown
        file (see shown.py), if the build made one.
        """
        removed = self._removed()
        self.stats.removed = len(removed)
        changed = self._changed(removed)
        if self.stats.written == 0 and not removed and len(self.new) == len(self.live):  # nothing changed
            compared = self.new if changed is None else changed
            if any(self.new[d][FINGERPRINT] != self.live[d][FINGERPRINT] for d in compared):
                # same bytes, newer fingerprints: skip re-rendering next time
                self._live_log = _save_state(self.output, self.new, self.live, changed, self._live_log)
            self.live = self.new  # the same files, and from here on the records on disk, whatever fails below
            if self.output.exists():
                _write_inputs_stamp(self.output, inputs_stamp, len(self.new))
                if shown is not None:  # else the live one stays: it was made with these very files
                    _write_shown(self.output, shown)
            staged = {**self.staged, **self.new}
            self._finish_staging(staged, None if changed is None else self._behind | changed, None, None)
            self.staged = staged
            self._behind = {dest for dest in self._behind if dest not in self.new}
            return self.stats
        # What the staging folder holds beyond the new generation: staged files the live site lacks (all
        # among those out of step), files this build removed, and files a failed or killed build left there.
        stale = sorted(d for d in self._behind | removed if d not in self.new
                       and (d in self.staged or os.path.lexists(self.staging / d)))
        for dest in stale:
            self._remove(dest)
        _remove_empty_parents(self.staging, stale)
        self._finish_staging(self.new, None if changed is None else self._behind | changed, inputs_stamp, shown)
        if self.output.exists():
            _exchange(self.staging, self.output)
            self.staged, self.live = self.live, self.new
            self._staged_log, self._live_log = self._live_log, self._staged_log
            # The old site is now the staging folder: it differs from the new one where this build changed
            # records, and lacks what it removed; everything else is the same files (hard links).
            self._behind = changed if changed is not None else _out_of_step(self.staged, self.live)
        else:
            os.rename(self.staging, self.output)
            (self.staging / STATE_DIR).mkdir(parents=True)
            self._staging_unrecorded = True
            self.staged, self.live = {}, self.new
            self._staged_log, self._live_log = None, self._staged_log
            self._behind = set(self.live)
        return self.stats

    def _changed(self, removed: set[str]) -> set[str] | None:
        """The files whose records differ from the live ones, when this build carried most over (else None)."""
        if self._carried is None:
            return None
        return {dest for dest in self._assigned if self.live.get(dest) != self.new[dest]} | removed

    def _removed(self) -> set[str]:
        """Live files the new generation lacks; after an edit, found among the few not carried over."""
        if self._carried is None:
            return self.live.keys() - self.new.keys()
        return {dest for dest in self._carried if dest in self.live and dest not in self.new}

    def abort(self) -> None:
        """Leave the site untouched; the staged files this build touched are no longer known."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        for dest in self._touched:
            self.staged.pop(dest, None)
        self._behind.update(self._touched)
        self._staged_log = None  # the records in memory now lack some on disk: the next save writes them all
        self._states_seen = self._states()

    def _finish_staging(self, records: dict[str, FileRecord], changed: set[str] | None,
                        inputs_stamp: str | None, shown: Iterable[bytes] | None) -> None:
        """Record the staging folder's new generation; `changed`: the only records that may differ (None: any)."""
        assert self._journal is not None
        self._journal.close()
        self._journal = None
        self._staged_log = _save_state(self.staging, records, self.staged, changed, self._staged_log)
        self._staging_unrecorded = False
        _write_inputs_stamp(self.staging, inputs_stamp, len(records))
        _write_shown(self.staging, shown)  # an older generation's, if not replaced
        (self.staging / JOURNAL_FILE).unlink()


def _create(path: str) -> int:
    """A new file's descriptor: a bare one (no Python file object: half a million files at 100k papers)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _made_anew(path: str, make: Callable[[str], Made]) -> Made:
    """`make(path)`, which fails on any existing entry; one there (left by an older generation or a failed
    build, or planted: a link) is removed first, never written through. Tried first: most paths are new."""
    try:
        return make(path)
    except FileExistsError:
        os.unlink(path)
        return make(path)


def _out_of_step(staged: dict[str, FileRecord], live: dict[str, FileRecord]) -> set[str]:
    """Files whose staged record differs from the live one (the last build's changes, mostly)."""
    behind = {dest for dest, record in live.items() if staged.get(dest) != record}
    behind.update(staged.keys() - live.keys())
    return behind


def _save_state(folder: Path, records: dict[str, FileRecord], saved: dict[str, FileRecord],
                changed: set[str] | None, log_id: str | None) -> str:
    """Make `folder`'s state say `records`; returns the id of its log. `saved` is what the state says now.

    An edit appends only the records among `changed` that differ; a whole snapshot is written when the
    state on disk is not known to match `saved` (log_id None), when any record may have changed (None), or
    once the log has grown to a quarter of the snapshot, so that reading it stays cheap.
    """
    if log_id is None or changed is None:
        return _write_state(folder, records)
    update = {dest: records[dest] for dest in changed if dest in records and saved.get(dest) != records[dest]}
    gone = [dest for dest in changed if dest in saved and dest not in records]
    if _append_state(folder, log_id, update, gone):
        return log_id
    return _write_state(folder, records)


def _append_state(folder: Path, log_id: str, update: dict[str, FileRecord], gone: list[str]) -> bool:
    """Append one change to the log; False when a snapshot should be written instead (or the log is a link)."""
    payload = marshal.dumps((log_id, update, gone))
    try:
        snapshot = os.lstat(folder / STATE_FILE).st_size
        descriptor = os.open(folder / STATE_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW, 0o666)
    except OSError:
        return False
    try:
        size = os.fstat(descriptor).st_size
        if size > snapshot // 4:
            return False
        frame = _FRAME.pack(len(payload), zlib.crc32(payload)) + payload
        try:
            complete = os.write(descriptor, frame) == len(frame)
        except OSError:
            complete = False
        if not complete:  # a full disk: no torn change may stay for later ones to follow
            os.ftruncate(descriptor, size)
            return False
    finally:
        os.close(descriptor)
    return True


def _write_state(folder: Path, records: dict[str, FileRecord]) -> str:
    """A new snapshot under a new log id; the old log, whose changes it holds, is removed after it."""
    log_id = os.urandom(8).hex()
    entries = iter(records.items())
    state: dict[str, Any] = {"format": STATE_FORMAT, "log": log_id, "more": max(0, -(-len(records) // STATE_CHUNK) - 1),
                             "files": dict(itertools.islice(entries, STATE_CHUNK))}
    chunks = iter(lambda: dict(itertools.islice(entries, STATE_CHUNK)), {})
    (folder / STATE_DIR).mkdir(exist_ok=True)
    _replace_file(folder / STATE_FILE, itertools.chain((_STATE_START,), sized(itertools.chain((state,), chunks))))
    (folder / STATE_LOG).unlink(missing_ok=True)
    return log_id


def _remove_empty_parents(folder: Path, removed: list[str]) -> None:
    """Folders that held only removed files go too (deepest first); others raise ENOTEMPTY and stay."""
    parents = {parent for dest in removed for parent in PurePosixPath(dest).parents if str(parent) != "."}
    for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        try:
            os.rmdir(folder / parent)
        except OSError:
            pass


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders in one step (Linux renameat2); elsewhere three renames, recovered if interrupted."""
    renameat2 = libc_function("renameat2")
    if renameat2 is not None:
        result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
        if result == 0:
            return
        if ctypes.get_errno() not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))
    swapping = b.with_name(f".{b.name}.swapping")
    os.rename(b, swapping)
    os.rename(a, b)
    os.rename(swapping, a)


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


class OutputLock:
    """One build at a time in an output folder, across processes (a preview server and `portfolio build`, two
    terminals): an advisory lock on a file in the user's cache, which the system releases if its holder dies."""

    def __init__(self, output: Path) -> None:
        self.path = folder_cache("output", output).with_suffix(".lock")
        self._descriptor: int | None = None

    def acquire(self, waiting: Callable[[], object]) -> bool:
        """Take the lock, first calling `waiting` if another build holds it (then True: it waited); without a
        cache folder to hold the lock file, go on unlocked (as on a system without locks)."""
        if fcntl is None:
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
        except OSError:
            return False
        waited = False
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                waiting()
                waited = True
                fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:  # a file system without locks
            os.close(descriptor)
            return waited
        except BaseException:  # Ctrl-C while waiting
            os.close(descriptor)
            raise
        self._descriptor = descriptor
        return waited

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
