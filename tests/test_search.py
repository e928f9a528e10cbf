"""Search: query normalisation, the index build, and the search page in headless Chromium."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import filecmp
import shutil
from pathlib import Path

import pytest

import gongbao.search as search
from gongbao import build as pipeline
from gongbao.config import load_settings
from gongbao.problems import Problems
from gongbao.search import SearchIndexError, SearchRecord, build_index, make_offline, matches, normalize, query_words
from tests.browser import chromium, served

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 1, 1)

ALL_RESULTS = ("var cb = arguments[arguments.length - 1];"
               "gongbaoSearch(arguments[0], arguments[1]).then(function (r) { cb(r); },"
               " function (e) { cb('ERROR ' + e); });")


def record(url: str, title: str, text: str, doc_number: str | None = None, date: str = "2024-01-01") -> SearchRecord:
    return SearchRecord(url=url, title=title, doc_number=doc_number, issuers=("重庆市武隆区人民政府",),
                        doc_type="通知", date=date, year=int(date[:4]), status="现行有效", gazette=None, text=text)


# --- normalisation ---------------------------------------------------------------------------

def test_full_width_and_case_are_folded() -> None:
    assert normalize("ＡＢＣ１２３") == "abc123"


def test_every_bracket_form_of_a_doc_number_normalises_alike() -> None:
    forms = ["武隆府办发〔2024〕39号", "武隆府办发[2024]39号", "武隆府办发(2024)39号",
             "武隆府办发【2024】39号", "武隆府办发（２０２４）39号"]
    assert {normalize(f) for f in forms} == {"武隆府办发202439号"}


def test_spaces_separate_query_words_and_punctuation_is_dropped() -> None:
    assert query_words(" 森林　防火 ，") == ["森林", "防火"]


def test_a_document_matches_only_when_it_contains_every_word() -> None:
    doc = record("docs/a/", "关于发布森林防火禁火令的通告", "禁火时间：每年1月1日至5月10日。")
    assert matches(doc, "森林 禁火令")
    assert matches(doc, "1月1日")
    assert not matches(doc, "森林 超充")
    assert not matches(doc, "防火令")


def test_spelled_tokens_are_lower_case_letters_of_fixed_length() -> None:
    assert search.spell("超").isalpha() and len(search.spell("超充")) == 8
    assert search.spell("超充") != search.spell("充超")


# --- the index build -------------------------------------------------------------------------

def test_index_build_is_byte_identical_when_repeated(tmp_path: Path) -> None:
    records = [record("docs/a/", "标题甲", "正文一\n正文二", "武隆府发〔2024〕9号"), record("docs/b/", "标题乙", "正文三")]
    build_index(tmp_path / "one", records)
    build_index(tmp_path / "two", records)
    diff = filecmp.dircmp(tmp_path / "one", tmp_path / "two")
    assert _same_tree(diff)


def _same_tree(diff: filecmp.dircmp) -> bool:  # type: ignore[type-arg]
    _, mismatch, errors = filecmp.cmpfiles(diff.left, diff.right, diff.common_files, shallow=False)
    return (not diff.left_only and not diff.right_only and not mismatch and not errors
            and all(_same_tree(sub) for sub in diff.subdirs.values()))


def test_a_failing_pagefind_raises_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "pagefind_executable", lambda: Path("/bin/false"))
    with pytest.raises(SearchIndexError, match="Pagefind failed"):
        build_index(tmp_path, [record("docs/a/", "标题", "正文")])


def test_offline_needs_a_built_index(tmp_path: Path) -> None:
    with pytest.raises(SearchIndexError, match="no search index"):
        make_offline(tmp_path)


# --- the search page -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    problems = Problems()
    pipeline.build(load_settings(REPO, problems), AS_OF, problems, output=out)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, site: Path):  # type: ignore[no-untyped-def]
    with served(site) as base, chromium(tmp_path_factory.mktemp("profile")) as driver:
        driver.get(base + "search/index.html")
        yield driver, base


def urls(driver, query: str, options: dict | None = None) -> list[str]:  # type: ignore[no-untyped-def, type-arg]
    found = driver.execute_async_script(ALL_RESULTS, query, options or {})
    assert not isinstance(found, str), found
    return [r["url"] for r in found]


def test_search_returns_exactly_the_documents_containing_the_query(browser, site: Path) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    records = _records(site)
    for query in ["禁火令", "火", "77777119", "森林 防火", "长输管道", "营商环境"]:
        assert set(urls(driver, query)) == {r.url for r in records if matches(r, query)}, query


def _records(site: Path) -> list[SearchRecord]:
    docs, out = site / "search" / "doc", []
    for f in docs.iterdir():
        if f.stem.endswith("r"):
            continue
        d = json.loads(gzip.decompress(f.read_bytes()))
        if d.pop("more"):
            d["text"] += "\n" + json.loads(gzip.decompress((docs / f"{f.stem}r.gb").read_bytes()))["text"]
        out.append(SearchRecord(**d))
    return out


def test_a_long_text_is_split_at_a_paragraph_end() -> None:
    text = "甲" * search.HEAD_CHARS + "乙\n丙丁\n戊"
    assert search._split_text(text) == ("甲" * search.HEAD_CHARS + "乙", "丙丁\n戊")
    assert search._split_text("短\n文") == ("短\n文", "")


def test_title_match_ranks_first(browser) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    assert urls(driver, "营商环境")[0] == "docs/wlfbf-2024-38/"
    assert urls(driver, "超充") == ["docs/wlfbf-2024-20/"]


@pytest.mark.parametrize("query", ["武隆府办发〔2024〕39号", "武隆府办发[2024]39号", "武隆府办发(2024)39号",
                                   "武隆府办发【2024】39号"])
def test_doc_number_in_any_bracket_finds_its_document_first(browser, query: str) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    assert urls(driver, query)[0] == "docs/wlfbf-2024-39/"


def test_filters_and_date_sort(browser) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    everything = driver.execute_async_script(ALL_RESULTS, "人民政府", {})
    ended = driver.execute_async_script(ALL_RESULTS, "人民政府", {"filters": {"status": "已废止"}})
    assert all(r["status"] == "已废止" for r in ended)
    assert len(ended) == sum(r["status"] == "已废止" for r in everything)
    office = driver.execute_async_script(ALL_RESULTS, "人民政府", {"filters": {"issuer": "重庆市武隆区人民政府办公室"}})
    assert office and all("重庆市武隆区人民政府办公室" in r["issuers"] for r in office)
    by_date = driver.execute_async_script(ALL_RESULTS, "人民政府", {"sort": "date"})
    dates = [r["date"] for r in by_date]
    assert dates == sorted(dates, reverse=True) and len(by_date) == len(everything)


def test_page_reads_q_from_the_url_and_highlights_the_match(browser) -> None:  # type: ignore[no-untyped-def]
    driver, base = browser
    driver.get(base + "search/index.html?q=禁火令")
    _wait_done(driver)
    first = driver.find_element("css selector", ".gb-result")
    assert first.find_element("css selector", "a").get_attribute("href").endswith("/docs/wlff-2024-9/")
    marks = [m.text for m in first.find_elements("css selector", ".gb-snippet mark")]
    assert marks and set(marks) == {"禁火令"}
    assert first.find_element("css selector", ".gb-badge").text
    driver.get(base + "search/index.html")


def _wait_done(driver) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element("id", "gb-search").get_attribute("data-state") in ("done", "error"))
    assert driver.find_element("id", "gb-search").get_attribute("data-state") == "done"


def test_offline_search_from_disk_gives_the_same_results(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    problems = Problems()
    offline = pipeline.build(load_settings(REPO, problems), AS_OF, problems, output=tmp_path / "offline",
                             explicit_index=True).output
    make_offline(offline)
    queries = ["营商环境", "火", "武隆府办发[2024]39号", "应急 预案"]
    online = {q: urls(driver, q) for q in queries}
    with chromium(tmp_path / "profile") as disk:
        disk.get((offline / "search" / "index.html").as_uri())
        for q in queries:
            assert urls(disk, q) == online[q], q
        disk.get((offline / "search" / "index.html").as_uri() + "?q=营商环境")
        _wait_done(disk)
        link = disk.find_element("css selector", ".gb-result a").get_attribute("href")
        assert link.startswith("file://") and link.endswith("/index.html")
    shutil.rmtree(offline)


def _chunk_words(pagefind_dir: Path) -> list[list[tuple[str, bytes, int]]]:
    meta = search._read_pagefind_file(next(pagefind_dir.glob("*.pf_meta")))
    return [search._words_of_chunk(gzip.decompress((pagefind_dir / "index" / f"{c[2]}.pf_index").read_bytes()), c[2])
            for c in meta[2]]


def test_rechunk_cuts_the_index_smaller_and_keeps_every_word(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "pagefind"
    shutil.copytree(site / "search" / "pagefind", copy)
    before = [w for chunk in _chunk_words(copy) for w in chunk]
    search.rechunk(copy, units=50)
    after = _chunk_words(copy)
    assert len(after) > 1
    assert [w for chunk in after for w in chunk] == before  # same words, same bytes, same order
    assert all(sum(w[2] for w in chunk[:-1]) < 50 for chunk in after)
    assert len(list((copy / "index").iterdir())) == len(after)


def test_rechunk_refuses_an_unknown_pagefind_format(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "pagefind"
    shutil.copytree(site / "search" / "pagefind", copy)
    entry = copy / "pagefind-entry.json"
    entry.write_text(entry.read_text(encoding="utf-8").replace('"1.5.', '"9.0.'), encoding="utf-8")
    with pytest.raises(SearchIndexError, match="only 1.5 is known"):
        search.rechunk(copy)
