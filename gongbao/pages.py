"""Pages: the library → every page of the site, each a URL and the frozen view its template reads."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import docnumber, urls
from .digests import TextDigests
from .markdown import BodyCache, BodyRenderer, CachedBody, Citations
from .model import RELATION_LABELS, STATUS_LABELS, Document, Gazette
from .relations import Library, Status, status_changes
from .slugs import slug_for_name
from .views import (ArchiveGroup, ArchivePage, Counts, DocumentPage, DocumentView, Edition, EndedPage, Facet,
                    FacetsPage, GazettePage, GazetteRef, GazettesPage, HomePage, Issue, NotFoundPage, PageView,
                    ReferencedPage, ReferencedView, Relation, SearchFacets, SearchPage, StatusChange, StatusView,
                    Summary, TocEntry, TocSection)

NOT_FOUND = "404.html"
#: A body gets a 目录 box from this many headings on.
OUTLINE_MIN_HEADINGS = 6


@dataclass(frozen=True, slots=True)
class Page:
    """A page to write: its URL and what its template is given (the view names the template)."""

    url: str
    make_view: Callable[[], PageView]
    """Its view, made when first asked for: a build that keeps a document's page never makes its view."""
    modified: dt.date | None
    """The newest date of what the page shows (the sitemap's lastmod); None for the 404 page, which no
    search engine should list."""
    own_body: str = ""
    """The Markdown body of the document it shows (a document's page only): its view is made from that and
    from the library's records without their bodies, nothing else."""

    @staticmethod
    def showing(url: str, view: PageView, modified: dt.date | None) -> Page:
        """A page whose view is made already."""
        return Page(url, lambda: view, modified)

    @property
    def view(self) -> PageView:
        return self.make_view()


