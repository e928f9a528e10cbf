"""Write: a build goes into a folder beside the output, which replaces the old site in one atomic step."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .output import STAMP, STAMP_TEXT, disk_fault, locked, recover


@contextmanager
def publishing(output: Path) -> Iterator[Path]:
    """A staging folder to build into; when the block ends without an error it becomes `output`.

    Runs under the lock of the output's folder, after cleaning up what killed builds left there.
    Whatever happens, the old site stays whole until the new one replaces it in one step, and the
    staging folder (which then holds the old site) is removed. An error of the disk (permissions,
    a read-only or full file system) is raised as OutputFault."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with locked(output.parent):
            recover(output)
            staged = Path(tempfile.mkdtemp(prefix=f".{output.name}-build-", dir=output.parent))
            try:
                yield staged
                (staged / STAMP).write_text(STAMP_TEXT, encoding="utf-8")  # last: the staged site is complete
                # mkdtemp makes 0700 folders; a published site must be readable by a web server.
                os.chmod(staged, 0o755)
                replace_dir(staged, output)
            finally:
                discard(staged)
    except OSError as exc:
        raise disk_fault(exc, output.parent) from exc


def replace_dir(staged: Path, output: Path) -> None:
    """Put `staged` in place of `output`, then remove the old site."""
    if not os.path.lexists(output):
        os.rename(staged, output)
    elif _exchange(staged, output):
        discard(staged)
    else:
        # Without an atomic swap there is a moment with no site: a build killed then leaves both
        # sites complete beside it, and the next build's recover() puts the newer one in place.
        aside = Path(tempfile.mkdtemp(prefix=f".{output.name}-build-", dir=output.parent))
        os.rename(output, aside)  # onto the empty folder, which it replaces
        try:
            os.rename(staged, output)
        except OSError:
            os.rename(aside, output)
            raise
        discard(aside)


def discard(staged: Path) -> None:
    """Remove a staging folder; its stamp goes first, so that a removal cut short never looks like a site."""
    (staged / STAMP).unlink(missing_ok=True)
    shutil.rmtree(staged, ignore_errors=True)


_RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux's renameat2 with RENAME_EXCHANGE); False where the system or its
    file system cannot."""
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd = -100
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
