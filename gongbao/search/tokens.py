"""Normalisation (both sides of a match), and the tokens the index is made of: spelled bigrams."""

from __future__ import annotations

import re
import threading
import unicodedata

import numpy as np

from . import fold
from .layout import TF_BUCKETS
from .record import SearchRecord


def normalize(text: str) -> str:
    """The form both sides of a match are compared in: NFKC, lower case, letters and digits only,
    traditional characters folded to simplified (fold.py).

    Dropping punctuation and spaces is what makes 〔2024〕, [2024], (2024) and 【2024】 the same;
    folding one character to one keeps a match a literal substring of the folded text.
    search.js implements the identical rule (with the folding table from meta); test_search
    checks that the two agree on every character and on strings whose form depends on context.
    """
    # str.isalnum() is exactly Unicode categories L* and N*, which is what [\W_] removes.
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).lower()).translate(fold.table())


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
    """The normalised words of a query; a document must contain all of them. Words are split at
    str.isspace() characters, a set search.js spells out."""
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
        value = self[code] = ((_NOT_ALNUM.sub("", nfkc.lower()).translate(fold.table()) or None)
                              if _context_free(c, nfkc) else "\0")
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


#: text_tokens' row: how many distinct bigrams the document has, how many of its body's have a tf of at least 2, 4
#: and 10 (body offsets where the tf drops below each), and how many are the 文号's and the rest of the title's.
ROW_COLUMNS = ("bigrams", *(f"tf{t}" for t in TF_BUCKETS), "number", "title")


def document_tokens(record: SearchRecord) -> tuple[str, list[int], np.ndarray, np.ndarray]:
    """text_tokens of the record's title, 文号 and text."""
    return text_tokens(record.title, record.doc_number, record.text)


def text_tokens(title: str, doc_number: str | None, text: str) -> tuple[str, list[int], np.ndarray, np.ndarray]:
    """One document's bigram tokens (space-separated, in index order), its row (ROW_COLUMNS), and
    the code points of its title and of the whole document (for the chars shards).

    Bigrams come in three segments: those of the 文号, then the other bigrams of the title,
    then the rest, most frequent first (ties in code point order). The row says where each
    segment and, in the body, each tf bucket ends: the index locates each bigram at its class
    (tables.slot_positions), which the browser reads.
    """
    # "\n" keeps title, 文号 and paragraphs apart; pairs across it are dropped.
    codes = _folded_codes("\n".join((title, doc_number or "", text)))
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
    chars = _distinct(codes)
    return (_spell_keys(bigrams), [len(bigrams), *tf, len(in_number), len(in_title)],
            np.unique(codes[:title_end]).astype(np.int32), chars[chars != 10].astype(np.int32))


_scratch = threading.local()


def _distinct(codes: np.ndarray) -> np.ndarray:
    """np.unique(codes) for a text's code points, in a fraction of its time: a text holds a few thousand distinct
    characters many times over, which np.unique sorts (about 0.25 ms a document on the corpus, 0.8 CPU s of a full
    build); marking each in a table of every code point (cleared after) finds them in a third of that."""
    if not len(codes):
        return codes
    seen = getattr(_scratch, "seen", None)
    if seen is None:
        seen = _scratch.seen = np.zeros(0x110000, dtype=bool)  # one table for each thread
    low, high = int(codes.min()), int(codes.max())
    seen[codes] = True
    out = np.flatnonzero(seen[low:high + 1]) + low
    seen[out] = False
    return out
