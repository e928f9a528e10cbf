"""tables.py makes a part's index as Pagefind 1.5 makes it: the same word tables, byte for byte, and the same page id
and word count, on pages holding each shape of entry the format has; and a site's whole index, every part made by
tables.py (what every build does), locates each bigram of each document at its document's slot and class."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gzip
import itertools
import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from gongbao import build as pipeline
from gongbao.config import load_settings
from gongbao.digests import digest
from gongbao.problems import Problems
from gongbao.search import build_index, cbor, layout, merge, pagefind, parallel, reuse, tables, tokens, writer
from gongbao.search.chunks import SIGNATURE, read_pagefind_file, read_table
from gongbao.search.parallel import Workers
from gongbao.search.tokens import ALPHABET
from tests.search_samples import TRICKY, record


def _pagefind_index(tmp_path: Path, part: int, words: list[str]) -> tuple[Path, str]:
    """Pagefind's output for the page of part `part` holding `words`, and the page's words as tables.py reads them."""
    source = tmp_path / "source"
    source.mkdir()
    with pagefind.page(source, part) as f:
        f.write("".join(w + " " for w in words))
    with pagefind.Indexer(source, tmp_path / "out") as indexer:
        output = indexer.finish()
    return output, pagefind.page_words("".join(w + " " for w in words))


def _word(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def test_a_part_indexed_here_is_what_pagefind_makes_of_its_page(tmp_path: Path) -> None:
    rng = random.Random(7)
    n = 70_000
    # one word in every other position (an array of 35,000 positions: the longest head), the rest
    # random words of 6, 8 and 10 symbols, some of them repeated 22, 23 or 300 times (the heads of
    # arrays of 23, 24 and 301 items), a word at the first and the last position (a difference of
    # more than 65,535: an integer of five bytes), and words starting with digits and with "z"
    words = ["0aaaaa" if k % 2 else _word(rng, rng.choice((6, 6, 6, 8, 10))) for k in range(n)]
    for count, word in ((22, "b22222"), (23, "c23232"), (300, "d30000")):
        for k in rng.sample(range(0, n, 2), count):
            words[k] = word
    words[0] = words[-2] = "z0zzzz0zzz"
    output, page = _pagefind_index(tmp_path, 3, words)
    made, count = tables.part_tables(page)

    meta_path = next(output.glob("pagefind.*.pf_meta"))
    meta = read_pagefind_file(meta_path)
    assert meta[1] == [[tables.page_id(3, page, count), count]] and count == n + 1
    assert pagefind.page_id(output, 3) == tables.page_id(3, page, count)
    for symbol in ALPHABET:
        theirs = read_table(output / "index", [c for c in meta[2] if c[0] < chr(ord(symbol) + 1) and c[1] >= symbol],
                            symbol)
        ours = made[symbol]
        assert (ours.words, ours.entries, ours.starts, ours.locations) == \
            (theirs.words, theirs.entries, theirs.starts, theirs.locations), symbol
    assert sum(len(t.words) for t in made.values()) == len(set(words)) + 1  # and the last word, "z"
    # made in two halves (two processes, see pagefind._on): each the tables of its symbols, together the same
    (first, count0), (second, count1) = tables.part_tables(page, 0), tables.part_tables(page, 1)
    assert count0 == count1 == count and first.keys().isdisjoint(second.keys())
    assert first and second and {**first, **second} == made


def test_a_half_of_no_words_has_empty_tables() -> None:
    page = pagefind.page_words("aaaaaa aaaaaa abcdef ")  # words starting with "a", then the page's last word, "z"
    (first, _), (second, _) = tables.part_tables(page, 0), tables.part_tables(page, 1)
    whole, _ = tables.part_tables(page)
    assert {**first, **second} == whole and set(second) == set(ALPHABET[ALPHABET.index("a") + 1:])
    assert [symbol for symbol, t in second.items() if t.words] == ["z"]
    alone = pagefind.page_words("")  # only "z": the first half holds no symbol, the second every one
    assert tables.part_tables(alone, 0)[0] == {} and tables.part_tables(alone, 1)[0] == tables.part_tables(alone)[0]


def test_a_page_of_other_words_is_refused() -> None:
    for page in ("", "abc  def", "abcdefghijk z", " z"):
        with pytest.raises(ValueError):
            tables.part_tables(page)


def _located(site: Path) -> dict[str, set[tuple[int, int]]]:
    """Each word of a site's index -> the (document, class) of each of its locations, read back from the chunks."""
    out = site / layout.SEARCH_DIR
    entry = json.loads((out / layout.ENTRY).read_text(encoding="utf-8"))
    meta = json.loads(gzip.decompress((out / entry[layout.ENTRY_KEY]["meta"]).read_bytes()))
    assert meta["layout"]["slots"] == layout.SLOTS == len(layout.CLASSES)
    pf_meta = read_pagefind_file(out / layout.PAGEFIND_DIR / f"pagefind.{entry['languages']['und']['hash']}.pf_meta")
    firsts = [meta["pages"][page] for page, _ in pf_meta[1]]
    located: dict[str, set[tuple[int, int]]] = {}
    for chunk in pf_meta[2]:
        body = gzip.decompress((out / layout.PAGEFIND_DIR / layout.CHUNKS / f"{chunk[2]}.pf_index").read_bytes())
        for word, pages, _ in cbor.decode(body[len(SIGNATURE):])[0]:
            page = 0
            for delta, locations, _ in pages:
                page += delta
                assert locations[0] == -25 and all(d >= 0 for d in locations[1:])
                for position in itertools.accumulate(locations[1:]):
                    document, klass = divmod(position, layout.SLOTS)
                    assert (firsts[page] + document, klass) not in located.get(word, set())
                    located.setdefault(word, set()).add((firsts[page] + document, klass))
    return located