class SiteViews:
    """Builds the views of one library; a document's summary and an issue are built once, shared by every page."""

    def __init__(self, lib: Library, explicit_index: bool, bodies: BodyCache | None = None,
                 texts: TextDigests | None = None):
        self.lib = lib
        self.explicit_index = explicit_index
        citations = _citations(lib)
        self.markdown = BodyRenderer(citations)
        # Bodies kept from the previous build, when there was one.
        self.bodies = bodies if bodies is not None else BodyCache()
        self.bodies.start(citations)
        # The build's digests of the bodies (taken once for a string kept from build to build): the cache's keys.
        self.texts = texts or TextDigests()
        self.issuer_slugs = _unique_slugs({i for d in lib.documents.values() for i in d.issuers})
        self.type_slugs = _unique_slugs({d.doc_type for d in lib.documents.values()})
        # Bodies by document key, rendered once for their page and for the search stage's text.
        self._bodies: dict[str, CachedBody] = {}
        self._summaries: dict[str, Summary] = {}
        # One of each for every page that shows the document: built once, and fingerprinted once (see build._Pages).
        self._statuses: dict[str, StatusView] = {}
        self._refs: dict[str, GazetteRef | None] = {}
        self._issues: dict[str, Issue] = {}
        # A page's view is asked for twice in a row (is the page kept? then to render it): only the last is
        # kept, not every document's view at once.
        self._document: tuple[str, DocumentPage] | None = None
        self._modified: dict[str, dt.date] = {}
        # Documents of each issue in printed order: the issue page and every pager need it.
        self.printed: dict[str, list[Document]] = defaultdict(list)
        for d in sorted(lib.documents.values(), key=lambda d: (d.page or 0, d.signed, d.key)):
            if d.gazette:
                self.printed[d.gazette].append(d)

    def link(self, from_url: str, to_url: str) -> str:
        return urls.relative(from_url, to_url, self.explicit_index)

    def url_of(self, key: str) -> str:
        return urls.document(self.lib.slug_of(key))

    def body_of(self, doc: Document) -> CachedBody:
        if doc.key not in self._bodies:
            self._bodies[doc.key] = self._render(doc.body, self.url_of(doc.key), doc.key)
        return self._bodies[doc.key]

    def _render(self, body: str, page_url: str, self_key: str | None) -> CachedBody:
        """A body whose citations link relative to the page showing it, never to that page itself."""
        return self.bodies.render(self.markdown, body, self.texts.of(body), self_key, page_url, self.explicit_index, self.url_of,
                                  lambda url: self.link(page_url, url))

    # ------------------------------------------------------------ the parts of pages

    def summary(self, key: str) -> Summary:
        if key not in self._summaries:
            doc = self.lib.documents.get(key)
            if doc is None:
                self._summaries[key] = Summary(
                    url=self.url_of(key), title=self.lib.title_of(key), doc_number=key, signed=None,
                    year=docnumber.year_of(key), in_collection=False, status=self.status(key), gazette=None)
            else:
                self._summaries[key] = Summary(
                    url=self.url_of(key), title=doc.title, doc_number=doc.doc_number, signed=doc.signed,
                    year=doc.signed.year, in_collection=True, status=self.status(key), gazette=self.gazette_ref(doc))
        return self._summaries[key]

    def gazette_ref(self, doc: Document) -> GazetteRef | None:
        if doc.key not in self._refs:
            g = self.lib.gazettes[doc.gazette] if doc.gazette else None
            self._refs[doc.key] = None if g is None else GazetteRef(
                g.label, g.full_label, urls.gazette(g.id), doc.page, g.number, g.published, _pdf_url(g))
        return self._refs[doc.key]

    def status(self, key: str) -> StatusView:
        if key not in self._statuses:
            changes = tuple(StatusChange(day, self._status_view(s, ())) for day, s in status_changes(self.lib, key))
            self._statuses[key] = self._status_view(self.lib.status[key], changes)
        return self._statuses[key]

    def _status_view(self, s: Status, changes: tuple[StatusChange, ...]) -> StatusView:
        by = self.summary(s.by) if s.by is not None else None
        return StatusView(s.code, s.label, s.since, by, s.pending, s.in_force, changes)

    def relations(self, key: str) -> tuple[Relation, ...]:
        return tuple(Relation(kind, RELATION_LABELS[kind], self.summary(other))
                     for kind, other in self.lib.relations_of(key))

    def lineage(self, key: str) -> tuple[Edition, ...]:
        return tuple(Edition(self.summary(k), k == key) for k in self.lib.lineage(key))

    def document(self, doc: Document) -> DocumentView:
        body = self.body_of(doc)
        outline = [h for h in body.outline if h.level <= 4] if len(body.outline) >= OUTLINE_MIN_HEADINGS else []
        same = self.printed[doc.gazette] if doc.gazette else [doc]  # outside any issue: no neighbours
        i = same.index(doc)
        return DocumentView(
            title=doc.title, doc_number=doc.doc_number, issuers=doc.issuers, doc_type=doc.doc_type,
            signed=doc.signed, published=doc.published, effective=doc.effective, expires=doc.expires,
            gazette=self.gazette_ref(doc), section=doc.section, disclosure=doc.disclosure,
            index_number=doc.index_number, topics=doc.topics, status=self.status(doc.key),
            attachments=doc.attachments, relations=self.relations(doc.key),
            lineage=self.lineage(doc.key), outline=tuple(outline), packed_body=body.packed_html,
            previous=self.summary(same[i - 1].key) if i > 0 else None,
            next=self.summary(same[i + 1].key) if i + 1 < len(same) else None)

    def document_page(self, doc: Document) -> DocumentPage:
        if self._document is None or self._document[0] != doc.key:
            self._document = doc.key, DocumentPage(self.document(doc))
        return self._document[1]

    def referenced(self, key: str) -> ReferencedView:
        return ReferencedView(self.lib.referenced[key].title, key, self.status(key), self.relations(key),
                              self.lineage(key))

    def issue(self, g: Gazette) -> Issue:
        if g.id not in self._issues:
            self._issues[g.id] = self._build_issue(g)
        return self._issues[g.id]

    def _build_issue(self, g: Gazette) -> Issue:
        docs = self.printed[g.id]
        sections = []
        for section in g.sections:
            entries = [self._toc_entry(d) for d in docs if d.section == section.title]
            entries += [TocEntry(item.title, item.page, None, None, None) for item in section.items]
            sections.append(TocSection(section.title, tuple(entries)))
        unsorted = tuple(self._toc_entry(d) for d in docs if d.section is None)
        if unsorted:
            sections.append(TocSection("其他", unsorted))
        page_url = urls.gazette(g.id)
        body = self._render(g.body, page_url, None)
        return Issue(
            url=page_url, title=g.title, label=g.label, full_label=g.full_label, total_number=g.total_number,
            published=g.published, frequency=g.frequency, remark=g.remark, sections=tuple(sections),
            editorial_board=g.editorial_board, colophon=g.colophon, body_html=body.html, document_count=len(docs),
            pdf_url=_pdf_url(g))

    def _toc_entry(self, doc: Document) -> TocEntry:
        return TocEntry(doc.title, doc.page, self.url_of(doc.key), doc.doc_number, self.status(doc.key))

    # ------------------------------------------------------------ pages

    def pages(self) -> Iterator[Page]:
        lib = self.lib
        docs_newest = sorted(lib.documents, key=lib.sort_key, reverse=True)
        gazettes_newest = sorted(lib.gazettes.values(), key=lambda g: (g.year, g.number), reverse=True)

        everything = self.modified(list(lib.documents) + list(lib.referenced))
        yield Page.showing(urls.HOME, HomePage(
            latest_gazette=self.issue(gazettes_newest[0]) if gazettes_newest else None,
            latest_documents=self._summaries_of(docs_newest[:10]), counts=self.counts()), everything)
        for doc in lib.documents.values():
            yield Page(self.url_of(doc.key), functools.partial(self.document_page, doc), self.modified([doc.key]),
                       doc.body)
        for key in lib.referenced:
            yield Page.showing(self.url_of(key), ReferencedPage(self.referenced(key)), self.modified([key]))
        yield Page.showing(urls.GAZETTES, GazettesPage(tuple(self.issue(g) for g in gazettes_newest)), everything)
        for g in gazettes_newest:
            yield Page.showing(urls.gazette(g.id), GazettePage(self.issue(g)),
                               self.modified([d.key for d in self.printed[g.id]], g.published))

        by_year: dict[int, list[str]] = defaultdict(list)
        for key in docs_newest:
            by_year[lib.documents[key].signed.year].append(key)
        newest_years = sorted(by_year.items(), reverse=True)
        nav = tuple(Facet(f"{y}年", urls.year(y), len(keys)) for y, keys in newest_years)
        groups = [ArchiveGroup(year, self._summaries_of(keys)) for year, (_, keys) in zip(nav, newest_years)]
        yield Page.showing(urls.ARCHIVE, ArchivePage("按日期", tuple(groups), nav), everything)
        for year, group, (_, keys) in zip(nav, groups, newest_years):
            yield Page.showing(year.url, ArchivePage(year.name, (ArchiveGroup(None, group.documents),), nav),
                               self.modified(keys))
        yield from self._facet_pages("发文机关", urls.ISSUERS, urls.issuer, self.issuer_slugs,
                                     lambda d: d.issuers, docs_newest)
        yield from self._facet_pages("文种", urls.TYPES, urls.doc_type, self.type_slugs,
                                     lambda d: (d.doc_type,), docs_newest)
        ended = sorted((k for k, s in lib.status.items() if not s.in_force),
                       key=lambda k: (lib.status[k].since or dt.date.min, k), reverse=True)
        yield Page.showing(urls.ENDED, EndedPage(self._summaries_of(ended)), self.modified(ended) or everything)
        example = next((d.doc_number for k in docs_newest if (d := lib.documents[k]).doc_number), None)
        yield Page.showing(urls.SEARCH, SearchPage(self.search_facets(), example), everything)
        yield Page.showing(NOT_FOUND, NotFoundPage(), None)

    def modified(self, keys: list[str], published: dt.date | None = None) -> dt.date | None:
        """When a page showing these documents (and an issue `published` then) last changed: the newest
        of their dates, of the dates of the documents related to them, and of the status changes they
        had by the as-of date, which it never passes. None for a page showing nothing dated."""
        dates = [self._modified_of(k) for k in keys]
        if published:
            dates.append(min(published, self.lib.as_of))
        return max(dates, default=None)

    def _modified_of(self, key: str) -> dt.date:
        if key not in self._modified:
            lib = self.lib
            related = [key] + [other for _, other in lib.relations_of(key)]
            dates = [day for k in related if k in lib.documents for day in _dates(lib, lib.documents[k])]
            since = lib.status[key].since
            if since and since <= lib.as_of:
                dates.append(since)
            self._modified[key] = min(max(dates), lib.as_of)
        return self._modified[key]

    def _summaries_of(self, keys: list[str]) -> tuple[Summary, ...]:
        return tuple(self.summary(k) for k in keys)

    def _facet_pages(self, label: str, index_url: str, url_for: Callable[[str], str], slugs: dict[str, str],
                     values: Callable[[Document], tuple[str, ...]], order: list[str]) -> Iterator[Page]:
        members: dict[str, list[str]] = defaultdict(list)
        for key in order:
            for v in values(self.lib.documents[key]):
                members[v].append(key)
        facets = tuple(Facet(name, url_for(slugs[name]), len(members[name]))
                       for name in sorted(members, key=lambda n: (-len(members[n]), slug_for_name(n), n)))
        yield Page.showing(index_url, FacetsPage(label, facets), self.modified(order))
        for name, keys in members.items():
            yield Page.showing(url_for(slugs[name]), ArchivePage(
                f"{label}：{name}", (ArchiveGroup(None, self._summaries_of(keys)),), ()), self.modified(keys))

    def counts(self) -> Counts:
        statuses = [self.lib.status[k] for k in self.lib.documents]
        return Counts(documents=len(statuses), in_force=sum(s.in_force for s in statuses),
                      gazettes=len(self.lib.gazettes), ended=sum(not s.in_force for s in self.lib.status.values()))

    def search_facets(self) -> SearchFacets:
        """Every value the index holds: referenced documents are searched too, so their statuses and the
        years of their 文号 are choices as well. A status a document takes after the build is a choice
        too: the page filters by the day it is read."""
        keys = [*self.lib.documents, *self.lib.referenced]
        codes = {s.code for k in keys for s in (self.lib.status[k], *(s for _, s in status_changes(self.lib, k)))}
        years = {self.summary(k).year for k in keys}
        return SearchFacets(
            issuers=tuple(self.issuer_slugs),
            years=tuple(str(y) for y in sorted((y for y in years if y), reverse=True)),
            doc_types=tuple(self.type_slugs),
            statuses=tuple(label for code, label in STATUS_LABELS.items() if code in codes),
            gazettes=tuple(g.label for g in sorted(self.lib.gazettes.values(), key=lambda g: (g.year, g.number),
                                                   reverse=True)))


def _pdf_url(g: Gazette) -> str | None:
    return urls.gazette_file(g.id, g.pdf.name) if g.pdf else None


def _citations(lib: Library) -> Citations:
    """What bodies may cite: every 文号 and every title of the collection and of referenced documents."""
    numbers = {k: k for k in lib.referenced}
    numbers.update({d.doc_number: k for k, d in lib.documents.items() if d.doc_number})
    titles: dict[str, list[str]] = defaultdict(list)
    for key in list(lib.documents) + list(lib.referenced):
        title = lib.title_of(key)
        if title != key:
            titles[title].append(key)
    return Citations(numbers, {t: tuple(ks) for t, ks in titles.items()})


def _dates(lib: Library, doc: Document) -> list[dt.date]:
    """The days a document appeared: signed, published, and the issue that printed it."""
    printed = [lib.gazettes[doc.gazette].published] if doc.gazette else []
    return [doc.signed, *([doc.published] if doc.published else []), *printed]


def _unique_slugs(names: set[str]) -> dict[str, str]:
    """Initials-based slugs, disambiguated deterministically (-2, -3…) when two names share initials."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(names, key=lambda n: (slug_for_name(n), n)):
        base = slug_for_name(name)
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        out[name] = slug
    return out
