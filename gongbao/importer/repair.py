"""Repair within a document: numbering gaps marked, broken paragraphs joined, lost words and figures reported."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from .items import Item, ItemKind, classify
from .segment import Segment, date_lines
from .text import CIRCLED, DECIMAL_RE, DUTY_RE, PAREN_RE, ReviewNote, concat, ends_sentence, numbering, squash, \
    starts_item, to_date

#: A broken paragraph is at least this long; shorter unterminated lines (name pairs, …) are lines.
MIN_BROKEN = 15


def repair(seg: Segment, notes: list[ReviewNote]) -> tuple[Item, ...]:
    """The document's items, checked before and after the paragraphs broken by the layout are joined."""
    items = classify(seg)
    items = _check_numbering(seg, items, notes)
    _check_attached_title(seg, items, notes)
    items = _join(items)
    _check_ends(seg, items, notes)
    items = _check_figures(seg, items, notes)
    return tuple(items)


def signing_date(seg: Segment, items: tuple[Item, ...], published: dt.date, notes: list[ReviewNote]) -> dt.date:
    """成文日期: the signature's date. A signature that lost its organ line still has its date line;
    when no date survived (or it names a day that does not exist), the issue's 出版日期 — the latest
    day the document can have been signed — stands in until an editor corrects it."""
    sig = next((i for i in items if i.kind is ItemKind.SIGNATURE), None)
    if sig is not None and (signed := to_date(sig.rows[1])):
        return signed
    line = next((ln for ln in date_lines(seg.blocks) if to_date(ln.text)), None)
    if sig is None and line is not None:
        notes.append(ReviewNote(line.no, "REVIEW-SIGNATURE",
                                f"{seg.doc_number}: 落款缺少发文机关一行；成文日期取自此行，发文机关取自标题，请核对纸质版"))
        return to_date(line.text)
    notes.append(ReviewNote(seg.header_lines[1], "REVIEW-SIGNATURE",
                            f"{seg.doc_number}: 找不到落款日期（或日期不存在），成文日期暂填本期出版日期 {published}，"
                            "请按纸质版改正"))
    return published


# ---------------------------------------------------------------- numbering


def _check_numbering(seg: Segment, items: list[Item], notes: list[ReviewNote]) -> list[Item]:
    """Report numbering that skips; where a sentence also breaks off inside the skip, text is
    missing from the source: an editor's note goes there.

    Each scheme (1.2.3 sections, 一、, （一）, 1., (1), ①) is followed separately; a list may
    restart at 1 anywhere, and a new section restarts the item numbering under it."""
    out: list[Item] = []
    last: dict[str, tuple[tuple[int, ...], int]] = {}
    """scheme → (number, index in `out`) of the last numbered item."""
    for item in items:
        if item.kind is ItemKind.TITLE:
            last.clear()
        numbered = _item_number(item)
        if numbered is not None:
            scheme, number = numbered
            prev = last.get(scheme)
            if prev is not None and not _follows(scheme, prev[0], number):
                # One skipped number is more often a misprint than lost pages; more, with a
                # sentence breaking off between them, is text lost from the source.
                gap_at = _gap_break(out, prev[1]) if _skipped(scheme, prev[0], number) > 1 else None
                was, now = _label(scheme, prev[0]), _label(scheme, number)
                if gap_at is None:
                    notes.append(ReviewNote(item.first, "REVIEW-NUMBERING",
                                            f"{seg.doc_number}: {was}之后是{now}，编号不连续（第{out[prev[1]].first}行→"
                                            f"第{item.first}行），请核对是否原文如此"))
                else:
                    broken = out[gap_at - 1]
                    message = (f"编者注：原印刷版此处有缺页，{was}的后半部分至{now}之前的内容在来源文本中缺失，"
                               "待核对纸质版补录。本注前后两段均为残句，照来源文本保留。")
                    out.insert(gap_at, Item(ItemKind.NOTE, (message,), broken.last, broken.last))
                    notes.append(ReviewNote(broken.last, "REVIEW-GAP",
                                            f"{seg.doc_number}: {was}之后直接是{now}，且第{broken.last}行句子中断："
                                            "原文有缺页，已插入编者注，请核对纸质版补录"))
            if scheme == "decimal":
                last.clear()
            last[scheme] = (number, len(out))
        out.append(item)
    return out


def _item_number(item: Item) -> tuple[str, tuple[int, ...]] | None:
    if item.kind is ItemKind.HEADING and (m := DECIMAL_RE.match(item.rows[0])):
        return "decimal", tuple(int(x) for x in m[1].split("."))
    if item.kind in (ItemKind.HEADING, ItemKind.PARA, ItemKind.LIST) and (numbered := numbering(item.rows[0])):
        return numbered[0], (numbered[1],)
    return None


def _follows(scheme: str, prev: tuple[int, ...], cur: tuple[int, ...]) -> bool:
    """Can `cur` come next after `prev`: a section's child, sibling or an ancestor's sibling;
    an item's successor, or 1 when a new list starts."""
    if scheme != "decimal":
        return cur[0] in (1, prev[0] + 1)
    if cur == prev + (1,):
        return True
    return any(cur == prev[:depth - 1] + (prev[depth - 1] + 1,) for depth in range(len(prev), 0, -1))


def _skipped(scheme: str, prev: tuple[int, ...], cur: tuple[int, ...]) -> int:
    """How many numbers are missing between two items (at least 2 when sections are crossed)."""
    if len(prev) == len(cur) and prev[:-1] == cur[:-1]:
        return max(0, cur[-1] - prev[-1] - 1)
    return 2


