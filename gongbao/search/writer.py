"""The index build: documents → tokens → Pagefind pages, and the files the browser reads beside them."""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import fold, layout, pagefind
from .layout import CHAR_SHARDS, CHARS, DOC, DOC_REST, MAX_PARTS, META, META_COLUMNS, NAMES, NAMES_PER_SHARD
from .parallel import process_map
from .record import SearchRecord
from .tokens import document_tokens

#: From this many documents on, their tokens are computed on other processes.
_PARALLEL_DOCUMENTS = 400

#: Large sites are indexed in parts, each a page of its own: Pagefind reads each page on one
#: thread, and pages side by side. A part holds about this many characters of text; the count
#: depends on the content only, so the same content gives the same index on every machine.
PART_CHARS = 4_000_000

#: A document's text is stored as its first paragraphs (doc/<i>.gb, at least this many
#: characters) and the rest (doc/<i>r.gb): a snippet and the exact check usually need only the first.
HEAD_CHARS = 800

_SHARD_FOLDERS = tuple(dict.fromkeys(s.folder for s in layout.SHARDS.values()))


def build_index(site_dir: Path, records: Sequence[SearchRecord], part_chars: int | None = None) -> None:
    """Write the index for `records` under site_dir/search/; raises SearchIndexError if Pagefind fails."""
    out = site_dir / layout.SEARCH_DIR
    (out / META).unlink(missing_ok=True)
    for folder in (layout.PAGEFIND_DIR, *_SHARD_FOLDERS):
        if (out / folder).exists():
            shutil.rmtree(out / folder)
    for folder in _SHARD_FOLDERS:  # made once here, not checked for every file written
        (out / folder).mkdir(parents=True)
    facets = _Facets.of(records)
    parts = _parts(records, part_chars)
    # in the site being built, not in TMPDIR: on the disk the build writes anyway, and removed with it
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=site_dir) as tmp:
        source = Path(tmp) / "site"
        source.mkdir()
        docs, doc_chars, doc_title_chars = _write_pages(source, records, parts, facets)
        # Pagefind runs in its own process: the files for the browser are written meanwhile.
        with pagefind.Indexer(source, Path(tmp) / "out") as indexer:
            for n, record in enumerate(records):
                head, rest = _split_text(record.text)
                _write_gz_json(out / DOC.name(n), {**_display(record), "text": head, "more": bool(rest)})
                if rest:
                    _write_gz_json(out / DOC_REST.name(n), {"text": rest})
            _write_chars(out, doc_chars, doc_title_chars)
            for n in range(0, len(records), NAMES_PER_SHARD):
                _write_gz_json(out / NAMES.name(n // NAMES_PER_SHARD),
                               [[r.url, r.title, r.doc_number, r.in_collection]
                                for r in records[n:n + NAMES_PER_SHARD]])
            written = indexer.finish()
        pages = pagefind.finalise(written, len(parts))
        shutil.move(written, out / layout.PAGEFIND_DIR)
    _write_gz_json(out / META, {
        "layout": layout.for_browser(),
        # the normalisation's traditional → simplified table, which the page applies as tokens.py does
        "fold": fold.for_browser(),
        "facets": facets.names(),
        # Pagefind's page id of each part -> the part's first document
        "pages": {page: part.start for page, part in zip(pages, parts)},
        # one list per column (they compress better than rows): see META_COLUMNS
        "columns": {c: [d[i] for d in docs] for i, c in enumerate(META_COLUMNS)},
        # document -> [[day, status facet], …]: statuses taken after the build, applied on the day read
        "status_changes": {n: [[day, facets.statuses[status]] for day, status in r.status_changes]
                           for n, r in enumerate(records) if r.status_changes},
    })


@dataclass(frozen=True, slots=True)
class _Facets:
    """Each facet's values, numbered in sorted order: meta.gb gives a document's facets as numbers."""

    issuers: dict[str, int]
    doc_types: dict[str, int]
    statuses: dict[str, int]
    gazettes: dict[str, int]

    @staticmethod
    def of(records: Sequence[SearchRecord]) -> _Facets:
        return _Facets(_numbered(i for r in records for i in r.issuers),
                       _numbered(r.doc_type for r in records if r.doc_type),
                       _numbered(s for r in records for s in (r.status, *(s for _, s in r.status_changes))),
                       _numbered(r.gazette for r in records if r.gazette))

    def row(self, record: SearchRecord) -> list[object]:
        """The date and facet columns of a document (see META_COLUMNS); -1: no 文种, in no gazette."""
        return [record.date or str(record.year or ""), [self.issuers[i] for i in record.issuers],
                self.doc_types[record.doc_type] if record.doc_type else -1,
                self.statuses[record.status], self.gazettes[record.gazette] if record.gazette else -1]

    def names(self) -> dict[str, list[str]]:
        return {"issuers": list(self.issuers), "doc_types": list(self.doc_types), "statuses": list(self.statuses),
                "gazettes": list(self.gazettes)}


def _numbered(values: Iterable[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(sorted(set(values)))}


def _write_pages(source: Path, records: Sequence[SearchRecord], parts: list[range],
                 facets: _Facets) -> tuple[list[list[object]], list[np.ndarray], list[np.ndarray]]:
    """One Pagefind page per part, holding its documents' tokens one document after another.
    Returns each document's meta row and the code points of its text and of its title."""
    docs: list[list[object]] = []
    # Single characters are not Pagefind tokens (a quarter of all occurrences, and Pagefind's
    # cost grows with occurrences): chars/ lists the documents holding each one.
    doc_chars: list[np.ndarray] = []
    doc_title_chars: list[np.ndarray] = []
    tokens = process_map(document_tokens, records, _PARALLEL_DOCUMENTS, chunksize=16)
    for k, part in enumerate(parts):
        with pagefind.page(source, k) as f:
            for n, (line, row, title_chars, chars) in zip(part, tokens):
                f.write(line)
                docs.append([*row, *facets.row(records[n])])
                doc_chars.append(chars)
                doc_title_chars.append(title_chars)
    tokens.close()  # every token is written: the worker processes end here, not when collected
    return docs, doc_chars, doc_title_chars


def _parts(records: Sequence[SearchRecord], part_chars: int | None = None) -> list[range]:
    """Consecutive runs of records of about equal text size, about `part_chars` (PART_CHARS) each."""
    part_chars = part_chars or PART_CHARS
    sizes = [len(r.text) + len(r.title) for r in records]
    total = sum(sizes)
    count = max(1, min(MAX_PARTS, len(records), round(total / part_chars)))
    parts: list[range] = []
    start = seen = 0
    for n, size in enumerate(sizes):
        seen += size
        if len(parts) < count - 1 and seen >= total * (len(parts) + 1) / count and n + 1 < len(records):
            parts.append(range(start, n + 1))
            start = n + 1
    parts.append(range(start, len(records)))
    return parts


def _write_chars(out: Path, doc_chars: Sequence[np.ndarray], doc_title_chars: Sequence[np.ndarray]) -> None:
    """chars/: for each character, the documents holding it and those holding it in the title."""
    in_docs, in_titles = _postings(doc_chars), _postings(doc_title_chars)
    shards: dict[int, dict[str, list[list[int]]]] = {}
    for c, ids in in_docs.items():
        shards.setdefault(c % CHAR_SHARDS, {})[chr(c)] = [_deltas(ids), _deltas(in_titles.get(c, []))]
    for shard, chars in shards.items():
        _write_gz_json(out / CHARS.name(shard), chars)


def _postings(doc_chars: Sequence[np.ndarray]) -> dict[int, list[int]]:
    """code point -> the documents (ascending) whose array holds it."""
    if not doc_chars:
        return {}
    chars = np.concatenate(doc_chars)
    docs = np.repeat(np.arange(len(doc_chars), dtype=np.int32), [len(a) for a in doc_chars])
    order = np.argsort(chars, kind="stable")  # stable: documents stay ascending within a character
    chars, docs = chars[order], docs[order]
    starts = np.flatnonzero(np.diff(chars, prepend=-1))
    return {int(c): ids.tolist() for c, ids in zip(chars[starts], np.split(docs, starts[1:]))}


def _deltas(ids: list[int]) -> list[int]:
    """An ascending list as its first number and the differences after it."""
    return [b - a for a, b in zip([0, *ids], ids)]


def _split_text(text: str) -> tuple[str, str]:
    """The text cut at the first paragraph end after HEAD_CHARS characters (never inside a paragraph,
    so a match never spans the two halves)."""
    if len(text) <= HEAD_CHARS:
        return text, ""
    cut = text.find("\n", HEAD_CHARS)
    if cut < 0:
        return text, ""
    return text[:cut], text[cut + 1:]


def _display(record: SearchRecord) -> dict[str, object]:
    return {"url": record.url, "title": record.title, "doc_number": record.doc_number,
            "issuers": list(record.issuers), "doc_type": record.doc_type, "date": record.date,
            "year": record.year, "status": record.status, "gazette": record.gazette,
            "in_collection": record.in_collection}


def _write_gz_json(path: Path, value: object) -> None:
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
