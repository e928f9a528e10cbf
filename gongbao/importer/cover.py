"""Cover and TOC: 刊名 and 期号, the table of contents, 编辑委员会 and colophon; the 文件索引 at the end."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .. import docnumber
from .text import Line, ReviewNote, block_text, blocks, squash, title_text, to_date

TOC_ENTRY_RE = re.compile(r"^(?P<title>.+?)(?:[.．…·]{2,})?\s*(?P<page>\d{1,3})$")
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
            m = TOC_ENTRY_RE.match(text)
            if len(entry) == 1 and not m and len(text) <= 20:
                toc.append((text, []))
            elif m and toc:
                toc[-1][1].append((m["title"], int(m["page"])))
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


def parse_index(lines: tuple[Line, ...], sections: set[str]) -> Index:
    """The 文件索引 list: its title and, per section, (title, 文号, line)."""
    title = ""
    groups: list[tuple[str, list[IndexEntry]]] = []
    pending = ""
    pending_line = 0
    for block in blocks(lines)[1:]:
        text = block_text(block)
        if text in sections:
            groups.append((text, []))
            continue
        if not groups and not pending:
            title = title_text(" ".join(ln.text for ln in block))
            continue
        pending = pending + text if pending else text
        pending_line = pending_line or block[0].no
        m = re.match(r"^(?P<title>.+)[（(](?P<number>[^（）()]+〔\d{4}〕\d+号)[）)]$", pending)
        if m:
            if not groups:
                groups.append(("", []))
            groups[-1][1].append(IndexEntry(title_text(m["title"]), docnumber.normalize(m["number"]), pending_line))
            pending, pending_line = "", 0
    return Index(title, tuple((section, tuple(entries)) for section, entries in groups))
