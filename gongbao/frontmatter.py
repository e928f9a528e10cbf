"""Front matter: a content file → its YAML nodes and its body, refusing what YAML allows but content never needs;
and the other way, the front matter gongbao writes (the importer, `gongbao new`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .problems import Problems, clip

#: Deepest front-matter nesting read: the schema needs 6 (sections → items → title); deeper is a
#: mistake or an attack (10,000 "[" exhaust the composer's recursion).
MAX_YAML_DEPTH = 20

#: Refused anywhere in a content file: control characters other than tab and newline (YAML refuses
#: them, a page would not show them) and U+2028/U+2029, which YAML counts as line breaks and editors don't.
REFUSED_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_REPORTED_LINES = 10

#: key → (value, node, line)
Fields = dict[str, tuple[Any, yaml.Node, int]]


@dataclass(frozen=True, slots=True)
class RawFile:
    """A content file split into its front-matter fields and body."""

    path: Path
    fields: Fields
    body: str
    body_line: int
    failed: frozenset[str]
    """Keys present but unreadable (already reported): not also reported as missing."""


class _Refused(Exception):
    """A YAML feature that front matter never needs and a hostile file would use, found by `_StrictLoader`."""

    def __init__(self, code: str, message: str, mark: yaml.Mark):
        super().__init__(message)
        self.code = code
        self.line = mark.line + 2  # the front matter starts on the file's line 2


class _Strict(yaml.composer.Composer):
    """A composer that refuses, while composing and before anything is built: anchors and aliases (a
    1 KB alias bomb expands to gigabytes), tags (!!bool maybe breaks the constructor), keys that are
    lists or mappings, and nesting deeper than MAX_YAML_DEPTH."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if event.anchor is not None:
            raise _Refused("E027", "不支持 YAML 锚点与别名（&、*）：请直接写出内容", event.start_mark)
        if getattr(event, "tag", None) is not None:
            raise _Refused("E027", "不支持 YAML 标签（!…）：需要文字时请加引号", event.start_mark)
        if self.depth == MAX_YAML_DEPTH:
            raise _Refused("E029", f"嵌套超过 {MAX_YAML_DEPTH} 层（是否漏写了 ] 或 }}？）", event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def compose_mapping_node(self, anchor: str | None) -> yaml.MappingNode:
        node = super().compose_mapping_node(anchor)
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused("E028", "键须为简单文字，不能是列表或映射", key_node.start_mark)
        return node


class _StrictLoader(_Strict, yaml.SafeLoader):
    """Pure Python throughout: its error messages and marks (with the line's snippet) are the ones reported."""


if getattr(yaml, "__with_libyaml__", False):
    class _FastLoader(_Strict, yaml.constructor.SafeConstructor, yaml.resolver.Resolver, yaml.cyaml.CParser):
        """libyaml's scanner and parser (most of the time YAML takes) under the same strict composer and
        the same constructor, so a file it reads without a problem gives the same fields."""

        def __init__(self, stream: str):
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _LOADERS: tuple[type[_Strict], ...] = (_FastLoader, _StrictLoader)
else:
    _LOADERS = (_StrictLoader,)


def _normalize_newlines(text: str) -> str:
    """\\r\\n and \\r as \\n, as markdown-it reads them, so that every stage counts the same lines."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_characters(path: Path, text: str, problems: Problems) -> bool:
    """Report the lines (the first few) that hold refused characters; True when there are none."""
    found = _refused_by_line(text)
    for n, (line, char) in enumerate(found):
        if n == _REPORTED_LINES:
            problems.error(path, line, "E026", "此后还有含不可见字符的行，未一一列出")
            break
        problems.error(path, line, "E026", f"含不可见字符 U+{ord(char):04X}（控制字符或行分隔符），请删除；常见于从 PDF 或网页复制的文字")
    return not found


def _refused_by_line(text: str) -> list[tuple[int, str]]:
    """(line, character) of the first refused character of each line that has one, up to one past the reported."""
    out: list[tuple[int, str]] = []
    line, pos = 1, 0
    for m in REFUSED_CHARACTERS.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        if not out or out[-1][0] != line:
            out.append((line, m.group()))
            if len(out) > _REPORTED_LINES:
                break
    return out


def _read_yaml(path: Path, text: str, problems: Problems) -> tuple[Fields, set[str]] | None:
    """The front matter's fields and the keys that failed, with libyaml's parser when it reads `text`
    without a problem; else read again by the pure loader, whose reports (messages, marks) are the ones given."""
    for loader_class in _LOADERS[:-1]:
        quiet = Problems()
        read = _fields(path, text, quiet, loader_class)
        if read is not None and not quiet.items:
            return read
    return _fields(path, text, problems, _LOADERS[-1])


def _fields(path: Path, text: str, problems: Problems, loader_class: type[_Strict]) -> tuple[Fields, set[str]] | None:
    loader: Any = loader_class(text)  # type: ignore[call-arg]
    try:
        try:
            node = loader.get_single_node()
        except _Refused as exc:
            problems.error(path, exc.line, exc.code, str(exc))
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            problem = getattr(exc, "problem", None) or exc
            problems.error(path, mark.line + 2 if mark else 1, "E003", f"YAML 语法错误：{str(problem)[:200]}"
                           + ("（值里有冒号时请加引号）" if "mapping values" in str(problem) else ""))
            return None
        if node is None:
            node = yaml.MappingNode("tag:yaml.org,2002:map", [])
        if not isinstance(node, yaml.MappingNode):
            problems.error(path, 2, "E004", "前言须为“键: 值”形式的映射")
            return None
        fields: Fields = {}
        failed: set[str] = set()
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 2
            key = key_node.value
            if key in fields:
                problems.error(path, line, "E007", f"字段 {clip(key)} 重复出现（第 {fields[key][2]} 行已有）")
                continue
            try:
                value = loader.construct_object(value_node, deep=True)
            except yaml.YAMLError as exc:
                problems.error(path, line, "E003", f"{clip(key)}: {str(exc)[:200]}")
                failed.add(key)
                continue
            except ValueError as exc:  # a date that does not exist, or an int too long to read
                if isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(":timestamp"):
                    # As written: the field's own reader says, in the field's terms, why there is no such day.
                    value = value_node.value
                else:
                    problems.error(path, line, "E007", f"{clip(key)}: 数值无法读取（{str(exc)[:200]}）")
                    failed.add(key)
                    continue
            fields[key] = (value, value_node, line)
    finally:
        loader.dispose()
    return fields, failed


def read_front_matter(path: Path, problems: Problems) -> RawFile | None:
    """Split a file into YAML front-matter and body; report and return None when it can't be read."""
    if not path.is_file():  # a folder, or a pipe or device that reading would wait on forever
        problems.error(path, 0, "E001", "不是普通文件")
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(path, 0, "E001", f"无法读取文件：{exc}")
        return None
    text = _normalize_newlines(text)
    if not _check_characters(path, text, problems):
        return None
    lines = text.split("\n")
    if lines[0].strip() != "---":
        problems.error(path, 1, "E002", "文件须以一行 --- 开头，其后是前言（YAML），再以一行 --- 结束")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        problems.error(path, 1, "E002", "前言没有结束：缺少第二行 ---（是否忘了在正文前加 ---？）")
        return None
    read = _read_yaml(path, "\n".join(lines[1:end]), problems)
    if read is None:
        return None
    fields, failed = read
    return RawFile(path, fields, "\n".join(lines[end + 1:]), end + 2, frozenset(failed))


def front_matter_text(data: Mapping[str, object], comments: str = "") -> str:
    """`data` as a file's front matter, between its two `---` lines: keys in the order given, Chinese as
    it is, no line folded; `comments` (YAML comment lines) after the fields."""
    front = yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}{comments}---\n"
