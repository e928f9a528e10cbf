"""Shared helpers: tiny gongbao projects made in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gongbao.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
AS_OF = "2025-01-01"

BASE_GAZETTE = """\
---
year: 2024
number: 1
total_number: 164
published: 2024-06-30
sections:
  - title: 区政府文件
  - title: 区政府办公室文件
---
"""

BASE_DOCUMENT = """\
---
title: 重庆市武隆区人民政府关于发布森林防火禁火令的通告
doc_number: 武隆府发〔2024〕9号
issuer: 重庆市武隆区人民政府
doc_type: 通告
signed: 2024-06-13
gazette: 2024-01
page: 1
section: 区政府文件
disclosure: 此件公开发布
---
为有效预防和遏制森林火灾，区政府特颁布森林防火禁火令。

::: signature
重庆市武隆区人民政府\\
2024年6月13日
:::
"""


def write_project(root: Path, files: dict[str, str] | None = None, base: bool = True) -> Path:
    """A project with no templates/ of its own, so it uses the theme installed with gongbao, as a user's does;
    `files` (path → text) are added or replace the base."""
    root.mkdir(parents=True, exist_ok=True)
    all_files = {
        "gongbao.yaml": "title: 测试公报\n",
    }
    if base:
        all_files["content/gazettes/2024-01.md"] = BASE_GAZETTE
        all_files["content/documents/base.md"] = BASE_DOCUMENT
    all_files.update(files or {})
    for rel, text in all_files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def published_assets(site: Path) -> Path:
    """site/assets/<digest>/, where a build publishes the assets (see render.Assets)."""
    (folder,) = (site / "assets").iterdir()
    return folder


def overlay(root: Path, fixture: Path) -> None:
    """Copy a fixture folder over a project (its files add to or replace the project's)."""
    for src in fixture.rglob("*"):
        if src.is_file() and src.name != "expect.txt":
            dst = root / src.relative_to(fixture)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--project", str(project), "--as-of", AS_OF], catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "proj")
