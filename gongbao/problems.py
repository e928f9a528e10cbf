"""Content problems: every error or warning carries `path:line: CODE message`."""

from __future__ import annotations

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
    "E080": "gongbao new：要新建的文件已存在（不覆盖）",
    "E081": "gongbao new gazette：期号格式不正确（应如 2024-02）",
    "E082": "gongbao new document：既无文号也无网址（slug），无法确定文件名",
    "W101": "正文称某文号“废止”，但前言未声明对应关联",
    "W102": "被引用文件在不同文件中的标题不一致",
}


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

    def show(self, path: Path | str) -> str:
        p = Path(path)
        if self.root is not None:
            try:
                return p.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        return p.as_posix()

    def error(self, path: Path | str, line: int, code: str, message: str) -> None:
        assert code in CODES, code
        self.items.append(Problem(self.show(path), line, code, message))

    def warn(self, path: Path | str, line: int, code: str, message: str) -> None:
        assert code in CODES, code
        self.items.append(Problem(self.show(path), line, code, message, "warning"))

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
