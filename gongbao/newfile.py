"""New: a document's or an issue's content file, its front matter filled in, checked, placed as the importer would."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import docnumber, load
from .cache import CACHE_DIR, code_version, load_content_cached, load_state
from .config import Settings
from .frontmatter import front_matter_text
from .model import Content, Document, Gazette
from .problems import Problems
from .relations import build_library
from .render import cn_date
from .slugs import slug_for_doc_number

#: An issue's id as the importer names it: year and two-digit number.
ISSUE_ID = re.compile(r"^(\d{4})-(\d{1,2})$")
#: A document file under an issue's folder: its place in the issue, then its permalink.
_PLACED = re.compile(r"^(\d+)-")

BODY_CONVENTIONS = """\
# 正文写法（详见 README 的 Body conventions）：
#   页面已显示标题，正文不写 # 标题；附件方案的标题用 ##，层次标题依次用 ###（一、）####（（一））#####（1.）。
#   编号段落写作 1\\. 以免被当作列表；表格用 | 分隔的表格语法。
#   主送机关写在 ::: addressee 与 ::: 之间，落款写在 ::: signature 与 ::: 之间（已按发文机关和成文日期填好），
#   公开属性用 ::: disclosure，编者注用 ::: editor-note。
#   正文中的文号和《标题》会自动链接到该文件；废止、替代、修改其他文件时，在前言中加 repeals、replaces 或 amends。
"""


@dataclass(frozen=True, slots=True)
class NewFile:
    """A content file to write."""

    path: Path
    text: str
    gazette: bool
    """True for an issue file (content/gazettes/), False for a document."""


@dataclass(frozen=True, slots=True)
class NewDocument:
    """What the command line says of a new document."""

    title: str
    doc_number: str | None
    issuers: tuple[str, ...]
    doc_type: str
    signed: dt.date
    gazette: str | None = None
    page: int | None = None
    section: str | None = None
    slug: str | None = None
    disclosure: str | None = None


def document_file(settings: Settings, new: NewDocument, problems: Problems) -> NewFile | None:
    """The file of a new document: under its issue's folder, numbered after the documents already there
    (documents/<issue>/<nn>-<permalink>.md, as the importer writes them), or directly under documents/."""
    slug = new.slug or (slug_for_doc_number(docnumber.normalize(new.doc_number)) if new.doc_number else None)
    documents = settings.content_path / load.DOCUMENTS_DIR
    if slug is None:
        problems.error(documents, 0, "E082", "新建公文须给出 --doc-number（文号）或 --slug（网址），以确定文件名")
        return None
    if new.gazette is None:
        path = documents / f"{slug}.md"
    else:
        folder = documents / new.gazette
        taken = [int(m[1]) for p in folder.glob("*.md") if (m := _PLACED.match(p.name))] if folder.is_dir() else []
        path = folder / f"{max(taken, default=0) + 1:02d}-{slug}.md"
    data: dict[str, object] = {"title": new.title}
    if new.doc_number:
        data["doc_number"] = new.doc_number
    if new.slug:
        data["slug"] = new.slug
    data["issuer"] = new.issuers[0] if len(new.issuers) == 1 else list(new.issuers)
    data.update({"doc_type": new.doc_type, "signed": new.signed})
    data.update({k: v for k, v in (("gazette", new.gazette), ("page", new.page), ("section", new.section),
                                   ("disclosure", new.disclosure)) if v is not None})
    signature = "\\\n".join([*new.issuers, cn_date(new.signed)])
    return NewFile(path, front_matter_text(data, BODY_CONVENTIONS) + f"::: signature\n{signature}\n:::\n", False)


def gazette_file(settings: Settings, issue: str, published: dt.date, total_number: int | None,
                 sections: tuple[str, ...], problems: Problems) -> NewFile | None:
    """The file of a new issue, content/gazettes/<year>-<nn>.md; what it does not say (栏目, 刊期, 编辑委员会,
    版权信息, 总期号) is taken from the latest issue before it, for the editor to check."""
    gazettes = settings.content_path / load.GAZETTES_DIR
    m = ISSUE_ID.match(issue)
    if m is None:
        problems.error(gazettes, 0, "E081", f"期号 {issue!r} 格式不正确，应为 年份-期号，如 2024-02")
        return None
    year, number = int(m[1]), int(m[2])
    previous = _previous_issue(gazettes, settings.title, (year, number))
    data: dict[str, object] = {"year": year, "number": number}
    if total_number is None and previous is not None and previous.total_number \
            and (previous.year, previous.number) == (year, number - 1):
        total_number = previous.total_number + 1
    if total_number is not None:
        data["total_number"] = total_number
    data["published"] = published
    if previous is not None and previous.frequency:
        data["frequency"] = previous.frequency
    data["sections"] = list(sections) or ([s.title for s in previous.sections] if previous else [])
    if previous is not None:
        data.update({k: dict(v) for k, v in (("editorial_board", previous.editorial_board),
                                             ("colophon", previous.colophon)) if v})
    note = f"# 刊期、栏目、编辑委员会和版权信息抄自上一期（{previous.id}），请核对。\n" if previous else ""
    body = "# 正文可写本期中不属于任何公文的内容，如“文件检索”。\n"
    return NewFile(gazettes / f"{year}-{number:02d}.md", front_matter_text(data, note + body), True)


def _previous_issue(gazettes: Path, site_title: str, before: tuple[int, int]) -> Gazette | None:
    issues = [g for p in sorted(gazettes.glob("*.md")) if (g := load.load_gazette(p, site_title, Problems()))]
    earlier = [g for g in issues if (g.year, g.number) < before]
    return max(earlier, key=lambda g: (g.year, g.number), default=None)


def check_new(settings: Settings, new: NewFile, as_of: dt.date, problems: Problems) -> None:
    """Report the problems the new file would bring: its own, and those a check of all the content finds
    with it and not without it (a 文号 or permalink taken, an issue or 栏目 that does not exist)."""
    if new.path.exists():
        problems.error(new.path, 0, "E080", "文件已存在；gongbao new 不覆盖已有文件")
        return
    shown = problems.show(new.path)
    with tempfile.TemporaryDirectory(prefix="gongbao-new-") as tmp:
        draft = Path(tmp) / new.path.name  # the same name: an issue's id is its file's
        draft.write_text(new.text, encoding="utf-8")
        own = Problems(root=problems.root)
        record = (load.load_gazette(draft, settings.title, own) if new.gazette else load.load_document(draft, own))
    problems.items.extend(dataclasses.replace(p, path=shown) for p in own.items)
    if record is None:
        return
    record = dataclasses.replace(record, path=shown)
    state = load_state(settings.project_dir / CACHE_DIR, code_version(), sources_only=True)
    content = load_content_cached(settings.content_path, settings.title, Problems(root=problems.root), state)
    before = Problems(root=problems.root)
    build_library(content, as_of, before)
    after = Problems(root=problems.root)
    build_library(_with(content, record), as_of, after)
    known = set(before.items)
    problems.items.extend(p for p in after.items if p not in known)


def _with(content: Content, record: Document | Gazette) -> Content:
    if isinstance(record, Gazette):
        return Content(content.documents, (*content.gazettes, record))
    return Content((*content.documents, record), content.gazettes)


def write_new(new: NewFile) -> None:
    """Write the file, never over another (one may have appeared since the check)."""
    new.path.parent.mkdir(parents=True, exist_ok=True)
    with new.path.open("x", encoding="utf-8") as f:
        f.write(new.text)
