"""Preview HTTP server: site/ files by strict URL rules, the site's 404 page, and the live-reload endpoints."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, Literal
from urllib.parse import quote, unquote_to_bytes

from .live import CLIENT, EVENTS, PREFIX, LiveState

#: Every extension a built site holds, and the images, fonts and PDFs a project's own theme or
#: content may add, with explicit types: the system's mime.types differs between machines, and a
#: wrong type breaks a page (a module script sent as text/plain is refused).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".woff2": "font/woff2",
    # Our search files and Pagefind's are gzip bytes that the page's own script unpacks; sent
    # without Content-Encoding so that the browser hands them over untouched.
    ".gb": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pagefind": "application/octet-stream",
}
HTML = CONTENT_TYPES[".html"]

#: A '%' not followed by two hex digits, and an encoded '/' or '\\': both are refused rather than
#: guessed at, since a decoded separator would let one segment name a path outside the site.
_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})|%(2[fF]|5[cC])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

NOT_BUILT = "网站尚未生成：请运行 gongbao build"
#: Answered, with 503, for every page while there is no site/ (not built yet, or deleted while serving).
NOT_BUILT_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>网站尚未生成</title></head>
<body><h1>网站尚未生成</h1><p>请在项目文件夹中运行 <code>gongbao build</code>，生成后刷新本页。</p></body></html>
"""

#: A file whose name changes with its content: the site's assets under assets/<digest>/, and the search
#: files named by a digest (chars-<digest>/, meta.<digest>.gb, pagefind.<digest>.js) or by Pagefind's
#: hash (its index/ and fragment/ folders, pagefind.<language>_<hash>.pf_meta). A browser may keep them: a reload after a rebuild then
#: asks the server, busy with the next build or the index, for the page alone.
_CONTENT_NAMED = re.compile(r"assets/[0-9a-f]{10}/|search/(?:pagefind/(?:index/|fragment/|pagefind\.\w+_[0-9a-f]+\.pf_meta$)"
                            r"|(?:.*/)?[^/]*[.-][0-9a-f]{10}[./])")
IMMUTABLE = "public, max-age=31536000, immutable"

#: The build swaps site/ with two renames; a request that falls between them waits this long for
#: the new site to appear before it is answered 404.
SWAP_WAIT = 0.5


@dataclass(frozen=True, slots=True)
class Target:
    """A request path split into checked, decoded segments."""

    segments: tuple[str, ...]
    folder: bool
    """The URL ends in '/'."""


@dataclass(frozen=True, slots=True)
class Found:
    """An open file of the site."""

    file: BinaryIO
    path: Path
    content_type: str


#: What `locate` answers for a folder URL without its '/'.
REDIRECT: Final = "redirect"


def parse_target(raw: str) -> Target | None:
    """The path of a request target, or None when it is malformed or tries to leave the site."""
    path = raw.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or "\\" in path:
        return None
    encoded = path.encode("latin-1", "replace")
    if _BAD_PERCENT.search(encoded):
        return None
    try:
        decoded = unquote_to_bytes(encoded).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(decoded) or "\\" in decoded:
        return None
    segments = tuple(decoded.split("/")[1:])
    if any(s in (".", "..") for s in segments):
        return None
    return Target(tuple(s for s in segments if s), decoded.endswith("/"))


