"""The build's search stage: the records the index is made of, and the index put into the staged site (kept, deferred or made)."""

from __future__ import annotations

import gc
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from . import docnumber, urls
from .cache import Written
from .model import Document
from .relations import Library, status_changes
from .search import SearchIndexError, SearchRecord
from .search.layout import CHUNKS, PAGEFIND_DIR, SEARCH_DIR
from .search.parallel import Workers, trim_heap
from .search.recycle import Recycled
from .write import Staging, discard, files_under, move_into

if TYPE_CHECKING:
    from .search.reuse import IndexCache, TokensAhead


#: Where the chunks of Pagefind's index are, in the site.
CHUNKS_DIR = f"{SEARCH_DIR}/{PAGEFIND_DIR}/{CHUNKS}/"


def search_records(library: Library, body_texts: Mapping[str, str],
                   text_digests: Mapping[str, bytes] | None = None) -> tuple[SearchRecord, ...]:
    """What the search stage indexes, newest first: every document of the collection with its body's text,
    and every document known only from a relation (未收录全文), by its 文号 and its title as cited, so
    that a citizen finds an ended document and is led to what ended it."""
    out = []
    for key in sorted([*library.documents, *library.referenced], key=library.sort_key, reverse=True):
        status = library.status[key].label
        changes = tuple((day.isoformat(), s.label) for day, s in status_changes(library, key))
        doc = library.documents.get(key)
        if doc is None:
            out.append(SearchRecord(
                url=urls.document(library.slug_of(key)), title=library.title_of(key), doc_number=key, issuers=(),
                doc_type=None, date=None, year=docnumber.year_of(key), status=status, status_changes=changes,
                gazette=None, text="", in_collection=False))
            continue
        out.append(SearchRecord(
            url=urls.document(doc.slug), title=doc.title, doc_number=doc.doc_number, issuers=doc.issuers,
            doc_type=doc.doc_type, date=doc.signed.isoformat(), year=doc.signed.year, status=status,
            status_changes=changes, gazette=library.gazettes[doc.gazette].label if doc.gazette else None,
            text=body_texts[key], text_digest=text_digests.get(key, b"") if text_digests else b""))
    return tuple(out)


class IndexAhead:
    """What the index of a build made beside its pages starts before it: its processes, and on them the tokens of
    each body rendered anew, while the build renders the bodies on one core (see TokensAhead). `close()` ends the
    processes once the index is made, or given up."""

    def __init__(self) -> None:
        self.workers: Workers | None = None
        self.tokens: TokensAhead | None = None

    def start(self) -> None:
        """Start the processes now, from this thread, which must outlive them (see Workers.start): a cached build
        whose content changed starts them before it renders, so that their imports (a third of a CPU second each)
        are done on the idle core by the time its index needs them. On the corpus, the index of a build after one
        body edit waited for them 0.2-0.5 s."""
        self._made().workers.start()

    def body(self, doc: Document, text: str, text_digest: bytes) -> None:
        """render_site's body_rendered."""
        self._made().add(doc.title, doc.doc_number, text, text_digest)

    def start_processes(self) -> None:
        """Only start the processes (see start), not the tokens' work: numpy is not imported yet."""
        if self.workers is None:
            self.workers = Workers()
        self.workers.start()

    def _made(self) -> TokensAhead:
        if self.tokens is None:
            from .search.reuse import TokensAhead  # (it needs numpy: see search's _LAZY)

            self.workers = self.workers or Workers()
            self.tokens = TokensAhead(self.workers)
        return self.tokens

    def close(self, cancel: bool = False) -> None:
        if self.workers is not None:
            self.workers.close(cancel)


