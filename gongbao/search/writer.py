"""The index build: documents → tokens → Pagefind pages, and the files the browser reads beside them."""

from __future__ import annotations

import concurrent.futures
import contextlib
import gzip
import hashlib
import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import fold, layout, merge, pagefind, tables
from ..digests import digest
from .layout import compress, compress_fast
from .layout import CHAR_SHARDS, CHARS, HEADS, META_COLUMNS, NAMES, NAMES_PER_SHARD, RESTS
from .record import SearchIndexError, SearchRecord
from .recycle import Recycled
from .parallel import Workers
from .reuse import IndexCache, KeptMissing, TokensAhead
from .tokens import ROW_COLUMNS

#: The site is indexed in parts of at most about this many characters of text, each a Pagefind
#: page indexed on its own: what indexing a part holds grows with the part, not the site (tables.py:
#: 222 MiB for a corpus part of 8 M characters, 1.7 M words; Pagefind, which indexed every part before: about
#: 50 MiB + 48 MiB per million characters).
#: Smaller parts cost more in the merge and in the index's bytes (a word of every part has an entry in each):
#: on the corpus (18.9 M characters), parts of at most 8 M / 4 M / 2 M characters are 5 / 8 / 14 parts, and
#: the chunks 20.65 / 20.98 / 21.39 MB (meta index 23.1 / 24.0 / 25.5 KB); a full build took about 1 CPU s more
#: with 2 M than with 8 M. A cached build after one body edit makes the tables of the part holding it again:
#: after 8 M, the merge waited 0.49-0.74 s for them, after 4 M 0.33-0.41 s, after 2 M 0.12-0.20 s (the
#: rebuild 3.3-4.5 s, 3.1-4.2 s and 2.7-3.9 s, side by side). The cuts depend on the content only, so the same
#: content gives the same index on every machine.
PART_CHARS = 4_000_000

#: A document's text is stored as its first paragraphs (in heads, at least this many characters)
#: and the rest (in rests): a snippet and the exact check usually need only the first.
HEAD_CHARS = 800


def build_index(site_dir: Path, records: Sequence[SearchRecord], part_chars: int | None = None,
                cache: IndexCache | None = None, stop: threading.Event | None = None,
                workers: Workers | None = None, ahead: TokensAhead | None = None,
                recycled: Recycled | None = None) -> None:
    """Write the index for `records` under site_dir/search/, reusing what `cache` kept of earlier builds (call
    its `commit` or `discard` after); raises SearchIndexError if Pagefind fails.

    Each part's page is indexed by tables.py, which writes the words' entries in Pagefind 1.5's format, each
    bigram located at its document's slot and class (layout.SLOTS); Pagefind runs once, on a page of no tokens,
    for the files every index takes from it (its entry, meta index, script and WebAssembly), unless the cache
    keeps them. `stop`: once set (from another thread), the build
    ends at its next step, raising Stopped. `workers`: the processes its jobs run on (by default, its own);
    `ahead`: documents' tokens computed before; `recycled`: files the merge may take for its chunks."""
    cache = cache or IndexCache(None)
    with cache.lock, (contextlib.nullcontext(workers) if workers else Workers()) as on:
        on.start()  # (a no-op if they are)
        try:
            _build_index(site_dir, records, part_chars, cache, _Steps(stop), on, ahead, recycled)
        except (_KeptUnreadable, KeptMissing):  # every part is indexed anew
            cache.forget()
            _build_index(site_dir, records, part_chars, cache, _Steps(stop), on, ahead, recycled)


class _KeptUnreadable(SearchIndexError):
    """The index could not be read, and some of it was Pagefind's output kept by the cache."""


class Stopped(Exception):
    """build_index's `stop` was set."""


@dataclass(frozen=True, slots=True)
class _Steps:
    stop: threading.Event | None

    def __call__(self) -> None:
        """Between two steps of the build: raise Stopped if it is to stop."""
        if self.stop is not None and self.stop.is_set():
            raise Stopped


