"""Every content error code has a failing fixture; messages are `path:line: CODE message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, overlay, run, write_project
from gongbao.output import STAMP, STAMP_TEXT

#: A fixture with a command.txt is for that command (tests/test_new.py), not for build and check.
ERROR_FIXTURES = sorted(p for p in (FIXTURES / "errors").iterdir() if p.is_dir() and not (p / "command.txt").exists())


def _expected(fixture: Path) -> list[str]:
    return [line for line in (fixture / "expect.txt").read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("fixture", ERROR_FIXTURES, ids=lambda p: p.name)
def test_fixture_reports_its_problem_and_leaves_site_untouched(tmp_path: Path, fixture: Path) -> None:
    project = write_project(tmp_path / "proj")
    site = project / "site"
    site.mkdir()
    (site / "index.html").write_text("previous site", encoding="utf-8")
    (site / STAMP).write_text(STAMP_TEXT, encoding="utf-8")  # made by gongbao: a build may replace it
    overlay(project, fixture)

    result = run(project, "build")

    for expected in _expected(fixture):
        assert any(line.startswith(expected) for line in result.stderr.splitlines()), (expected, result.stderr)
    assert "Traceback" not in result.output
    if fixture.name.startswith("E"):
        assert result.exit_code == 1
        assert "构建失败" in result.stderr or "配置有误" in result.stderr
        assert sorted(p.name for p in site.iterdir()) == sorted([STAMP, "index.html"])
        assert (site / "index.html").read_text(encoding="utf-8") == "previous site"
        assert not [p for p in project.iterdir() if p.name.startswith(".site-")], "staging folder left behind"
    else:
        assert result.exit_code == 0, result.output
        assert (site / "api" / "documents.json").is_file()


@pytest.mark.parametrize("fixture", [f for f in ERROR_FIXTURES if f.name[:4] not in ("E025",)], ids=lambda p: p.name)
def test_check_reports_the_same_problem_without_writing(tmp_path: Path, fixture: Path) -> None:
    project = write_project(tmp_path / "proj")
    overlay(project, fixture)
    result = run(project, "check")
    for expected in _expected(fixture):
        assert any(line.startswith(expected) for line in result.stderr.splitlines()), (expected, result.stderr)
    assert result.exit_code == (1 if fixture.name.startswith("E") else 0)
    assert not (project / "site").exists()


def test_all_problems_of_a_run_are_reported_together(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    names = ["E005_unknown_key", "E008_impossible_date", "E010_duplicate_doc_number", "E023_unclosed_container"]
    for name in names:
        overlay(project, FIXTURES / "errors" / name)
    result = run(project, "check")
    assert result.exit_code == 1
    for name in names:
        assert f": {name[:4]} " in result.stderr
    assert "4 个错误" in result.stderr


def test_strict_turns_warnings_into_failure(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    overlay(project, FIXTURES / "errors" / "W101_body_says_repealed_without_relation")
    assert run(project, "check").exit_code == 0
    assert run(project, "check", "--strict").exit_code == 1
