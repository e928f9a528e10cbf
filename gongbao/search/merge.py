"""Pagefind's index format: the parts' indexes merged into one, in small chunks, every file named by its content."""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import itertools
import json
import os
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..digests import digest
from . import cbor
from .chunks import LONGEST, SIGNATURE, Table, WordTables, key_word, kept_table, read_pagefind_file, shape_error
from .pagefind import ENTRY, SCRIPT, page_id
from .layout import CHUNKS, compress_fast
from .parallel import Workers, process_map
from .record import SearchIndexError
from .recycle import Recycled, Taking
from .tables import Modelled
from .tokens import ALPHABET

# Each part of the site is indexed on its own, as one page: by tables.py, or by a Pagefind process of
# its own (pagefind.Parts; the same words' entries). They are merged here into the one index the page loads: a word's entry
# in a part's chunk is [word, [[0, locations, []]], []]; the merged entry lists the pages holding
# the word, [word, [[part, locations, []], ...], []] (a page number is the difference to the one
# before, as Pagefind writes them). Locations are moved as the bytes Pagefind wrote, never decoded.
#
# The merged words are cut into chunks of about CHUNK_BYTES, far smaller than Pagefind's own
# (about 55 KB gzipped): a query loads one chunk per term. Smaller chunks mean less to load per
# term but a longer chunk list in the meta index, which every query loads.
#
# The words are merged in jobs by their first symbol, on other processes. A job reads, of each
# part, the table of its words starting with the symbol (Table): their entries as Pagefind wrote
# them, cut out of its decompressed chunks once, then kept (chunks.WordTables) so that the next builds do
# not decompress and search again the chunks of a part that did not change. A job holds one table
# of each part at once (a 36th of the index on average, a sixth for the commonest symbol on the
# corpus: 8 MB) and merges the words of one run of the same first two symbols at a time, with
# numpy: a few operations for all the words of the run rather than a few for each; words are sorted
# and compared as integers (chunks.padded_keys), not strings. The merge's CPU time on the corpus
# (five parts, one process, load 6 on 2 cores): 4.8-6.6 s before (a heap merge word by word, every
# chunk read in every build), 4.1-5.6 s reading every part's chunks, 2.7-3.6 s reading one part's (a
# cached build after one body edit), 2.1-2.8 s reading none; gzip took 1.0-1.4 s of it, ISA-L's 0.14 s
# (layout.compress_fast). With words as integers, the merge jobs of a cached build after one body edit
# went from 1.3 to about 0.9 CPU s (py-spy, two builds).
#
# The format is checked as it is read (the meta index must re-encode to the bytes Pagefind
# wrote, the words must tile each chunk, the word with the fewest bytes in each chunk must decode
# to the shape below, and every word of every part must be merged): that is how an index other
# than the one Pagefind 1.5 writes is noticed, and the build stops.

#: Bytes of words per chunk (about 12 KB gzipped).
CHUNK_BYTES = 17_000
# A word whose entry alone is more than the chunk size is a chunk of its own, and the page reads that chunk
# itself (Merged.own; search.js decodes its CBOR) rather than through Pagefind's search: such a word is held by
# thousands of documents (more than about 17,000, at a byte a location), and Pagefind's runtime turns each location
# into an object of its own (its WebAssembly then pagefind.js: at 100,000 documents, about 215 ms for 个人 and 信息, the
# page's own decoding a few ms). Pagefind's index stays whole: the chunk is in its chunk list, as every other.
_PAGEFIND_VERSIONS = ("1.5.",)
#: Hex digits of a chunk's name (after its prefix): a chunk whose digest starts as another's takes all of them.
_CHUNK_NAME = 8
#: Words are merged in jobs by their first symbol (on other processes when there are this many).
_PARALLEL_JOBS = 4
#: From this many parts on, one job at a time: a job holds that symbol's tables of every part (at 100,000
#: documents, 100 parts of at most 8 M characters, two jobs at once held 500 + 600 MiB and took the build to
#: 4,096 MiB). Parts are of at most 4 M characters now: this is about the same size of site as 50 were.
_ALONE_PARTS = 100


