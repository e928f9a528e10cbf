"""Search index: exact Chinese substring search on Pagefind, plus its offline (file://) form.

Pagefind standard is the engine (index chunks, WebAssembly lookup, lazy loading). What it
indexes is not prose but, for every document, the *set* of its character bigrams, written one
document after another into one Pagefind page per part of the site (consecutive documents of
at most about writer.PART_CHARS characters, cut where the documents' URLs say, so that an edit
moves no cut but next to it: a cached build indexes again only the parts whose documents changed,
see `reuse`). Why:

- a query word matches a document only if the document contains every bigram of the word, so
  the bigram lookup gives a superset of the true matches (recall is exact, and there is no
  segmenter whose guesses can differ between build and browser); the browser then checks the
  candidates against the text, so precision is exact too (a word of one or two characters needs
  no check: bigrams never span two paragraphs, so its candidates are its matches);
- Pagefind's build cost grows with (word, page) pairs and with occurrences; a page holds many
  documents, so the pairs are few, and each document contributes each of its bigrams once;
- Pagefind reports the location of every matching token in its page, and the index locates a
  bigram at its document's slot (layout.SLOTS locations a document, from the part's first
  document, which meta gives) and its class in the document: in its 文号, in its title, or in
  its body with a tf of at least 10, 4, 2 or 1 (layout.CLASSES).

Tokens are spelled in lower-case letters and digits (a CJK character is three symbols of a
base-36 code of its code point, a bigram six): Pagefind 1.5 splits Han text in queries into
single characters and matches each by prefix, which would turn an exact bigram lookup into a
fuzzy one; the code is prefix-free, so a prefix match of a token is an exact match, and short,
because Pagefind's cost grows with the bytes of its page too (it stores and compresses them).
Single characters are not Pagefind tokens: they were a quarter of all occurrences, and a
one-character query is answered from `chars`, the lists of documents holding each character
(and holding it in the title), in layout.CHAR_SHARDS files by code point.

The tokens are computed with numpy (normalisation by table lookup, bigrams as integers): in
pure Python this took longer than Pagefind itself.

The site is indexed in parts of bounded size (writer.PART_CHARS), one Pagefind page each. A part's page
is one paragraph of tokens, each unique within its document, and Pagefind 1.5's index of such a page is
simple enough to be written here (tables.py; the tests compare its bytes with Pagefind's), in a tenth of
the time Pagefind takes (its memory, too, is bounded by the part's size, not the site's): every build
indexes its parts so, and runs Pagefind once, on a page of no tokens, for the files every index takes
from it (its entry, meta index, script and WebAssembly; the cache keeps them). A bigram's location is
not its place on the page but its document's slot and its class (layout.SLOTS, layout.CLASSES): the page
needs no more, the locations of a common word are small differences (one byte each), and an edit of one
document moves no other document's locations. The parts' indexes are then merged into
one (merge.py), a word's locations moved as bytes, and cut into chunks of about merge.CHUNK_BYTES:
a query loads one chunk per token, and Pagefind's own chunks are ~55 KB each. The page runs Pagefind without its web worker
(one file fewer to fetch) and warms it up when the search page opens. A word whose entry is more than a chunk
(held by more than about 17,000 documents) is a chunk of its own, which meta lists and the page decodes itself:
Pagefind's runtime makes an object of each location, a few hundred milliseconds for the commonest words of
100,000 documents.

Files under `search/` (all gzip, deterministic), described once in `layout.py`, each named after
its content but Pagefind's entry file (`pagefind/pagefind-entry.json`), which the page fetches
fresh: it names Pagefind's files and, under its "gongbao" key, meta and Pagefind's script. Meta
(`meta.<digest>.gb`: lengths, parts, facets, dates, the text shards' extents, and the layout) names
the shard families, each a folder `<family>-<digest>/` of files `<n>.gb`: `names` (url, title, 文号
for 64 documents each), `chars`, `heads` (consecutive documents' fields and the start of their
texts, for snippets and the exact check, about 16 KB of JSON a shard) and `rests` (the rest of
their texts, loaded only when the start does not decide, about 64 KB). A shard holds many
documents, so the stage writes a few thousand files rather than one or two per document, and a
first page of results loads one head shard per result.

The modules, in the order the build uses them: `record` (what the stage is given), `tokens`
(normalisation and the spelled bigrams; search.js holds the same rules, tested for agreement),
`fold` (the traditional → simplified table of the normalisation, from OpenCC's data; meta
carries it to search.js),
`layout` (the files), `writer` (build_index), `pagefind` (running Pagefind 1.5 on the page its files
are taken from; the tests have it index other pages; its script made classic), `merge` (its index format: the parts merged, cut into chunks, the
version check; `chunks` reads each part's chunks into word tables, kept for the next merges; `cbor` decodes
its files; `parallel`: the pool of other processes one index's jobs share, its tokens, tables.py's
parts one at a time (each in two halves of its symbols, on two processes), its shards' gzip and the merge),
`tables` (a part's word tables made from its page's words and their slot locations, in the bytes
Pagefind writes for such entries: every part is indexed this way, and the tests compare its encoding
with Pagefind's own), `reuse` (what a
build keeps in the cache folder for the next: each part's tokens and tables, Pagefind's files apart,
the compressed files as hard links to the site's, and what each shard beside Pagefind's index was made
of, so that a shard whose documents did not change is linked, not made again), `offline` (make_offline). The browser side is templates/assets/search.js, one classic
script in headed sections (tokens, files, engine, index, ranking, verification, results, page).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .record import SearchIndexError, SearchRecord

if TYPE_CHECKING:
    from .offline import make_offline
    from .tokens import matches, normalize, query_words
    from .writer import build_index

#: Imported when first used (PEP 562): the tokenizer needs numpy, a sixth of a second of every
#: gongbao process, and a build whose index is kept never tokenises.
_LAZY = {"make_offline": "offline", "matches": "tokens", "normalize": "tokens", "query_words": "tokens",
         "build_index": "writer"}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)


__all__ = ["SearchIndexError", "SearchRecord", "build_index", "make_offline", "matches", "normalize", "query_words"]
