"""A part's word tables made from its page's tokens, in the format of the index Pagefind 1.5 writes.

A part's page (pagefind.page) is one paragraph of words, each followed by a space, and Pagefind's index of it
holds, for each distinct word, the entry [word, [[0, locations, []]], []]: page 0, its only page, and the
word's positions on the page (counted in words from 0) as differences to the one before, after -25 (the
marker of the default weight, 24, in effect from the first position on: every word of the page has it). The
page's word count, in the meta index, counts every word. `part_tables` writes those entries itself, as
chunks.read_table cuts them out of Pagefind's chunks, in a fraction of the time Pagefind takes to index the
page; tests/test_search_tables.py compares the two on pages Pagefind indexes.

The index of a part holds other positions than Pagefind would give its page: a document's bigram is located at
its document's slot and class (layout.SLOTS, `slot_positions`), not at its place among the page's words. The
entries are written the same way, from those positions.
"""

from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..kept import write_kept
from . import cbor
from .chunks import LONGEST, RANK, Table, padded_keys
from .record import SearchIndexError
from .tokens import ALPHABET, ROW_COLUMNS


@dataclass(frozen=True, slots=True)
class Modelled:
    """A part whose index was made here, not by Pagefind: what Pagefind's meta index would say of its page, and
    how many words its tables (in its folder of chunks.WordTables) hold."""

    page: str
    """Pagefind's id of the page"""
    words: int
    """the page's word count"""
    distinct: int
    """the words of its tables"""


def index_part(part: int, page: str, rows: bytes, folder: Path, version: str, half: int | None = None) -> Modelled:
    """Make the tables of part `part`, whose page's words are `page` (pagefind.page_words) and its documents' rows
    `rows` (packed_rows), and keep them in `folder` (the part's folder of chunks.WordTables) for the merge. `half`
    (0 or 1): only the tables of that half of the symbols (see part_tables), its `distinct` only theirs (see
    PartJob.joined)."""
    tables, count = part_tables(page, half, slot_positions(rows))
    for symbol, table in tables.items():
        if write_kept(folder / f"{symbol}.pickle", version, table) is None:
            raise SearchIndexError(f"cannot write the search index's tables into {folder}")
    return Modelled(page_id(part, page, count), count, sum(len(t.keys) for t in tables.values()))


@dataclass(frozen=True, slots=True)
class PartJob:
    """index_part of one part, to be run (on another process): whole, or in two halves (`halves`)."""

    part: int
    page: str
    rows: bytes
    """its documents' rows (packed_rows)"""
    folder: Path
    version: str

    def __call__(self, half: int | None = None) -> Modelled:
        return index_part(self.part, self.page, self.rows, self.folder, self.version, half)

    @staticmethod
    def joined(halves: list[Modelled]) -> Modelled:
        """The part of its two halves' results (half 0 and 1)."""
        return Modelled(halves[0].page, halves[0].words, sum(h.distinct for h in halves))


def page_id(part: int, page: str, count: int) -> str:
    """Pagefind's id of the page of part `part`: its fragment's name, the first 7 digits of the SHA-1 of the
    fragment's JSON (the page's text ends with a full stop, as Pagefind ends every block), each byte written in
    hexadecimal without its leading zero, as Pagefind writes them."""
    fragment = (f'{{"url":"/part{part}.html","content":"{page}.","word_count":{count},'
                '"filters":{},"meta":{},"anchors":[]}')
    return "und_" + "".join(f"{b:x}" for b in hashlib.sha1(fragment.encode("ascii")).digest())[:7]

def packed_rows(rows: list[list[int]]) -> bytes:
    """A part's documents' rows (text_tokens'), as `slot_positions` reads them."""
    return np.array(rows, dtype=np.int32).reshape(-1, len(ROW_COLUMNS)).tobytes()


def slot_positions(rows: bytes) -> np.ndarray:
    """The position of each word of a part's page (its documents' bigrams, then the page's last word) in its
    index: SLOTS * the document's place in the part + the bigram's class (layout.CLASSES), the class read from
    where the bigram lies in the document's tokens (text_tokens: 文号, title, then body most frequent first)."""
    table = np.frombuffer(rows, dtype=np.int32).reshape(-1, len(ROW_COLUMNS)).astype(np.int64)
    column = dict(zip(ROW_COLUMNS, table.T))
    tf2, tf4, tf10, number, title = (column[c] for c in ("tf2", "tf4", "tf10", "number", "title"))
    body = column["bigrams"] - number - title
    # how many of each document's bigrams are of each class, in the order of CLASSES
    counts = np.stack([number, title, tf10, tf4 - tf10, tf2 - tf4, body - tf2], axis=1)
    if counts.size and counts.min() < 0:
        raise ValueError("a row's bigrams are not as text_tokens counts them")
    return np.append(np.repeat(np.arange(counts.size), counts.ravel()), counts.size)


_SPACE = 0x20
#: -25 in CBOR (major type 1, argument 24): the default weight's marker before a word's first position.
_WEIGHT = (0x38, 0x18)


