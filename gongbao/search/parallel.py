"""Other processes for the build: map() on a pool for the index's many independent jobs, and children
that die with the build."""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import gc
import importlib.machinery
import multiprocessing
import os
import signal
import sys
import threading
import types
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


#: The cyclic garbage collector's first threshold in gongbao's processes (Python's is 700 allocations). A build
#: allocates millions of objects that live to its end (loading the cache of the corpus alone makes 20,000 records)
#: and hardly any cycles: with 700, a cached build after one body edit ran 390 collections, 0.18-0.25 s of its own
#: process; with this, 8 collections, 0.06 s, and the same peak memory.
GC_THRESHOLD = 20_000


def settle_gc() -> None:
    """Collect cyclic garbage less often, in the build's process and in its workers (see GC_THRESHOLD)."""
    _, second, third = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, second, third)


def _start_worker(parent: int) -> None:
    settle_gc()
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """In a child process: be killed as soon as the build's process ends, even by SIGKILL (Linux)."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the build ended before the line above: nothing would kill this child
            os._exit(1)


class Workers:
    """Up to four other processes (no more than the cores), started afresh (see process_map) when a job first
    needs them and shared by the jobs of one search index (the documents' tokens, tables.py's parts, the merge):
    each process starts once, not once for each kind of job (a start costs a third of a CPU second, for the
    imports). `close()` ends them; with `cancel`, jobs not begun are dropped. `count`: how many (by default, as
    many as the cores, up to four)."""

    def __init__(self, count: int | None = None) -> None:
        self.count = count or min(os.cpu_count() or 1, 4)
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # jobs come from the build's threads
        self._started = False

    def submit(self, fn: Callable[..., R], *args: object) -> concurrent.futures.Future[R]:
        with self._lock:
            if self._pool is None:
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    self.count, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                    initargs=(os.getpid(),))
            # the pool starts its processes as jobs come, on this thread
            with _main_not_imported() if len(getattr(self._pool, "_processes", None) or ()) < self.count else \
                    contextlib.nullcontext():
                return self._pool.submit(_job, fn, *args)

    def start(self) -> None:
        """Start every process not started yet, from this thread, which must outlive them: Linux's parent-death
        signal (die_with_parent) follows the thread that started a child. Otherwise a job starts them as it needs
        them, on whichever thread it is sent from."""
        if self.count > 1 and not self._started:
            self._started = True
            for _ in range(self.count):
                self.submit(_ready)

    def close(self, cancel: bool = False) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=cancel)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        self.close(cancel=error is not None)


@contextlib.contextmanager
def _main_not_imported() -> Iterator[None]:
    """While processes are started: none imports the build's main module again. A process started afresh runs the
    script that started the build (the `gongbao` command's, build.py) under another name, and each import it makes:
    the whole of gongbao, Jinja, markdown-it, a quarter of a CPU second in each process, for jobs that need only
    the index's modules (imported as their functions arrive). multiprocessing skips a main module that is a
    package's __main__ (`python -m gongbao`): for as long as the processes start, the main module stands in as
    gongbao's."""
    main = sys.modules.get("__main__")
    stand_in = types.ModuleType("__main__")
    stand_in.__spec__ = importlib.machinery.ModuleSpec("gongbao.__main__", None)
    sys.modules["__main__"] = stand_in
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def process_map(fn: Callable[[T], R], items: Sequence[T], at_least: int, chunksize: int = 1,
                sent: Callable[[T], T] | None = None, workers: Workers | None = None, alone: bool = False
                ) -> Generator[R, None, None]:
    """map(fn, items) in order, on `workers` (by default, processes of its own) when there are at least `at_least`
    items and more than one core; close() it to drop the jobs not begun (and end its own processes) before it is
    exhausted. `sent(item)`: what goes to the process in the item's stead, made just before it is sent. `alone`:
    one chunk at a time (when a job's memory is large).

    The processes are started afresh ("spawn"), not forked: a fork's resident memory is the build's
    (every body and page of the site, gigabytes at 100,000 documents), and each process would
    carry it, shared until touched and touched by reference counting. Started afresh, each holds
    only what it imports and the items it is given, whatever the size of the site. Items are sent
    a few chunks ahead of the results taken, never all at once: what waits is bounded too."""
    if workers is None:
        if len(items) < at_least or (os.cpu_count() or 1) < 2:
            yield from map(fn, items)
            return
        with Workers() as own:
            yield from process_map(fn, items, at_least, chunksize, sent, own, alone)
        return
    if len(items) < at_least or workers.count < 2:
        yield from map(fn, items)
        return
    ahead: deque[concurrent.futures.Future[list[R]]] = deque()
    try:
        for start in range(0, len(items), chunksize):
            chunk = items[start:start + chunksize]
            ahead.append(workers.submit(_map, fn, [sent(x) for x in chunk] if sent else chunk))
            if len(ahead) > (0 if alone else 2 * workers.count):
                yield from ahead.popleft().result()
        while ahead:
            yield from ahead.popleft().result()
    finally:
        for future in ahead:
            future.cancel()


#: glibc's malloc_trim: free() keeps what it frees for the process, only the top of its heap goes back.
_malloc_trim = getattr(ctypes.CDLL(None), "malloc_trim", None) if sys.platform == "linux" else None


def trim_heap() -> None:
    """Give back to the system what this process freed (glibc keeps it otherwise); a no-op elsewhere."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _job(fn: Callable[..., R], *args: object) -> R:
    """fn(*args) in a worker, which then gives back to the system what the job freed: a worker runs jobs of
    every kind one after the other (a part's tables take 300 MiB on the corpus), and would keep the largest's."""
    try:
        return fn(*args)
    finally:
        trim_heap()


def _ready() -> None:
    """A process's first job: the imports of the index's jobs (numpy's among them), made while the build renders."""
    for name in ("merge", "reuse", "tables"):
        importlib.import_module(f"{__package__}.{name}")


def _map(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [fn(x) for x in chunk]
