"""The floor of a site build: write every file of a listing (same paths, same sizes) with plain string formatting.

    python benchmarks/floor.py LISTING OUTPUT

LISTING is the JSON that benchmarks.peers.write_listing made of a built site: [[relative_path, size], ...].
No content is read, parsed or templated, so the time is what Python needs to create that many folders and
write that many bytes in that many files: the lower bound for any generator written in Python.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HEAD = "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Page</title></head>\n<body>\n"
TAIL = "</body>\n</html>\n"
FILLER = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n"


def page(size: int) -> str:
    """An ASCII HTML skeleton of exactly `size` characters (so bytes): padded, or cut when the file is tiny."""
    room = size - len(HEAD) - len(TAIL)
    if room < 0:
        return (HEAD + TAIL)[:size]
    body = FILLER * (room // len(FILLER) + 1)
    return HEAD + body[:room] + TAIL


def write_all(rows: list[list], output: Path) -> None:
    """Write each file, making each folder once."""
    made: set[Path] = set()
    for path, size in rows:
        target = output / path
        folder = target.parent
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        with open(target, "w", encoding="ascii", newline="") as file:
            file.write(page(size))


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: python floor.py LISTING OUTPUT")
    rows = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    write_all(rows, Path(sys.argv[2]))


if __name__ == "__main__":
    main()
