"""Whether a large project's offline bundle still searches from file://, as the served site does.

    python bench/offline_search.py DIR [--query Q ...]

DIR is a project on which `gongbao build` and `gongbao bundle` have run (DIR/site/ and one zip in
DIR/dist/). The zip is unzipped into a temporary folder; one headless Chromium opens its search page
from file://, another the built site's search page served over HTTP, and each query (default: those
of bench/queries.txt and the first-query words) is run in both through window.gongbaoSearch. Prints,
per query, the results from disk, whether they equal the served site's, and the milliseconds the
disk search took; exits 1 if any query failed, differed, or if no query found anything. The two
sites are built separately (the bundle with explicit index.html links), so results are compared as
document paths.
"""

from __future__ import annotations

import argparse
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
        with (served(args.project / "site") as base, chromium(Path(tmp) / "online") as online,
              chromium(Path(tmp) / "disk") as disk):
            online.get(base + "search/index.html")
            disk.get((top / "search" / "index.html").as_uri())
            for query in queries:
                start = time.perf_counter()
                from_disk = _documents(disk.execute_async_script(SEARCH, query), top.as_uri() + "/")
                ms = 1000 * (time.perf_counter() - start)
                from_server = _documents(online.execute_async_script(SEARCH, query), base)
                same = from_disk == from_server and not isinstance(from_disk, str)
                bad += not same
                found += bool(same and from_disk)
                shown = from_disk if isinstance(from_disk, str) else f"{len(from_disk)} results, first {from_disk[:1]}"
                print(f"{query}: file:// {shown} in {ms:.0f} ms; {'same as' if same else 'DIFFERENT from'} "
                      "the served site")
    print(f"{len(queries)} queries: {found} found documents from file://, {bad} failed or differed")
    sys.exit(1 if bad or not found else 0)


if __name__ == "__main__":
    main()