@dataclass(frozen=True, slots=True)
class Merged:
    """The merged index, written except for its entry file (see `write_entry`)."""

    pages: list[str]
    """Pagefind's page id of each part, in part order"""
    entry: dict[str, object]
    """Pagefind's entry, pointing at the merged meta index and the WebAssembly"""
    script: str
    """the file name of pagefind.js, named by its content"""
    own: dict[str, str]
    """each word whose entry is more than the chunk size -> its chunk of its own (see CHUNK_BYTES), under `target`"""


class Compressed(Protocol):
    """Compressed chunks kept from earlier builds (reuse.IndexCache): a chunk whose bytes did not change is not
    compressed again (a chunk changes when a word of it changes: after a body edit, the few words whose class
    changed in the edited document, or that it gained or lost)."""

    def gz_known(self) -> frozenset[bytes]:
        """The digests (digests.digest of the uncompressed bytes) of the chunks kept."""

    def gz_take(self, key: bytes, data: bytes | None) -> bytes:
        """The compressed chunk of digest `key`: `data`, or the one kept if None."""

    def gz_write(self, key: bytes, data: bytes, path: Path) -> None:
        """Put the compressed chunk of digest `key` (gz_take's `data`) at `path`, kept for the next builds."""

    def gz_keep(self, key: bytes, path: Path) -> None:
        """The compressed chunk of digest `key` was written at `path`: keep it for the next builds."""


