"""Import: a gazette issue's extracted text → content/ files (issue record + one file per document), with review notes.

The text comes from the printed issue (PDF → text), so it carries print damage: sentences broken
over lines and pages, running headers before each 文号, page continuations (下转/上接第N页), and
now and then a fragment printed away from its document. The stages below undo that damage by
general rules; what they cannot settle with confidence becomes a ReviewNote with the source line.

Stages, in order (see `import_issue`):
  1. regions   — cover (title, table of contents, editorial board, colophon), one segment per
                 running header + 文号, and the 文件索引 list at the end;
  2. segments  — header, 文号 and title of each document; continuation markers; fragments left
                 over after a finished document (orphans);
  3. relocate  — 上接 blocks stitched to their 下转 document; orphans returned to the one earlier
                 document that ends mid-sentence without a signature;
  4. items     — each document's blocks classified (主送, heading, paragraph, list, table,
                 signature, 公开属性, 附件) and checked for numbering that skips (lost pages);
  5. join      — paragraphs broken by the page layout joined back into sentences, then checked
                 for text cut off before the signature and for figures missing from the text;
  6. write     — Markdown bodies and YAML front-matter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import docnumber, load
from .slugs import slug_for_doc_number


@dataclass(frozen=True, slots=True)
class ReviewNote:
    """Something an editor must look at before publishing."""

    line: int
    """1-based line in the source text."""
    code: str
    """REVIEW-DISPLACED, REVIEW-CONTINUATION, REVIEW-GAP, REVIEW-TRUNCATED, REVIEW-NUMBERING, …"""
    message: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    written: tuple[Path, ...]
    review: tuple[ReviewNote, ...]


# ---------------------------------------------------------------- patterns

_CN_DIGITS = "〇零一二三四五六七八九十百"
DOC_NUMBER_RE = re.compile(r"^\s*(?P<prefix>[\u3400-\u9fff]{2,12})〔(?P<year>\d{4})〕(?P<seq>\d+)号\s*$")
HEADER_RE = re.compile(r"^\s*[\u3400-\u9fff]{2,40}文件\s*$")
DATE_RE = re.compile(r"^\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*$")
DISCLOSURE_RE = re.compile(r"^\s*[（(](此件[^）)]*)[）)]\s*$")
NEXT_PAGE_RE = re.compile(r"[（(]下转第\s*(\d+)\s*页[）)]\s*$")
PREV_PAGE_RE = re.compile(r"^\s*[（(]上接第\s*(\d+)\s*页[）)]")
DOC_TYPE_RE = re.compile(r"的?(通知|通告|决定|意见|公告|命令|批复|通报|报告|函|纪要|办法|规定|决议)$")
INDEX_TITLE_RE = re.compile(r"^文件(索引|检索)$")
TOC_ENTRY_RE = re.compile(r"^(?P<title>.+?)(?:[.．…·]{2,})?\s*(?P<page>\d{1,3})$")
LABEL_RE = re.compile(r"^(?P<label>[^：:]{1,20})[：:](?P<value>.*)$")

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
#: Labels of the colophon (版权页); the other “label：value” lines after 编辑委员会 name its members.
COLOPHON_LABELS = ("单位", "出版", "址", "话", "邮编", "编码", "网站", "网址", "传真", "邮箱", "印刷", "发行")
#: A broken paragraph is at least this long; shorter unterminated lines (name pairs, …) are lines.
MIN_BROKEN = 15


# ---------------------------------------------------------------- small helpers


@dataclass(frozen=True, slots=True)
class Line:
    """One source line: its 1-based number and its text (trailing whitespace removed)."""

    no: int
    text: str


Block = tuple[Line, ...]
"""Consecutive non-blank source lines: the text's own paragraphs, before any repair."""


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def _concat(a: str, b: str) -> str:
    """Join two pieces of one sentence: no space in Chinese, one between two Latin words."""
    a, b = a.rstrip(), b.lstrip()
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def _title_text(text: str) -> str:
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


def _ends_sentence(text: str) -> bool:
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


def _starts_item(text: str) -> bool:
    """Does the text open a numbered or bulleted item (so it cannot continue a sentence)?"""
    t = text.lstrip()
    return bool(CN1_RE.match(t) or CN2_RE.match(t) or ARABIC_RE.match(t) or PAREN_RE.match(t)
                or (t and t[0] in CIRCLED) or t.startswith("- ") or DECIMAL_RE.match(t) and _heading_level(t))


def _heading_level(text: str) -> int:
    """Markdown level of a standalone structural heading line, or 0 for ordinary text."""
    t = text.strip()
    m = DECIMAL_RE.match(t)
    if m and int(m[1].split(".")[0]) <= 30 and len(_squash(m[2])) <= 30 and not re.search(r"[，。；：！？]", m[2]):
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


