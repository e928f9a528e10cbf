"""The merge of the parts' indexes with each part's words kept (chunks.WordTables): the bytes of a merge that
reads every part's Pagefind output, whether the words are kept, read back, or found damaged."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from gongbao.kept import read_kept
from gongbao.search import chunks, merge, tokens
from gongbao.search.record import SearchIndexError
from gongbao.search.recycle import Recycled
from test_search import _decoded_words, _indexed
from treestate import tree

VERSION = "test"


def _texts() -> list[str]:
    """Five parts sharing some words and not others, over several first symbols."""
    return [" ".join(tokens.spell(a + b) for a in "火令营商环境" for b in "人民政府文件"[k:])
            + f" aaa a{k}a zz{k} " for k in range(5)]


def _tables(tmp_path: Path, parts: int) -> chunks.WordTables:
    return chunks.WordTables([tmp_path / "tables" / str(k) for k in range(parts)], VERSION)


@pytest.fixture
def outputs(tmp_path: Path) -> list[Path]:
    (tmp_path / "parts").mkdir()
    return _indexed(tmp_path / "parts", _texts())


@pytest.mark.parametrize("parallel", [False, True])
def test_a_merge_keeping_or_reading_the_words_writes_the_bytes_of_one_reading_pagefinds_output(
        tmp_path: Path, outputs: list[Path], monkeypatch: pytest.MonkeyPatch, parallel: bool) -> None:
    if parallel:
        monkeypatch.setattr(merge, "_PARALLEL_JOBS", 0)
    merge.merge(outputs, tmp_path / "plain", chunk_bytes=60)
    tables = _tables(tmp_path, len(outputs))
    merge.merge(outputs, tmp_path / "keeping", chunk_bytes=60, tables=tables)
    assert {p.name for p in tables.folders[0].iterdir()} == {f"{s}.pickle" for s in tokens.ALPHABET}
    for output in outputs:  # the words are read from the tables now, not from Pagefind's chunks
        shutil.rmtree(output / "index")
    merge.merge(outputs, tmp_path / "reading", chunk_bytes=60, tables=tables)
    assert len(list((tmp_path / "plain" / "index").iterdir())) > 4
    assert tree(tmp_path / "plain") == tree(tmp_path / "keeping") == tree(tmp_path / "reading")


class _Kept:
    """merge.Compressed as the index cache is, counting the chunks compressed and taken."""

    def __init__(self) -> None:
        self.kept: dict[bytes, bytes] = {}
        self.compressed = self.taken = 0

    def gz_known(self) -> frozenset[bytes]:
        return frozenset(self.kept)

    def gz_take(self, key: bytes, data: bytes | None) -> bytes:
        self.compressed += data is not None
        self.taken += data is None
        self.kept.setdefault(key, data or self.kept[key])
        return data or self.kept[key]

    def gz_write(self, key: bytes, data: bytes, path: Path) -> None:
        path.write_bytes(data)

    def gz_keep(self, key: bytes, path: Path) -> None:
        self.compressed += 1
        self.kept.setdefault(key, path.read_bytes())


def test_a_chunk_whose_bytes_did_not_change_is_not_compressed_again(tmp_path: Path, outputs: list[Path],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(merge, "_PARALLEL_JOBS", 0)  # on the pool: the digests known go to the processes
    kept = _Kept()
    merge.merge(outputs, tmp_path / "first", chunk_bytes=60, compressed=kept)
    chunks_written = len(list((tmp_path / "first" / "index").iterdir()))
    assert kept.compressed == chunks_written > 4 and kept.taken == 0
    (tmp_path / "edited").mkdir()
    texts = _texts()
    texts[4] = texts[4].replace("a4a", "a5a")  # words starting with "a" change, and no others
    edited = _indexed(tmp_path / "edited", texts)
    kept.compressed = 0
    merge.merge(edited, tmp_path / "again", chunk_bytes=60, compressed=kept)
    merge.merge(edited, tmp_path / "plain", chunk_bytes=60)
    assert tree(tmp_path / "again") == tree(tmp_path / "plain")
    assert 0 < kept.compressed < kept.taken


@pytest.mark.parametrize("damage", ["truncated", "deleted", "another version"])
def test_a_damaged_word_table_is_read_again_from_pagefinds_output(tmp_path: Path, outputs: list[Path],
                                                                  damage: str) -> None:
    tables = _tables(tmp_path, len(outputs))
    merge.merge(outputs, tmp_path / "first", tables=tables)
    table = tables.folders[2] / "a.pickle"
    kept = table.read_bytes()
    if damage == "truncated":
        table.write_bytes(kept[:len(kept) // 2])
    elif damage == "deleted":
        table.unlink()
    else:
        table.write_bytes(kept.replace(VERSION.encode(), b"tsef", 1))
    merge.merge(outputs, tmp_path / "again", tables=tables)
    assert tree(tmp_path / "first") == tree(tmp_path / "again")
    assert table.read_bytes() == kept and read_kept(table, VERSION) is not None  # whole again


def test_a_damaged_word_table_of_a_damaged_output_stops_the_merge(tmp_path: Path, outputs: list[Path]) -> None:
    tables = _tables(tmp_path, len(outputs))
    merge.merge(outputs, tmp_path / "first", tables=tables)
    (tables.folders[1] / "a.pickle").unlink()
    for chunk in (outputs[1] / "index").iterdir():
        chunk.write_bytes(chunk.read_bytes()[:10])
    with pytest.raises(SearchIndexError, match="not shaped as Pagefind 1.5 writes it"):
        merge.merge(outputs, tmp_path / "again", tables=tables)


def test_the_merge_numbers_pages_past_those_one_byte_holds(tmp_path: Path) -> None:
    """Page numbers from 24 on take two bytes (CBOR): the entry of a word on such a part alone grows
    by a byte, and so does its page's in a word on several."""
    (tmp_path / "parts").mkdir()
    texts = [f"aaa b{k}b " for k in range(25)] + ["aaa b0b ccc "]
    outputs = _indexed(tmp_path / "parts", texts)
    for k, tables in enumerate([None, _tables(tmp_path, len(outputs)), _tables(tmp_path, len(outputs))]):
        merge.merge(outputs, tmp_path / f"merged{k}", chunk_bytes=40, tables=tables)
        words = _decoded_words(tmp_path / f"merged{k}")
        assert [p[0] for p in words["aaa"][1]] == [0] + [1] * 25  # page numbers: differences
        assert [p[0] for p in words["b0b"][1]] == [0, 25] and [p[0] for p in words["ccc"][1]] == [25]
        assert [p[0] for p in words["b24b"][1]] == [24]
    assert tree(tmp_path / "merged0") == tree(tmp_path / "merged1") == tree(tmp_path / "merged2")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(tokens.ALPHABET, min_size=1, max_size=chunks.LONGEST), min_size=1, max_size=50))
