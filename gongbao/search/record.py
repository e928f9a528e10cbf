"""What the search stage is given of each document (SearchRecord), and the one error it raises."""

from __future__ import annotations

from dataclasses import dataclass


class SearchIndexError(RuntimeError):
    """Pagefind could not build the index, or the index is not what this code knows how to read."""


@dataclass(frozen=True, slots=True)
class SearchRecord:
    """One document as the search stage sees it."""

    url: str
    """relative to the site root, e.g. "docs/wlff-2024-9/" (the page file is url + "index.html")"""
    title: str
    doc_number: str | None
    issuers: tuple[str, ...]
    doc_type: str | None
    """文种; None for a document known only from a relation"""
    date: str | None
    """成文日期, ISO yyyy-mm-dd; None for a document known only from a relation"""
    year: int | None
    """of the 成文日期, or of the 文号 when that is all that is known"""
    status: str
    """现行有效 / 已废止 / 已被替代 / 已修改 / 已失效"""
    gazette: str | None
    """e.g. "2024年第2期" """
    text: str
    """plain text of the body, paragraphs separated by "\\n" """
    status_changes: tuple[tuple[str, str], ...] = ()
    """(day, status) for each status it takes after the build's as-of date, oldest first: the page
    shows the one of the day it is read (see templates/assets/status.js)"""
    text_digest: bytes = b""
    """digests.digest of `text` in UTF-8, when it is known (b"": worked out when needed)"""
    in_collection: bool = True
    """False for a document cited by a relation but not in the collection (未收录全文): it is found by
    its 文号 and its title as cited, and shown with its status"""
