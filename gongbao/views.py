"""Views: the frozen records templates read, one per thing a page shows; an absent value is None, never missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields
from types import ModuleType
from typing import Any, ClassVar

from .config import Settings
from .markdown import Heading, Packed, unpacked
from .model import Attachment


@dataclass(frozen=True, slots=True)
class GazetteRef:
    """Where a document was printed."""

    label: str
    """2024年第2期"""
    full_label: str
    """2024年第2期（总第165期）"""
    url: str
    page: int | None
    """Printed start page, when the document has one."""
    number: int
    """期号 within the year."""
    published: dt.date
    """The issue's 出版日期."""
    pdf_url: str | None
    """The printed issue as a PDF, when the gazette has one (a page links it at `#page=<page>`)."""


@dataclass(frozen=True, slots=True)
class StatusView:
    """A document's status as a badge or a banner shows it."""

    code: str
    """in_force, amended, repealed, replaced or expired: the CSS class of the badge."""
    label: str
    """现行有效, 已修改, …"""
    since: dt.date | None
    by: Summary | None
    """The document that ended or amended it (or will, when `pending`)."""
    pending: bool
    in_force: bool
    changes: tuple[StatusChange, ...]
    """The statuses it takes after the as-of date, oldest first: a page shows the one of the day it is read."""


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A status a document takes on a later day (a repeal taking effect, an `expires` date passing)."""

    on: dt.date
    status: StatusView
    """The status from that day on (its own `changes` are empty)."""


@dataclass(frozen=True, slots=True)
class Summary:
    """A document as a list shows it, whether in the collection or only referenced."""

    url: str
    title: str
    """The cited title, or the 文号 when no citation gave one."""
    doc_number: str | None
    signed: dt.date | None
    """成文日期; None for a referenced document."""
    year: int | None
    """Year of the document, known from its 文号 when it is only referenced."""
    in_collection: bool
    status: StatusView
    gazette: GazetteRef | None


@dataclass(frozen=True, slots=True)
class Relation:
    """One line of a page's 关联文件 box."""

    kind: str
    """repeals, replaced_by, …: the CSS class of the label."""
    label: str
    """废止, 被替代, …"""
    doc: Summary


@dataclass(frozen=True, slots=True)
class Edition:
    """One step of a page's 版本沿革 timeline."""

    doc: Summary
    current: bool
    """True for the document of the page showing the timeline."""


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A document of the collection, as its own page shows it."""

    title: str
    doc_number: str | None
    issuers: tuple[str, ...]
    doc_type: str
    signed: dt.date
    published: dt.date | None
    effective: dt.date | None
    expires: dt.date | None
    gazette: GazetteRef | None
    section: str | None
    disclosure: str | None
    index_number: str | None
    """索引号"""
    topics: tuple[str, ...]
    """主题分类"""
    status: StatusView
    attachments: tuple[Attachment, ...]
    relations: tuple[Relation, ...]
    lineage: tuple[Edition, ...]
    outline: tuple[Heading, ...]
    """Headings for the 目录 box; empty when the body is too short to need one."""
    packed_body: Packed
    """The body's HTML as the body cache keeps it (see BodyCache.pack): every view a build makes is kept until
    its pages are written, and is fingerprinted; `body_html` unpacks it for the template."""
    previous: Summary | None
    """The document printed before this one in the same issue."""
    next: Summary | None

    @property
    def body_html(self) -> str:
        return unpacked(self.packed_body)


@dataclass(frozen=True, slots=True)
class ReferencedView:
    """A document known only from the relations of others (未收录全文), as its page shows it."""

    title: str | None
    """As cited; None when no citation gave one."""
    doc_number: str
    status: StatusView
    relations: tuple[Relation, ...]
    lineage: tuple[Edition, ...]


@dataclass(frozen=True, slots=True)
class TocEntry:
    """A line of an issue's 目录: a document of the collection, or an item printed in the issue's body."""

    title: str
    page: int | None
    url: str | None
    """None for an item of the issue's body (e.g. 文件检索)."""
    doc_number: str | None
    status: StatusView | None


@dataclass(frozen=True, slots=True)
class TocSection:
    """A 栏目 of an issue's 目录."""

    title: str
    entries: tuple[TocEntry, ...]


@dataclass(frozen=True, slots=True)
class Issue:
    """A gazette issue as the home page, the issue list and its own page show it."""

    url: str
    title: str
    label: str
    full_label: str
    total_number: int | None
    published: dt.date
    frequency: str | None
    remark: str | None
    sections: tuple[TocSection, ...]
    editorial_board: tuple[tuple[str, str], ...]
    colophon: tuple[tuple[str, str], ...]
    body_html: str
    document_count: int
    pdf_url: str | None
    """The printed issue as a PDF (gazette/<id>/<file>), when the gazette has one."""


