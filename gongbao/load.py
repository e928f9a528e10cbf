"""Load: content/ files → typed, frozen records, with path:line on every problem."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from .model import CONTAINERS, Attachment, Content, Document, Gazette, RelationDecl, Section, TocItem
from .frontmatter import REFUSED_CHARACTERS, RawFile, read_front_matter
from .problems import Problem, Problems, clip
from . import docnumber, lint, slugs
from .digests import TextDigests, fingerprint
from .kept import quick_pickle, quick_replace
from .slugs import SLUG_RE, slug_for_doc_number

DOCUMENTS_DIR = "documents"
GAZETTES_DIR = "gazettes"

_CN_DATE_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
#: What YAML itself reads as a date (its timestamp form without a time), also when quoted.
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")

#: Largest page or issue number: anything larger is a typo, and a number too long to print would break the page.
MAX_NUMBER = 999_999
#: Longest name that becomes part of a URL (发文机关, 文种, slug): a file name holds at most 255 bytes.
MAX_NAME = 100
#: Longest 文号: a 机关代字 of 12 characters (as the importer and body citations allow), 〔year〕, 序号, 号.
MAX_DOC_NUMBER = 30


class FieldError(Exception):
    """A value that does not fit its field; the message is shown to the editor."""

    def __init__(self, message: str, code: str = "E007", line: int | None = None):
        super().__init__(message)
        self.code = code
        self.line = line


@dataclass(frozen=True, slots=True)
class Field:
    """How one front-matter key is read."""

    parse: Callable[[Any, yaml.Node], Any]
    required: bool = False
    label: str = ""


# ---------------------------------------------------------------- value parsers


def _str(value: Any, node: yaml.Node) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            value = str(value)
        except ValueError:  # an int with more digits than Python will print
            raise FieldError("须为文字，而不是这么长的数字") from None
    if not isinstance(value, str) or not value.strip():
        raise FieldError("须为非空文字")
    if refused := REFUSED_CHARACTERS.search(value):  # written as a YAML escape such as "\f"
        raise FieldError(f"含不可见字符 U+{ord(refused.group()):04X}（控制字符或行分隔符），请删除", "E026")
    return " ".join(value.split())


def _name(value: Any, node: yaml.Node) -> str:
    text = _str(value, node)
    if len(text) > MAX_NAME:
        raise FieldError(f"长 {len(text)} 字，超过 {MAX_NAME} 字（它会成为网址的一部分）：{clip(text)}")
    return text


def _date(value: Any, node: yaml.Node) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if m := _CN_DATE_RE.match(text) or _ISO_DATE_RE.match(text):
            return _calendar_date(text, int(m[1]), int(m[2]), int(m[3]))
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise FieldError(f"日期应写作 YYYY-MM-DD，如 2025-02-20，而不是 {clip(value)}", "E008")


def _calendar_date(text: str, year: int, month: int, day: int) -> dt.date:
    """The day written, or why the calendar has no such day (a typo more often than a wrong format)."""
    if year == 0:
        why = "没有公元 0 年"
    elif not 1 <= month <= 12:
        why = f"一年没有{month}月"
    else:
        try:
            return dt.date(year, month, day)
        except ValueError:
            why = f"{year}年{month}月没有{day}日"
    raise FieldError(f"日期 {clip(text)} 不存在：{why}", "E008")


def _positive_int(value: Any, node: yaml.Node) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_NUMBER:
        raise FieldError(f"须为不超过 {MAX_NUMBER} 的正整数，而不是 {clip(value)}", "E009")
    return value


def _year(value: Any, node: yaml.Node) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1949 <= value <= 2999:
        raise FieldError(f"年份须为四位数字，而不是 {clip(value)}")
    return value


def _doc_number(value: Any, node: yaml.Node) -> str:
    text = docnumber.normalize(_str(value, node))
    if len(text) > MAX_DOC_NUMBER:
        raise FieldError(f"文号长 {len(text)} 字，超过 {MAX_DOC_NUMBER} 字：{clip(text)}", "E011")
    if docnumber.parse(text) is None:
        raise FieldError(f"文号 {clip(text)} 格式不正确，应如 武隆府发〔2024〕9号", "E011")
    return text


def _issuers(value: Any, node: yaml.Node) -> tuple[str, ...]:
    if not isinstance(value, list):
        return (_name(value, node),)
    if not value:
        raise FieldError("须至少有一个发文机关")
    issuers = _list_of(_name)(value, node)
    _no_repeats(issuers, node.value, "E032")
    return issuers


def _topics(value: Any, node: yaml.Node) -> tuple[str, ...]:
    """主题分类: a list, or one topic written as text."""
    return tuple(_str(v, node) for v in (value if isinstance(value, list) else [value]))


def _pdf_name(value: Any, node: yaml.Node) -> str:
    """A file name beside the gazette file: the site copies it under the issue's URL, so no folder."""
    text = _str(value, node)
    if "/" in text or "\\" in text or text.startswith(".") or not text.lower().endswith(".pdf"):
        raise FieldError(f"{text!r} 须为与公报文件同一文件夹中的 .pdf 文件名（不含路径）", "E071")
    return text