def _numbering(text: str) -> tuple[str, int] | None:
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


def _blocks(lines: list[Line]) -> list[Block]:
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


def _block_text(block: Block) -> str:
    return "".join(line.text.strip() for line in block)


# ---------------------------------------------------------------- stage 1+2: regions and segments


@dataclass(slots=True)
class Segment:
    """One document as found in the text, before relocation."""

    section: str
    doc_number: str
    title: str
    header_lines: tuple[int, ...]
    """Source lines of the running header, 文号 and title."""
    blocks: list[Block]
    """Body blocks in source order (relocations append to this list)."""
    continuations: list[list[Block]] = field(default_factory=list)
    """Each 上接第N页 block with what follows it: the tail of another document printed here."""
    orphan: list[Block] = field(default_factory=list)
    """Blocks after this document's 公开属性 that cannot belong to it."""
    forced_joins: set[int] = field(default_factory=set)
    """Indexes i in `blocks` where block i continues block i-1 whatever the rules say."""
    page: int | None = None

    @property
    def issues_text(self) -> bool:
        """Does the document 印发 an attached text (方案, 预案, …) printed after its signature?"""
        return re.search(r"印发|转发|批转", self.title) is not None


def _find_signature(blocks: list[Block], start: int = 0) -> tuple[int, int] | None:
    """(first block, last block) of the next signature (机关 line + date line) from `start`."""
    for i in range(start, len(blocks)):
        block = blocks[i]
        for j, line in enumerate(block):
            if not DATE_RE.match(line.text):
                continue
            if j > 0 and _is_organ_line(block[j - 1].text):
                return i, i
            if j == 0 and i > start and _is_organ_line(blocks[i - 1][-1].text) and len(blocks[i - 1]) == 1:
                return i - 1, i
    return None


def _is_organ_line(text: str) -> bool:
    t = text.strip()
    return 2 <= len(t) <= 40 and not re.search(r"[，。；：、！？《》\d]", t) and t.endswith(ORGAN_SUFFIXES)


def _is_disclosure(block: Block) -> bool:
    return len(block) == 1 and bool(DISCLOSURE_RE.match(block[0].text))


def _parse_segment(lines: list[Line], notes: list[ReviewNote]) -> Segment:
    blocks = _blocks(lines)
    flat = [line for block in blocks for line in block]
    section = flat[0].text.strip()
    number_line = flat[1]
    doc_number = docnumber.normalize(number_line.text)
    # The title runs from after the 文号 until it names its 文种 (通知, 决定, …).
    rest = [b for b in blocks if b[-1].no > number_line.no]
    if blocks[0][-1].no > number_line.no:  # header, 文号 and title in one block
        rest = [tuple(ln for ln in blocks[0] if ln.no > number_line.no)] + rest
    title_parts: list[Line] = []
    k = 0
    while k < len(rest) and k < 4:
        title_parts.extend(rest[k])
        k += 1
        if DOC_TYPE_RE.search(_title_text(" ".join(ln.text for ln in title_parts))):
            break
    else:
        notes.append(ReviewNote(number_line.no, "REVIEW-TITLE", f"{doc_number}: 未找到以文种结尾的标题"))
    title = _title_text(" ".join(ln.text for ln in title_parts))
    seg = Segment(section, doc_number, title,
                  (flat[0].no, number_line.no, *(ln.no for ln in title_parts)), list(rest[k:]))
    _split_continuation(seg)
    _split_orphan(seg, notes)
    return seg


def _split_continuation(seg: Segment) -> None:
    starts = [i for i, block in enumerate(seg.blocks) if PREV_PAGE_RE.match(block[0].text)]
    for start, end in zip(starts, starts[1:] + [len(seg.blocks)]):
        seg.continuations.append(seg.blocks[start:end])
    if starts:
        seg.blocks = seg.blocks[:starts[0]]


def _split_orphan(seg: Segment, notes: list[ReviewNote]) -> None:
    """Set aside what follows a finished document and cannot be part of it.

    A document without an attached text ends with its 公开属性; one that 印发 a text ends with
    that text. Either way a second signature inside the segment means another document's
    fragment was printed here."""
    sig = _find_signature(seg.blocks)
    if sig is None:
        return
    end = sig[1] + 1
    if end < len(seg.blocks) and _is_disclosure(seg.blocks[end]):
        end += 1
    if not seg.issues_text:
        if end < len(seg.blocks):
            seg.orphan = seg.blocks[end:]
            seg.blocks = seg.blocks[:end]
        return
    second = _find_signature(seg.blocks, end)
    if second is not None:
        notes.append(ReviewNote(seg.blocks[second[1]][0].no, "REVIEW-ORPHAN",
                                f"{seg.doc_number} 的附件正文中出现第二个落款，无法判断其归属，请人工核对"))


