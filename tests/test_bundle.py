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
            "return getComputedStyle(document.querySelector('.masthead')).backgroundColor") == "rgb(179, 38, 30)"
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
