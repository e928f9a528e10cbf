"""Other processes for the build: map() on a pool for the index's many independent jobs, and children
that die with the build."""

from __future__ import annotations

import concurrent.futures
import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Generator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


def die_with_parent(parent: int) -> None:
    """In a child process: be killed as soon as the build's process ends, even by SIGKILL (Linux)."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the build ended before the line above: nothing would kill this child
            os._exit(1)


def process_map(fn: Callable[[T], R], items: Sequence[T], at_least: int, chunksize: int = 1,
                sent: Callable[[T], T] | None = None) -> Generator[R, None, None]:
    """map(fn, items) in order, on up to four other processes when there are at least `at_least`
    items and more than one core; close() it to end those processes before it is exhausted.
    `sent(item)`: what goes to the process in the item's stead, made just before it is sent.

    The processes are started afresh ("spawn"), not forked: a fork's resident memory is the build's
    (every body and page of the site, gigabytes at 100,000 documents), and each process would
    carry it, shared until touched and touched by reference counting. Started afresh, each holds
    only what it imports and the items it is given, whatever the size of the site. Items are sent
    a few chunks ahead of the results taken, never all at once: what waits is bounded too."""
    workers = min(os.cpu_count() or 1, 4)
    if len(items) < at_least or workers < 2:
        yield from map(fn, items)
        return
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        ahead: deque[concurrent.futures.Future[list[R]]] = deque()
        for start in range(0, len(items), chunksize):
            chunk = items[start:start + chunksize]
            ahead.append(pool.submit(_map, fn, [sent(x) for x in chunk] if sent else chunk))
            if len(ahead) > 2 * workers:
                yield from ahead.popleft().result()
        while ahead:
            yield from ahead.popleft().result()


def _map(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [fn(x) for x in chunk]
