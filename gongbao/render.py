"""Render: the library → every page of the site (HTML through Jinja2, and the JSON catalogue)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from . import urls
from .config import Settings
from .markdown import BodyRenderer, Citations, RenderedBody
from .model import RELATION_LABELS, STATUS_LABELS, Document, Gazette
from . import docnumber
from .problems import Problems
from .relations import Library, Status
from .search import SearchRecord
from .slugs import slug_for_name

ASSETS_DIR = "assets"
NOT_FOUND = "404.html"


def cn_date(value: dt.date | None) -> str:
    """2024-06-13 → 2024年6月13日, the way the gazette prints dates."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


@dataclass(frozen=True, slots=True)
class Page:
    """A page to write: its URL, its template and what the template is given."""

    url: str
    template: str
    context: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Rendered:
    """The result of the render stage: the records the search stage indexes."""

    search_records: tuple[SearchRecord, ...]


class SiteRenderer:
    """Turns a library into files under `out_dir`, every link relative to the page that holds it."""

    def __init__(self, lib: Library, settings: Settings, explicit_index: bool = False):
        self.lib = lib
        self.settings = settings
        self.explicit_index = explicit_index
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(settings.templates_path)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["cn_date"] = cn_date
        self.bodies = BodyRenderer(self._citations())
        self.issuer_slugs = _unique_slugs({i for d in lib.documents.values() for i in d.issuers})
        self.type_slugs = _unique_slugs({d.doc_type for d in lib.documents.values()})
        self._bodies: dict[str, RenderedBody] = {}
        self._gazette_views: dict[str, dict[str, Any]] = {}
        # Documents of each issue in printed order: the issue page and every pager need it.
        self.printed: dict[str, list[Document]] = defaultdict(list)
        for d in sorted(lib.documents.values(), key=lambda d: (d.page or 0, d.signed, d.key)):
            if d.gazette:
                self.printed[d.gazette].append(d)

    # ------------------------------------------------------------ helpers

    def _citations(self) -> Citations:
        numbers = {k: k for k in self.lib.referenced}
        numbers.update({d.doc_number: k for k, d in self.lib.documents.items() if d.doc_number})
        titles: dict[str, list[str]] = defaultdict(list)
        for key in list(self.lib.documents) + list(self.lib.referenced):
            title = self.lib.title_of(key)
            if title != key:
                titles[title].append(key)
        return Citations(numbers, {t: tuple(ks) for t, ks in titles.items()})

    def url_of(self, key: str) -> str:
        return urls.document(self.lib.slug_of(key))

    def body_of(self, doc: Document) -> RenderedBody:
        """A document's body, rendered once for its page and for the search index."""
        if doc.key not in self._bodies:
            page_url = self.url_of(doc.key)
            self._bodies[doc.key] = self.bodies.render(
                doc.body, lambda key: self.link(page_url, self.url_of(key)), doc.key)
        return self._bodies[doc.key]

    def doc_summary(self, key: str) -> dict[str, Any]:
        """What a list needs to show one document (in the collection or only referenced)."""
        lib = self.lib
        status = lib.status[key]
        doc = lib.documents.get(key)
        return {
            "key": key,
            "url": self.url_of(key),
            "title": lib.title_of(key),
            "doc_number": doc.doc_number if doc else key,
            "date": doc.signed if doc else None,
            "year": doc.signed.year if doc else (parsed[1] if (parsed := docnumber.parse(key)) else None),
            "issuers": doc.issuers if doc else (),
            "doc_type": doc.doc_type if doc else "",
            "status": self.status_view(status),
            "in_collection": doc is not None,
            "gazette": self.gazette_ref(doc.gazette, doc.page) if doc and doc.gazette else None,
        }

    def gazette_ref(self, gazette_id: str, page: int | None) -> dict[str, Any]:
        g = self.lib.gazettes[gazette_id]
        return {"id": g.id, "label": g.label, "full_label": g.full_label, "url": urls.gazette(g.id),
                "page": page, "published": g.published}

    def status_view(self, status: Status) -> dict[str, Any]:
        by = None
        if status.by is not None:
            by_doc = self.lib.documents[status.by]
            by = {"url": self.url_of(status.by), "title": by_doc.title, "doc_number": by_doc.doc_number,
                  "gazette": self.gazette_ref(by_doc.gazette, by_doc.page) if by_doc.gazette else None}
        return {"code": status.code, "label": status.label, "since": status.since, "by": by,
                "pending": status.pending, "in_force": status.in_force}

    def relation_views(self, key: str) -> list[dict[str, Any]]:
        out = []
        for kind, other in self.lib.relations_of(key):
            summary = self.doc_summary(other)
            summary["type"] = kind
            summary["type_label"] = RELATION_LABELS[kind]
            out.append(summary)
        return out

    # ------------------------------------------------------------ pages

    def pages(self) -> Iterator[Page]:
        lib = self.lib
        docs_newest = sorted(lib.documents, key=lib.sort_key, reverse=True)
        gazettes_newest = sorted(lib.gazettes.values(), key=lambda g: (g.year, g.number), reverse=True)
        latest = gazettes_newest[0] if gazettes_newest else None

        yield Page(urls.HOME, "home.html", {
            "latest_gazette": self.gazette_view(latest) if latest else None,
            "latest_documents": [self.doc_summary(k) for k in docs_newest[:10]],
            "counts": self.counts(),
        })
        for key, doc in lib.documents.items():
            yield Page(self.url_of(key), "document.html", {"doc": self.document_view(doc)})
        for key in lib.referenced:
            yield Page(self.url_of(key), "referenced.html", {"doc": self.referenced_view(key)})
        yield Page(urls.GAZETTES, "gazettes.html", {"gazettes": [self.gazette_view(g) for g in gazettes_newest]})
        for g in gazettes_newest:
            yield Page(urls.gazette(g.id), "gazette.html", {"gazette": self.gazette_view(g)})

        by_year: dict[int, list[str]] = defaultdict(list)
        for key in docs_newest:
            by_year[lib.documents[key].signed.year].append(key)
        years = sorted(by_year, reverse=True)
        yield Page(urls.ARCHIVE, "archive.html", {
            "heading": "按日期", "groups": [
                {"label": f"{y}年", "url": urls.year(y), "documents": [self.doc_summary(k) for k in by_year[y]]}
                for y in years],
            "years": [{"year": y, "url": urls.year(y), "count": len(by_year[y])} for y in years],
        })
        for y in years:
            yield Page(urls.year(y), "archive.html", {
                "heading": f"{y}年", "groups": [{"label": None, "url": None,
                                                "documents": [self.doc_summary(k) for k in by_year[y]]}],
                "years": [{"year": yy, "url": urls.year(yy), "count": len(by_year[yy])} for yy in years],
            })
        yield from self._facet_pages("发文机关", urls.ISSUERS, urls.issuer, self.issuer_slugs,
                                     lambda d: d.issuers, docs_newest)
        yield from self._facet_pages("文种", urls.TYPES, urls.doc_type, self.type_slugs,
                                     lambda d: (d.doc_type,), docs_newest)
        ended = sorted((k for k, s in lib.status.items() if not s.in_force),
                       key=lambda k: (lib.status[k].since or dt.date.min, k), reverse=True)
        yield Page(urls.ENDED, "ended.html", {"documents": [self.doc_summary(k) for k in ended]})
        yield Page(urls.SEARCH, "search.html", {"facets": self.search_facets()})
        yield Page(NOT_FOUND, "404.html", {})

    def _facet_pages(self, label: str, index_url: str, url_for: Callable[[str], str], slugs: dict[str, str],
                     values: Callable[[Document], tuple[str, ...]], order: list[str]) -> Iterator[Page]:
        members: dict[str, list[str]] = defaultdict(list)
        for key in order:
            for v in values(self.lib.documents[key]):
                members[v].append(key)
        facets = [{"name": name, "url": url_for(slugs[name]), "count": len(members[name])}
                  for name in sorted(members, key=lambda n: (-len(members[n]), slug_for_name(n), n))]
        yield Page(index_url, "facets.html", {"label": label, "facets": facets})
        for name, keys in members.items():
            yield Page(url_for(slugs[name]), "archive.html", {
                "heading": f"{label}：{name}",
                "groups": [{"label": None, "url": None, "documents": [self.doc_summary(k) for k in keys]}],
                "years": [],
            })

    def counts(self) -> dict[str, int]:
        statuses = [self.lib.status[k] for k in self.lib.documents]
        return {"documents": len(statuses), "in_force": sum(s.in_force for s in statuses),
                "gazettes": len(self.lib.gazettes), "ended": sum(not s.in_force for s in self.lib.status.values())}

    def search_facets(self) -> dict[str, list[str]]:
        docs = self.lib.documents.values()
        return {
            "issuers": list(self.issuer_slugs),
            "years": [str(y) for y in sorted({d.signed.year for d in docs}, reverse=True)],
            "doc_types": list(self.type_slugs),
            "statuses": [label for code, label in STATUS_LABELS.items()
                         if any(self.lib.status[k].code == code for k in self.lib.documents)],
            "gazettes": [g.label for g in sorted(self.lib.gazettes.values(), key=lambda g: (g.year, g.number), reverse=True)],
        }

    def document_view(self, doc: Document) -> dict[str, Any]:
        lib = self.lib
        view = self.doc_summary(doc.key)
        body = self.body_of(doc)
        view.update({
            "doc": doc,
            "published": doc.published,
            "effective": doc.effective,
            "expires": doc.expires,
            "section": doc.section,
            "page": doc.page,
            "disclosure": doc.disclosure,
            "attachments": doc.attachments,
            "relations": self.relation_views(doc.key),
            "lineage": [dict(self.doc_summary(k), current=k == doc.key) for k in lib.lineage(doc.key)],
            "body_html": body.html,
            "outline": [h for h in body.outline if h.level <= 4] if len(body.outline) >= 6 else [],
            "neighbours": self.neighbours(doc),
        })
        return view

    def referenced_view(self, key: str) -> dict[str, Any]:
        view = self.doc_summary(key)
        view["relations"] = self.relation_views(key)
        view["lineage"] = [dict(self.doc_summary(k), current=k == key) for k in self.lib.lineage(key)]
        return view

    def neighbours(self, doc: Document) -> dict[str, Any]:
        """Previous and next document in the printed order of the same issue."""
        if not doc.gazette:
            return {"prev": None, "next": None}
        same = self.printed[doc.gazette]
        i = same.index(doc)
        prev = self.doc_summary(same[i - 1].key) if i > 0 else None
        nxt = self.doc_summary(same[i + 1].key) if i + 1 < len(same) else None
        return {"prev": prev, "next": nxt}

    def gazette_view(self, g: Gazette) -> dict[str, Any]:
        """An issue as the home page, the issue list and the issue page show it; built once per issue."""
        if g.id not in self._gazette_views:
            self._gazette_views[g.id] = self._build_gazette_view(g)
        return self._gazette_views[g.id]

    def _build_gazette_view(self, g: Gazette) -> dict[str, Any]:
        docs = self.printed[g.id]
        sections = []
        for section in g.sections:
            entries = [dict(self.doc_summary(d.key), page=d.page)
                       for d in docs if d.section == section.title]
            entries += [{"title": item.title, "page": item.page, "url": None, "in_collection": False,
                         "doc_number": None} for item in section.items]
            sections.append({"title": section.title, "entries": entries})
        unsorted = [self.doc_summary(d.key) for d in docs if d.section is None]
        if unsorted:
            sections.append({"title": "其他", "entries": unsorted})
        page_url = urls.gazette(g.id)
        return {
            "id": g.id, "url": page_url, "title": g.title, "label": g.label, "full_label": g.full_label,
            "year": g.year, "number": g.number, "total_number": g.total_number, "published": g.published,
            "frequency": g.frequency, "remark": g.remark, "sections": sections,
            "editorial_board": g.editorial_board, "colophon": g.colophon,
            "body_html": self.bodies.render(g.body, lambda key: self.link(page_url, self.url_of(key)), None).html,
            "document_count": len(docs),
        }

    # ------------------------------------------------------------ output

    def link(self, from_url: str, to_url: str) -> str:
        return urls.relative(from_url, to_url, self.explicit_index)

    def render_page(self, page: Page) -> str:
        template = self.env.get_template(page.template)
        context = dict(page.context)
        if page.url == NOT_FOUND:
            # The 404 page is served in place of any missing URL, so relative links can't work there.
            root = urlsplit(self.settings.base_url).path.rstrip("/") + "/"

            def link(to: str) -> str:
                return root + (urls.page_file(to) if self.explicit_index else to)
        else:
            root = self.link(page.url, urls.HOME).removesuffix("index.html") or "./"

            def link(to: str) -> str:
                return self.link(page.url, to)
        context.update({
            "site": self.settings,
            "page_url": page.url,
            "root": root,
            "url": link,
            "status_as_of": self.lib.as_of,
            "urls": urls,
            "explicit_index": self.explicit_index,
            "status_labels": STATUS_LABELS,
        })
        return template.render(context)

    def catalogue(self) -> str:
        """site/api/documents.json: one record per document, referenced ones included."""
        records = []
        for key in sorted(list(self.lib.documents) + list(self.lib.referenced), key=self.lib.sort_key):
            doc = self.lib.documents.get(key)
            status = self.lib.status[key]
            records.append({
                "doc_number": doc.doc_number if doc else key,
                "title": self.lib.title_of(key) if doc or self.lib.referenced[key].title else None,
                "issuer": list(doc.issuers) if doc else [],
                "doc_type": doc.doc_type if doc else None,
                "date": doc.signed.isoformat() if doc else None,
                "gazette": doc.gazette if doc else None,
                "gazette_label": self.lib.gazettes[doc.gazette].label if doc and doc.gazette else None,
                "page": doc.page if doc else None,
                "status": status.label,
                "status_code": status.code,
                "status_since": status.since.isoformat() if status.since else None,
                "status_by": status.by,
                "url": self.url_of(key),
                "in_collection": doc is not None,
                "relations": [{"type": kind, "doc_number": other} for kind, other in self.lib.relations_of(key)],
            })
        return json.dumps({"generated_for": self.lib.as_of.isoformat(), "documents": records},
                          ensure_ascii=False, indent=1, sort_keys=False) + "\n"

    def search_records(self) -> tuple[SearchRecord, ...]:
        out = []
        for key in sorted(self.lib.documents, key=self.lib.sort_key, reverse=True):
            doc = self.lib.documents[key]
            out.append(SearchRecord(
                url=self.url_of(key), title=doc.title, doc_number=doc.doc_number, issuers=doc.issuers,
                doc_type=doc.doc_type, date=doc.signed.isoformat(), year=doc.signed.year,
                status=self.lib.status[key].label,
                gazette=self.lib.gazettes[doc.gazette].label if doc.gazette else None,
                text=self.body_of(doc).text))
        return tuple(out)


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


