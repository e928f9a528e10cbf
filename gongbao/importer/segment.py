"""Segment: the text split into cover, documents and index; each document's header, 文号, title and leftovers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from .. import docnumber
from .cover import Cover, Index, TocEntry
from .text import (DATE_RE, DISCLOSURE_RE, DOC_TYPE_RE, ORGAN_SUFFIXES, PREV_PAGE_RE, Block, Line, ReviewNote,
                   blocks, squash, title_text)

DOC_NUMBER_RE = re.compile(r"^\s*(?P<prefix>[\u3400-\u9fff]{2,12})〔(?P<year>\d{4})〕(?P<seq>\d+)号\s*$")
HEADER_RE = re.compile(r"^\s*[\u3400-\u9fff]{2,40}文件\s*$")
INDEX_TITLE_RE = re.compile(r"^文件(索引|检索)$")
#: A repeated page: at least this many non-blank lines, with at least this many characters, as before.
REPEAT_LINES = 3
REPEAT_CHARS = 50


@dataclass(frozen=True, slots=True)
class Regions:
    """Where the cover, each document and the 文件索引 lie in the text."""

    cover: tuple[Line, ...]
    documents: tuple[tuple[Line, ...], ...]
    index: tuple[Line, ...]
    sections: tuple[str, ...]
    """栏目: the running headers, in order of first appearance."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One document as found in the text; relocation returns new segments with their leftovers placed."""

    section: str
    doc_number: str
    title: str
    header_lines: tuple[int, ...]
    """Source lines of the running header, 文号 and title."""
    blocks: tuple[Block, ...]
    """Body blocks in source order (relocations append to them)."""
    continuations: tuple[tuple[Block, ...], ...] = ()
    """Each 上接第N页 block with what follows it: the tail of another document printed here."""
    orphan: tuple[Block, ...] = ()
    """Blocks after this document's 公开属性 that cannot belong to it."""
    forced_joins: frozenset[int] = frozenset()
    """Indexes i in `blocks` where block i continues block i-1 whatever the rules say."""
    page: int | None = None

    @property
    def issues_text(self) -> bool:
        """Does the document 印发 an attached text (方案, 预案, …) printed after its signature?"""
        return re.search(r"印发|转发|批转", self.title) is not None


def split_regions(lines: tuple[Line, ...], notes: list[ReviewNote]) -> Regions:
    """A running header followed (after blank lines) by a 文号 opens a document; 文件索引 ends the last.

    A header and 文号 with nothing after them, or with a 文号 that opened a document already (a
    page printed or extracted twice), open none: they are left as text of what comes before them."""
    nonblank = [ln for ln in lines if ln.text.strip()]

    def opens(k: int) -> bool:
        return k + 1 < len(nonblank) and bool(HEADER_RE.match(nonblank[k].text)
                                              and DOC_NUMBER_RE.match(nonblank[k + 1].text))

    starts: list[int] = []
    opened: dict[str, int] = {}
    for k in filter(opens, range(len(nonblank))):
        number, at = docnumber.normalize(nonblank[k + 1].text), nonblank[k + 1].no
        if number in opened:
            notes.append(ReviewNote(at, "REVIEW-DUPLICATE", f"{number} 已在第{opened[number]}行开始过一件公文，"
                                                            "此处疑为重复的页面；已作为前文的正文保留，请核对后删去"))
        elif k + 2 == len(nonblank) or opens(k + 2) or INDEX_TITLE_RE.match(squash(nonblank[k + 2].text)):
            notes.append(ReviewNote(at, "REVIEW-TITLE", f"{number} 之后没有标题和正文，不作为一件公文，"
                                                        "已作为前文的正文保留，请核对纸质版"))
        else:
            opened[number] = at
            starts.append(k)
    index_at = next((ln.no for ln in nonblank if INDEX_TITLE_RE.match(squash(ln.text))
                     and starts and ln.no > nonblank[starts[-1]].no), len(lines) + 1)
    bounds = [nonblank[k].no for k in starts] + [index_at]
    return Regions(lines[:bounds[0] - 1], tuple(lines[bounds[i] - 1:bounds[i + 1] - 1] for i in range(len(starts))),
                   lines[index_at - 1:], tuple(dict.fromkeys(nonblank[k].text.strip() for k in starts)))


def drop_repeats(lines: tuple[Line, ...], notes: list[ReviewNote]) -> tuple[Line, ...]:
    """The lines with the second copy of a repeated run blanked: a page printed (or extracted) twice.

    Single lines repeat by right (主送, 落款, running headers), and so may two; a run of
    REPEAT_LINES lines with REPEAT_CHARS characters does not. Blanking keeps every line's number."""
    nonblank = [ln for ln in lines if ln.text.strip()]
    texts = [squash(ln.text) for ln in nonblank]
    first: dict[tuple[str, ...], int] = {}
    dropped: set[int] = set()
    i = 0
    while i + REPEAT_LINES <= len(texts):
        key = tuple(texts[i:i + REPEAT_LINES])
        j = first.setdefault(key, i)
        if j + REPEAT_LINES > i or len("".join(key)) < REPEAT_CHARS:
            i += 1
            continue
        n = REPEAT_LINES
        while i + n < len(texts) and j + n < i and texts[j + n] == texts[i + n]:
            n += 1
        notes.append(ReviewNote(nonblank[i].no, "REVIEW-DUPLICATE",
                                f"第{nonblank[i].no}–{nonblank[i + n - 1].no}行与第{nonblank[j].no}–"
                                f"{nonblank[j + n - 1].no}行相同，疑为重复的页面，已删去这一份，请核对"))
        dropped.update(ln.no for ln in nonblank[i:i + n])
        i += n
    return tuple(Line(ln.no, "") if ln.no in dropped else ln for ln in lines)


