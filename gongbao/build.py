"""Build: load → relations → render → search index → write, in that order, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import docnumber, urls
from .config import Settings
from .load import load_content
from .output import check_output
from .problems import ContentError, Problems
from .relations import Library, build_library, status_changes
from .render import render_site
from .search import SearchIndexError, SearchRecord, build_index
from .write import publishing


@dataclass(frozen=True, slots=True)
class BuildResult:
    output: Path
    library: Library
    pages: int


def check(settings: Settings, as_of: dt.date, problems: Problems) -> Library:
    """Load and validate everything; raise ContentError if any error was found."""
    content = load_content(settings.content_path, settings.title, problems)
    library = build_library(content, as_of, problems)
    if problems.errors:
        raise ContentError(problems)
    return library


def build(settings: Settings, as_of: dt.date, problems: Problems, output: Path | None = None,
          explicit_index: bool = False) -> BuildResult:
    """Build the site into `output` (default: the settings' output folder).

    Everything is written into a staging folder first; the previous site is replaced only
    when every stage succeeded, so a failed build never leaves a half-written site. A folder
    gongbao did not make is never replaced (output.check_output).
    """
    output = output or settings.output_path
    check_output(settings, output, problems)
    library = check(settings, as_of, problems)
    with publishing(output) as staged:
        rendered = render_site(library, settings, staged, problems, explicit_index=explicit_index)
        if rendered is None or problems.errors:
            raise ContentError(problems)
        try:
            build_index(staged, search_records(library, rendered.body_texts))
        except (SearchIndexError, OSError):  # OSError: the disk's, which publishing() names
            raise
        except Exception as exc:  # any other failure around the external indexer ends the build cleanly
            raise SearchIndexError(str(exc) or type(exc).__name__) from exc
        pages = sum(1 for _ in staged.rglob("*.html"))
    return BuildResult(output, library, pages)


def search_records(library: Library, body_texts: Mapping[str, str]) -> tuple[SearchRecord, ...]:
    """What the search stage indexes, newest first: every document of the collection with its body's text,
    and every document known only from a relation (未收录全文), by its 文号 and its title as cited, so
    that a citizen finds an ended document and is led to what ended it."""
    out = []
    for key in sorted([*library.documents, *library.referenced], key=library.sort_key, reverse=True):
        status = library.status[key].label
        changes = tuple((day.isoformat(), s.label) for day, s in status_changes(library, key))
        doc = library.documents.get(key)
        if doc is None:
            out.append(SearchRecord(
                url=urls.document(library.slug_of(key)), title=library.title_of(key), doc_number=key, issuers=(),
                doc_type=None, date=None, year=docnumber.year_of(key), status=status, status_changes=changes,
                gazette=None, text="", in_collection=False))
            continue
        out.append(SearchRecord(
            url=urls.document(doc.slug), title=doc.title, doc_number=doc.doc_number, issuers=doc.issuers,
            doc_type=doc.doc_type, date=doc.signed.isoformat(), year=doc.signed.year, status=status,
            status_changes=changes, gazette=library.gazettes[doc.gazette].label if doc.gazette else None,
            text=body_texts[key]))
    return tuple(out)
