"""Read and decode: the source file's bytes → numbered lines, their encoding, and what reading had to drop."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ImportRefused, SourceError
from .text import Line, ReviewNote

#: Text has at most this share of control characters; more means the bytes are binary data that
#: happened to decode.
MAX_CONTROL = 0.01
#: UTF-16 saved without a byte-order mark has a zero byte in every ASCII character (newlines, digits),
#: always on the same side of the pair: at least this share of the bytes, and 4 times as many as on
#: the other side (where U+xx00 characters such as 一 put theirs).
MIN_UTF16_ZEROS = 0.005
#: Control characters (Unicode category Cc) other than tab and line ends.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Page breaks from PDF tools (pdftotext ends each page with one): layout, not damage.
PAGE_BREAK = "\f"


@dataclass(frozen=True, slots=True)
class Source:
    """An issue's extracted text as lines, before anything is parsed."""

    path: Path
    encoding: str
    """UTF-8, UTF-16 or GB18030: how the bytes were decoded."""
    lines: tuple[Line, ...]
    notes: tuple[ReviewNote, ...]
    """What reading dropped: control characters, a last character the file cuts in half."""


def read_source(path: Path) -> Source:
    """The source's lines; ImportRefused when it cannot be read, is not text, or is empty."""
    try:
        data = path.read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise ImportRefused([SourceError(0, "I007", f"无法读取源文件：{exc}")]) from None
    decoded = decode(data)
    if decoded is None:
        raise ImportRefused([_not_text(data)])
    text, encoding, cut_short = decoded
    if not text.strip():
        raise ImportRefused([SourceError(0, "I002", "源文件是空的（或只有空白），不是一期公报的文本")])
    lines, notes = _lines(text)
    if cut_short:
        notes.append(ReviewNote(lines[-1].no, "REVIEW-TRUNCATED",
                                "源文件在此行中途结束，最后一个字符不完整，已舍去；其后的内容可能缺失，请核对纸质版"))
    return Source(path, encoding, lines, tuple(notes))


def decode(data: bytes) -> tuple[str, str, bool] | None:
    """(text, name of its encoding, whether the file ends inside a character), or None when no
    candidate encoding gives text.

    Text extracted from a PDF is UTF-8, with or without a byte-order mark, unless a Windows tool
    saved it: then it is UTF-16 (with a mark, or recognised by its zero bytes) or the legacy
    national encoding (GBK, which GB18030 contains). A byte-order mark decides; otherwise the
    candidates are tried in that order. A file cut short may end inside a character: that
    character is dropped rather than the whole file misread."""
    for codec, name, body in _candidates(data):
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            text = decoder.decode(body, final=False)
        except UnicodeDecodeError:
            continue
        if _is_text(text):
            return text, name, bool(decoder.getstate()[0])
    return None


def _candidates(data: bytes) -> list[tuple[str, str, bytes]]:
    """(codec, name, bytes to decode) in the order to try them."""
    for bom, codec, name in ((codecs.BOM_UTF8, "utf-8", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
                             (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16")):
        if data.startswith(bom):
            return [(codec, name, data[len(bom):])]
    even, odd = data[0::2].count(0), data[1::2].count(0)
    utf16 = [(codec, "UTF-16", data) for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd))
             if zeros >= MIN_UTF16_ZEROS * len(data) and zeros >= 4 * other]
    return [("utf-8", "UTF-8", data), *utf16, ("gb18030", "GB18030", data)]


def _is_text(text: str) -> bool:
    return len(CONTROL_RE.findall(text)) <= MAX_CONTROL * len(text)


def _not_text(data: bytes) -> SourceError:
    """I001 at the first byte that is not UTF-8, or for the whole file when it decodes but is binary."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return SourceError(line, "I001", f"第 {exc.start + 1} 个字节起不是 UTF-8 文本，按 UTF-16、GB18030 解码也不成：源文件不是提取的文本")
    return SourceError(0, "I001", "源文件含大量控制字符（如 NUL），是二进制数据而不是提取的文本")


def _lines(text: str) -> tuple[tuple[Line, ...], list[ReviewNote]]:
    """Lines as an editor's text editor numbers them (\\n, \\r\\n or \\r ends one), control characters removed."""
    lines: list[Line] = []
    notes: list[ReviewNote] = []
    for no, raw in enumerate(re.sub(r"\r\n?", "\n", text).removesuffix("\n").split("\n"), 1):
        if dropped := sorted({f"U+{ord(ch):04X}" for ch in CONTROL_RE.findall(raw) if ch != PAGE_BREAK}):
            notes.append(ReviewNote(no, "REVIEW-CONTROL", f"此行的控制字符 {'、'.join(dropped)} 已删除，请核对此处是否缺字"))
        lines.append(Line(no, CONTROL_RE.sub("", raw).rstrip()))
    return tuple(lines), notes
