"""Write: each document's items and the issue record → Markdown with YAML front matter, and onto disk."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


from .. import docnumber, load
from ..frontmatter import front_matter_text
from ..slugs import slug_for_doc_number
from .cover import Cover, Index, TocEntry
from .items import Item, ItemKind
from .segment import Segment
from .text import DISCLOSURE_RE, DOC_TYPE_RE

_CITATION = r"《[^《》]+》[（(][^（）()]*?〔\d{4}〕\d+号[）)]"
CITATION_RE = re.compile(r"《(?P<title>[^《》]+)》[（(](?P<number>[^（）()]*?〔\d{4}〕\d+号)[）)]")
#: Citations (several joined by 、 or 和) that are the object of 废止: 对《…》（文号）予以废止,
#: 原《…》（文号）废止, 《…》（文号）同时废止.
REPEAL_RE = re.compile(rf"(?P<old>原)?(?P<cited>{_CITATION}(?:[、和及]{_CITATION})*)(?P<verb>予以废止|同时废止|废止)")


@dataclass(frozen=True, slots=True)
class ContentFile:
    """A file of content/ as the import makes it."""

    path: Path
    """Relative to the content directory."""
    text: str


def gazette_id(cover: Cover) -> str:
    """2024-02 from the cover's 年 and 期 (never from the source's name, which may be anything)."""
    return f"{cover.year}-{cover.number:02d}"


def document_file(gazette: str, n: int, seg: Segment, items: tuple[Item, ...], signed: dt.date) -> ContentFile:
    """The n-th document of the issue, named by its place in the issue and its 文号."""
    path = Path(load.DOCUMENTS_DIR, gazette, f"{n:02d}-{slug_for_doc_number(seg.doc_number)}.md")
    return ContentFile(path, _with_front_matter(_front_matter(seg, items, gazette, signed), _markdown(items)))


def gazette_file(gazette: str, cover: Cover, sections: Iterable[str],
                 non_docs: Mapping[str, list[TocEntry]], index: Index) -> ContentFile:
    """The issue record: the cover's metadata in front matter, the 文件索引 as its body."""
    return ContentFile(Path(load.GAZETTES_DIR, f"{gazette}.md"),
                       _with_front_matter(_gazette_front_matter(cover, sections, non_docs), _index_markdown(index)))


# ---------------------------------------------------------------- Markdown


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


def _markdown(items: tuple[Item, ...]) -> str:
    parts: list[str] = []
    for item in items:
        rows = item.rows
        match item.kind:
            case ItemKind.HEADING | ItemKind.TITLE:
                parts.append("#" * item.level + " " + _escape_inline(rows[0]))
            case ItemKind.PARA | ItemKind.ATTACHMENTS:
                parts.append("\\\n".join(_escape(r) for r in rows))
            case ItemKind.LIST:
                parts.append("\n".join("- " + _escape(r) for r in rows))
            case ItemKind.TABLE:
                cells = [[_escape(c.strip()) for c in r.split("\t")] for r in rows]
                width = max(len(c) for c in cells)
                cells = [c + [""] * (width - len(c)) for c in cells]
                lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * width]
                lines += ["| " + " | ".join(c) + " |" for c in cells[1:]]
                parts.append("\n".join(lines))
            case ItemKind.ADDRESSEE:
                parts.append(f"::: addressee\n{_escape(rows[0])}\n:::")
            case ItemKind.SIGNATURE:
                parts.append(f"::: signature\n{_escape(rows[0])}\\\n{_escape(rows[1])}\n:::")
            case ItemKind.DISCLOSURE:
                parts.append(f"::: disclosure\n{_escape(rows[0])}\n:::")
            case ItemKind.NOTE:
                parts.append(f"::: editor-note\n{_escape(rows[0])}\n:::")
    return "\n\n".join(parts) + "\n"


def _index_markdown(index: Index) -> str:
    parts = ["## 文件索引"]
    if index.title:
        parts.append(f"### {_escape(index.title)}")
    for section, entries in index.groups:
        if section:
            parts.append(f"#### {_escape(section)}")
        parts.append("\n".join(f"- {_escape(e.title)}（{e.doc_number}）" for e in entries))
    return "\n\n".join(parts) + "\n"


def _with_front_matter(data: dict[str, object], body: str) -> str:
    return f"{front_matter_text(data)}\n{body}"


# ---------------------------------------------------------------- front matter


def _relations(items: tuple[Item, ...]) -> dict[str, list[dict[str, str]]]:
    """废止 declared by this document: 决定对《…》予以废止 repeals; 原《…》废止 or 《…》同时废止
    means this document is the new edition that replaces the old one."""
    out: dict[str, list[dict[str, str]]] = {}
    text = "".join(r for item in items if item.kind in (ItemKind.PARA, ItemKind.LIST) for r in item.rows)
    for m in REPEAL_RE.finditer(text):
        kind = "replaces" if m["old"] or m["verb"] == "同时废止" else "repeals"
        for c in CITATION_RE.finditer(m["cited"]):
            relation = {"doc_number": docnumber.normalize(c["number"]), "title": c["title"]}
            # A clause printed twice (a duplicated page) declares nothing new.
            if relation["doc_number"] not in (r["doc_number"] for r in out.get(kind, [])):
                out.setdefault(kind, []).append(relation)
    return out


def _attachments(items: tuple[Item, ...]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for item in items:
        if item.kind is not ItemKind.ATTACHMENTS:
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


def _front_matter(seg: Segment, items: tuple[Item, ...], gazette: str, signed: dt.date) -> dict[str, object]:
    sig = next((i for i in items if i.kind is ItemKind.SIGNATURE), None)
    disclosure = next((i for i in items if i.kind is ItemKind.DISCLOSURE), None)
    doc_type = DOC_TYPE_RE.search(seg.title)
    # Without a signature the organ is named before 关于 in the title, or else by the running header.
    issuer = sig.rows[0] if sig else seg.title.split("关于", 1)[0] or seg.section.removesuffix("文件")
    data: dict[str, object] = {"title": seg.title, "doc_number": seg.doc_number, "issuer": issuer,
                               "doc_type": doc_type[1] if doc_type else "通知"}
    data["signed"] = signed
    data["gazette"] = gazette
    if seg.page is not None:
        data["page"] = seg.page
    data["section"] = seg.section
    if disclosure:
        data["disclosure"] = DISCLOSURE_RE.match(disclosure.rows[0])[1]
    if attachments := _attachments(items):
        data["attachments"] = attachments
    data.update(_relations(items))
    return data


def _gazette_front_matter(cover: Cover, sections: Iterable[str],
                          non_docs: Mapping[str, list[TocEntry]]) -> dict[str, object]:
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
        data["editorial_board"] = dict(cover.board)
    if cover.colophon:
        data["colophon"] = dict(cover.colophon)
    return data
