"""Incremental builds: after any series of edits, a build that reuses earlier ones gives exactly the bytes of a full build."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

import gongbao.write
from conftest import REPO
from gongbao import build as pipeline
from gongbao import indexing
from gongbao.build import Builder, BuildResult
from gongbao.cache import CACHE_DIR, code_version, load_state
from gongbao.config import DEFAULT_TEMPLATES, load_settings
from gongbao.load import load_content
from gongbao.digests import Fingerprints, TextDigests
from gongbao.output import STAMP, STAMP_TEXT
from gongbao.problems import ContentError, Problems
from gongbao.search import SearchRecord

AS_OF = dt.date(2025, 1, 1)
GOLDEN = REPO / "tests" / "golden"
DOCS = "content/documents"


def _fake_index(site: Path, records: Sequence[SearchRecord], cache: object = None, stop: object = None,
                workers: object = None, ahead: object = None, recycled: object = None) -> None:
    """A stand-in for the search stage, made of every field of every record (Pagefind takes seconds a build):
    the index is a black box to the builder, which only sees its files."""
    out = site / "search" / "fake"
    (out / "doc").mkdir(parents=True)
    for n, record in enumerate(records):
        fields = {**asdict(record), "text_digest": record.text_digest.hex()}
        (out / "doc" / f"{n}.json").write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
    (out / "count.txt").write_text(str(len(records)), encoding="utf-8")


@pytest.fixture
def fake_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indexing, "build_index", _fake_index)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The golden site with the theme's templates as the project's own (so a test can edit one), and a body
    that cites another document by 文号 and by title."""
    root = tmp_path / "proj"
    shutil.copytree(GOLDEN / "content", root / "content")
    shutil.copyfile(GOLDEN / "gongbao.yaml", root / "gongbao.yaml")
    shutil.copytree(DEFAULT_TEMPLATES, root / "templates", ignore=shutil.ignore_patterns("__*"))
    _edit(root / DOCS / "03-yfbf-2024-17.md", "健全突发重大动物疫情应对工作机制。",
          "健全突发重大动物疫情应对工作机制，参照样府发〔2024〕9号和《样例区人民政府关于发布森林防火禁火令的通告》。")
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _build(project: Path, builder: Builder, output: Path | None = None, defer_index: bool = False) -> BuildResult:
    problems = Problems(root=project)
    return builder.build(load_settings(project, problems), AS_OF, problems, output, defer_index=defer_index)


def _settle(project: Path) -> None:
    """Date every content file an hour back, as files not saved just now are: a kept Builder then trusts their
    stat instead of reading them again."""
    hour_ago = time.time_ns() - 3_600_000_000_000
    for path in (project / "content").rglob("*"):
        os.utime(path, ns=(hour_ago, hour_ago))


def _full(project: Path, tmp_path: Path) -> dict[str, bytes]:
    problems = Problems(root=project)
    out = tmp_path / "full"
    pipeline.build(load_settings(project, problems), AS_OF, problems, output=out)
    return _snapshot(out)


def _body(root: Path) -> None:
    _edit(root / DOCS / "03-yfbf-2024-17.md", "健全突发", "进一步健全突发")


def _citation(root: Path) -> None:  # 01's body now links 02: only 01's own page shows its body
    _edit(root / DOCS / "01-yff-2024-9.md", "（此件公开发布）", "（此件公开发布，另见样府发〔2024〕11号）")


def _heading(root: Path) -> None:  # a heading in 01's body: its outline, part of its own view only
    _edit(root / DOCS / "01-yff-2024-9.md", "::: disclosure", "## 附则\n\n附则一条。\n\n::: disclosure")


def _body_back(root: Path) -> None:  # 03's body as it was two builds before: its page as it was then
    _edit(root / DOCS / "03-yfbf-2024-17.md", "进一步健全突发", "健全突发")


def _issue_body(root: Path) -> None:  # an issue's body is on its page, the list of issues and the home page
    _edit(root / "content" / "gazettes" / "2024-01.md", "## 2024年第3季度主要文件目录", "## 2024年第三季度主要文件目录")


