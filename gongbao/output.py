"""Where gongbao may write: which folders it refuses, its stamp, the lock, and what interrupted runs left behind."""

from __future__ import annotations

import errno
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from .config import Settings
from .problems import Problems

try:
    import fcntl
except ImportError:  # Windows: no flock; two builds at once are not kept apart there
    fcntl = None  # type: ignore[assignment]

#: Written last into every site gongbao builds: a folder holding it is gongbao's to replace.
STAMP = ".gongbao-site.txt"
STAMP_TEXT = ("此文件夹由 gongbao 生成，每次构建都会整个替换它；请勿在其中存放其他文件。\n"
              "Made by gongbao: every build replaces this whole folder. Keep nothing else in it.\n")
#: A site built before the stamp existed has all of these; nothing else has.
_UNSTAMPED_SITE = ("index.html", "api/documents.json", "search/meta.gb")


class OutputFault(Exception):
    """The output could not be written (permissions, a read-only or full disk); the message names the cause."""


def made_by_gongbao(folder: Path) -> bool:
    """Whether `folder` holds a site gongbao built (with its stamp, or from before the stamp existed)."""
    return (folder / STAMP).is_file() or all((folder / name).is_file() for name in _UNSTAMPED_SITE)


def _check_place(settings: Settings, folder: Path, problems: Problems, hint: str) -> bool:
    """The checks the site's folder and the bundles' folder share: never the project or anything
    holding it, never in or around content/ or templates/, never a file. False if one failed."""
    real = folder.resolve()
    project = settings.project_dir.resolve()
    if real == project or project.is_relative_to(real):
        what = "就是项目文件夹本身" if real == project else "包含了项目文件夹"
        problems.error(folder, 0, "E040", f"{real} {what}，gongbao 不会往那里写；{hint}")
        return False
    sources = (("content", settings.content_path), ("templates", settings.project_dir / settings.templates_dir),
               ("templates", settings.templates_path))  # the theme gongbao ships with, when the project has none
    for name, source in sources:
        other = source.resolve()
        where = ("就是" if real == other else "在" if real.is_relative_to(other) else
                 "包含了" if other.is_relative_to(real) else None)
        if where:
            problems.error(folder, 0, "E041", f"{real} {where} {name} 文件夹 {other}{' 之中' if where == '在' else ''}，"
                                              f"gongbao 不会往那里写；{hint}")
            return False
    if folder.exists() and not folder.is_dir():
        problems.error(folder, 0, "E042", f"{real} 是一个文件，不是文件夹，gongbao 不会覆盖它；{hint}")
        return False
    return True


def check_output(settings: Settings, output: Path, problems: Problems) -> None:
    """Report why `output` must not be replaced by a site, if it must not (E040–E043); touches nothing."""
    if not _check_place(settings, output, problems, "请在 gongbao.yaml 的 output_dir 或用 --output 另选一个"
                                                    "单独的文件夹（默认是项目中的 site）"):
        return
    if output.is_symlink() or (output.is_dir() and os.path.ismount(output)):
        what = f"符号链接（指向 {output.resolve()}）" if output.is_symlink() else "挂载点"
        problems.error(output, 0, "E042", f"{output.absolute()} 是{what}，gongbao 无法整体替换它；"
                                          "请改用其中的一个子文件夹作为输出目录")
        return
    try:
        foreign = output.is_dir() and any(output.iterdir()) and not made_by_gongbao(output)
    except OSError as exc:
        problems.error(output, 0, "E043", f"无法查看文件夹 {output.resolve()} 中有什么（{exc}），gongbao 不会动它")
        return
    if foreign:
        problems.error(output, 0, "E043", f"文件夹 {output.resolve()} 不是空的，也不是 gongbao 生成的（其中没有 "
                                          f"{STAMP}）；每次构建都会整个替换输出目录，所以 gongbao 不会动它。"
                                          "请另选输出目录；若确认其中的内容都可删除，请自行删除该文件夹后再构建")


def check_dist(settings: Settings, problems: Problems) -> None:
    """Report why bundles must not be written into the dist folder, if they must not (E040–E042)."""
    _check_place(settings, settings.dist_path, problems,
                 "请在 gongbao.yaml 的 dist_dir 中另选一个单独的文件夹（默认是项目中的 dist）")


def locked(folder: Path) -> AbstractContextManager[None]:
    """Hold the lock of `folder`, where outputs are staged and swapped: a second build there waits for
    the first, and says so. The lock is the folder's own (see `held`), so no lock file is ever left behind."""
    return held(folder, waiting=f"另一个 gongbao 正在向 {folder} 写入，等它完成后再继续……")


def recover(output: Path) -> None:
    """Clean up after builds that were killed: if `output` is missing and a folder one of them left
    holds a complete site, put that back; then remove all they left beside it. Call under `locked`."""
    left = leftovers(output.parent, output.name)
    if not os.path.lexists(output):
        # earlier versions of gongbao moved the old site into .site-old-*/site before moving the new one in
        sites = [p / output.name if p.name.startswith(f".{output.name}-old-") else p for p in left]
        complete = [s for s in sites if s.is_dir() and made_by_gongbao(s)]
        if complete:
            os.rename(max(complete, key=lambda s: s.stat().st_mtime_ns), output)
            left = leftovers(output.parent, output.name)
    for p in left:
        shutil.rmtree(p)


def leftovers(folder: Path, name: str) -> list[Path]:
    """The folders runs made for `name` in `folder` (by tempfile.mkdtemp), including those of earlier
    versions of gongbao: a run removes them when it ends, a killed one cannot. Call under `locked`.
    A search index that `serve` builds beside the site (`.site-index-*`) is made outside the lock,
    while rebuilds come and go: it is a leftover only once no process holds it (see `held`)."""
    pattern = re.compile(rf"\.{re.escape(name)}-(?:build|old|index)-[a-z0-9_]{{8}}")
    return [p for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
            and not (p.name.startswith(f".{name}-index-") and _in_use(p))]


@contextmanager
def held(folder: Path, waiting: str | None = None) -> Iterator[None]:
    """Hold `folder`'s flock while the block runs, waiting for another holder (saying `waiting` first, if
    given). The kernel drops it when its holder dies, however it dies; recover() leaves a held index
    folder alone."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                print(waiting, file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _in_use(folder: Path) -> bool:
    if fcntl is None:
        return True  # no way to tell: never remove what may be in use
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def disk_fault(exc: OSError, folder: Path) -> OutputFault:
    """`exc`, raised while writing into `folder`, in the words of its cause."""
    code, detail = exc.errno, str(exc)
    if isinstance(exc, shutil.Error) and exc.args and exc.args[0]:
        # copytree gathers (source, target, reason) of each file it could not copy, as text
        detail = str(exc.args[0][0][-1])
        number = re.match(r"\[Errno (\d+)\]", detail)
        code = int(number.group(1)) if number else None
    cause = _CAUSES.get(code or 0, os.strerror(code) if code else type(exc).__name__)
    return OutputFault(f"无法写入 {folder}：{cause}（{detail}）")


_CAUSES = {
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "文件系统是只读的",
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "超出了磁盘配额",
    errno.EBUSY: "文件夹正被占用（可能是挂载点，或正被其他程序使用）",
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹",
    errno.EEXIST: "路径中有一段是文件而不是文件夹",  # what mkdir(exist_ok=True) says of a file in the way
}
