"""Publishing: sitemap, robots.txt and the Atom feed, each page's head (JSON-LD, Open Graph, favicon), and
statuses that stay true after the build, from disk and served, in pages and in search."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
import zoneinfo
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin

import pytest

from conftest import BASE_DOCUMENT, REPO, run, write_project
from gongbao import build as pipeline
from gongbao import urls
from gongbao.config import base_url_problem, load_settings
from gongbao.load import load_content
from gongbao.problems import Problems
from gongbao.publish import WITHOUT_BASE_URL
from gongbao.relations import build_library, status_changes
from gongbao.search import make_offline
from tests.browser import chromium, served
from tests.page_parts import PageParts, parse

BASE_URL = "https://www.example.gov.cn/gongbao/"
BUILT = dt.date(2024, 7, 1)
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
#: schema.org's LegalForceStatus for each status code, as the issue asks.
LEGAL_FORCE = {"in_force": "InForce", "amended": "PartiallyInForce", "repealed": "NotInForce",
               "replaced": "NotInForce", "expired": "NotInForce"}
DECLARED = {"repeals": "legislationRepeals", "amends": "legislationAmends", "replaces": "legislationChanges"}
RECEIVED = {"repealed_by": "legislationRepeals", "amended_by": "legislationAmends", "replaced_by": "legislationChanges"}


def _build(settings_dir: Path, out: Path, as_of: dt.date = BUILT, base_url: str = BASE_URL,
           explicit_index: bool = False) -> Path:
    problems = Problems()
    settings = replace(load_settings(settings_dir, problems), base_url=base_url)
    return pipeline.build(settings, as_of, problems, output=out, explicit_index=explicit_index).output


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled gazette, built on 2024-07-01 (before its repeals take effect), with a base_url."""
    return _build(REPO, tmp_path_factory.mktemp("published") / "site")


def _pages(site: Path) -> dict[str, Path]:
    """Every page of a site by its URL (relative to the root), the 404 page aside."""
    out = {}
    for path in site.rglob("*.html"):
        rel = path.relative_to(site).as_posix()
        if rel != "404.html":
            out[rel.removesuffix("index.html")] = path
    return out


def _page_of(site: Path, address: str) -> Path:
    assert address.startswith(BASE_URL), address
    page = _pages(site).get(address.removeprefix(BASE_URL))
    assert page is not None, f"{address} is not a page of the site"
    return page


def _structured(page: Path | PageParts) -> dict:  # type: ignore[type-arg]
    parts = page if isinstance(page, PageParts) else parse(page)
    (script,) = parts.find("script", type="application/ld+json")
    return json.loads(script.text)  # type: ignore[no-any-return]


def _identifiers(nodes: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [n["legislationIdentifier"] for n in nodes]


# --- discovery: sitemap, robots.txt, feed ---------------------------------------------------------

def test_sitemap_lists_every_page_with_the_date_of_its_content(site: Path) -> None:
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    entries = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root}
    assert sorted(_page_of(site, loc) for loc in entries) == sorted(_pages(site).values())
    lastmod = {loc: dt.date.fromisoformat(str(day)) for loc, day in entries.items()}
    assert all(day <= BUILT for day in lastmod.values())  # the issue came out later: never after the build
    assert lastmod[BASE_URL] == max(lastmod.values())


def _unprinted(number: int, signed: str, extra: str = "") -> str:
    """A document in no gazette issue, so that its own dates are all it has."""
    return BASE_DOCUMENT.replace("〔2024〕9号", f"〔2024〕{number}号").replace("2024-06-13", signed).replace(
        "gazette: 2024-01\npage: 1\nsection: 区政府文件\n", extra)


def test_a_pages_date_is_the_newest_of_what_it_shows(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {
        "content/documents/base.md": _unprinted(1, "2024-01-10"),
        "content/documents/b.md": _unprinted(2, "2024-03-05", "effective: 2024-04-01\nrepeals: [武隆府发〔2024〕1号]\n"),
        "content/documents/c.md": _unprinted(3, "2024-02-01")})
    root = ET.parse(_build(project, tmp_path / "site") / "sitemap.xml").getroot()
    lastmod = {str(u.findtext(f"{SITEMAP}loc")).removeprefix(BASE_URL): u.findtext(f"{SITEMAP}lastmod") for u in root}
    assert lastmod["docs/wlff-2024-1/"] == "2024-04-01"  # the day its repeal took effect
    assert lastmod["docs/wlff-2024-2/"] == "2024-03-05"
    assert lastmod["docs/wlff-2024-3/"] == "2024-02-01"
    assert lastmod[""] == lastmod["archive/2024/"] == "2024-04-01"


