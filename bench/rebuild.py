"""Rebuild after an edit: a full build against the cached rebuilds, side by side, min–max over K runs.

    python bench/rebuild.py --content DIR [--runs K] [--serve-only] [--edits-first] [--compile]

DIR is a project folder (content/, optional gongbao.yaml and templates/), e.g. the corpus as
bench/corpus_to_content.py makes it. It is copied to a temporary folder, so DIR is never written.
Each run of `gongbao build` is a new process, timed from outside (interpreter start included), as an
editor runs it:

- full: `build --no-cache` into an empty site/;
- nothing changed, one body edit, one title edit: `build` with the cache of the run before;

then, in one process that keeps its Builder as `serve` does, K body edits each built with the index
deferred: the time until the pages are in place, and until the new index follows (`--serve-only`: only
these, after a first build in the same process, to re-measure the editor's loop quickly). Wall times are
noisy on a shared machine; the CPU time of each child (user + system) is given beside them.

On a file system that scans the inodes freed in the last seconds whenever it makes a file (ext4 without a
journal, as on the machine these figures come from), the builds that follow the full builds, each of which
removes the site before it (about 10,000 files), pay for those removals: `--edits-first` times the cached builds
first, as an editor's day has them, long after any full build.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import importlib.util
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gongbao.build import STAGES  # noqa: E402

AS_OF = "2025-01-01"
TIMINGS = re.compile(r"^读取 .* · 共 .*$", re.M)


def run_build(project: Path, *options: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, the timing line) of one `gongbao build` in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "gongbao", "build", "--project", str(project), "--as-of", AS_OF,
                           *options], capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stdout}\n{done.stderr}")
    line = TIMINGS.search(done.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, line.group() if line else ""


def documents(project: Path) -> list[Path]:
    return sorted((project / "content" / "documents").rglob("*.md"))


def edit_body(path: Path, n: int) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\n第{n}次编辑时加的一句。\n")


def edit_title(path: Path, n: int) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^title: (.*?)(（第\d+次修订）)?$", rf"title: \1（第{n}次修订）", text, count=1,
                           flags=re.M), encoding="utf-8")


def scenario(project: Path, runs: int, prepare: Callable[[int], None], *options: str) -> list[tuple[float, float, str]]:
    out = []
    for n in range(runs):
        prepare(n)
        out.append(run_build(project, *options))
    return out


def serve_path(project: Path, runs: int) -> dict[str, list[float]]:
    """Body edits built by one Builder kept in memory, the index deferred and then followed (as serve can)."""
    from gongbao.build import Builder
    from gongbao.cache import CACHE_DIR
    from gongbao.config import load_settings
    from gongbao.problems import Problems

    as_of = dt.date.fromisoformat(AS_OF)
    builder = Builder(project / CACHE_DIR)
    target = documents(project)[len(documents(project)) // 2]
    times: dict[str, list[float]] = {"pages": [], "pages CPU": [], "index": []}
    for n in range(runs + 1):
        edit_body(target, 100 + n)
        problems = Problems(root=project)
        start, cpu = time.perf_counter(), time.process_time()
        result = builder.build(load_settings(project, problems), as_of, problems, defer_index=True)
        pages, pages_cpu = time.perf_counter() - start, time.process_time() - cpu
        builder.follow_index()
        if n:  # the first build loads the cache: serve does that once, at start
            times["pages"].append(pages)
            times["pages CPU"].append(pages_cpu)
            times["index"].append(time.perf_counter() - start)
            for stage, seconds in result.stats.seconds:
                times.setdefault(stage, []).append(seconds)
    return times


def bytecode() -> str:
    """Whether each `gongbao build` process finds gongbao's modules compiled. An installed wheel has them (pip
    compiles them), and so has a checkout that Python may write them into; with PYTHONDONTWRITEBYTECODE set (as on
    the machine these figures come from) and none written, every process compiles gongbao's modules anew, which
    took 0.1-0.2 s of a build after one body edit on the corpus (its workers compile them too). See --compile."""
    sources = sorted((REPO / "gongbao").rglob("*.py"))
    compiled = sum(Path(importlib.util.cache_from_source(str(p))).is_file() for p in sources)
    state = "set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "not set"
    return f"{compiled} of {len(sources)} modules compiled (PYTHONDONTWRITEBYTECODE {state})"


def span(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, required=True, help="a project folder (with content/)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve-only", action="store_true", help="skip the `gongbao build` processes")
    parser.add_argument("--edits-first", action="store_true",
                        help="time the cached builds before the full builds, not after (see the module's docstring)")
    parser.add_argument("--compile", action="store_true",
                        help="byte-compile gongbao first, as pip does when it installs the wheel")
    args = parser.parse_args()
    if args.compile:
        compileall.compile_dir(REPO / "gongbao", quiet=1)
    print(f"gongbao's bytecode: {bytecode()}")
    with tempfile.TemporaryDirectory(prefix="gongbao-rebuild-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(args.content, project, ignore=shutil.ignore_patterns("site", "dist", ".gongbao-cache"))
        docs = documents(project)
        body, title = docs[len(docs) // 3], docs[2 * len(docs) // 3]

        def fresh(n: int) -> None:
            shutil.rmtree(project / "site", ignore_errors=True)

        results: dict[str, list[tuple[float, float, str]]] = {}
        if not args.serve_only:
            if not args.edits_first:
                results["full build (--no-cache)"] = scenario(project, args.runs, fresh, "--no-cache")
            # the first cached build fills the cache; it is not one of the runs
            results["rebuild, nothing changed"] = scenario(project, args.runs + 1, lambda n: None)[1:]
            results["rebuild, one body edited"] = scenario(project, args.runs, lambda n: edit_body(body, n))
            results["rebuild, one title edited"] = scenario(project, args.runs, lambda n: edit_title(title, n))
            if args.edits_first:
                results["full build (--no-cache)"] = scenario(project, args.runs, fresh, "--no-cache")
        served = serve_path(project, args.runs)
    print(f"{len(docs)} documents, {args.runs} runs each; wall time (CPU time of the process)")
    for name, runs in results.items():
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        print(f"{name:28} {span(walls):>14}  (CPU {span(cpus)})   last: {runs[-1][2]}")
    print(f"{'serve path, body edited':28} pages in place {span(served['pages'])} (CPU {span(served['pages CPU'])}), "
          f"index follows at {span(served['index'])}; load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    print(f"{'':28} pages' stages: " + " · ".join(f"{stage} {span(served[stage])}" for stage in STAGES if stage in served))
    print(json.dumps({name: [r[:2] for r in runs] for name, runs in results.items()} | {"serve": served}))


if __name__ == "__main__":
    main()
