"""Lint: Markdown in a body that markdown-it would drop on its way to the page, found before rendering."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.rules_block.table import escapedSplit
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from .problems import Problems, clip

#: A line that may open a block container (quote, list item, ::: container); without one, and
#: without "|" (tables) or "]:" (link definitions), a body has nothing markdown-it could drop.
_CONTAINER_LINE = re.compile(r"\n[ \t]*(?:[>*+\-]|:::|\d{1,9}[.)])")
#: What may precede a table row on its line: indentation and the markers of enclosing quotes and lists.
_ROW_PREFIX = re.compile(r"[ \t>*+\-0-9.)]*")


@functools.cache
def _block_parser(containers: tuple[str, ...]) -> MarkdownIt:
    """Blocks as markdown.BodyRenderer parses them (same preset, tables, containers), without the inline pass."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    for name in containers:
        md.use(container_plugin, name=name)
    return md.disable("inline")


def check_body(path: Path, body: str, first_line: int, containers: tuple[str, ...], problems: Problems) -> None:
    """Report Markdown that would not reach the page: nesting past markdown-it's limit, table cells
    past the header row, and lines read as link definitions. `first_line` is the body's line in the file."""
    if "|" not in body and "]:" not in body and not _CONTAINER_LINE.search("\n" + body):
        return
    md = _block_parser(containers)
    env: dict = {}
    tokens = md.parse(body, env)
    lines = re.split(r"\r\n?|\n", body)  # as markdown-it counts them
    # markdown-it stops tokenizing blocks nested maxNesting deep and silently drops the rest of
    # the enclosing block; an element opened one level above that is where the loss starts.
    limit = md.options.maxNesting - 1
    line = 0
    for tok in tokens:
        line = tok.map[0] if tok.map else line
        if tok.nesting == 1 and tok.level >= limit:
            problems.error(path, first_line + line, "E030",
                           f"列表、引用或容器嵌套达到 {limit} 层，Markdown 渲染到此为止，更深处的内容会被丢弃；请减少嵌套")
            break
    for n, cells in _rows(tokens):
        dropped = [c.strip() for c in _cells(lines[n])[cells:] if c.strip()]
        if dropped:
            problems.error(path, first_line + n, "E035",
                           f"此行有 {cells + len(dropped)} 个单元格，表头只有 {cells} 个：{clip(' | '.join(dropped))} 不会显示")
    for ref in [*env.get("references", {}).values(), *env.get("duplicate_refs", [])]:
        problems.warn(path, first_line + ref["map"][0], "W103",
                      f"此行被 Markdown 当作链接定义（[标签]: 网址），不会显示；若是正文，请把开头的 [ 写成 \\[：{clip(lines[ref['map'][0]])}")


def _rows(tokens: list[Token]) -> Iterator[tuple[int, int]]:
    """(line, cells shown) for each table row."""
    line, shown = 0, 0
    for tok in tokens:
        if tok.type == "tr_open":
            line, shown = tok.map[0] if tok.map else line, 0
        elif tok.type in ("td_open", "th_open"):
            shown += 1
        elif tok.type == "tr_close":
            yield line, shown


def _cells(row: str) -> list[str]:
    """A table row's cells as markdown-it splits them; the prefix of enclosing quotes or lists is not a cell."""
    cells = escapedSplit(row.strip())
    if cells and _ROW_PREFIX.fullmatch(cells[0]):
        # A first cell that is only prefix is the empty one before a leading "|" (markdown-it drops it);
        # when a real cell looks like a prefix (e.g. "12"), counting one cell too few can only hide a
        # dropped cell, never report one that isn't.
        cells.pop(0)
    if cells and not cells[-1].strip():
        cells.pop()
    return cells
