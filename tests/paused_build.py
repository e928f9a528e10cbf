"""`python paused_build.py POINT gongbao-args…`: `gongbao build` that stops at POINT, prints `PAUSED POINT`
and goes on when a line (or the end) arrives on stdin, so that a test can kill it, or start another, there.

The points, in the order a build meets them:
  recover   holding the output's lock, before cleaning up after earlier builds
  render    in the staging folder, before the pages are written
  tokens    in a pool worker, computing the first document's search tokens
  pagefind  with Pagefind running, on the page whose files every index takes (this point makes the build run it
            though the cache keeps those files)
  tables    on the process indexing a part by tables.py, its word tables written in the scratch folder
  swap      the staged site complete, before it replaces the old one
  swapped   the new site in place, the old one not yet removed
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import gongbao.build
import gongbao.search.reuse
import gongbao.write
from gongbao.cli import main
from gongbao.search.pagefind import Indexer
from paused_jobs import PausedPartJob, pause, tokens_paused


def before(point: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def paused(*args: Any, **kwargs: Any) -> Any:
        pause(point)
        return fn(*args, **kwargs)
    return paused


def after(point: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def paused(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        pause(point)
        return result
    return paused


if __name__ == "__main__":
    point, args = sys.argv[1], sys.argv[2:]
    if point == "recover":
        gongbao.write.recover = before(point, gongbao.write.recover)
    elif point == "render":
        gongbao.build.render_site = before(point, gongbao.build.render_site)
    elif point == "tokens":
        gongbao.search.reuse.document_tokens = tokens_paused
    elif point == "pagefind":
        Indexer.__init__ = after(point, Indexer.__init__)  # type: ignore[method-assign]
        gongbao.search.reuse.IndexCache.shell = property(lambda self: None)  # type: ignore[assignment]
    elif point == "tables":
        gongbao.search.reuse.PartJob = PausedPartJob  # type: ignore[misc]
    elif point == "swap":
        gongbao.write.replace_dir = before(point, gongbao.write.replace_dir)
    elif point == "swapped":
        gongbao.write.discard = before(point, gongbao.write.discard)
    else:
        raise SystemExit(f"unknown point {point!r}")
    main(["build", *args])
