"""Cache: what one build keeps for the next (files read, bodies rendered, files written), and its folder."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

import jinja2

from .load import content_files, load_content, load_document, load_gazette
from .markdown import BodyCache
from .model import Content, Document, Gazette
from .problems import Problem, Problems

#: The project's cache folder for `gongbao build`; deleting it only makes the next build a full one.
CACHE_DIR = ".gongbao-cache"
#: What loading content gave (small: `check` reads it), and the rest (rendered bodies, files written).
_SOURCES_FILE = "sources.pickle"
_BUILD_FILE = "build.pickle"
#: The site before the last build, in the cache folder: the next build recycles it (see write.Staging).
PREVIOUS_SITE = "previous-site"
_MAGIC = b"gongbao-cache 1\n"
_DIGEST_SIZE = 16


def digest(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, digest_size=_DIGEST_SIZE).digest()


def fingerprint(value: object) -> bytes:
    """A digest of a value that is the same for equal values, however they were built.

    Pickle without its memo: with it, a string met twice is written once, so two equal views would
    pickle differently depending on which of their strings happen to be the same object.
    """
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return digest(out.getbuffer())


def code_version() -> str:
    """gongbao's version and a digest of its own code: a cache is never trusted by another gongbao,
    not even by a development copy edited since."""
    package = Path(__file__).parent
    h = hashlib.blake2b(digest_size=_DIGEST_SIZE)
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{metadata.version('gongbao')}+{h.hexdigest()}"


@dataclass(frozen=True, slots=True)
class Loaded:
    """What loading one content file gave: the record (None if it had errors) and its problems."""

    digest: bytes
    """Of the file's bytes and of anything else the record depends on (an issue's default title)."""
    record: Document | Gazette | None
    """Kept without its body when the body is the end of the file (see `body_chars`)."""
    body_chars: int | None
    """The body's length when it is the file's last characters: it is read from the file then, so the
    cache holds no second copy of the content."""
    problems: tuple[Problem, ...]

    def restore(self, text: str) -> Document | Gazette | None:
        """The record, given the file's text (the same text it was loaded from)."""
        if self.record is None or self.body_chars is None:
            return self.record
        return replace(self.record, body=text[len(text) - self.body_chars:])


@dataclass(frozen=True, slots=True)
class Written:
    """A file a build put in the site."""

    fingerprint: bytes
    """Of everything its bytes were made from: the same fingerprint, the same bytes."""
    stat: tuple[int, int, int]
    """Size, modification time and inode: the file is still the one written as long as they are unchanged."""

    @staticmethod
    def of(fingerprint: bytes, path: Path) -> Written:
        return Written(fingerprint, _stat(path))

    def intact(self, path: Path) -> bool:
        try:
            return _stat(path) == self.stat
        except OSError:
            return False


def _stat(path: Path) -> tuple[int, int, int]:
    s = os.stat(path)
    return s.st_size, s.st_mtime_ns, s.st_ino


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


@dataclass(slots=True)
class State:
    """Everything a build knows from the builds before it."""

    version: str
    root: str = ""
    """The folder problem paths are shown relative to: kept records and problems carry such paths."""
    files: dict[str, Loaded] = field(default_factory=dict)
    """Content file path → what loading it gave."""
    bodies: BodyCache = field(default_factory=BodyCache)
    output: str = ""
    """The site folder the files below were written to."""
    pages: dict[str, Written] = field(default_factory=dict)
    """Page file (relative to the site folder) → how it was made."""
    index: dict[str, Written] = field(default_factory=dict)
    """The search index's files; their fingerprint is the search records'."""
    extras: dict[str, Written] = field(default_factory=dict)
    """The other files (catalogue, assets), written anew by every build; their fingerprint is their bytes'."""
    spare: dict[str, Written] = field(default_factory=dict)
    """The pages and index files of the site before, kept in the cache folder for the next build to recycle."""
    templates: CompiledTemplates = field(default_factory=CompiledTemplates)

    def live(self) -> dict[str, Written]:
        """Every file of the site the last build wrote."""
        return {**self.pages, **self.index, **self.extras}

    def written_to(self, output: Path) -> bool:
        """Whether the files recorded here are in `output` (the site may have been built elsewhere since)."""
        return self.output == str(output.resolve())


