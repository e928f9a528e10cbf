"""Write: a build goes into a folder beside the output, which replaces the old site in one atomic step."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from .cache import Written
from .output import STAMP, STAMP_TEXT, disk_fault, held, locked, recover


@contextmanager
def publishing(output: Path) -> Iterator[None]:
    """Where a build is staged and published (`Staging`, `publish`): under the lock of the output's folder,
    after cleaning up what killed builds left there. Whatever happens, the old site stays whole until the
    new one replaces it in one step. An error of the disk (permissions, a read-only or full file system)
    is raised as OutputFault."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with locked(output.parent):
            recover(output)
            yield
    except OSError as exc:
        raise disk_fault(exc, output.parent) from exc


def staging_dir(output: Path) -> Path:
    """A fresh folder beside `output`, on the same file system so that the final swap is atomic, and named
    so that recover() removes it should the build be killed."""
    return Path(tempfile.mkdtemp(prefix=f".{output.name}-build-", dir=output.parent))


@contextmanager
def index_scratch(output: Path) -> Iterator[Path]:
    """A folder beside `output` for a search index built outside its lock while rebuilds come and go
    (serve's): held while in use, so that their recover() leaves it alone, and removed after; one a
    stopped serve left is removed by the next build's recover()."""
    scratch = Path(tempfile.mkdtemp(prefix=f".{output.name}-index-", dir=output.parent))
    try:
        with held(scratch):
            yield scratch
    finally:
        discard(scratch)


def publish(staged: Path, output: Path, keep_old: Path | None = None) -> None:
    """Mark the staged site complete and put it in place of `output` (see replace_dir)."""
    stamp = staged / STAMP
    stamp.unlink(missing_ok=True)  # written anew, never through a link a recycled site may hold
    stamp.write_text(STAMP_TEXT, encoding="utf-8")  # last: the staged site is complete
    # mkdtemp makes 0700 folders; a published site must be readable by a web server.
    os.chmod(staged, 0o755)
    replace_dir(staged, output, keep_old)


def replace_dir(staged: Path, output: Path, keep_old: Path | None = None) -> None:
    """Put `staged` in place of `output`; then remove the old site, or move it to `keep_old` (replacing
    what was there) for the next build to recycle."""
    if not os.path.lexists(output):
        os.rename(staged, output)
    elif _exchange(staged, output):
        _retire(staged, keep_old)
    else:
        # Without an atomic swap there is a moment with no site: a build killed then leaves both
        # sites complete beside it, and the next build's recover() puts the newer one in place.
        aside = Path(tempfile.mkdtemp(prefix=f".{output.name}-build-", dir=output.parent))
        os.rename(output, aside)  # onto the empty folder, which it replaces
        try:
            os.rename(staged, output)
        except OSError:
            os.rename(aside, output)
            raise
        _retire(aside, keep_old)


def _retire(old: Path, keep_old: Path | None) -> None:
    if keep_old is None:
        discard(old)
        return
    discard(keep_old)
    try:
        os.rename(old, keep_old)
    except OSError:  # the next build only does more work
        discard(old)


def discard(staged: Path) -> None:
    """Remove a staging folder; its stamp goes first, so that a removal cut short never looks like a site."""
    (staged / STAMP).unlink(missing_ok=True)
    shutil.rmtree(staged, ignore_errors=True)


def files_under(folder: Path) -> list[str]:
    """Every file in `folder`, as paths relative to it (strings, not Paths: a site has thousands)."""
    out = []
    root = str(folder)
    for top, _, names in os.walk(root):
        prefix = top[len(root) + 1:].replace(os.sep, "/")
        out += [f"{prefix}/{name}" if prefix else name for name in names]
    return out


def link_files(source: Path, target: Path, names: Iterable[str]) -> set[str]:
    """Put the files `names` of `source` at the same places under `target`: by hard link, which writes
    no data and keeps each file the one a later build recognises, or by copy where links are refused
    (another file system). Returns the names that were copied."""
    made: set[Path] = set()
    copied = set()
    for name in names:
        dest = target / name
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        try:
            os.link(source / name, dest)
        except OSError:
            shutil.copy2(source / name, dest)
            copied.add(name)
    return copied


