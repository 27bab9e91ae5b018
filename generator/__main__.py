"""`python -m generator` runs the `portfolio` command."""

from .cli import run

run()