def _slug(value: Any, node: yaml.Node) -> str:
    text = _name(value, node)
    if not SLUG_RE.match(text):
        raise FieldError(f"网址 {clip(text)} 只能包含小写字母、数字和连字符", "E016")
    return text


def _list_of(item: Callable[[Any, yaml.Node], Any]) -> Callable[[Any, yaml.Node], tuple[Any, ...]]:
    def parse(value: Any, node: yaml.Node) -> tuple[Any, ...]:
        if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
            raise FieldError("须为列表（每项以“- ”开头）")
        out = []
        for sub_value, sub_node in zip(value, node.value):
            try:
                out.append(item(sub_value, sub_node))
            except FieldError as exc:
                if exc.line is None:
                    exc.line = sub_node.start_mark.line + 1
                raise
        return tuple(out)

    return parse


def _no_repeats(names: Iterable[str], nodes: Iterable[yaml.Node], code: str) -> None:
    """Names that must differ (an issuer or section twice would list a document twice); points at the repeat."""
    seen: set[str] = set()
    for name, node in zip(names, nodes):
        if name in seen:
            raise FieldError(f"{clip(name)} 重复出现", code, node.start_mark.line + 1)
        seen.add(name)


def _mapping(value: Any, node: yaml.Node, allowed: dict[str, Field]) -> dict[str, Any]:
    """Read a nested mapping with the same strictness as the top level."""
    if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
        raise FieldError(f"须为含 {'、'.join(allowed)} 的映射")
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        line = key_node.start_mark.line + 1
        if key not in allowed:
            raise FieldError(f"未知的字段 {clip(key)}；此处可用：{'、'.join(allowed)}", "E005", line)
        if key in out:
            raise FieldError(f"字段 {key} 重复出现", "E007", line)
        try:
            out[key] = allowed[key].parse(value[key], value_node)
        except FieldError as exc:
            exc.line = exc.line or line
            exc.args = (f"{key}: {exc.args[0]}",)
            raise
    for key, spec in allowed.items():
        if spec.required and key not in out:
            raise FieldError(f"缺少 {key}", "E006", node.start_mark.line + 1)
    return out


def _bool(value: Any, node: yaml.Node) -> bool:
    if not isinstance(value, bool):
        raise FieldError("须为 true 或 false")
    return value


_ATTACHMENT_FIELDS = {"title": Field(_str, required=True), "omitted": Field(_bool)}


def _attachment(value: Any, node: yaml.Node) -> Attachment:
    if isinstance(value, str):
        return Attachment(_str(value, node))
    data = _mapping(value, node, _ATTACHMENT_FIELDS)
    return Attachment(data["title"], data.get("omitted", False))


_RELATION_FIELDS = {"doc_number": Field(_doc_number, required=True), "title": Field(_str)}


def _relation(value: Any, node: yaml.Node) -> tuple[str, str | None, int]:
    line = node.start_mark.line + 1
    if isinstance(value, str):
        return _doc_number(value, node), None, line
    data = _mapping(value, node, _RELATION_FIELDS)
    return data["doc_number"], data.get("title"), line


_TOC_ITEM_FIELDS = {"title": Field(_str, required=True), "page": Field(_positive_int)}


def _toc_item(value: Any, node: yaml.Node) -> TocItem:
    data = _mapping(value, node, _TOC_ITEM_FIELDS)
    return TocItem(data["title"], data.get("page"))


_SECTION_FIELDS = {"title": Field(_str, required=True), "items": Field(_list_of(_toc_item))}


