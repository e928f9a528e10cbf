"""deploy/: a real nginx serves the bundled gazette under a sub-path on 127.0.0.1 with deploy/nginx.conf,
and the browser search tests and the 404 checks run through it; deploy/web.config maps what IIS must know."""

from __future__ import annotations

import dataclasses
import getpass
import http.client
import json
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

import test_search as search_tests
from conftest import REPO
from gongbao import build as pipeline
from gongbao.config import load_settings
from gongbao.problems import Problems
from tests.browser import chromium
from tests.page_parts import parse

NGINX = Path("/usr/sbin/nginx")
SUB_PATH = "/gongbao/"
#: The shipped file's `root` line, which the test points at its own folder.
SHIPPED_ROOT = "    root /var/www;"

#: The type each extension of the site is served with (and nothing for a missing one).
TYPES = {".html": "text/html", ".css": "text/css", ".js": "application/javascript", ".json": "application/json",
         ".xml": "application/xml", ".txt": "text/plain", ".svg": "image/svg+xml", ".pagefind": "application/wasm",
         ".pf_meta": "application/octet-stream", ".pf_index": "application/octet-stream",
         ".gb": "application/octet-stream"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(tmp: Path, port: int) -> Path:
    """A whole nginx configuration around deploy/nginx.conf, with its `root` pointed at tmp/www."""
    shipped = (REPO / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert shipped.count(SHIPPED_ROOT) == 1
    (tmp / "gongbao.conf").write_text(shipped.replace(SHIPPED_ROOT, f"    root {tmp / 'www'};"), encoding="utf-8")
    temp = "\n".join(f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = tmp / "nginx.conf"
    conf.write_text(f"""\
user {getpass.getuser()};
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temp}
    server {{
        listen 127.0.0.1:{port};
        include {tmp / 'gongbao.conf'};
    }}
}}
""", encoding="utf-8")
    return conf


def _wait_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    for _ in range(200):
        if process.poll() is not None:
            pytest.fail(f"nginx did not start: {log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("nginx did not listen within 10 s")


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The bundled gazette built into www/gongbao/ and served by nginx: (base URL, site folder)."""
    if not NGINX.is_file():
        pytest.skip("nginx is not installed (apt-get install nginx-light; .ci/run does it)")
    tmp = tmp_path_factory.mktemp("nginx")
    problems = Problems()
    # base_url gives the 404 page its sub-path, and the site its sitemap and feed
    settings = dataclasses.replace(load_settings(REPO, problems), base_url="https://www.example.gov.cn" + SUB_PATH)
    site = pipeline.build(settings, search_tests.AS_OF, problems, output=tmp / "www" / SUB_PATH.strip("/")).output
    port = _free_port()
    log = tmp / "error.log"
    process = subprocess.Popen([str(NGINX), "-p", str(tmp), "-c", str(_config(tmp, port)),
                                "-g", f"daemon off; pid {tmp / 'nginx.pid'}; error_log {log};"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_listening(process, port, log)
        yield f"http://127.0.0.1:{port}{SUB_PATH}", site
    finally:
        process.terminate()
        process.wait(timeout=10)


def _get(base: str, path: str, **headers: str) -> http.client.HTTPResponse:
    host = base.split("/")[2]
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.request("GET", SUB_PATH + path, headers=headers)
    response = connection.getresponse()
    response.read()
    return response


def test_a_missing_page_is_the_sites_404_page_with_working_links(nginx: tuple[str, Path]) -> None:
    base, site = nginx
    for missing in ("no-such-page", "docs/no-such-document/", "docs/"):
        response = _get(base, missing)
        assert response.status == 404, missing
    host = base.split("/")[2]
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.request("GET", SUB_PATH + "no-such-page")
    body = connection.getresponse().read().decode("utf-8")
    assert body == (site / "404.html").read_text(encoding="utf-8")
    links = [str(a.attrs["href"]) for a in parse(body).find("a") if a.attrs.get("href") != "#main"]
    assert links and all(link.startswith(SUB_PATH) for link in links)
    for link in links:
        assert _get(base, link.removeprefix(SUB_PATH)).status == 200, link


def test_a_folder_without_its_slash_is_redirected_within_the_sub_path(nginx: tuple[str, Path]) -> None:
    base, _ = nginx
    response = _get(base, "docs/wlff-2024-9")
    assert response.status == 301 and response.getheader("Location") == SUB_PATH + "docs/wlff-2024-9/"


def test_every_extension_of_the_site_is_served_with_its_type(nginx: tuple[str, Path]) -> None:
    base, site = nginx
    one_of_each = {p.suffix: p for p in sorted(site.rglob("*.*")) if p.is_file()}
    assert sorted(one_of_each) == sorted(TYPES)  # a new extension needs a line in deploy/nginx.conf and here
    for suffix, path in one_of_each.items():
        response = _get(base, path.relative_to(site).as_posix(), **{"Accept-Encoding": "gzip"})
        assert response.status == 200, path
        assert response.getheader("Content-Type").split(";")[0] == TYPES[suffix], path
        if TYPES[suffix] == "application/octet-stream":  # gzip data the page decompresses itself
            assert response.getheader("Content-Encoding") is None, path
    assert _get(base, "feed.xml").getheader("Content-Type") == "application/atom+xml; charset=utf-8"
    assert _get(base, "", **{"Accept-Encoding": "gzip"}).getheader("Content-Encoding") == "gzip"


def test_hashed_files_are_cached_long_and_pages_revalidated(nginx: tuple[str, Path]) -> None:
    base, site = nginx
    search = site / "search"
    entry = json.loads((search / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))["gongbao"]
    hashed = [next((search / "pagefind" / "index").iterdir()), search / entry["meta"],
              search / "pagefind" / entry["script"], next(search.glob("heads-*/0.gb")),
              next(site.glob("assets/*/style.css"))]
    for path in hashed:
        assert "immutable" in _get(base, path.relative_to(site).as_posix()).getheader("Cache-Control"), path
    for path in ("", "docs/wlff-2024-9/", "search/", "search/pagefind/pagefind-entry.json"):
        response = _get(base, path)
        assert response.getheader("Cache-Control") == "no-cache", path
        assert response.getheader("ETag") and response.getheader("Last-Modified"), path


def test_web_config_maps_every_extension_iis_does_not_know() -> None:
    """IIS answers 404.3 for an extension without a type (Pagefind issue #354); it knows these by default."""
    iis_knows = {".html", ".css", ".js", ".txt", ".xml"}
    root = ET.parse(REPO / "deploy" / "web.config").getroot()
    mapped = {m.get("fileExtension"): str(m.get("mimeType")).split(";")[0]
              for m in root.iter("mimeMap")}
    assert {ext: mapped.get(ext) for ext in TYPES if ext not in iis_knows} == {
        ext: t for ext, t in TYPES.items() if ext not in iis_knows}
    removed = {r.get("fileExtension") for r in root.iter("remove") if r.get("fileExtension")}
    assert removed == set(mapped)  # each removed first: a type a parent already maps is no error
    (error,) = root.iter("error")
    assert error.get("statusCode") == "404" and error.get("path") == SUB_PATH + "404.html"


# --- the browser search tests, through nginx under the sub-path ------------------------------

@pytest.fixture(scope="module")
def site(nginx: tuple[str, Path]) -> Path:
    return nginx[1]


@pytest.fixture(scope="module")
def browser(nginx: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    base, _ = nginx
    with chromium(tmp_path_factory.mktemp("profile")) as driver:
        driver.get(base + "search/index.html")
        yield driver, base


test_search_returns_exactly_the_documents_containing_the_query = (
    search_tests.test_search_returns_exactly_the_documents_containing_the_query)
test_title_match_ranks_first = search_tests.test_title_match_ranks_first
test_doc_number_in_any_bracket_finds_its_document_first = (
    search_tests.test_doc_number_in_any_bracket_finds_its_document_first)
test_filters_and_date_sort = search_tests.test_filters_and_date_sort
test_page_reads_q_from_the_url_and_highlights_the_match = (
    search_tests.test_page_reads_q_from_the_url_and_highlights_the_match)
test_the_page_fetches_only_files_the_build_wrote = search_tests.test_the_page_fetches_only_files_the_build_wrote
