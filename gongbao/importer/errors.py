"""Why an import is refused: the importer's own error codes (I001–I019) and the exception that carries them."""

from __future__ import annotations

from dataclasses import dataclass

#: Every code an import can be refused with. They are not content codes (problems.py): they describe
#: the source text, and an import that reports one writes nothing. The README's importer section lists them.
CODES: dict[str, str] = {
    "I001": "源文件不是文本（二进制数据，或不是 UTF-8、UTF-16、GB18030 编码）",
    "I002": "源文件是空的",
    "I003": "封面上找不到期号（“2024年第2期”）",
    "I004": "封面上找不到出版日期（“出版日期：2024年10月10日”）",
    "I005": "找不到任何公文（“……文件”一行之后紧跟文号）",
    "I006": "导入结果未通过内容检查",
    "I007": "源文件无法读取",
    "I008": "输出目录无法写入",
}


@dataclass(frozen=True, slots=True)
class SourceError:
    """One reason the source cannot be imported, located in the source text."""

    line: int
    """1-based line in the source text; 0 when it concerns the whole text."""
    code: str
    """A key of `CODES`."""
    message: str


class ImportRefused(Exception):
    """The source is not an issue the importer can turn into valid content; nothing was written."""

    def __init__(self, errors: list[SourceError]):
        assert errors and all(e.code in CODES for e in errors), errors
        super().__init__(f"{len(errors)} error(s) in the source")
        self.errors = tuple(sorted(errors, key=lambda e: (e.line, e.code)))
