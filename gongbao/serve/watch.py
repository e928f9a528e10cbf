"""Watch and rebuild: saves in content/, the templates or gongbao.yaml → one rebuild per burst of saves."""

from __future__ import annotations

import datetime as dt
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import click
import watchfiles

from ..build import Builder
from ..config import DEFAULT_TEMPLATES, SETTINGS_FILE, default_as_of, load_settings
from ..problems import ContentError, Problems
from ..search import SearchIndexError

#: Editors' swap, backup and lock files (.swp, ~, .#name: watchfiles' defaults) and vim's
#: write-permission probe "4913" are not sources.
_SOURCES = watchfiles.DefaultFilter(
    ignore_entity_patterns=(*watchfiles.DefaultFilter.ignore_entity_patterns, r"^4913$"))
#: A burst of saves (an editor's write-then-rename, `git checkout`) ends after this many quiet
#: milliseconds; watchfiles yields it as one set of changes.
QUIET_MS = 50
#: The watchers wake this often (milliseconds) to see whether they should stop; their first waking
#: also tells that they have started, so that serve announces its address only once saves are heard.
WAKE_MS = 200
#: How long (seconds) serve waits for a watcher to start before going on without that assurance.
START_WAIT = 30.0
#: The deferred search index starts after the saves have paused this long (seconds): a correction
#: saved soon after a first save is built without an index competing with it.
INDEX_QUIET = 1.5


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """What one rebuild did, in the words the terminal prints."""

    lines: tuple[str, ...]
    """Every problem as `path:line: CODE message`, then a one-line summary."""
    failed: bool
    """True when site/ was left as it was."""


@dataclass(frozen=True, slots=True)
class Rebuilder:
    """The one place the preview rebuilds, so that an incremental build can take its place."""

    project: Path
    as_of: dt.date | None
    """None: today at each rebuild (or SOURCE_DATE_EPOCH), as `build` does, for a preview left running for days."""
    output: Path
    """The served folder: kept even if gongbao.yaml's output_dir changes while serving."""
    builder: Builder = field(default_factory=Builder)
    """Kept across rebuilds: each one renders again only what the saves changed."""

    def rebuild(self, changed: Collection[Path]) -> BuildOutcome:
        """Build the site again, incrementally (the builder finds what changed; `changed` is the saved files)."""
        started = time.monotonic()
        problems = Problems(root=self.project.resolve())
        try:
            settings = load_settings(self.project, problems)
            if problems.errors:
                raise ContentError(problems)
            # The pages first: a changed search index is built afterwards, by follow_index.
            result = self.builder.build(settings, self.as_of or default_as_of(), problems, output=self.output,
                                        defer_index=True)
        except ContentError:
            failure = f"构建失败：{len(problems.errors)} 个错误"
        except SearchIndexError as exc:
            failure = f"构建失败：搜索索引未能生成（{exc}）"
        except Exception as exc:  # a fault in gongbao itself must not end the preview: say it, keep the site
            failure = f"构建失败：{type(exc).__name__}: {exc}"
        else:
            lib = result.library
            summary = (f"已重新构建（{_seconds(time.monotonic() - started)} 秒）：{len(lib.documents)} 件公文，"
                       f"{result.pages} 个页面")
            return BuildOutcome((*map(str, problems.sorted()), summary), failed=False)
        kept = f"{failure}；{problems.show(self.output)}/ 保持上次成功构建的版本"
        return BuildOutcome((*map(str, problems.sorted()), kept), failed=True)

    def prepare(self) -> None:
        """Before the first save: what makes the first rebuild as quick as the later ones."""
        try:
            self.builder.prepare_recycling(self.output)
        except Exception:  # (an OSError is handled inside) a fault here must not end the preview
            pass

    def follow_index(self) -> BuildOutcome | None:
        """Build the search index the rebuilds deferred and put it beside their pages; None if none was deferred."""
        if not self.builder.index_deferred:
            return None
        started = time.monotonic()
        try:
            while self.builder.follow_index():  # saves came meanwhile: follow the newest pages
                pass
        except SearchIndexError as exc:
            failure = f"搜索索引未能更新（{exc}）"
        except Exception as exc:  # as in rebuild: say it, keep the site and its last index
            failure = f"搜索索引未能更新：{type(exc).__name__}: {exc}"
        else:
            return BuildOutcome((f"搜索索引已更新（{_seconds(time.monotonic() - started)} 秒）",), failed=False)
        return BuildOutcome((f"{failure}；搜索仍用上次的索引",), failed=True)


def _seconds(value: float) -> str:
    """Hundredths under a second: a rebuild of a small site takes a few, and "0.0 秒" reads as nothing done."""
    return f"{value:.2f}" if value < 1 else f"{value:.1f}"