# ---------------------------------------------------------------- stage 3: relocation


def _pages(segs: list[Segment], i: int) -> range | None:
    start = segs[i].page
    if start is None:
        return None
    following = next((s.page for s in segs[i + 1:] if s.page is not None), None)
    return range(start, (following or start + 1000))


def _stitch_continuations(segs: list[Segment], notes: list[ReviewNote]) -> None:
    """Append each 上接 block to the document whose last paragraph says 下转 to that page.

    Pages decide the pairing: 上接第M页 names a page of the interrupted document, 下转第N页 a page
    of the document the continuation is printed in. Without pages, continuations pair in order."""
    pending = [(h, chunk) for h, s in enumerate(segs) for chunk in s.continuations]
    for i, seg in enumerate(segs):
        m = NEXT_PAGE_RE.search(seg.blocks[-1][-1].text) if seg.blocks else None
        if m is None:
            continue
        to_page = int(m[1])
        own = _pages(segs, i)

        def fits(host: int, chunk: list[Block]) -> bool:
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
        seg.forced_joins.add(len(seg.blocks))
        seg.blocks.extend(moved)
        notes.append(ReviewNote(moved[0][0].no, "REVIEW-CONTINUATION",
                                f"第{moved[0][0].no}–{moved[-1][-1].no}行（上接页）已接回 {seg.doc_number}"
                                f"第{marked}行（下转第{to_page}页）之后"))
    for host, chunk in pending:
        notes.append(ReviewNote(chunk[0][0].no, "REVIEW-CONTINUATION",
                                f"“上接”段落找不到对应的“下转”文件，暂留在 {segs[host].doc_number} 末尾，请人工核对"))
        segs[host].blocks.extend(chunk)
    for seg in segs:
        seg.continuations = []


def _ends_open(seg: Segment) -> bool:
    """Does the document stop mid-sentence with no signature (so its end is printed elsewhere)?"""
    if not seg.blocks or _find_signature(seg.blocks) is not None:
        return False
    last = seg.blocks[-1][-1].text
    return not _ends_sentence(last) and not _heading_level(last) and not NEXT_PAGE_RE.search(last)


def _return_orphans(segs: list[Segment], notes: list[ReviewNote]) -> None:
    """Give each orphan fragment back to the one document that ends mid-sentence, unsigned."""
    for host in segs:
        if not host.orphan:
            continue
        fragment = host.orphan
        span = f"第{fragment[0][0].no}–{fragment[-1][-1].no}行"
        # A fragment that continues a sentence does not open with a heading or a numbered item.
        opening = fragment[0][0].text
        owners = [s for s in segs if s is not host and _ends_open(s)]
        if _starts_item(opening) or _heading_level(opening):
            owners = []
        if len(owners) != 1:
            notes.append(ReviewNote(fragment[0][0].no, "REVIEW-ORPHAN",
                                    f"{span}印在 {host.doc_number} 落款之后，无法确定归属（候选 {len(owners)} 件），"
                                    f"暂留在 {host.doc_number} 末尾"))
            host.blocks.extend(fragment)
        else:
            owner = owners[0]
            owner.forced_joins.add(len(owner.blocks))
            owner.blocks.extend(fragment)
            notes.append(ReviewNote(fragment[0][0].no, "REVIEW-DISPLACED",
                                    f"{span}印在 {host.doc_number} 之后，接续 {owner.doc_number} 第"
                                    f"{owner.blocks[len(owner.blocks) - len(fragment) - 1][-1].no}行未完的句子，已移回"))
        host.orphan = []


# ---------------------------------------------------------------- stage 4: items


@dataclass(slots=True)
class Item:
    """One block of a document body as it will be written."""

    kind: str
    """para, heading, title, list, table, addressee, signature, disclosure, attachments, note."""
    rows: list[str]
    """Text rows; rows of one paragraph are printed with hard line breaks between them."""
    first: int
    last: int
    level: int = 0
    forced: bool = False
    """Continues the previous paragraph (stitched continuation or returned fragment)."""


def _clean(text: str) -> str:
    text = NEXT_PAGE_RE.sub("", text)
    return PREV_PAGE_RE.sub("", text).strip()


def _merge_rows(texts: list[str]) -> list[str]:
    """Rows joined into one, except where a new numbered item starts after a finished sentence."""
    rows: list[str] = []
    for text in texts:
        if rows and not (_ends_sentence(rows[-1]) and _starts_item(text)):
            rows[-1] = _concat(rows[-1], text)
        else:
            rows.append(text)
    return rows


