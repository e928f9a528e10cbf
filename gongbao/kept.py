"""One value a build keeps in a file for the next: written whole or not at all, read back only by the same gongbao.
A module of its own, with nothing but the standard library: the index's worker processes read and write their
tables with it, and need not import the rest of the cache (the content's loader, Jinja, markdown-it)."""

from __future__ import annotations

import os
import pickle
import zlib
from pathlib import Path

_MAGIC = b"gongbao-cache 1\n"


def read_kept(path: Path, version: str, written: int | None = None) -> object | None:
    """What `write_kept` wrote with this version (and, if given, returned as `written`), or None if it is absent,
    damaged or from another gongbao."""
    try:
        data = path.read_bytes()
        head = _MAGIC + version.encode() + b"\n"
        payload = memoryview(data)[len(head) + 4:]
        check = int.from_bytes(data[len(head):len(head) + 4], "big")
        if not data.startswith(head) or check != zlib.crc32(payload) or written not in (None, check):
            return None
        return pickle.loads(payload)
    except Exception:  # unreadable, truncated, or classes this gongbao does not have: start afresh
        return None


def write_kept(path: Path, version: str, value: object) -> int | None:
    """Whole or not at all; returns the payload's checksum, or None if it can't be written (no error: the
    next build just does more work)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        check = zlib.crc32(payload)
        partial = path.with_suffix(".part")
        with partial.open("wb") as f:
            f.write(_MAGIC + version.encode() + b"\n" + check.to_bytes(4, "big"))
            f.write(payload)
        os.replace(partial, path)
        return check
    except OSError:
        return None
