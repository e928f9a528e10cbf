"""Cache: what one build keeps for the next (files read, bodies rendered, files written), and its folder."""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from . import slugs
from .digests import TextDigests, digest
from .kept import Written, file_stat, read_kept, write_kept
from .load import FileJob, Loaded, content_files, load_content, load_file, load_files
from .markdown import BodyCache, BodyKey, CachedBody
from .model import Content, Document, Gazette
from .problems import Problems

if TYPE_CHECKING:
    import concurrent.futures

    from .search.parallel import Workers

#: The project's cache folder for `gongbao build`; deleting it only makes the next build a full one.
CACHE_DIR = ".gongbao-cache"
#: What loading content gave (small: `check` reads it), and the rest (rendered bodies, files written).
_SOURCES_FILE = "sources.pickle"
_BUILD_FILE = "build.pickle"
#: Rendered bodies, in shards by their text's digest: an edit rewrites one shard, not all of them.
_BODIES_DIR = "bodies"
_BODY_SHARDS = 64
#: The site before the last build, in the cache folder: the next build recycles it (see write.Staging).
PREVIOUS_SITE = "previous-site"


def code_version() -> str:
    """gongbao's version and a digest of its own code: a cache is never trusted by another gongbao,
    not even by a development copy edited since."""
    package = Path(__file__).parent
    h = hashlib.sha1()
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{metadata.version('gongbao')}+{h.hexdigest()}"


@dataclass(frozen=True, slots=True)
class Unchanged:
    """A document file as a build read it: while its stat is the same, its bytes are, and it is not read again."""

    stat: tuple[int, int, int]
    """Size, modification time and inode when it was read."""
    loaded: Loaded
    record: Document | Gazette | None
    """With its body."""

    @staticmethod
    def of(stat: tuple[int, int, int] | None, read_at: int, loaded: Loaded,
           record: Document | Gazette | None) -> Unchanged | None:
        """`stat` taken before the file was read, so that a save meanwhile changes it; None when the file was
        modified too shortly before (`read_at`, in the clock of file times): a second save within the file
        system's time resolution could keep the same stat."""
        return Unchanged(stat, loaded, record) if stat is not None and stat[1] < read_at - _SETTLED_NS else None


#: How long before it was read a file must have been last modified for its stat to stand for its bytes
#: (Git's "racy" files; 2 s covers the coarsest file times in use, FAT's).
_SETTLED_NS = 2_000_000_000


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled by earlier builds: compiling is most of the work of a small site's build.
    Jinja names each by the template's name and a digest of its source, so an edited one is compiled again."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


@dataclass(frozen=True, slots=True)
class Views:
    """What the page views of a build were made from, for the next build to tell which of its views are
    the same without building them: a view shows the library's records (documents' bodies aside) and
    at most one body, its own document's."""

    library: bytes = b""
    """Of everything every view depends on but bodies: the site's fingerprint and each content file's record
    as pages show it (`Loaded.shown`)."""
    bodies: Mapping[str, bytes] = field(default_factory=dict)
    """Page file → the digest of the body it shows (`own_body`)."""


def library_digest(site: bytes, files: Mapping[str, Loaded]) -> bytes:
    """Views.library for the site with this fingerprint and these content files."""
    h = hashlib.sha1(site)
    for name, loaded in files.items():
        encoded = name.encode()
        h.update(b"%d:%s%s" % (len(encoded), encoded, loaded.shown))
    return h.digest()


@dataclass(slots=True)
class State:
    """Everything a build knows from the builds before it."""

    version: str
    root: str = ""
    """The folder problem paths are shown relative to: kept records and problems carry such paths."""
    files: dict[str, Loaded] = field(default_factory=dict)
    """Content file (its path under content/) → what loading it gave."""
    bodies: BodyCache = field(default_factory=BodyCache)
    output: str = ""
    """The site folder the files below were written to."""
    pages: dict[str, Written] = field(default_factory=dict)
    """Page file (relative to the site folder), and the catalogue → how it was made."""
    index: dict[str, Written] = field(default_factory=dict)
    """The search index's files; their fingerprint is the search records'."""
    extras: dict[str, Written] = field(default_factory=dict)
    """The other files (assets, sitemap, feed, PDFs), written anew by every build; their fingerprint is their bytes'."""
    spare: dict[str, Written] = field(default_factory=dict)
    """The pages and index files of the site before, kept in the cache folder for the next build to recycle."""
    body_shards: dict[int, int] = field(default_factory=dict)
    """The shards of rendered bodies saved with this state, each with its checksum (any other file is stale)."""
    templates: CompiledTemplates = field(default_factory=CompiledTemplates)
    views: Views = field(default_factory=Views)
    """What the last build's page views were made from."""
    unchanged: dict[str, Unchanged] = field(default_factory=dict)
    """Document file → its record as last loaded, in memory only (a process that builds again and again)."""
    saved: tuple[dict[str, Loaded], int] = ({}, 0)
    """The files and the number of initials the cache folder holds (as read or last written), in memory only:
    when a build loaded the same, they are not written again."""

    def live(self) -> dict[str, Written]:
        """Every file of the site the last build wrote."""
        return {**self.pages, **self.index, **self.extras}

    def written_to(self, output: Path) -> bool:
        """Whether the files recorded here are in `output` (the site may have been built elsewhere since)."""
        return self.output == str(output.resolve())


