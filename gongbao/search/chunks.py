"""Pagefind's chunks as the merge reads them: each part's words, with their entries as Pagefind wrote them,
cut out of its decompressed chunks once and kept for the next merges (see merge.py)."""

from __future__ import annotations

import bisect
import gzip
import itertools
import re
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..kept import read_kept, write_kept
from . import cbor
from .record import SearchIndexError
from .tokens import ALPHABET

SIGNATURE = b"pagefind_dcd"


@dataclass(frozen=True, slots=True)
class WordTables:
    """Where the words of each part's Pagefind output are kept, read once, for the next merges: the
    chunks of a part that did not change are not decompressed and searched again."""

    folders: list[Path]
    """a folder for each part, in part order, its tables named by symbol (one per symbol of ALPHABET)"""
    version: str
    """the builds that read and write them (cache.read_kept)"""


def read_pagefind_file(path: Path) -> object:
    """A file of Pagefind's (its meta index, a chunk) decoded, checked to re-encode to the same bytes."""
    try:
        raw = gzip.decompress(path.read_bytes())
        if not raw.startswith(SIGNATURE):
            raise ValueError("no pagefind_dcd signature")
        value = cbor.decode(raw[len(SIGNATURE):])
        if cbor.encode(value) != raw[len(SIGNATURE):]:
            raise ValueError("does not re-encode to the same bytes")
    except (OSError, ValueError, IndexError, UnicodeDecodeError, EOFError) as exc:
        raise SearchIndexError(f"cannot read Pagefind's index: {path.name} is not in the format "
                               f"Pagefind 1.5 writes ({exc})") from exc
    return value


def shape_error(what: str) -> SearchIndexError:
    return SearchIndexError(f"cannot read Pagefind's index: {what} is not shaped as Pagefind 1.5 writes it")


#: The start of one word of a chunk, as Pagefind 1.5 writes it: [word, [[page, locs, []], ...], []]
#: up to its first page number (page numbers, like locations, are differences to the one before).
#: A word is lower-case letters and digits here (see tokens.spell). The pattern cannot match inside
#: a word's locations while they are below 2**31 (an integer's head is 0x00-0x3b and its argument
#: shorter than the pattern); if it ever did, the words found would not tile the chunk, and the
#: build would stop.
#: (Its groups: all of it, the word's length in one byte or in the next, the word.)
_WORD = re.compile(rb"(\x83(?:([\x60-\x77])|\x78(.))([0-9a-z]*)"
                   rb"(?:[\x81-\x97]|\x98.|\x99..)\x83(?:[\x00-\x17]|\x18.|\x19..))", re.DOTALL)
#: The same in the index of one part, whose words are all on its one page, page 0: [word, [[0, ...
_ONE_PAGE_WORD = re.compile(rb"(\x83(?:([\x60-\x77])|\x78(.))([0-9a-z]*)\x81\x83\x00)", re.DOTALL)


def words_of_chunk(raw: bytes, name: str, pattern: re.Pattern[bytes] = _WORD
                    ) -> tuple[bytes, list[tuple[str, int, int, int]]]:
    """A decompressed chunk's body, and (word, start, locations, end) of each of its words in the
    body (its locations start after its first page number), without decoding the locations: the
    words (as `pattern` finds them) must tile the chunk exactly, each ending with the empty arrays of
    its shape, and the shortest must decode to that shape, or the format is not the one this code
    knows."""
    body = raw[len(SIGNATURE):]
    if not raw.startswith(SIGNATURE) or body[:1] != b"\x81":
        raise shape_error(name)
    major, count, at = cbor.read_head(body, 1)
    if major != 4:
        raise shape_error(name)
    # split, not finditer: the pieces of the body in lists, with no object for each match
    found = pattern.split(body[at:])
    matched, short, long, spelled, rest = (found[n::5] for n in range(1, 6))
    if found[0] or len(spelled) != count or any(r[-2:] != b"\x80\x80" for r in rest) \
            or [s[0] - 0x60 if s else n[0] for s, n in zip(short, long)] != [len(w) for w in spelled]:
        raise shape_error(name)
    starts = list(itertools.accumulate([len(m) + len(r) for m, r in zip(matched, rest)], initial=at))  # and the end
    words = [(word, start, start + len(m), end) for word, m, start, end
             in zip(b"\0".join(spelled).decode("ascii").split("\0"), matched, starts, starts[1:])]
    if words:
        word, start, _, end = min(words, key=lambda w: w[3] - w[1])
        value = cbor.decode(body[start:end])
        if not (isinstance(value, list) and len(value) == 3 and value[0] == word and value[2] == []
                and isinstance(value[1], list) and value[1]
                and all(isinstance(p, list) and len(p) == 3 and isinstance(p[0], int) and p[2] == []
                        and isinstance(p[1], list) and all(isinstance(x, int) for x in p[1]) for p in value[1])):
            raise shape_error(name)
    return body, words


#: The longest word of a page: a bigram of two characters of five symbols (tokens.spell).
LONGEST = 10
#: Each byte's rank in ALPHABET, from 1 (0: not a symbol, the padding of a key).
RANK = np.zeros(256, np.int64)
RANK[np.frombuffer(ALPHABET.encode(), np.uint8)] = np.arange(1, len(ALPHABET) + 1)