def _section(value: Any, node: yaml.Node) -> Section:
    if isinstance(value, str):
        return Section(_str(value, node))
    data = _mapping(value, node, _SECTION_FIELDS)
    return Section(data["title"], data.get("items", ()))


def _sections(value: Any, node: yaml.Node) -> tuple[Section, ...]:
    sections = _list_of(_section)(value, node)
    _no_repeats((s.title for s in sections), node.value, "E033")
    return sections


def _labelled(value: Any, node: yaml.Node) -> tuple[tuple[str, str], ...]:
    """Labels and values as written, from the nodes: YAML would merge labels equal as values (1 and 01)
    and read 0123 as the octal number 83."""
    if not isinstance(node, yaml.MappingNode) or not all(isinstance(v, yaml.ScalarNode) for _, v in node.value):
        raise FieldError("须为“名称: 内容”形式的映射")
    labels = [_str(k.value, k) for k, _ in node.value]
    _no_repeats(labels, (k for k, _ in node.value), "E007")
    return tuple(zip(labels, (_str(v.value, v) for _, v in node.value)))


DOCUMENT_FIELDS: dict[str, Field] = {
    "title": Field(_str, True, "标题"),
    "doc_number": Field(_doc_number, False, "文号"),
    "slug": Field(_slug, False, "网址"),
    "issuer": Field(_issuers, True, "发文机关"),
    "doc_type": Field(_name, True, "文种"),
    "signed": Field(_date, True, "成文日期"),
    "published": Field(_date, False, "发布日期"),
    "effective": Field(_date, False, "施行日期"),
    "expires": Field(_date, False, "有效期至"),
    "gazette": Field(_str, False, "公报期号"),
    "page": Field(_positive_int, False, "页码"),
    "section": Field(_str, False, "栏目"),
    "disclosure": Field(_str, False, "公开属性"),
    "index_number": Field(_str, False, "索引号"),
    "topics": Field(_topics, False, "主题分类"),
    "attachments": Field(_list_of(_attachment), False, "附件"),
    "repeals": Field(_list_of(_relation), False, "废止"),
    "replaces": Field(_list_of(_relation), False, "替代"),
    "amends": Field(_list_of(_relation), False, "修改"),
}

GAZETTE_FIELDS: dict[str, Field] = {
    "title": Field(_str, False, "刊名"),
    "year": Field(_year, True, "年份"),
    "number": Field(_positive_int, True, "期号"),
    "total_number": Field(_positive_int, False, "总期号"),
    "published": Field(_date, True, "出版日期"),
    "frequency": Field(_str, False, "刊期"),
    "remark": Field(_str, False, "说明"),
    "sections": Field(_sections, True, "栏目"),
    "editorial_board": Field(_labelled, False, "编辑委员会"),
    "colophon": Field(_labelled, False, "版权信息"),
    "pdf": Field(_pdf_name, False, "PDF 原件"),
}


# ---------------------------------------------------------------- files


def _parse_fields(raw: RawFile, spec: dict[str, Field], kind: str, problems: Problems) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    ok = True
    for key, (value, node, line) in raw.fields.items():
        field = spec.get(key)
        if field is None:
            hint = _closest(key, spec)
            problems.error(raw.path, line, "E005",
                           f"未知的字段 {clip(key)}" + (f"（是否想写 {hint}？）" if hint else f"；{kind}可用的字段：{', '.join(spec)}"))
            ok = False
            continue
        try:
            out[key] = field.parse(value, node)
        except FieldError as exc:
            line_no = exc.line + 1 if exc.line is not None else line
            problems.error(raw.path, line_no, exc.code, f"{key}（{field.label}）: {exc}")
            ok = False
    ok = ok and not raw.failed
    for key, field in spec.items():
        if field.required and key not in raw.fields and key not in raw.failed:
            problems.error(raw.path, 1, "E006", f"缺少必填字段 {key}（{field.label}）")
            ok = False
    return out if ok else None


def _closest(key: str, spec: dict[str, Field]) -> str | None:
    import difflib

    match = difflib.get_close_matches(key, list(spec), n=1, cutoff=0.6)
    return match[0] if match else None


