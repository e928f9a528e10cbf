"""The one description of the search index's files: their names, the shard families, meta's columns."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass

from . import pagefind

# The writer names every file through this module and writes `for_browser()` into meta, from
# which search.js takes the shard names and counts. What the page needs before it has read meta
# (SEARCH_DIR, ENTRY, OFFLINE_DIR) search.js spells itself: test_search checks that the page
# fetches no file the build did not write, and search.js that meta has the columns it reads.
#
# Every file is named after its content, except ENTRY: a browser or a CDN may keep any other
# for a year and never mix two builds. ENTRY, Pagefind's own entry file, is fetched fresh; it
# names Pagefind's files and, under the key ENTRY_KEY, meta; meta names the shards.

#: Raised whenever a change below changes what the files hold.
FORMAT_VERSION = 8

#: Under the site root.
SEARCH_DIR = "search"
#: Under SEARCH_DIR: Pagefind's output, merged from the parts' (see merge.py).
PAGEFIND_DIR = "pagefind"
#: Under PAGEFIND_DIR (and in each Pagefind output): the folder of the index's chunks.
CHUNKS = "index"
#: Under SEARCH_DIR: the file the page reads first, fetched fresh (its name never changes).
ENTRY = f"{PAGEFIND_DIR}/{pagefind.ENTRY}"
#: ENTRY's key for gongbao's own files: {"meta": META's name, "script": pagefind.js's name}.
ENTRY_KEY = "gongbao"
#: Under SEARCH_DIR, in the offline bundle only: every other file as a classic script (see offline.py).
OFFLINE_DIR = "offline"


#: Hex digits of a SHA-256 that name a file or a folder after its content.
DIGEST_LENGTH = 10

#: Meta and the shards but the rests are gzipped at this level: on the corpus, 5 is within 0.5-1.5 % of level 9's
#: size, in 60-80 % of level 6's time.
GZIP_LEVEL = 5


def compress(data: bytes) -> bytes:
    """`data` gzipped as meta and the shards a query loads first are (the chunks and the rests: see compress_fast)."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


# Pagefind's chunks (merge.py) and the rests of the texts are most of a full build's gzip, and they are gzipped by
# ISA-L, several times as fast as zlib at level 5. The chunks are mostly locations, which compress little at any
# level: the corpus's 30.8 MB of chunks took 1.41 CPU s to become 20.16 MB at zlib's level 5, and take 0.14 s to become
# 20.57 MB (+2 %) at ISA-L's best level (3) (figures of the locations before SLOTS: the corpus's chunks are now
# 12.1 MB). The texts compress well, and ISA-L makes them 11 % larger: the corpus's rests (47.5 MB of JSON) become
# 13.8 MB in 1.61 CPU s at zlib's 5, 15.3 MB in 0.27 s at ISA-L's 3; a full build spent the seconds after its last
# page gzipping them. Few queries load a rest (only when a document's start does not decide), while every result
# loads its head shard and a one-character query its chars shard: those stay with zlib (heads 9.1 MB of JSON, 0.28
# CPU s; chars 3.6 MB, 0.12 s), so a first query's bytes do not grow. A full build gzips every file; a build after one
# body edit, the few that changed, the others linked from the cache. Where the `isal` package has no wheel
# (pyproject.toml installs it on x86-64 and ARM64 only), zlib gzips them all: the bytes differ, what they hold does not.
try:
    from isal import __version__ as _isal_version, igzip as _isal
except ImportError:  # pragma: no cover - every platform the tests run on has its wheel
    _isal = None

#: Which compressor gzips chunks and rests, and its version: the cache keeps compressed files only for the same one.
FAST_COMPRESSOR = f"isal {_isal_version}" if _isal is not None else "zlib"
ISAL_LEVEL = 3


def compress_fast(data: bytes) -> bytes:
    """A chunk of Pagefind's index or a shard, gzipped (by ISA-L where it is installed)."""
    if _isal is None:
        return compress(data)
    return _isal.compress(data, compresslevel=ISAL_LEVEL, mtime=0)


#: What a meta file's name starts with (the writer clears the previous ones).
META_PREFIX = "meta."


