"""Citizens first: every page kind passes axe-core (WCAG 2.2 AA, best practice, 7:1 contrast) at 1280 and
390 px; targets of 44 px on a phone; the 字号 control; tables on phones; printouts that say where they come from;
the metadata of government portals; the printed original of an issue."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import shutil
import subprocess
import zipfile
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import REPO, run, write_project
from gongbao import build as pipeline
from gongbao.bundle import make_bundle
from gongbao.config import load_settings
from gongbao.problems import Problems
from gongbao.render import cn_date
from tests.browser import chromium, served

AS_OF = dt.date(2025, 1, 1)
BASE_URL = "https://gongbao.example.gov.cn/wulong/"
#: Stands in for a printed issue: the site only copies and links it, nothing opens it.
PDF = b"%PDF-1.4\n%%EOF\n"

#: One page of every kind the site has, one per template (archive.html also renders a year's and an
#: issuer's list), and the search page with results and with none.
PAGES = {
    "home": "",
    "document": "docs/wlfbf-2024-20/",
    "referenced": "docs/wlfbf-2017-60/",
    "gazettes": "gazette/",
    "gazette": "gazette/2024-02/",
    "archive": "archive/",
    "facets": "archive/issuer/",
    "ended": "archive/ended/",
    "search": "search/?q=营商环境",
    "search, nothing found": "search/?q=没有这样的词语",
    "not found": "404.html",
}

#: axe-core, pinned so that a new release cannot change the verdict; fetched once into a cache.
AXE_VERSION = "4.14.1"
AXE_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gongbao-tests" / f"axe-{AXE_VERSION}"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                                     "best-practice"]},
               "rules": {"color-contrast-enhanced": {"enabled": True}}, "resultTypes": ["violations"]}


# --- the site: the bundled gazette, with every optional field a page can show --------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built into www/wulong/, served from www/: at the path of its base_url, as the 404 page expects."""
    project = _bundled_gazette_with_every_field(tmp_path_factory.mktemp("citizens"))
    problems = Problems()
    out = project / "www" / urlsplit(BASE_URL).path.strip("/")
    return pipeline.build(load_settings(project, problems), AS_OF, problems, output=out).output


def _bundled_gazette_with_every_field(root: Path) -> Path:
    """content/ of the repository, its issue with a printed PDF, 20号 with 索引号 and 主题分类, and a base_url."""
    shutil.copytree(REPO / "content", root / "content")
    settings = (REPO / "gongbao.yaml").read_text(encoding="utf-8")
    (root / "gongbao.yaml").write_text(f"{settings}base_url: {BASE_URL}\n", encoding="utf-8")
    gazette = root / "content" / "gazettes" / "2024-02.md"
    gazette.write_text(gazette.read_text(encoding="utf-8").replace("---\n", "---\npdf: 2024-02.pdf\n", 1),
                       encoding="utf-8")
    (gazette.parent / "2024-02.pdf").write_bytes(PDF)
    doc = root / "content" / "documents" / "2024-02" / "05-wlfbf-2024-20.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace(
        "---\n", "---\nindex_number: 11500232009260340D/2024-00020\ntopics: [城乡建设, 环境保护, 能源]\n", 1),
        encoding="utf-8")
    return root


# --- the browser and axe ------------------------------------------------------------------------