def test_a_sites_index_locates_each_bigram_at_its_documents_slot_and_class(tmp_path: Path) -> None:
    problems = Problems()
    pipeline.build(load_settings(REPO, problems), dt.date(2025, 1, 1), problems, output=tmp_path / "site")
    records = writer.read_index(tmp_path / "site")  # the bundled gazette, and hard strings, astral characters
    records += [record(f"docs/t{n}/", f"标题{text}", f"{text}\n𠀀𠀁𪚥 {text} 123abc", f"测发〔2024〕{n}号")
                for n, text in enumerate(TRICKY)]
    build_index(tmp_path / "index", records, part_chars=6_000)  # about a dozen parts
    assert len(writer._parts(records, 6_000)) > 8
    expected: dict[str, set[tuple[int, int]]] = {}
    for d, r in enumerate(records):
        line, (bigrams, tf2, tf4, tf10, number, title), _, _ = tokens.document_tokens(r)
        words = line.split()
        assert len(words) == bigrams
        for i, word in enumerate(words):
            body = i - number - title
            klass = (0 if i < number else 1 if body < 0 else 2 if body < tf10 else 3 if body < tf4 else 4
                     if body < tf2 else 5)
            expected.setdefault(word, set()).add((d, klass))
    located = _located(tmp_path / "index")
    # each part's page ends with the sentinel, in the slot after its last document's
    assert located.pop(pagefind._SENTINEL) == {(part.stop, 0) for part in writer._parts(records, 6_000)}
    assert located == expected
    # every class occurs, in the 文号, in the title and in each tf bucket of the body
    assert {k for found in expected.values() for _, k in found} == set(range(layout.SLOTS))


def test_slot_positions_refuse_a_row_that_does_not_add_up() -> None:
    # a 文号 bigram, a title bigram, then in the body one of tf >= 4, one of tf 2-3 and one of tf 1; then a
    # document of three bigrams of tf 1; then the page's last word
    assert tables.slot_positions(tables.packed_rows([[5, 2, 1, 0, 1, 1], [3, 0, 0, 0, 0, 0]])).tolist() == \
        [0, 1, 3, 4, 5, 11, 11, 11, 12]
    with pytest.raises(ValueError):
        tables.slot_positions(tables.packed_rows([[2, 0, 0, 0, 2, 1]]))  # more 文号 and title bigrams than bigrams


