"""Search index: exact Chinese substring search on Pagefind, plus its offline (file://) form.

Pagefind standard is the engine (index chunks, WebAssembly lookup, lazy loading). What it
indexes is not prose but, for every document, the *set* of its character bigrams and
characters, written one document after another into a single Pagefind page. Why:

- a query word matches a document when the document contains every bigram of the word
  (single characters: the character), so recall is exact and there is no segmenter whose
  guesses can differ between build and browser;
- Pagefind's build cost grows with (word, page) pairs; one page holds every document, so
  the pairs are just the distinct tokens, and the build is cheaper than Pagefind extended;
- Pagefind reports the position of every matching token, and a position tells which
  document it came from (`regions` in meta) and, because each document's bigrams are
  written most-frequent first, how often the bigram occurs there (`tf` counts).

Tokens are spelled in lower-case Latin letters (each character as four base-26 letters,
behind a one-letter namespace): Pagefind 1.5 splits Han text in queries into single
characters and matches each by prefix, which would turn an exact bigram lookup into a
fuzzy one; Latin words of fixed length are looked up exactly. Namespaces keep body
bigrams (b), characters (u), title bigrams (t), title characters (s) and 文号 (n) apart, so
that the browser can rank 文号 matches first and title matches next.

Files under `search/` (all gzip, deterministic): `pagefind/` (Pagefind's own output minus
what is never loaded), `meta.gb` (regions, facets, dates), `names/<n>.gb` (url, title, 文号
for 64 documents each), `doc/<i>.gb` (one document's fields and text, for snippets).
"""

from __future__ import annotations

import base64
import concurrent.futures
import bisect
import functools
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SEARCH_DIR = "search"
PAGEFIND_DIR = "pagefind"
NAMES_PER_SHARD = 64
FORMAT_VERSION = 1

#: Token namespaces (see the module docstring).
BIGRAM, CHAR, TITLE_BIGRAM, TITLE_CHAR, DOC_NUMBER = "b", "u", "t", "s", "n"

#: Bigrams are written most frequent first; these thresholds split them into tf buckets.
TF_BUCKETS = (2, 4, 10)

#: Pagefind output that the search never loads (its UI kits, and the one fragment that
#: would hold every token of the site).
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
           "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js", "fragment")


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


@functools.cache
def _spell_char(c: str) -> str:
    n, letters = ord(c), []
    for _ in range(4):
        n, d = divmod(n, 26)
        letters.append(chr(97 + d))
    return "".join(reversed(letters))


def spell(chars: str) -> str:
    """Each character as four letters a-z (its code point in base 26; every letter or digit
    in Unicode lies below 26**4): Pagefind-safe and exact."""
    return "".join(map(_spell_char, chars))


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


def _bigrams(parts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for p in parts:
        counts.update(map(str.__add__, p, p[1:]))
    return counts


def document_tokens(record: SearchRecord) -> tuple[list[str], list[int]]:
    """The tokens of one document in index order, and [bigram count, tf≥2, tf≥4, tf≥10 counts]."""
    parts = searchable_parts(record)
    ranked = _bigrams(parts).most_common()  # count descending, ties in first-seen order
    tf = [bisect.bisect_left(ranked, -t, key=lambda bc: -bc[1]) for t in TF_BUCKETS]
    title = normalize(record.title)
    sp = _spell_char
    tokens = [BIGRAM + sp(b[0]) + sp(b[1]) for b, _ in ranked]
    tokens += [CHAR + sp(c) for c in sorted(set().union(*parts))]
    tokens += [TITLE_BIGRAM + spell(b) for b in sorted(_bigrams([title]))]
    tokens += [TITLE_CHAR + spell(c) for c in sorted(set(title))]
    if record.doc_number:
        tokens.append(DOC_NUMBER + spell(normalize(record.doc_number)))
    return tokens, [len(ranked), *tf]


def _token_line(record: SearchRecord) -> tuple[str, int, list[int]]:
    tokens, tf = document_tokens(record)
    return " ".join(tokens) + " ", len(tokens), tf


def _token_lines(records: Sequence[SearchRecord]) -> Iterator[tuple[str, int, list[int]]]:
    """document_tokens for every record, in order; on all cores when there are many."""
    workers = min(os.cpu_count() or 1, 8)
    if len(records) < 500 or workers < 2:
        yield from map(_token_line, records)
        return
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        yield from pool.map(_token_line, records, chunksize=32)


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


def _write_gz_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_gzip(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()))