def axe_script() -> str:
    """axe.min.js from the cache, installed with npm when absent; the test is skipped if npm can't."""
    script = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed, so axe-core cannot be fetched (apt-get install npm)")
        try:
            done = subprocess.run([npm, "install", "--prefix", str(AXE_CACHE), "--no-audit", "--no-fund",
                                   f"axe-core@{AXE_VERSION}"], capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            pytest.skip("npm install axe-core timed out")
        if done.returncode or not script.is_file():
            pytest.skip(f"npm could not install axe-core: {done.stderr.strip()[-400:]}")
    return script.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    with served(site.parent) as url:
        yield url + site.name + "/"


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with chromium(tmp_path_factory.mktemp("desktop")) as driver:
        yield driver


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with chromium(tmp_path_factory.mktemp("phone"), mobile=True) as driver:
        yield driver


@contextmanager
def width(driver, px: int) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The phone browser at another width for a while (then back at the 390 px of browser.chromium)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": px, "height": 800, "deviceScaleFactor": 2, "mobile": True})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})


def open_page(driver, url: str) -> None:  # type: ignore[no-untyped-def]
    """Load a page and wait until it is complete (the search page: until its search has ended)."""
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(url)
    if "/search/" in url and "?q=" in url:
        WebDriverWait(driver, 30).until(lambda d: d.find_element("id", "gb-search").get_attribute("data-state"))


def violations(driver) -> list[str]:  # type: ignore[no-untyped-def]
    """axe's violations on the page, each as rule: count × the first few elements and why."""
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, arguments[0]).then(function (r) { done(r.violations.map(function (v) {"
        " return v.id + ': ' + v.nodes.length + ' × ' + v.nodes.slice(0, 3).map(function (n) {"
        " return n.target.join(' ') + ' ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''); }).join(' | ');"
        " })); }, function (e) { done(['axe failed: ' + e]); });", AXE_OPTIONS)
    return list(result)


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_every_page_kind_passes_axe_with_enhanced_contrast(request: pytest.FixtureRequest, base: str,
                                                            kind: str) -> None:
    driver = request.getfixturevalue(kind)
    open_page(driver, base)
    _choose_size(driver, "standard")
    # Given to every page as it loads: sent once, not once per page.
    added = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": axe_script()})
    try:
        found = {}
        for page, url in PAGES.items():
            open_page(driver, base + url)
            found[page] = violations(driver)
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]})
    assert {k: v for k, v in found.items() if v} == {}


# --- targets, sideways scrolling and tables on a phone ---------------------------------------------

#: Every link, button and form control that is not part of running text (a sentence of a paragraph,
#: of a banner, or of the document's printed text), with its size.
TARGETS = """
return Array.from(document.querySelectorAll('a[href], button, input, select, summary')).filter(function (el) {
  var r = el.getBoundingClientRect();
  if (!r.width || !r.height || r.right < 0 || getComputedStyle(el).visibility === 'hidden') return false;
  if (el.closest('.doc-body')) return false;
  var block = el.closest('p, .banner');
  return !(block && block.textContent.replace(el.textContent, '').trim());
}).map(function (el) {
  var r = el.getBoundingClientRect();
  return [el.outerHTML.slice(0, 80), Math.round(r.width * 10) / 10, Math.round(r.height * 10) / 10];
});
"""


def test_no_target_outside_running_text_is_under_44px_on_a_phone(base: str, phone) -> None:  # type: ignore[no-untyped-def]
    small = {}
    open_page(phone, base)
    _choose_size(phone, "standard")
    for kind, url in PAGES.items():
        open_page(phone, base + url)
        targets = phone.execute_script(TARGETS)
        assert targets, kind
        small[kind] = [t for t in targets if t[1] < 44 or t[2] < 44]
    assert {k: v for k, v in small.items() if v} == {}


def test_no_page_scrolls_sideways_at_320px_even_with_the_largest_font(base: str, phone) -> None:  # type: ignore[no-untyped-def]
    wide = {}
    with width(phone, 320):
        open_page(phone, base)
        _choose_size(phone, "x-large")  # the widest words and targets
        for kind, url in PAGES.items():
            open_page(phone, base + url)
            overflow = phone.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
            if overflow > 0:
                wide[kind] = overflow
        _choose_size(phone, "standard")
    assert wide == {}


def _choose_size(driver, size: str) -> None:  # type: ignore[no-untyped-def]
    driver.find_element("css selector", f'[aria-label="字号"] button[data-size="{size}"]').click()


#: The lines a cell's text takes: distinct tops of its text's line boxes.
CELL_LINES = """
return Array.from(document.querySelectorAll(arguments[0])).map(function (cell) {
  var range = document.createRange(); range.selectNodeContents(cell);
  var tops = new Set(Array.from(range.getClientRects()).map(function (r) { return Math.round(r.top); }));
  return [cell.textContent.trim(), tops.size];
});
"""


@pytest.mark.parametrize("px", [390, 320])
def test_a_wide_table_scrolls_in_its_box_and_keeps_years_and_words_whole(base: str, phone, px: int) -> None:  # type: ignore[no-untyped-def]
    with width(phone, px):
        open_page(phone, base + PAGES["document"])
        years = phone.execute_script(CELL_LINES, ".table-wrap td:nth-child(5)")
        assert len(years) > 10 and all(re.fullmatch(r"\d{4} 年", text) for text, _ in years)
        assert [y for y in years if y[1] != 1] == []
        kinds = phone.execute_script(CELL_LINES, ".table-wrap td:nth-child(4)")
        assert ("改（扩）建", 1) in [tuple(k) for k in kinds]
        box = phone.execute_script(
            "var b = document.querySelector('.table-wrap'); return [b.scrollWidth > b.clientWidth,"
            " b.getAttribute('data-scroll'), getComputedStyle(b, '::before').content,"
            " document.documentElement.scrollWidth <= document.documentElement.clientWidth];")
    assert box == [True, "more", '"表格较宽，请左右滑动查看 →"', True]


#: The focused element, its outline, and the colour behind it (the ring is drawn outside the element).
FOCUSED = """
var el = document.activeElement, s = getComputedStyle(el), e = el.parentElement, behind = 'rgb(255, 255, 255)';
for (; e; e = e.parentElement) {
  var c = getComputedStyle(e).backgroundColor;
  if (c !== 'rgba(0, 0, 0, 0)') { behind = c; break; }
}
return [el.outerHTML.slice(0, 60), s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor, behind];
"""


def _contrast(a: str, b: str) -> float:
    def luminance(rgb: str) -> float:
        channels = [int(x) / 255 for x in re.findall(r"\d+", rgb)[:3]]
        r, g, b_ = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_focus_ring_is_visible_on_every_control_a_keyboard_reaches_first(base: str, desktop) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    open_page(desktop, base + PAGES["document"])
    rings = []
    for _ in range(20):  # the skip link, the masthead, the breadcrumb, the print button, the outline, ...
        ActionChains(desktop).send_keys(Keys.TAB).perform()
        rings.append(desktop.execute_script(FOCUSED))
    assert len({r[0] for r in rings}) > 15
    faint = [r for r in rings if r[1] != "solid" or r[2] < 3 or _contrast(r[3], r[4]) < 3]
    assert faint == []


# --- the 字号 control -------------------------------------------------------------------------------

BODY_TEXT = "return parseFloat(getComputedStyle(document.querySelector('.doc-body p')).fontSize);"
NAV_HEIGHT = "return document.querySelector('.site-nav a').getBoundingClientRect().height;"


def test_largest_font_makes_body_text_13_times_larger_and_is_kept_on_the_next_page(base: str, phone) -> None:  # type: ignore[no-untyped-def]
    open_page(phone, base + PAGES["document"])
    _choose_size(phone, "standard")
    text, target = phone.execute_script(BODY_TEXT), phone.execute_script(NAV_HEIGHT)
    _choose_size(phone, "x-large")
    assert phone.execute_script(BODY_TEXT) >= 1.3 * text
    assert phone.execute_script(NAV_HEIGHT) >= 1.3 * target
    open_page(phone, base + "docs/wlff-2024-9/")
    assert phone.execute_script(BODY_TEXT) >= 1.3 * text
    assert phone.find_element("css selector", '[data-size="x-large"]').get_attribute("aria-pressed") == "true"
    _choose_size(phone, "standard")
    assert phone.execute_script(BODY_TEXT) == text


def test_the_browsers_own_font_size_scales_every_text_too(base: str, desktop) -> None:  # type: ignore[no-untyped-def]
    sizes = ("return ['body', '.doc-meta', '.site-nav a', '.breadcrumb', 'h1'].map(function (s) {"
             " return parseFloat(getComputedStyle(document.querySelector(s)).fontSize); });")
    open_page(desktop, base + PAGES["ended"])
    _choose_size(desktop, "standard")
    before = desktop.execute_script(sizes)
    desktop.execute_cdp_cmd("Page.setFontSizes", {"fontSizes": {"standard": 24}})  # a reader's setting: 150 %
    try:
        desktop.refresh()
        after = desktop.execute_script(sizes)
    finally:
        desktop.execute_cdp_cmd("Page.setFontSizes", {"fontSizes": {"standard": 16}})
    assert [round(a / b, 2) for a, b in zip(after, before)] == [1.5] * len(before)


def test_font_size_is_remembered_between_pages_opened_from_disk(tmp_path: Path) -> None:
    problems = Problems()
    offline = pipeline.build(load_settings(REPO, problems), AS_OF, problems, output=tmp_path / "offline",
                             explicit_index=True).output
    with chromium(tmp_path / "profile") as driver:
        driver.get((offline / PAGES["document"] / "index.html").as_uri())
        text = driver.execute_script(BODY_TEXT)
        _choose_size(driver, "x-large")
        driver.find_element("css selector", ".pager a").click()
        assert driver.current_url.startswith("file://")
        assert driver.execute_script(BODY_TEXT) >= 1.3 * text


# --- print ----------------------------------------------------------------------------------------

def test_a_printed_document_names_the_site_its_number_status_date_and_address(base: str, desktop) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    open_page(desktop, base + PAGES["document"])
    pdf = base64.b64decode(desktop.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})["data"])
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    # status.js recomputes the status for the day the page is read (in China, whatever the machine's
    # zone: after 16:00 UTC it is already tomorrow there), and the print head says so.
    today = cn_date(dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date())
    for expected in ["重庆市武隆区人民政府公报", "武隆府办发〔2024〕20号", "现行有效", f"效力状态按{today}计算",
                     "网址：" + BASE_URL + PAGES["document"], "打印日期：" + today]:
        assert re.sub(r"\s+", "", expected) in flat, expected
    for absent in ["目录（", "跳到正文", "历期公报"]:
        assert absent not in text, absent
    assert "第1页，共" in flat


