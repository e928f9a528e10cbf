"""Cache-safe names: after a rebuild, a file under search/ or assets/ whose bytes changed has a new name."""

from __future__ import annotations

import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

from conftest import BASE_DOCUMENT, run, write_project
from gongbao.kept import Written, quick_pickle
from gongbao.load import FileJob, load_file
from gongbao.model import Document
from gongbao.search import layout

#: Fetched fresh, so they may keep their names: the pages, and Pagefind's entry (it names the rest).
FRESH = (".html", f"{layout.SEARCH_DIR}/{layout.ENTRY}")


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
            if p.is_file() and p.relative_to(site).parts[0] in (layout.SEARCH_DIR, "assets")}


def _build(project: Path, keep: Path) -> dict[str, bytes]:
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    shutil.copytree(project / "site", keep)
    return _files(keep)


def test_a_rebuild_after_a_body_edit_renames_every_changed_file(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    before = _build(project, tmp_path / "before")
    document = project / "content/documents/base.md"
    document.write_text(BASE_DOCUMENT.replace("区政府特颁布森林防火禁火令。", "区政府特颁布森林防火禁火令。\n\n野外用火须经批准。"),
                        encoding="utf-8")
    after = _build(project, tmp_path / "after")
    same_name_changed = [name for name in before.keys() & after.keys()
                         if before[name] != after[name] and not name.endswith(FRESH)]
    assert same_name_changed == []
    assert set(after) - set(before)  # the edit did change the index: some files are new
    assert any(before[name] != after[name] for name in before.keys() & after.keys())  # the entry, fetched fresh


def test_a_changed_stylesheet_is_published_under_a_new_folder(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {"templates/assets/seal.svg": "<svg/>\n"})
    before = _build(project, tmp_path / "before")
    (project / "templates/assets/style.css").write_text("body { color: #123; }\n", encoding="utf-8")
    after = _build(project, tmp_path / "after")
    old = {name for name in before if name.startswith("assets/")}
    new = {name for name in after if name.startswith("assets/")}
    assert old.isdisjoint(new) and {n.rsplit("/", 1)[1] for n in new} == {n.rsplit("/", 1)[1] for n in old}
    (folder,) = {n.rsplit("/", 1)[0] for n in new}  # the files stay side by side, as in templates/assets/
    page = (tmp_path / "after" / "index.html").read_text(encoding="utf-8")
    assert f'href="{folder}/style.css"' in page and after[f"{folder}/seal.svg"] == b"<svg/>\n"


@quick_pickle
@dataclass(frozen=True, slots=True)
class _One:
    value: object


@quick_pickle
@dataclass(frozen=True, slots=True)
class _Three:
    a: object
    b: object = None
    c: tuple[object, ...] = ()


def test_records_kept_in_the_cache_pickle_as_their_fields(tmp_path: Path) -> None:
    """kept.quick_pickle: a frozen dataclass with slots comes back equal, whatever number of fields it has, inside
    other values and inside itself; the cache's own records too."""
    values = [_One(1), _One(_One("二")), _Three("a"), _Three(_One(None), [1, 2], (_Three(3, 4, (5,)),)),
              Written(b"\x01" * 20, (1, 2, 3))]
    for value in values:
        again = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == value and type(again) is type(value)
    (tmp_path / "a.md").write_text(BASE_DOCUMENT, encoding="utf-8")
    loaded, record = load_file(FileJob(tmp_path / "a.md", b"k", BASE_DOCUMENT.encode(), None), None)
    assert isinstance(record, Document) and record.body and loaded.body_digest
    assert pickle.loads(pickle.dumps((loaded, record))) == (loaded, record)
