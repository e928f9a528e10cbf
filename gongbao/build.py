"""Build: load → relations → render → search index → write, all or nothing, reusing what earlier builds made."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from . import urls
from .cache import (PREVIOUS_SITE, State, Views, Written, code_version, library_digest, load_content_cached,
                    load_state, save_state, saved_state_bytes)
from .config import DEFAULT_TEMPLATES, Settings
from .digests import Fingerprints, TextDigests, digest, fingerprint
from .indexing import IndexAhead, IndexStage, add_index, run_index, search_records
from .output import check_output
from .pages import Page
from .problems import ContentError, Problems
from .relations import Library, build_library
from .render import Assets, Reuse, render_site
from .search import SearchRecord
from .views import DocumentPage, DocumentView, Edition, Relation
from .write import Staging, discard, index_scratch, publish, publishing

if TYPE_CHECKING:
    from .search.reuse import IndexCache

T = TypeVar("T")

#: The stages a build reports the time of, in order.
STAGES = ("读取", "关系", "渲染", "索引", "写入")
#: In the cache folder: what index builds keep for the next (see search.reuse).
_INDEX_CACHE = "search-index"
#: The search index is made while the pages are rendered on a site of at most this many characters of Markdown in
#: its bodies (see Builder._publish's index_stage), the tokens of its bodies while they are rendered; on a larger
#: one, after the pages.
BESIDE_CHARS = 100_000_000
#: From this size of its saved state on (a site of about 700 documents), a cached build starts the index's
#: processes before it reads the state (see Builder._early_ahead).
EARLY_STATE_BYTES = 1 << 19


class Display(Protocol):
    """Where a build shows what it is doing (the terminal's progress, or nowhere)."""

    def stage(self, name: str) -> None:
        """A stage of STAGES begins."""

    def bar(self, label: str, items: Sequence[T]) -> Iterable[T]:
        """The items, showing how far through them the stage is."""


class Silent:
    def stage(self, name: str) -> None:
        pass

    def bar(self, label: str, items: Sequence[T]) -> Iterable[T]:
        return items


@dataclass(frozen=True, slots=True)
class BuildStats:
    """What a build did, and what it took from the builds before it."""

    seconds: tuple[tuple[str, float], ...]
    """Time spent in each stage that ran, in the order of STAGES."""
    files: int
    files_parsed: int
    """Content files read again because their bytes changed (the others were taken as they were)."""
    bodies: int = 0
    bodies_rendered: int = 0
    pages_rendered: int = 0
    """Pages whose view or templates changed; the others are the previous build's files."""
    index: str = ""
    """"built", "kept" (the search records did not change) or "deferred" (see Builder.follow_index)."""


@dataclass(frozen=True, slots=True)
class Checked:
    library: Library
    stats: BuildStats


@dataclass(frozen=True, slots=True)
class BuildResult:
    output: Path
    library: Library
    pages: int
    stats: BuildStats

    @property
    def index_pending(self) -> bool:
        return self.stats.index == "deferred"


def check(settings: Settings, as_of: dt.date, problems: Problems) -> Library:
    """Load and validate everything; raise ContentError if any error was found."""
    return Builder().check(settings, as_of, problems).library


def build(settings: Settings, as_of: dt.date, problems: Problems, output: Path | None = None,
          explicit_index: bool = False, strict: bool = False) -> BuildResult:
    """Build the site into `output` (default: the settings' output folder) from nothing."""
    return Builder(once=True).build(settings, as_of, problems, output, explicit_index, strict)


@dataclass(frozen=True, slots=True)
class _IndexJob:
    """Search records whose index a build left for later."""

    generation: int
    output: Path
    records: tuple[SearchRecord, ...]
    fingerprint: bytes


class Builder:
    """Builds a site again and again, each build reusing what the ones before made.

    The dependency rule: a page is rendered again when the data it shows (its view) or any template
    changed; settings, the as-of date or gongbao itself changing changes every page. A view is made from
    the library's records (bodies aside) and at most one body, its own document's: while neither changed,
    its fingerprint is the last build's, and a document's view is not even made. Everything else is the
    previous build's file, and the search index is built again only when its records changed. What is
    kept lives in memory, and in `cache_dir` when given (for the next `gongbao build`).

    `once`: the builder makes one build and is dropped (`gongbao build`): what it would keep in memory for
    the next build goes as soon as the build is done with it, before the search index is made (see `_forget`;
    the library it returns has its documents without their bodies).
    """

    def __init__(self, cache_dir: Path | None = None, display: Display = Silent(), once: bool = False):
        self.cache_dir = cache_dir
        self.display = display
        self.once = once
        self._state: State | None = None
        self._lock = threading.Lock()
        self._generation = 0
        self._index_generation = 0
        self._deferred: _IndexJob | None = None
        self._indexes: IndexCache | None = None
        self._texts = TextDigests()

    def build(self, settings: Settings, as_of: dt.date, problems: Problems, output: Path | None = None,
              explicit_index: bool = False, strict: bool = False, defer_index: bool = False) -> BuildResult:
        """Build the site into `output` (default: the settings' output folder).

        Everything is written into a staging folder first; the previous site is replaced only when every
        stage succeeded, so a failed build never leaves a half-written site. `strict`: warnings fail the
        build too. `defer_index`: when the search records changed, the pages are put in place with the
        previous index, and `follow_index` builds the new one.
        """
        output = output or settings.output_path
        clock = _Clock(self.display)
        with self._lock:
            early = None
            if self._state is None:
                early = self._early_ahead(defer_index)
                with clock("读取"):
                    self._state = load_state(self.cache_dir, code_version())
            self._generation += 1
            try:
                return self._build(self._state, settings, as_of, problems, output, explicit_index, strict,
                                   defer_index, clock, early)
            finally:
                if early is not None:
                    early.close()

    def _early_ahead(self, defer_index: bool) -> IndexAhead | None:
        """The index's processes started before the cache is read, by a build that reads it from the cache folder
        (`gongbao build`): such a build spends its first second on one core (imports, the cache, the content), and the
        processes' own imports (a third of a CPU second each) are done on the idle one by the time its index needs
        them. On the corpus, a build after one body edit waited for them 0.2-0.4 s when they were started after the
        content was read. Only for a site whose saved state is EARLY_STATE_BYTES or more: a build that then finds
        nothing changed waits for them at its end, which on the bundled gazette made such a build 0.6 s instead of
        0.3 s; on the corpus it spends idle CPU time only."""
        if defer_index or self.cache_dir is None or saved_state_bytes(self.cache_dir) < EARLY_STATE_BYTES:
            return None
        ahead = IndexAhead()
        ahead.start_processes()
        return ahead

    def check(self, settings: Settings, as_of: dt.date, problems: Problems, strict: bool = False) -> Checked:
        """Load and validate everything, parsing only the files changed since the cache's build (a check
        writes nothing, not even the cache); raise ContentError if any error (or with `strict`, any
        warning) was found."""
        with self._lock:
            clock = _Clock(self.display)
            with clock("读取"):
                state = self._state or load_state(self.cache_dir, code_version(), sources_only=True)
            return self._check(state, settings, as_of, problems, strict, clock)

    def _check(self, state: State, settings: Settings, as_of: dt.date, problems: Problems, strict: bool,
               clock: _Clock) -> Checked:
        with clock("读取"):
            before = dict(state.files)
            content = load_content_cached(settings.content_path, settings.title, problems, state, self._texts)
        with clock("关系"):
            library = build_library(content, as_of, problems)
        if problems.errors or (strict and problems.warnings):
            raise ContentError(problems)
        parsed = sum(1 for path, loaded in state.files.items() if before.get(path) is not loaded)
        return Checked(library, BuildStats(clock.seconds(), len(state.files), parsed))

    def _build(self, state: State, settings: Settings, as_of: dt.date, problems: Problems, output: Path,
               explicit_index: bool, strict: bool, defer_index: bool, clock: _Clock,
               early: IndexAhead | None = None) -> BuildResult:
        check_output(settings, output, problems)  # a folder gongbao did not make is never touched
        checked = self._check(state, settings, as_of, problems, strict, clock)
        with publishing(output):
            return self._publish(state, checked, settings, as_of, problems, output, explicit_index, defer_index,
                                 clock, early)

    def _publish(self, state: State, checked: Checked, settings: Settings, as_of: dt.date, problems: Problems,
                 output: Path, explicit_index: bool, defer_index: bool, clock: _Clock,
                 early: IndexAhead | None = None) -> BuildResult:
        library = checked.library
        # The assets' folder is named by their bytes (the logo's too), and every page links it.
        assets = Assets.of(settings)
        # The project folder as resolved: named "." or by its full path, it is the same site.
        site = fingerprint((state.version, dataclasses.replace(settings, project_dir=settings.project_dir.resolve()),
                            as_of, explicit_index, _templates_digest(settings), assets.folder))
        known = state.written_to(output)
        spare = self._spare(output) if known else None
        staging = Staging(output, state.live() if known else {}, spare, state.spare)
        self._texts.next_build()
        # A build with nothing to keep for a later one (`once`, no cache folder) does not fingerprint its pages.
        pages = _Pages(site, staging, self._texts, library_digest(site, state.files), state,
                       fingerprinted=not (self.once and self.cache_dir is None))
        indexing: list[IndexStage] = []  # the one of this build, once the bodies are rendered
        beside = sum(len(doc.body) for doc in library.documents.values()) <= BESIDE_CHARS
        ahead = (early or IndexAhead()) if beside and not defer_index else None
        if ahead is not None and known and checked.stats.files_parsed:  # its index is likely to change
            ahead.start()
        state.bodies.pack = not beside or self.cache_dir is not None

        def index_stage(body_texts: Mapping[str, str], text_digests: Mapping[str, bytes]) -> None:
            """The search index's stage, once the bodies are rendered, started at once (`beside`): on a thread of
            its own (and other processes) while the pages are rendered, which keeps the build's own process busy.
            On the corpus, pages and index took 7 s and 11 s one after the other, and a full build 19-21 s instead
            of 24-25 s (compare_hugo.py, the same machine at the same time). The index's memory then adds to the
            render's, about 2 MiB per million characters of text (40 MiB on the corpus): on a larger site, the
            index is made after the pages (`finish`)."""
            records = search_records(library, body_texts, text_digests)
            # The records are made from the content's records and the documents' bodies on the as-of date:
            # digesting those, not the records (a third of a second), tells the same.
            wanted = digest(library_digest(fingerprint((state.version, as_of)), state.files)
                            + b"".join(self._texts.of(doc.body) for doc in library.documents.values()))
            indexing.append(IndexStage(staging, state.index if known else {}, records, wanted, defer_index,
                                       self._index_cache, ahead and ahead.workers, ahead and ahead.tokens))
            if beside:
                indexing[0].start()
        try:
            with clock("渲染"):
                reuse = Reuse(state.bodies, state.templates, self._texts, pages.kept, pages.catalogue_kept)
                rendered = render_site(library, settings, staging.path, problems, explicit_index, reuse,
                                       self.display.bar, assets, index_stage, ahead.body if ahead else None)
                if rendered is None or problems.errors:
                    raise ContentError(problems)
                pages.add_rendered()
                extras = _add_extras(staging, rendered.extras)
            if self.once:
                self._forget(state, library)
            with clock("索引"):
                stage = indexing[0]
                index, how = stage.finish()  # made now, if not beside the pages
                if ahead is not None:
                    ahead.close()
            with clock("写入"):
                files = staging.finish()
                publish(staging.path, output, keep_old=spare)
        except BaseException:
            for stage in indexing:
                stage.stop()
            if ahead is not None:
                ahead.close(cancel=True)
            discard(staging.path)
            state.spare = {}
            if self._indexes is not None:
                self._indexes.discard()
            raise
        with clock("写入"):
            state.bodies.finish()
            state.spare = {**state.pages, **state.index} if spare is not None else {}
            state.output = str(output.resolve())
            state.pages, state.index, state.extras = (
                {name: files[name] for name in group} for group in (pages.fingerprints, index, extras))
            state.views = pages.views()
            # The site before, kept for the next build to recycle, keeps its old index: a build that makes a new one
            # (after a body edit) would replace it anyway, and giving it this one now cost this build 0.4-0.7 s on
            # the corpus. A build that keeps the index links its files then (serve's rebuilds of pages do, and get
            # the new index by _publish_index's catch-up).
            if how == "deferred":
                self._deferred = _IndexJob(self._generation, output, stage.records, stage.wanted)
            else:
                self._deferred, self._index_generation = None, self._generation
            # A build whose index follows (serve's) leaves the state to be saved with that index (_publish_index):
            # saving it here too took 0.1-0.2 s of each save's way to the page on the corpus. Should the index never
            # follow, the cache folder keeps the state before, which the next build checks against the site anyway.
            if self.cache_dir is not None and how != "deferred":
                save_state(self.cache_dir, state)
            if self._indexes is not None:
                self._indexes.commit()
        stats = BuildStats(clock.seconds(), checked.stats.files, checked.stats.files_parsed, len(state.bodies.used),
                           state.bodies.rendered, pages.rendered(), how)
        return BuildResult(output, library, pages.count(), stats)

    def _forget(self, state: State, library: Library) -> None:
        """Let go of the documents' bodies, and with no cache folder to save them to, of the rendered bodies:
        once the pages are written, nothing of the build reads them, and the index stage, which runs its
        processes beside the build, would hold them all (2.6 GB at 100,000 documents). The library keeps its
        documents without their bodies. On a site small enough for the index to be made beside the pages
        (BESIDE_CHARS), the index is under way then; it reads only its records."""
        state.unchanged = {}
        self._texts.clear()
        for key, doc in library.documents.items():
            library.documents[key] = dataclasses.replace(doc, body="")
        if self.cache_dir is None:
            state.bodies.forget()

    def _spare(self, output: Path) -> Path | None:
        """Where the site before is kept for the next build to recycle: in the cache folder, when that is
        on the site's file system (moving a folder elsewhere would copy it)."""
        if self.cache_dir is None:
            return None
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            if os.stat(self.cache_dir).st_dev != os.stat(output.parent).st_dev:
                return None
        except OSError:
            return None
        return self.cache_dir / PREVIOUS_SITE

    def _index_cache(self) -> IndexCache | None:
        """What index builds keep for the next, in the cache folder (made on first use, under the lock)."""
        if self.cache_dir is not None and self._indexes is None:
            from .search.reuse import IndexCache  # with numpy: only for a build whose index is made

            self._indexes = IndexCache(self.cache_dir / _INDEX_CACHE, code_version())
        return self._indexes

    @property
    def index_deferred(self) -> bool:
        """A build left its index for follow_index."""
        return self._deferred is not None

    def follow_index(self) -> bool:
        """Build the index a build deferred and put it in place with the pages of the latest build.
        True when a newer build deferred another index meanwhile (call again)."""
        with self._lock:
            job, indexes = self._deferred, self._index_cache()
        if job is None:
            return False
        with index_scratch(job.output) as scratch:
            try:
                run_index(scratch, job.records, indexes)
            except BaseException:
                if indexes is not None:
                    indexes.discard()
                raise
            if indexes is not None:
                indexes.commit()  # made for this site's content, whether or not it is published below
            with self._lock:
                state = self._state
                # A later build may have built a newer index itself, or written the site elsewhere.
                if state is not None and job.generation > self._index_generation and state.written_to(job.output):
                    self._swap_index(state, job, scratch)
                if self._deferred is job:
                    self._deferred = None
                return self._deferred is not None

    def _swap_index(self, state: State, job: _IndexJob, scratch: Path) -> None:
        with publishing(job.output):
            self._publish_index(state, job, scratch)

    def _publish_index(self, state: State, job: _IndexJob, scratch: Path) -> None:
        spare = self._spare(job.output)
        staging = Staging(job.output, state.live(), spare, state.spare)
        try:
            if not all(staging.keep(name, w.fingerprint) for name, w in {**state.pages, **state.extras}.items()):
                raise _SiteChanged  # a file of the site was changed by hand: the next build repairs it
            index = add_index(staging, scratch, job.fingerprint)
            files = staging.finish()
            publish(staging.path, job.output, keep_old=spare)
        except BaseException as exc:
            discard(staging.path)
            state.spare = {}
            if isinstance(exc, _SiteChanged):
                return
            raise
        state.spare = {**state.pages, **state.index} if spare is not None else {}
        state.pages, state.index, state.extras = (
            {name: files[name] for name in group} for group in (state.pages, index, state.extras))
        self._index_generation = job.generation
        if spare is not None:
            self._catch_up(state, job.output, spare)
        if self.cache_dir is not None:
            save_state(self.cache_dir, state)

    def prepare_recycling(self, output: Path) -> None:
        """Keep a copy of the site in `output` (hard links) for the next build to recycle, if none is kept:
        a build into a new folder leaves none, and the build after it would link every file of the site
        itself (0.6 s on 3,366 documents). serve calls this while it waits for the first save."""
        with self._lock:
            state = self._state
            spare = self._spare(output)
            if state is None or state.spare or spare is None or not state.written_to(output):
                return
            with publishing(output):
                discard(spare)  # a folder left by a run that did not record it
                files = self._fill_spare(Staging(output, state.live()), {**state.pages, **state.index}, spare)
                if files is None:  # the next build only does more work
                    return
                state.spare = files
                if self.cache_dir is not None:  # as a build would: the next `gongbao build` recycles it too
                    save_state(self.cache_dir, state)

    @staticmethod
    def _catch_up(state: State, output: Path, spare: Path) -> None:
        """Give the site before (kept for the next build to recycle) the live site's new index now, after
        the swap: otherwise serve's next rebuild of pages, which keeps the index and which an editor waits for,
        would link every file of it."""
        # Its pages only: the old index's files (named after their content) would never be claimed,
        # and the next build, which an editor waits for, would unlink them all.
        wanted = {**{name: w for name, w in state.spare.items() if name in state.pages}, **state.index}
        # the site is in place already; without a site to recycle, the next build links all
        state.spare = Builder._fill_spare(Staging(output, state.live(), spare, state.spare), wanted, spare) or {}

    @staticmethod
    def _fill_spare(staging: Staging, wanted: dict[str, Written], spare: Path) -> dict[str, Written] | None:
        """`staging` given the `wanted` files (linked from the live site, or recycled) and moved to `spare`, the
        copy the next build recycles: its files, or None if the disk refused (nothing is left behind then)."""
        try:
            for name, written in wanted.items():
                staging.keep(name, written.fingerprint)
            files = staging.finish()
            os.rename(staging.path, spare)
        except OSError:
            discard(staging.path)
            return None
        return files


class _SiteChanged(Exception):
    pass


class _Pages:
    """The page files of one build, and the catalogue, each kept from an earlier build when its fingerprint
    is unchanged."""

    def __init__(self, site: bytes, staging: Staging, texts: TextDigests, library: bytes, state: State,
                 fingerprinted: bool = True):
        self.site = site
        self.fingerprinted = fingerprinted
        self.staging = staging
        self.texts = texts
        # Its own digests of long strings, not `texts`, which outlives the build: it holds every string it digests.
        self.digests = _view_digests()
        self.library = library
        # A view made from the same records and the same body as the last build's is the same view.
        self.before = state.views.bodies if state.views.library == library else {}
        self.written = state.pages
        self.fingerprints: dict[str, bytes] = {}
        self.bodies: dict[str, bytes] = {}
        self.fresh: list[str] = []
        """The pages (and the catalogue) render_site writes."""

    def kept(self, page: Page) -> bool:
        name = urls.page_file(page.url)
        if not self.fingerprinted:
            return self._kept(name, b"")
        self.bodies[name] = body = self.texts.of(page.own_body)
        written = self.written.get(name)
        if written is not None and self.before.get(name) == body:
            wanted = written.fingerprint
        else:
            wanted = self.digests.of((self.site, page.url, page.view, page.modified))
        return self._kept(name, wanted)

    def _kept(self, name: str, wanted: bytes) -> bool:
        self.fingerprints[name] = wanted
        if self.staging.keep(name, wanted):
            return True
        self.fresh.append(name)
        return False

    def catalogue_kept(self) -> bool:
        """The catalogue shows the library's records, nothing else (not even bodies)."""
        return self._kept(urls.CATALOGUE, self.library)

    def add_rendered(self) -> None:
        for name in self.fresh:
            self.staging.add(name, self.fingerprints[name])
        self.digests = _view_digests()  # it holds every part of a view it digested: not through the index

    def count(self) -> int:
        """How many pages (the catalogue aside) the site has."""
        return sum(name != urls.CATALOGUE for name in self.fingerprints)

    def rendered(self) -> int:
        """How many pages (the catalogue aside) render_site wrote."""
        return sum(name != urls.CATALOGUE for name in self.fresh)

    def views(self) -> Views:
        return Views(self.library, self.bodies)


def _view_digests() -> Fingerprints:
    """For the pages' views: the parts of a document's own page are met once each, and kept they would be
    every document's view at once (the render stage's peak)."""
    return Fingerprints(single=(DocumentPage, DocumentView, Edition, Relation))


def _add_extras(staging: Staging, names: Sequence[str]) -> list[str]:
    """Record the files other than pages that render_site wrote (assets, discovery files, PDFs)."""
    for name in names:
        staging.add(name, digest((staging.path / name).read_bytes()))
    return list(names)


def _templates_digest(settings: Settings) -> bytes:
    """Of every file templates can read: the project's and the theme's (assets too, a template may include one)."""
    h = hashlib.sha1()
    for folder in dict.fromkeys((settings.templates_path, DEFAULT_TEMPLATES)):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(f"{folder}\0{path.relative_to(folder).as_posix()}\0".encode() + path.read_bytes())
    return h.digest()


class _Clock:
    """Times the stages of one build and tells the display when each begins."""

    def __init__(self, display: Display):
        self.display = display
        self.times: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        if stage not in self.times:
            self.display.stage(stage)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.times[stage] = self.times.get(stage, 0.0) + time.perf_counter() - start

    def seconds(self) -> tuple[tuple[str, float], ...]:
        return tuple((stage, self.times[stage]) for stage in STAGES if stage in self.times)
