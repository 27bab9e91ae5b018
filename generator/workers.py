"""Both cores for one build: a forked child reads a share of the content files, indexes a share of the search
documents and renders a share of the pages, and sends back what it did. Pages are shared out as they go (the
child takes them from the back of the list, the parent from the front), the rest in two fixed halves.

Fork, not spawn: the child starts with the parsed site, the theme and the caches already in memory, so
only the results cross the pipe. Used only where forking is safe: a single-threaded process on POSIX.
"""

from __future__ import annotations

import mmap
import os
import pickle
import select
import signal
import struct
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from .libc import libc_function

PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies
MIN_PAGES = 1500  # below these, forking and merging cost more than the second core saves
MIN_FILES = 600  # a content file takes about half as long to read as a page to render, and pickles back fast
MIN_DOCUMENTS = 3000  # a search document takes a tenth of a page
CLAIM = 16  # pages taken at a time: few enough that both processes finish together

Item = TypeVar("Item")
Result = TypeVar("Result")


def worth_forking(items: int, minimum: int) -> bool:
    return (items >= minimum and hasattr(os, "fork") and (os.cpu_count() or 1) >= 2
            and threading.active_count() == 1)


def give_back_free_memory() -> None:
    """Return the C heap's free pages to the system. Long strings (paper cards, feed entries) live there, not in
    Python's own arenas: freed, they would still count in the process's memory, and the Python objects made
    next could not use them (at 100k papers, a group of remembered pieces takes 100 MB or more)."""
    trim = libc_function("malloc_trim")
    if trim is not None:
        trim(0)


def _die_with(parent: int, prctl: Callable[..., int] | None) -> None:
    """A child must not outlive a killed build: it would go on writing into the staging folder."""
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


class ChildFailed(RuntimeError):
    """The child raised something that could not be sent back as it was."""


class Parts:
    """A child's result handed back in parts, each pickled on its own. A pickler remembers every object it has
    written, to write repeats as references: for the 277,000 file records a renderer hands back at 100k papers,
    that took 48 MB at the build's very end. Parts must not share objects (each would arrive as its own copy)."""

    def __init__(self, parts: Iterable[Any]) -> None:
        self.parts = parts


class _PartsFollow:
    """Sent before and after the parts of a `Parts` result."""


class Worker:
    """A forked child running one task; `result()` waits for it and returns (or raises) what it produced."""

    def __init__(self, task: Callable[[], Any]) -> None:
        read_end, write_end = os.pipe()
        parent = os.getpid()
        prctl = libc_function("prctl")  # here: see libc_function
        self.pid = os.fork()
        if self.pid == 0:  # the child: run, report, and leave without running the parent's exit handlers
            os.close(read_end)
            _die_with(parent, prctl)
            status = 1
            try:
                result, payload = task(), b""
                status = 0
            except BaseException as exc:  # noqa: BLE001 - every failure must reach the parent
                try:
                    payload = pickle.dumps((False, exc))
                except Exception:  # noqa: BLE001
                    payload = pickle.dumps((False, ChildFailed(traceback.format_exc())))
            try:
                with os.fdopen(write_end, "wb") as pipe:
                    if status == 0 and isinstance(result, Parts):
                        pickle.dump((True, _PartsFollow()), pipe)
                        for part in result.parts:
                            pickle.dump(part, pipe)
                        pickle.dump(_PartsFollow(), pipe)
                    elif status == 0:  # pickled into the pipe as it goes: in bytes first, 140 MB more at 100k
                        pickle.dump((True, result), pipe)
                    else:
                        pipe.write(payload)
            except BaseException:  # noqa: BLE001 - a result that cannot be pickled reaches the parent cut short
                status = 1
            os._exit(status)
        os.close(write_end)
        self._pipe = os.fdopen(read_end, "rb")
        self._reaped = False

    def result(self) -> Any:
        try:
            ok, value = pickle.load(self._pipe)  # as it arrives: the whole of it in bytes would take 80 MB at 100k
            if ok and isinstance(value, _PartsFollow):
                parts = []
                while not isinstance(part := pickle.load(self._pipe), _PartsFollow):
                    parts.append(part)
                value = Parts(parts)
        except (EOFError, pickle.UnpicklingError):
            raise ChildFailed("a build worker died without a result") from None
        finally:
            self._pipe.close()
            if not self._reaped:
                os.waitpid(self.pid, 0)
                self._reaped = True
        if not ok:
            raise value
        return value

    def check_alive(self) -> None:
        """Raise ChildFailed if the child has ended (it is reaped here: `result()` still reads what it sent)."""
        if not self._reaped and os.waitpid(self.pid, os.WNOHANG)[0] == 0:
            return
        self._reaped = True
        raise ChildFailed("a build worker ended without handing back the list of pages")

    def cancel(self) -> None:
        """Stop the child (the parent failed or was interrupted) and reap it, unless already reaped."""
        self._pipe.close()  # also when `check_alive` found it ended: nothing more will be read from it
        if self._reaped:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        self._reaped = True