def load_state(folder: Path | None, version: str, sources_only: bool = False) -> State:
    """The state saved in `folder` (with `sources_only`, only what loading content needs), or a new one
    for whatever part is missing or can't be trusted."""
    state = read_kept(folder / _BUILD_FILE, version) if folder and not sources_only else None
    state = state if isinstance(state, State) else State(version)
    for shard, written in state.body_shards.items():
        entries = read_kept(folder / _BODIES_DIR / f"{shard:02x}.pickle", version, written) if folder else None
        if isinstance(entries, dict):
            state.bodies.entries.update(entries)
    sources = read_kept(folder / _SOURCES_FILE, version) if folder else None
    if isinstance(sources, tuple) and len(sources) == 3:
        state.root, state.files, initials = sources
        slugs.KNOWN_INITIALS.update(initials)
        state.saved = (state.files, len(initials))
    return state


def saved_state_bytes(folder: Path) -> int:
    """The size of the state a build saved in `folder` (0: none; load_state may still find it stale): it grows with
    the site (1.4 MB for the 3,366-document corpus, 0.2 MB for the bundled gazette)."""
    try:
        return (folder / _BUILD_FILE).stat().st_size
    except OSError:
        return 0


def save_state(folder: Path, state: State) -> None:
    """Write the state for the next build: what loading content gave and the initials of names (`check` reads
    only that), the bodies in shards, of which only those that changed are written again, and the rest."""
    files, initials = state.saved
    if len(slugs.KNOWN_INITIALS) != initials or files.keys() != state.files.keys() or any(
            loaded is not files[name] for name, loaded in state.files.items()):
        sources = (state.root, state.files, slugs.KNOWN_INITIALS)
        if write_kept(folder / _SOURCES_FILE, state.version, sources) is not None:
            state.saved = (state.files, len(slugs.KNOWN_INITIALS))
    bodies = state.bodies
    shards: dict[int, dict[BodyKey, CachedBody]] = {}
    for key, entry in bodies.entries.items():
        shards.setdefault(_shard(key), {})[key] = entry
    changed = {_shard(key) for key in bodies.changed} | (state.body_shards.keys() ^ shards.keys())
    for shard in changed:
        written = write_kept(folder / _BODIES_DIR / f"{shard:02x}.pickle", state.version, shards.get(shard, {}))
        if written is None:  # the shard on disk is not what this state holds: a later build must not read it
            state.body_shards.pop(shard, None)
        else:
            state.body_shards[shard] = written
    bodies.changed = set()
    kept = BodyCache()
    kept.citations = bodies.citations
    write_kept(folder / _BUILD_FILE, state.version,
           replace(state, root="", files={}, bodies=kept, unchanged={}, saved=({}, 0)))


def _shard(key: BodyKey) -> int:
    return key[0][0] % _BODY_SHARDS


def load_content_cached(content_dir: Path, site_title: str, problems: Problems, state: State,
                        texts: TextDigests | None = None) -> Content:
    """load_content, parsing again only the files whose bytes changed since the state's build; `texts` is given the
    digests of the documents' bodies (Loaded.body_digest)."""
    if not content_dir.is_dir():
        return load_content(content_dir, site_title, problems)
    root = str(problems.root)
    if state.root != root:
        state.root, state.files, state.unchanged = root, {}, {}
    gazette_files, document_files = content_files(content_dir)
    # An issue's record also depends on whether the PDF it names is beside it (E070).
    beside = "\0".join(sorted({p.name for d in {f.parent for f in gazette_files} for p in d.glob("*.pdf")}))
    read_at = time.time_ns()
    named = _names_under(content_dir)
    # Each file's name and what loading it gave, in order, with its stat when it is known unchanged by it: the files
    # to parse again are parsed in chunks as they are read, on more than one core when they are many (see _Parsing),
    # and their results put in their places at the end.
    loads: list[tuple[str, Loaded | None, Document | Gazette | None, Unchanged | None]] = []
    jobs: list[tuple[int, tuple[int, int, int] | None, bool]] = []  # (where, stat, whether it has a key)
    with _Parsing(problems.root) as parsing:
        for path, gazette_title in [(p, site_title) for p in gazette_files] + [(p, None) for p in document_files]:
            name = named(path)  # the same however the project folder was named
            # An issue's record depends on more than its bytes (the key below): only documents are skipped.
            seen = _stat_or_none(path) if gazette_title is None else None
            if seen is not None and (same := state.unchanged.get(name)) is not None and same.stat == seen:
                loads.append((name, same.loaded, same.record, same))
                continue
            try:
                # Not a pipe or a device, which reading would wait on forever.
                data = path.read_bytes() if path.is_file() else None
            except OSError:
                data = None
            if data is None:  # the loader reports it; a key no digest equals, so it is loaded every time
                data, key = b"", b""
            else:
                key = digest(data if gazette_title is None
                             else b"\0".join((data, gazette_title.encode(), beside.encode())))
            loaded = state.files.get(name)
            if loaded is None or loaded.digest != key:
                parsing.add(FileJob(path, key, data, gazette_title))
                jobs.append((len(loads), seen, bool(key)))
                loads.append((name, None, None, None))  # (until parsed)
                continue
            record = loaded.restore(data.decode("utf-8-sig", errors="replace"))
            loads.append((name, loaded, record, Unchanged.of(seen, read_at, loaded, record) if key else None))
        for (n, seen, keyed), (loaded, record) in zip(jobs, parsing.results(), strict=True):
            loads[n] = (loads[n][0], loaded, record, Unchanged.of(seen, read_at, loaded, record) if keyed else None)
    files: dict[str, Loaded] = {}
    unchanged: dict[str, Unchanged] = {}
    records: list[Document | Gazette] = []
    for name, loaded, record, same in loads:
        assert loaded is not None
        files[name] = loaded
        if same is not None:
            unchanged[name] = same
        problems.items.extend(loaded.problems)
        if record is not None:
            records.append(record)
            if texts is not None and loaded.body_digest and isinstance(record, Document):
                texts.seed(record.body, loaded.body_digest)
    state.files, state.unchanged = files, unchanged
    return Content(tuple(r for r in records if isinstance(r, Document)),
                   tuple(r for r in records if isinstance(r, Gazette)))


