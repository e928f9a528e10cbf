"""Faults of the machine are one line naming the cause, exit 1, and the previous site untouched:
no permission, a read-only or full disk, a busy folder, a missing, failing or hung Pagefind. They are
made here by raising the system's own errors where gongbao writes, and by fake Pagefinds; where
the tests may mount a file system (root), also for real."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import gongbao.bundle
import gongbao.output
import gongbao.search.pagefind
import gongbao.search.writer
import gongbao.write
from conftest import run, write_project
from gongbao.cache import CACHE_DIR
from treestate import tree


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_project(tmp_path_factory.mktemp("built") / "proj")
    assert run(project, "build").exit_code == 0
    return project


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A project with a site built before; the copy is the test's to break. Without the index's parts kept by
    the cache, so that Pagefind runs, as it does for every part an edit changed."""
    project = Path(shutil.copytree(built, tmp_path / "proj", symlinks=True))
    shutil.rmtree(project / CACHE_DIR / "search-index")
    return project


def fails_with_one_line(project: Path, *words: str, command: str = "build") -> str:
    """Run `command`, check it failed with one line holding every one of `words` and touched neither the
    site nor anything beside it; returns the line."""
    before = tree(project)
    result = run(project, command)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0], lines[0]
    assert tree(project) == before
    return lines[0]


def oserror(code: int) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code), str(args[0]) if args else None)
    return fail


def test_no_permission_beside_the_output(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gongbao.write.tempfile, "mkdtemp", oserror(errno.EACCES))
    fails_with_one_line(project, "构建失败", "没有写入权限", "site/ 保持原样")


def test_read_only_when_the_new_site_is_marked_complete(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_text = Path.write_text

    def stamp_fails(path: Path, *args: Any, **kwargs: Any) -> int:
        if path.name == gongbao.output.STAMP:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return write_text(path, *args, **kwargs)
    monkeypatch.setattr(Path, "write_text", stamp_fails)
    fails_with_one_line(project, "文件系统是只读的")


def test_disk_full_while_the_pages_are_written(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_text = Path.write_text
    written = []

    def fills_up(path: Path, *args: Any, **kwargs: Any) -> int:
        written.append(path)
        if len(written) > 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return write_text(path, *args, **kwargs)
    monkeypatch.setattr(Path, "write_text", fills_up)
    fails_with_one_line(project, "磁盘空间已满")


def test_disk_full_while_the_search_index_is_written(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gongbao.search.writer._Family, "write", oserror(errno.ENOSPC))
    fails_with_one_line(project, "磁盘空间已满")


def test_a_busy_site_folder_is_not_replaced(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gongbao.write, "_exchange", oserror(errno.EBUSY))
    fails_with_one_line(project, "正被占用")


def test_a_bundle_into_a_read_only_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(project, "bundle").exit_code == 0  # the earlier bundle must stay as it is
    monkeypatch.setattr(gongbao.bundle.tempfile, "mkdtemp", oserror(errno.EROFS))
    fails_with_one_line(project, "打包失败", "文件系统是只读的", command="bundle")


def test_an_unusable_tmpdir_does_not_matter(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_folder = project / "tmp-is-a-file"
    not_a_folder.write_text("", encoding="utf-8")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder))
    assert run(project, "build").exit_code == 0


# --- Pagefind ------------------------------------------------------------------------------------

def fake_pagefind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Use a shell script as Pagefind; it is called with --site SITE --output-path OUT."""
    exe = tmp_path / "fake-pagefind"
    exe.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    exe.chmod(0o755)
    monkeypatch.setattr(gongbao.search.pagefind, "pagefind_executable", lambda: exe)


def test_pagefind_missing(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gongbao.search.pagefind, "pagefind_executable", lambda: tmp_path / "no-pagefind")
    fails_with_one_line(project, "搜索索引未能生成", "could not run Pagefind", "No such file")


def test_pagefind_failing(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pagefind(tmp_path, monkeypatch, 'echo "Error: cannot index" >&2\nexit 3')
    fails_with_one_line(project, "Pagefind failed (exit 3)", "Error: cannot index")


def test_pagefind_writing_garbage(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pagefind(tmp_path, monkeypatch, 'mkdir -p "$4/fragment"\necho garbage > "$4/pagefind.js"\n'
                                         'echo "{not json" > "$4/pagefind-entry.json"')
    fails_with_one_line(project, "搜索索引未能生成", "cannot read Pagefind's index")


@pytest.mark.parametrize("free, words", [(4096, ("磁盘空间已满",)), (10**9, ("搜索索引未能生成", "files empty"))])
def test_pagefind_leaving_empty_files_is_put_down_to_a_full_disk_if_it_is(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, free: int, words: tuple[str, ...]) -> None:
    """Pagefind 1.5 on a full disk: every file it could not write is empty, and it exits 0."""
    fake_pagefind(tmp_path, monkeypatch, 'mkdir -p "$4/fragment"\ntouch "$4/pagefind.js" "$4/pagefind-entry.json"')
    monkeypatch.setattr(gongbao.search.pagefind.shutil, "disk_usage", lambda path: SimpleNamespace(free=free))
    fails_with_one_line(project, *words)


def test_a_hung_pagefind_is_stopped_after_its_timeout(project: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pid_file = tmp_path / "pagefind.pid"
    fake_pagefind(tmp_path, monkeypatch, f'echo $$ > "{pid_file}"\nexec sleep 600')
    monkeypatch.setattr(gongbao.search.pagefind, "TIMEOUT_BASE", 1.0)
    monkeypatch.setattr(gongbao.search.pagefind, "TIMEOUT_PER_MB", 0.0)
    fails_with_one_line(project, "Pagefind did not finish within 1 s and was stopped")
    assert not Path(f"/proc/{pid_file.read_text().strip()}").exists()


# --- real file systems ---------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB file system of its own (tmpfs), where mounting is allowed."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a file system here (needs root)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk: Path, leave: int) -> None:
    """Fill `disk` up to `leave` bytes of free space (as far as it goes)."""
    with (disk / "filler").open("wb") as f:
        try:
            while shutil.disk_usage(disk).free > leave:
                f.write(b"\0" * min(65536, shutil.disk_usage(disk).free - leave))
                f.flush()
        except OSError:  # full
            pass


@pytest.mark.parametrize("free_kb", [16, 128, 256, 384, 512, 1024])
def test_a_disk_that_fills_up_during_the_build_for_real(built: Path, small_disk: Path, free_kb: int) -> None:
    """Whichever stage meets the full disk (the pages, Pagefind's files, the index), the build stops
    cleanly; or, with room enough, it succeeds."""
    project = Path(shutil.copytree(built, small_disk / "proj", symlinks=True))
    fill(small_disk, leave=free_kb * 1024)
    before = tree(project)
    result = run(project, "build")
    if result.exit_code == 0:
        assert free_kb > 16 and (project / "site" / "search" / "pagefind" / "pagefind-entry.json").is_file()  # written last
    else:
        assert result.stderr.splitlines() == [result.stderr.strip()] and "磁盘空间已满" in result.stderr
        assert tree(project) == before


def test_a_read_only_disk_for_real(built: Path, small_disk: Path) -> None:
    project = Path(shutil.copytree(built, small_disk / "proj", symlinks=True))
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    fails_with_one_line(project, "文件系统是只读的")


def test_a_full_tmpdir_for_real(project: Path, small_disk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(small_disk, leave=0)
    monkeypatch.setattr(tempfile, "tempdir", str(small_disk))
    assert run(project, "build").exit_code == 0