def _check_containers(raw: RawFile, problems: Problems) -> None:
    """Container fences must be known and closed: an unclosed one would swallow the rest of the body."""
    if ":::" not in raw.body:  # most bodies: their lines need not be looked at
        return
    open_at: int | None = None
    for offset, line in enumerate(raw.body.splitlines()):
        stripped = line.strip()
        if not stripped.startswith(":::"):
            continue
        name = stripped[3:].strip()
        line_no = raw.body_line + offset
        if name:
            if open_at is not None:
                problems.error(raw.path, open_at, "E023", "容器没有以 ::: 结束")
            if name not in CONTAINERS:
                problems.error(raw.path, line_no, "E023", f"未知的容器 {name!r}；可用：{', '.join(CONTAINERS)}")
            open_at = line_no
        elif open_at is None:
            problems.error(raw.path, line_no, "E023", "多余的 :::（前面没有对应的开头）")
        else:
            open_at = None
    if open_at is not None:
        problems.error(raw.path, open_at, "E023", "容器没有以 ::: 结束")


def load_document(path: Path, problems: Problems) -> Document | None:
    raw = read_front_matter(path, problems)
    if raw is None:
        return None
    _check_containers(raw, problems)
    lint.check_body(path, raw.body, raw.body_line, CONTAINERS, problems)
    data = _parse_fields(raw, DOCUMENT_FIELDS, "公文", problems)
    if data is None:
        return None
    shown = problems.show(path)
    if "page" in data and "gazette" not in data:
        problems.error(path, raw.fields["page"][2], "E014", "给出了页码 page，却没有公报期号 gazette")
    _check_expiry(raw, data, problems)
    doc_number = data.get("doc_number")
    slug = data.get("slug") or (slug_for_doc_number(doc_number) if doc_number else None)
    if slug is None:
        problems.error(path, 1, "E006", "没有文号的文件须给出网址字段 slug（小写字母、数字和连字符）")
        return None
    relations = tuple(
        RelationDecl(kind, number, title, line + 1)
        for kind in ("repeals", "replaces", "amends")
        for number, title, line in data.get(kind, ())
    )
    return Document(
        path=shown,
        title=data["title"],
        doc_number=doc_number,
        slug=slug,
        issuers=data["issuer"],
        doc_type=data["doc_type"],
        signed=data["signed"],
        published=data.get("published"),
        effective=data.get("effective"),
        expires=data.get("expires"),
        gazette=data.get("gazette"),
        page=data.get("page"),
        section=data.get("section"),
        disclosure=data.get("disclosure"),
        index_number=data.get("index_number"),
        topics=data.get("topics", ()),
        attachments=data.get("attachments", ()),
        relations=relations,
        body=raw.body,
        body_line=raw.body_line,
        lines={key: line for key, (_, _, line) in raw.fields.items()},
        said_repealed=tuple((m.start(), m.group()) for m in docnumber.said_repealed(raw.body)),
    )


def _check_expiry(raw: RawFile, data: dict[str, Any], problems: Problems) -> None:
    """有效期至 before the document was signed or took effect: it would never be in force."""
    expires, effective = data.get("expires"), data.get("effective")
    start, label = (effective, "施行日期") if effective and effective > data["signed"] else (data["signed"], "成文日期")
    if expires is not None and expires < start:
        problems.error(raw.path, raw.fields["expires"][2], "E034", f"有效期至 {expires} 早于{label} {start}")


def load_gazette(path: Path, default_title: str, problems: Problems) -> Gazette | None:
    raw = read_front_matter(path, problems)
    if raw is None:
        return None
    lint.check_body(path, raw.body, raw.body_line, CONTAINERS, problems)
    data = _parse_fields(raw, GAZETTE_FIELDS, "公报", problems)
    if data is None:
        return None
    if not SLUG_RE.match(path.stem):
        problems.error(path, 0, "E016", f"公报文件名 {path.stem!r} 将用作网址，只能包含小写字母、数字和连字符（如 2024-02.md）")
        return None
    pdf = path.parent / data["pdf"] if "pdf" in data else None
    if pdf is not None and not pdf.is_file():
        problems.error(path, raw.fields["pdf"][2], "E070", f"pdf: 找不到 {pdf.name}（须放在 {path.name} 旁边）")
        return None
    return Gazette(
        id=path.stem,
        path=problems.show(path),
        title=data.get("title", default_title),
        year=data["year"],
        number=data["number"],
        total_number=data.get("total_number"),
        published=data["published"],
        frequency=data.get("frequency"),
        remark=data.get("remark"),
        sections=data["sections"],
        editorial_board=data.get("editorial_board", ()),
        colophon=data.get("colophon", ()),
        pdf=pdf,
        body=raw.body,
        body_line=raw.body_line,
    )


