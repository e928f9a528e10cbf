"""What one index build keeps in the cache folder for the next: each part's tokens, Pagefind output and words, gzipped
files."""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import dataclasses
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from ..kept import Written, read_kept, write_kept
from ..digests import digest
from .layout import FAST_COMPRESSOR, compress
from .chunks import WordTables
from .pagefind import ENTRY, SCRIPT
from .parallel import Workers, process_map
from .record import SearchIndexError, SearchRecord
from .tables import Modelled, PartJob
from .tokens import ALPHABET, document_tokens, text_tokens

#: document_tokens' result: the document's line of its part's page, its meta row, and the code points of
#: its title and of all its text. A kept part's documents come without their line ("").
Tokens = tuple[str, list[int], np.ndarray, np.ndarray]

#: From this many documents on, their tokens are computed on other processes.
_PARALLEL_DOCUMENTS = 400

_PARTS = "parts"
_PAGEFIND = "pagefind"
_TOKENS = "tokens.pickle"  # each document's key, row and code points: what a kept part gives the build
_LINES = "lines.pickle"  # each document's line: read only when a part holding it changed
_WORDS = "words"  # the words of its Pagefind output, as the merge reads them (chunks.WordTables)
_MODELLED = "modelled.pickle"  # in place of its Pagefind output: what tables.py made of its page (tables.Modelled)
_SHELL = "shell-"  # + a digest of the version: Pagefind's entry, meta, script and WebAssembly, of any page
_SHELL_FILES = (ENTRY, SCRIPT, "pagefind.*.pf_meta", "wasm.*.pagefind")
_SHELL_MADE = "shell"  # in a build's pending folder: those files, of the Pagefind run the build made for them
#: The compressed files of the last build's index (its shards, chunks and meta), each named by the digest of its
#: uncompressed bytes in hexadecimal: hard links to the site's files, so they take no room of their own while the
#: site holds them. A build links the files whose bytes did not change from here into its index: writing a file
#: took 35 times as long as linking one when the cores were busy (2,000 files of 12 KB: 0.70 s against 0.02 s), and
#: a build after one body edit on the corpus wrote 3,600 of them.
_STORE = "gz"
_STORE_LIST = "gz.pickle"  # digest -> the file of _STORE as written (kept.Written, of the digest)
#: What the last build made of the shards beside Pagefind's index (see IndexCache.shard).
_SHARDS = "shards.pickle"
_PENDING = "pending-"


@dataclass(slots=True)
class _Run:
    """What one index build used and made, until the build is published (`IndexCache.commit`) or fails."""

    scratch: Path
    """the build's scratch folder, where the tokens of the parts to be indexed are written"""
    kept: set[str] = field(default_factory=set)
    """the entries it reused"""
    fresh: dict[int, str] = field(default_factory=dict)
    """part number -> key, of the parts it indexed"""
    words: list[Path] = field(default_factory=list)
    """each part's folder of words (see `tables`)"""
    pending: Path | None = None
    """their entries, complete, waiting for the build to be published"""
    gz: dict[bytes, Written] = field(default_factory=dict)
    """the compressed files it wrote, by their uncompressed bytes' digest: their links in `store`"""
    gz_used: set[bytes] = field(default_factory=set)
    """the compressed files of _STORE it used"""
    gz_known: frozenset[bytes] | None = None
    """those of _STORE that are as written, when it first asked"""
    store: Path | None = None
    """where it links the files it wrote, waiting for the build to be published"""
    documents: list[bytes] | None = None
    """each record's _document_key, in order"""
    shards: dict[bytes, bytes | int] = field(default_factory=dict)
    """what it made of its shards beside Pagefind's index, for the next (see `shard`)"""
    pagefind: Path | None = None
    """a Pagefind output of this version kept, whose script and entry the merge can take (see `shell`)"""


