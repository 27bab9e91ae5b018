"""Pelican settings for the benchmark peer: paper articles, one page per author, the index; nothing else."""

import json
from pathlib import Path

SITENAME = "@SITE_TITLE@"
SITEURL = ""
PATH = "content"
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"
DEFAULT_PAGINATION = False

# Author data (category, metrics) has no place in Pelican's model: a setting keyed by name carries it to author.html.
AUTHOR_DATA = json.loads(Path(__file__).with_name("authors.json").read_text("utf-8"))

ARTICLE_URL = "papers/{slug}/"
ARTICLE_SAVE_AS = "papers/{slug}/index.html"
AUTHOR_URL = "authors/{slug}/"
AUTHOR_SAVE_AS = "authors/{slug}/index.html"

# Pages the other peers don't build: category, tag and archive pages, the author list, feeds.
DIRECT_TEMPLATES = ["index"]
AUTHORS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

# A clean build every time.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
