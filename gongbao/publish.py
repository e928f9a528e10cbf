"""Publishing: what a site tells machines — sitemap.xml, robots.txt, the Atom feed, and each page's head."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jinja2.utils import htmlsafe_json_dumps

from . import urls
from .config import Settings
from .pages import NOT_FOUND, Page
from .views import DocumentPage, DocumentView, PageHead, ReferencedPage, ReferencedView, StatusView, Summary

SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
FEED = "feed.xml"
#: The feed holds the newest documents, as many as a few issues print.
FEED_ENTRIES = 50

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"
#: Dublin Core: an entry's 文号 as dc:identifier, which feed readers and harvesters understand.
DC_NS = "http://purl.org/dc/elements/1.1/"
ET.register_namespace("dc", DC_NS)
#: The gazette's dates are Beijing dates; Atom wants a time and a zone, so a day is its midnight there.
DAY_START = "T00:00:00+08:00"

#: What `check` says when the site has no base_url.
WITHOUT_BASE_URL = (f"提示：gongbao.yaml 未设置 base_url，构建时不生成 {SITEMAP}、{ROBOTS} 和 {FEED}，页面也不带规范网址"
                    "（canonical、og:url）：它们都须写明网站的完整网址。网站上线前请填写，如 "
                    "base_url: https://www.example.gov.cn/gongbao/")

#: schema.org's LegalForceStatus of each status code; any other code is NotInForce.
LEGAL_FORCE = {"in_force": "InForce", "amended": "PartiallyInForce"}
#: schema.org's terms for the relations a document declares; schema.org has no term for 替代, so a new
#: edition is said to change the old one (legislationChanges names replacement among its meanings).
RELATION_TERMS = {"repeals": "legislationRepeals", "amends": "legislationAmends", "replaces": "legislationChanges"}
#: A relation a document receives is the other's declared one, said in reverse (JSON-LD's @reverse).
RECEIVED_TERMS = {"repealed_by": "legislationRepeals", "amended_by": "legislationAmends",
                  "replaced_by": "legislationChanges"}


def write_discovery(out_dir: Path, settings: Settings, pages: Sequence[Page], as_of: dt.date) -> tuple[str, ...]:
    """sitemap.xml, robots.txt and feed.xml at the site's root, when the site knows its address; their names."""
    if not settings.base_url:
        return ()
    _write_xml(out_dir / SITEMAP, sitemap(settings, pages), SITEMAP_NS)
    (out_dir / ROBOTS).write_text(robots(settings), encoding="utf-8")
    _write_xml(out_dir / FEED, feed(settings, pages, as_of), ATOM_NS)
    return SITEMAP, ROBOTS, FEED


def absolute(settings: Settings, url: str) -> str:
    """A page's address on the web; `url` is relative to the site root."""
    return settings.base_url + url


def sitemap(settings: Settings, pages: Sequence[Page]) -> ET.Element:
    """Every page but the 404 page, with the date of the newest thing it shows."""
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for page in pages:
        if page.url == NOT_FOUND:
            continue
        entry = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = absolute(settings, page.url)
        if page.modified:
            ET.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = page.modified.isoformat()
    return root


def robots(settings: Settings) -> str:
    # Crawlers read robots.txt only at a host's root: under a sub-path, the host's own file must name the sitemap.
    return f"User-agent: *\nDisallow:\n\nSitemap: {absolute(settings, SITEMAP)}\n"


def feed(settings: Settings, pages: Sequence[Page], as_of: dt.date) -> ET.Element:
    """An Atom feed of the newest documents: each entry links its page and gives its 文号, 发文机关 and date."""
    documents = sorted(((p, p.view.doc) for p in pages if isinstance(p.view, DocumentPage)),
                       key=lambda x: (x[1].signed, x[1].doc_number or "", x[0].url), reverse=True)[:FEED_ENTRIES]
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    _atom(root, "title", settings.title)
    _atom(root, "subtitle", settings.description)
    _atom(root, "id", absolute(settings, urls.HOME))
    _atom(root, "link", rel="self", type="application/atom+xml", href=absolute(settings, FEED))
    _atom(root, "link", rel="alternate", type="text/html", href=absolute(settings, urls.HOME))
    newest = max((p.modified for p, _ in documents if p.modified), default=None)
    _atom(root, "updated", _when(newest or as_of))
    author = _atom(root, "author")
    _atom(author, "name", settings.organ or settings.title)
    _atom(root, "generator", "gongbao")
    for page, doc in documents:
        entry = _atom(root, "entry")
        _atom(entry, "title", doc.title)
        _atom(entry, "id", absolute(settings, page.url))
        _atom(entry, "link", rel="alternate", type="text/html", href=absolute(settings, page.url))
        _atom(entry, "published", _when(doc.published or doc.signed))
        _atom(entry, "updated", _when(page.modified or doc.signed))
        for issuer in doc.issuers:
            _atom(_atom(entry, "author"), "name", issuer)
        _atom(entry, "category", term=doc.doc_type)
        if doc.doc_number:
            ET.SubElement(entry, f"{{{DC_NS}}}identifier").text = doc.doc_number
        _atom(entry, "summary", _summary(doc))
    return root