class IndexStage:
    """The search index of one build in its staged site, and how (`finish`): "kept" (the records did not change),
    "deferred" (`defer`: the live index kept though the records changed, see Builder.follow_index) or "built".
    Built on a thread of its own from `start` on (the build renders its pages meanwhile, see build._publish), or
    in `finish`, until `finish` puts it in the staged site or `stop` gives it up. The thread writes only in a
    scratch folder of its own. `indexes()`: the index cache, asked for only when an index is made; `workers` and
    `ahead`: see IndexAhead."""

    def __init__(self, staging: Staging, live: Mapping[str, Written], records: tuple[SearchRecord, ...],
                 wanted: bytes, defer: bool, indexes: Callable[[], IndexCache | None], workers: Workers | None = None,
                 ahead: TokensAhead | None = None):
        self.staging = staging
        self.records = records
        self.wanted = wanted
        self.kept: tuple[list[str], str] | None = None
        self.scratch: Path | None = None
        self._indexes = indexes
        self._workers = workers
        self._ahead = ahead
        self._error: BaseException | None = None
        self._recycled: Recycled | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        current = bool(live) and next(iter(live.values())).fingerprint == wanted
        if current or (live and defer):
            kept = [name for name, w in live.items() if staging.keep(name, w.fingerprint)]
            if len(kept) == len(live):
                self.kept = kept, "kept" if current else "deferred"
                return
            for name in kept:  # a file of the live index was changed by hand: build it anew
                staging.drop(name)

    def start(self) -> None:
        """Make the index on a thread of its own from now on (if it is to be made)."""
        if self.kept is None and self.scratch is None:
            cache = self._begin()
            if self._workers is not None:
                self._workers.start()  # from this thread, which outlives the index's (see Workers.start)
            self._thread = threading.Thread(target=self._make, args=(cache,), name="index", daemon=True)
            self._thread.start()

    def _begin(self) -> IndexCache | None:
        # Inside the staging folder, so that a build killed meanwhile leaves one folder, which recover() removes.
        self.scratch = Path(tempfile.mkdtemp(prefix=".index-", dir=self.staging.path))
        # The chunks of the index before last, which the new index replaces: the merge may write its chunks into them.
        lent = self.staging.lend(CHUNKS_DIR)
        self._recycled = Recycled(self.staging.path / CHUNKS_DIR, tuple(lent)) if lent else None
        return self._indexes()

    def _make(self, cache: IndexCache | None) -> None:
        assert self.scratch is not None
        try:
            run_index(self.scratch, self.records, cache, self._stop, self._workers, self._ahead, self._recycled)
        except BaseException as exc:  # raised by finish(), on the build's thread
            self._error = exc

    def finish(self) -> tuple[list[str], str]:
        """Wait for the index, or make it now if it was not started; its files, added to the staged site, and how
        it was placed."""
        if self.kept is not None:
            return self.kept
        if self.scratch is None:
            _give_back_memory()
            self._make(self._begin())
        assert self.scratch is not None
        try:
            if self._thread is not None:
                self._thread.join()
            if self._error is not None:
                raise self._error
            return add_index(self.staging, self.scratch, self.wanted), "built"
        finally:
            discard(self.scratch)

    def stop(self) -> None:
        """Give the index up (the build failed): its thread ends at its next step, and its scratch folder goes."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.scratch is not None:
            discard(self.scratch)


def _give_back_memory() -> None:
    """Return to the system what the render stage freed (the pages' views and the bodies' HTML, kept only
    compressed after it: hundreds of MiB at 100,000 documents) before the index's processes start: held by
    the build, it would stay its size through the index stage, Pagefind's processes on top."""
    gc.collect()
    trim_heap()


def add_index(staging: Staging, scratch: Path, wanted: bytes) -> list[str]:
    """Move an index built in `scratch` into the staged site; its files."""
    indexed = files_under(scratch)
    move_into(scratch, staging.path)
    for name in indexed:
        staging.add(name, wanted)
    return indexed


def build_index(site: Path, records: tuple[SearchRecord, ...], cache: IndexCache | None,
                stop: threading.Event | None = None, workers: Workers | None = None,
                ahead: TokensAhead | None = None, recycled: Recycled | None = None) -> None:
    """search.build_index, imported only when an index is made (it needs numpy: see search's _LAZY). `recycled`:
    files the index may take for its chunks."""
    from .search.writer import build_index as write_index

    write_index(site, records, cache=cache, stop=stop, workers=workers, ahead=ahead, recycled=recycled)


def run_index(site: Path, records: tuple[SearchRecord, ...], indexes: IndexCache | None,
              stop: threading.Event | None = None, workers: Workers | None = None,
              ahead: TokensAhead | None = None, recycled: Recycled | None = None) -> None:
    try:
        build_index(site, records, cache=indexes, stop=stop, workers=workers, ahead=ahead, recycled=recycled)
    except (SearchIndexError, OSError):  # OSError: the disk's, which publishing() names
        raise
    except Exception as exc:  # any other failure around the external indexer ends the build cleanly
        raise SearchIndexError(str(exc) or type(exc).__name__) from exc
