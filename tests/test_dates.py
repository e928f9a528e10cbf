"""A date that is mistyped is named with its field, its value and why: no such day, or the wrong way of writing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import BASE_DOCUMENT, run, write_project


@pytest.mark.parametrize(("written", "said"), [
    ("2024-02-30", "signed（成文日期）: 日期 '2024-02-30' 不存在：2024年2月没有30日"),
    ("'2024-02-30'", "signed（成文日期）: 日期 '2024-02-30' 不存在：2024年2月没有30日"),
    ("2023-02-29", "signed（成文日期）: 日期 '2023-02-29' 不存在：2023年2月没有29日"),
    ("2024-13-01", "signed（成文日期）: 日期 '2024-13-01' 不存在：一年没有13月"),
    ("2024年6月31日", "signed（成文日期）: 日期 '2024年6月31日' 不存在：2024年6月没有31日"),
    ("2024/6/13", "signed（成文日期）: 日期应写作 YYYY-MM-DD，如 2025-02-20，而不是 '2024/6/13'"),
    ("六月十三日", "signed（成文日期）: 日期应写作 YYYY-MM-DD，如 2025-02-20，而不是 '六月十三日'"),
])
def test_a_date_that_cannot_be_read_says_why_in_the_fields_terms(tmp_path: Path, written: str, said: str) -> None:
    document = BASE_DOCUMENT.replace("signed: 2024-06-13", f"signed: {written}")
    project = write_project(tmp_path / "proj", {"content/documents/base.md": document})
    result = run(project, "check")
    assert result.exit_code == 1
    assert f"content/documents/base.md:6: E008 {said}" in result.stderr.splitlines()
    assert not any(english in result.stderr for english in ("range", "isoformat", "month"))


@pytest.mark.parametrize("written", ["2024-06-13", "'2024-06-13'", "2024-6-13", "'2024-6-13'", "2024年6月13日"])
def test_the_ways_of_writing_a_date_that_were_read_still_are(tmp_path: Path, written: str) -> None:
    document = BASE_DOCUMENT.replace("signed: 2024-06-13", f"signed: {written}")
    project = write_project(tmp_path / "proj", {"content/documents/base.md": document})
    result = run(project, "check")
    assert result.exit_code == 0, result.stderr
