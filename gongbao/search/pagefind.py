"""Everything that knows Pagefind 1.5: its binary, the pages it indexes, running it, its output format."""

from __future__ import annotations

import errno
import gzip
import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from . import cbor
from .layout import MAX_PARTS
from .parallel import die_with_parent_hook, process_map
from .record import SearchIndexError


#: Pagefind's script, under its output folder: the ES module the search page imports.
SCRIPT = "pagefind.js"


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


# --- the pages Pagefind indexes ----------------------------------------------------------------

# lang "und": no stemmer, no segmenter, either side; no <title>, whose words Pagefind would index
_PAGE_HEAD = ('<!DOCTYPE html><html lang="und"><head><meta charset="utf-8"></head>'
              '<body><main data-pagefind-body><p>')
_PAGE_TAIL = "</p></main></body></html>\n"
#: The last word of every page, after the documents' tokens (so their positions stay as they are):
#: Pagefind drops a page without words, and refuses a site without any. It is shorter than any
#: token a query looks up, so it is never found.
_SENTINEL = "z"


@contextmanager
def page(source: Path, part: int) -> Iterator[TextIO]:
    """The page of one part of the index, under `source`: write its tokens, each followed by a space."""
    with (source / f"part{part}.html").open("w", encoding="utf-8") as f:
        f.write(_PAGE_HEAD)
        yield f
        f.write(_SENTINEL + _PAGE_TAIL)


#: Pagefind is stopped as hung after this many seconds, plus TIMEOUT_PER_MB for each MB of its pages.
#: On a busy 2-core machine it took 45 s for the 43.6 MB of 3,366 laws (given 278 s) and 2 s for
#: 1.4 MB (given 67 s); on a quiet one, about a third of that.
TIMEOUT_BASE = 60.0
TIMEOUT_PER_MB = 5.0
#: Pagefind leaving empty files behind with less free space than this on their disk filled it up.
_NEARLY_FULL = 1 << 20


class Indexer:
    """Pagefind indexing the pages under `source` into `output` in a child process, from creation
    to `finish()`; it never outlives the `with` block, nor the build's process."""

    def __init__(self, source: Path, output: Path):
        self.output = output
        size = sum(p.stat().st_size for p in source.iterdir())
        self.timeout = TIMEOUT_BASE + TIMEOUT_PER_MB * size / 1e6
        self.deadline = time.monotonic() + self.timeout
        cmd = [str(pagefind_executable()), "--site", str(source), "--output-path", str(output)]
        try:
            # its report is a few lines, read when it ends (a pipe needs no disk, which may be full)
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, preexec_fn=die_with_parent_hook())
        except OSError as exc:
            raise SearchIndexError(f"could not run Pagefind: {exc}") from exc

    def __enter__(self) -> "Indexer":
        return self

    def __exit__(self, *_: object) -> None:
        if self.proc.poll() is None:  # the build failed or was interrupted meanwhile, or Pagefind hung
            self.proc.kill()
        self.proc.communicate()

    def finish(self) -> Path:
        """Wait for Pagefind; the folder it wrote."""
        try:
            report, _ = self.proc.communicate(timeout=max(0.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise SearchIndexError(f"Pagefind did not finish within {self.timeout:.0f} s and was stopped") from None
        detail = report.decode("utf-8", "replace").strip().splitlines()[-5:]
        if self.proc.returncode != 0 or not (self.output / SCRIPT).is_file():
            raise SearchIndexError(f"Pagefind failed (exit {self.proc.returncode}): " + " | ".join(detail))
        # Pagefind 1.5 does not report a write that failed: it leaves the file empty and ends as if it had not.
        empty = [p for p in self.output.rglob("*") if p.is_file() and p.stat().st_size == 0]
        if empty and shutil.disk_usage(self.output).free < _NEARLY_FULL:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.output))
        if empty:
            raise SearchIndexError(f"Pagefind left {len(empty)} files empty, such as {empty[0].name}")
        return self.output


#: Pagefind output that the search never loads (its UI kits, and its worker, which the page does
#: without); its fragments, one of which would hold every token of the site, go too.
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
           "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js", "pagefind-worker.js")


def finalise(output: Path, parts: int) -> list[str]:
    """Pagefind's output made what the page loads: what it never loads removed, the word index
    re-cut. Returns Pagefind's page id of each part's page, in part order."""
    pages = _page_ids(output, parts)
    for name in _UNUSED:
        (output / name).unlink(missing_ok=True)
    shutil.rmtree(output / "fragment")
    rechunk(output)
    return pages


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


_EXPORT = re.compile(r"export\s*\{([^}]*)\};?\s*$")


def classic_script(source: str) -> str:
    """pagefind.js turned from an ES module into a classic script that puts its exports on
    window.gongbaoPagefind: Chromium runs no module from file://."""
    export = _EXPORT.search(source)
    if not export or "import.meta.url" not in source:
        raise SearchIndexError("this pagefind.js has an unexpected shape; cannot make it work offline")
    names = ",".join(f"{n.strip()}:{n.strip()}" for n in export.group(1).split(",") if n.strip())
    classic = source[:export.start()].replace("import.meta.url", "undefined")
    return f"(function(){{{classic};window.gongbaoPagefind={{{names}}};}})();\n"


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


def _read_pagefind_file(path: Path) -> object:
    try:
        raw = gzip.decompress(path.read_bytes())
        if not raw.startswith(_SIGNATURE):
            raise ValueError("no pagefind_dcd signature")
        value = cbor.decode(raw[len(_SIGNATURE):])
        if cbor.encode(value) != raw[len(_SIGNATURE):]:
            raise ValueError("does not re-encode to the same bytes")
    except (OSError, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise SearchIndexError(f"cannot re-cut the Pagefind index: {path.name} is not in the format "
                               f"Pagefind 1.5 writes ({exc})") from exc
    return value


def _pagefind_bytes(value: object) -> bytes:
    return gzip.compress(_SIGNATURE + cbor.encode(value), compresslevel=9, mtime=0)


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
#: A word is lower-case letters and digits here (see tokens.spell), and a site has at most MAX_PARTS
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
    major, count, at = cbor.read_head(body, 1)
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
        value = cbor.decode(data)
        if not (isinstance(value, list) and len(value) == 3 and value[0] == word and value[2] == []
                and isinstance(value[1], list) and value[1]
                and all(isinstance(p, list) and len(p) == 3 and isinstance(p[0], int) and p[2] == []
                        and isinstance(p[1], list) and all(isinstance(x, int) for x in p[1]) for p in value[1])):
            raise _shape_error(name)
    return words


def _gz_chunk(words: Sequence[bytes]) -> bytes:
    out = bytearray(_SIGNATURE + b"\x81")
    cbor.write_head(4, len(words), out)
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
        cut = [piece for pieces in process_map(_recut, jobs, _PARALLEL_CHUNKS) for piece in pieces]
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