def find_signature(body: tuple[Block, ...], start: int = 0) -> tuple[int, int] | None:
    """(first block, last block) of the next signature (机关 line + date line) from `start`."""
    for i in range(start, len(body)):
        block = body[i]
        for j, line in enumerate(block):
            if not DATE_RE.match(line.text):
                continue
            if j > 0 and _is_organ_line(block[j - 1].text):
                return i, i
            if j == 0 and i > start and _is_organ_line(body[i - 1][-1].text) and len(body[i - 1]) == 1:
                return i - 1, i
    return None


def date_lines(body: tuple[Block, ...]) -> Iterator[Line]:
    """Lines that are only a date: the date of a signature, whether or not its organ line survived."""
    return (line for block in body for line in block if DATE_RE.match(line.text))


def _is_organ_line(text: str) -> bool:
    t = text.strip()
    return 2 <= len(t) <= 40 and not re.search(r"[，。；：、！？《》\d]", t) and t.endswith(ORGAN_SUFFIXES)


def is_disclosure(block: Block) -> bool:
    return len(block) == 1 and bool(DISCLOSURE_RE.match(block[0].text))


def parse_segment(lines: tuple[Line, ...], notes: list[ReviewNote]) -> Segment:
    found = blocks(lines)
    flat = [line for block in found for line in block]
    section = flat[0].text.strip()
    number_line = flat[1]
    doc_number = docnumber.normalize(number_line.text)
    # The title runs from after the 文号 until it names its 文种 (通知, 决定, …).
    rest = [b for b in found if b[-1].no > number_line.no]
    if found[0][-1].no > number_line.no:  # header, 文号 and title in one block
        rest = [tuple(ln for ln in found[0] if ln.no > number_line.no)] + rest
    title_parts: list[Line] = []
    k = 0
    while k < len(rest) and k < 4:
        title_parts.extend(rest[k])
        k += 1
        if DOC_TYPE_RE.search(title_text(" ".join(ln.text for ln in title_parts))):
            break
    else:
        notes.append(ReviewNote(number_line.no, "REVIEW-TITLE", f"{doc_number}: 未找到以文种结尾的标题"))
    title = title_text(" ".join(ln.text for ln in title_parts))
    seg = Segment(section, doc_number, title,
                  (flat[0].no, number_line.no, *(ln.no for ln in title_parts)), tuple(rest[k:]))
    return _split_orphan(_split_continuation(seg), notes)


def _split_continuation(seg: Segment) -> Segment:
    starts = [i for i, block in enumerate(seg.blocks) if PREV_PAGE_RE.match(block[0].text)]
    if not starts:
        return seg
    return replace(seg, blocks=seg.blocks[:starts[0]],
                   continuations=tuple(seg.blocks[start:end] for start, end in zip(starts, starts[1:] + [len(seg.blocks)])))


def _split_orphan(seg: Segment, notes: list[ReviewNote]) -> Segment:
    """Set aside what follows a finished document and cannot be part of it.

    A document without an attached text ends with its 公开属性; one that 印发 a text ends with
    that text. Either way a second signature inside the segment means another document's
    fragment was printed here."""
    sig = find_signature(seg.blocks)
    if sig is None:
        return seg
    end = sig[1] + 1
    if end < len(seg.blocks) and is_disclosure(seg.blocks[end]):
        end += 1
    if not seg.issues_text:
        if end < len(seg.blocks):
            return replace(seg, blocks=seg.blocks[:end], orphan=seg.blocks[end:])
        return seg
    second = find_signature(seg.blocks, end)
    if second is not None:
        notes.append(ReviewNote(seg.blocks[second[1]][0].no, "REVIEW-ORPHAN",
                                f"{seg.doc_number} 的附件正文中出现第二个落款，无法判断其归属，请人工核对"))
    return seg


def paginate(segs: list[Segment], cover: Cover,
             notes: list[ReviewNote]) -> tuple[list[Segment], dict[str, list[TocEntry]]]:
    """Pages come from the table of contents, matched by title; the entries that match no document
    (a list printed in the issue, …) are returned by section."""
    by_title = {squash(s.title): i for i, s in enumerate(segs)}
    pages: dict[int, int | None] = {}
    non_docs: dict[str, list[TocEntry]] = {}
    for section, entries in cover.toc:
        for title, page in entries:
            at = by_title.get(squash(title))
            if at is not None:
                pages[at] = page
            else:
                non_docs.setdefault(section, []).append((title, page))
    out = [replace(seg, page=pages.get(i)) for i, seg in enumerate(segs)]
    for seg in out:
        if seg.page is None:
            notes.append(ReviewNote(seg.header_lines[1], "REVIEW-TOC", f"{seg.doc_number}: 目录中找不到此标题，页码未知"))
    return out, non_docs


def check_index(index: Index, segs: list[Segment], notes: list[ReviewNote]) -> None:
    """The index must list the same documents as the issue."""
    listed = {e.doc_number: e for _, group in index.groups for e in group}
    for seg in segs if listed else ():
        entry = listed.get(seg.doc_number)
        if entry is None:
            notes.append(ReviewNote(seg.header_lines[1], "REVIEW-INDEX", f"{seg.doc_number} 不在文件索引中"))
        elif squash(entry.title) != squash(seg.title):
            notes.append(ReviewNote(entry.line, "REVIEW-INDEX",
                                    f"{seg.doc_number}: 文件索引中的标题“{entry.title}”与正文标题“{seg.title}”不一致"))