PRINTED = """
function shown(sel) { var el = document.querySelector(sel); return !!el && getComputedStyle(el).display !== 'none'; }
return {masthead: shown('.masthead'), outline: shown('.outline'), tools: shown('.doc-tools'), head: shown('.print-head'),
        banner: shown('.banner'), breakAfter: getComputedStyle(document.querySelector(arguments[0])).breakAfter};
"""


def test_print_hides_navigation_and_outline_keeps_the_banner_and_headings_with_their_text(base: str, desktop) -> None:  # type: ignore[no-untyped-def]
    open_page(desktop, base + "docs/wlff-2023-18/")  # ended: it has a banner
    desktop.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert desktop.execute_script(PRINTED, "h1") == {
            "masthead": False, "outline": False, "tools": False, "head": True, "banner": True, "breakAfter": "avoid"}
        open_page(desktop, base + PAGES["document"])  # it has an outline, and headings in its body
        printed = desktop.execute_script(PRINTED, ".doc-body h3")
        assert printed["breakAfter"] == "avoid" and printed["outline"] is False
    finally:
        desktop.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_print_button_opens_the_print_dialog(base: str, desktop) -> None:  # type: ignore[no-untyped-def]
    open_page(desktop, base + PAGES["document"])
    desktop.execute_script("window.print = function () { window.printed = true; };")
    desktop.find_element("css selector", "button[data-print]").click()
    assert desktop.execute_script("return window.printed === true;")