def test_robots_txt_names_the_sitemap(site: Path) -> None:
    lines = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines and f"Sitemap: {BASE_URL}sitemap.xml" in lines


def test_feed_has_the_newest_documents_with_their_number_issuer_and_date(site: Path) -> None:
    root = ET.parse(site / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == BASE_URL + "feed.xml"  # type: ignore[union-attr]
    entries = root.findall(f"{ATOM}entry")
    catalogue = json.loads((site / "api" / "documents.json").read_text(encoding="utf-8"))["documents"]
    assert len(entries) == sum(r["in_collection"] for r in catalogue)
    published = [e.findtext(f"{ATOM}published") for e in entries]
    assert published == sorted(published, reverse=True)  # newest first
    for entry in entries:
        (link,) = entry.findall(f"{ATOM}link")
        assert entry.findtext(f"{ATOM}id") == link.get("href")
        data = _structured(_page_of(site, str(link.get("href"))))
        assert entry.findtext(f"{ATOM}title") == data["name"]
        assert entry.findtext(f"{DC}identifier") == data["legislationIdentifier"]
        assert [a.findtext(f"{ATOM}name") for a in entry.findall(f"{ATOM}author")] == [
            organ["name"] for organ in data["legislationPassedBy"]]
        assert str(entry.findtext(f"{ATOM}published")).startswith(data["legislationDate"])
        assert data["legislationIdentifier"] in str(entry.findtext(f"{ATOM}summary"))


def test_every_page_links_the_feed_and_tells_link_previews_about_itself(site: Path) -> None:
    for url, path in [*_pages(site).items(), ("404.html", site / "404.html")]:
        parts = parse(path)
        (feed,) = parts.find("link", rel="alternate", type="application/atom+xml")
        assert urljoin(BASE_URL + url, str(feed.attrs["href"])) == BASE_URL + "feed.xml", url
        assert parts.meta("og:title") and parts.meta("og:description") and parts.meta("description"), url
        assert parts.meta("og:type") == ("article" if url.startswith("docs/") else "website"), url
        assert parts.meta("og:site_name") and parts.meta("og:locale") == "zh_CN"
        if url == "404.html":
            assert parts.meta("og:url") is None and not parts.find("link", rel="canonical")
        else:
            assert parts.meta("og:url") == parts.find("link", rel="canonical")[0].attrs["href"] == BASE_URL + url
        (icon,) = parts.find("link", rel="icon")
        favicon = site / urljoin(BASE_URL + url, str(icon.attrs["href"])).removeprefix(BASE_URL)
        assert ET.parse(favicon).getroot().tag == "{http://www.w3.org/2000/svg}svg", url


def test_without_base_url_nothing_names_an_address_and_check_says_why(tmp_path: Path, project: Path) -> None:
    site = _build(project, tmp_path / "site", base_url="")
    assert not [n for n in ("sitemap.xml", "robots.txt", "feed.xml") if (site / n).exists()]
    parts = parse(site / "index.html")
    assert not parts.find("link", rel="alternate") and not parts.find("link", rel="canonical")
    assert parts.meta("og:url") is None and parts.meta("og:title")
    checked = run(project, "check")
    assert checked.exit_code == 0 and WITHOUT_BASE_URL in checked.output
    (project / "gongbao.yaml").write_text(f"title: 测试公报\nbase_url: {BASE_URL}\n", encoding="utf-8")
    assert WITHOUT_BASE_URL not in run(project, "check").output


@pytest.mark.parametrize("value, ok", [
    ("https://www.example.gov.cn/gongbao/", True), ("http://10.1.2.3:8080/", True),
    ("https://www.example.gov.cn", False), ("https://www.example.gov.cn/gongbao", False),
    ("www.example.gov.cn/gongbao/", False), ("/gongbao/", False), ("ftp://example.gov.cn/", False),
    ("https://example.gov.cn/?a=1/", False), ("https://example.gov.cn/a b/", False)])
def test_base_url_must_be_an_absolute_http_address_ending_in_a_slash(value: str, ok: bool) -> None:
    assert (base_url_problem(value) is None) == ok


# --- structured data ------------------------------------------------------------------------------

def test_every_document_page_names_its_number_legal_force_and_relations(site: Path) -> None:
    catalogue = json.loads((site / "api" / "documents.json").read_text(encoding="utf-8"))["documents"]
    assert len(catalogue) == 17
    for record in catalogue:
        data = _structured(site / record["url"] / "index.html")
        assert data["@context"] == "https://schema.org" and "Legislation" in data["@type"]
        assert data["legislationIdentifier"] == record["doc_number"]
        assert data["legislationLegalForce"] == "https://schema.org/" + LEGAL_FORCE[record["status_code"]]
        assert data["@id"] == BASE_URL + record["url"]
        for relation in record["relations"]:
            kind, number = relation["type"], relation["doc_number"]
            nodes = data[DECLARED[kind]] if kind in DECLARED else data["@reverse"][RECEIVED[kind]]
            assert number in _identifiers(nodes), (record["doc_number"], relation)
        if record["in_collection"]:
            assert data["legislationType"] == record["doc_type"] and data["legislationDate"] == record["date"]
            assert [o["name"] for o in data["legislationPassedBy"]] == record["issuer"]
            issue = data["isPartOf"]
            assert issue["@type"] == "PublicationIssue" and record["gazette_label"] in issue["name"]
            assert data["pageStart"] == record["page"] and issue["url"] == BASE_URL + "gazette/2024-02/"
        else:
            assert "isPartOf" not in data and "legislationDate" not in data


TINY = {  # repealed after the build, repealed long after it, amended, expired, and a hostile title
    "content/documents/repeal.md": BASE_DOCUMENT.replace("森林防火禁火令的通告", "废止禁火令的决定").replace(
        "〔2024〕9号", "〔2024〕10号").replace("2024-06-13", "2024-06-20").replace(
        "disclosure:", "effective: 2024-08-01\nrepeals: [武隆府发〔2024〕9号]\ndisclosure:"),
    "content/documents/old.md": BASE_DOCUMENT.replace("发布森林防火禁火令的通告", "</script><script>alert(1)</script>印发城乡办法的通知").replace(
        "〔2024〕9号", "〔2024〕5号").replace("2024-06-13", "2024-03-01").replace("森林防火禁火令", "城乡建设管理办法"),
    "content/documents/future.md": BASE_DOCUMENT.replace("〔2024〕9号", "〔2024〕12号").replace(
        "2024-06-13", "2024-06-25").replace("disclosure:", "effective: 2099-01-01\nrepeals: [武隆府发〔2024〕5号]\n"
                                            "amends: [武隆府发〔2024〕6号]\ndisclosure:"),
    "content/documents/amended.md": BASE_DOCUMENT.replace("〔2024〕9号", "〔2024〕6号").replace("2024-06-13", "2024-02-01"),
    "content/documents/amending.md": BASE_DOCUMENT.replace("〔2024〕9号", "〔2024〕7号").replace(
        "2024-06-13", "2024-06-01").replace("disclosure:", "amends: [武隆府发〔2024〕6号]\ndisclosure:"),
    "content/documents/expiring.md": BASE_DOCUMENT.replace("〔2024〕9号", "〔2024〕8号").replace(
        "2024-06-13", "2024-05-01").replace("disclosure:", "expires: 2024-12-31\ndisclosure:"),
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("tiny") / "proj", TINY)


@pytest.fixture(scope="module")
def tiny_site(tiny: Path) -> Path:
    """The tiny project built on 2024-07-01."""
    return _build(tiny, tiny.parent / "site")


def test_a_title_cannot_end_the_structured_data_script(tiny_site: Path) -> None:
    site = tiny_site
    parts = parse(site / "docs" / "wlff-2024-5" / "index.html")
    (assets,) = (site / "assets").iterdir()  # assets/<digest>/: the one folder the build published them in
    assert [s.attrs.get("type") or s.attrs.get("src") for s in parts.find("script")] == [
        "application/ld+json", f"../../assets/{assets.name}/reading.js", f"../../assets/{assets.name}/status.js"]
    assert _structured(parts)["name"] == "重庆市武隆区人民政府关于</script><script>alert(1)</script>印发城乡办法的通知"
    forces = {n: _structured(site / "docs" / f"wlff-2024-{n}" / "index.html")["legislationLegalForce"]
              for n in (6, 8, 9)}
    assert forces == {6: "https://schema.org/PartiallyInForce", 8: "https://schema.org/InForce",
                      9: "https://schema.org/InForce"}


# --- status that stays true ---------------------------------------------------------------------

def test_a_document_knows_the_statuses_it_will_take(tiny: Path) -> None:
    problems = Problems()
    lib = build_library(load_content(tiny / "content", "测试公报", problems), BUILT, problems)
    assert not problems.errors
    changes = {key: [(day.isoformat(), s.code, s.by) for day, s in status_changes(lib, key)] for key in lib.documents}
    assert changes["武隆府发〔2024〕9号"] == [("2024-08-01", "repealed", "武隆府发〔2024〕10号")]
    assert changes["武隆府发〔2024〕8号"] == [("2025-01-01", "expired", None)]  # the day after `expires`
    assert changes["武隆府发〔2024〕5号"] == [("2099-01-01", "repealed", "武隆府发〔2024〕12号")]
    assert changes["武隆府发〔2024〕6号"] == [("2099-01-01", "amended", "武隆府发〔2024〕12号")]
    assert changes["武隆府发〔2024〕10号"] == []


def test_without_javascript_a_page_says_its_build_day_status(site: Path) -> None:
    parts = parse(site / "docs" / "wlfbf-2017-60" / "index.html")
    assert parts.find("html")[0].attrs["data-status-as-of"] == "2024-07-01"
    assert parts.find("span", **{"class": "badge status-in_force"})
    # badge, 有效性 line, printed status and the by-label: each with the later status in a template
    days = [t.attrs["data-status-on"] for t in parts.find("template")]
    assert len(days) >= 3 and set(days) == {"2024-08-09"}
    stamps = parts.find("time", **{"class": "status-as-of"})  # the footer's, and the print head's
    assert stamps and all(stamp.attrs["datetime"] == "2024-07-01" for stamp in stamps)


def test_a_description_says_when_the_status_will_change(tiny_site: Path) -> None:
    description = parse(tiny_site / "docs" / "wlff-2024-9" / "index.html").meta("description")
    assert str(description).endswith("发布，现行有效，2024年8月1日起已废止。")


def _today() -> str:
    return dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date().isoformat()


def _shown(driver, url: str) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """The page's own status badge, its banner's class and the footer's date, as the reader sees them."""
    driver.get(url)
    badge = driver.find_element("css selector", ".meta-box .badge[class*=status-]").text
    banners = driver.find_elements("css selector", "article .banner")
    stamp = driver.find_element("css selector", "time.status-as-of").get_attribute("datetime")
    return badge, banners[0].get_attribute("class") if banners else "", stamp


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with chromium(tmp_path_factory.mktemp("profile")) as d:
        yield d


def test_a_page_built_before_a_repeal_shows_it_when_read_after(site: Path, driver) -> None:  # type: ignore[no-untyped-def]
    with served(site) as base:
        assert _shown(driver, base + "docs/wlfbf-2017-60/") == ("已废止", "banner banner-repealed", _today())
        driver.get(base + "docs/wlff-2024-11/")
        assert driver.find_element("css selector", ".relations .badge[class*=status-]").text == "已废止"
        year, month, day = map(int, _today().split("-"))
        assert f"文件效力状态按 {year}年{month}月{day}日 计算" in driver.find_element("css selector", ".site-footer").text


def _statuses_found(driver, query: str, filters: dict | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def, type-arg]
    found = driver.execute_async_script(
        "var cb = arguments[arguments.length - 1]; gongbaoSearch(arguments[0], {filters: arguments[1]})"
        ".then(cb, function (e) { cb('ERROR ' + e); });", query, filters or {})
    assert not isinstance(found, str), found
    return {r["doc_number"]: r["status"] for r in found}


def test_pages_search_and_offline_bundle_follow_the_day_read(tiny: Path, tiny_site: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                             driver) -> None:
    offline = _build(tiny, tmp_path / "offline", explicit_index=True)
    make_offline(offline)
    with served(tiny_site) as base:
        for root, page in ((base, "{}/"), (offline.as_uri() + "/", "{}/index.html")):
            assert _shown(driver, root + page.format("docs/wlff-2024-9"))[:2] == ("已废止", "banner banner-repealed")
            # 2099 has not come: the repeal is still announced, the document still in force
            assert _shown(driver, root + page.format("docs/wlff-2024-5"))[:2] == ("现行有效", "banner banner-pending")
            assert _shown(driver, root + page.format("docs/wlff-2024-8"))[0] == "已失效"
            driver.get(root + page.format(urls.SEARCH.rstrip("/")))
            found = _statuses_found(driver, "禁火令")
            assert (found["武隆府发〔2024〕9号"], found["武隆府发〔2024〕8号"]) == ("已废止", "已失效")
            assert found["武隆府发〔2024〕10号"] == "现行有效" and found["武隆府发〔2024〕6号"] == "已修改"
            assert _statuses_found(driver, "禁火令", {"status": "已废止"}) == {"武隆府发〔2024〕9号": "已废止"}
            options = [o.text for o in driver.find_elements("css selector", "select[name=status] option")]
            assert "已废止" in options and "已失效" in options
