"""Bundle: the site as a deterministic zip that works when unzipped and opened from disk (file://)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from . import build as pipeline
from .config import Settings
from .output import STAMP, check_dist, disk_fault, leftovers, locked
from .problems import ContentError, Problems
from .render import cn_date
from .search import make_offline

#: How to open the bundle, in its top folder: every bundle has it.
NOTE = "打开方法.txt"
#: The bundle is made in dist/.bundle-build-XXXXXXXX (see output.leftovers).
_SCRATCH = "bundle"
#: Every entry gets this timestamp, so the same content always gives the same bytes.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)

HOW_TO_OPEN = """\
{title}（离线版）
==============================

收录至 {newest}（最新文件的成文日期），共 {count} 件公文。

如何打开
--------
1. 先把整个压缩包解压到任意文件夹（U 盘、桌面均可）。不要在压缩软件里直接双击打开。
2. 进入解压后的文件夹，双击 index.html，用浏览器（Chrome、Edge、Firefox、360 等）打开即可。
3. 全部页面、文件之间的链接和全文搜索都可以在没有网络的情况下使用。

在内部网络上提供
----------------
把解压后的文件夹原样放到任何网站服务器（如 nginx、IIS、Apache）的一个目录下即可，
无需数据库，也不需要放在网站根目录。临时查看也可以在该文件夹中运行：
    python -m http.server 8000 --bind 127.0.0.1
然后访问 http://127.0.0.1:8000/ 。通过网站服务器访问时，全文搜索同样可用。

说明
----
文件的效力状态（现行有效、已废止、已被替代等）按 {as_of} 计算；以纸质公报为准。
"""


def bundle_name(settings: Settings, newest: dt.date) -> str:
    return f"{settings.title}-离线版-{newest.isoformat()}"


def make_bundle(settings: Settings, as_of: dt.date, problems: Problems, strict: bool = False) -> Path:
    """Build an offline copy of the site and zip it under dist/; returns the zip's path.

    Only that zip is written into dist/, and a file of that name is replaced only if it is a bundle
    too. Everything else happens in a folder inside dist/, removed at the end, or by the next bundle
    if this one is killed."""
    dist = settings.dist_path
    check_dist(settings, problems)
    if problems.errors:
        raise ContentError(problems)
    made = not dist.exists()
    try:
        dist.mkdir(parents=True, exist_ok=True)
        with locked(dist):
            for left in leftovers(dist, _SCRATCH):
                shutil.rmtree(left)
            scratch = Path(tempfile.mkdtemp(prefix=f".{_SCRATCH}-build-", dir=dist))
            try:
                return _bundle_in(scratch, settings, as_of, problems, strict)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    except BaseException as exc:
        if made:  # a failed bundle (--strict's warnings too) leaves no dist/ of its making; rmdir: only if empty
            with contextlib.suppress(OSError):
                dist.rmdir()
        if isinstance(exc, OSError):
            raise disk_fault(exc, dist) from exc
        raise


def _bundle_in(scratch: Path, settings: Settings, as_of: dt.date, problems: Problems, strict: bool) -> Path:
    result = pipeline.build(settings, as_of, problems, output=scratch / "site", explicit_index=True,
                            strict=strict)
    site = result.output
    make_offline(site)
    documents = result.library.documents.values()
    newest = max((d.signed for d in documents), default=as_of)
    name = bundle_name(settings, newest)
    target = settings.dist_path / f"{name}.zip"
    check_bundle_file(target, name, problems)
    if problems.errors:
        raise ContentError(problems)
    (site / NOTE).write_text(
        HOW_TO_OPEN.format(title=settings.title, newest=cn_date(newest),
                           count=len(documents), as_of=as_of.isoformat()),
        encoding="utf-8", newline="\r\n")
    (site / STAMP).unlink()  # the unzipped folder is the reader's, not a site gongbao replaces
    partial = scratch / target.name
    write_zip(site, name, partial)
    os.replace(partial, target)
    return target


def check_bundle_file(target: Path, top: str, problems: Problems) -> None:
    """Report if `target` exists and is not a bundle (E043), which writing the bundle would replace."""
    if os.path.lexists(target) and not is_bundle(target, top):
        problems.error(target, 0, "E043", f"{target.resolve()} 已存在，且不是 gongbao 生成的离线包，gongbao 不会"
                                          "覆盖它；请移走它，或在 gongbao.yaml 的 dist_dir 中另选文件夹")


def is_bundle(path: Path, top: str) -> bool:
    """Whether the zip at `path` is a bundle whose one top folder is `top`."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    return f"{top}/{NOTE}" in names and all(n.startswith(f"{top}/") for n in names)


def write_zip(folder: Path, top: str, target: Path) -> None:
    """Zip `folder` under the top-level name `top`: sorted entries, fixed times and modes."""
    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.relative_to(folder).as_posix())
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            info = zipfile.ZipInfo(f"{top}/{path.relative_to(folder).as_posix()}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            with path.open("rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst)