class IndexFollower:
    """Builds the search index a rebuild deferred on a thread of its own, at a lower priority, once the
    saves have paused for `quiet` seconds: an edit's pages show at once, the index follows, and the next
    save's pages need not wait for it. (A lower priority does not share the interpreter's lock: an index
    under way would take half of it from the next rebuild, which so took twice as long.)"""

    __slots__ = ("_rebuilder", "_publish", "_quiet", "_changed", "_due", "_building", "_closed", "_thread")

    def __init__(self, rebuilder: Rebuilder, publish: Callable[[BuildOutcome], None], quiet: float = INDEX_QUIET):
        self._rebuilder = rebuilder
        self._publish = publish
        self._quiet = quiet
        self._changed = threading.Condition()
        self._due: float | None = None
        """When the index may start (monotonic); None: no rebuild finished since the last index."""
        self._building = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="gongbao-index", daemon=True)
        self._thread.start()

    def hold(self) -> None:
        """A rebuild starts: no index starts until it has finished."""
        with self._changed:
            self._building = True

    def wake(self) -> None:
        """A rebuild finished: follow the index it may have deferred, unless another save comes soon."""
        with self._changed:
            self._building = False
            self._due = time.monotonic() + self._quiet
            self._changed.notify_all()

    def close(self, wait: Callable[[], None]) -> None:
        """Stop after the index under way, if any (`wait` is called first then: it says so); its scratch
        folder is removed only by the thread that made it."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(0.2)
        if self._thread.is_alive():
            wait()
            self._thread.join()

    def _run(self) -> None:
        _lower_priority()
        while self._next():
            if (outcome := self._rebuilder.follow_index()) is not None:
                self._publish(outcome)

    def _next(self) -> bool:
        """Wait until an index is due and no rebuild runs; False once closed."""
        with self._changed:
            while not self._closed:
                due = self._due
                if due is not None and not self._building and time.monotonic() >= due:
                    self._due = None
                    return True
                self._changed.wait(None if due is None or self._building else due - time.monotonic())
            return False


def _lower_priority() -> None:
    """Make this thread, and the processes it starts (Pagefind, the index's workers), yield the CPU to the
    rebuild of pages. Linux only: there a thread has a priority of its own (elsewhere this would be the
    whole process's, or another process's)."""
    if sys.platform == "linux":
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except OSError:  # not allowed (a sandbox): the index only competes with the pages
            pass


def sources(project: Path) -> tuple[Path, ...]:
    """The folders a rebuild reads: content, the project's templates and gongbao's own theme."""
    settings = load_settings(project, Problems())  # a broken gongbao.yaml is the rebuild's to report
    folders = (settings.content_path, settings.templates_path, DEFAULT_TEMPLATES)
    return tuple(dict.fromkeys(f.resolve() for f in folders if f.is_dir()))


class Watcher:
    """Changed paths from two watchers: the source folders, recursively, and the project folder
    alone for gongbao.yaml (a watch on the file itself is lost when an editor saves by renaming)."""

    __slots__ = ("_changes", "_stop", "_folders", "_folders_stop")

    def __init__(self, project: Path):
        self._changes: queue.SimpleQueue[set[Path] | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._folders: tuple[Path, ...] = ()
        self._folders_stop = threading.Event()
        settings = str((project / SETTINGS_FILE).resolve())
        self._start((project.resolve(),), False, lambda _, path: path == settings, self._stop)

    def follow(self, folders: tuple[Path, ...]) -> None:
        """Watch these source folders (gongbao.yaml may have just named other ones). Returns once the new
        watcher hears saves; the old one is stopped only then, so that no save falls between the two."""
        if folders != self._folders:
            old = self._folders_stop
            self._folders, self._folders_stop = folders, threading.Event()
            self._start(folders, True, _SOURCES, self._folders_stop)
            old.set()

    def next(self) -> set[Path] | None:
        """The next changed paths, with all that arrived meanwhile (say, during a rebuild); None once closed."""
        changed = self._changes.get()
        while changed is not None and not self._changes.empty():
            more = self._changes.get()
            changed = None if more is None else changed | more
        return changed

    def close(self) -> None:
        self._stop.set()
        self._folders_stop.set()
        self._changes.put(None)

    def _start(self, paths: tuple[Path, ...], recursive: bool, keep: Callable[[watchfiles.Change, str], bool],
               stop: threading.Event) -> None:
        """Start a watcher on a thread of its own and return once it hears saves (or has failed)."""
        started = threading.Event()

        def run() -> None:
            try:
                # watchfiles sets up its watches at the first step of the loop and tells nothing when it has:
                # its first waking (a timeout, as yield_on_timeout yields it, or a change) shows it has.
                for changes in watchfiles.watch(*paths, watch_filter=keep, recursive=recursive, step=QUIET_MS,
                                                stop_event=stop, rust_timeout=WAKE_MS, yield_on_timeout=True,
                                                raise_interrupt=False):
                    started.set()
                    if changes:
                        self._changes.put({Path(path) for _, path in changes})
            except Exception as exc:  # e.g. a watched folder was deleted: say so rather than die silently
                click.echo(f"无法继续监视 {', '.join(map(str, paths))}：{exc}", err=True)
            finally:
                started.set()

        threading.Thread(target=run, name="gongbao-watch", daemon=True).start()
        started.wait(START_WAIT)


def keep_building(rebuilder: Rebuilder, watcher: Watcher, publish: Callable[[BuildOutcome], None],
                  announce: Callable[[set[Path]], None], index: IndexFollower) -> None:
    """Rebuild after each burst of saves until the watcher is closed, the index following; runs on its own thread."""
    watcher.follow(sources(rebuilder.project))
    rebuilder.prepare()
    while (changed := watcher.next()) is not None:
        index.hold()
        announce(changed)
        publish(rebuilder.rebuild(changed))
        index.wake()
        watcher.follow(sources(rebuilder.project))