def meta_name(data: bytes) -> str:
    """Under SEARCH_DIR: the lengths, parts, facets and dates of every document, the extents of the
    text shards, the folding table of the normalisation (fold.py), and this description; named
    after its bytes."""
    return f"{META_PREFIX}{hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]}.gb"


@dataclass(frozen=True, slots=True)
class Shards:
    """A family of files <folder>-<digest>/<number>.gb, gzipped JSON, the number in base `radix`.
    <digest> is of every file of the family: a change to any renames the folder."""

    folder: str
    radix: int = 10
    """10 or 16"""
    fast: bool = False
    """gzipped by compress_fast (a few % larger, several times as fast), not by compress"""

    def directory(self, digest: str) -> str:
        """The family's folder, relative to SEARCH_DIR."""
        return f"{self.folder}-{digest}"

    def file(self, n: int) -> str:
        """The file of number `n`, relative to the family's folder."""
        return f"{n:{'x' if self.radix == 16 else 'd'}}.gb"


NAMES_PER_SHARD = 64
#: names: [url, title, 文号, in the collection] of NAMES_PER_SHARD documents from n * NAMES_PER_SHARD on.
NAMES = Shards("names")

#: chars: shard <code point % CHAR_SHARDS, hex> is {character: [documents holding it, those holding
#: it in the title]}, each list as differences to the previous number (they compress better).
#: Shards rather than a file per character: thousands of files cost more to write than the
#: few KB a single-character query loads more.
CHAR_SHARDS = 256
CHARS = Shards("chars", radix=16)

#: heads: the fields and the start of the text (for snippets and the exact check) of consecutive
#: documents, about HEAD_SHARD_BYTES of JSON a shard; rests: the rest of their texts ("" for a
#: text whose start is all of it), about REST_SHARD_BYTES a shard, loaded only when the start does
#: not decide. meta's "shards" gives the documents in each shard. The first results of a query
#: load one head shard each: the sizes keep a first query's bytes small (see the README).
HEADS = Shards("heads")
RESTS = Shards("rests", fast=True)  # most of the texts' bytes, and loaded by few queries
HEAD_SHARD_BYTES = 16_000
REST_SHARD_BYTES = 64_000

#: Every family, by the name search.js asks for it.
SHARDS = {"names": NAMES, "chars": CHARS, "heads": HEADS, "rests": RESTS}

#: A document's body bigrams are written most frequent first; these thresholds split them into
#: tf buckets (text_tokens' row says where each bucket ends).
TF_BUCKETS = (2, 4, 10)

#: Where a bigram lies in a document, the class the page ranks it by: in the 文号, in the rest of the
#: title, or in the body with a tf of at least 10, 4, 2, or 1 (TF_BUCKETS, highest first).
CLASSES = ("number", "title", *(f"tf{t}" for t in reversed(TF_BUCKETS)), "tf1")
#: A document's positions in its part's index: the location of a bigram in the index is
#: SLOTS * (the document's place in its part) + its class, not its place among the document's words.
#: The locations of a word are written as differences to the one before, in CBOR, where an integer
#: below 24 is one byte: a word held by most documents costs about a byte for each (2-3 bytes when a
#: document's slot was its count of bigrams, a few thousand), and an edit moves no location of the
#: other documents, so a rebuild rewrites only the chunks of the words whose class in it changed.
SLOTS = len(CLASSES)

#: meta's per-document columns: bigrams (how many distinct bigrams the document has: its length
#: for BM25), number (how many of them are the 文号's), then date (ISO; just the year of the
#: 文号 for a document only cited) and facet numbers (-1: none; a doc_type of -1 marks a document only
#: cited, which the page ranks after the collection's documents of its tier).
META_COLUMNS = ("bigrams", "number", "date", "issuers", "doc_type", "status", "gazette")


def for_browser(digests: dict[str, str]) -> dict[str, object]:
    """This description as meta carries it to search.js, with each family's digest: each family as
    [folder-digest/, radix]."""
    return {"version": FORMAT_VERSION, "names_per_shard": NAMES_PER_SHARD, "char_shards": CHAR_SHARDS,
            "slots": SLOTS,
            "files": {key: [s.directory(digests[key]) + "/", s.radix] for key, s in SHARDS.items()}}
