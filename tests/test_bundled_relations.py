"""The five relations of the bundled gazette, both ways, with statuses, banners and cited links."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO
from gongbao.cli import main

RELATIONS = [  # newer, older, kind shown on the newer page, status of the older, date it ended
    ("wlff-2024-9", "wlff-2023-18", "替代", "已被替代", "2024年6月13日"),
    ("wlff-2024-11", "wlfbf-2017-60", "废止", "已废止", "2024年8月9日"),
    ("wlff-2024-13", "wlfbf-2018-106", "废止", "已废止", "2024年9月5日"),
    ("wlfbf-2024-32", "wlfbf-2022-76", "替代", "已被替代", "2024年7月17日"),
    ("wlfbf-2024-39", "wlfbf-2018-126", "替代", "已被替代", "2024年8月1日"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundled") / "site"
    result = CliRunner().invoke(main, ["build", "--project", str(REPO), "--as-of", "2026-11-29", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _page(site: Path, slug: str) -> str:
    return (site / "docs" / slug / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("newer, older, kind, status, since", RELATIONS, ids=[r[1] for r in RELATIONS])
def test_relation_is_shown_both_ways_with_status_and_banner(site: Path, newer: str, older: str, kind: str,
                                                             status: str, since: str) -> None:
    new_page, old_page = _page(site, newer), _page(site, older)
    assert f'<span class="rel-type rel-{"replaces" if kind == "替代" else "repeals"}">{kind}</span>' in new_page
    assert f'href="../{older}/"' in new_page
    assert f'href="../{newer}/"' in old_page
    assert "未收录全文" in old_page
    banner = old_page[old_page.index('<div class="banner'):]
    banner = banner[:banner.index("</div>")]
    assert status in banner and since in banner and f'href="../{newer}/"' in banner
    body = new_page[new_page.index('<div class="doc-body">'):]
    assert f'href="../{older}/" class="cite"' in body, "the citation in the body links to the older document"


def test_ended_archive_lists_the_five_older_documents(site: Path) -> None:
    ended = (site / "archive/ended/index.html").read_text(encoding="utf-8")
    for _, older, *_ in RELATIONS:
        assert f'href="../../docs/{older}/"' in ended