def _para_rows(block: Block) -> list[str]:
    """The rows of a paragraph: lines joined, except where a new numbered item starts."""
    return _merge_rows([text for line in block if (text := _clean(line.text))])


def _classify(seg: Segment) -> list[Item]:
    items: list[Item] = []
    sig = _find_signature(seg.blocks)
    attached_title_at: int | None = None
    if sig is not None and seg.issues_text:
        after = sig[1] + 1
        if after < len(seg.blocks) and _is_disclosure(seg.blocks[after]):
            after += 1
        if after < len(seg.blocks):
            attached_title_at = after
    for i, block in enumerate(seg.blocks):
        first, last = block[0].no, block[-1].no
        text = _clean(_block_text(block))
        plain = [ln.text.strip() for ln in block]
        if sig and sig[0] <= i <= sig[1]:
            if i == sig[1]:
                lines = [ln for b in seg.blocks[sig[0]:sig[1] + 1] for ln in b]
                date_at = next(j for j, ln in enumerate(lines) if DATE_RE.match(ln.text))
                organ = "".join(ln.text.strip() for ln in lines[:date_at])
                items.append(Item("signature", [organ, lines[date_at].text.strip()], seg.blocks[sig[0]][0].no, last))
                if lines[date_at + 1:]:
                    items.append(Item("para", _para_rows(tuple(lines[date_at + 1:])), lines[date_at + 1].no, last))
            continue
        if _is_disclosure(block):
            items.append(Item("disclosure", [plain[0]], first, last))
        elif i == attached_title_at:
            items.append(Item("title", [_title_text(" ".join(plain))], first, last, level=2))
        elif not items and text.startswith("各") and text.endswith("："):
            items.append(Item("addressee", [text], first, last))
        elif re.sub(r"^-\s+", "", plain[0]).startswith("附件") or (
                items and items[-1].kind == "attachments" and ARABIC_RE.match(plain[0])):
            rows = [re.sub(r"^-\s+", "", p) for p in plain]
            if items[-1:] and items[-1].kind == "attachments" and not rows[0].startswith("附件"):
                items[-1].rows.extend(rows)
                items[-1].last = last
                continue
            items.append(Item("attachments", _merge_rows(rows), first, last))
        elif any("\t" in p for p in plain):
            items.append(Item("table", plain, first, last))
        elif all(p.startswith("- ") for p in plain):
            items.append(Item("list", [p[2:].strip() for p in plain], first, last))
        elif len(block) == 1 and (level := _heading_level(text)):
            items.append(Item("heading", [text], first, last, level=level))
        else:
            items.append(Item("para", _para_rows(block), first, last, forced=i in seg.forced_joins))
    return items


def _check_numbering(seg: Segment, items: list[Item], notes: list[ReviewNote]) -> list[Item]:
    """Report numbering that skips; where a sentence also breaks off inside the skip, text is
    missing from the source: an editor's note goes there.

    Each scheme (1.2.3 sections, 一、, （一）, 1., (1), ①) is followed separately; a list may
    restart at 1 anywhere, and a new section restarts the item numbering under it."""
    out: list[Item] = []
    last: dict[str, tuple[tuple[int, ...], int]] = {}
    """scheme → (number, index in `out`) of the last numbered item."""
    for item in items:
        if item.kind == "title":
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
                    out.insert(gap_at, Item("note", [message], broken.last, broken.last))
                    notes.append(ReviewNote(broken.last, "REVIEW-GAP",
                                            f"{seg.doc_number}: {was}之后直接是{now}，且第{broken.last}行句子中断："
                                            "原文有缺页，已插入编者注，请核对纸质版补录"))
            if scheme == "decimal":
                last.clear()
            last[scheme] = (number, len(out))
        out.append(item)
    return out


def _item_number(item: Item) -> tuple[str, tuple[int, ...]] | None:
    if item.kind == "heading" and (m := DECIMAL_RE.match(item.rows[0])):
        return "decimal", tuple(int(x) for x in m[1].split("."))
    if item.kind in ("heading", "para", "list") and (numbered := _numbering(item.rows[0])):
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
        if prev.kind == "para" and cur.kind == "para" and not _ends_sentence(prev.rows[-1]):
            return k
    if items and items[-1].kind == "para" and not _ends_sentence(items[-1].rows[-1]):
        return len(items)
    return None


