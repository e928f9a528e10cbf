"""Shared by every stage: source lines and blocks, review notes, and the rules of a printed sentence."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReviewNote:
    """Something an editor must look at before publishing."""

    line: int
    """1-based line in the source text."""
    code: str
    """REVIEW-DISPLACED, REVIEW-CONTINUATION, REVIEW-GAP, REVIEW-TRUNCATED, REVIEW-NUMBERING, …"""
    message: str


@dataclass(frozen=True, slots=True)
class Line:
    """One source line: its 1-based number and its text (trailing whitespace removed)."""

    no: int
    text: str


Block = tuple[Line, ...]
"""Consecutive non-blank source lines: the text's own paragraphs, before any repair."""


# ---------------------------------------------------------------- patterns

_CN_DIGITS = "〇零一二三四五六七八九十百"
DATE_RE = re.compile(r"^\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*$")
DISCLOSURE_RE = re.compile(r"^\s*[（(](此件[^）)]*)[）)]\s*$")
NEXT_PAGE_RE = re.compile(r"[（(]下转第\s*(\d+)\s*页[）)]\s*$")
PREV_PAGE_RE = re.compile(r"^\s*[（(]上接第\s*(\d+)\s*页[）)]")
DOC_TYPE_RE = re.compile(r"的?(通知|通告|决定|意见|公告|命令|批复|通报|报告|函|纪要|办法|规定|决议)$")

#: Leading numbering of an item, by scheme: 一、 （一） 1. (1) ① — and decimal section numbers.
CN1_RE = re.compile(rf"^([{_CN_DIGITS}]+)、")
CN2_RE = re.compile(rf"^[（(]([{_CN_DIGITS}]+)[）)]\s*")
ARABIC_RE = re.compile(r"^(\d+)[.．]\s*(?!\d)")
PAREN_RE = re.compile(r"^[（(](\d+)[）)]\s*")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
DECIMAL_RE = re.compile(r"^(\d+(?:\.\d+)*)\s+(\S.*)$")
#: Characters that close a sentence; a paragraph ending otherwise continues on the next one.
TERMINAL = "。；！？：…"
CLOSERS = "）)”’」』】》"
#: A trailing （牵头单位…）/（责任单位…） parenthetical belongs to the item printed before it.
DUTY_RE = re.compile(r"^[（(](?:牵头单位|责任单位|主办单位|配合单位)[：:].*[）)]$")
ORGAN_SUFFIXES = ("政府", "办公室", "办公厅", "委员会", "委", "局", "厅", "部", "院", "中心", "指挥部", "公司")


# ---------------------------------------------------------------- lines and blocks


def to_date(text: str) -> dt.date | None:
    """The date a line such as 2024年6月13日 is; None when it is not one, or names a day that does not exist."""
    m = DATE_RE.match(text)
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


def blocks(lines: Iterable[Line]) -> list[Block]:
    out: list[Block] = []
    current: list[Line] = []
    for line in lines:
        if line.text.strip():
            current.append(line)
        elif current:
            out.append(tuple(current))
            current = []
    if current:
        out.append(tuple(current))
    return out


def block_text(block: Block) -> str:
    return "".join(line.text.strip() for line in block)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def concat(a: str, b: str) -> str:
    """Join two pieces of one sentence: no space in Chinese, one between two Latin words."""
    a, b = a.rstrip(), b.lstrip()
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def title_text(text: str) -> str:
    """A title as printed, without the spaces the page layout put into it.

    A space survives only between two issuing organs (中共中央办公厅 国务院办公厅关于…)."""
    parts = text.split()
    out = parts[0] if parts else ""
    for part in parts[1:]:
        head = part.split("关于", 1)[0]
        if "关于" in part and out.endswith(ORGAN_SUFFIXES) and head.endswith(ORGAN_SUFFIXES):
            out += " " + part
        else:
            out += part
    return out


# ---------------------------------------------------------------- sentences and numbering


def ends_sentence(text: str) -> bool:
    t = text.rstrip()
    if not t:
        return True
    if t[-1] in TERMINAL:
        return True
    if t.endswith("（略）"):
        return True
    while t and t[-1] in CLOSERS:
        if t[-1] in "）)" and DUTY_RE.search(_last_paren(t)):
            return True
        t = t[:-1]
        if t and t[-1] in TERMINAL:
            return True
    return False


def _last_paren(text: str) -> str:
    """The parenthesised group that closes the text, nested brackets included."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] in "）)":
            depth += 1
        elif text[i] in "（(":
            depth -= 1
            if depth == 0:
                return text[i:]
    return ""


def starts_item(text: str) -> bool:
    """Does the text open a numbered or bulleted item (so it cannot continue a sentence)?"""
    t = text.lstrip()
    return bool(CN1_RE.match(t) or CN2_RE.match(t) or ARABIC_RE.match(t) or PAREN_RE.match(t)
                or (t and t[0] in CIRCLED) or t.startswith("- ") or DECIMAL_RE.match(t) and heading_level(t))


def heading_level(text: str) -> int:
    """Markdown level of a standalone structural heading line, or 0 for ordinary text."""
    t = text.strip()
    m = DECIMAL_RE.match(t)
    if m and int(m[1].split(".")[0]) <= 30 and len(squash(m[2])) <= 30 and not re.search(r"[，。；：！？]", m[2]):
        return min(6, 2 + m[1].count(".") + 1)
    m = CN1_RE.match(t)
    if m and len(t) <= 30 and not re.search(r"[，。；：！？]", t):
        return 3
    m = CN2_RE.match(t)
    if m:
        rest = t[m.end():].rstrip("。")
        if len(rest) <= 40 and not re.search(r"[。；：！？]", rest):
            return 4
    return 0


def numbering(text: str) -> tuple[str, int] | None:
    """(scheme, number) of an item's leading numbering."""
    t = text.strip()
    if t.startswith("- "):
        t = t[2:]
    for scheme, rx, conv in (("cn1", CN1_RE, _cn_number), ("cn2", CN2_RE, _cn_number),
                             ("arabic", ARABIC_RE, int), ("paren", PAREN_RE, int)):
        m = rx.match(t)
        if m and (n := conv(m[1])) is not None:
            return scheme, n
    if t and t[0] in CIRCLED:
        return "circled", CIRCLED.index(t[0]) + 1
    return None


def _cn_number(text: str) -> int | None:
    """一 → 1, 十五 → 15, 二十三 → 23."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits["〇"] = 0
    if not text or any(c not in digits and c not in "十百" for c in text):
        return None
    total, current = 0, 0
    for c in text:
        if c == "百":
            total += (current or 1) * 100
            current = 0
        elif c == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = digits[c]
    return total + current
