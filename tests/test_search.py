"""Search: the index build, Pagefind's re-cut, and the search page in headless Chromium, agreeing with Python."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import filecmp
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from gongbao import build as pipeline
from gongbao.config import load_settings
from gongbao.problems import Problems
from gongbao.search import SearchIndexError, SearchRecord, build_index, make_offline, matches, normalize, query_words
from gongbao.search import cbor, layout, pagefind, tokens, writer
from tests.browser import chromium, served
from tests.search_samples import TRICKY, record

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 1, 1)

ALL_RESULTS = ("var cb = arguments[arguments.length - 1];"
               "gongbaoSearch(arguments[0], arguments[1]).then(function (r) { cb(r); },"
               " function (e) { cb('ERROR ' + e); });")


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


def test_a_site_without_documents_gets_an_empty_index(tmp_path: Path) -> None:
    build_index(tmp_path, [])  # Pagefind alone refuses a site without words
    meta = json.loads(gzip.decompress((tmp_path / "search" / "meta.gb").read_bytes()))
    assert len(meta["pages"]) == 1 and meta["columns"]["bigrams"] == []
    assert (tmp_path / "search" / "pagefind" / "pagefind.js").is_file()


def test_a_failing_pagefind_raises_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagefind, "pagefind_executable", lambda: Path("/bin/false"))
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
    text = "甲" * writer.HEAD_CHARS + "乙\n丙丁\n戊"
    assert writer._split_text(text) == ("甲" * writer.HEAD_CHARS + "乙", "丙丁\n戊")
    assert writer._split_text("短\n文") == ("短\n文", "")


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
    assert _finished(driver) == "done"


def _finished(driver) -> str:  # type: ignore[no-untyped-def]
    """How the page's search ended: "done" or "error"."""
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element("id", "gb-search").get_attribute("data-state") in ("done", "error"))
    return str(driver.find_element("id", "gb-search").get_attribute("data-state"))


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


def test_an_index_in_several_parts_answers_like_one_part(browser, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    driver, _ = browser
    monkeypatch.setattr(writer, "PART_CHARS", 15_000)  # the gazette in four parts
    problems = Problems()
    parted = pipeline.build(load_settings(REPO, problems), AS_OF, problems, output=tmp_path / "parted").output
    meta = json.loads(gzip.decompress((parted / "search" / "meta.gb").read_bytes()))
    assert len(meta["pages"]) == 4
    queries = [q for q in (REPO / "bench" / "queries.txt").read_text(encoding="utf-8").splitlines()
               if q.strip() and not q.startswith("#") and query_words(q)]
    one = {q: found(driver, q) for q in queries}
    assert sum(1 for q in queries if one[q]) >= len(queries) // 3  # the comparison is not of empty lists
    with served(parted) as base, chromium(tmp_path / "profile") as other:
        other.get(base + "search/index.html")
        for q in queries:
            assert found(other, q) == one[q], q


def found(driver, query: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """What gongbaoSearch returns, in order: url and the 文号 (or title)."""
    result = driver.execute_async_script(ALL_RESULTS, query, {})
    assert not isinstance(result, str), result
    return [(r["url"], r["doc_number"] or r["title"]) for r in result]


# --- search.js agrees with Python ------------------------------------------------------------

def test_the_page_normalises_every_character_as_python_does(browser) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    _ready(driver)  # normalize() folds traditional characters once meta.gb is read
    # Every character Python's Unicode data assigns (an unassigned one may be assigned in the
    # browser's newer data), alone and inside a query word, where a space-like one splits it.
    chars = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) not in ("Cn", "Co", "Cs")]
    # One string each way ("\n" and "|" are never kept): a list of 150 000 costs seconds more.
    got = driver.execute_script("var s = gongbaoSearch; return Array.from(arguments[0]).map(function (c) {"
                                " return s.normalize(c) + '|' + s.queryWords('a' + c + 'b').join(' '); })"
                                ".join('\\n');", "".join(chars)).split("\n")
    expected = [normalize(c) + "|" + " ".join(query_words("a" + c + "b")) for c in chars]
    assert len(got) == len(chars)
    assert [(hex(ord(c)), g, e) for c, g, e in zip(chars, got, expected) if g != e] == []


