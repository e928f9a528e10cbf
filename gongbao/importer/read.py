"""Read and decode: the source file's bytes → numbered lines, and the encoding they were written in."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from .text import Line


@dataclass(frozen=True, slots=True)
class Source:
    """An issue's extracted text as lines, before anything is parsed."""

    path: Path
    encoding: str
    """UTF-8, UTF-16 or GB18030: how the bytes were decoded."""
    lines: tuple[Line, ...]


def read_source(path: Path) -> Source:
    text, encoding = decode(path.read_bytes())
    return Source(path, encoding, tuple(Line(i + 1, t.rstrip()) for i, t in enumerate(text.splitlines())))


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding.

    Text extracted from a PDF is UTF-8, with or without a byte-order mark, unless a Windows tool
    saved it: then it is UTF-16 with a mark, or the legacy national encoding (GBK, which GB18030
    contains). Bytes that are not valid UTF-8 are read as GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "GB18030"
