"""Running Pagefind 1.5: its binary, the pages it indexes, one process per part, its script made classic."""

from __future__ import annotations

import concurrent.futures
import errno
import functools
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .parallel import Workers
from .record import SearchIndexError

if TYPE_CHECKING:
    from .tables import Modelled


#: Pagefind's script, under its output folder: the ES module the search page imports.
SCRIPT = "pagefind.js"
#: Pagefind's entry file, under its output folder: it names the other files Pagefind loads.
ENTRY = "pagefind-entry.json"


def pagefind_executable() -> Path:
    """Pagefind standard (not extended: our tokens need no segmenter)."""
    try:
        import pagefind_bin
    except ImportError as exc:
        raise SearchIndexError("Pagefind is not installed (pip install 'pagefind[bin]')") from exc
    exe = Path(pagefind_bin.__file__).parent / ("pagefind.exe" if os.name == "nt" else "pagefind")
    if not exe.is_file():
        raise SearchIndexError(f"the Pagefind binary is missing: {exe}")
    return exe


# --- the pages Pagefind indexes ----------------------------------------------------------------

# lang "und": no stemmer, no segmenter, either side; no <title>, whose words Pagefind would index
_PAGE_HEAD = ('<!DOCTYPE html><html lang="und"><head><meta charset="utf-8"></head>'
              '<body><main data-pagefind-body><p>')
_PAGE_TAIL = "</p></main></body></html>\n"
#: The last word of every page, after the documents' tokens (so their positions stay as they are):
#: Pagefind drops a page without words, and refuses a site without any. It is shorter than any
#: token a query looks up, so it is never found.
_SENTINEL = "z"


def page_words(tokens: str) -> str:
    """The words of the page holding `tokens` (each followed by a space), as Pagefind reads them: tables.py
    makes its index from them."""
    return tokens + _SENTINEL


@contextmanager
def page(source: Path, part: int) -> Iterator[TextIO]:
    """The page of one part of the index, under `source`: write its tokens, each followed by a space."""
    with (source / f"part{part}.html").open("w", encoding="utf-8") as f:
        f.write(_PAGE_HEAD)
        yield f
        f.write(_SENTINEL + _PAGE_TAIL)


#: Run in Pagefind's stead, which it then becomes: it dies with the build (parallel.die_with_parent).
#: Not a preexec_fn: subprocess runs that in a fork of the build, which until it execs is counted with
#: the build's whole resident memory (gigabytes at 100,000 documents: the index stage's peak looked
#: twice the build's) and, with strict overcommit, may not be allowed at all; without one, the child
#: shares the build's memory (vfork) for the moment before it execs. -P: a folder named gongbao in the
#: current one is not imported. Elsewhere nothing kills a child with its parent, and Pagefind runs as it is.
_DIE_WITH_PARENT = ("import os, sys; from gongbao.search.parallel import die_with_parent; "
                    "die_with_parent(int(sys.argv[1])); os.execv(sys.argv[2], sys.argv[2:])")

#: Pagefind is stopped as hung after this many seconds, plus TIMEOUT_PER_MB for each MB of its pages.
#: On a busy 2-core machine it took 45 s for the 43.6 MB of 3,366 laws (given 278 s) and 2 s for
#: 1.4 MB (given 67 s); on a quiet one, about a third of that.
TIMEOUT_BASE = 60.0
TIMEOUT_PER_MB = 5.0
#: Pagefind leaving empty files behind with less free space than this on their disk filled it up.
_NEARLY_FULL = 1 << 20


class Indexer:
    """Pagefind indexing the pages under `source` into `output` in a child process, from creation
    to `finish()`; it never outlives the `with` block, nor the build's process."""

    def __init__(self, source: Path, output: Path):
        self.output = output
        size = sum(p.stat().st_size for p in source.iterdir())
        self.timeout = TIMEOUT_BASE + TIMEOUT_PER_MB * size / 1e6
        self.deadline = time.monotonic() + self.timeout
        launcher = [sys.executable, "-P", "-c", _DIE_WITH_PARENT, str(os.getpid())] if sys.platform == "linux" else []
        exe = pagefind_executable()
        cmd = [*launcher, str(exe), "--site", str(source), "--output-path", str(output)]
        try:
            if launcher and not os.access(exe, os.X_OK):  # else the launcher's exec would fail, as its own exit
                code = errno.EACCES if exe.exists() else errno.ENOENT
                raise OSError(code, os.strerror(code), str(exe))
            # its report is a few lines, read when it ends (a pipe needs no disk, which may be full)
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
        except OSError as exc:
            raise SearchIndexError(f"could not run Pagefind: {exc}") from exc

    def __enter__(self) -> "Indexer":
        return self

    def __exit__(self, *_: object) -> None:
        if self.proc.poll() is None:  # the build failed or was interrupted meanwhile, or Pagefind hung
            self.proc.kill()
        self.proc.communicate()

    def finish(self) -> Path:
        """Wait for Pagefind; the folder it wrote."""
        # A process that has ended is only read (its pipe is at its end): its deadline may have passed while
        # other parts were indexed.
        left = TIMEOUT_BASE if self.proc.poll() is not None else max(0.0, self.deadline - time.monotonic())
        try:
            report, _ = self.proc.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            raise SearchIndexError(f"Pagefind did not finish within {self.timeout:.0f} s and was stopped") from None
        detail = report.decode("utf-8", "replace").strip().splitlines()[-5:]
        if self.proc.returncode != 0 or not (self.output / SCRIPT).is_file():
            raise SearchIndexError(f"Pagefind failed (exit {self.proc.returncode}): " + " | ".join(detail))
        # Pagefind 1.5 does not report a write that failed: it leaves the file empty and ends as if it had not.
        empty = [p for p in self.output.rglob("*") if p.is_file() and p.stat().st_size == 0]
        if empty and shutil.disk_usage(self.output).free < _NEARLY_FULL:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.output))
        if empty:
            raise SearchIndexError(f"Pagefind left {len(empty)} files empty, such as {empty[0].name}")
        return self.output


