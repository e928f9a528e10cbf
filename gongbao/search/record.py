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
    doc_type: str
    """文种"""
    date: str
    """成文日期, ISO yyyy-mm-dd"""
    year: int
    status: str
    """现行有效 / 已废止 / 已被替代 / 已修改 / 已失效"""
    gazette: str | None
    """e.g. "2024年第2期" """
    text: str
    """plain text of the body, paragraphs separated by "\\n" """
    status_changes: tuple[tuple[str, str], ...] = ()
    """(day, status) for each status it takes after the build's as-of date, oldest first: the page
    shows the one of the day it is read (see templates/assets/status.js)"""
