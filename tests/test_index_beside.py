"""The search index is made beside the pages: started once the bodies are rendered, on a thread of its own while
the build's process renders the pages, and given up, leaving nothing behind, when the build fails meanwhile."""

from __future__ import annotations

import multiprocessing
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, REPO, overlay, run
from gongbao import build, indexing
from gongbao.cache import CACHE_DIR
from gongbao.render import SiteRenderer
from treestate import tree


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copyfile(REPO / "gongbao.yaml", root / "gongbao.yaml")
    return root


def test_the_index_is_made_while_the_pages_are_rendered(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first page waits for the index to have started, which a build that made the index after the pages
    would never do (the wait would run out)."""
    started = threading.Event()
    threads: list[threading.Thread] = []
    make, render = indexing.run_index, SiteRenderer.render_page

    def run_index(*args: Any) -> None:
        threads.append(threading.current_thread())
        started.set()
        make(*args)

    def render_page(self: SiteRenderer, page: Any) -> str:
        assert started.wait(20), "the pages were rendered before the index was started"
        return render(self, page)
    monkeypatch.setattr(indexing, "run_index", run_index)
    monkeypatch.setattr(SiteRenderer, "render_page", render_page)
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    assert threads and threads[0] is not threading.main_thread()
    assert (project / "site" / "search" / "pagefind" / "pagefind-entry.json").is_file()


def test_a_build_failing_while_its_index_is_made_stops_it_and_leaves_nothing(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(project, "build").exit_code == 0
    before = tree(project / "site"), tree(project / CACHE_DIR / "search-index")
    body = next((project / "content").rglob("*wlfbf-2024-40.md"))
    body.write_text(body.read_text(encoding="utf-8").replace("因人事调整和工作需要", "因工作需要", 1),
                    encoding="utf-8")
    overlay(project, FIXTURES / "errors" / "E025_template_error")  # the home page fails, after the bodies
    stopped: list[bool] = []
    make = indexing.run_index

    def run_index(site: Path, records: Any, cache: Any, stop: threading.Event, *rest: Any) -> None:
        # the index goes on until the build gives it up: then the real one meets the stop at its first step
        stopped.append(stop.wait(20))
        make(site, records, cache, stop, *rest)
    monkeypatch.setattr(indexing, "run_index", run_index)
    result = run(project, "build")
    assert result.exit_code == 1 and ": E025 " in result.stderr
    assert stopped == [True]
    assert (tree(project / "site"), tree(project / CACHE_DIR / "search-index")) == before
    assert sorted(p.name for p in project.iterdir()) == sorted([".gongbao-cache", "content", "gongbao.yaml",
                                                                "site", "templates"])
    assert not [t for t in threading.enumerate() if t.name == "index"]
    assert multiprocessing.active_children() == []


def test_on_a_large_site_the_index_waits_for_the_pages(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beside the pages, the index's memory adds to the render's: past build.BESIDE_CHARS, it is made after them."""
    monkeypatch.setattr(build, "BESIDE_CHARS", 1000)
    events: list[str] = []
    make, render = indexing.run_index, SiteRenderer.render_page

    def run_index(*args: Any) -> None:
        events.append("index on the main thread" if threading.current_thread() is threading.main_thread() else "?")
        make(*args)

    def render_page(self: SiteRenderer, page: Any) -> str:
        events.append("page")
        return render(self, page)
    monkeypatch.setattr(indexing, "run_index", run_index)
    monkeypatch.setattr(SiteRenderer, "render_page", render_page)
    assert run(project, "build").exit_code == 0
    assert events[-1] == "index on the main thread" and events.count("page") > 10
