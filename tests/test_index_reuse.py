"""The search index reused from the cache part by part: after each edit, the bytes of a full build, with only the
parts whose documents changed indexed again (by tables.py, as a full build indexes every part: that tables.py
gives Pagefind's own bytes is tests/test_search_tables.py's)."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import gzip
import json
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import gongbao.write
from conftest import REPO
from gongbao import build as pipeline
from gongbao.build import Builder
from gongbao.cache import CACHE_DIR
from gongbao.config import load_settings
from gongbao.digests import digest
from gongbao.output import OutputFault
from gongbao.problems import Problems
from gongbao.search import merge, pagefind, reuse, writer
from tests.search_samples import record
from treestate import tree

AS_OF = dt.date(2025, 1, 1)
DOCS = "content/documents/2024-02"
#: The bundled gazette (about 58,000 characters) in about a dozen parts.
PART_CHARS = 6_000


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(writer, "PART_CHARS", PART_CHARS)
    root = tmp_path / "proj"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copyfile(REPO / "gongbao.yaml", root / "gongbao.yaml")
    return root


@pytest.fixture
def indexed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The part numbers Pagefind is run for, in the order started."""
    parts: list[int] = []
    start = pagefind.Indexer.__init__

    def counted(self: pagefind.Indexer, source: Path, output: Path) -> None:
        parts.append(int(source.name.removeprefix("part")))
        start(self, source, output)
    monkeypatch.setattr(pagefind.Indexer, "__init__", counted)
    return parts