def _check_ends(seg: Segment, items: list[Item], notes: list[ReviewNote]) -> None:
    """A paragraph cut off before a signature, a 附件 line or the end lost its last words."""
    for k, item in enumerate(items):
        if item.kind != "para" or _ends_sentence(item.rows[-1]) or len(_squash(item.rows[-1])) < MIN_BROKEN:
            continue
        nxt = items[k + 1] if k + 1 < len(items) else None
        if nxt is None or nxt.kind in ("signature", "disclosure", "attachments", "title"):
            notes.append(ReviewNote(item.last, "REVIEW-TRUNCATED",
                                    f"{seg.doc_number}: 段落“…{item.rows[-1][-12:]}”未完即结束，"
                                    "原文可能缺字，请核对纸质版"))


def _check_figures(seg: Segment, items: list[Item], notes: list[ReviewNote]) -> list[Item]:
    """A heading that names a figure (…图) with nothing under it: the figure is missing from the text."""
    out: list[Item] = []
    for k, item in enumerate(items):
        out.append(item)
        if item.kind != "heading" or not item.rows[0].endswith("图"):
            continue
        nxt = items[k + 1] if k + 1 < len(items) else None
        if nxt is None or nxt.kind == "heading":
            name = DECIMAL_RE.match(item.rows[0])[2] if DECIMAL_RE.match(item.rows[0]) else item.rows[0]
            out.append(Item("note", [f"编者注：原印刷版此处为“{name}”，来源文本未包含该图，请查阅纸质版。"],
                            item.last, item.last))
            notes.append(ReviewNote(item.first, "REVIEW-FIGURE",
                                    f"{seg.doc_number}: “{item.rows[0]}”下没有内容（图未随文本提取），已插入编者注"))
    return out


def _check_attached_title(seg: Segment, items: list[Item], notes: list[ReviewNote]) -> None:
    for item in items:
        if item.kind == "title" and item.rows[0].endswith("的通知"):
            notes.append(ReviewNote(item.first, "REVIEW-HEADING",
                                    f"{seg.doc_number}: 附件标题“{item.rows[0]}”以“的通知”结尾，"
                                    "疑为排印时沿用了通知标题；已照原样保留"))


# ---------------------------------------------------------------- stage 5: joining


def _join(items: list[Item]) -> list[Item]:
    """Join paragraphs that the page layout broke: a sentence does not end at a page or column break."""
    out: list[Item] = []
    for item in items:
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "para" and item.kind == "para":
            head = item.rows[0]
            broken = (not _ends_sentence(prev.rows[-1]) and len(_squash(prev.rows[-1])) >= MIN_BROKEN
                      and not _starts_item(head))
            trailing_duty = _ends_sentence(prev.rows[-1]) and DUTY_RE.match(head) is not None
            if item.forced or broken or trailing_duty or _continues_enumeration(prev.rows[-1], head):
                prev.rows[-1] = _concat(prev.rows[-1], head)
                prev.rows.extend(item.rows[1:])
                prev.last = item.last
                continue
            if all(_is_short_line(r) for r in (prev.rows[-1], *item.rows)):
                # A run of short unpunctuated lines (name pairs, …) is one block set line by line.
                prev.rows.extend(item.rows)
                prev.last = item.last
                continue
        out.append(item)
    return out


def _continues_enumeration(text: str, head: str) -> bool:
    """“…：（1）…；” then “（2）…”: an inline enumeration that a page break cut after its “；”."""
    inline = re.findall(r"[（(](\d+)[）)]", text)
    m = PAREN_RE.match(head)
    return text.endswith("；") and bool(inline) and m is not None and int(m[1]) == int(inline[-1]) + 1


def _is_short_line(text: str) -> bool:
    return len(_squash(text)) < MIN_BROKEN and not _ends_sentence(text) and not _starts_item(text)


# ---------------------------------------------------------------- stage 6: Markdown


def _escape_inline(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)


def _escape(text: str) -> str:
    """Text of a block: inline markup escaped, and nothing at its start read as a list or heading."""
    text = _escape_inline(text)
    if re.match(r"^\d+[.)]", text):
        return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    if re.match(r"^([#>+=]|[-*] )", text):
        return "\\" + text
    return text


