"""How commands report: problems, then a failure or the summary with the time of each stage; --quiet, --verbose, --strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, overlay, run, write_project
from gongbao.report import Terminal

STAGES = ("读取", "关系", "渲染", "索引", "写入")
WARNING = FIXTURES / "errors" / "W101_body_says_repealed_without_relation"


def test_build_ends_with_the_time_of_each_stage_and_the_total(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    summary, timings = result.stdout.splitlines()
    assert summary.startswith("已生成 site/：1 件公文")
    assert [part.split()[0] for part in timings.split(" · ")] == [*STAGES, "共"]
    assert "\033" not in result.output  # no progress drawn when the output is not a terminal


def test_verbose_says_what_each_stage_did_and_reused(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    first = run(project, "build", "--verbose").stdout
    assert "读取：2 个文件，重新解析 2 个" in first
    assert "索引：已重建" in first
    again = run(project, "build", "--verbose").stdout
    assert "读取：2 个文件，重新解析 0 个" in again
    assert "重新渲染 0 篇；重新渲染页面 0 个" in again
    assert "索引：搜索记录未变，沿用上次的索引" in again


def test_quiet_prints_only_problems(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    overlay(project, WARNING)
    result = run(project, "build", "--quiet")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert ": W101 " in result.stderr


@pytest.mark.parametrize("command", ["build", "check", "bundle"])
def test_strict_fails_on_warnings_and_writes_nothing(tmp_path: Path, command: str) -> None:
    project = write_project(tmp_path / "proj")
    overlay(project, WARNING)
    result = run(project, command, "--strict")
    assert result.exit_code == 1
    assert ": W101 " in result.stderr
    assert "（--strict：警告视为错误）：0 个错误，1 个警告" in result.stderr
    assert not (project / "site").exists() and not (project / "dist").exists()


def test_a_failed_build_says_so_after_its_problems(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    overlay(project, FIXTURES / "errors" / "E012_unknown_gazette")
    lines = run(project, "build").stderr.splitlines()
    assert ": E012 " in lines[0]
    assert lines[-1] == "构建失败，site/ 保持原样：1 个错误"


def test_the_progress_bar_counts_the_items_and_leaves_no_line(capsys: pytest.CaptureFixture[str]) -> None:
    items = list(range(5))
    assert list(Terminal().bar("页面", items)) == items
    drawn = capsys.readouterr().err
    assert "页面 [" in drawn and "0/5" in drawn
    assert drawn.endswith("\r")  # the line erased (click drops the escape code when not on a terminal)