@pytest.fixture
def modelled(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The part numbers indexed by tables.py, in order."""
    parts: list[int] = []
    job = reuse.IndexCache.index_job

    def counted(self: reuse.IndexCache, part: int, page: str, rows: bytes) -> Any:
        parts.append(part)
        return job(self, part, page, rows)
    monkeypatch.setattr(reuse.IndexCache, "index_job", counted)
    return parts


def _snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _parts(site: Path) -> set[tuple[int, tuple[tuple[str, str | None, str], ...]]]:
    """Each part of the site's index: its number and what Pagefind indexes of its documents."""
    records = writer.read_index(site)
    return {(k, tuple((records[n].title, records[n].doc_number, records[n].text) for n in part))
            for k, part in enumerate(writer._parts(records))}


def _full(project: Path, out: Path) -> dict[str, bytes]:
    problems = Problems(root=project)
    shutil.rmtree(out, ignore_errors=True)
    pipeline.build(load_settings(project, problems), AS_OF, problems, output=out)
    return _snapshot(out)


def _cached(project: Path, defer: bool = False) -> Builder:
    """A build as `gongbao build` runs it: a new Builder reading the project's cache."""
    builder = Builder(project / CACHE_DIR)
    problems = Problems(root=project)
    builder.build(load_settings(project, problems), AS_OF, problems, defer_index=defer)
    return builder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _body(root: Path) -> None:
    _edit(root / DOCS / "12-wlfbf-2024-40.md", "因人事调整和工作需要", "因人事调整和工作需要（补充一句）")


def _title(root: Path) -> None:
    _edit(root / DOCS / "06-wlfbf-2024-22.md", "\ntitle: ", "\ntitle: 修订：")


def _deletion(root: Path) -> None:
    (root / DOCS / "09-wlfbf-2024-36.md").unlink()


def _new_file(root: Path) -> None:
    """A short document: the chance that a part ends with it is small (writer._cuts_after), and it does not. A
    new cut would renumber the parts after it, and Pagefind would index them again (their page is named by
    its number)."""
    head = (root / DOCS / "12-wlfbf-2024-40.md").read_text(encoding="utf-8").split("\n---\n")[0]
    head = head.replace("〔2024〕40号", "〔2024〕41号").replace("工作分工的通知", "工作分工的补充通知")
    (root / DOCS / "13-wlfbf-2024-41.md").write_text(head + "\n---\n\n区政府领导同志工作分工补充如下。\n", encoding="utf-8")


EDITS: list[Callable[[Path], None]] = [_body, _title, _deletion, _new_file]


@pytest.mark.parametrize("chunk_bytes", [None, 60])
def test_each_edit_indexes_only_the_changed_parts_and_gives_the_bytes_of_a_full_build(
        project: Path, tmp_path: Path, indexed: list[int], modelled: list[int], chunk_bytes: int | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With chunks so small (60 bytes) that many words have chunks of their own (merge.CHUNK_BYTES) too."""
    if chunk_bytes:
        monkeypatch.setattr(merge, "CHUNK_BYTES", chunk_bytes)
    _cached(project)
    site = project / "site"
    entry = json.loads((site / "search" / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert bool(json.loads(gzip.decompress((site / "search" / entry["gongbao"]["meta"]).read_bytes()))["own"]) \
        == bool(chunk_bytes)
    before = _parts(site)
    assert len(before) > 4
    # nothing kept: tables.py indexes every part, and Pagefind runs once, for the files every index takes from it
    assert indexed == [pagefind.SHELL_PART] and modelled == list(range(len(before)))
    for edit in EDITS:
        edit(project)
        indexed.clear()
        modelled.clear()
        _cached(project)
        after = _parts(site)
        changed = {k for k, _ in after - before}
        assert indexed == [] and modelled == sorted(changed), edit.__name__
        assert 0 < len(changed) < len(after), edit.__name__  # something was indexed, and not everything
        assert _snapshot(site) == _full(project, tmp_path / "full"), edit.__name__
        before = after


@pytest.mark.parametrize("thread", ["main", "another"])
def test_a_deferred_index_reuses_the_kept_parts(project: Path, tmp_path: Path, indexed: list[int],
                                                modelled: list[int], thread: str) -> None:
    """On another thread, as serve follows its rebuilds, the changed part is indexed on another process."""
    _cached(project)
    _body(project)
    indexed.clear()
    modelled.clear()
    builder = _cached(project, defer=True)
    assert indexed == [] and modelled == []
    if thread == "main":
        assert builder.follow_index() is False
    else:
        with concurrent.futures.ThreadPoolExecutor(1) as other:
            assert other.submit(builder.follow_index).result() is False
    assert indexed == [] and len(modelled) == 1
    assert _snapshot(project / "site") == _full(project, tmp_path / "full")


@pytest.mark.parametrize("damage", ["truncated", "tokens truncated", "deleted"])
def test_a_damaged_kept_part_is_indexed_again(project: Path, tmp_path: Path, indexed: list[int],
                                              modelled: list[int], damage: str) -> None:
    _cached(project)
    entries = sorted((project / CACHE_DIR / "search-index" / "parts").iterdir())
    for entry in entries:
        if damage == "truncated":  # the word tables tables.py made: the merge cannot read them
            for path in (entry / reuse._WORDS).iterdir():
                path.write_bytes(path.read_bytes()[:10])
        elif damage == "tokens truncated":  # found, then unreadable: the part's tokens are computed again
            path = entry / reuse._TOKENS
            path.write_bytes(path.read_bytes()[:10])
        else:
            shutil.rmtree(entry)
    _body(project)
    indexed.clear()
    modelled.clear()
    _cached(project)
    # the parts are indexed again by tables.py, Pagefind's script and entry taken from what the cache keeps apart
    # (truncated: the edited part first, then every part, once the merge found the kept ones unreadable)
    assert indexed == [] and len(modelled) == len(entries) + (damage == "truncated")
    assert _snapshot(project / "site") == _full(project, tmp_path / "full")
    indexed.clear()
    modelled.clear()
    _cached(project)  # the cache holds what the last build made, whole again
    assert indexed == [] and modelled == []


def test_without_pagefinds_files_kept_apart_pagefind_runs_once_for_them_and_they_are_kept_again(
        project: Path, tmp_path: Path, indexed: list[int], modelled: list[int]) -> None:
    _cached(project)
    index_cache = project / CACHE_DIR / "search-index"
    (shell,) = index_cache.glob(reuse._SHELL + "*")
    shutil.rmtree(shell)
    _body(project)
    indexed.clear()
    modelled.clear()
    _cached(project)
    assert indexed == [pagefind.SHELL_PART] and len(modelled) == 1
    assert _snapshot(project / "site") == _full(project, tmp_path / "full")
    assert (shell / "pagefind-entry.json").is_file()  # kept apart again
    _title(project)
    indexed.clear()
    _cached(project)
    assert indexed == []


def test_the_cache_holds_only_what_the_last_build_used(project: Path, indexed: list[int]) -> None:
    _cached(project)
    parts = project / CACHE_DIR / "search-index" / "parts"
    first = {p.name for p in parts.iterdir()}
    for edit in EDITS:
        edit(project)
        _cached(project)
    assert len({p.name for p in parts.iterdir()}) == len(_parts(project / "site"))
    assert first - {p.name for p in parts.iterdir()}
    kept = ("parts", reuse._STORE, reuse._STORE_LIST, reuse._SHARDS)
    others = [p.name for p in parts.parent.iterdir() if p.name not in kept]
    assert len(others) == 1 and others[0].startswith(reuse._SHELL)  # Pagefind's script and entry


def test_a_failed_build_leaves_the_index_cache_as_it_was(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                         modelled: list[int]) -> None:
    _cached(project)
    _body(project)
    cache = tree(project / CACHE_DIR / "search-index")

    def fails(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(pipeline, "publish", fails)
    with pytest.raises(OutputFault):
        _cached(project)
    assert modelled  # the changed part was indexed, and its entry was not kept
    assert tree(project / CACHE_DIR / "search-index") == cache


def _index_files(site: Path) -> dict[str, Path]:
    """The compressed files of the site's index (all but Pagefind's entry, script and WebAssembly), by name."""
    search = site / "search"
    return {p.relative_to(search).as_posix(): p for p in sorted(search.rglob("*"))
            if p.is_file() and (p.suffix in (".gb", ".pf_index", ".pf_meta"))}


def test_the_compressed_files_are_kept_as_links_to_the_sites_and_linked_into_the_next(project: Path) -> None:
    """A file whose bytes did not change is not written again: it is a hard link to the one the last build wrote."""
    _cached(project)
    store = project / CACHE_DIR / "search-index" / reuse._STORE
    first = {p.stat().st_ino for p in _index_files(project / "site").values() if p.suffix != ".pf_meta"}
    assert first <= {p.stat().st_ino for p in store.iterdir()}  # (Pagefind's meta index is made anew each time)
    _body(project)
    _cached(project)
    second = _index_files(project / "site")
    same = first & {p.stat().st_ino for p in second.values()}
    assert len(same) > len(second) // 2  # most files did not change: the same files, linked
    # the cache holds the files of the last build, and no others
    assert {p.stat().st_ino for p in store.iterdir()} == {p.stat().st_ino for p in second.values()
                                                         if p.suffix != ".pf_meta"}


def test_after_a_body_edit_only_the_shards_holding_the_document_are_made_again(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shards beside Pagefind's index whose documents did not change are taken from the cache, their JSON not
    made again (reuse.IndexCache.shard); those made are the bytes a full build makes."""
    _cached(project)
    made: list[str] = []
    write = writer._Family.write

    def counted(self: writer._Family, n: int, value: bytes) -> bytes:
        made.append(self.shards.folder)
        return write(self, n, value)
    monkeypatch.setattr(writer._Family, "write", counted)
    search = project / "site" / "search"
    shards = {family: len(list(next(search.glob(family + "-*")).iterdir())) for family in ("heads", "rests", "chars")}
    _body(project)  # six characters more: at most their shards of chars change
    _cached(project)
    assert 1 <= made.count("heads") <= 2 < shards["heads"] and made.count("rests") <= 2 < shards["rests"]
    assert made.count("chars") <= 6 < shards["chars"]
    monkeypatch.setattr(writer._Family, "write", write)
    assert _snapshot(project / "site") == _full(project, tmp_path / "full")


def test_without_hard_links_the_compressed_files_are_copied(project: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache folder on another file system than the site (links refused): the files are written, and kept as
    copies, with the bytes of a full build."""
    def refused(*args: Any, **kwargs: Any) -> None:
        raise OSError(18, "Invalid cross-device link")
    monkeypatch.setattr(reuse.os, "link", refused)
    _cached(project)
    store = project / CACHE_DIR / "search-index" / reuse._STORE
    files = _index_files(project / "site")
    assert len(list(store.iterdir())) >= len(files) - 1  # (but Pagefind's meta index)
    assert all(p.stat().st_nlink == 1 for p in files.values())
    _body(project)
    _cached(project)
    assert _snapshot(project / "site") == _full(project, tmp_path / "full")


@pytest.mark.parametrize("damage", ["site file rewritten in place", "kept file removed", "kept file gone mid-build"])
def test_a_kept_compressed_file_that_changed_is_not_used(project: Path, tmp_path: Path, damage: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _cached(project)
    store = project / CACHE_DIR / "search-index" / reuse._STORE
    shard = next(p for p in _index_files(project / "site").values() if p.parent.name.startswith("names-"))
    (kept,) = [p for p in store.iterdir() if p.stat().st_ino == shard.stat().st_ino]
    if damage == "site file rewritten in place":  # the site's file and the kept one are one file
        with shard.open("r+b") as f:
            f.write(b"\0" * 10)
        assert kept.read_bytes()[:10] == b"\0" * 10
    elif damage == "kept file removed":
        kept.unlink()
    else:  # removed after the build found it intact: it starts again, keeping nothing
        monkeypatch.setattr(reuse.Written, "intact", lambda self, path: True)
        kept.unlink()
    _body(project)
    _cached(project)
    a, b = _snapshot(project / "site"), _full(project, tmp_path / "full")
    assert sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k)) == []


def test_a_documents_key_is_the_same_with_its_texts_digest_given_or_not() -> None:
    """A record from the render stage carries its text's digest (kept with its rendered body, so that a build does not
    digest every text again); one read from a site's index does not: both give the document the same key, which is
    also the key of the tokens worked out ahead of the index (TokensAhead)."""
    given = record("docs/a/", "关于森林防火的通告", "第一段。\n第二段，火源管理。", "样府发〔2024〕9号")
    given = dataclasses.replace(given, text_digest=digest(given.text.encode()))
    plain = dataclasses.replace(given, text_digest=b"")
    assert reuse._document_key(given) == reuse._document_key(plain) \
        == reuse._text_key(given.title, given.doc_number, digest(given.text.encode()))
    assert reuse._document_key(dataclasses.replace(plain, text=plain.text + "。")) != reuse._document_key(plain)


def test_a_build_writes_its_new_chunks_into_the_chunk_files_of_the_index_before_last(project: Path) -> None:
    """The site before last is the next build's staging folder: its chunks that the last build replaced are no
    longer in the live site nor in the cache, and the merge writes new chunks into them (search.recycle.Recycled) instead of
    making new files. The bytes are those of a full build (test above); here, the inodes are the old ones."""
    index = project / "site" / "search" / "pagefind" / "index"
    _cached(project)
    first = {p.stat().st_ino for p in index.iterdir()}
    _body(project)
    _cached(project)
    second = {p.stat().st_ino for p in index.iterdir()}
    _edit(project / DOCS / "12-wlfbf-2024-40.md", "（补充一句）", "（再补充一句）")
    _cached(project)
    third = {p.stat().st_ino for p in index.iterdir()}
    assert third - second  # new chunks
    assert (third - second) & (first - second)  # written into files of the first build's index


def test_the_chunks_the_live_site_shares_are_not_lent(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a build that kept the index, the site before last holds the live index's own chunk files (the same
    inodes): none is lent to the merge, which could only let each go. After a build that made a new index, the old
    chunks are lent."""
    lent: list[int] = []
    lend = gongbao.write.Staging.lend

    def counted(self: gongbao.write.Staging, folder: str) -> list[str]:
        names = lend(self, folder)
        lent.append(len(names))
        return names

    monkeypatch.setattr(gongbao.write.Staging, "lend", counted)
    _cached(project)
    _cached(project)  # nothing changed: the index is kept (linked)
    _body(project)
    _cached(project)  # its recycled site is the first build's, whose chunks the live site shares
    _edit(project / DOCS / "12-wlfbf-2024-40.md", "（补充一句）", "（再补充一句）")
    _cached(project)  # its recycled site is the second build's: the chunks the last build replaced
    assert len(lent) == 3 and lent[1] == 0 and lent[2] > 0, lent  # (the first build has no site before it)
