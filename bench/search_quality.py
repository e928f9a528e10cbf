"""Search benchmark: quality against the literal truth, first-query cost, build cost vs Pagefind extended.

    python bench/search_quality.py [--content DIR] [--queries bench/queries.txt] [--no-build-cost]
                                   [--no-browser] [--build-runs N] [--first-query Q ...]
    python bench/search_quality.py --site DIR/site --first-query Q ...

Builds the site for a project folder (default: this repository's bundled gazette), then prints
1. per query and mean recall / precision of window.gongbaoSearch against the literal truth
   (gongbao.search.matches: the document's title, 文号 or a paragraph contains every normalised
   query word), and whether every document's 文号 finds that document first;
2. bytes transferred and milliseconds until the first results are shown, for the first query in a
   fresh headless Chromium (Resource Timing transferSize, and bytes counted by the server, which
   also sees what Pagefind's worker fetches);
3. wall time and peak RSS of the whole process tree of our index build (a Python process that
   loads the site's records, pickled, and runs gongbao.search.build_index) next to Pagefind
   extended indexing the same rendered pages, measured one after the other in this run
   (--build-runs N: N such pairs, in turn, and the range of the ratios).
If the full pipeline cannot build the content, the search index is built straight from the
content files inside the bundled site's shell, and Pagefind extended indexes one simple page per
document instead (this is said in the output). With --site, only 2., on a site built already (a
project of 100,000 documents takes too long to build again and to check every 文号 of). Figures,
not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import pickle
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gongbao import build as pipeline  # noqa: E402
from gongbao.config import load_settings  # noqa: E402
from gongbao.problems import Problems  # noqa: E402
from gongbao.search import SearchRecord, build_index, matches, query_words  # noqa: E402
from gongbao.search.writer import read_index  # noqa: E402
from tests.browser import chromium, chromium_missing  # noqa: E402

from measure import measure, pagefind_extended  # noqa: E402  (bench/, beside this script)

AS_OF = dt.date(2025, 1, 1)


def build_site(project: Path, out: Path) -> tuple[str, list[SearchRecord]]:
    """Build `project` into `out`; returns how, and the indexed records (read back from the site)."""
    problems = Problems()
    try:
        pipeline.build(load_settings(project, problems), AS_OF, problems, output=out)
        how = "full pipeline"
    except Exception as exc:  # fall back to indexing the content inside the bundled site's shell
        print(f"! the pipeline could not build {project}: {type(exc).__name__}: {exc}")
        problems = Problems()
        pipeline.build(load_settings(REPO, problems), AS_OF, problems, output=out)
        records = list(content_records(project))
        build_index(out, records)
        for n, r in enumerate(records):
            page = out / "corpus" / str(n) / "index.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            paras = "".join(f"<p>{_esc(p)}</p>" for p in r.text.split("\n"))
            page.write_text(f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_esc(r.title)}'
                            f'</title></head><body><main><h1>{_esc(r.title)}</h1>{paras}</main></body></html>',
                            encoding="utf-8")
        how = "index-only fallback"
    return how, read_index(out)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def content_records(project: Path):
    import yaml
    for path in sorted((project / "content" / "documents").rglob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        issuers = meta["issuer"] if isinstance(meta["issuer"], list) else [meta["issuer"]]
        text = "\n".join(p.strip().replace("\\.", ".") for p in body.split("\n\n") if p.strip())
        signed = str(meta["signed"])
        yield SearchRecord(url=f"docs/{meta.get('slug', path.stem)}/", title=meta["title"],
                           doc_number=meta.get("doc_number"), issuers=tuple(issuers), doc_type=meta["doc_type"],
                           date=signed, year=int(signed[:4]), status="现行有效", gazette=None, text=text)


class CountingServer:
    """http.server on 127.0.0.1 that counts the bytes it sends."""

    def __init__(self, root: Path):
        counter = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                              ".js": "text/javascript", ".wasm": "application/wasm"}

            def copyfile(self, source, outputfile):  # type: ignore[override]
                data = source.read()
                counter.sent += len(data)
                counter.files.append((self.path.split("?")[0], len(data)))
                outputfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.sent = 0
        self.files: list[tuple[str, int]] = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


SEARCH = ("var cb = arguments[arguments.length - 1];"
          "gongbaoSearch(arguments[0]).then(function (r) { cb(r.map(function (x) { return x.url; })); },"
          " function (e) { cb('ERROR ' + e); });")

FIRST = """
var q = arguments[0], cb = arguments[arguments.length - 1];
var app = document.getElementById('gb-search'), input = document.getElementById('gb-q');
var before = performance.getEntriesByType('resource').length;
var t0 = performance.now();
new MutationObserver(function (_, obs) {
  if (app.getAttribute('data-state')) {
    obs.disconnect();
    var ms = performance.now() - t0;
    var entries = performance.getEntriesByType('resource').slice(before);
    cb({ms: ms, bytes: entries.reduce(function (s, e) { return s + e.transferSize; }, 0),
        files: entries.length, shown: document.querySelectorAll('.gb-result').length});
  }
}).observe(app, {attributes: true});
input.value = q;
input.form.requestSubmit();
"""


def quality(site: Path, records: list[SearchRecord], queries: list[str], profile: Path) -> None:
    server = CountingServer(site)
    try:
        with chromium(profile) as driver:
            driver.get(server.url + "search/index.html")
            recalls, precisions = [], []
            print(f"{'query':<28}{'truth':>7}{'found':>7}{'recall':>8}{'prec':>7}")
            for q in queries:
                truth = {r.url for r in records if matches(r, q)}
                found = driver.execute_async_script(SEARCH, q)
                if isinstance(found, str):
                    print(q, found)
                    continue
                hit = len(truth & set(found))
                recall = hit / len(truth) if truth else 1.0
                precision = hit / len(found) if found else (1.0 if not truth else 0.0)
                recalls.append(recall)
                precisions.append(precision)
                print(f"{q:<28}{len(truth):>7}{len(found):>7}{recall:>8.3f}{precision:>7.3f}")
            print(f"mean recall {sum(recalls) / len(recalls):.4f}  mean precision {sum(precisions) / len(precisions):.4f}"
                  f"  over {len(recalls)} queries, {len(records)} documents")
            numbered = [r for r in records if r.doc_number]
            first = sum(1 for r in numbered if (driver.execute_async_script(SEARCH, r.doc_number) or [None])[0] == r.url)
            print(f"文号 finds its document first: {first}/{len(numbered)}")
    finally:
        server.close()


def first_query(site: Path, query: str, profile: Path) -> None:
    server = CountingServer(site)
    try:
        with chromium(profile) as driver:
            driver.get(server.url + "search/index.html")
            _settle(server)  # the page warms the engine up while a reader types
            page_bytes = server.sent
            server.sent = 0
            server.files.clear()
            r = driver.execute_async_script(FIRST, query)
            sent, files = server.sent, list(server.files)
            print(f"first query {query!r}: {r['ms']:.0f} ms to results shown ({r['shown']} shown); "
                  f"Resource Timing transferSize {r['bytes'] / 1024:.1f} KB in {r['files']} files; "
                  f"server sent {sent / 1024:.1f} KB in {len(files)} files (everything the page and Pagefind "
                  f"fetched); the page itself {page_bytes / 1024:.1f} KB")
            groups: dict[str, list[int]] = {}
            for path, size in files:
                key = path.rsplit("/", 1)[0] + "/*" if path.count("/") > 2 else path
                groups.setdefault(key, []).append(size)
            for key, sizes in sorted(groups.items(), key=lambda kv: -sum(kv[1])):
                print(f"    {sum(sizes) / 1024:7.1f} KB  {len(sizes):3d} x {key}")
            print(f"search page with its warm-up + first query: {(page_bytes + sent) / 1024:.1f} KB at the server")
        with chromium(profile.with_name(profile.name + "-cold")) as driver:
            server.sent = 0
            server.files.clear()
            driver.get(server.url + "search/index.html?q=" + query)
            ms = driver.execute_async_script(ARRIVAL)
            print(f"arriving at search/?q={query} from another page: results shown {ms:.0f} ms after navigation "
                  f"started, {server.sent / 1024:.1f} KB in all (page, styles, engine, index, results)")
    finally:
        server.close()


def _settle(server: "CountingServer", quiet: float = 0.5, limit: float = 20.0) -> None:
    """Wait until the server has sent nothing for `quiet` seconds."""
    start, last, seen = time.perf_counter(), time.perf_counter(), -1
    while time.perf_counter() - start < limit:
        if server.sent != seen:
            seen, last = server.sent, time.perf_counter()
        elif time.perf_counter() - last >= quiet:
            return
        time.sleep(0.05)


ARRIVAL = """
var cb = arguments[arguments.length - 1], app = document.getElementById('gb-search');
function done() { cb(performance.now()); }
if (app.getAttribute('data-state')) done();
else new MutationObserver(function (_, obs) {
  if (app.getAttribute('data-state')) { obs.disconnect(); done(); }
}).observe(app, {attributes: true});
"""


OUR_BUILD = """
import pickle, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from gongbao.search import build_index
with open(sys.argv[2], "rb") as f:
    records = pickle.load(f)
