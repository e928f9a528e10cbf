"""What pages show when a document or an issue leaves optional values out: nothing, never "None"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import BASE_DOCUMENT, run, write_project

#: In issue 2024-01 but with neither page nor section.
UNPLACED = (BASE_DOCUMENT.replace("page: 1\n", "").replace("section: 区政府文件\n", "")
            .replace("武隆府发〔2024〕9号", "武隆府发〔2024〕10号").replace("森林防火禁火令", "秸秆禁烧令"))

#: No 文号, expired by the as-of date, and amending the base document: it shows up on the ended
#: page and in the base document's 版本沿革 timeline.
UNNUMBERED = """\
---
title: 区政府领导同志工作分工
slug: fengong-2024
issuer: 重庆市武隆区人民政府
doc_type: 通知
signed: 2024-08-22
expires: 2024-12-31
amends:
  - 武隆府发〔2024〕9号
---
正文。
"""

#: A table-of-contents item without a page.
GAZETTE = """\
---
year: 2024
number: 1
published: 2024-06-30
sections:
  - title: 区政府文件
  - title: 文件检索
    items:
      - title: 文件检索
---
"""


@pytest.fixture
def sparse_site(tmp_path: Path) -> Path:
    project = write_project(tmp_path / "p", {
        "content/gazettes/2024-01.md": GAZETTE,
        "content/documents/unplaced.md": UNPLACED,
        "content/documents/unnumbered.md": UNNUMBERED,
    })
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    return project / "site"


def _toc_pages(issue_page: Path) -> dict[str, str]:
    """Entry title → the attributes and text of its page number."""
    html = issue_page.read_text(encoding="utf-8")
    return dict(re.findall(r'>([^<>]+)</a>\s*<span class="toc-page"([^>]*>[^<]*)</span>', html))


def test_issue_page_entry_without_a_page_has_no_page_label(sparse_site: Path) -> None:
    pages = _toc_pages(sparse_site / "gazette/2024-01/index.html")
    assert pages["重庆市武隆区人民政府关于发布森林防火禁火令的通告"] == ' aria-label="第1页">1'
    assert pages["重庆市武隆区人民政府关于发布秸秆禁烧令的通告"] == ">"
    assert pages["文件检索"] == ">"


def test_document_outside_any_section_is_listed_under_other(sparse_site: Path) -> None:
    html = (sparse_site / "gazette/2024-01/index.html").read_text(encoding="utf-8")
    other = html.index("<h3>其他</h3>")
    assert html.index("秸秆禁烧令", other) > other
    assert "秸秆禁烧令" not in html[:other]


def test_no_page_prints_none_for_an_absent_value(sparse_site: Path) -> None:
    ended = (sparse_site / "archive/ended/index.html").read_text(encoding="utf-8")
    assert "区政府领导同志工作分工" in ended
    base = (sparse_site / "docs/wlff-2024-9/index.html").read_text(encoding="utf-8")
    assert '<a class="what" href="../fengong-2024/">区政府领导同志工作分工</a>' in base
    printed_none = [p.relative_to(sparse_site).as_posix() for p in sorted(sparse_site.rglob("*.html"))
                    if "None" in p.read_text(encoding="utf-8")]
    assert printed_none == []
