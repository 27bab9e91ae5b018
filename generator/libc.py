"""Functions of the C library that Python does not wrap: Linux's renameat2, prctl and malloc_trim."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def libc_function(name: str) -> Callable[..., int] | None:
    """The C library's function `name`, or None where there is none (not Linux, not glibc).

    Look functions up in the parent before forking: in a child, find_library would first run ldconfig."""
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True), name)  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None
