"""Content files parsed on other processes (a large build's load, cache._Parsing) give what parsing them all on the
build's process gives: the same records, problems in the same order, the same cache entries and pinyin initials."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import pytest

from conftest import BASE_DOCUMENT, REPO
from gongbao import cache, slugs
from gongbao.cache import State, load_content_cached
from gongbao.load import load_file
from gongbao.problems import Problems
from gongbao.relations import build_library
from gongbao.search import parallel

# (a 机关代字 no other file has)
REPEALING = BASE_DOCUMENT.replace("武隆府发〔2024〕9号", "渝文旅发〔2024〕19号").replace(
    "区政府特颁布森林防火禁火令。", "区政府特颁布森林防火禁火令。\n\n《关于森林防火的通告》（武隆府发〔2019〕3号）同时废止。")


def _project(root: Path) -> Path:
    shutil.copytree(REPO / "content", root / "content")
    documents = root / "content" / "documents"
    (documents / "repealing.md").write_text(REPEALING, encoding="utf-8")  # W101, on its line 14
    (documents / "broken.md").write_text("---\ntitle: [未闭合\n---\n正文\n", encoding="utf-8")  # an error
    (documents / "no-number.md").write_text(BASE_DOCUMENT.replace("doc_number: 武隆府发〔2024〕9号\n", ""),
                                            encoding="utf-8")  # E006
    # read first, each with a 机关代字 of its own: the other process parses some of them, and the initials it works
    # out for them are had nowhere else
    for n, organ in enumerate("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"):
        (documents / f"0-{n:02d}.md").write_text(
            BASE_DOCUMENT.replace("武隆府发〔2024〕9号", f"{organ}局发〔2024〕{n + 1}号"), encoding="utf-8")
    return root


def _load(project: Path, monkeypatch: pytest.MonkeyPatch, apart: int) -> tuple[object, ...]:
    monkeypatch.setattr(cache, "LOAD_APART", apart)
    monkeypatch.setattr(cache, "_LOAD_CHUNK", 2)
    monkeypatch.setattr(slugs, "KNOWN_INITIALS", {})  # as a build without a cache folder starts
    problems = Problems(root=project)
    state = State("test")
    content = load_content_cached(project / "content", "重庆市武隆区人民政府公报", problems, state)
    build_library(content, dt.date(2025, 1, 1), problems)  # W101, from what each body says is 废止
    return content, [str(p) for p in problems.items], state.files, dict(sorted(slugs.KNOWN_INITIALS.items()))


def test_files_parsed_on_other_processes_load_as_on_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path / "proj")
    parsed_apart: list[int] = []  # the files of each job another process parsed
    submit = parallel.Workers.submit

    def counted(self: parallel.Workers, fn: object, *args: object) -> object:
        future = submit(self, fn, *args)  # type: ignore[arg-type]
        future.add_done_callback(lambda f: f.cancelled() or parsed_apart.append(len(f.result()[0])))
        return future

    def slowly(*args: object) -> object:  # on this process only: the other has time to start and take its share
        time.sleep(0.05)
        return load_file(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "load_file", slowly)
    monkeypatch.setattr(parallel.Workers, "submit", counted)
    alone = _load(project, monkeypatch, apart=10**6)
    assert parsed_apart == []
    apart = _load(project, monkeypatch, apart=4)
    content, problems, files, initials = apart
    assert sum(parsed_apart) >= 2  # files were parsed on another process, not only its warm-up (no files)
    assert len(content.documents) >= 33 and content.gazettes  # type: ignore[attr-defined]
    assert any(" W101 " in p and "repealing.md:14:" in p for p in problems)
    assert any(" E006 " in p for p in problems) and any("broken.md" in p for p in problems)
    assert "渝文旅发" in initials and "甲局发" in initials
    assert apart == alone