def part_tables(page: str, half: int | None = None, positions: np.ndarray | None = None
                ) -> tuple[dict[str, Table], int]:
    """The tables of the words of `page` (its words, each followed by a space, then the last word), by the
    symbol they start with, and its word count. `half` (0 or 1): only those of the symbols before, or from, the
    symbol that halves the page's words (the same for both): two processes make a part's tables in half the time,
    and each holds half of them. `positions`: each word's position, ascending for each word (by default its
    place on the page, as Pagefind counts it)."""
    text = np.frombuffer(page.encode("ascii"), np.uint8)
    spaces = np.flatnonzero(text == _SPACE)
    starts = np.concatenate([[0], spaces + 1])
    lengths = np.append(spaces, len(text)) - starts
    if len(text) == 0 or lengths.min() < 1 or lengths.max() > LONGEST:
        raise ValueError("a page's words are 1 to 10 symbols, one space apart")
    count = len(starts)
    if positions is not None and len(positions) != count:
        raise ValueError(f"a page of {count} words given {len(positions)} positions")
    kept = RANK[text[starts]]  # each word's first symbol's rank
    if half is None:
        position = None
        ranks = range(1, len(ALPHABET) + 1)
    else:
        middle = int(np.searchsorted(np.cumsum(np.bincount(kept, minlength=len(ALPHABET) + 1)), count // 2)) + 1
        ranks = range(1, middle) if half == 0 else range(middle, len(ALPHABET) + 1)
        position = np.flatnonzero((kept >= ranks.start) & (kept < ranks.stop))
        starts, lengths = starts[position], lengths[position]
        if not len(starts):  # a half of no words: its symbols' tables are empty
            return {symbol: Table({}, array("q"), b"", b"", array("I", [0]), array("I"))
                    for symbol in ALPHABET[ranks.start - 1:ranks.stop - 1]}, count
    # each word in a fixed width, zero-padded, and as an integer in the same order (Pagefind's order of the
    # words): each symbol its rank (1 to 36) in base 37, padded with 0
    # (the LONGEST bytes from each word's start, as a view of the text, gathered at once; those past its end zeroed)
    window = np.lib.stride_tricks.sliding_window_view(np.concatenate([text, np.zeros(LONGEST, np.uint8)]), LONGEST)
    padded = window[starts]
    padded[np.arange(LONGEST) >= lengths[:, None]] = 0
    keys = padded_keys(padded)
    order = np.argsort(keys, kind="stable")  # stable: a word's positions ascending
    at_page = order if position is None else position[order]  # the words' places on the page
    if positions is not None:
        at_page = positions[at_page]
    ordered = keys[order]
    first = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    heads = np.flatnonzero(first)
    counts = np.diff(np.append(heads, len(order)))
    word_of = np.cumsum(first) - 1
    deltas = at_page - np.concatenate([[0], at_page[:-1]])
    deltas[heads] = at_page[heads]
    size = cbor.head_length(deltas)
    word_length = lengths[order[heads]]
    array_length = cbor.head_length(counts + 1)
    # 0x83, the word's head and bytes, 0x81 0x83 0x00, the locations' head, the weight, the locations, 0x80 0x80
    entry_size = 1 + 1 + word_length + 3 + array_length + 2 + np.add.reduceat(size, heads) + 2
    at = np.cumsum(entry_size) - entry_size
    out = np.zeros(int(entry_size.sum()), np.uint8)
    out[at] = 0x83
    out[at + 1] = 0x60 + word_length
    word_bytes = padded[order[heads]]
    for j in range(LONGEST):
        has = word_length > j
        out[at[has] + 2 + j] = word_bytes[has, j]
    page_at = at + 2 + word_length
    out[page_at], out[page_at + 1] = 0x81, 0x83  # out[page_at + 2] is page 0
    locations = page_at + 3
    _write_uints(out, locations, counts + 1, array_length, 4)
    weight_at = locations + array_length
    out[weight_at], out[weight_at + 1] = _WEIGHT
    before = np.cumsum(size) - size
    _write_uints(out, weight_at[word_of] + 2 + before - before[heads][word_of], deltas, size, 0)
    ends = at + entry_size
    out[ends - 2], out[ends - 1] = 0x80, 0x80
    data = out.tobytes()
    head_keys = ordered[heads]
    tables: dict[str, Table] = {}
    # the words starting with each symbol: from its rank times 37**9 on
    bounds = np.searchsorted(head_keys, np.arange(1, len(ALPHABET) + 2) * 37 ** (LONGEST - 1))
    for rank, symbol, lo, hi in zip(range(1, len(ALPHABET) + 1), ALPHABET, bounds[:-1].tolist(), bounds[1:].tolist()):
        if rank not in ranks:
            continue
        base = int(at[lo]) if lo < len(at) else len(data)
        end = int(ends[hi - 1]) if hi > lo else base
        tables[symbol] = Table.of({}, head_keys[lo:hi], word_length[lo:hi], data[base:end],
                                  np.append(at[lo:hi], end) - base, locations[lo:hi] - base)
    return tables, count


def _write_uints(out: np.ndarray, at: np.ndarray, values: np.ndarray, length: np.ndarray, major: int) -> None:
    """CBOR heads of major type `major` with arguments `values`, of `length` bytes each, at `at` in `out`."""
    values = values.astype(np.int64)
    tag = major << 5
    one, two, three, five = (length == n for n in (1, 2, 3, 5))
    out[at[one]] = tag | values[one]
    out[at[two]], out[at[two] + 1] = tag | 24, values[two]
    out[at[three]], out[at[three] + 1], out[at[three] + 2] = tag | 25, values[three] >> 8, values[three] & 0xFF
    out[at[five]] = tag | 26
    for k in range(4):
        out[at[five] + 1 + k] = (values[five] >> (24 - 8 * k)) & 0xFF