def _summary(doc: DocumentView) -> str:
    parts = [f"文号：{doc.doc_number}"] if doc.doc_number else []
    parts += [f"发文机关：{'、'.join(doc.issuers)}", f"成文日期：{doc.signed.isoformat()}"]
    if doc.gazette:
        parts.append(f"刊载：{doc.gazette.full_label}" + (f"第{doc.gazette.page}页" if doc.gazette.page else ""))
    return "；".join(parts)


def _atom(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attributes)
    element.text = text
    return element


def _when(day: dt.date) -> str:
    return day.isoformat() + DAY_START


def _write_xml(path: Path, root: ET.Element, namespace: str) -> None:
    # ElementTree's prefixes are global; the file's own namespace is made the default one, written unprefixed.
    ET.register_namespace("", namespace)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------- a page's head


def page_head(settings: Settings, page: Page, link: Callable[[str], str]) -> PageHead:
    """What the head of `page` says besides its title; `link(url)` is the link to `url` from the page."""
    def address(url: str) -> str:
        return absolute(settings, url) if settings.base_url else link(url)

    view = page.view
    structured = None
    if isinstance(view, (DocumentPage, ReferencedPage)):
        data = legislation(view.doc, settings, address(page.url), address)
        structured = str(htmlsafe_json_dumps(data, ensure_ascii=False, indent=1))
    return PageHead(
        url=absolute(settings, page.url) if settings.base_url and page.url != NOT_FOUND else None,
        og_type="article" if structured else "website",
        feed=link(FEED) if settings.base_url else None,
        structured_data=structured)


def legislation(doc: DocumentView | ReferencedView, settings: Settings, url: str,
                address: Callable[[str], str]) -> dict[str, Any]:
    """A document as schema.org Legislation (JSON-LD): what it is, who issued it, whether it is in force,
    what it changes and what changed it, and where the gazette printed it."""
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "Legislation", "@id": url, "url": url}
    if doc.title:
        data["name"] = doc.title
    if doc.doc_number:
        data["legislationIdentifier"] = doc.doc_number
    data["legislationLegalForce"] = legal_force(doc.status)
    if isinstance(doc, DocumentView):
        data["inLanguage"] = "zh-CN"
        data["legislationType"] = doc.doc_type
        data["legislationDate"] = doc.signed.isoformat()
        if doc.published:
            data["datePublished"] = doc.published.isoformat()
        data["legislationPassedBy"] = [{"@type": "GovernmentOrganization", "name": name} for name in doc.issuers]
        if doc.gazette:
            # Printed in an issue, a document is also an Article of it: schema.org's way to give its start page.
            data["@type"] = ["Legislation", "Article"]
            data["isPartOf"] = {
                "@type": "PublicationIssue", "@id": address(doc.gazette.url), "url": address(doc.gazette.url),
                "name": f"{settings.title} {doc.gazette.full_label}", "issueNumber": str(doc.gazette.number),
                "datePublished": doc.gazette.published.isoformat(),
                "isPartOf": {"@type": "Periodical", "name": settings.title, "url": address(urls.HOME)}}
            if doc.gazette.page:
                data["pageStart"] = doc.gazette.page
    for relation in doc.relations:
        if relation.kind in RELATION_TERMS:
            data.setdefault(RELATION_TERMS[relation.kind], []).append(_reference(relation.doc, address))
        else:
            data.setdefault("@reverse", {}).setdefault(RECEIVED_TERMS[relation.kind], []).append(
                _reference(relation.doc, address))
    return data


def legal_force(status: StatusView) -> str:
    return "https://schema.org/" + LEGAL_FORCE.get(status.code, "NotInForce")


def _reference(doc: Summary, address: Callable[[str], str]) -> dict[str, Any]:
    """Another document, as a relation names it."""
    data: dict[str, Any] = {"@type": "Legislation", "@id": address(doc.url)}
    if doc.doc_number:
        data["legislationIdentifier"] = doc.doc_number
    if doc.title != doc.doc_number:  # a referenced document's title is its 文号 when no citation gave one
        data["name"] = doc.title
    return data
