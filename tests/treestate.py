"""What a folder holds, to show that a refused or failed run touched nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def tree(root: Path) -> dict[str, tuple[str, ...]]:
    """Every path under `root` (symbolic links not followed) with its kind, and its mode and content's hash,
    or the link's target."""
    out: dict[str, tuple[str, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                out[rel] = ("dir", oct(path.stat().st_mode))
            else:
                out[rel] = ("file", oct(path.stat().st_mode), hashlib.sha256(path.read_bytes()).hexdigest())
    return out