def load_content(content_dir: Path, site_title: str, problems: Problems) -> Content:
    """Read every gazette and document; files with problems are reported and left out."""
    if not content_dir.is_dir():
        problems.error(content_dir, 0, "E001", "内容目录不存在")
        return Content((), ())
    gazette_files, document_files = content_files(content_dir)
    gazettes = [g for p in gazette_files if (g := load_gazette(p, site_title, problems))]
    documents = [d for p in document_files if (d := load_document(p, problems))]
    return Content(tuple(documents), tuple(gazettes))


def content_files(content_dir: Path) -> tuple[list[Path], list[Path]]:
    """The gazette files and the document files of content/, in the order they are loaded."""
    # (sorted by their parts, as paths compare: comparing the paths themselves took 0.04 s of every build)
    return (sorted((content_dir / GAZETTES_DIR).glob("*.md"), key=_parts),
            sorted((content_dir / DOCUMENTS_DIR).rglob("*.md"), key=_parts))


def _parts(path: Path) -> tuple[str, ...]:
    return path.parts


@quick_pickle
@dataclass(frozen=True, slots=True)
class Loaded:
    """What loading one content file gave: the record (None if it had errors) and its problems."""

    digest: bytes
    """Of the file's bytes and of anything else the record depends on (an issue's default title)."""
    record: Document | Gazette | None
    """Kept without its body when the body is the end of the file (see `body_chars`)."""
    body_chars: int | None
    """The body's length when it is the file's last characters: it is read from the file then, so the
    cache holds no second copy of the content."""
    problems: tuple[Problem, ...]
    shown: bytes = b""
    """Of the record without a document's body: all that pages other than the document's own show of
    the file (see `Views`)."""
    body_digest: bytes = b""
    """A document's body's digest as digests.TextDigests takes it: given to the build with the body (see
    cache.load_content_cached), so that no build digests the bodies of files it did not parse (0.15 s on the
    corpus, of every build)."""

    def restore(self, text: str) -> Document | Gazette | None:
        """The record, given the file's text (the same text it was loaded from)."""
        if self.record is None or self.body_chars is None:
            return self.record
        return quick_replace(self.record, "body", text[len(text) - self.body_chars:])


@dataclass(frozen=True, slots=True)
class FileJob:
    """One content file to load: its bytes as read, and their digest (`Loaded.digest`); `gazette_title`: an issue's
    default title, None for a document."""

    path: Path
    key: bytes
    data: bytes
    gazette_title: str | None


def load_file(job: FileJob, root: Path | None) -> tuple[Loaded, Document | Gazette | None]:
    """What loading a content file gives, and its record with its body; its problems' paths shown relative to
    `root` (Problems.root)."""
    own = Problems(root=root)
    path, text = job.path, job.data.decode("utf-8-sig", errors="replace")
    record = load_document(path, own) if job.gazette_title is None else load_gazette(path, job.gazette_title, own)
    # An issue's body is on its page, the home page and the list of issues: it is part of what they show.
    # (what the body says is 废止 is part of it, and shown on no other page)
    shown = fingerprint(replace(record, body="", said_repealed=()) if isinstance(record, Document) else record)
    body = TextDigests.work(record.body) if isinstance(record, Document) else b""
    if record is None or not text.endswith(record.body):
        return Loaded(job.key, record, None, tuple(own.items), shown, body), record
    return Loaded(job.key, replace(record, body=""), len(record.body), tuple(own.items), shown, body), record


def load_files(jobs: list[FileJob], root: Path | None
               ) -> tuple[list[tuple[Loaded, Document | Gazette | None]], dict[str, str]]:
    """load_file for each job, in another process (see cache.load_content_cached), and the pinyin initials it
    worked out meanwhile, which the build keeps (slugs.KNOWN_INITIALS): the last entries of that dict."""
    before = len(slugs.KNOWN_INITIALS)
    loaded = [load_file(job, root) for job in jobs]
    return loaded, dict(list(slugs.KNOWN_INITIALS.items())[before:])