def _build_index(site_dir: Path, records: Sequence[SearchRecord], part_chars: int | None, cache: IndexCache,
                 step: _Steps, workers: Workers, ahead: TokensAhead | None,
                 recycled: Recycled | None = None) -> None:
    out = site_dir / layout.SEARCH_DIR
    _clear(out)
    out.mkdir(parents=True, exist_ok=True)
    facets = _Facets.of(records)
    parts = _parts(records, part_chars)
    # in the site being built, not in TMPDIR: on the disk the build writes anyway, and removed with it
    with (tempfile.TemporaryDirectory(prefix=".pagefind-", dir=site_dir) as tmp,
          pagefind.Parts(Path(tmp), workers) as indexing):
        # The parts' pages are indexed by tables.py, one at a time on the workers, as their tokens come in (and
        # Pagefind runs for the shell, unless the cache keeps it; poll() raises here a failure to start it).
        docs, doc_chars, doc_title_chars = _write_pages(indexing, records, parts, facets, cache, step,
                                                        workers, ahead)
        # The browser's files are written on a thread of their own while the parts are indexed and merged on the
        # workers: after one body edit on the corpus, the merge waited for them (0.7-0.9 s), and they for nothing.
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="index-files") as files:
            written = files.submit(_write_files, out, records, doc_chars, doc_title_chars, cache, step)
            del doc_chars, doc_title_chars  # (emptied by _write_chars)
            if len(parts) >= merge._ALONE_PARTS:  # a large site: the chars' lists (4 bytes for each character of
                written.result()                  # each document) are let go before the merge, which holds the most
            outputs = indexing.finish()
            step()
            try:
                merged = merge.merge(outputs, out / layout.PAGEFIND_DIR, tables=cache.tables(),
                                     shell=cache.shell or indexing.shell_output, compressed=cache, step=step,
                                     workers=workers, recycled=recycled)
            except SearchIndexError as exc:
                if cache.reused:
                    raise _KeptUnreadable from exc
                raise
            digests, extents = written.result()
        cache.made(outputs, indexing.shell_output)
    meta_key, meta = cache.gz(_json({
        "layout": layout.for_browser(digests),
        # the normalisation's traditional → simplified table, which the page applies as tokens.py does
        "fold": fold.for_browser(),
        "facets": facets.names(),
        # Pagefind's page id of each part -> the part's first document
        "pages": {page: part.start for page, part in zip(merged.pages, parts)},
        # each word held by so many documents that it has a chunk of its own -> the chunk, which the page reads
        "own": {word: f"{layout.PAGEFIND_DIR}/{chunk}" for word, chunk in merged.own.items()},
        # the number of documents in each shard of heads and of rests, in order
        "shards": extents,
        # one list per column (they compress better than rows): see META_COLUMNS
        "columns": {c: [d[i] for d in docs] for i, c in enumerate(META_COLUMNS)},
        # document -> [[day, status facet], …]: statuses taken after the build, applied on the day read
        "status_changes": {n: [[day, facets.statuses[status]] for day, status in r.status_changes]
                           for n, r in enumerate(records) if r.status_changes},
    }))
    meta_name = layout.meta_name(meta)
    cache.gz_write(meta_key, meta, out / meta_name)
    merge.write_entry(out / layout.PAGEFIND_DIR, merged,
                      {layout.ENTRY_KEY: {"meta": meta_name, "script": merged.script}})


def _write_files(out: Path, records: Sequence[SearchRecord], doc_chars: list[np.ndarray],
                 doc_title_chars: list[np.ndarray], cache: IndexCache, step: Callable[[], None]
                 ) -> tuple[dict[str, str], dict[str, list[int]]]:
    """The shards beside Pagefind's index (heads, rests, chars, names): their digests, and the text shards' extents."""
    digests, extents = _write_texts(out, records, cache, step)
    digests["chars"] = _write_chars(out, doc_chars, doc_title_chars, cache, step)
    digests["names"] = _write_names(out, records, cache, step)
    return digests, extents


def _clear(out: Path) -> None:
    """Remove a previous index from `out` (the search page beside it stays)."""
    if not out.is_dir():
        return
    families = tuple(s.folder + "-" for s in layout.SHARDS.values())
    for path in out.iterdir():
        if path.name == layout.PAGEFIND_DIR or (path.is_dir() and path.name.startswith(families)):
            shutil.rmtree(path)
        elif path.name.startswith(layout.META_PREFIX) and path.suffix == ".gb":
            path.unlink()


@dataclass(frozen=True, slots=True)
class _Facets:
    """Each facet's values, numbered in sorted order: meta gives a document's facets as numbers."""

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


