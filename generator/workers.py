"""Both cores for one build: a forked child reads a share of the content files, indexes a share of the search
documents and renders a share of the pages, and sends back what it did.

Fork, not spawn: the child starts with the parsed site, the theme and the caches already in memory, so
only the results cross the pipe. Used only where forking is safe: a single-threaded process on POSIX.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies
MIN_PAGES = 1500  # below these, forking and merging cost more than the second core saves
MIN_FILES = 600  # a content file takes about half as long to read as a page to render, and pickles back fast
MIN_DOCUMENTS = 3000  # a search document takes a tenth of a page

Item = TypeVar("Item")
Result = TypeVar("Result")


def worth_forking(items: int, minimum: int = MIN_PAGES) -> bool:
    return (items >= minimum and hasattr(os, "fork") and (os.cpu_count() or 1) >= 2
            and threading.active_count() == 1)


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up in the parent: in the child, find_library would run ldconfig first."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return libc.prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None  # not Linux: the pipe still ends the child when it next reports


def _die_with(parent: int, prctl: Callable[..., int] | None) -> None:
    """A child must not outlive a killed build: it would go on writing into the staging folder."""
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


class ChildFailed(RuntimeError):
    """The child raised something that could not be sent back as it was."""


class Worker:
    """A forked child running one task; `result()` waits for it and returns (or raises) what it produced."""

    def __init__(self, task: Callable[[], Any]) -> None:
        read_end, write_end = os.pipe()
        parent = os.getpid()
        prctl = _prctl()
        self.pid = os.fork()
        if self.pid == 0:  # the child: run, report, and leave without running the parent's exit handlers
            os.close(read_end)
            _die_with(parent, prctl)
            status = 0
            try:
                payload = pickle.dumps((True, task()))
            except BaseException as exc:  # noqa: BLE001 - every failure must reach the parent
                status = 1
                try:
                    payload = pickle.dumps((False, exc))
                except Exception:  # noqa: BLE001
                    payload = pickle.dumps((False, ChildFailed(traceback.format_exc())))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            os._exit(status)
        os.close(write_end)
        self._pipe = os.fdopen(read_end, "rb")

    def result(self) -> Any:
        try:
            data = self._pipe.read()
        finally:
            self._pipe.close()
            os.waitpid(self.pid, 0)
        if not data:
            raise ChildFailed("a build worker died without a result")
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child (the parent failed or was interrupted) and reap it."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._pipe.close()
        os.waitpid(self.pid, 0)


def map_on_both_cores(function: Callable[[Item], Result], items: Sequence[Item], minimum: int,
                      done: Callable[[int], None] | None = None) -> list[Result]:
    """`[function(item) for item in items]`, every second item computed in a forked child when there are
    at least `minimum`. `done(count)` tells the parent's progress, counting the child's share as its own."""
    if not worth_forking(len(items), minimum):
        return _map(function, items, done)
    worker = Worker(lambda: [function(item) for item in items[1::2]])
    try:
        # The child's share counts as done along with the parent's, but all is done only once it reports.
        mine = _map(function, items[0::2], done and (lambda count: done(min(2 * count, len(items) - 1))))
    except BaseException:
        worker.cancel()
        raise
    theirs = worker.result()
    if done:
        done(len(items))
    merged: list[Any] = [None] * len(items)
    merged[0::2], merged[1::2] = mine, theirs
    return merged


def _map(function: Callable[[Item], Result], items: Sequence[Item], done: Callable[[int], None] | None,
         ) -> list[Result]:
    results = []
    for number, item in enumerate(items, 1):
        results.append(function(item))
        if done:
            done(number)
    return results