def load_state(folder: Path | None, version: str, sources_only: bool = False) -> State:
    """The state saved in `folder` (with `sources_only`, only what loading content needs), or a new one
    for whatever part is missing or can't be trusted."""
    state = _read(folder / _BUILD_FILE, version) if folder and not sources_only else None
    state = state if isinstance(state, State) else State(version)
    sources = _read(folder / _SOURCES_FILE, version) if folder else None
    if isinstance(sources, tuple) and len(sources) == 2:
        state.root, state.files = sources
    return state


def save_state(folder: Path, state: State, sources_only: bool = False) -> None:
    """Write the state for the next build (in two files: `check` reads only the small one)."""
    _write(folder / _SOURCES_FILE, state.version, (state.root, state.files))
    if not sources_only:
        _write(folder / _BUILD_FILE, state.version, replace(state, root="", files={}))


def _read(path: Path, version: str) -> object | None:
    """What `_write` wrote with this version, or None if it is absent, damaged or from another gongbao."""
    try:
        data = path.read_bytes()
        head = _MAGIC + version.encode() + b"\n"
        payload = memoryview(data)[len(head) + _DIGEST_SIZE:]
        if not data.startswith(head) or data[len(head):len(head) + _DIGEST_SIZE] != digest(payload):
            return None
        return pickle.loads(payload)
    except Exception:  # unreadable, truncated, or classes this gongbao does not have: start afresh
        return None


def _write(path: Path, version: str, value: object) -> None:
    """Whole or not at all; a cache that can't be written is no error, the next build is just a full one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        partial = path.with_suffix(".part")
        with partial.open("wb") as f:
            f.write(_MAGIC + version.encode() + b"\n" + digest(payload))
            f.write(payload)
        os.replace(partial, path)
    except OSError:
        pass


def load_content_cached(content_dir: Path, site_title: str, problems: Problems, state: State) -> Content:
    """load_content, parsing again only the files whose bytes changed since the state's build."""
    if not content_dir.is_dir():
        return load_content(content_dir, site_title, problems)
    root = str(problems.root)
    if state.root != root:
        state.root, state.files = root, {}
    gazette_files, document_files = content_files(content_dir)
    files: dict[str, Loaded] = {}
    records: list[Document | Gazette] = []
    for path, gazette_title in [(p, site_title) for p in gazette_files] + [(p, None) for p in document_files]:
        try:
            data = path.read_bytes()
        except OSError:  # the loader reports it
            data = b""
        key = digest(data if gazette_title is None else data + b"\0" + gazette_title.encode())
        text = data.decode("utf-8-sig", errors="replace")
        loaded = state.files.get(str(path))
        if loaded is None or loaded.digest != key:
            loaded, record = _load(path, key, text, problems, gazette_title)
        else:
            record = loaded.restore(text)
        files[str(path)] = loaded
        problems.items.extend(loaded.problems)
        if record is not None:
            records.append(record)
    state.files = files
    return Content(tuple(r for r in records if isinstance(r, Document)),
                   tuple(r for r in records if isinstance(r, Gazette)))


def _load(path: Path, key: bytes, text: str, problems: Problems,
          gazette_title: str | None) -> tuple[Loaded, Document | Gazette | None]:
    own = Problems(root=problems.root)
    record = load_document(path, own) if gazette_title is None else load_gazette(path, gazette_title, own)
    if record is None or not text.endswith(record.body):
        return Loaded(key, record, None, tuple(own.items)), record
    return Loaded(key, replace(record, body=""), len(record.body), tuple(own.items)), record
