"""Search: the index build, Pagefind's re-cut, and the search page in headless Chromium, agreeing with Python."""

from __future__ import annotations

import datetime as dt
import filecmp
import gzip
import json
import shutil
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from gongbao import build as pipeline
from gongbao.indexing import search_records
from gongbao.config import load_settings
from gongbao.problems import Problems
from gongbao.search import SearchIndexError, SearchRecord, build_index, make_offline, matches, normalize, query_words
from gongbao.search import cbor, chunks, layout, merge, pagefind, tokens, writer
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


def test_index_holds_every_record_and_reads_back(tmp_path: Path) -> None:
    records = [record(f"docs/{n}/", f"标题{n}", "正文\n" * n * 300, "武隆府发〔2024〕9号" if n % 2 else None)
               for n in range(12)]
    build_index(tmp_path, records)
    assert writer.read_index(tmp_path) == records


def _entry(site: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((site / layout.SEARCH_DIR / layout.ENTRY).read_text(encoding="utf-8"))[layout.ENTRY_KEY]


def _meta(site: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(gzip.decompress((site / layout.SEARCH_DIR / _entry(site)["meta"]).read_bytes()))


def test_a_site_without_documents_gets_an_empty_index(tmp_path: Path) -> None:
    build_index(tmp_path, [])  # Pagefind alone refuses a site without words
    meta = _meta(tmp_path)
    assert len(meta["pages"]) == 1 and meta["columns"]["bigrams"] == []
    assert (tmp_path / "search" / "pagefind" / _entry(tmp_path)["script"]).is_file()
    assert writer.read_index(tmp_path) == []


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
    return writer.read_index(site)


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


PAGE = ("var cb = arguments[arguments.length - 1];"
        "gongbaoSearch(arguments[0], arguments[1]).then(function (r) {"
        " cb({urls: r.map(function (x) { return x.url; }), total: r.total, exact: r.exact}); },"
        " function (e) { cb('ERROR ' + e); });")


@pytest.mark.parametrize("query", ["火", "人民政府", "营商环境", "森林 防火", "应急 预案"])
def test_a_page_of_results_comes_with_the_total(browser, query: str) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    everything = urls(driver, query)
    page = driver.execute_async_script(PAGE, query, {"limit": 2, "offset": 1})
    assert not isinstance(page, str), page
    assert page["urls"] == everything[1:3]
    if all(len(w) <= 2 for w in query_words(query)):  # the index alone decides: the total is exact
        assert page["exact"]
    assert page["total"] == len(everything) if page["exact"] else page["total"] >= len(everything)
    whole = driver.execute_async_script(PAGE, query, {"limit": 1000})
    assert whole == {"urls": everything, "total": len(everything), "exact": True}


def test_a_page_of_single_character_matches_loads_no_text(browser, site: Path) -> None:  # type: ignore[no-untyped-def]
    driver, base = browser
    driver.get(base + "search/index.html")
    page = driver.execute_async_script(PAGE, "人", {"limit": 5})
    assert page["exact"] and len(page["urls"]) == 5 and page["total"] == len(_records(site))
    fetched = driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; });")
    texts = [_meta(site)["layout"]["files"][key][0] for key in ("heads", "rests")]
    assert [f for f in fetched if any(t in f for t in texts)] == []


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
    monkeypatch.setattr(writer, "PART_CHARS", 8_000)  # the gazette in several parts, merged into one index
    problems = Problems()
    parted = pipeline.build(load_settings(REPO, problems), AS_OF, problems, output=tmp_path / "parted").output
    assert len(_meta(parted)["pages"]) == len(writer._parts(writer.read_index(parted))) > 4
    _answers_alike(driver, parted, _queries(), tmp_path / "profile")


def _queries(*more: str) -> list[str]:
    """The queries of bench/queries.txt that have a word, and `more`."""
    return [q for q in (REPO / "bench" / "queries.txt").read_text(encoding="utf-8").splitlines()
            if q.strip() and not q.startswith("#") and query_words(q)] + list(more)