def test_the_page_normalises_and_spells_tricky_strings_as_python_does(browser) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    _ready(driver)
    texts = [*TRICKY, "超充\U00020000\U0010fffd" + chr(tokens.SHORT_CODES - 1) + chr(tokens.SHORT_CODES)]
    got = driver.execute_script("var s = gongbaoSearch; return arguments[0].map(function (t) {"
                                " return [s.normalize(t), s.queryWords(t), s.spell(s.normalize(t))]; });", texts)
    assert got == [[normalize(t), query_words(t), tokens.spell(normalize(t))] for t in texts]


def test_the_page_fetches_only_files_the_build_wrote(browser, site: Path) -> None:  # type: ignore[no-untyped-def]
    """search.js takes the index's file names from meta.gb's layout, and spells the few that find
    it: a name the build did not write would look like no match (chars/) or break the search."""
    driver, base = browser
    driver.get(base + "search/index.html")
    for query in ["火", "营商环境", _a_word_only_in_the_rest_of_a_text(site)]:
        assert urls(driver, query), query
    index = base + layout.SEARCH_DIR + "/"
    fetched = {url.removeprefix(index).split("?")[0] for url in driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; });")
        if url.startswith(index)}
    assert [f for f in fetched if not (site / layout.SEARCH_DIR / f).is_file()] == []
    assert {f.split("/")[0] for f in fetched} == {layout.META, layout.PAGEFIND_DIR,
                                                 *(s.folder for s in layout.SHARDS.values())}
    assert any(f.endswith(layout.DOC_REST.suffix) for f in fetched)


def _a_word_only_in_the_rest_of_a_text(site: Path) -> str:
    """Six characters of some document that its title, 文号 and first part of the text lack."""
    for r in _records(site):
        head, rest = writer._split_text(r.text)
        known = "\n".join(normalize(x) for x in (r.title, r.doc_number or "", head))
        for word in (p[i:i + 6] for p in map(normalize, rest.split("\n")) for i in range(len(p) - 5)):
            if word not in known:
                return word
    raise AssertionError("no document of the site is long enough")


def test_the_page_refuses_an_index_without_a_column_it_reads(browser, site: Path,  # type: ignore[no-untyped-def]
                                                            tmp_path: Path) -> None:
    driver, base = browser
    shutil.copytree(site, tmp_path / "site")
    meta_path = tmp_path / "site" / layout.SEARCH_DIR / layout.META
    meta = json.loads(gzip.decompress(meta_path.read_bytes()))
    del meta["columns"]["tf4"]
    meta_path.write_bytes(gzip.compress(json.dumps(meta).encode()))
    with served(tmp_path / "site") as other:
        driver.get(other + "search/index.html?q=营商环境")
        assert _finished(driver) == "error"
        assert "tf4" in driver.find_element("css selector", ".gb-status").text
    driver.get(base + "search/index.html")


def _chunk_words(pagefind_dir: Path) -> list[list[tuple[str, bytes]]]:
    meta = pagefind._read_pagefind_file(next(pagefind_dir.glob("*.pf_meta")))
    return [pagefind._words_of_chunk(gzip.decompress((pagefind_dir / "index" / f"{c[2]}.pf_index").read_bytes()), c[2])
            for c in meta[2]]