def _markdown(items: list[Item]) -> str:
    parts: list[str] = []
    for item in items:
        rows = item.rows
        if item.kind in ("heading", "title"):
            parts.append("#" * item.level + " " + _escape_inline(rows[0]))
        elif item.kind in ("para", "attachments"):
            parts.append("\\\n".join(_escape(r) for r in rows))
        elif item.kind == "list":
            parts.append("\n".join("- " + _escape(r) for r in rows))
        elif item.kind == "table":
            cells = [[_escape(c.strip()) for c in r.split("\t")] for r in rows]
            width = max(len(c) for c in cells)
            cells = [c + [""] * (width - len(c)) for c in cells]
            lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * width]
            lines += ["| " + " | ".join(c) + " |" for c in cells[1:]]
            parts.append("\n".join(lines))
        elif item.kind == "addressee":
            parts.append(f"::: addressee\n{_escape(rows[0])}\n:::")
        elif item.kind == "signature":
            parts.append(f"::: signature\n{_escape(rows[0])}\\\n{_escape(rows[1])}\n:::")
        elif item.kind == "disclosure":
            parts.append(f"::: disclosure\n{_escape(rows[0])}\n:::")
        elif item.kind == "note":
            parts.append(f"::: editor-note\n{_escape(rows[0])}\n:::")
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------- document metadata


_CITATION = r"《[^《》]+》[（(][^（）()]*?〔\d{4}〕\d+号[）)]"
CITATION_RE = re.compile(r"《(?P<title>[^《》]+)》[（(](?P<number>[^（）()]*?〔\d{4}〕\d+号)[）)]")
#: Citations (several joined by 、 or 和) that are the object of 废止: 对《…》（文号）予以废止,
#: 原《…》（文号）废止, 《…》（文号）同时废止.
REPEAL_RE = re.compile(rf"(?P<old>原)?(?P<cited>{_CITATION}(?:[、和及]{_CITATION})*)(?P<verb>予以废止|同时废止|废止)")


def _relations(items: list[Item]) -> dict[str, list[dict[str, str]]]:
    """废止 declared by this document: 决定对《…》予以废止 repeals; 原《…》废止 or 《…》同时废止
    means this document is the new edition that replaces the old one."""
    out: dict[str, list[dict[str, str]]] = {}
    text = "".join(r for item in items if item.kind in ("para", "list") for r in item.rows)
    for m in REPEAL_RE.finditer(text):
        kind = "replaces" if m["old"] or m["verb"] == "同时废止" else "repeals"
        for c in CITATION_RE.finditer(m["cited"]):
            out.setdefault(kind, []).append({"doc_number": docnumber.normalize(c["number"]), "title": c["title"]})
    return out