def test_words_as_keys_keep_their_order_and_spelling(words: list[str]) -> None:
    """The merge sorts and compares words as integers (chunks.padded_keys): in the order of the words, one key
    for each word, and each key spells its word again."""
    keys = chunks.word_keys(words).tolist()
    assert sorted(range(len(words)), key=lambda n: (words[n], n)) == sorted(range(len(words)), key=lambda n: (keys[n], n))
    assert [chunks.key_word(k) for k in keys] == words
    assert len(set(keys)) == len(set(words))


def test_chunks_whose_names_clash_are_named_in_order_whichever_process_wrote_them_first(
        tmp_path: Path, outputs: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The jobs write their chunks themselves, on several processes at once, each under its short name if no other
    took it first; the merge then names them in the order of the chunks, as one process writing them in order
    would: with names of one hex digit, most chunks clash, and the index is the same however the jobs ran."""
    monkeypatch.setattr(merge, "_CHUNK_NAME", 1)
    merge.merge(outputs, tmp_path / "parallel", chunk_bytes=20)
    monkeypatch.setattr(merge, "_PARALLEL_JOBS", 1000)  # every job in turn, on this process
    merge.merge(outputs, tmp_path / "in-order", chunk_bytes=20)
    names = [p.name for p in (tmp_path / "in-order" / "index").iterdir()]
    assert len(names) > 30 and sum(len(n) > 30 for n in names) > 15  # long names: the clashes
    assert tree(tmp_path / "parallel") == tree(tmp_path / "in-order")
    for folder in ("parallel", "in-order"):  # each chunk is in the file its name says
        meta = chunks.read_pagefind_file(next((tmp_path / folder).glob("pagefind.*.pf_meta")))
        assert sorted(f"{c[2]}.pf_index" for c in meta[2]) == sorted(p.name for p in (tmp_path / folder / "index").iterdir())
        for _, _, name in meta[2]:
            data = (tmp_path / folder / "index" / f"{name}.pf_index").read_bytes()
            assert hashlib.sha256(data).hexdigest().startswith(name.split("_", 1)[1])


def test_a_chunk_that_took_an_earlier_chunks_name_is_moved_to_its_long_name(tmp_path: Path) -> None:
    """merge._place, as when a later job wrote first: the later chunk holds the short name, the earlier one is aside."""
    (tmp_path / "und_a.pf_index").write_bytes(b"later")
    (tmp_path / ".k1.pf_index").write_bytes(b"earlier")
    (tmp_path / "und_b.pf_index").write_bytes(b"alone")
    names: set[str] = set()
    displaced: dict[str, Path] = {}
    assert merge._place(tmp_path, ("und_a", "und_a111", ".k1"), names, displaced) == "und_a"
    assert merge._place(tmp_path, ("und_b", "und_b222", "und_b"), names, displaced) == "und_b"
    assert merge._place(tmp_path, ("und_a", "und_a333", "und_a"), names, displaced) == "und_a333"
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == \
        {"und_a.pf_index": b"earlier", "und_b.pf_index": b"alone", "und_a333.pf_index": b"later"}
    assert displaced == {}


@pytest.mark.parametrize("clashing", [False, True])
def test_chunks_are_written_into_recycled_files_that_no_other_name_holds(
        tmp_path: Path, outputs: list[Path], monkeypatch: pytest.MonkeyPatch, clashing: bool) -> None:
    """recycle.Recycled: a job takes an old file for each new chunk while any is left, but never one whose inode
    another name holds (the live site's, the cache's) nor a symbolic link (its target is not ours): the index is the
    bytes of one written into new files, the files taken are gone from the old folder, and what the shared file and
    the link's target hold is unchanged. With names of one hex digit, chunks clash and are written aside."""
    if clashing:
        monkeypatch.setattr(merge, "_CHUNK_NAME", 1)
    merge.merge(outputs, tmp_path / "new", chunk_bytes=20)
    old = tmp_path / "old"
    old.mkdir()
    for n in range(12):
        (old / f"und_{n:02d}.pf_index").write_bytes(b"old chunk %d" % n)
    own = {(old / f"und_{n:02d}.pf_index").stat().st_ino for n in range(12)}
    (tmp_path / "live").mkdir()
    (tmp_path / "live" / "shared.pf_index").write_bytes(b"the live site's")
    os.link(tmp_path / "live" / "shared.pf_index", old / "und_shared.pf_index")
    (tmp_path / "outside.txt").write_bytes(b"not gongbao's")
    (old / "und_link.pf_index").symlink_to(tmp_path / "outside.txt")
    names = tuple(sorted(p.name for p in old.iterdir()))
    merge.merge(outputs, tmp_path / "recycling", chunk_bytes=20, recycled=Recycled(old, names))
    assert tree(tmp_path / "recycling") == tree(tmp_path / "new")
    written = {p.stat().st_ino for p in (tmp_path / "recycling" / "index").iterdir()}
    assert len(list((tmp_path / "new" / "index").iterdir())) > 12
    assert own <= written  # every old file was taken (there are more chunks than old files)
    assert sorted(p.name for p in old.iterdir()) == []  # the shared one and the link were let go, not written
    assert (tmp_path / "live" / "shared.pf_index").read_bytes() == b"the live site's"
    assert (tmp_path / "outside.txt").read_bytes() == b"not gongbao's"