def merge(outputs: Sequence[Path | Modelled], target: Path, chunk_bytes: int | None = None,
          tables: WordTables | None = None, shell: Path | None = None, compressed: Compressed | None = None,
          step: Callable[[], None] = lambda: None, workers: Workers | None = None,
          recycled: Recycled | None = None) -> Merged:
    """Merge Pagefind's outputs (one page each, in part order; or a part's index made by tables.py, its words in
    `tables`) into `target`, holding only what the page loads; each part's words are read from `tables` where it
    keeps them, and kept there where it does not. Pagefind's entry, script and WebAssembly are taken from `shell`
    (a Pagefind output of the same version), by default from the first output. `compressed`: chunks compressed
    by earlier builds. `step()` is called between jobs (it may raise, to stop the merge). `workers`: the
    processes the jobs run on (by default, the merge's own). `recycled`: files the jobs may take for their chunks."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    shell = shell or next((o for o in outputs if isinstance(o, Path)), None)
    if shell is None:
        raise SearchIndexError("no Pagefind output to take Pagefind's script from")
    entry, language = _entry(shell)
    shell_meta = _meta(shell, language, "the shell")
    metas = []
    for k, output in enumerate(outputs):
        if isinstance(output, Modelled):
            if tables is None:
                raise SearchIndexError(f"part {k} was indexed without a folder for its words")
            metas.append([shell_meta[0], [[output.page, output.words]], [], *shell_meta[3:]])
            continue
        own, own_language = (entry, language) if output == shell else _entry(output)
        if ({**own, "languages": None}, {**own_language, "hash": None}) != \
                ({**entry, "languages": None}, {**language, "hash": None}):
            raise shape_error(f"the entry of part {k}")
        meta = shell_meta if output == shell else _meta(output, own_language, f"part {k}")
        if not (len(meta[1]) == 1 and isinstance(meta[1][0], list) and meta[1][0][:1] == [page_id(output, k)]
                and meta[:1] + meta[3:] == shell_meta[:1] + shell_meta[3:]):
            raise shape_error(f"the meta index of part {k}")
        metas.append(meta)
    target.mkdir(parents=True)
    index = target / CHUNKS
    index.mkdir()
    prefix = language["hash"].split("_")[0]
    # A chunk of Pagefind's [from, to] holds words from `from` on, up to words starting with `to`:
    # each job reads the chunks that may hold words starting with its symbol.
    jobs = [(symbol, [(output / CHUNKS if isinstance(output, Path) else shell / CHUNKS,
                       [c for c in meta[2] if c[0] < chr(ord(symbol) + 1) and c[1] >= symbol])
                      for output, meta in zip(outputs, metas)], chunk_bytes, tables,
             compressed.gz_known() if compressed else frozenset(), (index, prefix + "_", _CHUNK_NAME),
             Taking(recycled, n * len(recycled.names) // len(ALPHABET) if recycled else 0))
            for n, symbol in enumerate(ALPHABET)]
    cut: list[tuple[str, str, str]] = []  # first word, last word, name: the data is written at once
    merged_words = [0] * len(outputs)
    chunk_words: dict[tuple[int, str], int] = {}
    names: set[str] = set()
    displaced: dict[str, Path] = {}
    own: dict[str, str] = {}
    # a raise drops the jobs not begun
    with contextlib.closing(process_map(_merge_words, jobs, _PARALLEL_JOBS, workers=workers,
                                        alone=len(outputs) >= _ALONE_PARTS)) as results:
        for pieces, kept, read in results:
            for first, last, key, placed, alone in pieces:
                if placed is None:  # known: the kept file is linked
                    assert compressed is not None  # without kept chunks, none is known
                    data = compressed.gz_take(key, None)
                    name = _content_name(prefix + "_", data, _CHUNK_NAME, names)
                    compressed.gz_write(key, data, index / f"{name}.pf_index")
                else:  # written by the job
                    name = _place(index, placed, names, displaced)
                    if compressed:
                        compressed.gz_keep(key, index / f"{name}.pf_index")
                cut.append((first, last, name))
                if alone:
                    own[first] = f"{CHUNKS}/{name}.pf_index"
            merged_words = [a + b for a, b in zip(merged_words, kept)]
            chunk_words.update(read)
            step()
    for k, (output, meta) in enumerate(zip(outputs, metas)):
        words = output.distinct if isinstance(output, Modelled) else \
            sum(n for (part, name), n in chunk_words.items() if part == k)
        if {name for part, name in chunk_words if part == k} != {c[2] for c in meta[2]} or words != merged_words[k]:
            raise shape_error(f"the word list of part {k}")
    if any(a[1] >= b[0] for a, b in itertools.pairwise(cut)):
        raise shape_error("the word order of the parts")
    chunks = [[first if n == 0 else _boundaries(cut[n - 1][1], first)[1],
               last if n == len(cut) - 1 else _boundaries(last, cut[n + 1][0])[0], name]
              for n, (first, last, name) in enumerate(cut)]
    meta_bytes = _pagefind_bytes([metas[0][0], [m[1][0] for m in metas], chunks, *metas[0][3:]])
    language["hash"] = _content_name(prefix + "_", meta_bytes, 11)
    (target / f"pagefind.{language['hash']}.pf_meta").write_bytes(meta_bytes)
    # Pagefind loads wasm.<its language's "wasm">.pagefind: named by its content, as the script is.
    wasm = (shell / f"wasm.{language['wasm'] or 'unknown'}.pagefind").read_bytes()
    language["wasm"] = _content_name("", wasm, 10)
    (target / f"wasm.{language['wasm']}.pagefind").write_bytes(wasm)
    script = (shell / SCRIPT).read_bytes()
    script_name = f"pagefind.{_content_name('', script, 10)}.js"
    (target / script_name).write_bytes(script)
    language["page_count"] = len(outputs)
    return Merged([m[1][0][0] for m in metas], entry, script_name, own)


def write_entry(target: Path, merged: Merged, extra: dict[str, object]) -> None:
    """Pagefind's entry file under `target`, with `extra` beside Pagefind's own keys."""
    (target / ENTRY).write_text(json.dumps({**merged.entry, **extra}, ensure_ascii=False, separators=(",", ":")),
                                encoding="utf-8")


def _content_name(prefix: str, data: bytes, length: int, taken: set[str] | None = None) -> str:
    name, long = _content_names(prefix, data, length)
    if taken is not None:
        if name in taken:  # a clash of short hashes: this file takes the long one
            name = long
        taken.add(name)
    return name


def _content_names(prefix: str, data: bytes, length: int) -> tuple[str, str]:
    """The short name and the long name of a file of the index, after its bytes' SHA-256."""
    digest_hex = hashlib.sha256(data).hexdigest()
    return prefix + digest_hex[:length], prefix + digest_hex


