"""The offline form of the index: every file search.js fetches wrapped as a classic script, for file://."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

from . import pagefind
from .layout import META, OFFLINE_DIR, PAGEFIND_DIR, SEARCH_DIR, SHARDS
from .record import SearchIndexError

#: What search.js and Pagefind fetch, relative to search/.
_FETCHED = (META, *dict.fromkeys(s.folder + "/" for s in SHARDS.values()), PAGEFIND_DIR + "/")


def make_offline(site_dir: Path) -> None:
    """Make search work from file://: every file search.js fetches becomes a classic script.

    Chromium refuses fetch() and module imports on file://, but runs <script src>. Each
    fetched file F is wrapped as search/offline/F.js, which hands its bytes (base64) to
    `gongbaoOffline.put`; search.js then serves Pagefind's fetches from those scripts, so the
    very same engine and index run, loading lazily. pagefind.js itself becomes a classic script
    (see pagefind.classic_script).
    """
    search = site_dir / SEARCH_DIR
    pagefind_js = search / PAGEFIND_DIR / pagefind.SCRIPT
    if not pagefind_js.is_file():
        raise SearchIndexError(f"no search index under {search}; build the site first")
    offline = search / OFFLINE_DIR
    if offline.exists():
        shutil.rmtree(offline)
    classic = pagefind.classic_script(pagefind_js.read_text(encoding="utf-8"))
    offline.mkdir(parents=True)
    (offline / pagefind.SCRIPT).write_text(classic, encoding="utf-8")
    for path in sorted(search.rglob("*")):
        rel = path.relative_to(search).as_posix()
        # pagefind.js is the one script fetched, and it is the classic script above
        if not path.is_file() or not rel.startswith(_FETCHED) or rel.endswith(".js"):
            continue
        target = offline / (rel + ".js")
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = base64.b64encode(path.read_bytes()).decode("ascii")
        target.write_text(f'gongbaoOffline.put({json.dumps(rel)},"{payload}");\n', encoding="ascii")