#: Pagefind processes at once: two parts of writer.PART_CHARS keep Pagefind under about 1 GiB.
AT_ONCE = 2
#: The number `Parts.shell` gives its page (a part's page is named by its number, and a part's number is never
#: negative).
SHELL_PART = -1


class Parts:
    """Each part's page indexed by a Pagefind process of its own, at most AT_ONCE at a time; or by tables.py
    (`index_here`), with one Pagefind process for the files the merge takes from Pagefind (`shell`).

    Pagefind holds the whole index of what it reads in memory (see writer.PART_CHARS): one process
    for the whole site would grow with the site. A page waits on disk until a process is free (its
    writer never waits, so nothing piles up in memory meanwhile). A thread of its own starts waiting
    pages as soon as processes end, whatever the build is doing meanwhile: left to the build's
    own calls, a process slot stood idle while the build wrote other files (20 s of a 70-s build).
    `finish` waits for all and gives their output folders, in part order. Leaving the block first
    stops every process still running."""

    #: How often the thread looks for processes that ended, in seconds.
    TICK = 0.05

    def __init__(self, folder: Path, workers: Workers | None = None):
        self.folder = folder
        self.workers = workers
        self.stack = ExitStack()
        self.waiting: deque[int] = deque()
        self.running: dict[int, Indexer] = {}
        self.written: dict[int, Path | Modelled] = {}
        self._lock = threading.Lock()
        self._failed: BaseException | None = None
        self._stop = threading.Event()
        self._starter = threading.Thread(target=self._start_waiting, name="pagefind-parts", daemon=True)
        self._starter.start()
        # parts indexed by tables.py while the build writes the browser's files (see index_here)
        self._here: concurrent.futures.ThreadPoolExecutor | None = None
        self._made: dict[int, concurrent.futures.Future[Modelled]] = {}

    def __enter__(self) -> "Parts":
        return self

    def __exit__(self, error: type[BaseException] | None, *exc: object) -> None:
        self._stop.set()
        self._starter.join()
        # On an interruption, a part being indexed by tables.py is not waited for: its process dies with the
        # build's, or ends when its part is done. On a failure of the index's own (SearchIndexError) it is: the
        # build may make the index again in the same folder (writer.build_index), where the part's tables
        # would be written after the folder was removed.
        for made in self._made.values():
            made.cancel()
        if self._here is not None:
            self._here.shutdown(wait=error is None or issubclass(error, SearchIndexError), cancel_futures=True)
        self.stack.__exit__(error, *exc)  # type: ignore[arg-type]

    @contextmanager
    def page(self, part: int) -> Iterator[TextIO]:
        """The page of part `part` (numbered 0, 1, …, given in any order): write its tokens, each followed by a space."""
        source = self.folder / f"part{part}"
        source.mkdir()
        with page(source, part) as f:
            yield f
        with self._lock:
            self.waiting.append(part)
            self._start()

    def shell(self) -> None:
        """Run Pagefind on a page of no tokens, for what every index borrows of it (its entry, meta index, script
        and WebAssembly, the same for any page: see merge.merge), when every part is indexed by tables.py and
        nothing kept them (see `shell_output`)."""
        with self.page(SHELL_PART):
            pass

    @property
    def shell_output(self) -> Path | None:
        """Pagefind's output of the page of `shell`, once `finish` returned; None if `shell` was not called."""
        output = self.written.get(SHELL_PART)
        return output if isinstance(output, Path) else None

    def kept(self, part: int, output: Path | Modelled) -> None:
        """Part `part` needs no Pagefind: `output` is its index, kept from an earlier build or made by tables.py."""
        self.written[part] = output

    def index_here(self, part: int, make: Callable[[], Modelled]) -> None:
        """Part `part` is indexed by `make()` (tables.py), not by Pagefind, while the build goes on, one part at
        a time: on a thread (numpy lets the two run) when the index is the process's main work; from that
        thread, on one of the index's `workers` (processes started afresh, see parallel.process_map; they die
        with the build) when it is built on a thread beside other work: a build's pages (build._publish), or
        serve's rebuilds of pages. There tables.py's Python half took the interpreter's lock from that work (a
        title's save showed in 2.2-3.3 s instead of 1.9-2.3 s on the corpus; a cached build after a body edit
        took 7.5-9.5 s instead of 6.9 s, on a busy machine), which costs more than sending the page to another
        process."""
        if self._here is None:
            self._here = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="tables")
        if threading.current_thread() is not threading.main_thread() and self.workers is not None:
            # one part at a time, as on the thread: a part's tables take 300 MiB (corpus), two at once twice that;
            # a part's two halves (tables.PartJob) are made at once, each holding half its tables
            make = functools.partial(_on, self.workers, make)
        # A part's page waits in memory (not on disk as Pagefind's do): at most AT_ONCE of them wait at a time.
        waiting = [f for f in self._made.values() if not f.done()]
        if len(waiting) >= AT_ONCE:
            concurrent.futures.wait(waiting, return_when=concurrent.futures.FIRST_COMPLETED)
        self._made[part] = self._here.submit(make)

    def poll(self) -> None:
        """Raise what starting a process raised on the thread (the build then stops)."""
        if self._failed is not None:
            raise self._failed

    def _start_waiting(self) -> None:
        # This thread lives as long as the block: Linux's parent-death signal (parallel.die_with_parent)
        # follows the thread that started a child, and must not kill Pagefind before the build is done.
        while not self._stop.wait(self.TICK):
            with self._lock:
                try:
                    self._start()
                except BaseException as exc:  # Pagefind could not be run: the build's next call raises it
                    self._failed = exc
                    return

    def _start(self) -> None:
        """Start waiting pages while fewer than AT_ONCE processes run (under the lock)."""
        while self.waiting and sum(i.proc.poll() is None for i in self.running.values()) < AT_ONCE:
            part = self.waiting.popleft()
            indexer = Indexer(self.folder / f"part{part}", self.folder / f"index{part}")
            self.running[part] = self.stack.enter_context(indexer)

    def finish(self) -> list[Path | Modelled]:
        """Wait for every page to be indexed; Pagefind's output folder of each part (or its index made by
        tables.py), in part order."""
        while True:
            self.poll()
            with self._lock:
                if not self.waiting:
                    break
            self._stop.wait(self.TICK)
        for part in sorted(self.running):
            self.written[part] = self.running[part].finish()
        for part, made in sorted(self._made.items()):
            self.written[part] = made.result()
        return [self.written[part] for part in sorted(self.written) if part != SHELL_PART]