def _write_pages(indexing: pagefind.Parts, records: Sequence[SearchRecord], parts: list[range],
                 facets: _Facets, cache: IndexCache, step: Callable[[], None], workers: Workers,
                 ahead: TokensAhead | None) -> tuple[list[list[object]], list[np.ndarray], list[np.ndarray]]:
    """One page per part (but the parts whose index the cache kept), holding its documents' tokens one document
    after another, indexed by tables.py. Returns each document's meta row and the code points of its text and of
    its title."""
    # Each part's rows, in whatever order the cache gives the parts (those to be indexed first).
    docs: list[list[list[object]]] = [[] for _ in parts]
    # Single characters are not Pagefind tokens (a quarter of all occurrences, and Pagefind's
    # cost grows with occurrences): the chars shards list the documents holding each one.
    doc_chars: list[list[np.ndarray]] = [[] for _ in parts]
    doc_title_chars: list[list[np.ndarray]] = [[] for _ in parts]
    # closed when every token is written, or on a raise: the worker processes end then, not when collected
    with contextlib.closing(cache.tokens(records, parts, indexing.folder, workers, ahead)) as each:
        for done, (k, kept, tokens) in enumerate(each):
            if done == 0 and cache.shell is None:
                indexing.shell()  # (the cache tells from the first part on whether it keeps what Pagefind's run gives)
            if kept is not None:
                indexing.kept(k, kept)
            lines: list[str] = []
            rows: list[list[int]] = []
            for n, (line, row, title_chars, chars) in zip(parts[k], tokens):
                step()
                if kept is None:
                    lines.append(line)
                    rows.append(row)
                docs[k].append([*(row[c] for c in _FROM_ROW), *facets.row(records[n])])
                doc_chars[k].append(_narrow(chars))
                doc_title_chars[k].append(_narrow(title_chars))
            if kept is None:
                page = pagefind.page_words("".join(lines))
                indexing.index_here(k, cache.index_job(k, page, tables.packed_rows(rows)))
    return [d for part in docs for d in part], [c for part in doc_chars for c in part], \
        [c for part in doc_title_chars for c in part]


#: meta's columns taken from text_tokens' row (the others are the date and the facets: _Facets.row), by place.
_FROM_ROW = [ROW_COLUMNS.index(c) for c in META_COLUMNS[:2]]


def _narrow(chars: np.ndarray) -> np.ndarray:
    """Code points in two bytes each when they fit (in nearly every document), not four: the build holds them
    for every document until the chars shards are written. Below 0xFFFF, so that _Postings' `chars + 1` fits too."""
    return chars.astype(np.uint16) if chars.max(initial=0) < 0xFFFF else chars


def _parts(records: Sequence[SearchRecord], part_chars: int | None = None) -> list[range]:
    """Consecutive runs of records of at most about `part_chars` (PART_CHARS) characters each (more only by
    the document that crosses the line), at least half of that but the last, cut where the documents say:
    an edit moves no cut but those next to the documents it changed (see _cuts_after)."""
    most = part_chars or PART_CHARS
    least = most // 2
    parts: list[range] = []
    start = size = 0
    for n, record in enumerate(records):
        size += _size(record)
        if n + 1 < len(records) and (size >= most or size >= least and _cuts_after(record, least)):
            parts.append(range(start, n + 1))
            start, size = n + 1, 0
    parts.append(range(start, len(records)))
    return parts


def _size(record: SearchRecord) -> int:
    return len(record.text) + len(record.title)


def _cuts_after(record: SearchRecord, least: int) -> bool:
    """Whether a part may end with this document: drawn from its URL (which an edit keeps), with a chance
    of its size in half of `least`, so that a part past `least` ends after about that many characters more."""
    draw = int.from_bytes(hashlib.sha1(record.url.encode()).digest()[:8], "big") / 2 ** 64
    return draw * least < 2 * _size(record)


class _Family:
    """One family of shards being written, into a folder named after all of them once complete. Each shard is
    compressed here, on the thread that writes the files (the rests by ISA-L, see layout.compress_fast): it costs less
    to gzip than it did to send to a worker process and back. The corpus's text shards alone, 4 runs of each in turn:
    2.88-3.31 s by zlib on the workers (16 shards in flight each), 1.32-1.88 s by ISA-L on the workers, 0.73-1.28 s
    by ISA-L here; then, heads by zlib and rests by ISA-L here 1.46-1.68 s, both by ISA-L here 1.36-1.52 s."""

    def __init__(self, out: Path, shards: layout.Shards, cache: IndexCache, step: Callable[[], None]):
        self.out = out
        self.shards = shards
        self.cache = cache
        self.step = step
        self.folder = out / shards.directory("")  # renamed when complete
        self.folder.mkdir()
        self.content = hashlib.sha256()
        self.digest = ""

    def __enter__(self) -> _Family:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if error is None:
            self.digest = self.content.hexdigest()[:layout.DIGEST_LENGTH]
            self.folder.rename(self.out / self.shards.directory(self.digest))

    def write(self, n: int, value: bytes) -> bytes:
        """Shard `n` (numbers ascending), `value` its JSON; the digest of its bytes (b"" without a cache folder)."""
        self.step()
        key = digest(value) if self.cache.folder is not None else b""  # (without a cache folder, none is kept)
        self._put(n, key, None if self.cache.known(key) else (compress_fast if self.shards.fast else compress)(value))
        return key

    def write_keyed(self, n: int, shard_key: bytes, value: Callable[[], bytes]) -> None:
        """Shard `n`, made of what `shard_key` digests (b"": not kept): the compressed file the cache keeps for that
        key (reuse.IndexCache.shard), or else `value()`, its JSON, written and kept for the next build."""
        kept = self.cache.shard(shard_key) if shard_key else None
        if isinstance(kept, bytes):
            self.step()
            self._put(n, kept, None)
        else:
            kept = self.write(n, value())
        if shard_key:
            self.cache.made_shard(shard_key, kept)

    def _put(self, n: int, key: bytes, made: bytes | None) -> None:
        """Shard `n` of digest `key`: compressed (`made`), or kept by the cache (None)."""
        data = self.cache.gz_take(key, made)
        name = self.shards.file(n)
        self.cache.gz_write(key, data, self.folder / name)
        self.content.update(f"{name}\0{len(data)}\0".encode() + data)