def _facet_index(values: Iterable[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(sorted(set(values)))}


def build_index(site_dir: Path, records: Sequence[SearchRecord]) -> None:
    """Write the index for `records` under site_dir/search/; raises SearchIndexError if Pagefind fails."""
    out = site_dir / SEARCH_DIR
    for name in ("meta.gb", "names", "doc", PAGEFIND_DIR):
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    out.mkdir(parents=True, exist_ok=True)

    issuers = _facet_index(i for r in records for i in r.issuers)
    types = _facet_index(r.doc_type for r in records)
    statuses = _facet_index(r.status for r in records)
    gazettes = _facet_index(r.gazette for r in records if r.gazette)
    docs = []
    with tempfile.TemporaryDirectory(prefix="gongbao-pagefind-") as tmp:
        page = Path(tmp) / "site" / "index.html"
        page.parent.mkdir()
        with page.open("w", encoding="utf-8") as f:
            # lang "und": no stemmer, no segmenter, on both sides of Pagefind.
            f.write('<!DOCTYPE html><html lang="und"><head><meta charset="utf-8"><title>i</title></head>'
                    '<body><main data-pagefind-body><p>')
            for n, (record, (line, count, tf)) in enumerate(zip(records, _token_lines(records))):
                f.write(line)
                docs.append([count, *tf, record.date, [issuers[i] for i in record.issuers],
                             types[record.doc_type], statuses[record.status],
                             gazettes[record.gazette] if record.gazette else -1])
                _write_gz_json(out / "doc" / f"{n}.gb", _display(record))
            f.write("</p></main></body></html>\n")
        _run_pagefind(Path(tmp) / "site", out / PAGEFIND_DIR)
    for n in range(0, len(records), NAMES_PER_SHARD):
        _write_gz_json(out / "names" / f"{n // NAMES_PER_SHARD}.gb",
                       [[r.url, r.title, r.doc_number] for r in records[n:n + NAMES_PER_SHARD]])
    _write_gz_json(out / "meta.gb", {
        "version": FORMAT_VERSION, "names_per_shard": NAMES_PER_SHARD, "tf_buckets": list(TF_BUCKETS),
        "prefixes": {"bigram": BIGRAM, "title_bigram": TITLE_BIGRAM, "title_char": TITLE_CHAR,
                     "char": CHAR, "doc_number": DOC_NUMBER},
        "facets": {"issuers": list(issuers), "doc_types": list(types), "statuses": list(statuses),
                   "gazettes": list(gazettes)},
        "docs": docs,
    })


def _display(record: SearchRecord) -> dict[str, object]:
    return {"url": record.url, "title": record.title, "doc_number": record.doc_number,
            "issuers": list(record.issuers), "doc_type": record.doc_type, "date": record.date,
            "year": record.year, "status": record.status, "gazette": record.gazette, "text": record.text}


def _run_pagefind(source: Path, output: Path) -> None:
    if not any(source.iterdir()):
        raise SearchIndexError("nothing to index")
    cmd = [str(pagefind_executable()), "--site", str(source), "--output-path", str(output)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexError(f"could not run Pagefind: {exc}") from exc
    if done.returncode != 0 or not (output / "pagefind.js").is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise SearchIndexError(f"Pagefind failed (exit {done.returncode}): " + " | ".join(detail))
    for name in _UNUSED:
        target = output / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


# --- offline ---------------------------------------------------------------------------------

OFFLINE_DIR = "offline"
#: What search.js and Pagefind fetch, relative to search/.
_FETCHED = ("meta.gb", "names/", "doc/", PAGEFIND_DIR + "/")
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