def test_rechunk_cuts_the_index_smaller_and_keeps_every_word(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "pagefind"
    shutil.copytree(site / "search" / "pagefind", copy)
    before = [w for chunk in _chunk_words(copy) for w in chunk]
    pagefind.rechunk(copy, chunk_bytes=200)
    after = _chunk_words(copy)
    assert len(after) > 1
    assert [w for chunk in after for w in chunk] == before  # same words, same bytes, same order
    assert all(len(chunk) == 1 or sum(len(w[1]) for w in chunk) < 2 * 200 for chunk in after)
    assert len(list((copy / "index").iterdir())) == len(after)


def test_rechunk_on_several_processes_writes_the_same_index(site: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "base"  # many small chunks first, so that there are some to share out
    shutil.copytree(site / "search" / "pagefind", base)
    pagefind.rechunk(base, chunk_bytes=400)
    assert len(list((base / "index").iterdir())) >= 4
    shutil.copytree(base, tmp_path / "one")
    shutil.copytree(base, tmp_path / "many")
    pagefind.rechunk(tmp_path / "one", chunk_bytes=150)
    monkeypatch.setattr(pagefind, "_PARALLEL_CHUNKS", 0)
    pagefind.rechunk(tmp_path / "many", chunk_bytes=150)
    assert len(list((tmp_path / "one" / "index").iterdir())) > len(list((base / "index").iterdir()))
    assert _same_tree(filecmp.dircmp(tmp_path / "one", tmp_path / "many"))


def test_rechunk_keeps_words_held_by_several_pages(tmp_path: Path) -> None:
    source = tmp_path / "site"
    source.mkdir()
    for k, text in enumerate(["aaa bbb ccc aaa ", "bbb ddd ", "aaa eee bbb "]):
        with pagefind.page(source, k) as f:
            f.write(text)
    with pagefind.Indexer(source, tmp_path / "out") as indexer:
        out = indexer.finish()
    ids = pagefind._page_ids(out, 3)
    before = _decoded_words(out)
    pagefind.rechunk(out, chunk_bytes=20)
    assert len(_chunk_words(out)) > 1 and _decoded_words(out) == before
    pages = pagefind._read_pagefind_file(next(out.glob("*.pf_meta")))[1]
    order = [p[0] for p in pages]
    # Page numbers are differences to the previous one: "bbb" is on every page.
    held = [order[sum(e[0] for e in before["bbb"][1][:i + 1])] for i in range(3)]
    assert sorted(held) == sorted(ids)
    assert order[before["eee"][1][0][0]] == ids[2] and order[before["ccc"][1][0][0]] == ids[0]


def _decoded_words(pagefind_dir: Path) -> dict[str, list]:  # type: ignore[type-arg]
    meta = pagefind._read_pagefind_file(next(pagefind_dir.glob("*.pf_meta")))
    words = {}
    for c in meta[2]:
        chunk = cbor.decode(gzip.decompress((pagefind_dir / "index" / f"{c[2]}.pf_index").read_bytes())[12:])
        words.update((w[0], w) for w in chunk[0])
    return words


def test_rechunk_refuses_an_unknown_pagefind_format(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "pagefind"
    shutil.copytree(site / "search" / "pagefind", copy)
    entry = copy / "pagefind-entry.json"
    entry.write_text(entry.read_text(encoding="utf-8").replace('"1.5.', '"9.0.'), encoding="utf-8")
    with pytest.raises(SearchIndexError, match="only 1.5 is known"):
        pagefind.rechunk(copy)


def test_postings_list_the_documents_holding_each_character() -> None:
    arrays = [np.array(x, dtype=np.int32) for x in ([3, 5], [], [1, 3], [3])]
    assert writer._postings(arrays) == {1: [2], 3: [0, 2, 3], 5: [0]}
    assert writer._postings([]) == {}
    assert writer._deltas([2, 5, 6]) == [2, 3, 1]


def test_documents_are_split_into_parts_of_about_equal_size() -> None:
    records = [record(f"docs/{n}/", "标题", "字" * size) for n, size in enumerate([10, 10, 10, 10, 40, 10, 10])]
    assert writer._parts(records, part_chars=1000) == [range(0, 7)]
    parts = writer._parts(records, part_chars=35)
    assert len(parts) == 3 and [n for p in parts for n in p] == list(range(7))
    assert writer._parts(records[:1], part_chars=1) == [range(0, 1)]


# --- citizens: ended and cited documents, traditional characters, the page's help -------------

def _ready(driver) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page has read meta.gb, whose folding table normalize() applies."""
    assert driver.execute_async_script("var cb = arguments[arguments.length - 1];"
                                       "gongbaoSearch.ready().then(cb, function (e) { cb('ERROR ' + e); });") is True


def test_search_records_hold_documents_only_cited_with_their_number_title_and_status(site: Path) -> None:
    problems = Problems()
    library = pipeline.check(load_settings(REPO, problems), AS_OF, problems)
    records = pipeline.search_records(library, {k: "正文" for k in library.documents})
    cited = {r.doc_number: r for r in records if not r.in_collection}
    assert set(cited) == set(library.referenced)
    old = cited["武隆府办发〔2017〕60号"]
    assert (old.url, old.status, old.text, old.year, old.date, old.issuers) == (
        "docs/wlfbf-2017-60/", "已废止", "", 2017, None, ())
    assert "科学素质" in old.title


@pytest.mark.parametrize("query, url, status", [
    ("武隆府发〔2023〕18号", "docs/wlff-2023-18/", "已被替代"),
    ("武隆府发[2023]18号", "docs/wlff-2023-18/", "已被替代"),
    ("武隆府办发[2017]60号", "docs/wlfbf-2017-60/", "已废止"),
    ("武隆府办发（2017）60号", "docs/wlfbf-2017-60/", "已废止"),
])
def test_an_ended_document_only_cited_is_found_first_by_its_number(browser, query: str, url: str,  # type: ignore[no-untyped-def]
                                                                  status: str) -> None:
    driver, _ = browser
    first = driver.execute_async_script(ALL_RESULTS, query, {})[0]
    assert (first["url"], first["status"], first["in_collection"]) == (url, status, False)
    assert f"〔{first['date']}〕" in first["doc_number"] and first["doc_type"] is None  # no date but its year


def test_a_word_of_a_cited_title_finds_the_repealed_document(browser) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    assert "docs/wlfbf-2017-60/" in urls(driver, "科学素质")
    repealed = urls(driver, "科学素质", {"filters": {"status": "已废止", "year": "2017"}})
    assert repealed == ["docs/wlfbf-2017-60/"]


def test_traditional_characters_find_what_simplified_ones_find(browser) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    simplified = urls(driver, "营商环境")
    assert len(simplified) == 2 and urls(driver, "營商環境") == simplified
    assert urls(driver, "森林防火 禁火令") == urls(driver, "森林防火 禁火令".translate(str.maketrans("禁", "禁")))


def test_folding_is_one_character_to_one_and_changes_nothing_twice() -> None:
    from gongbao.search import fold
    table = fold.table()
    assert table[ord("營")] == ord("营") and table[ord("環")] == ord("环") and ord("营") not in table
    traditional = "".join(map(chr, table))
    assert len(normalize(traditional)) == len(traditional)
    assert normalize(normalize(traditional)) == normalize(traditional)
    assert normalize("營商環境") == normalize("营商环境") == "营商环境"
    text = "重慶市武隆區優化營商環境\n二"
    assert tokens._folded_codes(text).tolist() == [ord(c) for c in tokens.normalize_lines(text)]
    assert matches(record("docs/a/", "优化营商环境", ""), "營商環境")


def test_the_page_folds_traditional_characters_as_python_does(browser) -> None:  # type: ignore[no-untyped-def]
    from gongbao.search import fold
    driver, _ = browser
    _ready(driver)
    chars = "".join(chr(c) + chr(s) for c, s in fold.table().items())
    got = driver.execute_script("return gongbaoSearch.normalize(arguments[0]);", chars)
    assert got == normalize(chars)


def test_the_status_filter_lists_every_status_the_index_holds(browser, site: Path) -> None:  # type: ignore[no-untyped-def]
    driver, base = browser
    driver.get(base + "search/index.html")
    options = [o.get_attribute("value") for o in driver.find_elements("css selector", "select[name=status] option")]
    held = {r.status for r in _records(site)}
    assert options[0] == "" and set(options[1:]) == held and {"已废止", "已被替代", "现行有效"} <= held


def test_the_page_has_one_search_box_and_says_what_was_searched(browser) -> None:  # type: ignore[no-untyped-def]
    driver, base = browser
    driver.get(base + "search/index.html?q=科学素质")
    _wait_done(driver)
    assert len(driver.find_elements("css selector", "[role=search], input[type=search]")) == 2  # a form, its box
    assert "科学素质" in driver.title
    results = driver.find_elements("css selector", ".gb-result:not([hidden])")
    titles = [[m.text for m in r.find_elements("css selector", "h2 mark")] for r in results
              if "科学素质" in r.find_element("css selector", "h2").text]
    assert titles and all(t == ["科学素质"] for t in titles)
    cited = next(r for r in results if "2017" in r.find_element("css selector", ".doc-number").text)
    assert "未收录全文" in cited.text and "已废止" in cited.text
    issued = next(r for r in results if r is not cited)
    assert issued.find_element("css selector", ".gb-issuer").text == "重庆市武隆区人民政府"
    driver.get(base + "search/index.html")


def test_a_search_that_finds_nothing_says_what_to_try(browser) -> None:  # type: ignore[no-untyped-def]
    driver, base = browser
    driver.get(base + "search/index.html?q=没有这样的词语&status=已废止")
    _wait_done(driver)
    advice = driver.find_element("css selector", ".gb-advice")
    assert advice.is_displayed() and driver.find_elements("css selector", ".gb-result") == []
    assert all(hint in advice.text for hint in ("去掉筛选条件", "文号", "空格"))
    driver.get(base + "search/index.html?q=营商环境")
    _wait_done(driver)
    assert not driver.find_element("css selector", ".gb-advice").is_displayed()
    driver.get(base + "search/index.html")