def render_site(lib: Library, settings: Settings, out_dir: Path, problems: Problems,
                explicit_index: bool = False) -> Rendered | None:
    """Write every page into `out_dir`; template errors are reported as problems, not raised."""
    try:
        renderer = SiteRenderer(lib, settings, explicit_index)
        for page in renderer.pages():
            target = out_dir / urls.page_file(page.url)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(renderer.render_page(page), encoding="utf-8")
        catalogue = out_dir / urls.CATALOGUE
        catalogue.parent.mkdir(parents=True, exist_ok=True)
        catalogue.write_text(renderer.catalogue(), encoding="utf-8")
        assets = settings.templates_path / ASSETS_DIR
        if assets.is_dir():
            shutil.copytree(assets, out_dir / ASSETS_DIR, dirs_exist_ok=True)
        return Rendered(renderer.search_records())
    except jinja2.TemplateSyntaxError as exc:
        problems.error(exc.filename or settings.templates_path / (exc.name or "?"), exc.lineno, "E025",
                       f"模板语法错误：{exc.message}")
    except jinja2.TemplateError as exc:
        path, line = _template_frame(exc, settings.templates_path)
        problems.error(path, line, "E025", f"模板错误：{exc}")
    return None


def _template_frame(exc: BaseException, templates: Path) -> tuple[str | Path, int]:
    """The innermost template file and line in a Jinja2 traceback."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".j2", ".jinja")):
            return frame.filename, frame.lineno or 0
    return templates, 0