class IndexCache:
    """The index's work kept in `folder` (None: nothing kept, everything computed) for builds of the same
    `version` of gongbao, and of Pagefind: a part whose documents did not change is not indexed again, a
    document that did not change is not tokenised again, and a file whose bytes did not change is not
    compressed again.

    A part's entry is named by a digest of its number and its documents' token inputs (title, 文号, text),
    so it stands for the same Pagefind page. An entry that cannot be read is computed again. The cache
    changes only when the build that used it is published (`commit`), and then holds only what that
    build used; a build that fails leaves it as it was (`discard`). Index builds hold `lock`."""

    def __init__(self, folder: Path | None, version: str = ""):
        self.folder = folder
        self.version = f"{version}\0{_pagefind_version()}\0{FAST_COMPRESSOR}" if folder else ""
        # Pagefind's files kept apart, for this version (see `shell`)
        self._shell = folder / (_SHELL + hashlib.sha1(self.version.encode()).hexdigest()[:16]) if folder else None
        self.lock = threading.Lock()
        self._gz_lock = threading.Lock()  # an index writes its shards and its chunks on two threads
        self._store: dict[bytes, Written] | None = None  # _STORE_LIST, read once
        self._shards: dict[bytes, bytes | int] | None = None  # _SHARDS, read once
        self._run = _Run(Path())
        self._done: list[_Run] = []

    @property
    def reused(self) -> int:
        """Parts whose Pagefind output the current build took from the cache."""
        return len(self._run.kept)

    def tokens(self, records: Sequence[SearchRecord], parts: list[range], scratch: Path, workers: Workers | None = None,
               ahead: TokensAhead | None = None) -> Iterator[tuple[int, Path | Modelled | None, Iterator[Tokens]]]:
        """For each part: its number, its index kept (Pagefind's output, or what tables.py made; None: its page is
        to be indexed) and its documents' tokens, computed on `workers` but those `ahead` has; the parts to be
        indexed first, each in order. The tokens of the parts to be indexed are written into `scratch` (the build
        need not hold them). Close it to drop the jobs not begun before it is exhausted."""
        run = self._run = _Run(scratch)
        if self.folder is None:
            run.words = [scratch / f"tokens{k}" / _WORDS for k in range(len(parts))]
            computed = _computed(records, workers, ahead)
            try:
                for k, part in enumerate(parts):
                    yield k, None, (next(computed) for _ in part)
            finally:
                computed.close()
            return
        docs = run.documents = [_document_key(r) for r in records]
        keys = [self._part_key(k, docs[p.start:p.stop]) for k, p in enumerate(parts)]
        present = [k for k, key in enumerate(keys) if self._present(key)]
        run.pagefind = self._shell_kept() or next(
            (o for k in present if (o := self._entry(keys[k]) / _PAGEFIND).joinpath(ENTRY).is_file()), None)
        run.words = [scratch / f"tokens{k}" / _WORDS for k in range(len(parts))]
        # The parts to be indexed come first: their tables are made on the workers while the kept parts are read.
        changed = sorted(set(range(len(parts))) - set(present))
        known = self._former(docs, [parts[k] for k in changed], set(keys))
        missing = [records[n] for k in changed for n in parts[k] if docs[n] not in known]
        computed = _computed(missing, workers, ahead)
        try:
            for k in changed:
                yield k, None, iter(self._fresh(k, keys[k], [known[docs[n]] if docs[n] in known else next(computed)
                                                           for n in parts[k]], docs[parts[k].start:parts[k].stop]))
            for k in present:
                stored = self._stored(keys[k])
                if stored is None:  # damaged since it was found: its tokens are computed now
                    with contextlib.closing(_computed([records[n] for n in parts[k]], workers, None)) as again:
                        yield k, None, iter(self._fresh(k, keys[k], list(again), docs[parts[k].start:parts[k].stop]))
                    continue
                run.kept.add(keys[k])
                run.words[k] = self._entry(keys[k]) / _WORDS
                yield k, stored[1], iter(stored[0])
        finally:
            computed.close()

    def _fresh(self, k: int, key: str, tokens: list[Tokens], docs: list[bytes]) -> list[Tokens]:
        """The tokens of part `k`, to be indexed, written into the scratch folder (the build need not hold them)."""
        folder = self._run.scratch / f"tokens{k}"
        write_kept(folder / _TOKENS, self.version, [(doc, *t[1:]) for doc, t in zip(docs, tokens)])
        write_kept(folder / _LINES, self.version, [t[0] for t in tokens])
        self._run.fresh[k] = key
        return tokens

    @property
    def shell(self) -> Path | None:
        """A Pagefind output of this version kept by the cache, if there is one: the merge takes Pagefind's entry,
        meta index, script and WebAssembly from it, and the build need not run Pagefind at all."""
        return self._run.pagefind

    def index_job(self, part: int, page: str, rows: bytes) -> PartJob:
        """tables.index_part for part `part` of the current build, to be run (on other processes)."""
        return PartJob(part, page, rows, self._run.words[part], self.version)

    def made(self, outputs: Sequence[Path | Modelled], shell: Path | None = None) -> None:
        """The index is made from `outputs` (Pagefind's, or tables.py's, of every part, in order) and, if the cache
        kept none, Pagefind's files from `shell` (see `shell`): the entries of the parts indexed, and those files,
        are set aside for `commit`."""
        run = self._run
        if self.folder is None:
            return
        if run.fresh or shell is not None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                run.pending = Path(tempfile.mkdtemp(prefix=_PENDING, dir=self.folder))
                if shell is not None:
                    _copy_shell(shell, run.pending / _SHELL_MADE)
                for k, key in run.fresh.items():
                    shutil.move(run.scratch / f"tokens{k}", run.pending / key)
                    output = outputs[k]
                    if isinstance(output, Modelled):
                        if write_kept(run.pending / key / _MODELLED, self.version, output) is None:
                            raise OSError(f"cannot write {run.pending / key / _MODELLED}")
                    else:
                        shutil.move(output, run.pending / key / _PAGEFIND)
            except OSError:  # a cache that cannot be written only means more work next time
                run.fresh = {}
        self._done.append(run)

    def tables(self) -> WordTables:
        """Where the merge of the current build reads the words of each part, or keeps them for the next builds:
        in the part's entry (those of a part indexed anew go there with its output, see `made`; without a cache
        folder, in the build's scratch folder). A kept part's words missing or damaged are read from its Pagefind
        output and written again, before `commit`: they are made of the output beside them, whichever build
        writes them."""
        return WordTables(self._run.words, self.version)

    def gz(self, data: bytes) -> tuple[bytes, bytes]:
        """`data` gzipped as layout.GZIP_LEVEL says, compressed again only if the last build did not; with its key
        for `gz_write`."""
        key = digest(data) if self.folder is not None else b""
        return key, self.gz_take(key, None if self.known(key) else compress(data))

    def gz_known(self) -> frozenset[bytes]:
        """merge.Compressed: the digests of the files compressed by the last build (those still as it wrote them),
        or by this one."""
        if self.folder is None:
            return frozenset()
        with self._gz_lock:
            return self._stored_intact() | self._run.gz.keys()

    def known(self, key: bytes) -> bool:
        """Whether `key` is in gz_known() (without making that set, for each of thousands of shards)."""
        if self.folder is None:
            return False
        with self._gz_lock:
            return key in self._run.gz or key in self._stored_intact()

    def _stored_intact(self) -> frozenset[bytes]:
        """The files of _STORE still as the last build wrote them, when the current build first asks (under
        _gz_lock)."""
        run = self._run
        if run.gz_known is None:
            assert self.folder is not None
            store = self.folder / _STORE
            run.gz_known = frozenset(key for key, w in self._store_list().items() if w.intact(store / key.hex()))
        return run.gz_known

    def gz_take(self, key: bytes, data: bytes | None) -> bytes:
        """merge.Compressed: the compressed file of digest `key`, `data` or, if None, the one kept (see gz_known)."""
        if data is not None:
            return data
        try:
            return self._gz_path(key).read_bytes()
        except OSError as exc:  # removed by hand since gz_known: the build starts again, keeping nothing
            raise KeptMissing(f"a compressed file kept by the cache is gone ({exc})") from exc

    def gz_write(self, key: bytes, data: bytes, path: Path) -> None:
        """merge.Compressed: put the compressed file of digest `key` (gz_take's `data`) at `path`, a new name: linked
        to the file kept if there is one, else written and kept for the next builds (see _STORE)."""
        run = self._run
        if self.folder is None or not key:
            path.write_bytes(data)
            return
        if self.known(key):
            if key not in run.gz:
                with self._gz_lock:
                    run.gz_used.add(key)
            with contextlib.suppress(OSError):  # (another file system: written instead)
                os.link(self._gz_path(key), path)
                return
        path.write_bytes(data)
        with self._gz_lock:
            self._keep_written(key, path)

    def gz_keep(self, key: bytes, path: Path) -> None:
        """merge.Compressed: the compressed file of digest `key`, written at `path`, is kept for the next builds."""
        if self.folder is not None and key:
            with self._gz_lock:
                self._keep_written(key, path)

    def _keep_written(self, key: bytes, path: Path) -> None:
        """Link the file just written at `path` into this build's pending store (under _gz_lock)."""
        run = self._run
        assert self.folder is not None
        if key in run.gz or key in run.gz_used:
            return
        try:
            if run.store is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                run.store = Path(tempfile.mkdtemp(prefix=_PENDING + _STORE + "-", dir=self.folder))
            kept = run.store / key.hex()
            try:
                os.link(path, kept)
            except OSError:
                shutil.copyfile(path, kept)
            run.gz[key] = Written.of(key, kept)
        except OSError:  # a cache that cannot be written only means more work next time
            pass

    def record_keys(self, records: Sequence[SearchRecord], fields: Callable[[SearchRecord], bytes]) -> list[bytes] | None:
        """A digest of each record of the current build: of its token inputs and `fields` (what else its shards say
        of it); None without a cache folder (nothing is kept)."""
        documents = self._run.documents
        if self.folder is None or documents is None or len(documents) != len(records):
            return None
        return [digest(d + fields(r)) for d, r in zip(documents, records)]

    def shard(self, key: bytes) -> bytes | int | None:
        """What the last build made (`made_shard`) of the shard, or item, of this key, if it is still to be had: a
        shard's compressed file's digest (gz_known), an item's size."""
        if self.folder is None:
            return None
        with self._gz_lock:
            if self._shards is None:
                kept = read_kept(self.folder / _SHARDS, self.version)
                self._shards = kept if isinstance(kept, dict) else {}
        value = self._shards.get(key)
        return None if isinstance(value, bytes) and not self.known(value) else value

    def made_shard(self, key: bytes, value: bytes | int) -> None:
        """What this build made of the shard, or item, of this key (see `shard`), for the next."""
        if self.folder is not None:
            self._run.shards[key] = value

    def _gz_path(self, key: bytes) -> Path:
        assert self.folder is not None
        run = self._run
        return run.store / key.hex() if key in run.gz and run.store is not None else self.folder / _STORE / key.hex()

    def _store_list(self) -> dict[bytes, Written]:
        """_STORE_LIST (read once)."""
        if self._store is None:
            assert self.folder is not None
            listed = read_kept(self.folder / _STORE_LIST, self.version)
            self._store = listed if isinstance(listed, dict) else {}
        return self._store

    def commit(self) -> None:
        """The build that made the index was published: keep what it made and used, and nothing else."""
        with self.lock:
            done, self._done = self._done, []
            if self.folder is None or not done:
                return
            kept = set().union(*(run.kept for run in done))
            with contextlib.suppress(OSError):
                (self.folder / _PARTS).mkdir(exist_ok=True)
            for run in done:
                for key in run.fresh.values():
                    try:
                        os.replace(run.pending / key, self._entry(key))  # type: ignore[operator]
                    except OSError:
                        continue
                    kept.add(key)
            for path in self._entries():
                if path.name not in kept:
                    shutil.rmtree(path, ignore_errors=True)
            self._keep_shell([*(run.pending / _SHELL_MADE for run in done if run.pending is not None),
                              *(self._entry(key) / _PAGEFIND for key in sorted(kept))])
            self._commit_store(done)
            for path in self.folder.glob(_PENDING + "*"):  # these builds' and those of builds killed before
                shutil.rmtree(path, ignore_errors=True)

    def _commit_store(self, done: list[_Run]) -> None:
        """Keep in _STORE the compressed files the published builds used or wrote, and no others (under the lock)."""
        assert self.folder is not None
        store, before = self.folder / _STORE, self._store_list()
        kept = {key: before[key] for run in done for key in run.gz_used if key in before}
        with contextlib.suppress(OSError):
            store.mkdir(exist_ok=True)
        for run in done:
            for key, written in run.gz.items():
                if key in kept or run.store is None:
                    continue
                with contextlib.suppress(OSError):
                    os.replace(run.store / key.hex(), store / key.hex())
                    kept[key] = written
        names = {key.hex() for key in kept}
        with contextlib.suppress(OSError):
            for name in os.listdir(store):
                if name not in names:
                    (store / name).unlink()
        if kept != before:
            write_kept(self.folder / _STORE_LIST, self.version, kept)
        self._store = kept
        shards = {key: value for run in done for key, value in run.shards.items()}
        if shards and shards != self._shards:
            write_kept(self.folder / _SHARDS, self.version, shards)
            self._shards = shards

    def discard(self) -> None:
        """The build that made the index failed: the cache stays as it was."""
        with self.lock:
            done, self._done = self._done, []
            if all(run is not self._run for run in done):  # (failed before its index was made)
                done.append(self._run)
            for run in done:
                for pending in (run.pending, run.store):
                    if pending is not None:
                        shutil.rmtree(pending, ignore_errors=True)
                run.pending = run.store = None
            if self.folder is not None:
                with contextlib.suppress(OSError):
                    self.folder.rmdir()  # if the build made it: it holds nothing

    def forget(self) -> None:
        """Delete every part and compressed file kept (one gave an index that could not be read, or was gone)."""
        for path in self._entries():
            shutil.rmtree(path, ignore_errors=True)
        if self.folder is not None:
            shutil.rmtree(self.folder / _STORE, ignore_errors=True)
            (self.folder / _STORE_LIST).unlink(missing_ok=True)
            self._store = {}

    def _entry(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / _PARTS / key

    def _entries(self) -> list[Path]:
        folder = self.folder / _PARTS if self.folder else None
        return sorted(folder.iterdir()) if folder and folder.is_dir() else []

    def _part_key(self, number: int, docs: Sequence[bytes]) -> str:
        h = hashlib.sha1(f"{self.version}\0{number}\0".encode())
        for doc in docs:
            h.update(doc)
        return h.hexdigest()

    def _present(self, key: str) -> bool:
        """Whether the entry of this key holds its files (without reading them: see _stored)."""
        entry = self._entry(key)
        return (entry / _TOKENS).is_file() and ((entry / _PAGEFIND / ENTRY).is_file() or (entry / _MODELLED).is_file())

    def _stored(self, key: str) -> tuple[list[Tokens], Path | Modelled] | None:
        entry = self._entry(key)
        output: Path | Modelled | None = entry / _PAGEFIND
        if not (entry / _PAGEFIND / ENTRY).is_file():
            output = read_kept(entry / _MODELLED, self.version)  # type: ignore[assignment]
            if not isinstance(output, Modelled) or not all((entry / _WORDS / f"{s}.pickle").is_file() for s in ALPHABET):
                return None
        kept = read_kept(entry / _TOKENS, self.version)
        return ([("", *t) for _, *t in kept], output) if isinstance(kept, list) else None

    def _shell_kept(self) -> Path | None:
        return self._shell if self._shell is not None and (self._shell / ENTRY).is_file() else None

    def _keep_shell(self, outputs: list[Path]) -> None:
        """Keep the files of one of Pagefind's `outputs` (those of the entries kept) that every part's index can
        borrow, once for each version (at commit, under the lock)."""
        assert self.folder is not None and self._shell is not None
        shell = self._shell
        for path in self.folder.glob(_SHELL + "*"):
            if path != shell:
                shutil.rmtree(path, ignore_errors=True)
        source = next((o for o in outputs if (o / ENTRY).is_file()), None)
        if (shell / ENTRY).is_file() or source is None:
            return
        partial = self.folder / (_PENDING + "shell")
        try:
            shutil.rmtree(partial, ignore_errors=True)
            _copy_shell(source, partial)
            os.replace(partial, shell)
        except OSError:  # the next build runs Pagefind once more
            shutil.rmtree(partial, ignore_errors=True)

    def _former(self, docs: list[bytes], changed: list[range], keys: set[str]) -> dict[bytes, Tokens]:
        """The tokens kept by entries this build does not use (the parts' former versions) of the
        documents of the changed parts."""
        wanted = {docs[n] for part in changed for n in part}
        known: dict[bytes, Tokens] = {}
        for entry in self._entries() if wanted else ():
            if entry.name in keys:
                continue
            kept, lines = read_kept(entry / _TOKENS, self.version), read_kept(entry / _LINES, self.version)
            if isinstance(kept, list) and isinstance(lines, list) and len(kept) == len(lines):
                known.update({doc: (line, *t) for (doc, *t), line in zip(kept, lines) if doc in wanted})
        return known


class KeptMissing(SearchIndexError):
    """A file the cache kept was gone when the build came to use it."""


def _copy_shell(output: Path, folder: Path) -> None:
    """Copy the files of Pagefind's `output` that every index borrows (see IndexCache.shell) into a new `folder`."""
    folder.mkdir()
    for pattern in _SHELL_FILES:
        for path in output.glob(pattern):
            shutil.copyfile(path, folder / path.name)


def _pagefind_version() -> str:
    try:
        return metadata.version("pagefind_bin")
    except metadata.PackageNotFoundError:
        return ""


def _document_key(record: SearchRecord) -> bytes:
    """Of what document_tokens reads of a record."""
    return _text_key(record.title, record.doc_number, record.text_digest or digest(record.text.encode()))


def _text_key(title: str, doc_number: str | None, text_digest: bytes) -> bytes:
    """Of a document's title, 文号 and text, given by its digest (SearchRecord.text_digest)."""
    return digest(f"{title}\0{doc_number}\0".encode() + text_digest)


class TokensAhead:
    """Documents' tokens computed on the index's workers before the index asks for them: while the build renders
    the bodies, a single-threaded stage that left the other cores idle (build._publish). On the corpus that is
    every document's tokens, 2.7 CPU seconds, most of them done by the time the index starts. Held until the
    index takes them (about 3 bytes for a character of text: the build does this only for a site whose index it
    makes beside its pages, see build.BESIDE_CHARS)."""

    CHUNK = 16
    """Documents sent to a worker at a time."""

    def __init__(self, workers: Workers):
        self.workers = workers
        self._chunks: collections.deque[list[tuple[bytes, tuple[str, str | None, str]]]] = collections.deque([[]])
        self._running: list[concurrent.futures.Future[list[Tokens]]] = []  # sent, maybe not done
        self._sent: dict[bytes, tuple[concurrent.futures.Future[list[Tokens]], int]] = {}

    def add(self, title: str, doc_number: str | None, text: str, text_digest: bytes = b"") -> None:
        """A document the index will ask for (its text: a body's plain text, as its search record takes it, and the
        text's digest if it is known)."""
        encoded = text.encode()
        # a copy of the text is pickled (see _copy_text)
        self._chunks[-1].append((_text_key(title, doc_number, text_digest or digest(encoded)),
                                 (title, doc_number, encoded.decode())))
        if len(self._chunks[-1]) == self.CHUNK:
            self._chunks.append([])
            # One core is left to the build, which renders the bodies meanwhile: a chunk waits until a job is done.
            self._running = [f for f in self._running if not f.done()]
            self._send(max(1, self.workers.count - 1) - len(self._running))

    def flush(self) -> None:
        """Send every document added (the index asks for them now); but if none was sent yet, fewer than CHUNK were
        added (a cached build's few bodies rendered anew): the index computes those itself, at once, rather than wait
        for a process still starting (0.2-0.3 s after one body edit on the corpus)."""
        if not self._sent:
            self._chunks = collections.deque([[]])
            return
        self._send(len(self._chunks))

    def _send(self, chunks: int) -> None:
        while chunks > 0 and self._chunks and self._chunks[0]:
            chunk = self._chunks.popleft()
            future = self.workers.submit(_text_tokens, [args for _, args in chunk])
            self._running.append(future)
            self._sent.update((key, (future, n)) for n, (key, _) in enumerate(chunk))
            chunks -= 1
        if not self._chunks:
            self._chunks.append([])

    def has(self, key: bytes) -> bool:
        """Whether the document of this key was sent (see `flush`)."""
        return key in self._sent

    def take(self, key: bytes, keep: bool = False) -> Tokens:
        """The tokens of the document of this key (_document_key), which `has`; not kept after, unless `keep`."""
        future, n = self._sent[key] if keep else self._sent.pop(key)
        return future.result()[n]



def _text_tokens(documents: list[tuple[str, str | None, str]]) -> list[Tokens]:
    return [text_tokens(*d) for d in documents]


def _computed(records: Sequence[SearchRecord], workers: Workers | None, ahead: TokensAhead | None) -> Iterator[Tokens]:
    """document_tokens of each record in order: taken from `ahead` where it has them, computed on `workers`
    (or the generator's own processes) where not."""
    if ahead is None:
        yield from process_map(document_tokens, records, _PARALLEL_DOCUMENTS, chunksize=16, sent=_copy_text,
                               workers=workers)
        return
    ahead.flush()
    keys = [_document_key(r) for r in records]
    uses = collections.Counter(key for key in keys if ahead.has(key))  # two documents may say the same
    rest = [r for r, key in zip(records, keys) if key not in uses]
    computed = process_map(document_tokens, rest, _PARALLEL_DOCUMENTS, chunksize=16, sent=_copy_text, workers=workers)
    try:
        for key in keys:
            if key in uses:
                uses[key] -= 1
                yield ahead.take(key, keep=uses[key] > 0)
            else:
                yield next(computed)
    finally:
        computed.close()


def _copy_text(record: SearchRecord) -> SearchRecord:
    """The record with a copy of its text, to be pickled for a worker: pickling a string attaches a
    UTF-8 copy to it for as long as it lives (1.5 times the size of Chinese text), which the build's
    own texts, kept to the end, must not gain."""
    return dataclasses.replace(record, text=record.text.encode().decode())