@dataclass(frozen=True, slots=True)
class Facet:
    """A value to browse by (an issuer, a 文种, a year), the page listing its documents, and how many."""

    name: str
    url: str
    count: int


@dataclass(frozen=True, slots=True)
class ArchiveGroup:
    """Documents listed together on an archive page."""

    year: Facet | None
    """The year heading on the archive's index; None on a page that lists one year or one facet."""
    documents: tuple[Summary, ...]


@dataclass(frozen=True, slots=True)
class Counts:
    """The figures of the home page."""

    documents: int
    in_force: int
    gazettes: int
    ended: int


@dataclass(frozen=True, slots=True)
class SearchFacets:
    """The choices of the search page's filters."""

    issuers: tuple[str, ...]
    years: tuple[str, ...]
    doc_types: tuple[str, ...]
    statuses: tuple[str, ...]
    gazettes: tuple[str, ...]


# ---------------------------------------------------------------- one class per kind of page


@dataclass(frozen=True, slots=True)
class HomePage:
    template: ClassVar[str] = "home.html"
    latest_gazette: Issue | None
    latest_documents: tuple[Summary, ...]
    counts: Counts


@dataclass(frozen=True, slots=True)
class DocumentPage:
    template: ClassVar[str] = "document.html"
    doc: DocumentView


@dataclass(frozen=True, slots=True)
class ReferencedPage:
    template: ClassVar[str] = "referenced.html"
    doc: ReferencedView


@dataclass(frozen=True, slots=True)
class GazettesPage:
    template: ClassVar[str] = "gazettes.html"
    gazettes: tuple[Issue, ...]


@dataclass(frozen=True, slots=True)
class GazettePage:
    template: ClassVar[str] = "gazette.html"
    gazette: Issue


@dataclass(frozen=True, slots=True)
class ArchivePage:
    """All documents by year, one year, or the documents of one facet value."""

    template: ClassVar[str] = "archive.html"
    heading: str
    groups: tuple[ArchiveGroup, ...]
    years: tuple[Facet, ...]
    """The year navigation; empty on a facet value's page."""


@dataclass(frozen=True, slots=True)
class FacetsPage:
    template: ClassVar[str] = "facets.html"
    label: str
    """发文机关 or 文种"""
    facets: tuple[Facet, ...]


@dataclass(frozen=True, slots=True)
class EndedPage:
    template: ClassVar[str] = "ended.html"
    documents: tuple[Summary, ...]


@dataclass(frozen=True, slots=True)
class SearchPage:
    template: ClassVar[str] = "search.html"
    facets: SearchFacets
    example_number: str | None
    """The newest 文号, shown as an example of how to type one."""


@dataclass(frozen=True, slots=True)
class NotFoundPage:
    template: ClassVar[str] = "404.html"


PageView = (HomePage | DocumentPage | ReferencedPage | GazettesPage | GazettePage | ArchivePage | FacetsPage
            | EndedPage | SearchPage | NotFoundPage)


@dataclass(frozen=True, slots=True)
class PageHead:
    """What a page's head tells search engines, feed readers and link previews, besides its title."""

    url: str | None
    """The page's absolute address (canonical link, og:url); None when the site has no base_url."""
    og_type: str
    """Open Graph type: "article" for a document's page, "website" for any other."""
    feed: str | None
    """Link to the Atom feed; None when the build writes none (no base_url)."""
    structured_data: str | None
    """schema.org JSON-LD of a document's page, already safe inside a <script> element."""


@dataclass(frozen=True, slots=True)
class SiteContext:
    """What every template may read besides its page's view."""

    site: Settings
    page_url: str
    """URL of the page being rendered, relative to the site root."""
    root: str
    """Link from this page to the site root (the search script resolves result links against it)."""
    url: Callable[[str], str]
    """url(target): the link from this page to `target`, a URL relative to the site root."""
    status_as_of: dt.date
    explicit_index: bool
    """True when links name index.html (the offline bundle)."""
    urls: ModuleType
    """gongbao.urls, for the fixed addresses (urls.HOME, urls.ARCHIVE, …)."""
    head: PageHead


def template_context(common: SiteContext, view: PageView) -> dict[str, Any]:
    """The names a template sees: the site's and its page view's fields, shallow, so nested views stay typed."""
    return {f.name: getattr(part, f.name) for part in (common, view) for f in fields(part)}