class Staging:
    """The folder a build is written into before it replaces the site, and the record of its files.

    It is a new empty folder, or the site before last (kept by `replace_dir`) recycled. Recycled, only
    what changed since that site is touched: filling a new folder would cost a link per file of the
    site, and removing the old site an unlink per file, far more than rendering the few pages that
    changed. A file is never rewritten in place, since it may be linked to a file of the live site:
    its name is unlinked first.
    """

    def __init__(self, output: Path, live: Mapping[str, Written], spare: Path | None = None,
                 spare_files: Mapping[str, Written] | None = None):
        """`live`: the files of the site now in `output`; `spare_files`: those of the site before, in `spare`."""
        self.output = output
        self.live = live
        self.path = staging_dir(output)
        self._here, self._there = f"{self.path}/", f"{output}/"  # the hot paths join strings, not Paths
        self.files: dict[str, Written] = {}
        """What this build has put in the folder."""
        self._left: dict[str, Written] = {}
        """Files of the recycled site this build has not claimed yet."""
        self._lent: set[str] = set()
        """Files of the recycled site lent to a stage (`lend`)."""
        if spare is not None and spare_files and _moved(spare, self.path):
            try:
                for name in files_under(self.path):
                    if name in spare_files:
                        self._left[name] = spare_files[name]
                    else:  # not written by a build (or always written anew, as the sitemap): it goes
                        os.unlink(self._here + name)
            except BaseException:
                discard(self.path)
                raise

    def keep(self, name: str, fingerprint: bytes) -> bool:
        """Put the file with this fingerprint at `name` if the recycled site or the live one has it.
        False: the caller writes it, and the place is clear."""
        left = self._left.pop(name, None)
        if left is not None:
            if left.fingerprint == fingerprint and left.intact(self._here + name):
                self.files[name] = left
                return True
            os.unlink(self._here + name)
        live = self.live.get(name)
        if live is None or live.fingerprint != fingerprint or not live.intact(self._there + name):
            return False
        copied = link_files(self.output, self.path, [name])
        self.files[name] = Written.of(fingerprint, self.path / name) if copied else live
        return True

    def add(self, name: str, fingerprint: bytes) -> None:
        """A file the caller has just written (or moved) into the folder."""
        self._left.pop(name, None)
        self._lent.discard(name)
        self.files[name] = Written.of(fingerprint, self.path / name)

    def drop(self, name: str) -> None:
        """Take back a file this build put in the folder."""
        del self.files[name]
        os.unlink(self.path / name)

    def lend(self, folder: str) -> list[str]:
        """The names of the recycled site's files in `folder` (relative to the site, ending with "/") that this
        build has not claimed, handed to a stage that may take their inodes for files of its own (a file it takes
        is renamed away, and must be one no other name holds: see search.recycle.Recycled). They are no longer this
        folder's: `finish` removes those still in their place. A file the live site holds under the same name, as its
        record says (the same inode), is not lent: a build that kept the index shares every one."""
        live = self.live
        lent = [name for name, left in self._left.items() if name.startswith(folder) and "/" not in name[len(folder):]
                and (name not in live or live[name].stat[2] != left.stat[2])]
        for name in lent:
            del self._left[name]
        self._lent.update(lent)
        return [name[len(folder):] for name in lent]

    def finish(self) -> dict[str, Written]:
        """Remove the recycled files no longer wanted (deleted pages, a replaced index); the record of the rest."""
        folders = set()
        for name in [*self._lent, *self._left]:
            try:
                os.unlink(self._here + name)
            except FileNotFoundError:
                if name not in self._lent:  # a lent file may have been taken; any other must be there
                    raise
            folders.update(Path(name).parents)
        self._lent = set()
        for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
            if folder.parts:
                try:
                    (self.path / folder).rmdir()
                except OSError:  # not empty: other files live there
                    pass
        self._left = {}
        return self.files


def _moved(source: Path, target: Path) -> bool:
    try:
        os.rename(source, target)
        return True
    except OSError:  # gone, or on another file system: start from an empty folder
        return False


def move_into(source: Path, target: Path) -> None:
    """Move everything in `source` into `target`, merging folders: one rename per entry, nothing copied."""
    for entry in os.scandir(source):
        dest = target / entry.name
        if entry.is_dir(follow_symlinks=False) and dest.is_dir():
            move_into(Path(entry.path), dest)
        else:
            os.replace(entry.path, dest)


_RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux's renameat2 with RENAME_EXCHANGE); False where the system or its
    file system cannot."""
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd = -100
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
