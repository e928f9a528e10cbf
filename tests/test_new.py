"""`gongbao new`: files with their front matter filled in, placed as the importer places them, that pass `check`."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from conftest import FIXTURES, overlay, run, write_project

NEW_FIXTURES = sorted(p for p in (FIXTURES / "errors").iterdir() if (p / "command.txt").exists())
DOCUMENT = ("new", "document", "--title", "重庆市武隆区人民政府关于做好防汛工作的通知",
            "--doc-number", "武隆府发〔2024〕12号", "--issuer", "重庆市武隆区人民政府", "--doc-type", "通知",
            "--signed", "2024-06-20", "--gazette", "2024-01", "--page", "5", "--section", "区政府文件")


def _content(project: Path) -> dict[str, str]:
    return {p.relative_to(project).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((project / "content").rglob("*.md"))}


def test_new_document_goes_in_its_issue_folder_and_passes_check(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    result = run(project, *DOCUMENT)
    assert result.exit_code == 0, result.output
    path = project / "content/documents/2024-01/01-wlff-2024-12.md"
    assert result.output == "已写入 content/documents/2024-01/01-wlff-2024-12.md\n"
    text = path.read_text(encoding="utf-8")
    assert "doc_number: 武隆府发〔2024〕12号\n" in text and "section: 区政府文件\n" in text
    assert "::: signature\n重庆市武隆区人民政府\\\n2024年6月20日\n:::\n" in text
    check = run(project, "check", "--strict")
    assert check.exit_code == 0, check.output
    assert "2 件公文" in check.output


def test_new_document_is_numbered_after_those_already_in_the_issue(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    (project / "content/documents/2024-01").mkdir()
    (project / "content/documents/base.md").rename(project / "content/documents/2024-01/03-wlff-2024-9.md")
    assert run(project, *DOCUMENT).exit_code == 0
    assert (project / "content/documents/2024-01/04-wlff-2024-12.md").is_file()


def test_new_gazette_takes_what_it_is_not_told_from_the_issue_before(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    result = run(project, "new", "gazette", "2024-2", "--published", "2024-08-31")
    assert result.exit_code == 0, result.output
    text = (project / "content/gazettes/2024-02.md").read_text(encoding="utf-8")
    assert "year: 2024\nnumber: 2\ntotal_number: 165\npublished: 2024-08-31\n" in text
    assert "sections:\n- 区政府文件\n- 区政府办公室文件\n" in text
    assert run(project, "check", "--strict").exit_code == 0
    document = [*DOCUMENT[:-6], "--gazette", "2024-02", "--section", "区政府办公室文件"]
    assert run(project, *document).exit_code == 0
    assert run(project, "check", "--strict").exit_code == 0


@pytest.mark.parametrize(("change", "expected"), [
    (("--doc-number", "武隆府发〔2024〕9号"), "content/documents/2024-01/01-wlff-2024-9.md:3: E010"),
    (("--gazette", "2024-09"), "content/documents/2024-09/01-wlff-2024-12.md:7: E012"),
    (("--section", "无此栏目"), "content/documents/2024-01/01-wlff-2024-12.md:9: E013"),
    (("--signed", "2024-02-30"), None),
    (("--doc-number", "第12号"), "content/documents/2024-01/01-d12h.md:3: E011"),
    (("--slug", "Bad_Slug"), ":4: E016"),
])
def test_new_writes_nothing_that_check_would_reject(tmp_path: Path, change: tuple[str, str],
                                                    expected: str | None) -> None:
    project = write_project(tmp_path / "proj")
    before = _content(project)
    args = list(DOCUMENT)
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += change
    result = run(project, *args)
    assert result.exit_code != 0
    if expected:
        assert any(expected in line for line in result.stderr.splitlines()), result.stderr
        assert "未写入" in result.stderr
    assert _content(project) == before


@pytest.mark.parametrize("fixture", NEW_FIXTURES, ids=lambda p: p.name)
def test_new_fixture_reports_its_problem_and_writes_nothing(tmp_path: Path, fixture: Path) -> None:
    project = write_project(tmp_path / "proj")
    overlay(project, fixture)
    (project / "command.txt").unlink()
    before = _content(project)
    result = run(project, *shlex.split((fixture / "command.txt").read_text(encoding="utf-8")))
    for expected in (fixture / "expect.txt").read_text(encoding="utf-8").splitlines():
        assert any(line.startswith(expected) for line in result.stderr.splitlines()), (expected, result.stderr)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert _content(project) == before
