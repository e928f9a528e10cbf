"""The jobs paused_build.py sends to the build's worker processes in place of gongbao's: a module of their own, which
a worker imports by name (workers never import the build's main module, see gongbao.search.parallel)."""

from __future__ import annotations

import sys
from typing import Any

import gongbao.search.reuse
import gongbao.search.tables


def pause(point: str) -> None:
    print(f"PAUSED {point}", flush=True)
    sys.stdin.readline()


def tokens_paused(record: Any) -> Any:
    """In a pool worker (the pool pickles this by name: a worker imports this module, not the build's main one)."""
    pause("tokens")
    return _document_tokens(record)


_document_tokens = gongbao.search.reuse.document_tokens


class PausedPartJob(gongbao.search.tables.PartJob):
    """On the process that indexes a part (pickled by name, as tokens_paused), once its tables are written."""

    __slots__ = ()

    def __call__(self, half: int | None = None) -> Any:
        result = super().__call__(half)
        pause("tables")
        return result
