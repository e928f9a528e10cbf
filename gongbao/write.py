"""Write: put a finished build in place of the old site in one step, or leave the old site untouched."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def staging_dir(output: Path) -> Path:
    """A fresh folder beside `output`, on the same file system so the final rename is atomic."""
    output.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{output.name}-build-", dir=output.parent))


def replace_dir(staged: Path, output: Path) -> None:
    """Swap `staged` in as `output`. The old site is only removed once the new one is in place."""
    old = None
    if output.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}-old-", dir=output.parent))
        os.rename(output, old / output.name)
    try:
        os.rename(staged, output)
    except OSError:
        if old is not None:
            os.rename(old / output.name, output)
            shutil.rmtree(old, ignore_errors=True)
        raise
    # mkdtemp makes 0700 folders; a published site must be readable by a web server.
    os.chmod(output, 0o755)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)
