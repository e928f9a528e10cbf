"""Search index: exact Chinese substring search on Pagefind, plus its offline (file://) form.

Pagefind standard is the engine (index chunks, WebAssembly lookup, lazy loading). What it
indexes is not prose but, for every document, the *set* of its character bigrams, written one
document after another into one Pagefind page (a large site: a few pages, one per consecutive
part of its documents, which Pagefind reads side by side). Why:

- a query word matches a document only if the document contains every bigram of the word, so
  the bigram lookup gives a superset of the true matches (recall is exact, and there is no
  segmenter whose guesses can differ between build and browser); the browser then checks the
  candidates against the text, so precision is exact too;
- Pagefind's build cost grows with (word, page) pairs and with occurrences; a page holds many
  documents, so the pairs are few, and each document contributes each of its bigrams once;
- Pagefind reports the position of every matching token in its page, and a position tells
  which document it came from (the part's first document and region sizes in meta) and, from
  the offset inside the document's region, whether the bigram is in its 文号 or title (those
  bigrams are written first) and how often it occurs in the body (body bigrams are written
  most frequent first).

Tokens are spelled in lower-case letters and digits (a CJK character is three symbols of a
base-36 code of its code point, a bigram six): Pagefind 1.5 splits Han text in queries into
single characters and matches each by prefix, which would turn an exact bigram lookup into a
fuzzy one; the code is prefix-free, so a prefix match of a token is an exact match, and short,
because Pagefind's cost grows with the bytes of its page too (it stores and compresses them).
Single characters are not Pagefind tokens: they were a quarter of all occurrences, and a
one-character query is answered from `chars/`, the lists of documents holding each character
(and holding it in the title), in CHAR_SHARDS files by code point.

The tokens are computed with numpy (normalisation by table lookup, bigrams as integers): in
pure Python this took longer than Pagefind itself.

After Pagefind has run, its word index is re-cut into chunks of about CHUNK_BYTES (see
`rechunk`): a query loads one chunk per token, and Pagefind's own chunks are ~55 KB each.
The page runs Pagefind without its web worker (one file fewer to fetch) and warms it up when
the search page opens.

Files under `search/` (all gzip, deterministic): `pagefind/` (Pagefind's own output minus
what is never loaded), `meta.gb` (regions, parts, facets, dates), `names/<n>.gb` (url, title,
文号 for 64 documents each), `chars/<n>.gb`, `doc/<i>.gb` (one document's fields and the start of
its text, for snippets and the exact check; `doc/<i>r.gb` the rest of the text, loaded only
when the start does not decide).
"""

from __future__ import annotations

import base64
import concurrent.futures
import gzip
import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

T = TypeVar("T")
R = TypeVar("R")

SEARCH_DIR = "search"
PAGEFIND_DIR = "pagefind"
NAMES_PER_SHARD = 64
FORMAT_VERSION = 3

CHARS_DIR = "chars"
#: chars/<code point % CHAR_SHARDS, hex>.gb: {character: [documents holding it, those holding it
#: in the title]}, each list as differences to the previous number (they compress better).
#: Shards rather than a file per character: thousands of files cost more to write than the
#: few KB a single-character query loads more.
CHAR_SHARDS = 256

#: The per-document columns of meta.gb: document_tokens' row, then date and facet numbers.
META_COLUMNS = ("bigrams", "tf2", "tf4", "tf10", "number", "title",
                "date", "issuers", "doc_type", "status", "gazette")

#: Bigrams are written most frequent first; these thresholds split them into tf buckets.
TF_BUCKETS = (2, 4, 10)

#: Pagefind output that the search never loads (its UI kits, and the one fragment that
#: would hold every token of the site).
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
           "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js", "fragment",
           "pagefind-worker.js")


class SearchIndexError(RuntimeError):
    """Pagefind could not build the index."""


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


def normalize(text: str) -> str:
    """The form both sides of a match are compared in: NFKC, lower case, letters and digits only.

    Dropping punctuation and spaces is what makes 〔2024〕, [2024], (2024) and 【2024】 the same;
    search.js implements the identical rule.
    """
    # str.isalnum() is exactly Unicode categories L* and N*, which is what [\W_] removes.
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).lower())


_NOT_ALNUM = re.compile(r"[\W_]+")


#: Token alphabet. A character is three symbols when its code point is below 35 * 36**2 (every
#: CJK unified ideograph, Latin letter and digit), else "z" and four symbols: no code is a prefix
#: of another, so Pagefind's prefix match of a token is an exact match.
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
SHORT_CODES = 35 * 36 * 36