def _write_texts(out: Path, records: Sequence[SearchRecord], cache: IndexCache, step: Callable[[], None]
                 ) -> tuple[dict[str, str], dict[str, list[int]]]:
    """heads and rests: each document's fields and the start of its text, and the rest of its text,
    packed into shards of consecutive documents. Returns their digests and how many documents each
    shard holds.

    With a cache folder, the size of each document's JSON and the compressed file of each shard are known from
    the build before by a digest of what they are made of (reuse.IndexCache.shard): only the documents of the
    shards that changed are written as JSON again (after one body edit on the corpus, 0.3 of the 0.4 CPU s of the
    stage went to the JSON and digests of shards that had not changed)."""
    texts = {
        "heads": (HEADS, layout.HEAD_SHARD_BYTES,
                  lambda r, head, rest: {**_display(r), "text": head, "more": bool(rest)}),
        "rests": (RESTS, layout.REST_SHARD_BYTES, lambda r, head, rest: rest),
    }
    keys = cache.record_keys(records, lambda r: _json(_display(r)))
    digests, extents = {}, {}
    for key, (shards, budget, value) in texts.items():
        extents[key] = []
        family_key = key.encode()
        items = _Items(records, value, cache, [family_key + k for k in keys] if keys is not None else None)
        with _Family(out, shards, cache, step) as family:
            for n, run in enumerate(_cut(items.sizes(), budget)):
                shard_key = digest(family_key + b"".join(keys[m] for m in run)) if keys is not None else b""
                family.write_keyed(n, shard_key, lambda: b"[" + b",".join(items.take(m) for m in run) + b"]")
                extents[key].append(len(run))
        digests[key] = family.digest
    return digests, extents


class _Items:
    """Each record's JSON in a family of text shards, made when first asked for and held until taken. `keys`: each
    record's key for the size the cache keeps of its JSON (reuse.IndexCache.shard), None without a cache folder."""

    def __init__(self, records: Sequence[SearchRecord], value: Callable[[SearchRecord, str, str], object],
                 cache: IndexCache, keys: list[bytes] | None):
        self.records = records
        self.value = value
        self.cache = cache
        self.keys = keys
        self.made: dict[int, bytes] = {}

    def __call__(self, n: int) -> bytes:
        if n not in self.made:
            record = self.records[n]
            self.made[n] = _json(self.value(record, *_split_text(record.text)))
        return self.made[n]

    def take(self, n: int) -> bytes:
        made = self(n)
        del self.made[n]
        return made

    def sizes(self) -> Iterator[int]:
        """Each record's JSON size in order, kept or made: a record's JSON is made as its size is asked for and held
        until its shard is written, one shard at a time (every record's at once was a gigabyte at 100,000
        documents)."""
        for n in range(len(self.records)):
            kept = self.cache.shard(self.keys[n]) if self.keys is not None else None
            size = kept if isinstance(kept, int) else len(self(n))
            if self.keys is not None:
                self.cache.made_shard(self.keys[n], size)
            yield size


def _cut(sizes: Iterable[int], budget: int) -> Iterator[range]:
    """Consecutive runs of items of these sizes of at most `budget` bytes (an item larger than that alone), each
    given as soon as the size after it is read."""
    start = size = count = 0
    for n, item in enumerate(sizes):
        if n > start and size + item > budget:
            yield range(start, n)
            start, size = n, 0
        size += item
        count = n + 1
    if start < count:
        yield range(start, count)


