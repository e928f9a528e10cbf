"""What a build keeps for the next: a value in a file, written whole or not at all and read back only by the same
gongbao; and a file it wrote, known by its stat. A module of its own, with nothing but the standard library: the
index's worker processes read and write their tables with it, and need not import the rest of the cache (the
content's loader, Jinja, markdown-it)."""

from __future__ import annotations

import operator
import os
import pickle
import zlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

_MAGIC = b"gongbao-cache 1\n"

T = TypeVar("T")


def quick_pickle(cls: type[T]) -> type[T]:
    """A frozen dataclass with slots, pickled as the tuple of its fields' values. The state functions dataclasses
    gives such a class look up its fields for every object: loading the corpus's cache (20,912 such objects) took
    0.33 s, 0.14 s of it in them."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    get = operator.attrgetter(*names)
    setter = object.__setattr__

    if len(names) > 1:
        def getstate(self: object) -> tuple[object, ...]:
            return get(self)  # type: ignore[no-any-return]
    else:  # attrgetter of one name gives the value, not a tuple of it
        def getstate(self: object) -> tuple[object, ...]:
            return (get(self),)

    def setstate(self: object, state: tuple[object, ...]) -> None:
        for name, value in zip(names, state):
            setter(self, name, value)

    cls.__getstate__ = getstate  # type: ignore[attr-defined]
    cls.__setstate__ = setstate  # type: ignore[attr-defined]
    cls.__quick_fields__ = {name: n for n, name in enumerate(names)}  # type: ignore[attr-defined]
    return cls


def quick_replace(obj: T, name: str, value: object) -> T:
    """dataclasses.replace(obj, name=value) for a quick_pickle class whose __init__ checks nothing, in a fifth of
    its time (which calls __init__ with every field by keyword): a cached build restores each document's record with
    its body this way (3,366 on the corpus: 0.07 s with replace)."""
    cls = type(obj)
    state = list(obj.__getstate__())  # type: ignore[attr-defined]
    state[cls.__quick_fields__[name]] = value  # type: ignore[attr-defined]
    new = object.__new__(cls)
    new.__setstate__(state)  # type: ignore[attr-defined]
    return new


@quick_pickle
@dataclass(frozen=True, slots=True)
class Written:
    """A file a build put in the site."""

    fingerprint: bytes
    """Of everything its bytes were made from: the same fingerprint, the same bytes."""
    stat: tuple[int, int, int]
    """Size, modification time and inode: the file is still the one written as long as they are unchanged."""

    @staticmethod
    def of(fingerprint: bytes, path: Path | str) -> Written:
        return Written(fingerprint, file_stat(path))

    def intact(self, path: Path | str) -> bool:
        try:
            return file_stat(path) == self.stat
        except OSError:
            return False


def file_stat(path: Path | str) -> tuple[int, int, int]:
    s = os.stat(path)
    return s.st_size, s.st_mtime_ns, s.st_ino


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
