"""Live reload: the current build generation and its problems, page tokens, and the injected client tag."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..render import ASSETS_DIR

#: URLs under /__gongbao/ belong to the preview server; no built page can live there (slugs are
#: lowercase letters, digits and hyphens).
PREFIX = "__gongbao"
EVENTS = "events"
#: The client, shipped inside the package: it is served to the preview only and is never part of
#: the theme, so `build` and `bundle` cannot carry it.
CLIENT = Path(__file__).with_name("live.js")
#: How often an idle event stream sends a comment, so that a closed tab frees its thread.
KEEPALIVE = 15.0


@dataclass(frozen=True, slots=True)
class Generation:
    """One build as the open pages learn of it."""

    number: int
    problems: tuple[str, ...] = ()
    """When the build failed: every problem as the terminal prints it. The site is then the last good one."""
    failure: str = ""
    """When the build failed: the terminal's summary (how many errors, site/ kept); empty after a good build."""

    def event(self) -> bytes:
        data = json.dumps({"generation": self.number, "problems": list(self.problems), "failure": self.failure},
                          ensure_ascii=False)
        return f"retry: 1000\ndata: {data}\n\n".encode()


class LiveState:
    """The generation the server holds, shared by the rebuild thread and every event stream."""

    __slots__ = ("_changed", "_current", "_assets", "_output", "_closed")

    def __init__(self, output: Path):
        self._changed = threading.Condition()
        self._current = Generation(0)
        self._output = output
        self._assets = self._assets_digest()
        self._closed = False

    def publish(self, problems: tuple[str, ...], failure: str) -> None:
        """A rebuild finished: without a failure the site was replaced, otherwise it was kept."""
        assets = self._assets_digest() if not failure else self._assets
        with self._changed:
            self._assets = assets
            self._current = Generation(self._current.number + 1, problems, failure)
            self._changed.notify_all()

    def wait_newer(self, seen: int, timeout: float = KEEPALIVE) -> Generation | None:
        """The current generation once it is newer than `seen` or `timeout` passed; None once closed."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._current.number != seen, timeout)
            return None if self._closed else self._current

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def page_token(self, html: bytes, folder: Path) -> str:
        """What an open page compares to decide whether it must reload: its own bytes, the site's
        stylesheets and scripts, and the data files beside it (search/ holds the index the search
        page reads, rewritten by every build). A change to one document reloads only its pages."""
        digest = hashlib.sha1(html + self._assets)
        try:
            for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
                if entry.is_file() and not entry.name.endswith(".html"):
                    stat = entry.stat()
                    digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        except OSError:  # the build is swapping site/ under this request: the next check settles it
            pass
        return digest.hexdigest()[:16]

    def inject(self, html: bytes, token: str) -> bytes:
        """The page with the client's tag before its last </body> (or at its end)."""
        tag = f'<script src="/{PREFIX}/{CLIENT.name}" data-page="{token}"></script>'.encode()
        at = html.lower().rfind(b"</body>")
        return html + tag if at < 0 else html[:at] + tag + html[at:]

    def _assets_digest(self) -> bytes:
        digest = hashlib.sha1()
        assets = self._output / ASSETS_DIR
        for path in sorted(assets.rglob("*")) if assets.is_dir() else ():
            if path.is_file():
                digest.update(path.relative_to(assets).as_posix().encode() + b"\0" + path.read_bytes())
        return digest.digest()