def _on(workers: Workers, make: Callable[[], Modelled]) -> Modelled:
    """make() on the workers; a part's tables (tables.PartJob) in two halves at once, when there are two workers:
    after one body edit on the corpus the merge waited for the part's tables, 0.64 CPU s on one process."""
    from .tables import PartJob  # (it needs numpy: see search's _LAZY)

    if isinstance(make, PartJob) and workers.count >= 2:
        halves = [workers.submit(make, half) for half in (0, 1)]
        return PartJob.joined([h.result() for h in halves])
    return workers.submit(make).result()


_FRAGMENT_URL = re.compile(rb'^pagefind_dcd\{"url":"/part(\d+)\.html"')


def page_id(output: Path, part: int) -> str:
    """Pagefind's id (its fragment's name) of the one page it indexed into `output`, part `part`'s."""
    fragments = sorted((output / "fragment").glob("*.pf_fragment"))
    if len(fragments) != 1:
        raise SearchIndexError(f"Pagefind indexed {len(fragments)} pages of part {part}, not one")
    with fragments[0].open("rb") as f:  # the URL comes first; the fragment holds every token
        head = zlib.decompressobj(wbits=31).decompress(f.read(4096), 256)
    m = _FRAGMENT_URL.match(head)
    if not m or int(m.group(1)) != part:
        raise SearchIndexError(f"cannot read Pagefind's index: fragment {fragments[0].name} is not "
                               "shaped as Pagefind 1.5 writes it")
    return fragments[0].name.removesuffix(".pf_fragment")


_EXPORT = re.compile(r"export\s*\{([^}]*)\};?\s*$")


def classic_script(source: str) -> str:
    """pagefind.js turned from an ES module into a classic script that puts its exports on
    window.gongbaoPagefind: Chromium runs no module from file://."""
    export = _EXPORT.search(source)
    if not export or "import.meta.url" not in source:
        raise SearchIndexError("this pagefind.js has an unexpected shape; cannot make it work offline")
    names = ",".join(f"{n.strip()}:{n.strip()}" for n in export.group(1).split(",") if n.strip())
    classic = source[:export.start()].replace("import.meta.url", "undefined")
    return f"(function(){{{classic};window.gongbaoPagefind={{{names}}};}})();\n"
