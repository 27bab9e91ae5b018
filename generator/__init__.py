"""Research Portfolio: a static site generator for research groups (authors, papers, metrics)."""

__version__ = "0.1.0"
