"""map() on other processes, for the two steps of the index build that are many independent jobs."""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Callable, Generator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def process_map(fn: Callable[[T], R], items: Sequence[T], at_least: int, chunksize: int = 1) -> Generator[R, None, None]:
    """map(fn, items) in order, on up to four other processes when there are at least `at_least`
    items and more than one core; close() it to end those processes before it is exhausted."""
    workers = min(os.cpu_count() or 1, 4)
    if len(items) < at_least or workers < 2:
        yield from map(fn, items)
        return
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        yield from pool.map(fn, items, chunksize=chunksize)