def _title(root: Path) -> None:  # cited by title in 03's body: its link goes, and 01's lists and partners change
    _edit(root / DOCS / "01-yff-2024-9.md", "title: 样例区人民政府关于发布森林防火禁火令的通告",
          "title: 样例区人民政府关于发布森林防火禁火令的通告（修订）")


def _relation(root: Path) -> None:
    _edit(root / DOCS / "02-yff-2024-11.md", "repeals:", "amends:\n  - 样府发〔2024〕9号\nrepeals:")


def _slug(root: Path) -> None:  # 01 moves: 03's body links to it by 文号
    _edit(root / DOCS / "01-yff-2024-9.md", "issuer:", "slug: fire-ban\nissuer:")


def _template(root: Path) -> None:
    _edit(root / "templates" / "document.html", "</article>", "<p>模板改动</p></article>")


def _settings(root: Path) -> None:
    _edit(root / "gongbao.yaml", "title: 样例公报", "title: 样例公报（网络版）")


def _logo(root: Path) -> None:
    (root / "seal.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>\n", encoding="utf-8")
    _edit(root / "gongbao.yaml", "title: 样例公报（网络版）", "title: 样例公报（网络版）\nlogo: seal.svg")


def _logo_redrawn(root: Path) -> None:  # the same settings: only its bytes, which name the assets' folder
    (root / "seal.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg' width='1'/>\n", encoding="utf-8")


def _delete(root: Path) -> None:  # 02 goes, and with it the referenced 60号 it repealed
    (root / DOCS / "02-yff-2024-11.md").unlink()


def _new(root: Path) -> None:
    (root / DOCS / "04-new.md").write_text(
        "---\ntitle: 样例区人民政府关于新事项的通知\ndoc_number: 样府发〔2024〕30号\nissuer: 样例区人民政府\n"
        "doc_type: 通知\nsigned: 2024-09-01\n---\n新事项。依据样府发〔2024〕9号。\n", encoding="utf-8")


EDITS: list[Callable[[Path], None]] = [_body, _citation, _heading, _body_back, _issue_body, _title, _relation, _slug,
                                        _template, _settings, _logo, _logo_redrawn, _delete, _new]


@pytest.mark.usefixtures("fake_index")
def test_each_edit_rebuilds_the_bytes_of_a_full_build(project: Path, tmp_path: Path) -> None:
    cache = project / CACHE_DIR
    in_memory, memory_site = Builder(), tmp_path / "memory"
    _settle(project)
    _build(project, Builder(cache))
    _build(project, in_memory, output=memory_site)
    for edit in EDITS:
        edit(project)
        # A new Builder each time: what it reuses comes from the cache folder, as for `gongbao build`;
        # and one kept in memory, as `serve` keeps it (the edited file just saved, the others settled).
        _build(project, Builder(cache))
        _build(project, in_memory, output=memory_site)
        _settle(project)
        full = _full(project, tmp_path)
        assert _snapshot(project / "site") == full, edit.__name__
        assert _snapshot(memory_site) == full, edit.__name__


@pytest.mark.usefixtures("fake_index")
def test_a_body_edit_renders_only_its_own_page_and_reads_only_its_file(project: Path) -> None:
    _build(project, Builder(project / CACHE_DIR))
    _body(project)
    stats = _build(project, Builder(project / CACHE_DIR)).stats
    assert (stats.files_parsed, stats.bodies_rendered, stats.pages_rendered) == (1, 1, 1)
    assert stats.index == "built"
    stats = _build(project, Builder(project / CACHE_DIR)).stats
    assert (stats.files_parsed, stats.bodies_rendered, stats.pages_rendered, stats.index) == (0, 0, 0, "kept")