def _entry(output: Path) -> tuple[dict[str, object], dict[str, str | None]]:
    """Pagefind's entry in `output` and its one language."""
    path = output / ENTRY
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        version = entry["version"]
        (language,) = entry["languages"].values()
        str(language["hash"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SearchIndexError(f"cannot read Pagefind's index: unreadable {path.name} ({exc})") from exc
    if not str(version).startswith(_PAGEFIND_VERSIONS):
        raise SearchIndexError(f"cannot read the index of Pagefind {version}: only 1.5 is known")
    return entry, language


def _meta(output: Path, language: dict[str, str | None], what: str) -> list[object]:
    """Pagefind's meta index in `output`, its chunk list checked: [version, [[page, words]], chunks, ...]."""
    meta = read_pagefind_file(output / f"pagefind.{language['hash']}.pf_meta")
    if not (isinstance(meta, list) and len(meta) >= 3 and isinstance(meta[1], list) and isinstance(meta[2], list)):
        raise shape_error(f"the meta index of {what}")
    for chunk in meta[2]:
        if not (isinstance(chunk, list) and len(chunk) == 3 and all(isinstance(x, str) for x in chunk)):
            raise shape_error(f"the chunk list of {what}")
    return meta


def _pagefind_bytes(value: object) -> bytes:
    return gzip.compress(SIGNATURE + cbor.encode(value), compresslevel=9, mtime=0)


def _boundaries(before: str, after: str) -> tuple[str, str]:
    """Shortest distinct prefixes of two neighbouring words: the `to` of one chunk and the `from`
    of the next, the way Pagefind names its chunk boundaries."""
    common = 0
    while common < min(len(before), len(after)) and before[common] == after[common]:
        common += 1
    return before[:common + 1], after[:common + 1]


#: Where a job writes its chunks (_write_chunk): the folder, the names' prefix and their length (_CHUNK_NAME).
_Naming = tuple[Path, str, int]


#: Where a job put a chunk: (its short name, its long name, the name it is written under); see _write_chunk.
_Placed = tuple[str, str, str]


def _write_chunk(naming: _Naming, taking: Taking, key: bytes, data: bytes) -> _Placed:
    """Write a new chunk into `folder`, as the job that made it, into a recycled file if one is left (`taking`):
    under its short name (_content_name), unless a chunk of another job took that name first (two chunks whose
    digests start alike): then under a name of its own, and the merge gives each its name in order (`_place`). The
    build's own process took 0.3-0.5 s to write the chunks after one body edit on the corpus, while the jobs'
    processes waited."""
    folder, prefix, length = naming
    short, long = _content_names(prefix, data, length)
    aside = f".{key.hex()}"
    taken = folder / f"{aside}.taken"
    if taking.take(taken):
        with open(os.open(taken, os.O_WRONLY | os.O_NOFOLLOW), "wb") as f:
            f.write(data)
            f.truncate()
        try:
            os.link(taken, folder / f"{short}.pf_index")
        except FileExistsError:
            os.rename(taken, folder / f"{aside}.pf_index")
            return short, long, aside
        os.unlink(taken)
        return short, long, short
    try:
        with open(folder / f"{short}.pf_index", "xb") as f:
            f.write(data)
        return short, long, short
    except FileExistsError:
        (folder / f"{aside}.pf_index").write_bytes(data)
        return short, long, aside


def _place(folder: Path, placed: _Placed, names: set[str], displaced: dict[str, Path]) -> str:
    """The name of a chunk a job wrote (_write_chunk), given in the order of the chunks as _content_name gives
    them: the short one to the first chunk of that name, the long one to the others. A chunk written under the
    short name of an earlier one is moved aside when that one takes it (`displaced`), then to its long name."""
    short, long, written = placed
    name = short if short not in names else long
    names.add(name)
    here = displaced.pop(short) if written == short and short in displaced else folder / f"{written}.pf_index"
    if name == short and written != short:  # a later chunk's file holds the name
        aside = displaced[short] = folder / f".{short}.displaced.pf_index"
        os.replace(folder / f"{short}.pf_index", aside)
    if here != folder / f"{name}.pf_index":
        os.replace(here, folder / f"{name}.pf_index")
    return name


def _merge_words(job: tuple[str, list[tuple[Path, list[list[str]]]], int, WordTables | None, frozenset[bytes],
                            _Naming, Taking]
                 ) -> tuple[list[tuple[str, str, bytes, _Placed | None, bool]], list[int], dict[tuple[int, str], int]]:
    """The words starting with one symbol, from every part, merged and cut into chunks of about
    `chunk_bytes`, each written as `naming` says (into a file `taking` gives, while any is left) unless its digest is
    known (_write_chunk): (first word, last word, digest, where it was written or None, whether it is a word's own)
    of each; the words merged from each part; the words of each chunk read."""
    symbol, parts, chunk_bytes, kept, known, naming, taking = job
    tables = [kept_table(k, folder, chunks, symbol, kept) for k, (folder, chunks) in enumerate(parts)]
    read = {(k, name): n for k, t in enumerate(tables) for name, n in t.read.items()}
    out: list[tuple[str, str, bytes, _Placed | None, bool]] = []
    held: list[bytes] = []  # the chunk being filled: its words' bytes, how many, their size, its first and last
    count = size = 0
    first = last = ""
    # The words are merged a run of the same first two symbols at a time: what the merge makes of the
    # tables is a small part of them.
    # where each run starts in each table: its first word is at least `symbol` and the run's symbol, padded
    rank = ALPHABET.index(symbol) + 1
    bounds = (rank * 37 + np.arange(1, len(ALPHABET) + 1)) * 37 ** (LONGEST - 2)
    ends = [np.searchsorted(np.frombuffer(t.keys, np.int64), bounds).tolist() + [len(t.keys)] for t in tables]
    starts = [0] * len(tables)
    for run in range(len(ALPHABET) + 1):
        los, starts = starts, [e[run] for e in ends]
        if los == starts:
            continue
        merged = _Merged(tables, los, starts)
        done = 0
        # a word of more than chunk_bytes is a chunk of its own (see CHUNK_BYTES)
        for stop in np.flatnonzero(np.diff(merged.sizes, prepend=0) > chunk_bytes).tolist() + [merged.count]:
            while done < stop:  # a chunk ends with the word that brings it to chunk_bytes
                before = merged.sizes[done - 1] if done else 0
                cut = int(np.searchsorted(merged.sizes, before + chunk_bytes - size))
                first = first if count else merged.word(done)
                if cut >= stop:  # not before the next word of its own, or the end of this run
                    held.append(merged.bytes(done, stop))
                    count, size = count + stop - done, size + int(merged.sizes[stop - 1] - before)
                    last, done = merged.word(stop - 1), stop
                    break
                held.append(merged.bytes(done, cut + 1))
                out.append((first, merged.word(cut), *_chunk(count + cut + 1 - done, held, known, naming, taking),
                            False))
                held, count, size, done = [], 0, 0, cut + 1
            if stop < merged.count:
                if count:
                    out.append((first, last, *_chunk(count, held, known, naming, taking), False))
                    held, count, size = [], 0, 0
                word = merged.word(stop)
                out.append((word, word, *_chunk(1, [merged.bytes(stop, stop + 1)], known, naming, taking), True))
                done = stop + 1
    if count:
        out.append((first, last, *_chunk(count, held, known, naming, taking), False))
    return out, [len(t.keys) for t in tables], read


class _Merged:
    """The words of some tables merged, as pieces of their bytes (offset, length) in one buffer: a word on
    one part only is its entry with the part's number for page 0; a word on several is the start of its
    first entry (up to the end of the word), the number of its pages, for each page 0x83 (an array of
    three), the page number and the entry's locations with its page's empty array, and the word's empty
    array. Made with numpy: a few operations for all the words rather than a few for each."""

    def __init__(self, tables: Sequence[Table], los: list[int], his: list[int]):
        """The words lo to hi (excluded) of each table."""
        keys = np.concatenate([np.frombuffer(t.keys, np.int64)[lo:hi] for t, lo, hi in zip(tables, los, his)])
        # a stable sort of every part's words: the parts holding a word come in order
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        part = np.repeat(np.arange(len(tables)), [hi - lo for lo, hi in zip(los, his)])[order]
        entries = [t.entries[t.starts[lo]:t.starts[hi]] for t, lo, hi in zip(tables, los, his)]
        bases = np.cumsum([0] + [len(e) for e in entries])

        def column(of: Callable[[Table], array[int]], shift: int) -> np.ndarray:
            """Offsets in `entries` of each table's words, in `order`."""
            return np.concatenate([np.frombuffer(of(t), np.uint32)[lo + shift:hi + shift].astype(np.int64)
                                   + base - t.starts[lo] for t, lo, hi, base in zip(tables, los, his, bases)])[order]
        start, end = column(lambda t: t.starts, 0), column(lambda t: t.starts, 1)
        locations = column(lambda t: t.locations, 0)
        first = np.concatenate([[True], ordered[1:] != ordered[:-1]])
        last = np.append(first[1:], True)
        alone, shared = first & last, ~(first & last)
        number = np.cumsum(first) - 1  # of the merged word
        # a page number is the difference to the one before, the first the part's
        step = np.where(first, part, part - np.concatenate([[0], part[:-1]]))
        if np.any(~first & (step <= 0)):
            raise shape_error(f"the parts holding {key_word(int(ordered[int(np.argmax(~first & (step <= 0)))]))}")
        pages = np.bincount(number)[number]
        heads = [b"\x83" + _head(0, n) for n in range(len(tables))] + [_head(4, n) for n in range(len(tables) + 1)]
        head_at = np.cumsum([0] + [len(h) for h in heads]) + bases[-1]  # and the word's empty array's, last
        head_length = np.array([len(h) for h in heads] + [1])
        self.data = np.frombuffer(b"".join([*entries, *heads, b"\x80"]), np.uint8)
        count = np.where(alone, 3, 2 + 2 * first + last)  # pieces of each word of a table
        slot = np.cumsum(count) - count
        self.at, self.length = np.empty(int(count.sum()), np.int64), np.empty(int(count.sum()), np.int64)
        self.at[slot[alone]], self.length[slot[alone]] = start[alone], (locations - 1 - start)[alone]
        self.at[slot[alone] + 1], self.length[slot[alone] + 1] = head_at[part[alone]] + 1, head_length[part[alone]] - 1
        self.at[slot[alone] + 2], self.length[slot[alone] + 2] = locations[alone], (end - locations)[alone]
        opens, closes, page = shared & first, shared & last, slot + 2 * first
        size = np.concatenate([np.frombuffer(t.lengths, np.uint8)[lo:hi] for t, lo, hi in zip(tables, los, his)]
                              )[order].astype(np.int64)
        self.at[slot[opens]], self.length[slot[opens]] = start[opens], 1 + cbor.head_length(size[opens]) + size[opens]
        self.at[slot[opens] + 1] = head_at[len(tables) + pages[opens]]
        self.length[slot[opens] + 1] = head_length[len(tables) + pages[opens]]
        self.at[page[shared]], self.length[page[shared]] = head_at[step[shared]], head_length[step[shared]]
        self.at[page[shared] + 1], self.length[page[shared] + 1] = locations[shared], (end - 1 - locations)[shared]
        self.at[page[closes] + 2], self.length[page[closes] + 2] = head_at[-1], 1
        starts = np.flatnonzero(first)
        self.keys = ordered[starts]
        """the merged words' keys, in order"""
        self.slots = np.append(slot[starts], len(self.at))
        """where the pieces of each merged word start, and where the last one's end"""
        # the sizes chunks are cut by, as they always were: a few bytes off the merged bytes
        counted = np.where(alone, end - start + head_length[part] - 1,
                           end - locations + head_length[step] - 1 + (size + 4) * first)
        self.sizes = np.cumsum(np.add.reduceat(counted, starts))
        """the size of the merged words up to each"""

    @property
    def count(self) -> int:
        """The merged words."""
        return len(self.keys)

    def word(self, n: int) -> str:
        """The merged word `n`."""
        return key_word(int(self.keys[n]))

    def bytes(self, lo: int, hi: int) -> bytes:
        """The bytes of merged words lo to hi (excluded)."""
        at, length = self.at[self.slots[lo]:self.slots[hi]], self.length[self.slots[lo]:self.slots[hi]]
        return self.data[np.repeat(at - (np.cumsum(length) - length), length) + np.arange(int(length.sum()))].tobytes()


@functools.cache
def _head(major: int, arg: int) -> bytes:
    out = bytearray()
    cbor.write_head(major, arg, out)
    return bytes(out)


def _chunk(count: int, words: Sequence[bytes], known: frozenset[bytes], naming: _Naming, taking: Taking
           ) -> tuple[bytes, _Placed | None]:
    """A chunk of `count` words, given as the pieces of their bytes: its digest, and where it was written, compressed
    (_write_chunk), unless the digest is `known`."""
    raw = b"".join([SIGNATURE, b"\x81", _head(4, count), *words])
    key = digest(raw)
    return key, None if key in known else _write_chunk(naming, taking, key, compress_fast(raw))
