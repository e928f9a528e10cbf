"""Relations and status: declared once, shown both ways, with banners, timelines and cited links."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import AS_OF, run, write_project
from gongbao.load import load_content
from gongbao.problems import Problems
from gongbao.relations import build_library

NEWER = """\
---
title: 关于废止区政府文件的决定
doc_number: 武隆府发〔2024〕11号
issuer: 重庆市武隆区人民政府
doc_type: 决定
signed: 2024-08-09
gazette: 2024-01
page: 2
section: 区政府文件
{extra}---
决定对《重庆市武隆区人民政府办公室关于印发实施方案的通知》（武隆府办发〔2017〕60号）予以废止。
原《重庆市武隆区人民政府关于发布森林防火禁火令的通告》（武隆府发[2024]9号）同时废止。
"""


def _project(tmp_path: Path, extra: str) -> Path:
    return write_project(tmp_path / "p", {"content/documents/newer.md": NEWER.format(extra=extra)})


def _page(project: Path, slug: str) -> str:
    return (project / "site" / "docs" / slug / "index.html").read_text(encoding="utf-8")


def _library(project: Path, as_of: str = AS_OF):
    problems = Problems()
    lib = build_library(load_content(project / "content", "t", problems), dt.date.fromisoformat(as_of), problems)
    assert problems.errors == []
    return lib


REPEALS_BOTH = ("repeals:\n  - doc_number: 武隆府办发〔2017〕60号\n    title: 重庆市武隆区人民政府办公室关于印发实施方案的通知\n"
                "replaces:\n  - 武隆府发〔2024〕9号\n")


def test_relations_appear_on_both_pages_as_links(tmp_path: Path) -> None:
    project = _project(tmp_path, REPEALS_BOTH)
    assert run(project, "build").exit_code == 0
    newer = _page(project, "wlff-2024-11")
    assert '<span class="rel-type rel-repeals">废止</span>' in newer
    assert 'href="../wlfbf-2017-60/">重庆市武隆区人民政府办公室关于印发实施方案的通知</a>' in newer
    assert '<span class="rel-type rel-replaces">替代</span>' in newer
    older = _page(project, "wlff-2024-9")
    assert '<span class="rel-type rel-replaced_by">被替代</span>' in older
    assert 'href="../wlff-2024-11/">关于废止区政府文件的决定</a>' in older


def test_replaced_document_shows_banner_with_date_and_link(tmp_path: Path) -> None:
    project = _project(tmp_path, REPEALS_BOTH)
    assert run(project, "build").exit_code == 0
    older = _page(project, "wlff-2024-9")
    banner = older[older.index('<div class="banner'):older.index("</div>", older.index('<div class="banner'))]
    assert "已被替代" in banner and "2024年8月9日" in banner
    assert 'href="../wlff-2024-11/"' in banner and "2024年第1期第2页" in banner
    assert '<span class="badge status-replaced">已被替代</span> <span class="since">2024年8月9日起</span>' in older


def test_referenced_document_gets_a_page_marked_not_collected(tmp_path: Path) -> None:
    project = _project(tmp_path, REPEALS_BOTH)
    assert run(project, "build").exit_code == 0
    page = _page(project, "wlfbf-2017-60")
    assert "未收录全文" in page
    assert "<h1>重庆市武隆区人民政府办公室关于印发实施方案的通知</h1>" in page
    assert '<div class="banner banner-repealed" role="alert">' in page
    assert '，刊载于<a href="../../gazette/2024-01/">2024年第1期（总第164期）第2页</a>' in page  # the ending one
    ended = (project / "site/archive/ended/index.html").read_text(encoding="utf-8")
    assert "武隆府办发〔2017〕60号" in ended and "武隆府发〔2024〕9号" in ended


def test_cited_doc_numbers_and_titles_in_the_body_become_links(tmp_path: Path) -> None:
    project = _project(tmp_path, REPEALS_BOTH)
    assert run(project, "build").exit_code == 0
    newer = _page(project, "wlff-2024-11")
    body = newer[newer.index('<div class="doc-body">'):]
    assert '（<a href="../wlfbf-2017-60/" class="cite">武隆府办发〔2017〕60号</a>）' in body
    assert '《<a href="../wlfbf-2017-60/" class="cite">重庆市武隆区人民政府办公室关于印发实施方案的通知</a>》' in body
    assert '<a href="../wlff-2024-9/" class="cite">武隆府发[2024]9号</a>' in body


def test_status_follows_the_as_of_date(tmp_path: Path) -> None:
    project = _project(tmp_path, REPEALS_BOTH.replace("replaces:", "replaces:") + "effective: 2024-10-01\n")
    lib = _library(project, "2024-09-01")
    assert lib.status["武隆府发〔2024〕9号"].code == "in_force" and lib.status["武隆府发〔2024〕9号"].pending
    lib = _library(project, "2024-10-01")
    status = lib.status["武隆府发〔2024〕9号"]
    assert (status.code, status.since, status.by) == ("replaced", dt.date(2024, 10, 1), "武隆府发〔2024〕11号")


def test_expired_document_is_marked_expired(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p")
    base = project / "content/documents/base.md"
    base.write_text(base.read_text(encoding="utf-8").replace("disclosure:", "expires: 2024-12-31\ndisclosure:"),
                    encoding="utf-8")
    assert _library(project, "2024-12-31").status["武隆府发〔2024〕9号"].code == "in_force"
    assert _library(project, "2025-01-01").status["武隆府发〔2024〕9号"].label == "已失效"
    assert run(project, "build").exit_code == 0  # AS_OF is 2025-01-01
    assert "有效期至2024年12月31日，已失效" in _page(project, "wlff-2024-9")


def test_amended_document_stays_in_force_with_a_note(tmp_path: Path) -> None:
    project = _project(tmp_path, "amends:\n  - 武隆府发〔2024〕9号\n")
    lib = _library(project)
    assert lib.status["武隆府发〔2024〕9号"].label == "已修改"
    assert lib.status["武隆府发〔2024〕9号"].in_force
    assert lib.relations_of("武隆府发〔2024〕9号") == [("amended_by", "武隆府发〔2024〕11号")]


def test_lineage_lists_editions_oldest_first(tmp_path: Path) -> None:
    project = _project(tmp_path, "replaces:\n  - 武隆府发〔2024〕9号\n")
    (project / "content/documents/oldest.md").write_text(NEWER.format(extra="").replace(
        "武隆府发〔2024〕11号", "武隆府发〔2024〕12号").replace("2024-08-09", "2024-09-09").replace(
        "page: 2", "page: 3").replace("---\n决定", "replaces:\n  - 武隆府发〔2024〕11号\n---\n决定"), encoding="utf-8")
    lib = _library(project)
    assert lib.lineage("武隆府发〔2024〕11号") == ["武隆府发〔2024〕9号", "武隆府发〔2024〕11号", "武隆府发〔2024〕12号"]
    assert run(project, "build").exit_code == 0
    page = _page(project, "wlff-2024-11")
    assert page.index("武隆府发〔2024〕9号</a>") < page.index("武隆府发〔2024〕11号（本文件）") < page.index(
        "武隆府发〔2024〕12号</a>")