def test_tokens_computed_ahead_give_the_same_index_and_are_not_computed_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build computes the tokens of the bodies it renders before the index asks for them (reuse.TokensAhead,
    while the bodies are rendered): the index takes those and computes only the others, and its bytes are those
    of an index that computed all. Two documents of the same title, 文号 and text share one computation."""
    problems = Problems()
    pipeline.build(load_settings(REPO, problems), dt.date(2025, 1, 1), problems, output=tmp_path / "site")
    records = writer.read_index(tmp_path / "site")
    records += [dataclasses.replace(records[3], url="docs/copy/")]  # the same tokens as records[3]
    build_index(tmp_path / "plain", records)
    computed: list[str] = []
    real = reuse.process_map

    def process_map(fn: Any, items: Any, *args: Any, **kwargs: Any) -> Any:
        computed.extend(r.url for r in items)
        return real(fn, items, *args, **kwargs)
    monkeypatch.setattr(reuse, "process_map", process_map)
    monkeypatch.setattr(reuse.TokensAhead, "CHUNK", 2)  # (the gazette has fewer documents than a chunk)
    with Workers() as workers:
        ahead = reuse.TokensAhead(workers)
        for r in records[:-4]:
            ahead.add(r.title, r.doc_number, r.text)
        ahead.add("未收录的标题", None, "不会被索引要的正文")  # taken by no record: it stays unasked
        build_index(tmp_path / "ahead", records, workers=workers, ahead=ahead)
    assert computed == [r.url for r in records[-4:-1]]  # the last is records[3]'s twin
    assert ahead.has(reuse._text_key("未收录的标题", None, digest("不会被索引要的正文".encode())))
    assert not any(ahead.has(reuse._document_key(r)) for r in records)
    assert _files(tmp_path / "ahead") == _files(tmp_path / "plain")


def test_tokens_of_fewer_documents_than_a_chunk_are_computed_by_the_index_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached build renders a few bodies anew: their tokens are not sent to processes that may still be starting
    (reuse.TokensAhead.flush), but computed by the index, at once."""
    problems = Problems()
    pipeline.build(load_settings(REPO, problems), dt.date(2025, 1, 1), problems, output=tmp_path / "site")
    records = writer.read_index(tmp_path / "site")
    sent: list[object] = []
    with Workers() as workers:
        real = workers.submit
        monkeypatch.setattr(workers, "submit", lambda fn, *args: sent.append(fn) or real(fn, *args))
        ahead = reuse.TokensAhead(workers)
        for r in records[:reuse.TokensAhead.CHUNK - 1]:
            ahead.add(r.title, r.doc_number, r.text)
        build_index(tmp_path / "ahead", records, workers=workers, ahead=ahead)
    assert reuse._text_tokens not in sent and not any(ahead.has(reuse._document_key(r)) for r in records)
    build_index(tmp_path / "plain", records)
    assert _files(tmp_path / "ahead") == _files(tmp_path / "plain")


def _files(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _timed(part: int) -> tuple[float, float, int]:
    start = time.monotonic()  # (the system's clock: comparable between processes)
    time.sleep(0.3)
    return start, time.monotonic(), os.getpid()


def test_parts_sent_to_the_workers_are_indexed_one_at_a_time(tmp_path: Path) -> None:
    """From a thread beside the build's work, tables.py indexes the parts on the index's workers, one part at a
    time (a part's tables take 300 MiB on the corpus: two at once would take twice that)."""
    (tmp_path / "parts").mkdir()
    with Workers() as workers, pagefind.Parts(tmp_path / "parts", workers) as parts:
        beside = threading.Thread(target=lambda: [parts.index_here(k, functools.partial(_timed, k))
                                                  for k in range(3)])
        beside.start()
        beside.join()
        spans = parts.finish()
    assert len(spans) == 3 and all(pid != os.getpid() for _, _, pid in spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_alone_a_map_runs_one_job_at_a_time_on_the_workers() -> None:
    """process_map's `alone` (the merge's, past merge._ALONE_PARTS parts): the jobs in order, one at a time."""
    with Workers() as workers:
        spans = list(parallel.process_map(_timed, [0, 1, 2], at_least=1, workers=workers, alone=True))
        assert workers.count < 2 or all(pid != os.getpid() for _, _, pid in spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_the_merge_one_job_at_a_time_writes_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    problems = Problems()
    pipeline.build(load_settings(REPO, problems), dt.date(2025, 1, 1), problems, output=tmp_path / "site")
    records = writer.read_index(tmp_path / "site")
    build_index(tmp_path / "together", records, part_chars=6_000)
    monkeypatch.setattr(merge, "_ALONE_PARTS", 2)
    alone: list[bool] = []
    real = merge.process_map
    monkeypatch.setattr(merge, "process_map", lambda *a, **k: (alone.append(k["alone"]), real(*a, **k))[1])
    build_index(tmp_path / "alone", records, part_chars=6_000)
    assert alone == [True]
    assert _files(tmp_path / "alone") == _files(tmp_path / "together")