@pytest.mark.usefixtures("fake_index")
def test_a_new_builder_digests_only_the_bodies_of_the_files_it_parses(project: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest of each body is kept with what loading its file gave (Loaded.body_digest), so that a build in a new
    process does not digest every body again; the bytes are still those of a full build
    (test_each_edit_rebuilds_the_bytes_of_a_full_build)."""
    _build(project, Builder(project / CACHE_DIR))
    _body(project)
    bodies = [doc.body for doc in load_content(project / "content", "", Problems(root=project)).documents]
    edited = [body for body in bodies if "进一步健全突发" in body]
    assert len(edited) == 1 and len(bodies) == 3
    digested: list[str] = []
    work = TextDigests.work
    monkeypatch.setattr(TextDigests, "work", staticmethod(lambda text: digested.append(text) or work(text)))
    _build(project, Builder(project / CACHE_DIR))
    assert [text for text in digested if text in bodies] == edited


@pytest.mark.usefixtures("fake_index")
def test_a_kept_builder_reads_again_only_the_files_saved_since(project: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    builder = Builder()
    _settle(project)
    _build(project, builder)
    read: list[str] = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(path.name) or read_bytes(path))
    _body(project)
    stats = _build(project, builder).stats
    assert {name for name in read if name.startswith("0")} == {"03-yfbf-2024-17.md"}  # of the documents
    assert (stats.files_parsed, stats.pages_rendered) == (1, 1)
    assert _snapshot(project / "site") == _full(project, tmp_path)


@pytest.mark.usefixtures("fake_index")
def test_a_file_saved_twice_within_the_file_times_resolution_is_read_again(project: Path, tmp_path: Path) -> None:
    """Just saved, a file's stat is not trusted: a second save in the same tick of its file time, of as many
    bytes, would keep it."""
    builder = Builder()
    _build(project, builder)
    path = project / DOCS / "03-yfbf-2024-17.md"
    before = os.stat(path)
    path.write_text(path.read_text(encoding="utf-8").replace("健全突发", "完善突发"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    _build(project, builder)
    assert "完善突发" in (project / "site" / "docs" / "yfbf-2024-17" / "index.html").read_text(encoding="utf-8")
    assert _snapshot(project / "site") == _full(project, tmp_path)


@pytest.mark.usefixtures("fake_index")
def test_a_title_edit_renders_the_pages_that_show_the_title(project: Path) -> None:
    _build(project, Builder(project / CACHE_DIR))
    _title(project)
    result = _build(project, Builder(project / CACHE_DIR))
    # 03 cites the title (its body and its page change); 01's own page, the home page, the issue, the
    # list of issues and the lists by year, issuer and 文种 show it; 02's page and the 60号's do not.
    assert result.stats.bodies_rendered == 2  # 03's body, and 01's own (its key is the page's)
    assert 0 < result.stats.pages_rendered < result.pages


@pytest.mark.usefixtures("fake_index")
def test_a_damaged_or_foreign_cache_is_ignored(project: Path, tmp_path: Path) -> None:
    cache = project / CACHE_DIR
    _build(project, Builder(cache))
    for part in ("sources.pickle", "build.pickle"):
        (cache / part).write_bytes((cache / part).read_bytes()[:-100])
    _body(project)
    stats = _build(project, Builder(cache)).stats
    assert (stats.files_parsed, stats.bodies_rendered) == (stats.files, stats.bodies)
    assert _snapshot(project / "site") == _full(project, tmp_path)
    for part in ("sources.pickle", "build.pickle"):
        (cache / part).write_bytes(b"not a cache")
    stats = _build(project, Builder(cache)).stats
    assert (stats.files_parsed, stats.bodies_rendered) == (stats.files, stats.bodies)


@pytest.mark.usefixtures("fake_index")
def test_a_page_changed_by_hand_is_rendered_again(project: Path, tmp_path: Path) -> None:
    cache = project / CACHE_DIR
    _build(project, Builder(cache))
    _build(project, Builder(cache))  # the site before is now kept in the cache, to be recycled
    page = project / "site" / "docs" / "yff-2024-9" / "index.html"
    page.write_text("edited by hand", encoding="utf-8")
    (project / "site" / "stray.html").write_text("not built", encoding="utf-8")
    for _ in range(2):  # the edited files are in the site, then in the recycled one
        result = _build(project, Builder(cache))
        assert _snapshot(project / "site") == _full(project, tmp_path)
    assert result.stats.pages_rendered == 0


@pytest.mark.usefixtures("fake_index")
def test_a_build_writes_nothing_into_the_published_site_through_a_link(project: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The staging folder recycles the site before last and links files of the live one; every file a build
    writes is new in the folder, so until the swap the published site keeps its bytes, and the new one is
    stamped like any other."""
    cache = project / CACHE_DIR
    _build(project, Builder(cache))
    _build(project, Builder(cache))  # the site before is now kept in the cache, to be recycled
    site = project / "site"
    published = _snapshot(site)
    at_swap = []
    replace_dir = gongbao.write.replace_dir

    def swap(staged: Path, output: Path, keep_old: Path | None = None) -> None:
        at_swap.append(_snapshot(site))
        replace_dir(staged, output, keep_old)
    monkeypatch.setattr(gongbao.write, "replace_dir", swap)
    _body(project)
    _title(project)
    result = _build(project, Builder(cache))
    assert 0 < result.stats.pages_rendered < result.pages
    assert at_swap == [published]
    assert (site / STAMP).read_text(encoding="utf-8") == STAMP_TEXT
    assert _snapshot(site) == _full(project, tmp_path)


@pytest.mark.usefixtures("fake_index")
def test_a_failed_build_leaves_the_site_and_the_next_build_is_still_exact(project: Path, tmp_path: Path) -> None:
    cache = project / CACHE_DIR
    _build(project, Builder(cache))
    _build(project, Builder(cache))
    before = _snapshot(project / "site")
    _edit(project / "templates" / "document.html", "</article>", "{{ no_such_name }}</article>")
    with pytest.raises(ContentError):
        _build(project, Builder(cache))
    assert _snapshot(project / "site") == before
    _edit(project / "templates" / "document.html", "{{ no_such_name }}</article>", "</article>")
    _body(project)
    _build(project, Builder(cache))
    assert _snapshot(project / "site") == _full(project, tmp_path)


def test_a_deferred_index_follows_the_pages(project: Path, tmp_path: Path) -> None:
    builder = Builder(project / CACHE_DIR)
    _build(project, builder, defer_index=True)
    old_index = {k: v for k, v in _snapshot(project / "site").items() if k.startswith("search/doc/")}
    _body(project)
    result = _build(project, builder, defer_index=True)
    assert result.index_pending
    site = _snapshot(project / "site")
    full = _full(project, tmp_path)
    assert site["docs/yfbf-2024-17/index.html"] == full["docs/yfbf-2024-17/index.html"]
    assert {k: v for k, v in site.items() if k.startswith("search/doc/")} == old_index
    assert builder.follow_index() is False
    assert _snapshot(project / "site") == full


def test_a_deferred_index_saves_the_state_when_it_follows(project: Path) -> None:
    """The state of a build whose index is deferred is saved with that index, not before: the next `gongbao build`
    then finds nothing to do."""
    cache = project / CACHE_DIR
    builder = Builder(cache)
    _build(project, builder, defer_index=True)
    _body(project)
    before = (cache / "build.pickle").read_bytes()
    assert _build(project, builder, defer_index=True).index_pending
    assert (cache / "build.pickle").read_bytes() == before  # not saved with the pages
    assert builder.follow_index() is False
    assert (cache / "build.pickle").read_bytes() != before
    problems = Problems(root=project)
    again = Builder(cache).build(load_settings(project, problems), AS_OF, problems)
    assert (again.stats.files_parsed, again.stats.pages_rendered, again.stats.index) == (0, 0, "kept")


@pytest.mark.usefixtures("fake_index")
def test_check_reads_the_cache_and_writes_nothing(project: Path) -> None:
    cache = project / CACHE_DIR
    _build(project, Builder(cache))
    before = _snapshot(cache)
    _body(project)
    problems = Problems(root=project)
    checked = Builder(cache).check(load_settings(project, problems), AS_OF, problems)
    assert (checked.stats.files, checked.stats.files_parsed) == (4, 1)
    assert _snapshot(cache) == before


#: A build in a new process, as `gongbao build` runs it, telling which pypinyin modules it imported.
_BUILD_AND_LIST_IMPORTS = """
import sys
from gongbao.cli import main
main.main(["build", "-q", "--as-of", "2025-01-01"], standalone_mode=False)
print(" ".join(sorted({name.split(".")[0] for name in sys.modules} & {"pypinyin", "numpy"})))
"""


def test_builds_import_pypinyin_and_numpy_only_for_what_they_make(project: Path) -> None:
    """pypinyin (a third of a second to import) works out the initials of names, which the cache remembers;
    numpy (a sixth) is the tokenizer's, which a build keeping its index never runs."""
    def build() -> str:
        done = subprocess.run([sys.executable, "-c", _BUILD_AND_LIST_IMPORTS], cwd=project, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert build() == "numpy pypinyin"  # the first build works the initials out, and makes the index
    _body(project)
    assert build() == "numpy"  # the index again, for the new text; every name is known
    assert "进一步健全突发" in (project / "site" / "docs" / "yfbf-2024-17" / "index.html").read_text(encoding="utf-8")
    assert build() == ""  # nothing changed


@pytest.mark.usefixtures("fake_index")
def test_pages_rendered_again_from_kept_bodies_are_the_bytes_of_a_full_build(project: Path, tmp_path: Path) -> None:
    """Kept bodies hold their HTML compressed: a template edit renders every page again, each body's HTML
    taken from the kept one (in memory, as serve keeps it, and from the cache folder), none rendered anew."""
    _settle(project)
    in_memory, memory_site = Builder(), tmp_path / "memory"
    first = _build(project, Builder(project / CACHE_DIR))
    _build(project, in_memory, output=memory_site)
    _template(project)
    full = _full(project, tmp_path)
    for builder, site in ((Builder(project / CACHE_DIR), project / "site"), (in_memory, memory_site)):
        again = _build(project, builder, output=site)
        assert again.stats.bodies_rendered == 0
        assert again.stats.pages_rendered == first.stats.pages_rendered > 0
        assert _snapshot(site) == full


def test_a_site_built_into_nothing_gets_a_copy_to_recycle_so_the_next_build_links_no_page(
        project: Path, tmp_path: Path, fake_index: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """serve's first build often writes into a new folder, which leaves no site before it to recycle: the
    first save's rebuild then linked every file of the site (0.6 s on the corpus). prepare_recycling makes
    that copy while serve waits for the first save."""
    builder = Builder(project / CACHE_DIR)
    _build(project, builder)
    spare = project / CACHE_DIR / pipeline.PREVIOUS_SITE
    assert not spare.exists()
    builder.prepare_recycling(project / "site")
    assert _snapshot(spare) == {name: data for name, data in _snapshot(project / "site").items()
                                if name in _snapshot(spare)}
    assert any(name.endswith("index.html") for name in _snapshot(spare))
    links: list[str] = []
    real_link = os.link
    monkeypatch.setattr(gongbao.write.os, "link", lambda src, dst: (links.append(str(dst)), real_link(src, dst)))
    _settle(project)
    _body(project)
    _build(project, builder)
    pages = [link for link in links if "/search/" not in link]  # the edited body's new index is linked in
    assert pages == []  # every unchanged page was already in the recycled copy
    assert _snapshot(project / "site") == _full(project, tmp_path)
    links.clear()
    builder.prepare_recycling(project / "site")  # one is kept already: nothing to do
    assert links == []


@pytest.mark.usefixtures("fake_index")
def test_kept_bodies_hold_their_html_compressed_as_their_pages_show_it(project: Path) -> None:
    """A body's HTML is kept compressed from the moment it is rendered (the largest thing a build holds for
    every document); unpacked, it is the HTML its page shows, byte for byte."""
    _build(project, Builder(project / CACHE_DIR))
    entries = list(load_state(project / CACHE_DIR, code_version()).bodies.entries.values())
    pages = "".join(p.read_text(encoding="utf-8") for p in (project / "site").rglob("index.html"))
    assert entries
    for entry in entries:
        assert isinstance(entry.packed_html, bytes)
        assert zlib.decompress(entry.packed_html).decode() == entry.html
        assert entry.html in pages


@pytest.mark.usefixtures("fake_index")
def test_bodies_are_kept_compressed_where_the_sites_size_or_a_cache_folder_asks(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a cache folder, a site of at most build.BESIDE_CHARS characters keeps its bodies' HTML as str
    (compressing and decompressing every body was 2 s of CPU on the corpus); past it, compressed. The pages
    are the same."""
    small = Builder()
    small_site = _build(project, small, output=tmp_path / "small")
    monkeypatch.setattr(pipeline, "BESIDE_CHARS", 100)
    large = Builder()
    large_site = _build(project, large, output=tmp_path / "large")
    assert small._state is not None and large._state is not None
    assert small._state.bodies.entries and all(isinstance(e.packed_html, str)
                                               for e in small._state.bodies.entries.values())
    assert large._state.bodies.entries and all(isinstance(e.packed_html, bytes)
                                               for e in large._state.bodies.entries.values())
    assert _snapshot(small_site.output) == _snapshot(large_site.output)


@pytest.mark.usefixtures("fake_index")
def test_a_one_off_build_forgets_the_bodies_once_its_pages_are_written(project: Path, tmp_path: Path) -> None:
    """A builder made for one build lets go of the documents' sources and rendered bodies before the index
    stage (they are most of its memory), and builds the same site as one that keeps them for the next."""
    once = Builder(once=True)
    result = _build(project, once)
    kept = _build(project, Builder(), output=tmp_path / "kept")
    assert _snapshot(result.output) == _snapshot(kept.output)
    assert result.stats.bodies == kept.stats.bodies > 0
    # nothing fingerprints its pages (no later build would read that), and it counts them all the same
    assert result.pages == kept.pages > 10 and result.stats.pages_rendered == kept.stats.pages_rendered
    assert once._state is not None and {w.fingerprint for name, w in once._state.pages.items()
                                        if name.endswith(".html")} == {b""}
    assert {doc.body for doc in result.library.documents.values()} == {""}
    assert all(doc.body for doc in kept.library.documents.values())
    assert once._state is not None and not once._state.bodies.entries
    assert _build(project, once).stats.bodies_rendered == result.stats.bodies  # nothing was kept


@dataclass(frozen=True, slots=True)
class _Shared:
    name: str


@dataclass(frozen=True, slots=True)
class _Own:
    shared: _Shared
    first: bool


def test_parts_met_once_are_fingerprinted_as_any_other_but_not_kept() -> None:
    """A page's own view is digested once: the same digest as when its parts are kept, without keeping them
    (while a part shared by many pages is kept, and digested once)."""
    shared = _Shared("甲")
    value = ("site", (_Own(shared, True), _Own(shared, False)))
    single = Fingerprints(single=(_Own,))
    assert single.of(value) == Fingerprints().of(value)
    assert not any(isinstance(part, _Own) for part in single._alive)
    assert any(part is shared for part in single._alive)


@pytest.mark.usefixtures("fake_index")
@pytest.mark.parametrize("large", [False, True])
def test_a_cached_build_starts_the_index_processes_early_only_for_a_large_site(
        project: Path, monkeypatch: pytest.MonkeyPatch, large: bool) -> None:
    """Started before the state is read, the processes overlap a large site's first second; a small site's build
    with nothing changed would wait for them at its end (0.3 s became 0.6 s on the bundled gazette)."""
    started: list[indexing.IndexAhead] = []
    monkeypatch.setattr(indexing.IndexAhead, "start_processes", lambda self: started.append(self))
    if large:
        monkeypatch.setattr(pipeline, "EARLY_STATE_BYTES", 1)
    _build(project, Builder(project / CACHE_DIR))
    assert started == []  # no state saved yet
    _build(project, Builder(project / CACHE_DIR))
    assert len(started) == (1 if large else 0)