def _label(scheme: str, number: tuple[int, ...]) -> str:
    n = number[0]
    if scheme == "decimal":
        return f"第{'.'.join(map(str, number))}节"
    if scheme in ("cn1", "cn2"):
        word = _cn_word(n)
        return f"“{word}、”" if scheme == "cn1" else f"“（{word}）”"
    return {"arabic": f"“{n}.”", "paren": f"“({n})”"}.get(scheme, f"“{CIRCLED[n - 1] if n <= len(CIRCLED) else n}”")


def _cn_word(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{digits[tens] if tens > 1 else ''}十{digits[ones] if ones else ''}"
    return str(n)


def _gap_break(items: list[Item], since: int) -> int | None:
    """Index after the paragraph that breaks off mid-sentence between items[since] and the end."""
    for k in range(len(items) - 1, since, -1):
        prev, cur = items[k - 1], items[k]
        if prev.kind is ItemKind.PARA and cur.kind is ItemKind.PARA and not ends_sentence(prev.rows[-1]):
            return k
    if items and items[-1].kind is ItemKind.PARA and not ends_sentence(items[-1].rows[-1]):
        return len(items)
    return None


# ---------------------------------------------------------------- what the text lost


def _check_ends(seg: Segment, items: list[Item], notes: list[ReviewNote]) -> None:
    """A paragraph cut off before a signature, a 附件 line or the end lost its last words."""
    for k, item in enumerate(items):
        if item.kind is not ItemKind.PARA or ends_sentence(item.rows[-1]) or len(squash(item.rows[-1])) < MIN_BROKEN:
            continue
        nxt = items[k + 1] if k + 1 < len(items) else None
        if nxt is None or nxt.kind in (ItemKind.SIGNATURE, ItemKind.DISCLOSURE, ItemKind.ATTACHMENTS, ItemKind.TITLE):
            notes.append(ReviewNote(item.last, "REVIEW-TRUNCATED",
                                    f"{seg.doc_number}: 段落“…{item.rows[-1][-12:]}”未完即结束，"
                                    "原文可能缺字，请核对纸质版"))


def _check_figures(seg: Segment, items: list[Item], notes: list[ReviewNote]) -> list[Item]:
    """A heading that names a figure (…图) with nothing under it: the figure is missing from the text."""
    out: list[Item] = []
    for k, item in enumerate(items):
        out.append(item)
        if item.kind is not ItemKind.HEADING or not item.rows[0].endswith("图"):
            continue
        nxt = items[k + 1] if k + 1 < len(items) else None
        if nxt is None or nxt.kind is ItemKind.HEADING:
            numbered = DECIMAL_RE.match(item.rows[0])
            name = numbered[2] if numbered else item.rows[0]
            out.append(Item(ItemKind.NOTE, (f"编者注：原印刷版此处为“{name}”，来源文本未包含该图，请查阅纸质版。",),
                            item.last, item.last))
            notes.append(ReviewNote(item.first, "REVIEW-FIGURE",
                                    f"{seg.doc_number}: “{item.rows[0]}”下没有内容（图未随文本提取），已插入编者注"))
    return out


def _check_attached_title(seg: Segment, items: list[Item], notes: list[ReviewNote]) -> None:
    for item in items:
        if item.kind is ItemKind.TITLE and item.rows[0].endswith("的通知"):
            notes.append(ReviewNote(item.first, "REVIEW-HEADING",
                                    f"{seg.doc_number}: 附件标题“{item.rows[0]}”以“的通知”结尾，"
                                    "疑为排印时沿用了通知标题；已照原样保留"))


# ---------------------------------------------------------------- joining


def _join(items: list[Item]) -> list[Item]:
    """Join paragraphs that the page layout broke: a sentence does not end at a page or column break."""
    out: list[Item] = []
    for item in items:
        prev = out[-1] if out else None
        if prev is not None and prev.kind is ItemKind.PARA and item.kind is ItemKind.PARA:
            head = item.rows[0]
            broken = (not ends_sentence(prev.rows[-1]) and len(squash(prev.rows[-1])) >= MIN_BROKEN
                      and not starts_item(head))
            trailing_duty = ends_sentence(prev.rows[-1]) and DUTY_RE.match(head) is not None
            if item.forced or broken or trailing_duty or _continues_enumeration(prev.rows[-1], head):
                out[-1] = replace(prev, rows=(*prev.rows[:-1], concat(prev.rows[-1], head), *item.rows[1:]),
                                  last=item.last)
                continue
            if all(_is_short_line(r) for r in (prev.rows[-1], *item.rows)):
                # A run of short unpunctuated lines (name pairs, …) is one block set line by line.
                out[-1] = replace(prev, rows=prev.rows + item.rows, last=item.last)
                continue
        out.append(item)
    return out


def _continues_enumeration(text: str, head: str) -> bool:
    """“…：（1）…；” then “（2）…”: an inline enumeration that a page break cut after its “；”."""
    inline = re.findall(r"[（(](\d+)[）)]", text)
    m = PAREN_RE.match(head)
    return text.endswith("；") and bool(inline) and m is not None and int(m[1]) == int(inline[-1]) + 1


def _is_short_line(text: str) -> bool:
    return len(squash(text)) < MIN_BROKEN and not ends_sentence(text) and not starts_item(text)