#: The ranks of two bytes in base 37 (RANK), by the two bytes as a big-endian 16-bit number.
_RANK2 = RANK[np.arange(1 << 16) >> 8] * 37 + RANK[np.arange(1 << 16) & 0xFF]


def padded_keys(padded: np.ndarray) -> np.ndarray:
    """Words given as rows of LONGEST bytes, zero-padded, as integers in the same order as the words (Pagefind's
    order): each symbol its rank in base 37, padded with 0. The merge sorts and compares these, not strings.
    (Two symbols at a time, by _RANK2: half the passes over every word of a page.)"""
    pairs = np.ascontiguousarray(padded, np.uint8).view(">u2")
    keys = np.zeros(len(padded), np.int64)
    for j in range(LONGEST // 2):
        keys = keys * (37 * 37) + _RANK2[pairs[:, j]]
    return keys


def word_keys(words: list[str]) -> np.ndarray:
    """padded_keys of words."""
    if not words:
        return np.zeros(0, np.int64)
    joined = b"".join(w.encode("ascii").ljust(LONGEST, b"\0") for w in words)
    return padded_keys(np.frombuffer(joined, np.uint8).reshape(-1, LONGEST))


def key_word(key: int) -> str:
    """The word of a key (padded_keys)."""
    symbols = []
    for _ in range(LONGEST):
        key, rank = divmod(key, 37)
        if rank:
            symbols.append(ALPHABET[rank - 1])
    return "".join(reversed(symbols))


def _int_array(code: str, values: np.ndarray) -> array[int]:
    out = array(code)
    out.frombytes(values.astype({"q": np.int64, "I": np.uint32}[code]).tobytes())
    return out


@dataclass(frozen=True, slots=True)
class Table:
    """The words of one part that start with one symbol, and their entries as Pagefind wrote them: what
    the merge needs of the part's chunks, read once (see WordTables)."""

    read: dict[str, int]
    """the part's chunks read, and how many words each holds"""
    keys: array[int]
    """the words, in order, as integers (padded_keys): sorted and compared in the merge with numpy, and read
    from the cache in a fraction of the time a list of strings takes"""
    lengths: bytes
    """each word's length in symbols"""
    entries: bytes
    """each word's entry, one after another"""
    starts: array[int]
    """where each word's entry starts in `entries`, and where the last one ends"""
    locations: array[int]
    """where each word's locations start in `entries`, after its page number, 0 (one byte); they are
    followed by the empty arrays of its page and its own"""

    @property
    def words(self) -> list[str]:
        return [key_word(k) for k in self.keys]

    @staticmethod
    def of(read: dict[str, int], keys: np.ndarray, lengths: np.ndarray, entries: bytes, starts: np.ndarray,
           locations: np.ndarray) -> Table:
        """A table of numpy columns."""
        return Table(read, _int_array("q", keys), lengths.astype(np.uint8).tobytes(), entries,
                     _int_array("I", starts), _int_array("I", locations))


def read_table(folder: Path, chunks: list[list[str]], symbol: str) -> Table:
    """The table of the words starting with `symbol` of the chunks of a part."""
    read: dict[str, int] = {}
    words: list[str] = []
    pieces: list[bytes] = []
    starts, locations = array("I"), array("I")
    at = 0
    for _, _, name in chunks:
        try:
            body, found = words_of_chunk(gzip.decompress((folder / f"{name}.pf_index").read_bytes()), name,
                                         _ONE_PAGE_WORD)
        except (OSError, ValueError, IndexError, EOFError) as exc:
            raise shape_error(f"{name} ({exc})") from exc
        read[name] = len(found)
        # the words are sorted: those starting with `symbol` are one run, whose entries are one run too
        run = found[bisect.bisect_left(found, symbol, key=lambda w: w[0]):
                    bisect.bisect_left(found, chr(ord(symbol) + 1), key=lambda w: w[0])]
        if run:
            moved = at - run[0][1]
            words += [word for word, _, _, _ in run]
            starts.extend([start + moved for _, start, _, _ in run])
            locations.extend([first + moved for _, _, first, _ in run])
            pieces.append(body[run[0][1]:run[-1][3]])
            at += run[-1][3] - run[0][1]
    starts.append(at)
    return Table(read, _int_array("q", word_keys(words)), bytes(map(len, words)), b"".join(pieces), starts, locations)


def kept_table(part: int, folder: Path, chunks: list[list[str]], symbol: str, tables: WordTables | None) -> Table:
    """read_table, read from where `tables` keeps it, or made and kept there if it cannot be read."""
    if tables is None:
        return read_table(folder, chunks, symbol)
    path = tables.folders[part] / f"{symbol}.pickle"
    kept = read_kept(path, tables.version)
    if isinstance(kept, Table) and set(kept.read) == {name for _, _, name in chunks}:
        return kept
    table = read_table(folder, chunks, symbol)
    write_kept(path, tables.version, table)
    return table
