"""Front matter read with libyaml's parser: the same fields, values and lines as the pure loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gongbao import frontmatter
from gongbao.problems import Problems

REPO = Path(__file__).resolve().parent.parent

SAMPLE = """\
title: "关于印发《某某办法》的通知"
doc_number: 国办发〔2024〕1号
issuer: [国务院办公厅, 'Ministry: of "Finance"']
signed: 2024-02-01
effective: 2024-02-30
page: 12
disclosure: 主动公开
replaces:
  - 国办发〔2020〕3号
sections:
  - title: >
      第一章
      总则
    items: [{title: 第一条}]
note: |
  两行
  文字
"""


def _nodes(node: yaml.Node) -> Any:
    """A node tree as plain data: tag, value and position of every node (libyaml spells a plain
    scalar's style '' where the pure parser has None; nothing reads it)."""
    if isinstance(node, yaml.ScalarNode):
        return node.tag, node.value, node.style or None, node.start_mark.line, node.start_mark.column
    children = [(_nodes(k), _nodes(v)) for k, v in node.value] if isinstance(node, yaml.MappingNode) \
        else [_nodes(n) for n in node.value]
    return node.tag, children, node.start_mark.line, node.start_mark.column


def _read(text: str, loader: type) -> tuple[Any, Problems]:
    problems = Problems()
    read = frontmatter._fields(Path("x.md"), text, problems, loader)
    if read is None:
        return None, problems
    fields, failed = read
    return {k: (v, type(v), _nodes(node), line) for k, (v, node, line) in fields.items()}, failed


@pytest.mark.skipif(len(frontmatter._LOADERS) < 2, reason="PyYAML without libyaml")
@pytest.mark.parametrize("text", [SAMPLE, *(p.read_text(encoding="utf-8").split("---\n")[1]
                                           for p in sorted((REPO / "content").rglob("*.md")))])
def test_libyaml_reads_front_matter_as_the_pure_loader_does(text: str) -> None:
    fast, pure = (_read(text, loader) for loader in frontmatter._LOADERS)
    assert fast[0] is not None and fast == pure


def test_a_yaml_error_is_reported_in_the_pure_loaders_words(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: a: b\n---\n正文\n", encoding="utf-8")
    problems = Problems()
    assert frontmatter.read_front_matter(path, problems) is None
    pure = Problems()
    frontmatter._fields(path, "title: a: b", pure, frontmatter._StrictLoader)
    assert [(p.line, p.code, p.message) for p in problems.items] == [(p.line, p.code, p.message) for p in pure.items]
    assert problems.items[0].line == 2 and "（值里有冒号时请加引号）" in problems.items[0].message
