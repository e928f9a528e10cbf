"""The preview server: strict paths, no listings, types, timeouts; rebuild on save, live reload, problem overlay."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from browser import chromium
from conftest import AS_OF, BASE_DOCUMENT, run, write_project
from gongbao.serve import Rebuilder, announce, make_server
from gongbao.serve.live import CLIENT, PREFIX, LiveState
from gongbao.serve.server import CONTENT_TYPES, IMMUTABLE, NOT_BUILT, PreviewServer
from gongbao.serve.watch import BuildOutcome, IndexFollower, Watcher, sources

DOC = "docs/wlff-2024-9/"
#: Strings only the live-reload client and its tag contain.
MARKERS = (PREFIX.encode(), b"gongbao-live")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_project(tmp_path_factory.mktemp("serve") / "proj")
    assert run(project, "build").exit_code == 0
    return project / "site"


@contextmanager
def serving(root: Path, live: LiveState | None = None, idle_timeout: float = 30.0) -> Iterator[PreviewServer]:
    server = make_server(root, 0, live=live, idle_timeout=idle_timeout)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[PreviewServer]:
    with serving(site, LiveState(site)) as server:
        yield server


def raw(server: PreviewServer, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client normalises the path) and read the whole answer."""
    with socket.create_connection(server.server_address[:2], timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


def get(server: PreviewServer, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    return raw(server, f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode("latin-1"))


@pytest.mark.parametrize("target", [
    "/index.html%00.txt", "/%00", "/docs/%0a/", "/../../etc/passwd", "/docs/../../gongbao.yaml",
    "/%2e%2e/%2e%2e/etc/passwd", "/docs%2fwlff-2024-9/", "/docs%2Fwlff-2024-9/", "/docs%5c..%5c..%5cx",
    "/docs\\..\\..\\x", "/%zz", "/50%", "/%e4%b8", "/%ff", "/./index.html", "*", "relative/path",
])
def test_a_malformed_or_escaping_path_gets_400_and_no_traceback(
        server: PreviewServer, target: str, capfd: pytest.CaptureFixture[str]) -> None:
    status, _, body = get(server, target)
    assert status == 400
    assert b"Traceback" not in body and "Traceback" not in capfd.readouterr().err
    assert get(server, "/")[0] == 200


@pytest.mark.parametrize("target", ["/" + "a" * 5000, "/docs/" + "b" * 300 + "/", "/a:b", "/no/such/page"])
def test_a_path_naming_no_file_gets_the_sites_404_page(server: PreviewServer, target: str) -> None:
    status, headers, body = get(server, target)
    assert status == 404 and headers["content-type"] == CONTENT_TYPES[".html"]
    assert "页面不存在" in body.decode("utf-8")


def test_without_a_built_site_every_page_says_to_build_and_the_terminal_says_it_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serving(tmp_path / "site") as server:
        for target in ("/", "/docs/", "/favicon.ico"):
            status, headers, body = get(server, target)
            assert status == 503 and headers["content-type"] == CONTENT_TYPES[".html"]
            assert "gongbao build" in body.decode("utf-8") and b"Error response" not in body
    assert capsys.readouterr().err.count(NOT_BUILT) == 1


def test_serving_without_a_built_site_says_at_once_to_build(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p")
    proc = subprocess.Popen([sys.executable, "-m", "gongbao", "serve", "--project", str(project), "--no-build",
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("网站已在 http://127.0.0.1:")
        assert proc.stdout.readline().rstrip().endswith(f"site/ 不存在：{NOT_BUILT}")
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_the_rebuild_names_the_saved_files_not_an_editors_vanished_temporary_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path / "p")
    style = project / "templates/assets/site.css"
    style.parent.mkdir(parents=True)
    style.write_text("body {}", encoding="utf-8")
    announce(project, {style, style.with_name("sedaOPW3B")})
    announce(project, {project / "gongbao.yaml"})
    announce(project, {project / "content/documents/gone.md"})
    assert capsys.readouterr().out.splitlines() == [
        "templates/assets/site.css 有改动，重新构建…",
        "gongbao.yaml 有改动，重新构建…",
        "content/documents/gone.md 有改动，重新构建…",
    ]


def test_a_request_line_too_long_to_read_is_refused(server: PreviewServer) -> None:
    assert get(server, "/" + "a" * 70000)[0] == 414


@pytest.mark.parametrize("folder", ["/assets/", "/search/pagefind/", "/docs/"])
def test_a_folder_without_index_is_404_never_a_listing(server: PreviewServer, folder: str) -> None:
    assert get(server, folder)[::2] == get(server, "/no/such/page")[::2]


@pytest.mark.parametrize(("target", "location"), [
    ("/docs/wlff-2024-9", "/docs/wlff-2024-9/"), ("/search?q=%E6%A3%AE", "/search/?q=%E6%A3%AE"),
    ("//docs//wlff-2024-9", "/docs/wlff-2024-9/"),
])
def test_a_folder_url_without_slash_is_redirected_to_it(server: PreviewServer, target: str, location: str) -> None:
    status, headers, _ = raw(server, f"GET {target} HTTP/1.1\r\nConnection: close\r\n\r\n".encode())
    assert (status, headers["location"]) == (301, location)


def test_head_answers_the_headers_of_get_without_a_body(server: PreviewServer) -> None:
    got = get(server, "/" + DOC)
    head = get(server, "/" + DOC, "HEAD")
    assert head[0] == 200 and head[2] == b""
    assert head[1]["content-length"] == got[1]["content-length"] == str(len(got[2]))
    assert head[1]["x-gongbao-page"] == got[1]["x-gongbao-page"]


def test_every_file_type_of_a_built_site_has_its_content_type(server: PreviewServer, site: Path) -> None:
    examples = {p.suffix: p for p in sorted(site.rglob("*")) if p.is_file()}
    assert {".html", ".css", ".js", ".json", ".gb", ".pf_meta", ".pf_index", ".pagefind"} <= set(examples)
    assert set(examples) <= set(CONTENT_TYPES), "a file type the build writes has no Content-Type of its own"
    for suffix, path in examples.items():
        status, headers, _ = get(server, "/" + path.relative_to(site).as_posix())
        assert (status, headers["content-type"]) == (200, CONTENT_TYPES[suffix]), path
        assert headers["x-content-type-options"] == "nosniff"


def test_only_files_named_by_their_content_may_be_kept_by_the_browser(server: PreviewServer, site: Path) -> None:
    # A reload after a rebuild then fetches the page alone, not its styles, scripts and search files
    # from a server busy with the next build; a file whose name stays must be fetched every time.
    cached = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            name = path.relative_to(site).as_posix()
            cached[name] = get(server, "/" + name, "HEAD")[1]["cache-control"]
    kept = {name for name, value in cached.items() if value != "no-cache"}
    assert {cached[name] for name in kept} == {IMMUTABLE}
    assets = {name for name in cached if name.startswith("assets/")}
    assert assets and assets <= kept
    assert any(name.startswith("search/") and name.endswith(".gb") for name in kept)
    for name in cached.keys() - kept:
        assert name.endswith((".html", "pagefind-entry.json")) or not re.search(r"[0-9a-f]{8}", name), name
    assert {"index.html", "search/index.html", "search/pagefind/pagefind-entry.json"}.isdisjoint(kept)


def test_other_methods_are_not_implemented(server: PreviewServer) -> None:
    assert get(server, "/", "POST")[0] == 501


def test_fifty_concurrent_requests_are_all_answered(server: PreviewServer) -> None:
    start = threading.Barrier(50)
    url = f"http://127.0.0.1:{server.server_address[1]}/{DOC}"

    def fetch(_: int) -> int:
        start.wait()
        with urllib.request.urlopen(url, timeout=60) as resp:
            resp.read()
            return resp.status

    with ThreadPoolExecutor(50) as pool:
        assert list(pool.map(fetch, range(50))) == [200] * 50


@pytest.mark.parametrize("sent", [b"", b"GET / HTTP/1.1\r\nHost: x\r\n"])
def test_an_idle_or_half_open_connection_is_dropped_after_the_timeout(site: Path, sent: bytes) -> None:
    with serving(site, idle_timeout=1.0) as server:
        with socket.create_connection(server.server_address[:2]) as sock:
            sock.sendall(sent)
            sock.settimeout(20)  # far beyond the server's 1 s: a kept connection raises here
            assert sock.recv(1024) == b""


def test_a_request_during_the_site_swap_waits_for_the_new_site(site: Path, tmp_path: Path) -> None:
    away = tmp_path / "away"
    with serving(site) as server:
        os.rename(site, away)
        threading.Timer(0.1, os.rename, (away, site)).start()
        status, _, body = get(server, "/" + DOC)
    assert status == 200 and "森林防火禁火令" in body.decode("utf-8")


def test_live_pages_carry_the_client_tag_and_a_plain_server_does_not(server: PreviewServer, site: Path) -> None:
    _, headers, body = get(server, "/" + DOC)
    tag = f'<script src="/{PREFIX}/{CLIENT.name}" data-page="{headers["x-gongbao-page"]}"></script></body>'
    assert tag.encode() in body
    assert body.replace(tag.encode(), b"</body>") == (site / DOC / "index.html").read_bytes()
    assert get(server, f"/{PREFIX}/{CLIENT.name}")[2] == CLIENT.read_bytes()
    with serving(site) as plain:
        assert get(plain, "/" + DOC)[2] == (site / DOC / "index.html").read_bytes()
        assert get(plain, f"/{PREFIX}/{CLIENT.name}")[0] == 404


def test_a_built_site_and_a_bundle_hold_no_trace_of_the_live_client(site: Path) -> None:
    for path in site.rglob("*"):
        if path.is_file():
            assert not any(m in path.read_bytes() for m in MARKERS), path
    project = site.parent
    assert run(project, "bundle").exit_code == 0
    (zip_path,) = (project / "dist").glob("*.zip")
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            assert not any(m in zf.read(name) for m in MARKERS), name


def test_the_event_stream_sends_the_current_build_then_each_new_one(site: Path) -> None:
    live = LiveState(site)
    with serving(site, live) as server:
        with socket.create_connection(server.server_address[:2], timeout=10) as sock:
            sock.sendall(f"GET /{PREFIX}/events HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            stream = sock.makefile("rb")
            assert stream.readline() == b"HTTP/1.1 200 OK\r\n"
            assert _next_event(stream) == {"generation": 0, "problems": [], "failure": ""}
            live.publish(("content/a.md:3: E003 <b>x</b>",), "构建失败：1 个错误")
            assert _next_event(stream) == {"generation": 1, "problems": ["content/a.md:3: E003 <b>x</b>"],
                                           "failure": "构建失败：1 个错误"}


def _next_event(stream) -> object:  # type: ignore[no-untyped-def]
    while not (line := stream.readline()).startswith(b"data: "):
        assert line, "the stream ended"
    return json.loads(line[len(b"data: "):])


def test_a_failed_rebuild_keeps_the_site_and_reports_each_problem(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p")
    assert run(project, "build").exit_code == 0
    before = (project / "site" / DOC / "index.html").read_bytes()
    rebuilder = Rebuilder(project, None, project / "site")
    (project / "content/documents/base.md").write_text(BASE_DOCUMENT.replace("doc_type: 通告", "doc_type: [通告"),
                                                       encoding="utf-8")
    outcome = rebuilder.rebuild({project / "content/documents/base.md"})
    assert outcome.failed
    assert re.match(r"content/documents/base\.md:\d+: E003 ", outcome.lines[0]), outcome.lines
    assert (project / "site" / DOC / "index.html").read_bytes() == before
    (project / "content/documents/base.md").write_text(BASE_DOCUMENT.replace("特颁布", "再次颁布"), encoding="utf-8")
    outcome = rebuilder.rebuild({project / "content/documents/base.md"})
    assert not outcome.failed and "再次颁布" in (project / "site" / DOC / "index.html").read_text(encoding="utf-8")


def test_a_rebuild_puts_the_pages_in_place_first_and_the_index_follows(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p")
    rebuilder = Rebuilder(project, None, project / "site")
    assert not rebuilder.rebuild(set()).failed  # from nothing: the index is built with the pages
    assert rebuilder.follow_index() is None

    def index() -> dict[str, bytes]:
        return {f.name: f.read_bytes() for f in (project / "site" / "search").rglob("*") if f.is_file()}
    before = index()
    (project / "content/documents/base.md").write_text(BASE_DOCUMENT.replace("特颁布", "再次颁布"), encoding="utf-8")
    assert not rebuilder.rebuild({project / "content/documents/base.md"}).failed
    assert "再次颁布" in (project / "site" / DOC / "index.html").read_text(encoding="utf-8")
    assert index() == before
    followed = rebuilder.follow_index()
    assert followed is not None and not followed.failed and followed.lines[0].startswith("搜索索引已更新")
    assert index() != before
    assert rebuilder.follow_index() is None


def test_the_index_waits_for_the_rebuild_under_way_and_follows_after_it() -> None:
    # An index built while a rebuild runs would take half of the interpreter from it.
    followed: queue.SimpleQueue[str] = queue.SimpleQueue()

    class Deferring:
        def follow_index(self) -> BuildOutcome:
            followed.put("index")
            return BuildOutcome(("搜索索引已更新（0.0 秒）",), failed=False)

    published: list[BuildOutcome] = []
    follower = IndexFollower(Deferring(), published.append, quiet=0.5)  # type: ignore[arg-type]
    follower.wake()
    follower.hold()  # the next save came before the saves paused
    with pytest.raises(queue.Empty):
        followed.get(timeout=1.5)
    follower.wake()
    assert followed.get(timeout=20) == "index"
    follower.close(lambda: None)
    assert followed.empty() and [o.lines for o in published] == [("搜索索引已更新（0.0 秒）",)]


def test_the_watcher_reports_saves_and_never_editor_files(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p")
    watcher = Watcher(project)
    watcher.follow(sources(project))
    batches: queue.SimpleQueue[set[Path]] = queue.SimpleQueue()
    threading.Thread(target=lambda: [batches.put(c) for c in iter(watcher.next, None)], daemon=True).start()
    seen: set[Path] = set()

    def saw(path: Path) -> bool:
        while not batches.empty():
            seen.update(batches.get())
        return path.resolve() in seen

    try:
        # follow() returns once its watcher hears saves: one save made at once is heard, never lost
        probe = project / "content/probe.md"
        probe.write_text("x", encoding="utf-8")
        wait_for(lambda: saw(probe), "the watcher hears a save made as soon as follow() returned")
        folder = project / "content/documents"
        editor_files = [folder / ".base.md.swp", folder / "base.md~", folder / ".#base.md", folder / "4913"]
        for path in editor_files:
            path.write_text("x", encoding="utf-8")
        settings = project / "gongbao.yaml"  # saved as many editors do: a new file renamed over the old
        (project / "gongbao.yaml.tmp").write_text(settings.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        os.replace(project / "gongbao.yaml.tmp", settings)
        (folder / "base.md").write_text(BASE_DOCUMENT + "\n", encoding="utf-8")
        wait_for(lambda: saw(folder / "base.md") and saw(settings), "both saves are heard")
        assert not seen & {p.resolve() for p in [*editor_files, project / "gongbao.yaml.tmp"]}
    finally:
        watcher.close()


# ---------- the whole preview in a real browser ----------

@contextmanager
def gongbao_serve(project: Path, lines: list[str] | None = None) -> Iterator[str]:
    """`gongbao serve` as a user runs it; yields its base URL. `lines` gets what it prints after that."""
    proc = subprocess.Popen([sys.executable, "-m", "gongbao", "serve", "--project", str(project), "--port", "0",
                             "--as-of", AS_OF], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if found := re.search(r"http://127\.0\.0\.1:\d+/", line):
                break
        else:
            pytest.fail(f"gongbao serve stopped: exit {proc.wait()}")
        out = lines if lines is not None else []
        threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True).start()  # keep its pipe from filling
        yield found.group(0)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_a_save_made_as_soon_as_serve_shows_its_address_is_rebuilt(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p")
    source = project / "content/documents/base.md"
    lines: list[str] = []
    with gongbao_serve(project, lines) as url:
        # The watchers start before the first build: serve's address means saves are heard.
        source.write_text(source.read_text(encoding="utf-8") + "\n刚启动就保存的一句。\n", encoding="utf-8")
        wait_for(lambda: any("已重新构建" in line for line in lines), "a rebuild after the save")
        with urllib.request.urlopen(url + DOC, timeout=30) as resp:
            assert "刚启动就保存的一句" in resp.read().decode("utf-8")


def wait_for(condition: Callable[[], object], what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds:.0f} s: {what}")
        time.sleep(0.2)


def test_serve_says_it_is_for_preview_and_warns_when_bound_beyond_this_computer(site: Path) -> None:
    assert "只供预览" in run(site.parent, "serve", "--help").output
    proc = subprocess.Popen([sys.executable, "-m", "gongbao", "serve", "--project", str(site.parent), "--no-build",
                             "--port", "0", "--bind", "0.0.0.0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        assert proc.stdout is not None
        assert re.match(r"网站已在 http://0\.0\.0\.0:\d+/ 上提供", proc.stdout.readline())
        assert "不可用于正式发布" in proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_saving_reloads_the_open_pages_and_a_broken_save_shows_an_overlay(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    project = write_project(tmp_path / "p")
    document = project / "content/documents/base.md"
    with gongbao_serve(project) as base, chromium(tmp_path / "profile") as driver:
        tabs = {}
        for name, path in (("doc", DOC), ("gazette", "gazette/2024-01/"), ("search", "search/")):
            if tabs:
                driver.switch_to.new_window("tab")
            driver.get(base + path)
            driver.execute_script("window.notReloaded = true")
            tabs[name] = driver.current_window_handle

        def in_tab(name: str, script: str) -> object:
            driver.switch_to.window(tabs[name])
            return driver.execute_script(script)

        body_text = "return document.body.innerText"
        document.write_text(BASE_DOCUMENT.replace("特颁布森林防火禁火令", "特颁布第二版禁火令"), encoding="utf-8")
        wait_for(lambda: "第二版禁火令" in in_tab("doc", body_text), "the edited body shows on the open page")
        wait_for(lambda: not in_tab("search", "return window.notReloaded"),
                 "the search page, whose index changed, reloads")
        assert in_tab("gazette", "return window.notReloaded"), "a page the edit does not change is not reloaded"

        (project / "content/documents/<img src=x onerror=alert(1)>.md").write_text("no front matter", encoding="utf-8")
        document.write_text(BASE_DOCUMENT.replace("doc_type: 通告", "doc_type: [通告"), encoding="utf-8")
        overlay = "var b = document.getElementById('gongbao-live-problems'); return b && b.innerText"
        wait_for(lambda: "E003" in (in_tab("doc", overlay) or ""), "the overlay names the broken file's code")
        driver.switch_to.window(tabs["doc"])
        box = driver.find_element(By.ID, "gongbao-live-problems")
        assert box.get_attribute("role") == "alert" and "网站未能重新构建（2 个问题）" in box.text
        assert "构建失败：2 个错误" in box.text, "the terminal's summary is shown, and not counted as a problem"
        assert "content/documents/base.md:" in box.text
        assert "content/documents/<img src=x onerror=alert(1)>.md" in box.text
        assert not box.find_elements(By.TAG_NAME, "img"), "problem text is shown as text, never as markup"
        assert "第二版禁火令" in in_tab("doc", body_text)
        with urllib.request.urlopen(base + DOC) as resp:
            assert resp.status == 200 and "第二版禁火令" in resp.read().decode("utf-8")
        wait_for(lambda: in_tab("gazette", overlay), "every open page shows the overlay")

        driver.switch_to.window(tabs["gazette"])
        driver.find_element(By.CSS_SELECTOR, "#gongbao-live-problems button").click()
        assert not in_tab("gazette", overlay), "the close button hides the overlay"

        (project / "content/documents/<img src=x onerror=alert(1)>.md").unlink()
        document.write_text(BASE_DOCUMENT.replace("特颁布森林防火禁火令", "特颁布第三版禁火令"), encoding="utf-8")
        wait_for(lambda: "第三版禁火令" in in_tab("doc", body_text), "the mended page reloads with the new text")
        assert not in_tab("doc", overlay)