build_index(Path(sys.argv[3]), records)
"""


def build_cost(site: Path, work: Path, runs: int = 1) -> None:
    extended = pagefind_extended()
    pages = work / "pages"
    shutil.copytree(site, pages, ignore=shutil.ignore_patterns("search"))
    # What the pipeline hands to the index build: the records, here read back from the site once.
    records = work / "records.pickle"
    with records.open("wb") as f:
        pickle.dump(read_index(site), f)
    ratios = []
    for run in range(1, runs + 1):
        for name in ("ours", "extended"):
            shutil.rmtree(work / name, ignore_errors=True)
        (work / "ours").mkdir()
        ours = measure([sys.executable, "-c", OUR_BUILD, str(REPO), str(records), str(work / "ours")])
        theirs = measure([str(extended), "--site", str(pages), "--output-path", str(work / "extended")])
        t, m = ours.seconds / theirs.seconds, ours.peak_bytes / theirs.peak_bytes
        ratios.append((t, m))
        label = f"run {run}: " if runs > 1 else ""
        print(f"{label}index build   ours: {ours.seconds:6.1f} s  peak {ours.peak_bytes / 2**20:6.0f} MiB"
              f" (rc {ours.returncode})")
        print(f"{' ' * len(label)}   Pagefind extended: {theirs.seconds:6.1f} s  peak {theirs.peak_bytes / 2**20:6.0f} MiB"
              f" (rc {theirs.returncode}) on the same pages   ratio time {t:.2f}, memory {m:.2f}")
    if runs > 1:
        print(f"ours / extended over {runs} runs: time {min(r[0] for r in ratios):.2f}-{max(r[0] for r in ratios):.2f}, "
              f"memory {min(r[1] for r in ratios):.2f}-{max(r[1] for r in ratios):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--content", type=Path, default=REPO, help="project folder with content/ (default: this repo)")
    ap.add_argument("--queries", type=Path, default=REPO / "bench" / "queries.txt")
    ap.add_argument("--first-query", nargs="+", default=["营商环境"], help="each measured in a fresh browser")
    ap.add_argument("--no-build-cost", action="store_true")
    ap.add_argument("--build-runs", type=int, default=1, help="index builds to compare, ours then extended, in turn")
    ap.add_argument("--no-browser", action="store_true", help="skip quality and first-query figures")
    ap.add_argument("--site", type=Path, help="a site built already (e.g. a large project's site/): only the "
                                              "first-query figures, on it, without building anything")
    args = ap.parse_args()
    reason = chromium_missing()
    queries = [q.strip() for q in args.queries.read_text(encoding="utf-8").splitlines()
               if q.strip() and not q.startswith("#")]
    with tempfile.TemporaryDirectory(prefix="gongbao-bench-") as tmp:
        work = Path(tmp)
        if args.site:
            if reason:
                sys.exit(f"! browser figures skipped: {reason}")
            for n, query in enumerate(args.first_query):
                first_query(args.site, query, work / f"p2-{n}")
            return
        how, records = build_site(args.content, work / "site")
        print(f"built {len(records)} documents ({how})")
        if args.no_browser:
            print("browser figures not asked for")
        elif reason:
            print("! browser figures skipped:", reason)
        else:
            quality(work / "site", records, [q for q in queries if query_words(q)], work / "p1")
            for n, query in enumerate(args.first_query):
                first_query(work / "site", query, work / f"p2-{n}")
        if not args.no_build_cost:
            build_cost(work / "site", work, args.build_runs)


if __name__ == "__main__":
    main()
