"""Save → page: how long `gongbao serve` takes from saving a file to the new text showing in an open tab.

    python bench/save_to_page.py --project DIR [--runs K] [--document content/documents/x.md]

Copies the project's content (and its own templates and gongbao.yaml) into a temporary folder, so
DIR is never written; starts `gongbao serve` there; opens a document's page and its gazette issue's
page (its year's list for a document in no issue) in headless Chromium; then K times: adds a line to
the document's body and times save → line visible on the document's page, and changes its title and
times save → title visible on the list page, then waits for the search index, which the server
builds after the pages, and times save → index in place (from the title's save; the body's index is
folded into it when the title is saved meanwhile). Prints min–max of each, the rebuild's own time as
the server reports it, the load average, and the CPU time of the server's process and children.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gongbao import build as pipeline  # noqa: E402
from gongbao import urls  # noqa: E402
from gongbao.config import SETTINGS_FILE, Settings, load_settings  # noqa: E402
from gongbao.model import Document  # noqa: E402
from gongbao.problems import Problems  # noqa: E402
from tests.browser import chromium, chromium_missing  # noqa: E402

AS_OF = dt.date(2025, 1, 1)
TIMEOUT = 600.0
REBUILT = re.compile(r"已重新构建（([\d.]+) 秒）")
INDEXED = re.compile(r"搜索索引已更新（([\d.]+) 秒）")


def copy_project(settings: Settings, target: Path) -> Path:
    """The files a build reads, copied; templates outside the project stay where they are."""
    project = settings.project_dir.resolve()
    shutil.copytree(settings.content_path, target / settings.content_dir)
    if (project / SETTINGS_FILE).is_file():
        shutil.copyfile(project / SETTINGS_FILE, target / SETTINGS_FILE)
    own = settings.templates_path.resolve()
    if own.is_dir() and own.is_relative_to(project):
        shutil.copytree(own, target / own.relative_to(project))
    return target


def pick_document(settings: Settings, wanted: str | None) -> Document:
    problems = Problems(root=settings.project_dir.resolve())
    library = pipeline.check(settings, AS_OF, problems)
    documents = list(library.documents.values())
    if wanted:
        return next(d for d in documents if d.path == Path(wanted).as_posix())
    return next((d for d in documents if d.gazette), documents[0])


class Served:
    """`gongbao serve` in a child process, with its output read as it comes."""

    def __init__(self, project: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gongbao", "serve", "--project", str(project), "--port", "0",
             "--as-of", AS_OF.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
        self.rebuilds: list[float] = []
        self.rebuilt_at: list[float] = []
        """When each rebuild's line was read (perf_counter): the page's reload starts about then."""
        self.indexed = threading.Condition()
        self.index_times: list[float] = []
        """When each "index in place" line was read (perf_counter)."""
        self.url = ""
        ready = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                if found := re.search(r"http://127\.0\.0\.1:\d+/", line):
                    self.url = found.group(0)
                    ready.set()
                if found := REBUILT.search(line):
                    self.rebuilt_at.append(time.perf_counter())
                    self.rebuilds.append(float(found.group(1)))
                elif INDEXED.search(line):
                    with self.indexed:
                        self.index_times.append(time.perf_counter())
                        self.indexed.notify_all()
                elif "搜索索引未能更新" in line:
                    print(line.rstrip(), file=sys.stderr)
                elif "构建失败" in line:
                    print(line.rstrip(), file=sys.stderr)
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        ready.wait(TIMEOUT)
        if not self.url:
            sys.exit(f"gongbao serve did not start (exit {self.proc.poll()})")

    def index_after(self, since: float) -> float | None:
        """When the first "index in place" line after `since` was read; None if none came."""
        with self.indexed:
            self.indexed.wait_for(lambda: any(t > since for t in self.index_times), TIMEOUT)
            return next((t for t in self.index_times if t > since), None)

    def cpu(self) -> float:
        """CPU seconds of the server and its finished children so far (Linux's /proc; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()  # an index under way is finished first
        self.proc.wait(TIMEOUT)


def timed(save: Callable[[], object], shown: Callable[[], bool], served: Served,
          phases: dict[str, list[float]]) -> float:
    """Save → shown, in seconds; adds to `phases` the rebuild as the server reported it and the time from
    its line to the text shown (the live reload: event, fetch, parse, layout, and up to 50 ms of polling)."""
    seen = len(served.rebuilt_at)
    started = time.perf_counter()
    save()
    deadline = started + TIMEOUT
    while not shown():
        if time.perf_counter() > deadline:
            sys.exit("the new text never showed")
        time.sleep(0.05)
    ended = time.perf_counter()
    if len(served.rebuilt_at) > seen:
        phases["rebuild"].append(served.rebuilds[seen])
        phases["reload"].append(ended - served.rebuilt_at[seen])
    return ended - started


def span(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f} s" if values else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--document", help="the document to edit, as a path relative to the project")
    args = parser.parse_args()
    if reason := chromium_missing():
        sys.exit(reason)

    settings = load_settings(args.project, Problems())
    document = pick_document(settings, args.document)
    # Outside any issue, its year's list (the home page shows only the newest documents)
    list_page = urls.gazette(document.gazette) if document.gazette else urls.year(document.signed.year)
    with tempfile.TemporaryDirectory(prefix="gongbao-save-bench-") as tmp:
        project = copy_project(settings, Path(tmp) / "project")
        source = project / document.path
        original = source.read_text(encoding="utf-8")
        started = time.perf_counter()
        served = Served(project)
        print(f"{document.path}: first build and server start {time.perf_counter() - started:.1f} s")
        body_times: list[float] = []
        title_times: list[float] = []
        index_lags: list[float] = []
        body_phases: dict[str, list[float]] = {"rebuild": [], "reload": []}
        title_phases: dict[str, list[float]] = {"rebuild": [], "reload": []}
        cpu_start, load_start = served.cpu(), os.getloadavg()
        try:
            with chromium(Path(tmp) / "profile") as driver:
                driver.get(served.url + urls.document(document.slug))
                page_tab = driver.current_window_handle
                driver.switch_to.new_window("tab")
                driver.get(served.url + list_page)
                list_tab = driver.current_window_handle

                def shows(tab: str, text: str) -> Callable[[], bool]:
                    driver.switch_to.window(tab)
                    # textContent, not innerText: innerText lays the page out at each look, and at every
                    # 20 ms on a long law that took a core from the server being timed (2 cores, shared)
                    return lambda: driver.execute_script("return document.body.textContent.includes(arguments[0])",
                                                         text)

                shown_title = document.title
                current = original
                for run in range(1, args.runs + 1):
                    line = f"\n\n基准测试新增的第{run}段。\n"
                    # on the file as the last run left it: from `original`, this save would also undo the
                    # last run's title, and a title change re-renders every list that shows it
                    edited = current.rstrip("\n") + line
                    check = shows(page_tab, line.strip())
                    body_times.append(timed(partial(source.write_text, edited, encoding="utf-8"), check, served,
                                            body_phases))
                    title = f"{document.title}（第{run}次改题）"
                    retitled = edited.replace(f"title: {shown_title}\n", f"title: {title}\n", 1)
                    assert retitled != edited, "the title line is not written as `title: <title>`"
                    check = shows(list_tab, title)
                    saved = time.perf_counter()
                    title_times.append(timed(partial(source.write_text, retitled, encoding="utf-8"), check, served,
                                             title_phases))
                    current, shown_title = retitled, title
                    # an index line after the title showed: by then its rebuild has deferred its index
                    indexed = served.index_after(saved + title_times[-1])
                    lag = None if indexed is None else indexed - saved
                    if lag is not None:
                        index_lags.append(lag)
                    print(f"run {run}: body {body_times[-1]:.2f} s, title {title_times[-1]:.2f} s, index "
                          f"{'–' if lag is None else f'{lag:.2f} s'} after the title's save", flush=True)
                cpu = served.cpu() - cpu_start
        finally:
            served.stop()
    print(f"save → new body text on {urls.document(document.slug)}: {span(body_times)} ({args.runs} runs)")
    print(f"save → new title on {list_page}: {span(title_times)} ({args.runs} runs)")
    for name, phases in (("body", body_phases), ("title", title_phases)):
        print(f"  {name}: the rebuild (as the server reports it) {span(phases['rebuild'])}, then the page's "
              f"reload until the text shows {span(phases['reload'])}")
    print(f"save → search index in place: {span(index_lags)}")
    print(f"CPU of the server over the runs: {cpu:.1f} s; load average before {load_start[0]:.1f}, "
          f"after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
