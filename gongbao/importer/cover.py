"""Cover and TOC: 刊名 and 期号, the table of contents, 编辑委员会 and colophon; the 文件索引 at the end."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .. import docnumber
from .text import Block, Line, ReviewNote, block_text, blocks, squash, title_text, to_date

INDEX_ENTRY_RE = re.compile(r"^(?P<title>.+)[（(](?P<number>[^（）()]+〔\d{4}〕\d+号)[）)]$")
#: An entry of the 文件索引 wraps over at most this many blocks.
INDEX_ENTRY_BLOCKS = 4
PAGE_RE = re.compile(r"\d{1,3}$")
#: Characters of the leader between a table-of-contents title and its page.
LEADER = ".．…·"
LABEL_RE = re.compile(r"^(?P<label>[^：:]{1,20})[：:](?P<value>.*)$")
#: Labels of the colophon (版权页); the other “label：value” lines after 编辑委员会 name its members.
COLOPHON_LABELS = ("单位", "出版", "址", "话", "邮编", "编码", "网站", "网址", "传真", "邮箱", "印刷", "发行")

TocEntry = tuple[str, int | None]
"""(entry title, page)."""


@dataclass(frozen=True, slots=True)
class Cover:
    """What the cover pages say about the issue."""

    title: str
    year: int | None
    number: int | None
    total_number: int | None
    published: dt.date | None
    frequency: str | None
    remark: str | None
    toc: tuple[tuple[str, tuple[TocEntry, ...]], ...]
    """(section title, its entries) in printed order."""
    board: Mapping[str, str]
    """编辑委员会: role → names."""
    colophon: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One line of the 文件索引."""

    title: str
    doc_number: str
    line: int


@dataclass(frozen=True, slots=True)
class Index:
    """The 文件索引 list: its title and, per section, the documents it lists."""

    title: str
    groups: tuple[tuple[str, tuple[IndexEntry, ...]], ...]


def parse_cover(lines: tuple[Line, ...], sections: set[str], notes: list[ReviewNote]) -> Cover:
    texts = [ln for ln in lines if ln.text.strip()]
    title = texts[0].text.strip() if texts else ""
    year: int | None = None
    number: int | None = None
    total_number: int | None = None
    frequency: str | None = None
    remark: str | None = None
    toc_start = next((k for k, ln in enumerate(texts) if ln.text.strip() in sections), len(texts))
    board_start = next((k for k, ln in enumerate(texts) if squash(ln.text) == "编辑委员会"), len(texts))
    for ln in texts[1:toc_start]:
        t = ln.text.strip().strip("()（）")
        if m := re.match(r"^(\d{4})年第(\d+)期$", t):
            year, number = int(m[1]), int(m[2])
        elif m := re.match(r"^总第(\d+)期$", t):
            total_number = int(m[1])
        elif re.search(r"刊$", t) and len(t) <= 6:
            frequency = t
        elif ln.text.strip()[0] in "(（":
            remark = t
    # Table of contents: section lines, then entries ending in their page number.
    toc: list[tuple[str, list[TocEntry]]] = []
    # No section line (a cover cut short) means no table of contents.
    toc_from = texts[toc_start].no if toc_start < len(texts) else math.inf
    toc_until = texts[board_start].no if board_start < len(texts) else math.inf
    toc_blocks = blocks([ln for ln in lines if toc_from <= ln.no < toc_until])
    for block in toc_blocks:
        entries: list[list[Line]] = []
        for ln in block:
            if ln.text.startswith("- ") or not entries:
                entries.append([ln])
            else:
                entries[-1].append(ln)
        for entry in entries:
            text = squash("".join(ln.text.removeprefix("- ") for ln in entry))
            found = _toc_entry(text)
            if len(entry) == 1 and not found and len(text) <= 20:
                toc.append((text, []))
            elif found and toc:
                toc[-1][1].append(found)
            else:
                notes.append(ReviewNote(entry[0].no, "REVIEW-TOC", f"目录行“{text}”无法识别"))
    # Editorial board and colophon: “label：value” lines, a value may run on over the next lines.
    board: dict[str, str] = {}
    colophon: dict[str, str] = {}
    published: dt.date | None = None
    current: dict[str, str] | None = None
    label = ""
    for ln in texts[board_start + 1:]:
        m = LABEL_RE.match(ln.text.strip())
        if m:
            label = squash(m["label"])
            value = m["value"].strip().strip("<>")
            if label == "出版日期":
                published = to_date(value)
                current = None  # a date does not run on over the next line
                continue
            current = colophon if label.endswith(COLOPHON_LABELS) else board
            if label.endswith("网站"):
                label = "网站"
            current[label] = value
        elif current is not None:
            current[label] = f"{current[label]} {ln.text.strip()}"
    return Cover(title, year, number, total_number, published, frequency, remark,
                 tuple((section, tuple(entries)) for section, entries in toc),
                 {k: _names(v) for k, v in board.items()}, colophon)


def _toc_entry(text: str) -> tuple[str, int] | None:
    """(title, page) of a table-of-contents entry: its title, a leader of two or more dots or none,
    and the page (up to 3 digits). Found from the end, so a long leader costs no backtracking."""
    page = PAGE_RE.search(text)
    if page is None:
        return None
    head = text[:page.start()].rstrip()
    title = head.rstrip(LEADER) if len(head) - len(head.rstrip(LEADER)) >= 2 else head
    return (title, int(page[0])) if title else None


def _names(value: str) -> str:
    """Names separated by spaces; a two-character name set as 徐 梅 is one name."""
    tokens = value.split()
    out: list[str] = []
    pending: str | None = None
    for tok in tokens:
        if len(tok) == 1 and _is_cjk(tok):
            if pending is None:
                pending = tok
            else:
                out.append(pending + tok)
                pending = None
        else:
            if pending is not None:
                out.append(pending)
                pending = None
            out.append(tok)
    if pending is not None:
        out.append(pending)
    return " ".join(out)


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def parse_index(lines: tuple[Line, ...], sections: set[str], notes: list[ReviewNote]) -> Index:
    """The 文件索引 list: its title and, per section, (title, 文号, line).

    An entry may wrap over a few blocks; blocks that make no entry within INDEX_ENTRY_BLOCKS (or
    by the end) are reported, each run of them once, and not listed."""
    title = ""
    groups: list[tuple[str, list[IndexEntry]]] = []
    pending: list[Block] = []
    stray: list[Block] = []
    for block in blocks(lines)[1:]:
        text = block_text(block)
        if text in sections:
            _report_stray(stray, notes)
            groups.append((text, []))
            continue
        if not groups and not pending:
            title = title_text(" ".join(ln.text for ln in block))
            continue
        if len(pending) == INDEX_ENTRY_BLOCKS:
            stray += pending
            pending = []
        pending.append(block)
        m = INDEX_ENTRY_RE.match("".join(map(block_text, pending)))
        if m:
            _report_stray(stray, notes)
            groups[-1][1].append(IndexEntry(title_text(m["title"]), docnumber.normalize(m["number"]), pending[0][0].no))
            pending = []
    _report_stray(stray + pending, notes)
    return Index(title, tuple((section, tuple(entries)) for section, entries in groups))


def _report_stray(stray: list[Block], notes: list[ReviewNote]) -> None:
    """One note for a run of index blocks that are not entries; the run is then done with."""
    if stray:
        notes.append(ReviewNote(stray[0][0].no, "REVIEW-INDEX", f"文件索引第{stray[0][0].no}–{stray[-1][-1].no}行"
                                                               "不是“标题（文号）”形式，未列入索引，请核对"))
        stray.clear()
