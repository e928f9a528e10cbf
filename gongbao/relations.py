"""Relations: declared 废止/替代/修改 edges, their inverses, and each document's status as of a date."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from . import docnumber, urls
from .model import INVERSE, RELATION_LABELS, STATUS_LABELS, Content, Document, Gazette, RelationDecl, RelationKind
from .problems import Problems, clip
from .slugs import slug_for_doc_number

_ENDING: dict[RelationKind, str] = {"repeals": "repealed", "replaces": "replaced"}


@dataclass(frozen=True, slots=True)
class Referenced:
    """A document cited by a relation but not in the collection (未收录全文)."""

    doc_number: str
    title: str | None
    slug: str


@dataclass(frozen=True, slots=True)
class Edge:
    """newer --kind--> older, declared at `path:line` of the newer document."""

    kind: RelationKind
    newer: str
    older: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Status:
    """Where a document stands on the as-of date, and why."""

    code: str
    since: dt.date | None = None
    """The date it ceased (or was amended / will cease)."""
    by: str | None = None
    """Key of the document that ended or amended it."""
    pending: bool = False
    """True when a relation is declared but takes effect after the as-of date."""

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.code]

    @property
    def in_force(self) -> bool:
        return self.code in ("in_force", "amended")


@dataclass(slots=True)
class Library:
    """The whole collection with its relation graph, ready for rendering."""

    documents: dict[str, Document]
    """Key (文号, or slug when there is none) → document, in publication order."""
    referenced: dict[str, Referenced]
    gazettes: dict[str, Gazette]
    status: dict[str, Status]
    as_of: dt.date
    outgoing: dict[str, list[Edge]] = field(default_factory=dict)
    incoming: dict[str, list[Edge]] = field(default_factory=dict)

    def title_of(self, key: str) -> str:
        if key in self.documents:
            return self.documents[key].title
        ref = self.referenced[key]
        return ref.title or ref.doc_number

    def slug_of(self, key: str) -> str:
        return self.documents[key].slug if key in self.documents else self.referenced[key].slug

    def relations_of(self, key: str) -> list[tuple[str, str]]:
        """(type, key) pairs both ways, e.g. ("repeals", older) and ("replaced_by", newer)."""
        out: list[tuple[str, str]] = [(e.kind, e.older) for e in self.outgoing.get(key, [])]
        out += [(INVERSE[e.kind], e.newer) for e in self.incoming.get(key, [])]
        return out

    def lineage(self, key: str) -> list[str]:
        """Every edition linked to this one by 替代 or 修改, oldest first (just [key] when alone)."""
        seen = {key}
        todo = [key]
        while todo:
            k = todo.pop()
            for e in self.outgoing.get(k, []) + self.incoming.get(k, []):
                if e.kind == "repeals":
                    continue
                for other in (e.newer, e.older):
                    if other not in seen:
                        seen.add(other)
                        todo.append(other)
        return sorted(seen, key=self.sort_key)

    def sort_key(self, key: str) -> tuple:
        d = self.documents.get(key)
        if d is not None:
            return (d.signed, d.doc_number or "", d.slug)
        parsed = docnumber.parse(key)
        year = parsed[1] if parsed else 0
        return (dt.date(year or 1, 1, 1), key, "")


def build_library(content: Content, as_of: dt.date, problems: Problems) -> Library:
    """Check every relation, compute inverses and statuses; problems are reported, never raised."""
    documents: dict[str, Document] = {}
    for doc in sorted(content.documents, key=lambda d: (d.signed, d.doc_number or "", d.slug)):
        if doc.doc_number and doc.doc_number in documents:
            first = documents[doc.doc_number]
            problems.error(doc.path, doc.lines.get("doc_number", 1), "E010", f"文号 {doc.doc_number} 重复：{first.path} 已使用")
            continue
        documents[doc.key] = doc
    gazettes = _check_gazettes(content, documents, problems)

    edges: list[Edge] = []
    cited_titles: dict[str, dict[str, str]] = defaultdict(dict)
    for doc in documents.values():
        seen: dict[str, RelationDecl] = {}
        for rel in doc.relations:
            if rel.doc_number == doc.doc_number:
                problems.error(doc.path, rel.line, "E018", f"{rel.kind}: 文件不能{RELATION_LABELS[rel.kind]}自身（{rel.doc_number}）")
                continue
            earlier = seen.get(rel.doc_number)
            if earlier is not None and earlier.kind == rel.kind:
                problems.error(doc.path, rel.line, "E022", f"{rel.kind}: {rel.doc_number} 重复声明")
                continue
            if earlier is not None:
                # Two edges to one document would list it twice and let the order of the edges pick its status.
                problems.error(doc.path, rel.line, "E031", f"{rel.kind}: {rel.doc_number} 已在第 {earlier.line} 行声明为 "
                               f"{earlier.kind}（{RELATION_LABELS[earlier.kind]}），同一文件只能有一种关联")
                continue
            seen[rel.doc_number] = rel
            edges.append(Edge(rel.kind, doc.key, rel.doc_number, doc.path, rel.line))
            if rel.title:
                cited_titles[rel.doc_number][doc.path] = rel.title

    referenced: dict[str, Referenced] = {}
    for number in sorted({e.older for e in edges} - documents.keys()):
        titles = cited_titles.get(number, {})
        distinct = sorted(set(titles.values()))
        if len(distinct) > 1:
            where = "；".join(f"{p}：{t}" for p, t in sorted(titles.items()))
            problems.warn(sorted(titles)[0], 0, "W102", f"{number} 的标题在各处不一致（{where}）")
        referenced[number] = Referenced(number, distinct[0] if distinct else None, slug_for_doc_number(number))

    _check_slugs(documents, referenced, edges, problems)
    _check_cycles(edges, problems)

    lib = Library(documents, referenced, gazettes, {}, as_of)
    for e in edges:
        lib.outgoing.setdefault(e.newer, []).append(e)
        lib.incoming.setdefault(e.older, []).append(e)
    for key in list(documents) + list(referenced):
        lib.status[key] = _status(lib, key, problems)
    _warn_undeclared_repeals(lib, problems)
    return lib


def _check_gazettes(content: Content, documents: dict[str, Document], problems: Problems) -> dict[str, Gazette]:
    gazettes: dict[str, Gazette] = {}
    by_number: dict[tuple[int, int], Gazette] = {}
    for g in sorted(content.gazettes, key=lambda g: (g.year, g.number)):
        if (g.year, g.number) in by_number:
            problems.error(g.path, 1, "E017", f"{g.label} 已由 {by_number[(g.year, g.number)].path} 定义")
            continue
        by_number[(g.year, g.number)] = g
        gazettes[g.id] = g
    for doc in documents.values():
        if doc.gazette is None:
            continue
        issue = gazettes.get(doc.gazette)
        if issue is None:
            known = "、".join(gazettes) or "（无）"
            problems.error(doc.path, doc.lines.get("gazette", 1), "E012", f"公报期号 {clip(doc.gazette)} 不存在；已有：{known}")
        elif doc.section is not None and doc.section not in {s.title for s in issue.sections}:
            names = "、".join(s.title for s in issue.sections)
            problems.error(doc.path, doc.lines.get("section", 1), "E013", f"栏目 {clip(doc.section)} 不在 {issue.label} 的栏目中（{names}）")
    return gazettes


def _check_slugs(documents: dict[str, Document], referenced: dict[str, Referenced], edges: list[Edge],
                 problems: Problems) -> None:
    owners: dict[str, Document | Referenced] = {}
    for doc in documents.values():
        owner = owners.setdefault(doc.slug, doc)
        if owner is not doc:
            problems.error(doc.path, _slug_line(doc), "E015",
                           f"网址 {urls.document(doc.slug)} 已属于 {owner.path}；请在前言中用 slug 字段指定另一个网址")
    cited_at: dict[str, Edge] = {}
    for e in edges:
        cited_at.setdefault(e.older, e)
    for ref in referenced.values():
        owner = owners.setdefault(ref.slug, ref)
        if isinstance(owner, Document):
            problems.error(owner.path, _slug_line(owner), "E015",
                           f"网址 {urls.document(ref.slug)} 与被引用文件 {ref.doc_number} 的网址冲突；请用 slug 字段指定另一个网址")
        elif owner is not ref:
            e = cited_at[ref.doc_number]
            problems.error(e.path, e.line, "E015", f"被引用文件 {ref.doc_number} 与 {owner.doc_number} 的网址都是 "
                           f"{urls.document(ref.slug)}；请收录其中一件并用 slug 字段指定网址")


def _slug_line(doc: Document) -> int:
    """The line the slug comes from: its own key, else the 文号 it is made from."""
    return doc.lines.get("slug") or doc.lines.get("doc_number", 1)


def _check_cycles(edges: list[Edge], problems: Problems) -> None:
    """Depth-first, with an explicit stack: a chain of thousands of editions must not hit the recursion limit."""
    graph: dict[str, list[Edge]] = defaultdict(list)
    for e in edges:
        graph[e.newer].append(e)
    done: set[str] = set()
    reported: set[frozenset[str]] = set()
    for root in sorted(graph):
        if root in done:
            continue
        path, on_path, todo = [root], {root: 0}, [iter(graph[root])]
        while todo:
            e = next(todo[-1], None)
            if e is None:
                node = path.pop()
                del on_path[node]
                done.add(node)
                todo.pop()
            elif e.older in on_path:
                cycle = path[on_path[e.older]:] + [e.older]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    problems.error(e.path, e.line, "E019", f"关联构成循环：{' → '.join(cycle)}")
            elif e.older not in done:
                on_path[e.older] = len(path)
                path.append(e.older)
                todo.append(iter(graph.get(e.older, [])))


def _status(lib: Library, key: str, problems: Problems) -> Status:
    """The status on the as-of date, once the dates that decide it are checked."""
    incoming = lib.incoming.get(key, [])
    doc = lib.documents.get(key)
    own_date = doc.signed if doc else None
    parsed = docnumber.parse(key)
    own_year = parsed[1] if parsed else None
    for e in incoming:
        when = lib.documents[e.newer].takes_effect
        if own_date and when < own_date:
            problems.error(e.path, e.line, "E021",
                           f"{e.older} 成文于 {own_date}，不能在此之前（{when}）被{RELATION_LABELS[e.kind]}")
        elif own_year and when.year < own_year:
            problems.error(e.path, e.line, "E021",
                           f"{e.older} 是 {own_year} 年的文件，不能在 {when} 被{RELATION_LABELS[e.kind]}")
    endings = [e for e in incoming if e.kind in _ENDING]
    if len({lib.documents[e.newer].takes_effect for e in endings}) > 1:
        listing = "；".join(f"{x.newer} 于 {lib.documents[x.newer].takes_effect}" for x in endings)
        for e in endings[1:]:
            problems.error(e.path, e.line, "E020", f"{key} 被多次终止且日期矛盾：{listing}")
    return status_on(lib, key, lib.as_of)


def status_on(lib: Library, key: str, day: dt.date) -> Status:
    """Where a document stands on `day`, from the relations it receives and its `expires` date."""
    incoming = lib.incoming.get(key, [])
    endings = [e for e in incoming if e.kind in _ENDING]
    doc = lib.documents.get(key)
    pending = None
    if endings:
        first = min(endings, key=lambda e: (lib.documents[e.newer].takes_effect, e.newer))
        when = lib.documents[first.newer].takes_effect
        if when <= day:
            return Status(_ENDING[first.kind], when, first.newer)
        pending = Status("in_force", when, first.newer, pending=True)
    if doc is not None and doc.expires is not None and doc.expires < day:
        return Status("expired", doc.expires)
    amendments = sorted((e for e in incoming if e.kind == "amends"),
                        key=lambda e: (lib.documents[e.newer].takes_effect, e.newer))
    effective = [e for e in amendments if lib.documents[e.newer].takes_effect <= day]
    if effective:
        last = effective[-1]
        return Status("amended", lib.documents[last.newer].takes_effect, last.newer)
    return pending or Status("in_force")


def status_changes(lib: Library, key: str) -> tuple[tuple[dt.date, Status], ...]:
    """The statuses a document takes after the as-of date, each with the day it starts.

    A page built today carries them, so that read on a later day it can show that day's status
    (a repeal taking effect, an `expires` date passing) without a rebuild.
    """
    days = {lib.documents[e.newer].takes_effect for e in lib.incoming.get(key, [])}
    doc = lib.documents.get(key)
    if doc is not None and doc.expires is not None:
        days.add(doc.expires + dt.timedelta(days=1))  # expired the day after `expires`
    out: list[tuple[dt.date, Status]] = []
    current = lib.status[key]
    for day in sorted(d for d in days if d > lib.as_of):
        status = status_on(lib, key, day)
        if status != current:
            out.append((day, status))
            current = status
    return tuple(out)


def _warn_undeclared_repeals(lib: Library, problems: Problems) -> None:
    """A body that says a 文号 is 废止 without a declared relation: probably a forgotten relation.

    Reported once per 文号 and document, at the first such sentence.
    """
    for doc in lib.documents.values():
        quiet = {e.older for e in lib.outgoing.get(doc.key, [])}  # declared, or already warned about
        line, counted_to = doc.body_line, 0
        for start, cited in doc.said_repealed:
            number = docnumber.normalize(cited)
            if number == doc.doc_number or number in quiet or docnumber.parse(number) is None:
                continue
            quiet.add(number)
            line += doc.body.count("\n", counted_to, start)
            counted_to = start
            problems.warn(doc.path, line, "W101", f"正文称 {number} 废止，但前言没有声明 repeals 或 replaces 关联")


