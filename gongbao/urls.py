"""Site URLs: where every page lives, and relative links between pages (so the site works anywhere)."""

from __future__ import annotations

import posixpath

HOME = ""
GAZETTES = "gazette/"
ARCHIVE = "archive/"
ISSUERS = "archive/issuer/"
TYPES = "archive/type/"
ENDED = "archive/ended/"
SEARCH = "search/"
CATALOGUE = "api/documents.json"


def document(slug: str) -> str:
    return f"docs/{slug}/"


def gazette(gazette_id: str) -> str:
    return f"gazette/{gazette_id}/"


def gazette_file(gazette_id: str, name: str) -> str:
    """A file that belongs to an issue, e.g. its printed PDF, beside the issue's page."""
    return f"{gazette(gazette_id)}{name}"


def year(y: int) -> str:
    return f"archive/{y}/"


def issuer(slug: str) -> str:
    return f"{ISSUERS}{slug}/"


def doc_type(slug: str) -> str:
    return f"{TYPES}{slug}/"


def page_file(url: str) -> str:
    """The file a URL is served from: directory URLs end in index.html."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def relative(from_url: str, to_url: str, explicit_index: bool) -> str:
    """Link from the page at `from_url` to `to_url`, both relative to the site root.

    With `explicit_index` a directory link names its index.html, which is what a browser
    needs when the site is opened from disk (file://) rather than served.
    """
    start = [part for part in posixpath.dirname(page_file(from_url)).split("/") if part]
    target = [part for part in (page_file(to_url) if explicit_index else to_url).split("/") if part]
    # posixpath.relpath of the two, without its abspath: a build links pages tens of thousands of times,
    # and each asked the working folder twice (1.5 s of a 3,366-document build)
    common = 0
    for a, b in zip(start, target):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(start) - common) + target[common:]) or "."
    if not explicit_index and (to_url == "" or to_url.endswith("/")):
        rel = "./" if rel == "." else rel + "/"
    return rel