def _spell_code(n: int) -> str:
    a = ALPHABET
    if n < SHORT_CODES:
        return a[n // 1296] + a[n // 36 % 36] + a[n % 36]
    return "z" + a[n // 46656 % 36] + a[n // 1296 % 36] + a[n // 36 % 36] + a[n % 36]


class _SpellTable(dict[int, str]):
    """str.translate table: every character to its symbols, filled on first use; spaces stay."""

    def __missing__(self, code: int) -> str:
        value = self[code] = _spell_code(code)
        return value


_SPELL = _SpellTable({ord(" "): " "})


def spell(chars: str) -> str:
    """Each character as lower-case letters and digits (see ALPHABET): a Pagefind word that
    Pagefind neither splits nor stems, and whose prefix match is exact. A bigram of CJK
    characters is six symbols."""
    return chars.translate(_SPELL)


def query_words(query: str) -> list[str]:
    """The normalised words of a query; a document must contain all of them."""
    return [w for w in (normalize(part) for part in unicodedata.normalize("NFKC", query).split()) if w]


def searchable_parts(record: SearchRecord) -> list[str]:
    """Normalised title, 文号 and paragraphs: a word matches when it lies inside one of them."""
    parts = [record.title, record.doc_number or "", *record.text.split("\n")]
    return [p for p in (normalize(x) for x in parts) if p]


def matches(record: SearchRecord, query: str) -> bool:
    """The literal truth the search is measured against."""
    parts = searchable_parts(record)
    return all(any(w in p for p in parts) for w in query_words(query))


_JAMO = ((0x1100, 0x11FF), (0xA960, 0xA97F), (0xD7B0, 0xD7FF))


def _context_free(c: str, nfkc: str) -> bool:
    """Whether `c` normalises the same alone as inside any text: no combining mark, no Hangul
    jamo (they compose with their neighbours under NFKC), no capital sigma (lower() depends on
    what follows it)."""
    return "\u03a3" not in nfkc and all(
        unicodedata.combining(x) == 0 and not unicodedata.category(x).startswith("M")
        and not any(lo <= ord(x) <= hi for lo, hi in _JAMO) for x in c + nfkc)


class _NormTable(dict[int, "str | None"]):
    """str.translate table doing `normalize` one character at a time; "\n" stays. A character
    whose normalisation can depend on its neighbours becomes "\0", which sends the text to
    `normalize` itself."""

    def __missing__(self, code: int) -> str | None:
        c = chr(code)
        nfkc = unicodedata.normalize("NFKC", c)
        value = self[code] = (_NOT_ALNUM.sub("", nfkc.lower()) or None) if _context_free(c, nfkc) else "\0"
        return value


_NORM = _NormTable({ord("\n"): "\n", 0: None})


def normalize_lines(text: str) -> str:
    """`normalize` applied to each line of `text`, lines kept: fast for what gazettes hold."""
    out = text.translate(_NORM)
    if "\0" in out:
        out = "\n".join(normalize(line) for line in text.split("\n"))
    return out


#: A bigram as one integer: first code point << 21 | second.
_CODE_BITS = 21
_SYMBOLS = np.frombuffer((ALPHABET + " ").encode("ascii"), dtype=np.uint8)


def _spell_keys(keys: np.ndarray) -> str:
    """Bigram keys as space-separated tokens (`spell` of each bigram, each followed by a space)."""
    first = (keys >> _CODE_BITS).astype(np.int64)
    second = (keys & ((1 << _CODE_BITS) - 1)).astype(np.int64)
    if len(keys) and max(int(first.max()), int(second.max())) >= SHORT_CODES:
        return "".join(_spell_code(int(a)) + _spell_code(int(b)) + " " for a, b in zip(first, second))
    digits = np.empty((len(keys), 7), dtype=np.int64)
    for col, code in ((0, first), (3, second)):
        digits[:, col] = code // 1296
        digits[:, col + 1] = code // 36 % 36
        digits[:, col + 2] = code % 36
    digits[:, 6] = len(ALPHABET)  # the space
    return _SYMBOLS[digits].tobytes().decode("ascii")


_DROPPED, _SLOW, _UNKNOWN = -1, -2, -3
_fold: np.ndarray | None = None


def _folded_codes(text: str) -> np.ndarray:
    """The code points of normalize_lines(text), by table lookup: a character that normalises to
    one character is replaced, one that normalises to nothing is dropped; a text holding any
    other (ⅩⅡ, ⑩, or one whose form depends on its neighbours) goes through normalize_lines."""
    global _fold
    if _fold is None:
        _fold = np.full(0x110000, _UNKNOWN, dtype=np.int32)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    mapped = _fold[codes]
    if (mapped == _UNKNOWN).any():
        for code in np.unique(codes[mapped == _UNKNOWN]).tolist():
            folded = _NORM[code]
            _fold[code] = (_DROPPED if folded is None else ord(folded) if len(folded) == 1 and folded != "\0"
                           else _SLOW)
        mapped = _fold[codes]
    if (mapped == _SLOW).any():
        return np.frombuffer(normalize_lines(text).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    return mapped[mapped != _DROPPED].astype(np.int64)


def document_tokens(record: SearchRecord) -> tuple[str, list[int], np.ndarray, np.ndarray]:
    """One document's bigram tokens (space-separated, in index order), its meta row, and the
    code points of its title and of the whole document (for chars/).

    Bigrams come in three segments: those of the 文号, then the other bigrams of the title,
    then the rest, most frequent first (ties in code point order). The browser reads a match's
    segment (文号, title, body) and, in the body, its frequency bucket from its offset in the
    document's region.
    Row: [bigrams, tf≥2, tf≥4, tf≥10 (body offsets), 文号 bigrams, title bigrams].
    """
    # "\n" keeps title, 文号 and paragraphs apart; pairs across it are dropped.
    codes = _folded_codes("\n".join((record.title, record.doc_number or "", record.text)))
    title_end, number_end = np.flatnonzero(codes == 10)[:2].tolist()
    keys = (codes[:-1] << _CODE_BITS) | codes[1:]
    unique, counts = np.unique(keys[(codes[:-1] != 10) & (codes[1:] != 10)], return_counts=True)
    in_number = np.unique(keys[title_end + 1:max(title_end + 1, number_end - 1)])
    in_title = np.setdiff1d(np.unique(keys[:max(0, title_end - 1)]), in_number, assume_unique=True)
    body = ~np.isin(unique, np.concatenate((in_number, in_title)))
    order = np.argsort(-counts[body], kind="stable")
    ranked, ranked_counts = unique[body][order], counts[body][order]
    tf = [int(np.count_nonzero(ranked_counts >= t)) for t in TF_BUCKETS]
    bigrams = np.concatenate((in_number, in_title, ranked))
    chars = np.unique(codes)
    return (_spell_keys(bigrams), [len(bigrams), *tf, len(in_number), len(in_title)],
            np.unique(codes[:title_end]).astype(np.int32), chars[chars != 10].astype(np.int32))


#: From this many documents on, their tokens are computed on other processes.
_PARALLEL_DOCUMENTS = 400


def _process_map(fn: Callable[[T], R], items: Sequence[T], at_least: int, chunksize: int = 1) -> Iterator[R]:
    """map(fn, items) in order, on up to four other processes when there are at least `at_least`
    items and more than one core."""
    workers = min(os.cpu_count() or 1, 4)
    if len(items) < at_least or workers < 2:
        yield from map(fn, items)
        return
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        yield from pool.map(fn, items, chunksize=chunksize)


def pagefind_executable() -> Path:
    """Pagefind standard (not extended: our tokens need no segmenter)."""
    try:
        import pagefind_bin
    except ImportError as exc:
        raise SearchIndexError("Pagefind is not installed (pip install 'pagefind[bin]')") from exc
    exe = Path(pagefind_bin.__file__).parent / ("pagefind.exe" if os.name == "nt" else "pagefind")
    if not exe.is_file():
        raise SearchIndexError(f"the Pagefind binary is missing: {exe}")
    return exe


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def _remove(path: Path) -> None:
    """Remove a file or a folder, if there is one."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _write_gz_json(path: Path, value: object) -> None:
    path.write_bytes(_gzip(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()))


def _deltas(ids: list[int]) -> list[int]:
    """An ascending list as its first number and the differences after it."""
    return [b - a for a, b in zip([0, *ids], ids)]


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


def _facet_index(values: Iterable[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(sorted(set(values)))}


# lang "und": no stemmer, no segmenter, either side; no <title>, whose words Pagefind would index
_PAGE_HEAD = ('<!DOCTYPE html><html lang="und"><head><meta charset="utf-8"></head>'
              '<body><main data-pagefind-body><p>')
_PAGE_TAIL = "</p></main></body></html>\n"
#: The last word of every page, after the documents' tokens (so their positions stay as they are):
#: Pagefind drops a page without words, and refuses a site without any. It is shorter than any
#: token a query looks up, so it is never found.
_SENTINEL = "z"


#: Large sites are indexed in parts, each a page of its own: Pagefind reads each page on one
#: thread, and pages side by side. A part holds about this many characters of text; the count
#: depends on the content only, so the same content gives the same index on every machine.
PART_CHARS = 4_000_000
MAX_PARTS = 4


def _parts(records: Sequence[SearchRecord], part_chars: int | None = None) -> list[range]:
    """Consecutive runs of records of about equal text size, about `part_chars` (PART_CHARS) each."""
    part_chars = part_chars or PART_CHARS
    sizes = [len(r.text) + len(r.title) for r in records]
    total = sum(sizes)
    count = max(1, min(MAX_PARTS, len(records), round(total / part_chars)))
    parts, start, seen = [], 0, 0
    for n, size in enumerate(sizes):
        seen += size
        if len(parts) < count - 1 and seen >= total * (len(parts) + 1) / count and n + 1 < len(records):
            parts.append(range(start, n + 1))
            start = n + 1
    parts.append(range(start, len(records)))
    return parts


def build_index(site_dir: Path, records: Sequence[SearchRecord], part_chars: int | None = None) -> None:
    """Write the index for `records` under site_dir/search/; raises SearchIndexError if Pagefind fails."""
    out = site_dir / SEARCH_DIR
    for name in ("meta.gb", "names", "doc", CHARS_DIR, PAGEFIND_DIR):
        _remove(out / name)
    for name in ("names", "doc", CHARS_DIR):  # made once here, not checked for every file written
        (out / name).mkdir(parents=True)

    issuers = _facet_index(i for r in records for i in r.issuers)
    types = _facet_index(r.doc_type for r in records)
    statuses = _facet_index(r.status for r in records)
    gazettes = _facet_index(r.gazette for r in records if r.gazette)
    docs = []
    # Single characters are not Pagefind tokens (a quarter of all occurrences, and Pagefind's
    # cost grows with occurrences): chars/ lists the documents holding each one.
    doc_chars: list[np.ndarray] = []
    doc_title_chars: list[np.ndarray] = []
    parts = _parts(records, part_chars)
    with tempfile.TemporaryDirectory(prefix="gongbao-pagefind-") as tmp:
        source = Path(tmp) / "site"
        source.mkdir()
        tokens = _process_map(document_tokens, records, _PARALLEL_DOCUMENTS, chunksize=16)  # a page per part
        for k, part in enumerate(parts):
            with (source / f"part{k}.html").open("w", encoding="utf-8") as f:
                f.write(_PAGE_HEAD)
                for n, (line, row, title_chars, chars) in zip(part, tokens):
                    record = records[n]
                    f.write(line)
                    docs.append([*row, record.date, [issuers[i] for i in record.issuers],
                                 types[record.doc_type], statuses[record.status],
                                 gazettes[record.gazette] if record.gazette else -1])
                    doc_chars.append(chars)
                    doc_title_chars.append(title_chars)
                f.write(_SENTINEL + _PAGE_TAIL)
        tokens.close()  # every token is written: the worker processes end here, not when collected
        # Pagefind runs in its own process: the files for the browser are written meanwhile.
        with _Pagefind(source, Path(tmp) / "out") as indexer:
            for n, record in enumerate(records):
                head, rest = _split_text(record.text)
                _write_gz_json(out / "doc" / f"{n}.gb", {**_display(record), "text": head, "more": bool(rest)})
                if rest:
                    _write_gz_json(out / "doc" / f"{n}r.gb", {"text": rest})
            in_docs, in_titles = _postings(doc_chars), _postings(doc_title_chars)
            shards: dict[int, dict[str, list[list[int]]]] = {}
            for c, ids in in_docs.items():
                shards.setdefault(c % CHAR_SHARDS, {})[chr(c)] = [_deltas(ids), _deltas(in_titles.get(c, []))]
            for shard, chars in shards.items():
                _write_gz_json(out / CHARS_DIR / f"{shard:x}.gb", chars)
            for n in range(0, len(records), NAMES_PER_SHARD):
                _write_gz_json(out / "names" / f"{n // NAMES_PER_SHARD}.gb",
                               [[r.url, r.title, r.doc_number] for r in records[n:n + NAMES_PER_SHARD]])
            written = indexer.finish()
        pages = _page_ids(written, len(parts))
        for name in _UNUSED:
            _remove(written / name)
        rechunk(written)
        shutil.move(written, out / PAGEFIND_DIR)
    _write_gz_json(out / "meta.gb", {
        "version": FORMAT_VERSION, "names_per_shard": NAMES_PER_SHARD, "char_shards": CHAR_SHARDS,
        "tf_buckets": list(TF_BUCKETS),
        "facets": {"issuers": list(issuers), "doc_types": list(types), "statuses": list(statuses),
                   "gazettes": list(gazettes)},
        # Pagefind's page id of each part -> the part's first document
        "pages": {page: part.start for page, part in zip(pages, parts)},
        # one list per column (they compress better than rows): see META_COLUMNS
        "columns": {c: [d[i] for d in docs] for i, c in enumerate(META_COLUMNS)},
    })


#: A document's text is stored as its first paragraphs (doc/<i>.gb, at least this many
#: characters) and the rest (doc/<i>r.gb): a snippet and the exact check usually need only the first.
HEAD_CHARS = 800


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
            "year": record.year, "status": record.status, "gazette": record.gazette}


class _Pagefind:
    """Pagefind indexing `source` into `output` in a child process, from creation to `finish()`."""

    def __init__(self, source: Path, output: Path):
        self.output = output
        self.log = tempfile.TemporaryFile()
        self.done = False
        cmd = [str(pagefind_executable()), "--site", str(source), "--output-path", str(output)]
        try:
            self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        except OSError as exc:
            self.log.close()
            raise SearchIndexError(f"could not run Pagefind: {exc}") from exc

    def __enter__(self) -> "_Pagefind":
        return self

    def __exit__(self, *_: object) -> None:
        if not self.done:  # the build failed elsewhere: stop Pagefind, keep nothing
            self.proc.kill()
            self.proc.wait()
            self.log.close()

    def finish(self) -> Path:
        """Wait for Pagefind; the folder it wrote."""
        self.done = True
        try:
            try:
                code = self.proc.wait(timeout=3600)
            except subprocess.TimeoutExpired as exc:
                self.proc.kill()
                self.proc.wait()
                raise SearchIndexError(f"could not run Pagefind: {exc}") from exc
            self.log.seek(0)
            detail = self.log.read().decode("utf-8", "replace").strip().splitlines()[-5:]
        finally:
            self.log.close()
        if code != 0 or not (self.output / "pagefind.js").is_file():
            raise SearchIndexError(f"Pagefind failed (exit {code}): " + " | ".join(detail))
        return self.output


# --- smaller index chunks ----------------------------------------------------------------------
#
# Pagefind cuts its word index into chunks of 20000 "loc units" (one per location, plus one per
# page a word is on), about 55 KB gzipped, and a query loads one whole chunk per term; the
# browser needs a few terms per query, so the chunks are re-cut smaller after Pagefind has
# written them: every chunk is decompressed (gzip, the "pagefind_dcd" signature, CBOR), its
# words are found, regrouped in their sorted order into chunks of about CHUNK_BYTES, and the
# chunks, the meta index that lists them and pagefind-entry.json are rewritten. A word is moved
# as the bytes Pagefind wrote; its locations are never decoded.
#
# The format is checked as it is read (the meta index must re-encode to the bytes Pagefind
# wrote, the words must tile each chunk, and the word with the fewest bytes in each chunk must
# decode to the shape below): that is how an index other than the one Pagefind 1.5 writes is
# noticed, and the build stops.

#: Bytes of words per chunk after re-cutting (about 12 KB gzipped; Pagefind's own are ~55 KB).
#: Smaller chunks mean less to load per term but a longer chunk list in the meta index, which
#: every query loads.
CHUNK_BYTES = 17_000
_SIGNATURE = b"pagefind_dcd"
_PARALLEL_CHUNKS = 16  # from this many of Pagefind's chunks on, they are re-cut on other processes
_PAGEFIND_VERSIONS = ("1.5.",)


class _Cbor:
    """The subset of CBOR (RFC 8949) that Pagefind's minicbor output uses: unsigned and negative
    integers, text strings and definite-length arrays, each head in its shortest form."""

    @staticmethod
    def decode(data: bytes) -> object:
        value, end = _Cbor._item(data, 0)
        if end != len(data):
            raise ValueError(f"{len(data) - end} bytes after the CBOR value")
        return value

    @staticmethod
    def read_head(data: bytes, i: int) -> tuple[int, int, int]:
        """The major type and argument of the head at i, and where the head ends."""
        head = data[i]
        major, info = head >> 5, head & 31
        if info < 24:
            return major, info, i + 1
        if info > 27:
            raise ValueError(f"unsupported CBOR head 0x{head:02x}")
        size = 1 << (info - 24)
        return major, int.from_bytes(data[i + 1:i + 1 + size], "big"), i + 1 + size

    @staticmethod
    def _item(data: bytes, i: int) -> tuple[object, int]:
        major, arg, i = _Cbor.read_head(data, i)
        if major == 0:
            return arg, i
        if major == 1:
            return -1 - arg, i
        if major == 3:
            return data[i:i + arg].decode("utf-8"), i + arg
        if major == 4:
            items = []
            for _ in range(arg):
                item, i = _Cbor._item(data, i)
                items.append(item)
            return items, i
        raise ValueError(f"unsupported CBOR major type {major}")

    @staticmethod
    def encode(value: object) -> bytes:
        out = bytearray()
        _Cbor._put(value, out)
        return bytes(out)

    @staticmethod
    def _head(major: int, arg: int, out: bytearray) -> None:
        if arg < 24:
            out.append(major << 5 | arg)
        else:
            size = 1 if arg < 1 << 8 else 2 if arg < 1 << 16 else 4 if arg < 1 << 32 else 8
            out.append(major << 5 | (24 + size.bit_length() - 1))
            out += arg.to_bytes(size, "big")

    @staticmethod
    def _put(value: object, out: bytearray) -> None:
        if isinstance(value, bool):
            raise ValueError("booleans are not expected in Pagefind's index")
        if isinstance(value, int):
            _Cbor._head(0, value, out) if value >= 0 else _Cbor._head(1, -1 - value, out)
        elif isinstance(value, str):
            raw = value.encode("utf-8")
            _Cbor._head(3, len(raw), out)
            out += raw
        elif isinstance(value, list):
            _Cbor._head(4, len(value), out)
            for item in value:
                _Cbor._put(item, out)
        else:
            raise ValueError(f"cannot encode {type(value).__name__}")


def _read_pagefind_file(path: Path) -> object:
    try:
        raw = gzip.decompress(path.read_bytes())
        if not raw.startswith(_SIGNATURE):
            raise ValueError("no pagefind_dcd signature")
        value = _Cbor.decode(raw[len(_SIGNATURE):])
        if _Cbor.encode(value) != raw[len(_SIGNATURE):]:
            raise ValueError("does not re-encode to the same bytes")
    except (OSError, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise SearchIndexError(f"cannot re-cut the Pagefind index: {path.name} is not in the format "
                               f"Pagefind 1.5 writes ({exc})") from exc
    return value


def _pagefind_bytes(value: object) -> bytes:
    return gzip.compress(_SIGNATURE + _Cbor.encode(value), compresslevel=9, mtime=0)


def _shape_error(what: str) -> SearchIndexError:
    return SearchIndexError(f"cannot re-cut the Pagefind index: {what} is not shaped as Pagefind 1.5 writes it")


def _boundaries(before: str, after: str) -> tuple[str, str]:
    """Shortest distinct prefixes of two neighbouring words: the `to` of one chunk and the `from`
    of the next, the way Pagefind names its chunk boundaries."""
    common = 0
    while common < min(len(before), len(after)) and before[common] == after[common]:
        common += 1
    return before[:common + 1], after[:common + 1]


#: The start of one word of a chunk, as Pagefind 1.5 writes it: [word, [[page, locs, []], ...], []]
#: up to its first page number (page numbers, like locations, are differences to the one before).
#: A word is lower-case letters and digits here (see spell), and a site has at most MAX_PARTS
#: pages. The pattern cannot match inside a word's locations while they are below 2**31 (an
#: integer's head is 0x00-0x3b and its argument shorter than the pattern); if it ever did, the
#: words found would not tile the chunk, and the build would stop.
_WORD = re.compile(rb"\x83(?:([\x60-\x77])|\x78(.))([0-9a-z]*)[\x81-\x97]\x83[\x00-\x17]", re.DOTALL)


def _words_of_chunk(raw: bytes, name: str) -> list[tuple[str, bytes]]:
    """(word, its bytes) for each word of one decompressed chunk, without decoding the locations:
    the words must tile the chunk exactly, each ending with the empty arrays of its shape, and
    the shortest must decode to that shape, or the format is not the one this code knows."""
    body = raw[len(_SIGNATURE):]
    if not raw.startswith(_SIGNATURE) or body[:1] != b"\x81":
        raise _shape_error(name)
    major, count, at = _Cbor.read_head(body, 1)
    if major != 4:
        raise _shape_error(name)
    starts = []
    for m in _WORD.finditer(body, at):
        length = m.group(1)[0] - 0x60 if m.group(1) else m.group(2)[0]
        if len(m.group(3)) == length:
            starts.append(m)
    if len(starts) != count or (starts and starts[0].start() != at):
        raise _shape_error(name)
    ends = [m.start() for m in starts[1:]] + [len(body)]
    words = [(m.group(3).decode("ascii"), body[m.start():end]) for m, end in zip(starts, ends)]
    if any(not w.endswith(b"\x80\x80") for _, w in words):
        raise _shape_error(name)
    if words:
        word, data = min(words, key=lambda w: len(w[1]))
        value = _Cbor.decode(data)
        if not (isinstance(value, list) and len(value) == 3 and value[0] == word and value[2] == []
                and isinstance(value[1], list) and value[1]
                and all(isinstance(p, list) and len(p) == 3 and isinstance(p[0], int) and p[2] == []
                        and isinstance(p[1], list) and all(isinstance(x, int) for x in p[1]) for p in value[1])):
            raise _shape_error(name)
    return words


def _gz_chunk(words: Sequence[bytes]) -> bytes:
    out = bytearray(_SIGNATURE + b"\x81")
    _Cbor._head(4, len(words), out)
    for w in words:
        out += w
    return gzip.compress(bytes(out), compresslevel=6, mtime=0)


def _recut(job: tuple[Path, int]) -> list[tuple[str, str, bytes]]:
    """One of Pagefind's chunks cut into pieces of about `chunk_bytes` (as many as fit, of equal
    size): (first word, last word, gzipped chunk) of each."""
    path, chunk_bytes = job
    try:
        words = _words_of_chunk(gzip.decompress(path.read_bytes()), path.name)
    except (OSError, ValueError, IndexError, EOFError) as exc:
        raise _shape_error(f"{path.name} ({exc})") from exc
    if any(a[0] >= b[0] for a, b in itertools.pairwise(words)):
        raise _shape_error(f"the word order of {path.name}")
    total = sum(len(w[1]) for w in words)
    count = max(1, round(total / chunk_bytes))
    pieces: list[list[tuple[str, bytes]]] = [[]]
    size = 0
    for word in words:
        if size >= total * len(pieces) / count:
            pieces.append([])
        pieces[-1].append(word)
        size += len(word[1])
    return [(p[0][0], p[-1][0], _gz_chunk([w[1] for w in p])) for p in pieces if p]


_FRAGMENT_URL = re.compile(rb'^pagefind_dcd\{"url":"/part(\d+)\.html"')


def _page_ids(output: Path, parts: int) -> list[str]:
    """Pagefind's page id (its fragment's name) of each part's page, in part order."""
    ids: dict[int, str] = {}
    for fragment in sorted((output / "fragment").glob("*.pf_fragment")):
        with fragment.open("rb") as f:  # the URL comes first; the fragment holds every token
            head = zlib.decompressobj(wbits=31).decompress(f.read(4096), 256)
        m = _FRAGMENT_URL.match(head)
        if not m or int(m.group(1)) in ids:
            raise _shape_error(f"fragment {fragment.name}")
        ids[int(m.group(1))] = fragment.name.removesuffix(".pf_fragment")
    if sorted(ids) != list(range(parts)):
        raise SearchIndexError(f"Pagefind indexed {len(ids)} of the {parts} pages of the index")
    return [ids[k] for k in range(parts)]


def rechunk(output: Path, chunk_bytes: int = CHUNK_BYTES) -> None:
    """Re-cut the word index Pagefind wrote under `output` into chunks of about `chunk_bytes`."""
    entry_path = output / "pagefind-entry.json"
    try:
        entry = json.loads(entry_path.read_text(encoding="utf-8"))
        languages = entry["languages"]
        version = entry["version"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SearchIndexError(f"cannot re-cut the Pagefind index: unreadable {entry_path.name} ({exc})") from exc
    if not str(version).startswith(_PAGEFIND_VERSIONS):
        raise SearchIndexError(f"cannot re-cut the index of Pagefind {version}: only 1.5 is known")
    chunk_dir = output / "index"
    for language in languages.values():
        meta_path = output / f"pagefind.{language['hash']}.pf_meta"
        meta = _read_pagefind_file(meta_path)
        if not (isinstance(meta, list) and len(meta) >= 3 and isinstance(meta[2], list)
                and isinstance(meta[1], list) and 1 <= len(meta[1]) <= MAX_PARTS):
            raise _shape_error(meta_path.name)
        for chunk in meta[2]:
            if not (isinstance(chunk, list) and len(chunk) == 3 and all(isinstance(x, str) for x in chunk)):
                raise _shape_error(f"the chunk list of {meta_path.name}")
        # Each of Pagefind's chunks is cut on its own, on all cores when there are many.
        jobs = [(chunk_dir / f"{chunk[2]}.pf_index", chunk_bytes) for chunk in meta[2]]
        cut = [piece for pieces in _process_map(_recut, jobs, _PARALLEL_CHUNKS) for piece in pieces]
        if any(a[1] >= b[0] for a, b in itertools.pairwise(cut)):
            raise _shape_error(f"the word order of {meta_path.name}'s index")
        for job in jobs:
            job[0].unlink()
        prefix = str(language["hash"]).split("_")[0]
        chunks, names = [], set()
        for n, (first, last, data) in enumerate(cut):
            lo = first if n == 0 else _boundaries(cut[n - 1][1], first)[1]
            hi = last if n == len(cut) - 1 else _boundaries(last, cut[n + 1][0])[0]
            digest = hashlib.sha256(data).hexdigest()
            name = f"{prefix}_{digest[:8]}"
            if name in names:  # a clash of short hashes: this chunk takes the long one
                name = f"{prefix}_{digest}"
            names.add(name)
            (chunk_dir / f"{name}.pf_index").write_bytes(data)
            chunks.append([lo, hi, name])
        meta[2] = chunks
        meta_bytes = _pagefind_bytes(meta)
        meta_path.unlink()
        language["hash"] = f"{prefix}_{hashlib.sha256(meta_bytes).hexdigest()[:11]}"
        (output / f"pagefind.{language['hash']}.pf_meta").write_bytes(meta_bytes)
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


# --- offline ---------------------------------------------------------------------------------

OFFLINE_DIR = "offline"
#: What search.js and Pagefind fetch, relative to search/.
_FETCHED = ("meta.gb", "names/", "doc/", CHARS_DIR + "/", PAGEFIND_DIR + "/")
_EXPORT = re.compile(r"export\s*\{([^}]*)\};?\s*$")


def make_offline(site_dir: Path) -> None:
    """Make search work from file://: every file search.js fetches becomes a classic script.

    Chromium refuses fetch() and module imports on file://, but runs <script src>. Each
    fetched file F is wrapped as search/offline/F.js, which hands its bytes (base64) to
    `gongbaoOffline.put`; search.js then serves Pagefind's fetches from those scripts, so the
    very same engine and index run, loading lazily. pagefind.js itself is turned from an ES
    module into a classic script that exposes its exports on window.
    """
    search = site_dir / SEARCH_DIR
    pagefind_js = search / PAGEFIND_DIR / "pagefind.js"
    if not pagefind_js.is_file():
        raise SearchIndexError(f"no search index under {search}; build the site first")
    offline = search / OFFLINE_DIR
    if offline.exists():
        shutil.rmtree(offline)
    source = pagefind_js.read_text(encoding="utf-8")
    export = _EXPORT.search(source)
    if not export or "import.meta.url" not in source:
        raise SearchIndexError("this pagefind.js has an unexpected shape; cannot make it work offline")
    names = ",".join(f"{n.strip()}:{n.strip()}" for n in export.group(1).split(",") if n.strip())
    classic = source[:export.start()].replace("import.meta.url", "undefined")
    classic = f"(function(){{{classic};window.gongbaoPagefind={{{names}}};}})();\n"
    offline.mkdir(parents=True)
    (offline / "pagefind.js").write_text(classic, encoding="utf-8")
    for path in sorted(search.rglob("*")):
        rel = path.relative_to(search).as_posix()
        if not path.is_file() or not rel.startswith(_FETCHED) or path == pagefind_js:
            continue
        if rel.endswith(".js"):
            continue  # the worker cannot run from file://; pagefind.js runs on the page instead
        target = offline / (rel + ".js")
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = base64.b64encode(path.read_bytes()).decode("ascii")
        target.write_text(f'gongbaoOffline.put({json.dumps(rel)},"{payload}");\n', encoding="ascii")