#: Fewer files than this are parsed on the build's process only: another process costs about a third of a CPU second
#: to start (Python and the loader's imports), about as much as parsing 400 files of the corpus.
LOAD_APART = 400
#: Files parsed in one job of another process.
_LOAD_CHUNK = 32

_Result = tuple[Loaded, Document | Gazette | None]


class _Parsing:
    """The content files to parse, given as they are read (`add`) and parsed a chunk at a time as they come: by the
    build's process, or, once they are many (LOAD_APART) on a machine with more than one core, by another process
    whenever it has fewer than two chunks to do. A full build of the corpus parsed its 3,366 files in 2.5-2.8 s on
    one core while the other waited. Only the chunks being parsed hold their files' bytes (at 100,000 documents,
    all of them would be 1.7 GB). The other processes end with the `with` block."""

    def __init__(self, root: Path | None):
        self.root = root
        self.cores = os.cpu_count() or 1
        self.others: Workers | None = None
        self.chunk: list[FileJob] = []
        self.chunks = 0
        self.done: dict[int, list[_Result]] = {}
        self.sent: deque[tuple[int, list[FileJob], concurrent.futures.Future[tuple[list[_Result], dict[str, str]]]]] \
            = deque()

    def __enter__(self) -> _Parsing:
        return self

    def __exit__(self, *_: object) -> None:
        if self.others is not None:
            self.others.close(cancel=True)

    def add(self, job: FileJob) -> None:
        if self.chunks * _LOAD_CHUNK + len(self.chunk) + 1 == LOAD_APART and self.cores > 1:
            from .search.parallel import Workers  # (standard library only, but 30 ms of imports)

            self.others = Workers(min(self.cores - 1, 3))
            for _ in range(self.others.count):
                self.others.submit(load_files, [], self.root)  # their imports, while the build reads on
        self.chunk.append(job)
        if len(self.chunk) == _LOAD_CHUNK:
            self._parse()

    def _parse(self) -> None:
        """Parse the chunk given, here or on another process."""
        n, chunk = self.chunks, self.chunk
        self.chunks, self.chunk = n + 1, []
        while self.sent and self.sent[0][2].done():
            n_sent, _, future = self.sent.popleft()
            self._take(n_sent, future)
        if self.others is not None and len(self.sent) < 2 * self.others.count:
            self.sent.append((n, chunk, self.others.submit(load_files, chunk, self.root)))
        else:
            self.done[n] = [load_file(job, self.root) for job in chunk]

    def results(self) -> Iterator[_Result]:
        """load_file of each job, in order."""
        if self.chunk:
            self._parse()
        for n, chunk, future in self.sent:
            if future.cancel():  # not begun: parsed here rather than waited for
                self.done[n] = [load_file(job, self.root) for job in chunk]
        while self.sent:
            n, _, future = self.sent.popleft()
            if n not in self.done:
                self._take(n, future)
        for n in range(self.chunks):
            yield from self.done.pop(n)

    def _take(self, n: int, future: concurrent.futures.Future[tuple[list[_Result], dict[str, str]]]) -> None:
        self.done[n], initials = future.result()
        slugs.KNOWN_INITIALS.update(initials)


def _names_under(folder: Path) -> Callable[[Path], str]:
    """A path under `folder` as the path from it, in "/" form: Path.relative_to took 0.05 s of every build."""
    prefix = os.path.join(str(folder), "")

    def name(path: Path) -> str:
        text = str(path)
        if not text.startswith(prefix):
            return path.relative_to(folder).as_posix()
        return text[len(prefix):] if os.sep == "/" else text[len(prefix):].replace(os.sep, "/")
    return name


def _stat_or_none(path: Path) -> tuple[int, int, int] | None:
    try:
        return file_stat(path)
    except OSError:
        return None
