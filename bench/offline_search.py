"""Whether a large project's offline bundle still searches from file://, as the served site does.

    python bench/offline_search.py DIR [--query Q ...]

DIR is a project on which `gongbao bundle` has run (one zip in DIR/dist/), and `gongbao build` too
if DIR/site/ exists. The zip is unzipped into a temporary folder; one headless Chromium opens its
search page from file://, another the built site's search page served over HTTP (without DIR/site/,
the unzipped bundle's, served), and each query (default: those of bench/queries.txt and the
first-query words) is run in both through window.gongbaoSearch. Prints, per query, the results from
disk, whether they equal the served site's, whether the text of each of the first ten pages found
holds the query (a query of plain Chinese characters), and the milliseconds the disk search took;
exits 1 if any query failed or differed, if a page found does not hold its query, or if no query
found anything. The site and the bundle are built separately (the bundle with explicit index.html
links), so results are compared as document paths.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.browser import chromium, served  # noqa: E402

from search_quality import SEARCH  # noqa: E402  (bench/, beside this script)

FIRST_QUERIES = ["营商环境", "个人信息", "火", "人"]
_TAG = re.compile(r"<[^>]*>")
_HAN = re.compile(r"[\u4e00-\u9fff]+")


def _without_query(top: Path, documents: list[str], query: str) -> list[str]:
    """Those of the first ten documents found whose page's text does not hold a plain Chinese query."""
    if not _HAN.fullmatch(query):
        return []
    return [d for d in documents[:10]
            if query not in _TAG.sub("", (top / d / "index.html").read_text(encoding="utf-8"))]


def _documents(urls: object, root: str) -> list[str] | str:
    """Result URLs as paths from the site root, without index.html; an error message as it is."""
    if isinstance(urls, str):
        return urls
    return [u.removeprefix(root).removesuffix("index.html") for u in urls]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("project", type=Path)
    ap.add_argument("--query", nargs="+", help="instead of bench/queries.txt and the first-query words")
    args = ap.parse_args()
    queries = args.query or FIRST_QUERIES + [
        q.strip() for q in (REPO / "bench" / "queries.txt").read_text(encoding="utf-8").splitlines()
        if q.strip() and not q.startswith("#")]
    (bundle,) = (args.project / "dist").glob("*.zip")
    bad = found = 0
    with tempfile.TemporaryDirectory(prefix="gongbao-offline-") as tmp:
        with zipfile.ZipFile(bundle) as zf:
            zf.extractall(tmp)
        (top,) = Path(tmp).iterdir()
        site = args.project / "site" if (args.project / "site").is_dir() else top
        print(f"file:// against {site} served over HTTP")
        with (served(site) as base, chromium(Path(tmp) / "online") as online,
              chromium(Path(tmp) / "disk") as disk):
            online.get(base + "search/index.html")
            disk.get((top / "search" / "index.html").as_uri())
            for query in queries:
                start = time.perf_counter()
                from_disk = _documents(disk.execute_async_script(SEARCH, query), top.as_uri() + "/")
                ms = 1000 * (time.perf_counter() - start)
                from_server = _documents(online.execute_async_script(SEARCH, query), base)
                same = from_disk == from_server and not isinstance(from_disk, str)
                missing = _without_query(top, from_disk, query) if same else []
                bad += not same or bool(missing)
                found += bool(same and from_disk)
                shown = from_disk if isinstance(from_disk, str) else f"{len(from_disk)} results, first {from_disk[:1]}"
                print(f"{query}: file:// {shown} in {ms:.0f} ms; {'same as' if same else 'DIFFERENT from'} "
                      "the served site" + (f"; NOT holding the query: {missing}" if missing else ""))
    print(f"{len(queries)} queries: {found} found documents from file://, {bad} failed or differed")
    sys.exit(1 if bad or not found else 0)


if __name__ == "__main__":
    main()
