"""The offline bundle: deterministic zip, and the site works from file:// in headless Chromium."""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from browser import chromium
from conftest import AS_OF, REPO
from gongbao.bundle import make_bundle
from gongbao.config import load_settings
from gongbao.problems import Problems


def _bundle(dist: Path) -> Path:
    problems = Problems()
    settings = replace(load_settings(REPO, problems), dist_dir=str(dist))
    return make_bundle(settings, dt.date.fromisoformat(AS_OF), problems)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bundle(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def unzipped(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("usb")
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(target)
    (top,) = target.iterdir()
    return top


def test_bundle_is_named_after_the_site_and_its_newest_document(bundle: Path) -> None:
    assert bundle.name == "重庆市武隆区人民政府公报-离线版-2024-09-05.zip"
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    top = bundle.stem
    assert f"{top}/index.html" in names and f"{top}/打开方法.txt" in names


def test_bundle_holds_the_search_index_once_as_scripts(unzipped: Path) -> None:
    """Each file of the index is in the bundle as its offline script only: the bundle stays near the
    online site's size, and search.js uses the scripts on a web server too."""
    search = unzipped / "search"
    assert {p.name for p in search.iterdir()} == {"index.html", "offline"}
    assert all(p.suffix == ".js" for p in (search / "offline").rglob("*") if p.is_file())


def test_bundle_is_byte_identical_when_built_twice(bundle: Path, tmp_path: Path) -> None:
    assert _bundle(tmp_path).read_bytes() == bundle.read_bytes()


def _resources(driver) -> list[str]:
    return driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")


def test_offline_pages_and_links_work_from_disk(unzipped: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    root_url = unzipped.as_uri() + "/"
    with chromium(tmp_path / "profile") as driver:
        driver.get(root_url + "index.html")
        assert "重庆市武隆区人民政府公报" in driver.title
        assert driver.execute_script(
            "return getComputedStyle(document.querySelector('.masthead')).backgroundColor") == "rgb(140, 29, 24)"
        seen = set(_resources(driver))

        driver.find_element(By.CSS_SELECTOR, ".latest-gazette h2 a").click()
        assert driver.current_url == root_url + "gazette/2024-02/index.html"
        assert "2024年第2期" in driver.find_element(By.TAG_NAME, "h1").text
        seen |= set(_resources(driver))

        driver.find_element(By.LINK_TEXT, "重庆市武隆区人民政府关于发布森林防火禁火令的通告").click()
        assert driver.current_url == root_url + "docs/wlff-2024-9/index.html"
        assert "武隆府发〔2024〕9号" in driver.find_element(By.CSS_SELECTOR, ".meta-box").text

        driver.find_element(By.CSS_SELECTOR, ".relations a[href*='wlff-2023-18']").click()
        assert driver.current_url == root_url + "docs/wlff-2023-18/index.html"
        banner = driver.find_element(By.CSS_SELECTOR, ".banner").text
        assert "已被替代" in banner and "2024年6月13日" in banner
        seen |= set(_resources(driver))

        driver.find_element(By.CSS_SELECTOR, ".banner a").click()
        assert driver.current_url == root_url + "docs/wlff-2024-9/index.html"
        driver.back()
        assert driver.current_url == root_url + "docs/wlff-2023-18/index.html"
        seen |= set(_resources(driver))

    outside = [url for url in seen if not url.startswith(root_url)]
    assert outside == []


ALL_RESULTS = ("var cb = arguments[arguments.length - 1];"
               "gongbaoSearch(arguments[0], {}).then(function (r) { cb(r.map(function (x) { return x.url; })); },"
               " function (e) { cb('ERROR ' + e); });")


def _search_from_the_box(driver, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Type a query into the box every page has, submit it, wait for the results; their links."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    box = driver.find_element(By.ID, "q-top")
    box.clear()
    box.send_keys(query, Keys.ENTER)
    WebDriverWait(driver, 30).until(
        lambda d: d.find_elements(By.ID, "gb-search")
        and d.find_element(By.ID, "gb-search").get_attribute("data-state") in ("done", "error"))
    return [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, ".gb-result h2 a")]


@pytest.mark.parametrize("query, first", [
    ("禁火令", "docs/wlff-2024-9/index.html"),
    ("长输管道", "docs/wlfbf-2024-39/index.html"),
    ("武隆府办发(2024)40号", "docs/wlfbf-2024-40/index.html"),
])
def test_offline_search_from_the_home_page_finds_the_right_document_first(unzipped: Path, tmp_path: Path,
                                                                        query: str, first: str) -> None:
    with chromium(tmp_path / "profile") as driver:
        driver.get((unzipped / "index.html").as_uri())
        links = _search_from_the_box(driver, query)
        assert links and links[0] == (unzipped / first).as_uri()
        outside = [u for u in _resources(driver) if not u.startswith(unzipped.as_uri() + "/")]
        assert outside == []


def _queries() -> list[str]:
    lines = (REPO / "bench" / "queries.txt").read_text(encoding="utf-8").splitlines()
    return [q.strip() for q in lines if q.strip() and not q.startswith("#")]


def test_offline_search_equals_the_served_site_for_every_benchmark_query(unzipped: Path, tmp_path: Path) -> None:
    from browser import served

    with served(unzipped) as base, chromium(tmp_path / "online") as online, chromium(tmp_path / "disk") as disk:
        online.get(base + "search/index.html")
        disk.get((unzipped / "search" / "index.html").as_uri())
        applied = 0
        for query in _queries():
            served_urls = online.execute_async_script(ALL_RESULTS, query)
            disk_urls = disk.execute_async_script(ALL_RESULTS, query)
            assert not isinstance(served_urls, str), served_urls
            assert disk_urls == served_urls, query
            applied += bool(served_urls)
    assert applied >= 15, "most benchmark queries should find something in the bundled gazette"