def _answers_alike(driver, site: Path, queries: list[str], profile: Path) -> dict[str, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """What `driver`'s page finds for each query, checked to be what `site`'s page, served, finds."""
    one = {q: found(driver, q) for q in queries}
    assert sum(1 for q in queries if one[q]) >= len(queries) // 3  # the comparison is not of empty lists
    with served(site) as base, chromium(profile) as other:
        other.get(base + "search/index.html")
        for q in queries:
            assert found(other, q) == one[q], q
    return one


def test_words_with_chunks_of_their_own_are_read_by_the_page_as_pagefind_reads_them(  # type: ignore[no-untyped-def]
        browser, site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A word held by so many documents that its entry is more than a chunk is a chunk of its own, which search.js
    reads itself (merge.CHUNK_BYTES): here the chunks are made small, so that the queries' words are read both ways,
    and the page answers every query as it does where Pagefind reads every word."""
    driver, _ = browser
    monkeypatch.setattr(writer, "PART_CHARS", 8_000)  # several pages, so that page numbers are read too
    monkeypatch.setattr(merge, "CHUNK_BYTES", 60)
    problems = Problems()
    small = pipeline.build(load_settings(REPO, problems), AS_OF, problems, output=tmp_path / "small",
                           explicit_index=True).output
    assert not _meta(site)["own"]
    own = _meta(small)["own"]
    queries = _queries("人民政府", "政府 通知", "工作")
    terms = {tokens.spell(w[i:i + 2]) for q in queries for w in query_words(q) for i in range(len(w) - 1)}
    assert len(terms & set(own)) >= 5 and len(terms - set(own)) >= 5, (len(terms & set(own)), len(terms))
    read = {tuple(w for w, _ in c) for c in _chunk_words(small / layout.SEARCH_DIR / layout.PAGEFIND_DIR)}
    assert {(w,) for w in own} <= read
    one = _answers_alike(driver, small, queries, tmp_path / "profile")
    make_offline(small)  # and from file://, where the page reads the chunk from its script
    with chromium(tmp_path / "disk") as disk:
        disk.get((small / "search" / "index.html").as_uri())
        for q in queries:
            assert found(disk, q) == one[q], q


def test_merge_gives_a_word_of_more_than_a_chunk_a_chunk_of_its_own(tmp_path: Path) -> None:
    texts = [" ".join(tokens.spell(a + b) for a in "火令营商环境" for b in "人民政府文件"[k:]) + " " for k in range(5)]
    texts[0] += " ".join(tokens.spell("火人") for _ in range(40)) + " "  # 40 locations: one word of many bytes
    outputs = _indexed(tmp_path, texts)
    size = 46  # a few words of the pages have entries of more
    merged = merge.merge(outputs, tmp_path / "merged", chunk_bytes=size)
    listed = chunks.read_pagefind_file(next((tmp_path / "merged").glob("*.pf_meta")))[2]
    read = _chunk_words(tmp_path / "merged")  # in the order of `listed`
    big = {w for c in read for w, data in c if len(data) > size}
    assert tokens.spell("火人") in big and 0 < len(big) < sum(len(c) for c in read) / 2
    # each alone in its chunk, which merged.own names
    assert merged.own == {c[0][0]: f"{layout.CHUNKS}/{name}.pf_index"
                          for (_, _, name), c in zip(listed, read) if c[0][0] in big}
    assert all(len(c) == 1 for c in read if any(w in big for w, _ in c))
    # the other words are cut into chunks as before, of about the size asked, a word of its own between them
    assert all(len(c) == 1 or sum(len(w[1]) for w in c[:-1]) < size for c in read)
    assert sum(1 for c in read if len(c) > 1) >= 3
    # and a page reads the chunk whatever the chunk size of the build: it is listed in meta
    merge.merge(outputs, tmp_path / "plain")
    assert merge.merge(outputs, tmp_path / "plain-again").own == {}


def found(driver, query: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """What gongbaoSearch returns, in order: url and the 文号 (or title)."""
    result = driver.execute_async_script(ALL_RESULTS, query, {})
    assert not isinstance(result, str), result
    return [(r["url"], r["doc_number"] or r["title"]) for r in result]


# --- search.js agrees with Python ------------------------------------------------------------

def test_the_page_normalises_every_character_as_python_does(browser) -> None:  # type: ignore[no-untyped-def]
    driver, _ = browser
    _ready(driver)  # normalize() folds traditional characters once meta is read
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
    """search.js takes the index's file names from the entry and meta's layout, and spells the entry
    alone: a name the build did not write would look like no match (chars) or break the search."""
    driver, base = browser
    driver.get(base + "search/index.html")
    for query in ["火", "营商环境", _a_word_only_in_the_rest_of_a_text(site)]:
        assert urls(driver, query), query
    index = base + layout.SEARCH_DIR + "/"
    fetched = {url.removeprefix(index).split("?")[0] for url in driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; });")
        if url.startswith(index)}
    assert [f for f in fetched if not (site / layout.SEARCH_DIR / f).is_file()] == []
    families = {key: folder.rstrip("/") for key, (folder, _) in _meta(site)["layout"]["files"].items()}
    assert {f.split("/")[0] for f in fetched} == {_entry(site)["meta"], layout.PAGEFIND_DIR, *families.values()}
    assert any(f.startswith(families["rests"]) for f in fetched)


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
    meta_path = tmp_path / "site" / layout.SEARCH_DIR / _entry(site)["meta"]
    meta = json.loads(gzip.decompress(meta_path.read_bytes()))
    del meta["columns"]["number"]
    meta_path.write_bytes(gzip.compress(json.dumps(meta).encode()))
    with served(tmp_path / "site") as other:
        driver.get(other + "search/index.html?q=营商环境")
        assert _finished(driver) == "error"
        assert "number" in driver.find_element("css selector", ".gb-status").text
    driver.get(base + "search/index.html")


def _chunk_words(pagefind_dir: Path) -> list[list[tuple[str, bytes]]]:
    meta = chunks.read_pagefind_file(next(pagefind_dir.glob("*.pf_meta")))
    read = [chunks.words_of_chunk(gzip.decompress((pagefind_dir / "index" / f"{c[2]}.pf_index").read_bytes()), c[2])
            for c in meta[2]]
    return [[(word, body[start:end]) for word, start, _, end in words] for body, words in read]


def _decoded_words(pagefind_dir: Path) -> dict[str, list]:  # type: ignore[type-arg]
    return {w: cbor.decode(data) for chunk in _chunk_words(pagefind_dir) for w, data in chunk}


def _indexed(tmp_path: Path, texts: list[str]) -> list[Path]:
    """Pagefind's output for each of `texts`, a page of its own (a part of the index)."""
    with pagefind.Parts(tmp_path) as indexing:
        for k, text in enumerate(texts):
            with indexing.page(k) as f:
                f.write(text)
        return indexing.finish()


def test_merge_lists_every_part_holding_a_word_with_its_locations(tmp_path: Path) -> None:
    outputs = _indexed(tmp_path, ["aaa bbb ccc aaa ", "bbb ddd ", "aaa eee bbb "])
    ids = [pagefind.page_id(out, k) for k, out in enumerate(outputs)]
    merged = merge.merge(outputs, tmp_path / "merged", chunk_bytes=20)
    assert merged.pages == ids
    assert len(_chunk_words(tmp_path / "merged")) > 1
    pages = [p[0] for p in chunks.read_pagefind_file(next((tmp_path / "merged").glob("*.pf_meta")))[1]]
    assert pages == ids
    words = _decoded_words(tmp_path / "merged")
    # Page numbers are differences to the previous one; each part's locations are as Pagefind wrote them.
    held = {w: {pages[sum(e[0] for e in entry[1][:i + 1])]: entry[1][i][1] for i in range(len(entry[1]))}
            for w, entry in words.items()}
    alone = [_decoded_words(out) for out in outputs]
    assert held == {w: {ids[k]: alone[k][w][1][0][1] for k in range(3) if w in alone[k]}
                    for w in ("aaa", "bbb", "ccc", "ddd", "eee", "z")}
    assert set(held["aaa"]) == {ids[0], ids[2]} and set(held["bbb"]) == set(ids)


def test_merge_on_several_processes_writes_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [" ".join(tokens.spell(a + b) for a in "火令营商环境" for b in "人民政府文件"[k:]) + " " for k in range(5)]
    outputs = _indexed(tmp_path, texts)
    merge.merge(outputs, tmp_path / "one", chunk_bytes=60)
    monkeypatch.setattr(merge, "_PARALLEL_JOBS", 0)
    merge.merge(outputs, tmp_path / "many", chunk_bytes=60)
    assert len(_chunk_words(tmp_path / "one")) > 4
    assert _same_tree(filecmp.dircmp(tmp_path / "one", tmp_path / "many"))


def test_merge_cuts_chunks_of_about_the_size_asked(site: Path, tmp_path: Path) -> None:
    texts = [" ".join(tokens.spell(r.title[i:i + 2]) for r in _records(site) for i in range(len(r.title) - 1)) + " ",
             " ".join(tokens.spell(r.text[i:i + 2]) for r in _records(site)[:3] for i in range(200)) + " "]
    outputs = _indexed(tmp_path, texts)
    merge.merge(outputs, tmp_path / "merged", chunk_bytes=300)
    chunks = _chunk_words(tmp_path / "merged")
    assert len(chunks) > 10 and all(len(c) == 1 or sum(len(w[1]) for w in c[:-1]) < 300 for c in chunks)
    assert len(list((tmp_path / "merged" / "index").iterdir())) == len(chunks)


def test_merge_refuses_an_unknown_pagefind_format(tmp_path: Path) -> None:
    (output,) = _indexed(tmp_path, ["aaa "])
    entry = output / pagefind.ENTRY
    entry.write_text(entry.read_text(encoding="utf-8").replace('"1.5.', '"9.0.'), encoding="utf-8")
    with pytest.raises(SearchIndexError, match="only 1.5 is known"):
        merge.merge([output], tmp_path / "merged")


def test_pagefind_runs_at_most_two_processes_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts are indexed by processes of their own, a bounded number at a time: Pagefind's memory,
    which grows with what one process reads, stays bounded at any site size."""
    real, log = pagefind.pagefind_executable(), tmp_path / "runs.log"
    wrapper = tmp_path / "pagefind"
    wrapper.write_text(f'#!/bin/sh\necho "+ $$" >> {log}\nsleep 0.2\n"{real}" "$@"\ncode=$?\necho "- $$" >> {log}\n'
                       "exit $code\n")
    wrapper.chmod(0o755)
    monkeypatch.setattr(pagefind, "pagefind_executable", lambda: wrapper)
    (tmp_path / "parts").mkdir()
    assert len(_indexed(tmp_path / "parts", [f"a{k}a " for k in range(5)])) == 5
    running = peak = 0
    for line in log.read_text().splitlines():
        running += 1 if line.startswith("+") else -1
        peak = max(peak, running)
    assert peak == pagefind.AT_ONCE and len(log.read_text().splitlines()) == 10


def test_postings_list_the_documents_holding_each_character() -> None:
    arrays = [np.array(x, dtype=np.int32) for x in ([3, 5], [], [1, 3], [3], [0x10FFFF])]
    postings = writer._Postings(arrays)
    assert postings.chars.tolist() == [1, 3, 5, 0x10FFFF]
    assert {c: postings.deltas(c) for c in (0, 1, 2, 3, 5, 0x10FFFF)} == \
        {0: [], 1: [2], 2: [], 3: [0, 2, 1], 5: [0], 0x10FFFF: [4]}  # the first document, then differences
    assert writer._Postings([]).chars.tolist() == []


def test_postings_of_narrowed_code_points_are_the_same() -> None:
    """A document's code points are held in two bytes when they fit: the last that fits, the first that
    does not, and characters beyond the BMP list the same documents."""
    arrays = [np.array(x, dtype=np.int32) for x in ([0x4E00, 0xFFFE], [0xFFFF], [3, 0x20000], [], [0xFFFE])]
    narrowed = [writer._narrow(a) for a in arrays]
    assert [a.dtype.itemsize for a in narrowed] == [2, 4, 4, 2, 2]
    wide, narrow = writer._Postings(arrays), writer._Postings(narrowed)
    assert narrow.chars.tolist() == wide.chars.tolist() == [3, 0x4E00, 0xFFFE, 0xFFFF, 0x20000]
    assert [narrow.deltas(c) for c in wide.chars.tolist()] == [wide.deltas(c) for c in wide.chars.tolist()] == \
        [[2], [0], [0, 4], [1], [2]]


def test_documents_are_split_into_parts_whose_cuts_an_edit_does_not_move() -> None:
    sizes = np.random.default_rng(7).integers(1, 60, 400).tolist()
    records = [record(f"docs/{n}/", "标题", "字" * size) for n, size in enumerate(sizes)]
    assert writer._parts(records, part_chars=100_000) == [range(0, 400)]
    assert writer._parts(records[:1], part_chars=1) == [range(0, 1)]
    parts = writer._parts(records, part_chars=400)
    lengths = [sum(len(records[n].text) + len(records[n].title) for n in p) for p in parts]
    assert [n for p in parts for n in p] == list(range(400))
    # no part larger than asked but by the document that crosses the line: Pagefind's memory grows with it;
    # none smaller than half of it but the last
    assert all(200 <= size <= 400 + 62 for size in lengths[:-1]) and lengths[-1] <= 400 + 62, lengths
    assert 4 < len(parts) < 400 * 40 // 200
    # a document made longer, or shorter, moves only the cuts next to it: the other parts are indexed as before
    middle = parts[len(parts) // 2]
    for change in ("字" * 30, ""):
        edited = [*records]
        edited[middle[1]] = record(f"docs/{middle[1]}/", "标题", change)
        after = writer._parts(edited, part_chars=400)
        assert len(set(parts) - set(after)) <= 2 and len(set(after) - set(parts)) <= 2, (parts, after)
        assert set(parts[:len(parts) // 2]) <= set(after)


def test_texts_are_packed_into_shards_of_about_the_budget() -> None:
    sizes = [5, 5, 5, 30, 5, 5]
    assert list(writer._cut(sizes, 12)) == [range(0, 2), range(2, 3), range(3, 4), range(4, 6)]
    assert list(writer._cut([], 12)) == []


def test_the_texts_json_is_held_one_shard_at_a_time(site: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A document's JSON for the text shards is made when its shard is cut and let go once the shard is written: a
    full build once held every document's at once (a gigabyte at 100,000 documents)."""
    held: list[int] = []

    class Counted(writer._Items):
        def __call__(self, n: int) -> bytes:
            made = super().__call__(n)
            held.append(len(self.made))
            return made
    monkeypatch.setattr(writer, "_Items", Counted)
    monkeypatch.setattr(layout, "HEAD_SHARD_BYTES", 3_000)  # a few documents a shard
    records = writer.read_index(site)
    build_index(tmp_path / "small", records)
    out = tmp_path / "small" / layout.SEARCH_DIR
    entry = json.loads((out / layout.ENTRY).read_text(encoding="utf-8"))[layout.ENTRY_KEY]
    extents = json.loads(gzip.decompress((out / entry["meta"]).read_bytes()))["shards"]
    assert len(extents["heads"]) > 5 and max(held) <= max(extents["heads"] + extents["rests"]) + 1 < len(records)
    assert writer.read_index(tmp_path / "small") == records


# --- citizens: ended and cited documents, traditional characters, the page's help -------------

def _ready(driver) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page has read meta, whose folding table normalize() applies."""
    assert driver.execute_async_script("var cb = arguments[arguments.length - 1];"
                                       "gongbaoSearch.ready().then(cb, function (e) { cb('ERROR ' + e); });") is True


def test_search_records_hold_documents_only_cited_with_their_number_title_and_status(site: Path) -> None:
    problems = Problems()
    library = pipeline.check(load_settings(REPO, problems), AS_OF, problems)
    records = search_records(library, {k: "正文" for k in library.documents})
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


def test_parts_that_ended_before_their_deadline_are_collected_after_it(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """At 100,000 documents the first parts' deadlines passed while the others were indexed: a part that
    ended in time is read, never stopped as hung, however late the build collects it."""
    monkeypatch.setattr(pagefind, "TIMEOUT_BASE", 1.0)
    monkeypatch.setattr(pagefind, "TIMEOUT_PER_MB", 0.0)
    with pagefind.Parts(tmp_path) as indexing:
        for k in range(3):
            with indexing.page(k) as f:
                f.write(f"a{k}a ")
        time.sleep(3.0)  # every deadline passes; the processes have long ended
        outputs = indexing.finish()
    assert [pagefind.page_id(out, k) for k, out in enumerate(outputs)]