def on_both_cores(task: Callable[[Sequence[Item], bool], Result], items: Sequence[Item], minimum: int,
                  before_fork: Callable[[Sequence[Item]], None] | None = None) -> list[Result]:
    """`task(share, in_child)` over every second item in a forked child and over the others here, when there
    are at least `minimum` items (otherwise once, here, over all): the results, this process's first.
    Interleaved, each share gets a like mix of the items (of page kinds, of file sizes)."""
    if not worth_forking(len(items), minimum):
        return [task(items, False)]
    theirs = items[1::2]
    if before_fork is not None:
        before_fork(theirs)
    worker = Worker(lambda: task(theirs, True))
    try:
        return [task(items[0::2], False), worker.result()]
    except BaseException:
        worker.cancel()
        raise


class _TwoEnds:
    """The unclaimed middle of a list that a process and its forked child take items from, one from each end.

    The bounds live in shared memory; a byte in a pipe is the turn to change them (whoever reads it may)."""

    _BOUNDS = struct.Struct("<qq")

    def __init__(self, count: int) -> None:
        self._bounds = mmap.mmap(-1, self._BOUNDS.size)  # anonymous memory stays shared across fork
        self._BOUNDS.pack_into(self._bounds, 0, 0, count)
        self.count = count
        self._turn_out, self._turn_in = os.pipe()
        os.set_blocking(self._turn_out, False)
        os.write(self._turn_in, b"\0")
        self.watch: Callable[[], None] = lambda: None  # called while the turn is long in coming

    def items(self, items: Sequence[Item], from_back: bool, done: Callable[[int], None] | None = None,
              ) -> Iterator[Item]:
        """The items this process claims, a few at a time, until none is left; `done(claimed by both)`."""
        while claimed := self._claim(from_back):
            if done is not None:  # all is done only once both have finished
                done(min(self.count - len(self._unclaimed()), self.count - 1))
            yield from (items[index] for index in (reversed(claimed) if from_back else claimed))

    def taken_from_back(self) -> range:
        return range(self._unclaimed().stop, self.count)

    def close(self) -> None:
        os.close(self._turn_out)
        os.close(self._turn_in)
        self._bounds.close()

    def _unclaimed(self) -> range:
        return range(*self._BOUNDS.unpack_from(self._bounds))

    def _claim(self, from_back: bool) -> range:
        self._take_turn()
        try:
            left = self._unclaimed()
            if from_back:
                claimed = range(max(left.start, left.stop - CLAIM), left.stop)
                self._BOUNDS.pack_into(self._bounds, 0, left.start, claimed.start)
            else:
                claimed = range(left.start, min(left.stop, left.start + CLAIM))
                self._BOUNDS.pack_into(self._bounds, 0, claimed.stop, left.stop)
        finally:
            os.write(self._turn_in, b"\0")
        return claimed

    def _take_turn(self) -> None:
        while True:
            if select.select([self._turn_out], [], [], 1.0)[0]:
                try:
                    os.read(self._turn_out, 1)
                    return
                except BlockingIOError:  # the other process read it first
                    continue
            self.watch()  # the turn is held for microseconds: this long, its holder may have died


def from_both_ends(task: Callable[[Iterator[Item], bool], Result], items: Sequence[Item], minimum: int,
                   done: Callable[[int], None] | None = None,
                   child_failed: Callable[[Sequence[Item]], None] | None = None) -> list[Result]:
    """`task(items, in_child)` over all items, on both cores when there are at least `minimum`: this process
    takes them from the front and a forked child from the back, until they meet; the results, this process's
    first. Put items that need the same pieces together at one end: one process will make those pieces.
    `done(count)` tells this process's progress; `child_failed(items it may have started)` if the child fails."""
    if not worth_forking(len(items), minimum):
        return [task(_reported(items, done), False)]
    ends = _TwoEnds(len(items))
    try:
        worker = Worker(lambda: task(ends.items(items, from_back=True), True))
        ends.watch = worker.check_alive
        try:
            return [task(ends.items(items, from_back=False, done=done), False), worker.result()]
        except BaseException:
            worker.cancel()
            if child_failed is not None:
                child_failed([items[index] for index in ends.taken_from_back()])
            raise
    finally:
        ends.close()


def _reported(items: Sequence[Item], done: Callable[[int], None] | None) -> Iterator[Item]:
    for number, item in enumerate(items):
        if done is not None and number % CLAIM == 0:
            done(number)
        yield item


def map_on_both_cores(function: Callable[[Item], Result], items: Sequence[Item], minimum: int,
                      done: Callable[[int], None] | None = None) -> list[Result]:
    """`[function(item) for item in items]`, on both cores when there are at least `minimum` items.
    `done(count)` tells the parent's progress, counting the child's share as its own."""
    def share(part: Sequence[Item], in_child: bool) -> list[Result]:
        if in_child or done is None or len(part) == len(items):
            return _map(function, part, None if in_child else done)
        # The child's share counts as done along with this one, but all is done only once it reports.
        return _map(function, part, lambda count: done(min(2 * count, len(items) - 1)))

    results = on_both_cores(share, items, minimum)
    if len(results) == 1:
        return results[0]
    if done:
        done(len(items))
    merged: list[Any] = [None] * len(items)
    merged[0::2], merged[1::2] = results
    return merged


def _map(function: Callable[[Item], Result], items: Sequence[Item], done: Callable[[int], None] | None,
         ) -> list[Result]:
    results = []
    for number, item in enumerate(items, 1):
        results.append(function(item))
        if done:
            done(number)
    return results
