"""Content problems: every error or warning carries `path:line: CODE message`."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]

#: Every code a build can report, with what it means. The README's error table is made from this.
CODES: dict[str, str] = {
    "E001": "文件无法读取或不是 UTF-8 编码",
    "E002": "缺少 YAML 前言（文件须以 --- 开头，并以另一行 --- 结束前言）",
    "E003": "YAML 语法错误",
    "E004": "前言不是“键: 值”形式的映射",
    "E005": "未知的字段",
    "E006": "缺少必填字段",
    "E007": "字段类型或取值不正确",
    "E008": "日期不存在或格式不对（应为 YYYY-MM-DD）",
    "E009": "页码须为正整数",
    "E010": "文号重复",
    "E011": "文号格式不正确（应如 武隆府发〔2024〕9号）",
    "E012": "公报期号不存在（content/gazettes/ 中没有该期）",
    "E013": "栏目不在该期公报的栏目列表中",
    "E014": "页码须与公报期号一同给出",
    "E015": "网址（slug）冲突",
    "E016": "网址（slug）须为小写字母、数字和连字符",
    "E017": "公报期次重复",
    "E018": "关联指向自身",
    "E019": "关联构成循环",
    "E020": "同一文件被多次终止且日期相互矛盾",
    "E021": "终止日期早于被终止文件自身的日期",
    "E022": "同一关联重复声明",
    "E023": "正文中的 Markdown 容器未闭合或名称未知",
    "E024": "站点配置错误",
    "E025": "模板错误",
    "E026": "文件含控制字符或 Unicode 行分隔符（NUL、换页、ESC 等不可见字符）",
    "E027": "前言使用了 YAML 锚点、别名或标签（&、*、!）",
    "E028": "前言的键须为简单文字，不能是列表或映射",
    "E029": "前言嵌套过深",
    "E030": "正文的列表、引用或容器嵌套超出 Markdown 渲染的上限，其中的内容会丢失",
    "E031": "同一文号以多种关联（废止、替代、修改）声明",
    "E032": "发文机关重复",
    "E033": "公报栏目重复",
    "E034": "有效期至早于成文日期或施行日期",
    "E035": "表格行的单元格多于表头，多出的内容不会显示",
    "E040": "输出目录是项目文件夹本身，或包含项目文件夹",
    "E041": "输出目录与 content/ 或 templates/ 重叠",
    "E042": "输出路径是文件、符号链接或挂载点，不是可整体替换的文件夹",
    "E043": "输出目录非空且不是 gongbao 生成的（或同名文件不是 gongbao 的离线包），不会覆盖",
    "E050": "站点配置缺少必填项（如刊名 title；新站点请运行 gongbao init）",
    "E051": "logo 图片文件不存在或不是网页图片",
    "E052": "站点配置的取值格式不正确（网站标识码、备案号、网址、邮箱、文件夹）",
    "E060": "base_url 须为以 http:// 或 https:// 开头、以 / 结尾的完整网址",
    "E070": "公报 PDF 文件不存在（须放在该期公报文件旁）",
    "E071": "公报 PDF 须写作同一文件夹中的 .pdf 文件名",
    "E080": "gongbao new：要新建的文件已存在（不覆盖）",
    "E081": "gongbao new gazette：期号格式不正确（应如 2024-02）",
    "E082": "gongbao new document：既无文号也无网址（slug），无法确定文件名",
    "W101": "正文称某文号“废止”，但前言未声明对应关联",
    "W102": "被引用文件在不同文件中的标题不一致",
    "W103": "正文中的一行会被当作 Markdown 链接定义，不会显示",
}

#: Longest message printed: a value pasted into the content by mistake must not flood the terminal.
MESSAGE_LIMIT = 400


class _Brief(reprlib.Repr):
    """reprlib's bounded repr, with few items per level: its cost and length don't grow with the value."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict, self.maxset = 2, 4, 4, 4, 4


_BRIEF = _Brief()


def clip(value: object, limit: int = 60) -> str:
    """`value` as a message shows it: its repr, cut to `limit` characters with … (never the whole of a huge value)."""
    if isinstance(value, str):
        text = repr(value[:limit])
    else:
        try:
            text = _BRIEF.repr(value)
        except ValueError:  # an int with more digits than Python will print
            text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with the content, located at a file and line."""

    path: str
    """Path as the user should see it (relative to the project when possible)."""
    line: int
    """1-based line number; 0 when the problem concerns the whole file."""
    code: str
    """Stable code from `CODES`."""
    message: str
    """What is wrong and, where it helps, how to fix it."""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.code} {self.message}"


@dataclass(slots=True)
class Problems:
    """Collects problems from every stage so that a run reports all of them at once."""

    items: list[Problem] = field(default_factory=list)
    root: Path | None = None
    """Paths under this folder are shown relative to it."""
    shown: dict[Path | str, str] = field(default_factory=dict, repr=False)
    """`show` per path: resolving costs system calls, and one file may have thousands of problems."""
    folders: dict[Path, str | None] = field(default_factory=dict, repr=False)
    """`_as_written` per folder of a path shown."""

    def show(self, path: Path | str) -> str:
        if path not in self.shown:
            p = Path(path)
            folder = self._folder(p.parent) if p.name not in ("", ".", "..") else None
            if folder is None:
                self.shown[path] = self._relative(p)
            else:  # a build shows thousands of files of a few folders: each folder is worked out once
                self.shown[path] = p.name if folder == "." else f"{folder}/{p.name}"
        return self.shown[path]

    def _folder(self, folder: Path) -> str | None:
        """_as_written of a folder, worked out once."""
        if folder not in self.folders:
            self.folders[folder] = self._as_written(folder)
        return self.folders[folder]

    def _as_written(self, p: Path) -> str | None:
        """`p` relative to the root as written, without resolving (a system call per folder of the path); None when
        it is not under the root so."""
        if self.root is None or ".." in p.parts:
            return None
        try:
            return p.absolute().relative_to(self.root.absolute()).as_posix()
        except ValueError:
            return None

    def _relative(self, p: Path) -> str:
        shown = self._as_written(p)
        if shown is not None:
            return shown
        if self.root is not None:
            try:
                return p.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        return p.as_posix()

    def error(self, path: Path | str, line: int, code: str, message: str) -> None:
        self._add(path, line, code, message, "error")

    def warn(self, path: Path | str, line: int, code: str, message: str) -> None:
        self._add(path, line, code, message, "warning")

    def _add(self, path: Path | str, line: int, code: str, message: str, severity: Severity) -> None:
        assert code in CODES, code
        cut = len(message) > 2 * MESSAGE_LIMIT  # before splitting: a message may list thousands of documents
        message = " ".join(message[:2 * MESSAGE_LIMIT].split())  # one problem, one line (YAML errors span several)
        if cut or len(message) > MESSAGE_LIMIT:
            message = message[:MESSAGE_LIMIT - 1] + "…"
        self.items.append(Problem(self.show(path), line, code, message, severity))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=lambda p: (p.path, p.line, p.code, p.message))


class ContentError(Exception):
    """Raised when a stage finished with errors; carries all problems of the run."""

    def __init__(self, problems: Problems):
        super().__init__(f"{len(problems.errors)} error(s) in content")
        self.problems = problems