def locate(root: Path, target: Target) -> Found | Literal["redirect"] | None:
    """Open the file a target names: a folder's index.html, never a listing."""
    # ':' names a drive or a stream on Windows and is in no file a build writes.
    if any(":" in s for s in target.segments):
        return None
    path = root.joinpath(*target.segments)
    try:
        if path.is_dir():
            if not target.folder:
                return REDIRECT
            path = path / "index.html"
        elif target.folder:
            return None
        file = path.open("rb")
    except OSError:  # missing, a folder without index.html, a name too long, no permission
        return None
    return Found(file, path, CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream"))


class Handler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD for site files; anything else is 501 (BaseHTTPRequestHandler's default)."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "gongbao-preview"

    def setup(self) -> None:
        super().setup()
        # An idle or half-open connection gives up its thread after this many seconds.
        self.connection.settimeout(self.server.idle_timeout)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        target = parse_target(self.path)
        if target is None:
            self.send_error(400, "Bad request path")
            return
        live = self.server.live
        if live is not None and target.segments[:1] == (PREFIX,):
            self._live(live, target)
            return
        found = self._find(target)
        if found is None:
            self.send_error(404)
        elif isinstance(found, Found):
            with found.file:
                self._send_file(200, found)
        else:
            # Made from the checked segments: '//host' in a Location would leave the site.
            query = self.path.partition("?")[2]
            self._redirect("/" + "".join(quote(s) + "/" for s in target.segments) + ("?" + query if query else ""))

    def _find(self, target: Target) -> Found | Literal["redirect"] | None:
        root = self.server.root
        found = locate(root, target)
        if found is None:  # perhaps the build renamed site/ under this request: look once more
            deadline = time.monotonic() + SWAP_WAIT
            while not root.is_dir() and time.monotonic() < deadline:
                time.sleep(0.01)
            found = locate(root, target)
        return found

    def _send_file(self, status: int, found: Found) -> None:
        live = self.server.live
        if found.content_type == HTML and live is not None:
            html = found.file.read()
            token = live.page_token(html, found.path.parent)
            body = live.inject(html, token)
            self._head(status, HTML, len(body), {"X-Gongbao-Page": token})
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        named = status == 200 and _CONTENT_NAMED.match(found.path.relative_to(self.server.root).as_posix())
        self._head(status, found.content_type, os.fstat(found.file.fileno()).st_size,
                   {"Cache-Control": IMMUTABLE} if named else None)
        if self.command != "HEAD":
            shutil.copyfileobj(found.file, self.wfile)

    def _head(self, status: int, content_type: str, length: int, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        # A preview must show the latest build on every load, never a cached copy (but see _CONTENT_NAMED).
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", **(extra or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _live(self, live: LiveState, target: Target) -> None:
        if target.segments == (PREFIX, CLIENT.name):
            body = CLIENT.read_bytes()
            self._head(200, CONTENT_TYPES[".js"], len(body))
            if self.command != "HEAD":
                self.wfile.write(body)
        elif target.segments == (PREFIX, EVENTS) and self.command == "GET":
            self._events(live)
        else:
            self.send_error(404)

    def _events(self, live: LiveState) -> None:
        """Server-Sent Events: the current build at once, then each new one; a comment now and then
        so that a vanished client is noticed by a failed write."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        seen = -1
        while (state := live.wait_newer(seen)) is not None:
            self.wfile.write(state.event() if state.number != seen else b": \n\n")
            self.wfile.flush()
            seen = state.number

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """404 is the site's own 404 page, or a page saying there is no site yet; other errors keep
        BaseHTTPRequestHandler's short page."""
        page = self.server.root / "404.html"
        if code == 404 and not self.server.root.is_dir():
            self.server.tell_not_built()
            body = NOT_BUILT_PAGE.encode()
            self._head(503, HTML, len(body))
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        if code == 404 and self.command in ("GET", "HEAD"):
            try:
                file = page.open("rb")
            except OSError:
                pass
            else:
                with file:
                    self._send_file(404, Found(file, page, HTML))
                return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:  # a preview's terminal shows builds, not hits
        pass


class PreviewServer(http.server.ThreadingHTTPServer):
    """A threaded server that a burst of requests or a slow client cannot stall."""

    daemon_threads = True
    # nginx's listen backlog: with socketserver's 5, a burst of 200 requests (a search verifying its
    # candidates, several tabs reloading) lost connections to SYN retries, p95 over 60 s.
    request_queue_size = 511

    def __init__(self, address: tuple[str, int], root: Path, live: LiveState | None, idle_timeout: float):
        self.root = root
        self.live = live
        self.idle_timeout = idle_timeout
        self._told = threading.Lock()
        self.address_family = socket.getaddrinfo(address[0], address[1], type=socket.SOCK_STREAM)[0][0]
        super().__init__(address, Handler)

    def tell_not_built(self) -> None:
        """Say once in the terminal that there is no site to serve (each request's page says it too)."""
        if self._told.acquire(blocking=False):
            print(f"{self.root}/ 不存在：{NOT_BUILT}", file=sys.stderr)

    def server_close(self) -> None:
        if self.live is not None:
            self.live.close()
        super().server_close()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away is normal; anything else is one line on stderr, not a traceback."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            print(f"预览服务器处理请求时出错：{type(exc).__name__}: {exc}", file=sys.stderr)


def make_server(directory: Path, port: int, bind: str = "127.0.0.1", live: LiveState | None = None,
                idle_timeout: float = 30.0) -> PreviewServer:
    """A server for `directory` (not yet serving); with `live`, HTML pages carry the live-reload client."""
    return PreviewServer((bind, port), directory, live, idle_timeout)
