"""The pipeline end to end on tiny sites: pages, links, catalogue, atomic replacement, reproducibility."""

from __future__ import annotations

import json
import posixpath
import re
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO, overlay, run, write_project
from gongbao.cache import CACHE_DIR
from gongbao.cli import main
from gongbao.output import STAMP, STAMP_TEXT
from gongbao.serve import make_server
from gongbao.slugs import slug_for_doc_number
from gongbao.urls import page_file, relative


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def internal_links(site: Path, skip: tuple[str, ...] = ("404.html",)) -> list[tuple[Path, str, Path]]:
    """(page, link, target file) for every relative link of every page."""
    out = []
    for page in sorted(site.rglob("*.html")):
        if page.relative_to(site).as_posix() in skip:
            continue
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("#", "//", "mailto:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if link.endswith("/") or target.is_dir():
                target = target / "index.html"
            out.append((page, link, target))
    return out


def test_every_internal_link_resolves_to_a_file(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", base=False)
    overlay(project, REPO / "tests" / "golden")
    assert run(project, "build").exit_code == 0
    links = internal_links(project / "site")
    assert len(links) > 100
    broken = [(p.relative_to(project).as_posix(), link) for p, link, target in links if not target.is_file()]
    assert broken == []


def test_links_name_index_html_when_asked(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p")
    from gongbao.build import build
    from gongbao.config import load_settings
    from gongbao.problems import Problems
    import datetime as dt

    problems = Problems()
    build(load_settings(project, problems), dt.date(2025, 1, 1), problems, output=project / "offline",
          explicit_index=True)
    for page, link, target in internal_links(project / "offline"):
        assert not link.endswith("/"), (page, link)
        assert target.is_file(), (page, link)


def test_rebuild_is_byte_identical(project: Path, tmp_path: Path) -> None:
    def snapshot() -> dict[str, bytes]:
        site = project / "site"
        return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}

    assert run(project, "build").exit_code == 0
    first = snapshot()
    assert run(project, "build").exit_code == 0
    assert snapshot() == first


def test_successful_build_replaces_the_whole_site(project: Path) -> None:
    site = project / "site"
    site.mkdir()
    (site / "stale.html").write_text("old page", encoding="utf-8")
    (site / STAMP).write_text(STAMP_TEXT, encoding="utf-8")  # made by gongbao: the build may replace it
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    assert not (site / "stale.html").exists()
    assert (site / "index.html").is_file()
    assert [p.name for p in project.iterdir() if p.name.startswith(".")] == [CACHE_DIR]  # no staging folder left


def test_catalogue_lists_every_document_with_its_fields(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", base=False)
    overlay(project, REPO / "tests" / "golden")
    assert run(project, "build").exit_code == 0
    text = (project / "site" / "api" / "documents.json").read_text(encoding="utf-8")
    data = json.loads(text)
    # written a record at a time, it is what json.dumps(indent=1) gives the whole
    assert text == json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    records = {r["doc_number"]: r for r in data["documents"]}
    assert set(records) == {"样府发〔2024〕9号", "样府发〔2024〕11号", "样府办发〔2024〕17号",
                            "样府发〔2023〕18号", "样府办发〔2017〕60号"}
    for r in data["documents"]:
        assert {"doc_number", "title", "issuer", "doc_type", "date", "gazette", "page", "status", "url",
                "relations", "in_collection"} <= set(r)
        assert (project / "site" / r["url"] / "index.html").is_file()
    nine = records["样府发〔2024〕9号"]
    assert nine == nine | {"title": "样例区人民政府关于发布森林防火禁火令的通告", "issuer": ["样例区人民政府"],
                           "doc_type": "通告", "date": "2024-06-13", "gazette": "2024-01", "page": 1,
                           "status": "现行有效", "url": "docs/yff-2024-9/", "in_collection": True,
                           "relations": [{"type": "replaces", "doc_number": "样府发〔2023〕18号"}]}
    assert records["样府办发〔2024〕17号"]["issuer"] == ["样例区人民政府办公室", "样例区农业农村委员会"]
    old = records["样府发〔2023〕18号"]
    assert old["in_collection"] is False and old["status"] == "已被替代"
    assert old["relations"] == [{"type": "replaced_by", "doc_number": "样府发〔2024〕9号"}]


@pytest.mark.parametrize("number, slug", [
    ("武隆府发〔2024〕9号", "wlff-2024-9"),
    ("武隆府办发〔2024〕40号", "wlfbf-2024-40"),
    ("渝府令〔2019〕329号", "yfl-2019-329"),
    ("厅字〔2023〕21号", "tz-2023-21"),
    ("发改能源〔2023〕1721号", "fgny-2023-1721"),
])
def test_permalink_is_pinyin_initials_year_and_number(number: str, slug: str) -> None:
    assert slug_for_doc_number(number) == slug


def test_relative_links_work_from_any_depth() -> None:
    assert relative("docs/a/", "gazette/2024-01/", False) == "../../gazette/2024-01/"
    assert relative("docs/a/", "", False) == "../../"
    assert relative("", "docs/a/", True) == "docs/a/index.html"
    assert relative("search/", "assets/style.css", True) == "../assets/style.css"


_SEGMENT = st.sampled_from(["docs", "a", "ab", "gazette", "2024-01", "x.pdf", "index.html", "assets", "style.css"])
_URL = st.builds(lambda parts, slash: "/".join(parts) + ("/" if slash and parts else ""),
                 st.lists(_SEGMENT, max_size=4), st.booleans())


@given(_URL, _URL, st.booleans())
def test_relative_links_are_what_posixpath_relpath_makes_of_the_two_files(from_url: str, to_url: str,
                                                                            explicit_index: bool) -> None:
    start = posixpath.dirname(page_file(from_url)) or "."
    target = (page_file(to_url) if explicit_index else to_url) or "."
    expected = posixpath.relpath(target, start)
    if not explicit_index and (to_url == "" or to_url.endswith("/")):
        expected = "./" if expected == "." else expected + "/"
    assert relative(from_url, to_url, explicit_index) == expected


def test_serve_answers_pages_and_the_sites_own_404(project: Path) -> None:
    assert run(project, "build").exit_code == 0
    server = make_server(project / "site", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs/wlff-2024-9/") as resp:
            assert "森林防火禁火令" in resp.read().decode("utf-8")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/docs/nothing/")
        assert err.value.code == 404
        assert "页面不存在" in err.value.read().decode("utf-8")
    finally:
        server.shutdown()
        server.server_close()


def test_document_without_doc_number_needs_a_slug(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {
        "content/documents/x.md": "---\ntitle: 区政府领导同志工作分工\nissuer: 样例区人民政府\ndoc_type: 通知\n"
                                  "signed: 2024-08-22\n---\n正文。\n"})
    result = run(project, "check")
    assert result.exit_code == 1
    assert "content/documents/x.md:1: E006 没有文号的文件须给出网址字段 slug" in result.stderr
    (project / "content/documents/x.md").write_text(
        "---\ntitle: 区政府领导同志工作分工\nissuer: 样例区人民政府\ndoc_type: 通知\n"
        "signed: 2024-08-22\nslug: fengong-2024\n---\n正文。\n", encoding="utf-8")
    assert run(project, "build").exit_code == 0
    assert (project / "site/docs/fengong-2024/index.html").is_file()


def test_no_page_has_unrendered_template_syntax(project: Path) -> None:
    assert run(project, "build").exit_code == 0
    for page in (project / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"{{|{%|}}|%}", text), page


def test_bundled_gazette_builds_and_every_link_resolves(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--project", str(REPO), "--as-of", "2026-11-29",
                                       "--output", str(tmp_path / "site")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "12 件公文，5 件被引用文件，1 期公报" in result.stdout
    links = internal_links(tmp_path / "site")
    broken = [(p.relative_to(tmp_path).as_posix(), link) for p, link, target in links if not target.is_file()]
    assert broken == []
    issue = (tmp_path / "site/gazette/2024-02/index.html").read_text(encoding="utf-8")
    pages = re.findall(r'<span class="toc-page" aria-label="第(\d+)页">', issue)
    assert pages == ["1", "2", "3", "4", "13", "17", "19", "25", "29", "32", "38", "46", "48"]