def _write_names(out: Path, records: Sequence[SearchRecord], cache: IndexCache, step: Callable[[], None]) -> str:
    """names: url, title, 文号 and whether in the collection, of NAMES_PER_SHARD documents a shard.
    Returns the digest."""
    with _Family(out, NAMES, cache, step) as family:
        for n in range(0, len(records), NAMES_PER_SHARD):
            family.write(n // NAMES_PER_SHARD, _json([[r.url, r.title, r.doc_number, r.in_collection]
                                                      for r in records[n:n + NAMES_PER_SHARD]]))
    return family.digest


def _write_chars(out: Path, doc_chars: list[np.ndarray], doc_title_chars: list[np.ndarray],
                 cache: IndexCache, step: Callable[[], None]) -> str:
    """chars: for each character, the documents holding it and those holding it in the title. Returns the digest.
    One shard's lists are made at a time: all of them would be a Python int for every (document,
    character) pair, gigabytes at 100,000 documents. Empties `doc_chars` and `doc_title_chars`: the
    postings hold what they held, and the merge that follows need not hold both."""
    in_docs, in_titles = _Postings(doc_chars), _Postings(doc_title_chars)
    for arrays in (doc_chars, doc_title_chars):
        arrays.clear()
    with _Family(out, CHARS, cache, step) as family:
        for shard in range(CHAR_SHARDS):
            held = in_docs.chars[in_docs.chars % CHAR_SHARDS == shard]
            if not len(held):
                continue
            # its compressed file kept by the cache, if its lists did not change (see _write_texts)
            key = b"chars" + in_docs.key(held) + in_titles.key(held) if cache.folder is not None else b""
            family.write_keyed(shard, key, lambda: _json({chr(c): [in_docs.deltas(c), in_titles.deltas(c)]
                                                          for c in held.tolist()}))
    return family.digest


class _Postings:
    """code point -> the documents (ascending) whose array holds it, each array's code points
    distinct: one array of document numbers ordered by code point (a counting sort, so that it
    takes four bytes a pair and no more, however many pairs)."""

    def __init__(self, doc_chars: Sequence[np.ndarray]):
        counts = np.zeros(0x110001, dtype=np.int64)  # counts[c + 1]: documents holding c
        for chars in doc_chars:
            counts[chars + 1] += 1
        self.starts = np.cumsum(counts)  # the documents holding c: docs[starts[c]:starts[c + 1]]
        self.docs = np.empty(int(self.starts[-1]), dtype=np.int32)
        filled = self.starts[:-1].copy()
        for n, chars in enumerate(doc_chars):
            self.docs[filled[chars]] = n
            filled[chars] += 1
        self.chars = np.flatnonzero(counts[1:])
        """every code point some document holds, ascending"""

    def key(self, chars: np.ndarray) -> bytes:
        """A digest of the lists of these code points."""
        counts = self.starts[chars + 1] - self.starts[chars]
        lists = [self.docs[self.starts[c]:self.starts[c + 1]] for c in chars.tolist()]
        return digest(chars.astype(np.int64).tobytes() + counts.tobytes() + np.concatenate(lists).tobytes())

    def deltas(self, c: int) -> list[int]:
        """The documents holding `c` as the first number and the differences after it."""
        return np.diff(self.docs[self.starts[c]:self.starts[c + 1]], prepend=0).tolist()


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


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def read_index(site_dir: Path) -> list[SearchRecord]:
    """The records an index was built from, read back from its files (what tests and benchmarks check it against)."""
    out = site_dir / layout.SEARCH_DIR
    entry = json.loads((out / layout.ENTRY).read_text(encoding="utf-8"))[layout.ENTRY_KEY]
    meta = json.loads(gzip.decompress((out / entry["meta"]).read_bytes()))
    families = meta["layout"]["files"]

    def shard_texts(key: str) -> Iterator[object]:
        for n, count in enumerate(meta["shards"][key]):
            path = out / families[key][0] / layout.SHARDS[key].file(n)
            values = json.loads(gzip.decompress(path.read_bytes()))
            if len(values) != count:
                raise ValueError(f"{key} shard {n} holds {len(values)} documents, not {count}")
            yield from values

    statuses = meta["facets"]["statuses"]
    records = []
    for n, (head, rest) in enumerate(zip(shard_texts("heads"), shard_texts("rests"), strict=True)):
        fields = {k: v for k, v in head.items() if k != "more"}
        if head["more"]:
            fields["text"] += "\n" + rest
        fields["issuers"] = tuple(fields["issuers"])
        fields["status_changes"] = tuple((day, statuses[s]) for day, s in meta["status_changes"].get(str(n), ()))
        records.append(SearchRecord(**fields))
    return records
