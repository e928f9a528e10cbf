"""The offline form of the index: every file of it wrapped as a classic script, for file://."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

from . import pagefind
from .layout import ENTRY, ENTRY_KEY, OFFLINE_DIR, SEARCH_DIR
from .record import SearchIndexError


def make_offline(site_dir: Path) -> None:
    """Make search work from file://: every file of the index becomes a classic script, in its stead.

    Chromium refuses fetch() and module imports on file://, but runs <script src>. Each file F
    of the index is wrapped as search/offline/F.js, which hands its bytes (base64) to
    `gongbaoOffline.put`; search.js then serves its own and Pagefind's fetches from those
    scripts, so the very same engine and index run, loading lazily. Pagefind's script itself
    becomes a classic script (see pagefind.classic_script). The files themselves go: the bundle
    holds the index once, and search.js uses the scripts on a web server too when it finds no
    ENTRY there.
    """
    search = site_dir / SEARCH_DIR
    if not (search / ENTRY).is_file():
        raise SearchIndexError(f"no search index under {search}; build the site first")
    entry = json.loads((search / ENTRY).read_text(encoding="utf-8"))
    script = (search / ENTRY).parent / entry[ENTRY_KEY]["script"]
    offline = search / OFFLINE_DIR
    if offline.exists():
        shutil.rmtree(offline)
    index = sorted(p for p in search.rglob("*") if p.is_file() and p.suffix != ".html")
    for path in index:
        rel = path.relative_to(search).as_posix()
        target = offline / (rel + ".js")
        target.parent.mkdir(parents=True, exist_ok=True)
        if path == script:
            target.write_text(pagefind.classic_script(path.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            payload = base64.b64encode(path.read_bytes()).decode("ascii")
            target.write_text(f'gongbaoOffline.put({json.dumps(rel)},"{payload}");\n', encoding="ascii")
        path.unlink()
    for folder in sorted((p for p in search.rglob("*") if p.is_dir() and not p.is_relative_to(offline)),
                         key=lambda p: len(p.parts), reverse=True):
        folder.rmdir()
