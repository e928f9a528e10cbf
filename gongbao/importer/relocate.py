"""Repair across documents: 上接 blocks stitched to their 下转 document, orphans returned to their owner."""

from __future__ import annotations

from dataclasses import replace

from .segment import Segment, find_signature
from .text import NEXT_PAGE_RE, PREV_PAGE_RE, Block, ReviewNote, ends_sentence, heading_level, starts_item


def relocate(segs: list[Segment], notes: list[ReviewNote]) -> list[Segment]:
    """Every segment with its continuations and orphan placed (and both emptied)."""
    return _return_orphans(_stitch_continuations(segs, notes), notes)


def _pages(segs: list[Segment], i: int) -> range | None:
    start = segs[i].page
    if start is None:
        return None
    following = next((s.page for s in segs[i + 1:] if s.page is not None), None)
    return range(start, (following or start + 1000))


def _stitch_continuations(segs: list[Segment], notes: list[ReviewNote]) -> list[Segment]:
    """Append each 上接 block to the document whose last paragraph says 下转 to that page.

    Pages decide the pairing: 上接第M页 names a page of the interrupted document, 下转第N页 a page
    of the document the continuation is printed in. Without pages, continuations pair in order."""
    pending = [(h, chunk) for h, s in enumerate(segs) for chunk in s.continuations]
    out: list[Segment] = []
    for i, seg in enumerate(segs):
        seg = replace(seg, continuations=())
        out.append(seg)
        m = NEXT_PAGE_RE.search(seg.blocks[-1][-1].text) if seg.blocks else None
        if m is None:
            continue
        to_page = int(m[1])
        own = _pages(segs, i)

        def fits(host: int, chunk: tuple[Block, ...]) -> bool:
            from_page = int(PREV_PAGE_RE.match(chunk[0][0].text)[1])
            there = _pages(segs, host)
            return (own is None or from_page in own) and (there is None or to_page in there)

        match = next((p for p in pending if fits(*p)), None)
        if match is None:
            notes.append(ReviewNote(seg.blocks[-1][-1].no, "REVIEW-CONTINUATION",
                                    f"{seg.doc_number}: 找不到“下转第{to_page}页”对应的“上接”段落，请人工核对"))
            continue
        pending.remove(match)
        moved = match[1]
        marked = seg.blocks[-1][-1].no
        out[-1] = replace(seg, blocks=seg.blocks + moved, forced_joins=seg.forced_joins | {len(seg.blocks)})
        notes.append(ReviewNote(moved[0][0].no, "REVIEW-CONTINUATION",
                                f"第{moved[0][0].no}–{moved[-1][-1].no}行（上接页）已接回 {seg.doc_number}"
                                f"第{marked}行（下转第{to_page}页）之后"))
    for host, chunk in pending:
        notes.append(ReviewNote(chunk[0][0].no, "REVIEW-CONTINUATION",
                                f"“上接”段落找不到对应的“下转”文件，暂留在 {segs[host].doc_number} 末尾，请人工核对"))
        out[host] = replace(out[host], blocks=out[host].blocks + chunk)
    return out


def _ends_open(seg: Segment) -> bool:
    """Does the document stop mid-sentence with no signature (so its end is printed elsewhere)?"""
    if not seg.blocks or find_signature(seg.blocks) is not None:
        return False
    last = seg.blocks[-1][-1].text
    return not ends_sentence(last) and not heading_level(last) and not NEXT_PAGE_RE.search(last)


def _return_orphans(segs: list[Segment], notes: list[ReviewNote]) -> list[Segment]:
    """Give each orphan fragment back to the one document that ends mid-sentence, unsigned."""
    out = list(segs)
    for h in range(len(out)):
        host = out[h]
        if not host.orphan:
            continue
        fragment = host.orphan
        span = f"第{fragment[0][0].no}–{fragment[-1][-1].no}行"
        # A fragment that continues a sentence does not open with a heading or a numbered item.
        opening = fragment[0][0].text
        owners = [k for k, s in enumerate(out) if k != h and _ends_open(s)]
        if starts_item(opening) or heading_level(opening):
            owners = []
        if len(owners) != 1:
            notes.append(ReviewNote(fragment[0][0].no, "REVIEW-ORPHAN",
                                    f"{span}印在 {host.doc_number} 落款之后，无法确定归属（候选 {len(owners)} 件），"
                                    f"暂留在 {host.doc_number} 末尾"))
            out[h] = replace(host, blocks=host.blocks + fragment, orphan=())
            continue
        owner = out[owners[0]]
        out[owners[0]] = replace(owner, blocks=owner.blocks + fragment,
                                 forced_joins=owner.forced_joins | {len(owner.blocks)})
        out[h] = replace(host, orphan=())
        notes.append(ReviewNote(fragment[0][0].no, "REVIEW-DISPLACED",
                                f"{span}印在 {host.doc_number} 之后，接续 {owner.doc_number} 第"
                                f"{owner.blocks[-1][-1].no}行未完的句子，已移回"))
    return out
