"""`python -m generator` runs the `portfolio` command."""

from .cli import main

raise SystemExit(main())
