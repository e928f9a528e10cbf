"""The one description of the search index's files: folders, shard names and counts, meta.gb's columns."""

from __future__ import annotations

from dataclasses import dataclass

# The writer names every file through this module and writes `for_browser()` into meta.gb, from
# which search.js takes the shard names and counts. What the page needs before it has read
# meta.gb (SEARCH_DIR, META, PAGEFIND_DIR, OFFLINE_DIR) search.js spells itself: test_search
# checks that the page fetches no file the build did not write, and search.js that meta.gb has
# the columns it reads.

#: Raised whenever a change below changes what the files hold.
FORMAT_VERSION = 5

#: Under the site root.
SEARCH_DIR = "search"
#: Under SEARCH_DIR: the regions, parts, facets and dates of every document, the folding table of the
#: normalisation (fold.py), and this description.
META = "meta.gb"
#: Under SEARCH_DIR: Pagefind's own output, re-cut (see pagefind.py).
PAGEFIND_DIR = "pagefind"
#: Under SEARCH_DIR, in the offline bundle only: every other file as a classic script (see offline.py).
OFFLINE_DIR = "offline"


@dataclass(frozen=True, slots=True)
class Shards:
    """A family of files <folder>/<number><suffix>, gzipped JSON, the number written in base `radix`."""

    folder: str
    suffix: str = ".gb"
    radix: int = 10
    """10 or 16"""

    def name(self, n: int) -> str:
        """The file of number `n`, relative to SEARCH_DIR."""
        return f"{self.folder}/{n:{'x' if self.radix == 16 else 'd'}}{self.suffix}"


NAMES_PER_SHARD = 64
#: names/<n>.gb: [url, title, 文号, in the collection] of NAMES_PER_SHARD documents from n * NAMES_PER_SHARD on.
NAMES = Shards("names")

#: chars/<code point % CHAR_SHARDS, hex>.gb: {character: [documents holding it, those holding it
#: in the title]}, each list as differences to the previous number (they compress better).
#: Shards rather than a file per character: thousands of files cost more to write than the
#: few KB a single-character query loads more.
CHAR_SHARDS = 256
CHARS = Shards("chars", radix=16)

#: doc/<i>.gb: document i's fields and the start of its text (for snippets and the exact check);
#: doc/<i>r.gb: the rest of the text, loaded only when the start does not decide.
DOC = Shards("doc")
DOC_REST = Shards("doc", "r.gb")

#: Every family, by the name search.js asks for it.
SHARDS = {"names": NAMES, "chars": CHARS, "doc": DOC, "doc_rest": DOC_REST}

#: A document's body bigrams are written most frequent first; these thresholds split them into
#: tf buckets, and the tf<t> columns of meta.gb say where each bucket ends.
TF_BUCKETS = (2, 4, 10)

#: meta.gb's per-document columns: bigrams (the size of the document's region in its part's
#: Pagefind page), tf<t> (body offsets where tf drops below t), number and title (bigrams of the
#: 文号 and of the rest of the title, written before the body), then date (ISO; just the year of the
#: 文号 for a document only cited) and facet numbers (-1: none; a doc_type of -1 marks a document only
#: cited, which the page ranks after the collection's documents of its tier).
META_COLUMNS = ("bigrams", *(f"tf{t}" for t in TF_BUCKETS), "number", "title",
                "date", "issuers", "doc_type", "status", "gazette")

#: A site is indexed in at most this many parts, each one Pagefind page.
MAX_PARTS = 4


def for_browser() -> dict[str, object]:
    """This description as meta.gb carries it to search.js: each family as [folder/, radix, suffix]."""
    return {"version": FORMAT_VERSION, "names_per_shard": NAMES_PER_SHARD, "char_shards": CHAR_SHARDS,
            "files": {key: [s.folder + "/", s.radix, s.suffix] for key, s in SHARDS.items()}}
