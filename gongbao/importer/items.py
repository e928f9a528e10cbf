"""Repair within a document, first step: its blocks classified into the items the Markdown is written from."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace

from .segment import Segment, find_signature, is_disclosure
from .text import (ARABIC_RE, DATE_RE, NEXT_PAGE_RE, PREV_PAGE_RE, Block, block_text, concat, ends_sentence,
                   heading_level, starts_item, title_text)


class ItemKind(enum.Enum):
    """What a block of the body is, which decides how it is checked, joined and written."""

    PARA = "para"
    HEADING = "heading"
    TITLE = "title"
    """The title of the text a document 印发, printed after its signature."""
    LIST = "list"
    TABLE = "table"
    ADDRESSEE = "addressee"
    """主送机关."""
    SIGNATURE = "signature"
    """落款: issuing organ and date."""
    DISCLOSURE = "disclosure"
    """公开属性."""
    ATTACHMENTS = "attachments"
    NOTE = "note"
    """An editor's note we insert where the source lost text or a figure."""


@dataclass(frozen=True, slots=True)
class Item:
    """One block of a document body as it will be written."""

    kind: ItemKind
    rows: tuple[str, ...]
    """Text rows; rows of one paragraph are printed with hard line breaks between them."""
    first: int
    last: int
    level: int = 0
    forced: bool = False
    """Continues the previous paragraph (stitched continuation or returned fragment)."""


def _clean(text: str) -> str:
    text = NEXT_PAGE_RE.sub("", text)
    return PREV_PAGE_RE.sub("", text).strip()


def _merge_rows(texts: list[str]) -> tuple[str, ...]:
    """Rows joined into one, except where a new numbered item starts after a finished sentence."""
    rows: list[str] = []
    for text in texts:
        if rows and not (ends_sentence(rows[-1]) and starts_item(text)):
            rows[-1] = concat(rows[-1], text)
        else:
            rows.append(text)
    return tuple(rows)


def _para_rows(block: Block) -> tuple[str, ...]:
    """The rows of a paragraph: lines joined, except where a new numbered item starts."""
    return _merge_rows([text for line in block if (text := _clean(line.text))])


def classify(seg: Segment) -> list[Item]:
    items: list[Item] = []
    sig = find_signature(seg.blocks)
    attached_title_at: int | None = None
    if sig is not None and seg.issues_text:
        after = sig[1] + 1
        if after < len(seg.blocks) and is_disclosure(seg.blocks[after]):
            after += 1
        if after < len(seg.blocks):
            attached_title_at = after
    for i, block in enumerate(seg.blocks):
        first, last = block[0].no, block[-1].no
        text = _clean(block_text(block))
        plain = [ln.text.strip() for ln in block]
        if sig and sig[0] <= i <= sig[1]:
            if i == sig[1]:
                lines = [ln for b in seg.blocks[sig[0]:sig[1] + 1] for ln in b]
                date_at = next(j for j, ln in enumerate(lines) if DATE_RE.match(ln.text))
                organ = "".join(ln.text.strip() for ln in lines[:date_at])
                items.append(Item(ItemKind.SIGNATURE, (organ, lines[date_at].text.strip()),
                                  seg.blocks[sig[0]][0].no, last))
                if lines[date_at + 1:]:
                    items.append(Item(ItemKind.PARA, _para_rows(tuple(lines[date_at + 1:])), lines[date_at + 1].no, last))
            continue
        if is_disclosure(block):
            items.append(Item(ItemKind.DISCLOSURE, (plain[0],), first, last))
        elif i == attached_title_at:
            items.append(Item(ItemKind.TITLE, (title_text(" ".join(plain)),), first, last, level=2))
        elif not items and text.startswith("各") and text.endswith("："):
            items.append(Item(ItemKind.ADDRESSEE, (text,), first, last))
        elif re.sub(r"^-\s+", "", plain[0]).startswith("附件") or (
                items and items[-1].kind is ItemKind.ATTACHMENTS and ARABIC_RE.match(plain[0])):
            rows = [re.sub(r"^-\s+", "", p) for p in plain]
            if items[-1:] and items[-1].kind is ItemKind.ATTACHMENTS and not rows[0].startswith("附件"):
                items[-1] = replace(items[-1], rows=items[-1].rows + tuple(rows), last=last)
                continue
            items.append(Item(ItemKind.ATTACHMENTS, _merge_rows(rows), first, last))
        elif any("\t" in p for p in plain):
            items.append(Item(ItemKind.TABLE, tuple(plain), first, last))
        elif all(p.startswith("- ") for p in plain):
            items.append(Item(ItemKind.LIST, tuple(p[2:].strip() for p in plain), first, last))
        elif len(block) == 1 and (level := heading_level(text)):
            items.append(Item(ItemKind.HEADING, (text,), first, last, level=level))
        else:
            items.append(Item(ItemKind.PARA, _para_rows(block), first, last, forced=i in seg.forced_joins))
    return items