def _attachments(items: list[Item]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for item in items:
        if item.kind != "attachments":
            continue
        text = re.sub(r"^附件[：:]", "", "".join(f"\n{r}" for r in item.rows).strip())
        for piece in re.split(r"\n|(?<=（略）)(?=\d+[.．])", text):
            piece = re.sub(r"^\d+[.．]\s*", "", piece.strip())
            if not piece:
                continue
            omitted = piece.endswith("（略）")
            entry: dict[str, object] = {"title": piece.removesuffix("（略）").strip()}
            if omitted:
                entry["omitted"] = True
            out.append(entry)
    return out


def _front_matter(seg: Segment, items: list[Item], gazette_id: str) -> dict[str, object]:
    sig = next((i for i in items if i.kind == "signature"), None)
    disclosure = next((i for i in items if i.kind == "disclosure"), None)
    doc_type = DOC_TYPE_RE.search(seg.title)
    issuer = sig.rows[0] if sig else seg.title.split("关于", 1)[0]
    data: dict[str, object] = {"title": seg.title, "doc_number": seg.doc_number, "issuer": issuer,
                               "doc_type": doc_type[1] if doc_type else "通知"}
    if sig:
        m = DATE_RE.match(sig.rows[1])
        data["signed"] = dt.date(int(m[1]), int(m[2]), int(m[3]))
    data["gazette"] = gazette_id
    if seg.page is not None:
        data["page"] = seg.page
    data["section"] = seg.section
    if disclosure:
        data["disclosure"] = DISCLOSURE_RE.match(disclosure.rows[0])[1]
    if attachments := _attachments(items):
        data["attachments"] = attachments
    data.update(_relations(items))
    return data


# ---------------------------------------------------------------- the cover and the index


@dataclass(slots=True)
class Cover:
    title: str = ""
    year: int | None = None
    number: int | None = None
    total_number: int | None = None
    published: dt.date | None = None
    frequency: str | None = None
    remark: str | None = None
    toc: list[tuple[str, list[tuple[str, int | None]]]] = field(default_factory=list)
    """(section title, [(entry title, page)])."""
    board: dict[str, str] = field(default_factory=dict)
    colophon: dict[str, str] = field(default_factory=dict)


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


def _parse_cover(lines: list[Line], sections: set[str], notes: list[ReviewNote]) -> Cover:
    cover = Cover()
    texts = [ln for ln in lines if ln.text.strip()]
    if texts:
        cover.title = texts[0].text.strip()
    toc_start = next((k for k, ln in enumerate(texts) if ln.text.strip() in sections), len(texts))
    board_start = next((k for k, ln in enumerate(texts) if _squash(ln.text) == "编辑委员会"), len(texts))
    for ln in texts[1:toc_start]:
        t = ln.text.strip().strip("()（）")
        if m := re.match(r"^(\d{4})年第(\d+)期$", t):
            cover.year, cover.number = int(m[1]), int(m[2])
        elif m := re.match(r"^总第(\d+)期$", t):
            cover.total_number = int(m[1])
        elif re.search(r"刊$", t) and len(t) <= 6:
            cover.frequency = t
        elif ln.text.strip()[0] in "(（":
            cover.remark = t
    # Table of contents: section lines, then entries ending in their page number.
    toc_blocks = _blocks([ln for ln in lines if texts and texts[toc_start].no <= ln.no < (
        texts[board_start].no if board_start < len(texts) else 10**9)])
    for block in toc_blocks:
        entries: list[list[Line]] = []
        for ln in block:
            if ln.text.startswith("- ") or not entries:
                entries.append([ln])
            else:
                entries[-1].append(ln)
        for entry in entries:
            text = _squash("".join(ln.text.removeprefix("- ") for ln in entry))
            m = TOC_ENTRY_RE.match(text)
            if len(entry) == 1 and not m and len(text) <= 20:
                cover.toc.append((text, []))
            elif m and cover.toc:
                cover.toc[-1][1].append((m["title"], int(m["page"])))
            else:
                notes.append(ReviewNote(entry[0].no, "REVIEW-TOC", f"目录行“{text}”无法识别"))
    # Editorial board and colophon: “label：value” lines, a value may run on over the next lines.
    current: dict[str, str] | None = None
    label = ""
    for ln in texts[board_start + 1:]:
        m = LABEL_RE.match(ln.text.strip())
        if m:
            label = _squash(m["label"])
            value = m["value"].strip().strip("<>")
            if label == "出版日期":
                d = DATE_RE.match(value)
                cover.published = dt.date(int(d[1]), int(d[2]), int(d[3])) if d else None
                continue
            current = cover.colophon if label.endswith(COLOPHON_LABELS) else cover.board
            if label.endswith("网站"):
                label = "网站"
            current[label] = value
        elif current is not None:
            current[label] = f"{current[label]} {ln.text.strip()}"
    cover.board = {k: _names(v) for k, v in cover.board.items()}
    return cover


def _parse_index(lines: list[Line], sections: set[str]) -> tuple[str, list[tuple[str, list[tuple[str, str, int]]]]]:
    """The 文件索引 list: its title and, per section, (title, 文号, line)."""
    blocks = _blocks(lines)
    title = ""
    groups: list[tuple[str, list[tuple[str, str, int]]]] = []
    pending = ""
    pending_line = 0
    for block in blocks[1:]:
        text = _block_text(block)
        if text in sections:
            groups.append((text, []))
            continue
        if not groups and not pending:
            title = _title_text(" ".join(ln.text for ln in block))
            continue
        pending = pending + text if pending else text
        pending_line = pending_line or block[0].no
        m = re.match(r"^(?P<title>.+)[（(](?P<number>[^（）()]+〔\d{4}〕\d+号)[）)]$", pending)
        if m:
            if not groups:
                groups.append(("", []))
            groups[-1][1].append((_title_text(m["title"]), docnumber.normalize(m["number"]), pending_line))
            pending, pending_line = "", 0
    return title, groups


# ---------------------------------------------------------------- the whole issue


def import_issue(source: Path, out_dir: Path) -> ImportResult:
    """Turn one issue's extracted text into content files under `out_dir`; return what was written."""
    raw = source.read_text(encoding="utf-8-sig").splitlines()
    lines = [Line(i + 1, text.rstrip()) for i, text in enumerate(raw)]
    notes: list[ReviewNote] = []

    # 1. regions: a running header followed (after blank lines) by a 文号 opens a document.
    nonblank = [ln for ln in lines if ln.text.strip()]
    starts = [k for k in range(len(nonblank) - 1)
              if HEADER_RE.match(nonblank[k].text) and DOC_NUMBER_RE.match(nonblank[k + 1].text)]
    index_at = next((ln.no for ln in nonblank if INDEX_TITLE_RE.match(_squash(ln.text))
                     and starts and ln.no > nonblank[starts[-1]].no), len(lines) + 1)
    bounds = [nonblank[k].no for k in starts] + [index_at]
    segs = [_parse_segment(lines[bounds[i] - 1:bounds[i + 1] - 1], notes) for i in range(len(starts))]
    sections = list(dict.fromkeys(s.section for s in segs))
    cover = _parse_cover(lines[:bounds[0] - 1] if bounds else lines, set(sections), notes)
    index_title, index_groups = _parse_index(lines[index_at - 1:], set(sections))

    # Pages come from the table of contents, matched by title.
    toc_entries = [(sec, t, p) for sec, entries in cover.toc for t, p in entries]
    by_title = {_squash(s.title): s for s in segs}
    non_docs: dict[str, list[tuple[str, int | None]]] = {}
    for sec, title, page in toc_entries:
        seg = by_title.get(_squash(title))
        if seg is not None:
            seg.page = page
        else:
            non_docs.setdefault(sec, []).append((title, page))
    for seg in segs:
        if seg.page is None:
            notes.append(ReviewNote(seg.header_lines[1], "REVIEW-TOC", f"{seg.doc_number}: 目录中找不到此标题，页码未知"))

    # 3. relocation
    _stitch_continuations(segs, notes)
    _return_orphans(segs, notes)

    # 4.–5. items, checks, joins
    gazette_id = f"{cover.year}-{cover.number:02d}" if cover.year and cover.number else source.stem
    written: list[Path] = []
    doc_dir = out_dir / load.DOCUMENTS_DIR / gazette_id
    doc_dir.mkdir(parents=True, exist_ok=True)
    for n, seg in enumerate(segs, 1):
        items = _classify(seg)
        items = _check_numbering(seg, items, notes)
        _check_attached_title(seg, items, notes)
        items = _join(items)
        _check_ends(seg, items, notes)
        items = _check_figures(seg, items, notes)
        front = _front_matter(seg, items, gazette_id)
        if "signed" not in front:
            notes.append(ReviewNote(seg.header_lines[1], "REVIEW-SIGNATURE", f"{seg.doc_number}: 未找到落款日期"))
        path = doc_dir / f"{n:02d}-{slug_for_doc_number(seg.doc_number)}.md"
        path.write_text(_with_front_matter(front, _markdown(items)), encoding="utf-8")
        written.append(path)

    # The index must list the same documents as the issue.
    listed = {number: (title, line) for _, group in index_groups for title, number, line in group}
    for seg in segs if listed else ():
        entry = listed.get(seg.doc_number)
        if entry is None:
            notes.append(ReviewNote(seg.header_lines[1], "REVIEW-INDEX", f"{seg.doc_number} 不在文件索引中"))
        elif _squash(entry[0]) != _squash(seg.title):
            notes.append(ReviewNote(entry[1], "REVIEW-INDEX",
                                    f"{seg.doc_number}: 文件索引中的标题“{entry[0]}”与正文标题“{seg.title}”不一致"))

    gazette = _gazette_front_matter(cover, sections, non_docs)
    body = _index_markdown(index_title, index_groups)
    gazette_dir = out_dir / load.GAZETTES_DIR
    gazette_dir.mkdir(parents=True, exist_ok=True)
    path = gazette_dir / f"{gazette_id}.md"
    path.write_text(_with_front_matter(gazette, body), encoding="utf-8")
    written.insert(0, path)
    return ImportResult(tuple(written), tuple(sorted(notes, key=lambda n: (n.line, n.code))))


def _gazette_front_matter(cover: Cover, sections: list[str],
                          non_docs: dict[str, list[tuple[str, int | None]]]) -> dict[str, object]:
    data: dict[str, object] = {"title": cover.title, "year": cover.year, "number": cover.number}
    if cover.total_number:
        data["total_number"] = cover.total_number
    data["published"] = cover.published
    if cover.frequency:
        data["frequency"] = cover.frequency
    if cover.remark:
        data["remark"] = cover.remark
    out_sections: list[dict[str, object]] = []
    for title, _ in cover.toc:
        section: dict[str, object] = {"title": title}
        if title in non_docs:
            section["items"] = [{"title": t, "page": p} if p else {"title": t} for t, p in non_docs[title]]
        out_sections.append(section)
    for title in sections:
        if title not in [s["title"] for s in out_sections]:
            out_sections.append({"title": title})
    data["sections"] = out_sections
    if cover.board:
        data["editorial_board"] = cover.board
    if cover.colophon:
        data["colophon"] = cover.colophon
    return data


def _index_markdown(title: str, groups: list[tuple[str, list[tuple[str, str, int]]]]) -> str:
    parts = ["## 文件索引"]
    if title:
        parts.append(f"### {_escape(title)}")
    for section, entries in groups:
        if section:
            parts.append(f"#### {_escape(section)}")
        parts.append("\n".join(f"- {_escape(t)}（{n}）" for t, n, _ in entries))
    return "\n\n".join(parts) + "\n"


def _with_front_matter(data: dict[str, object], body: str) -> str:
    front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n\n{body}"