# --- metadata and the printed original (no browser) -------------------------------------------------

META_ORDER = ["索引号", "主题分类", "发文机关", "成文日期", "发文字号", "发布日期", "有效性"]


def test_metadata_is_in_the_order_of_government_portals_with_status_beside_the_title(site: Path) -> None:
    page = (site / PAGES["document"] / "index.html").read_text(encoding="utf-8")
    labels = re.findall(r"<dt>([^<]+)</dt>", page)
    assert labels[:len(META_ORDER)] == META_ORDER
    values = [re.sub(r"<[^>]+>", "", v) for v in re.findall(r"<dd>(.*?)</dd>", page)]
    assert values[:2] == ["11500232009260340D/2024-00020", "城乡建设、环境保护、能源"]
    head = page[page.index('<header class="doc-head">'):page.index("</header>", page.index('<header class="doc-head">'))]
    assert "<h1>" in head and "status-in_force" in head


def test_a_referenced_page_says_the_ending_document_was_printed_in_the_issue(site: Path) -> None:
    page = (site / PAGES["referenced"] / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<dt>废止文件</dt>\s*<dd>.*（武隆府发〔2024〕11号）</span>，刊载于<a[^>]*>2024年第2期（总第165期）第2页</a>",
                     page), page
    assert 'href="../../gazette/2024-02/2024-02.pdf#page=2"' in page


def test_the_printed_original_is_linked_from_its_issue_and_at_each_documents_page(site: Path) -> None:
    assert (site / "gazette" / "2024-02" / "2024-02.pdf").read_bytes() == PDF
    assert 'href="2024-02.pdf"' in (site / "gazette" / "2024-02" / "index.html").read_text(encoding="utf-8")
    page = (site / PAGES["document"] / "index.html").read_text(encoding="utf-8")
    assert 'href="../../gazette/2024-02/2024-02.pdf#page=13"' in page


def test_the_bundle_carries_the_printed_original(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {
        "content/gazettes/2024-01.md": BASE_GAZETTE_WITH_PDF, "content/gazettes/2024-01.pdf": PDF.decode()})
    problems = Problems()
    target = make_bundle(load_settings(project, problems), AS_OF, problems)
    with zipfile.ZipFile(target) as zf:
        names = [n for n in zf.namelist() if n.endswith("/gazette/2024-01/2024-01.pdf")]
        assert len(names) == 1 and zf.read(names[0]) == PDF


BASE_GAZETTE_WITH_PDF = """\
---
year: 2024
number: 1
published: 2024-06-30
pdf: 2024-01.pdf
sections:
  - title: 区政府文件
---
"""


def test_a_site_without_metadata_fields_or_pdf_shows_neither(project: Path) -> None:
    assert run(project, "build").exit_code == 0
    page = (project / "site" / "docs" / "wlff-2024-9" / "index.html").read_text(encoding="utf-8")
    assert "索引号" not in page and "主题分类" not in page and ".pdf" not in page
    assert re.findall(r"<dt>([^<]+)</dt>", page)[:5] == ["发文机关", "成文日期", "发文字号", "发布日期", "有效性"]
