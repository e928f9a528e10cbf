"""Save: the import's files staged inside the output folder, checked as `gongbao check` would, then put in place."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..config import default_as_of
from ..load import load_content
from ..problems import Problems
from ..relations import build_library
from .errors import ImportRefused, SourceError
from .write import ContentFile

#: The staging folder's name starts with this; the loader never reads it (it is neither documents/ nor gazettes/).
STAGING_PREFIX = ".import-"


def save(files: tuple[ContentFile, ...], out_dir: Path, force: bool) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """(written, kept): each file under `out_dir`, except one already there with other content — an
    editor may have corrected it, and a new import must not undo that — unless `force`.

    Nothing is written outside `out_dir`. The files are written into a staging folder inside it and
    checked there; if `gongbao check` would reject any of them, ImportRefused (I006) and nothing is
    written. Each file then replaces its target with one rename, so an interrupted import never
    leaves half a file."""
    created = [d for d in (out_dir, *out_dir.parents) if not d.exists()]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    except OSError as exc:
        raise _unwritable(out_dir, exc) from None
    try:
        for file in files:
            (staging / file.path).parent.mkdir(parents=True, exist_ok=True)
            (staging / file.path).write_bytes(file.text.encode("utf-8"))
        refusals = _check(staging)
        if refusals:
            raise ImportRefused(refusals)
        return _move(files, staging, out_dir, force)
    except OSError as exc:
        raise _unwritable(out_dir, exc) from None
    finally:
        # Only this import uses the staging folder, and one left behind (a vanished disk) is never read.
        shutil.rmtree(staging, ignore_errors=True)
        # Folders this import made stay only if they hold what it wrote.
        for folder in created:
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def _unwritable(out_dir: Path, exc: OSError) -> ImportRefused:
    return ImportRefused([SourceError(0, "I008", f"无法在 {out_dir} 中写入：{exc}")])


def _check(staging: Path) -> list[SourceError]:
    """What `gongbao check` would say is wrong with the staged files, as I006 errors."""
    problems = Problems(root=staging)
    build_library(load_content(staging, "", problems), default_as_of(), problems)
    return [SourceError(0, "I006", f"导入结果 {p} ——未写入任何文件；请据此修正源文本后重新导入") for p in problems.errors]


def _move(files: tuple[ContentFile, ...], staging: Path, out_dir: Path,
          force: bool) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    written: list[Path] = []
    kept: list[Path] = []
    for file in files:
        target = out_dir / file.path
        staged = staging / file.path
        if not force and target.is_file() and target.read_bytes() != staged.read_bytes():
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
        written.append(target)
    return tuple(written), tuple(kept)
