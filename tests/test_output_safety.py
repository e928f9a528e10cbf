"""gongbao replaces only what it made: a refused output is reported and nothing is touched; what killed
builds left is cleaned up; two builds at once take turns."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

import gongbao.write
from conftest import AS_OF, FIXTURES, overlay, run, write_project
from gongbao.cache import CACHE_DIR
from gongbao.output import STAMP, STAMP_TEXT, held
from treestate import tree

TESTS = Path(__file__).resolve().parent
BUNDLE = "测试公报-离线版-2024-06-13"


def hidden(project: Path) -> list[str]:
    """The hidden entries of the project but the build cache, which is kept on purpose."""
    return sorted(p.name for p in project.iterdir() if p.name.startswith(".") and p.name != CACHE_DIR)


def stamped_site(site: Path, text: str = "previous site") -> None:
    """A site as gongbao leaves it (only its home page, for brevity)."""
    site.mkdir(parents=True)
    (site / "index.html").write_text(text, encoding="utf-8")
    (site / STAMP).write_text(STAMP_TEXT, encoding="utf-8")


def _yaml(line: str) -> Callable[[Path], list[str]]:
    def setup(project: Path) -> list[str]:
        (project / "gongbao.yaml").write_text(f"title: 测试公报\n{line}\n", encoding="utf-8")
        return []
    return setup


def _own_templates(project: Path) -> list[str]:
    (project / "templates" / "assets").mkdir(parents=True)
    (project / "templates" / "assets" / "site.css").write_text("body {}\n", encoding="utf-8")
    return ["--output", str(project / "templates")]


def _file(name: str, line: str = "") -> Callable[[Path], list[str]]:
    def setup(project: Path) -> list[str]:
        (project / name).write_text("会议记录\n", encoding="utf-8")
        return _yaml(line)(project) if line else []
    return setup


def _foreign(name: str) -> Callable[[Path], list[str]]:
    def setup(project: Path) -> list[str]:
        (project / name).mkdir(exist_ok=True)
        (project / name / "todo.txt").write_text("待办事项\n", encoding="utf-8")
        return ["--output", str(project / name)]
    return setup


def _symlink(project: Path) -> list[str]:
    (project / "elsewhere").mkdir()
    (project / "link").symlink_to(project / "elsewhere", target_is_directory=True)
    return ["--output", str(project / "link")]


REFUSED: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "the project, by --output": (lambda p: ["--output", str(p)], "E040"),
    "the project, as --output . from inside it": (lambda p: ["--output", "."], "E040"),
    "the project, as output_dir: .": (_yaml("output_dir: ."), "E040"),
    "the project's parent": (lambda p: ["--output", str(p.parent)], "E040"),
    "content/": (lambda p: ["--output", str(p / "content")], "E041"),
    "a folder inside content/": (_yaml("output_dir: content/documents/site"), "E041"),
    "templates/": (_own_templates, "E041"),
    "a file, as output_dir": (_file("notes.txt", "output_dir: notes.txt"), "E042"),
    "a plain file named site": (_file("site"), "E042"),
    "a symbolic link": (_symlink, "E042"),
    "a folder of the user's": (_foreign("anydir"), "E043"),
    "a site/ that gongbao did not make": (_foreign("site"), "E043"),
}


@pytest.mark.parametrize("command", ["build", "serve"])
@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_output_is_reported_and_nothing_is_touched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           case: str, command: str) -> None:
    project = write_project(tmp_path / "proj")
    setup, code = REFUSED[case]
    args = setup(project)
    if command == "serve":
        if args:  # serve has no --output: the same folder comes from gongbao.yaml
            (project / "gongbao.yaml").write_text(f"title: 测试公报\noutput_dir: {args[1]}\n", encoding="utf-8")
        args = ["--port", "0"]
    monkeypatch.chdir(project)
    before = tree(tmp_path)
    result = run(project, command, *args)
    assert result.exit_code == 1, result.output
    assert f": {code} " in result.stderr
    assert "Traceback" not in result.output
    assert tree(tmp_path) == before


def test_check_reports_a_refused_output_too(project: Path) -> None:
    (project / "site").mkdir()
    (project / "site" / "notes.txt").write_text("mine", encoding="utf-8")
    result = run(project, "check")
    assert result.exit_code == 1
    assert "site: E043 " in result.stderr


@pytest.mark.parametrize("previous", ["nothing", "an empty folder", "a site of gongbao's", "a site from before stamps"])
def test_a_folder_gongbao_may_replace_is_replaced(project: Path, previous: str) -> None:
    site = project / "site"
    if previous == "an empty folder":
        site.mkdir()
    elif previous == "a site of gongbao's":
        stamped_site(site)
        (site / "notes.txt").write_text("put here by hand", encoding="utf-8")
    elif previous == "a site from before stamps":
        for name in ("index.html", "api/documents.json", "search/meta.gb"):
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            (site / name).write_text("old", encoding="utf-8")
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    assert (site / STAMP).read_text(encoding="utf-8") == STAMP_TEXT
    assert not (site / "notes.txt").exists()
    assert (site / "index.html").read_text(encoding="utf-8") != "old"


def test_what_killed_builds_left_is_removed_and_nothing_else(project: Path) -> None:
    stamped_site(project / "site")
    staging = project / ".site-build-ab12cd_3"  # a build killed while rendering
    (staging / "docs").mkdir(parents=True)
    old = project / ".site-old-x1y2z3w4" / "site"  # what gongbao before the atomic swap left
    stamped_site(old)
    kept = [project / ".site-build-mine", project / ".site-build-12345678", project / ".other-build-ab12cd34"]
    kept[0].mkdir()
    kept[1].write_text("not a folder", encoding="utf-8")
    kept[2].mkdir()
    assert run(project, "build").exit_code == 0
    assert hidden(project) == sorted(p.name for p in kept)


def test_an_index_serve_left_is_removed_but_not_one_still_being_built(project: Path) -> None:
    """serve builds the search index beside the site, outside the lock, while rebuilds come and go: one
    it left when stopped mid-way goes with the next build; one a live process holds stays."""
    stamped_site(project / "site")
    left = project / ".site-index-ab12cd34"
    (left / "pagefind").mkdir(parents=True)
    building = project / ".site-index-zz99yy88"
    building.mkdir()
    with held(building):
        assert run(project, "build").exit_code == 0
        assert hidden(project) == [building.name]
    assert run(project, "build").exit_code == 0
    assert hidden(project) == []


def test_a_missing_site_is_put_back_from_what_a_killed_build_left(project: Path) -> None:
    """A build killed between moving the old site aside and the new one in (gongbao before the atomic
    swap; or now, where the file system cannot swap) leaves both; the newer goes back, even if this
    build then fails."""
    stamped_site(project / ".site-old-x1y2z3w4" / "site", "the old site")
    stamped_site(project / ".site-build-ab12cd34", "the new site")
    os.utime(project / ".site-old-x1y2z3w4" / "site", (1, 1))
    overlay(project, FIXTURES / "errors" / "E025_template_error")
    result = run(project, "build")
    assert result.exit_code == 1 and ": E025 " in result.stderr
    assert (project / "site" / "index.html").read_text(encoding="utf-8") == "the new site"
    assert hidden(project) == []


def test_without_an_atomic_swap_the_site_is_replaced_in_two_renames(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gongbao.write, "_exchange", lambda staged, output: False)
    stamped_site(project / "site")
    assert run(project, "build").exit_code == 0
    assert (project / "site" / "docs").is_dir()
    assert hidden(project) == []


def test_a_second_build_waits_for_the_first_and_says_so(project: Path) -> None:
    args = ["-C", str(project), "--as-of", AS_OF]
    first = subprocess.Popen([sys.executable, str(TESTS / "paused_build.py"), "recover", *args],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = None
    try:
        assert first.stdout is not None and first.stdin is not None
        assert first.stdout.readline().startswith("PAUSED recover")
        second = subprocess.Popen([sys.executable, "-m", "gongbao", "build", *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert second.stderr is not None
        assert select.select([second.stderr], [], [], 60)[0], "the second build said nothing"
        assert "等它完成后再继续" in second.stderr.readline()
        assert second.poll() is None
        first.stdin.write("\n")
        first.stdin.close()
        assert first.wait(60) == 0
        assert second.wait(60) == 0, second.stderr.read()
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert (project / "site" / STAMP).is_file()
    assert hidden(project) == []


def _foreign_zip(project: Path) -> list[str]:
    (project / "dist").mkdir()
    (project / "dist" / f"{BUNDLE}.zip").write_text("someone else's file", encoding="utf-8")
    return []


REFUSED_DIST: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "the project": (_yaml("dist_dir: ."), "E040"),
    "inside content/": (_yaml("dist_dir: content/dist"), "E041"),
    "a file": (_file("dist"), "E042"),
    "a zip of that name that is not a bundle": (_foreign_zip, "E043"),
}


@pytest.mark.parametrize("case", list(REFUSED_DIST))
def test_refused_bundle_folder_or_file_is_reported_and_nothing_is_touched(tmp_path: Path, case: str) -> None:
    project = write_project(tmp_path / "proj")
    setup, code = REFUSED_DIST[case]
    setup(project)
    before = tree(tmp_path)
    result = run(project, "bundle")
    assert result.exit_code == 1, result.output
    assert f": {code} " in result.stderr
    assert "Traceback" not in result.output
    assert tree(tmp_path) == before


def test_a_bundle_replaces_only_an_earlier_bundle_and_leaves_nothing_else(project: Path) -> None:
    assert run(project, "bundle").exit_code == 0
    (project / "dist" / "notes.txt").write_text("mine", encoding="utf-8")
    (project / "dist" / ".bundle-build-ab12cd34").mkdir()  # a bundle killed earlier
    assert run(project, "bundle").exit_code == 0
    assert sorted(p.name for p in (project / "dist").iterdir()) == sorted([f"{BUNDLE}.zip", "notes.txt"])
    with zipfile.ZipFile(project / "dist" / f"{BUNDLE}.zip") as zf:
        assert f"{BUNDLE}/index.html" in zf.namelist()
        assert not any(name.endswith(STAMP) for name in zf.namelist())
