"""Digests: fingerprints of values, and values worked out from long strings kept by identity from build to build."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import pickle
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def digest(data: bytes | memoryview) -> bytes:
    """Of content, to tell whether it changed (SHA-1: the fastest here; the cache is no security boundary)."""
    return hashlib.sha1(data).digest()


class Fingerprints:
    """Digests of values that are the same for equal values however they were built, and cheap when
    values share parts (one document's summary is on many pages): each frozen dataclass is digested
    once, then stands in by its digest. Parts are known by identity, so one instance serves one build.
    Long texts (bodies) stand in by their digest too, taken from `texts`, which outlives the build.
    `single`: types whose instances are each met once (a page's own view): digested each time, not kept.
    """

    def __init__(self, texts: TextDigests | None = None, single: tuple[type, ...] = ()) -> None:
        self.texts = texts or TextDigests()
        self.single = single
        self._parts: dict[int, bytes] = {}
        self._alive: list[object] = []
        """The parts digested: their ids stay theirs while they live."""

    def of(self, value: object) -> bytes:
        out = io.BytesIO()
        # Without the pickler's memo: with it, a string met twice is written once, so equal values
        # would pickle differently depending on which of their strings happen to be the same object.
        pickler = _PartsPickler(out, self)
        pickler.fast = True
        pickler.dump(value)
        return digest(out.getbuffer())

    def part(self, value: object, fields: FieldsOf) -> bytes:
        known = self._parts.get(id(value))
        if known is None:
            kind = type(value)
            known = self.of((kind.__module__, kind.__qualname__, fields(value, self.texts)))
            if not isinstance(value, self.single):
                self._parts[id(value)] = known
                self._alive.append(value)
        return known


class _PartsPickler(pickle.Pickler):
    def __init__(self, out: io.BytesIO, parts: Fingerprints):
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.parts = parts

    def reducer_override(self, obj: object) -> object:
        fields = _frozen_fields(type(obj))
        return NotImplemented if fields is None else (bytes, (self.parts.part(obj, fields),))


class ByIdentity(Generic[T]):
    """Values worked out from long strings, by the string's identity, from one build to the next: a body
    kept by the BodyCache (or by serve's unchanged files) is the same string object build after build, so
    its value is worked out once. Each string is held while its entry is, so its id is not another's."""

    def __init__(self) -> None:
        self._before: dict[int, tuple[str, T]] = {}
        self._now: dict[int, tuple[str, T]] = {}

    def of(self, text: str, work: Callable[[str], T]) -> T:
        entry = self._now.get(id(text)) or self._before.get(id(text))
        if entry is None or entry[0] is not text:
            entry = (text, work(text))
        self._now[id(text)] = entry
        return entry[1]

    def seed(self, text: str, value: T) -> None:
        """The value of `text`, worked out before (as `of` would work it out)."""
        self._now[id(text)] = (text, value)

    def next_build(self) -> None:
        """Forget the strings the last build did not use (the ones before it are gone)."""
        self._before, self._now = self._now, {}

    def clear(self) -> None:
        """Forget every string: no later build will ask for them."""
        self._before, self._now = {}, {}


class TextDigests(ByIdentity[bytes]):
    """Digests of long strings by identity (see ByIdentity): not taken again for every page every build."""

    #: Shorter strings are digested with the value that holds them.
    LONG = 2048

    @staticmethod
    def work(text: str) -> bytes:
        """The digest of `text`."""
        return digest(text.encode())

    def of(self, text: str, work: Callable[[str], bytes] | None = None) -> bytes:
        return super().of(text, work or TextDigests.work)


FieldsOf = Callable[[object, TextDigests], object]


@functools.cache
def _frozen_fields(kind: type) -> FieldsOf | None:
    """What makes up a frozen dataclass's value; None for any other type."""
    params = getattr(kind, "__dataclass_params__", None)
    if params is None or not params.frozen:
        return None
    names = [f.name for f in dataclasses.fields(kind)]
    return lambda value, texts: tuple(_unpickled_text(getattr(value, name), texts) for name in names)


def _unpickled_text(value: object, texts: TextDigests) -> object:
    """A string as its UTF-8 bytes (a long one as their digest), other values as they are. Pickling a
    string attaches a UTF-8 copy to it for as long as it lives (1.5 times the size of Chinese text): a
    fingerprint of every page would double the memory the build's bodies take."""
    if type(value) is not str:
        return value
    return texts.of(value) if len(value) >= TextDigests.LONG else value.encode()


def fingerprint(value: object, texts: TextDigests | None = None) -> bytes:
    """A digest of one value (see Fingerprints)."""
    return Fingerprints(texts).of(value)
