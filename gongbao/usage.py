"""Click's usage errors said in Chinese: the command's usage line, then what was wrong with the command line."""

from __future__ import annotations

import ast
import re

import click

#: Click's own wording (its gettext message ids, stable across releases) → ours. Fields keep their names;
#: `!r` fields arrive quoted and are shown bare. A message not listed here is shown as click words it.
_WORDING = {
    "{name} {filename!r} does not exist.": "{name} {filename} 不存在",
    "{name} {filename!r} is a file.": "{filename} 是文件，这里要的是文件夹",
    "{name} {filename!r} is a directory.": "{filename} 是文件夹，这里要的是文件",
    "{name} {filename!r} is not readable.": "{name} {filename} 无权读取",
    "{name} {filename!r} is not writable.": "{name} {filename} 无权写入",
    "{value} is not in the range {range}.": "{value} 不在允许的范围 {range} 内",
    "{value!r} is not a valid {number_type}.": "{value} 不是数字",
    "Option {name!r} requires an argument.": "选项 {name} 后面缺少值",
    "Option {name!r} does not take a value.": "选项 {name} 后面不能带值",
    "Got unexpected extra argument ({args})": "多余的参数：{args}",
    "Got unexpected extra arguments ({args})": "多余的参数：{args}",
    "No such command {name!r}.": "没有 {name} 这个命令",
    "Missing command.": "缺少命令",
}
_KINDS = {"File": "文件", "Directory": "文件夹", "Path": "路径"}


def _field(found: re.Match[str]) -> str:
    name, quoted = found.groups()
    return f"(?P<{name}>'[^']*'|\"[^\"]*\")" if quoted else f"(?P<{name}>.+?)"


def _pattern(message_id: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{(\w+)(!r)?\\\}", _field, re.escape(message_id)) + "$")


_PATTERNS = [(_pattern(message_id), ours) for message_id, ours in _WORDING.items()]


def _bare(value: str) -> str:
    return str(ast.literal_eval(value)) if value[:1] in "'\"" else value


def translate(message: str) -> str:
    """Click's message in Chinese, or as click wrote it when its wording is not one we know."""
    for pattern, ours in _PATTERNS:
        if found := pattern.match(message):
            fields = {k: _bare(v) for k, v in found.groupdict().items()}
            if "filename" in fields:
                fields["name"] = _KINDS.get(fields["name"], fields["name"])
            return ours.format(**fields)
    return message


def _named(param: click.Parameter) -> str:
    return "/".join(param.opts) if isinstance(param, click.Option) else param.human_readable_name


def _suggestion(possibilities: list[str] | None) -> str:
    return f"（是否想用 {'、'.join(possibilities)}？）" if possibilities else ""


def reason(error: click.UsageError) -> str:
    """What was wrong, in one Chinese sentence."""
    param = getattr(error, "param", None)
    if isinstance(error, click.MissingParameter) and param is not None:
        return f"缺少{'选项' if isinstance(param, click.Option) else '参数'} {_named(param)}"
    if isinstance(error, click.NoSuchOption):
        return f"没有 {error.option_name} 这个选项{_suggestion(error.possibilities)}"
    said = translate(error.message) + _suggestion(getattr(error, "possibilities", None))
    return f"{_named(param)}：{said}" if isinstance(error, click.BadParameter) and param is not None else said


def explain(error: click.UsageError) -> str:
    """The usage line of the command that was given, where to read more, and what was wrong."""
    if error.ctx is None:
        return f"错误：{reason(error)}"
    ctx = error.ctx
    usage = " ".join([ctx.command_path, *ctx.command.collect_usage_pieces(ctx)])
    return f"用法：{usage}\n运行 {ctx.command_path} --help 查看说明。\n\n错误：{reason(error)}"
