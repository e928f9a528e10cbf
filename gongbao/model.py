"""The gazette's data model: frozen records for documents, gazette issues and their relations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .kept import quick_pickle

RelationKind = Literal["repeals", "replaces", "amends"]
InverseKind = Literal["repealed_by", "replaced_by", "amended_by"]

#: 废止 / 替代 / 修改 and the names of their inverses.
INVERSE: dict[RelationKind, InverseKind] = {
    "repeals": "repealed_by",
    "replaces": "replaced_by",
    "amends": "amended_by",
}

RELATION_LABELS: dict[str, str] = {
    "repeals": "废止",
    "replaces": "替代",
    "amends": "修改",
    "repealed_by": "被废止",
    "replaced_by": "被替代",
    "amended_by": "被修改",
}

#: Status codes and their labels, in the order the archive lists them.
STATUS_LABELS: dict[str, str] = {
    "in_force": "现行有效",
    "amended": "已修改",
    "repealed": "已废止",
    "replaced": "已被替代",
    "expired": "已失效",
}

#: Markdown containers a body may use (see the README's content guide): the loader checks them,
#: the body renderer renders them.
CONTAINERS = ("addressee", "signature", "disclosure", "editor-note")


@dataclass(frozen=True, slots=True)
class Attachment:
    """An 附件 line of a document."""

    title: str
    omitted: bool = False
    """True when the gazette printed it as （略）: the attachment is not published."""


@dataclass(frozen=True, slots=True)
class RelationDecl:
    """A relation declared once, in the newer document's front-matter."""

    kind: RelationKind
    doc_number: str
    """文号 of the older document."""
    title: str | None
    """Title as cited by the newer document (used when the older one is not in the collection)."""
    line: int
    """Line of the declaration in the newer document's file, for error messages."""


@quick_pickle
@dataclass(frozen=True, slots=True)
class Document:
    """One official document (公文) as published in a gazette."""

    path: str
    """Source file, as shown in messages."""
    title: str
    doc_number: str | None
    """文号, e.g. 武隆府发〔2024〕9号; unique across the collection."""
    slug: str
    """ASCII permalink segment: the page lives at docs/<slug>/."""
    issuers: tuple[str, ...]
    """发文机关; several for a joint issuance."""
    doc_type: str
    """文种: 通告, 决定, 通知, …"""
    signed: dt.date
    """成文日期 (the date under the signature)."""
    published: dt.date | None
    """发布日期, when it differs from the gazette's or is known separately."""
    effective: dt.date | None
    """施行日期; relations it declares take effect on this date (else on `signed`)."""
    expires: dt.date | None
    """有效期至: after this date the document is 已失效."""
    gazette: str | None
    """Id of the gazette issue that printed it (file stem in content/gazettes/)."""
    page: int | None
    """Printed start page in that issue."""
    section: str | None
    """栏目 in that issue."""
    disclosure: str | None
    """公开属性, e.g. 此件公开发布."""
    index_number: str | None
    """索引号, the government information disclosure catalogue's number, shown first in the metadata."""
    topics: tuple[str, ...]
    """主题分类, e.g. 综合政务、城乡建设; empty when not given."""
    attachments: tuple[Attachment, ...]
    relations: tuple[RelationDecl, ...]
    body: str
    """Markdown body."""
    body_line: int
    """Line of the file on which the body starts (for messages about the body)."""
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)
    """Front-matter key → its line in the file, so that a problem with a value points at it."""
    said_repealed: tuple[tuple[int, str], ...] = ()
    """Each 文号 the body says is 废止 (docnumber.said_repealed), with where it starts in the body: found as the file
    is parsed (on another process in a large build), and kept with the record by the build cache."""

    @property
    def takes_effect(self) -> dt.date:
        return self.effective or self.published or self.signed

    @property
    def key(self) -> str:
        return self.doc_number or self.slug


@dataclass(frozen=True, slots=True)
class TocItem:
    """A table-of-contents entry that is not a document of the collection (e.g. 文件检索)."""

    title: str
    page: int | None


@dataclass(frozen=True, slots=True)
class Section:
    """A 栏目 of a gazette issue, in printed order."""

    title: str
    items: tuple[TocItem, ...] = ()


@quick_pickle
@dataclass(frozen=True, slots=True)
class Gazette:
    """One issue (期) of the gazette."""

    id: str
    """File stem, e.g. 2024-02; also the URL segment gazette/<id>/."""
    path: str
    title: str
    year: int
    number: int
    """期号 within the year."""
    total_number: int | None
    """总期号."""
    published: dt.date
    frequency: str | None
    remark: str | None
    sections: tuple[Section, ...]
    editorial_board: tuple[tuple[str, str], ...]
    colophon: tuple[tuple[str, str], ...]
    pdf: Path | None
    """The printed issue as a PDF file beside the gazette file; the site links it and ships a copy."""
    body: str
    body_line: int

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}期"

    @property
    def full_label(self) -> str:
        total = f"（总第{self.total_number}期）" if self.total_number else ""
        return f"{self.label}{total}"


@dataclass(frozen=True, slots=True)
class Content:
    """Everything loaded from content/: the input of the relations stage."""

    documents: tuple[Document, ...]
    gazettes: tuple[Gazette, ...]
