"""Markdown: document bodies → HTML, with cited 文号 and 《titles》 turned into links, and → plain text."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from . import docnumber
from .digests import digest
from .kept import quick_pickle
from .model import CONTAINERS
from .plain import plain_paragraphs


@quick_pickle
@dataclass(frozen=True, slots=True)
class Heading:
    """An entry of a body's outline."""

    level: int
    text: str
    anchor: str


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """A body as a page shows it and as search indexes it."""

    html: str
    outline: list[Heading]
    text: str
    """Plain text: one line per block, no markup (for search)."""


@dataclass(frozen=True, slots=True)
class Citations:
    """What body text may cite: 文号 → key, and title → keys (a title may name several editions)."""

    numbers: Mapping[str, str]
    titles: Mapping[str, tuple[str, ...]]

    def changed_since(self, before: Citations) -> re.Pattern[str] | None:
        """What a body must contain for the change from `before` to this table to alter its links:
        a title or a 文号 that was added, removed or now names another document; None when nothing changed.

        Any other text matches the same alternatives of the citation pattern as before, in the same
        places, so a body without one of these renders exactly as it did.
        """
        titles = [t for t in self.titles.keys() | before.titles.keys() if self.titles.get(t) != before.titles.get(t)]
        numbers = [n for n in self.numbers.keys() | before.numbers.keys()
                   if self.numbers.get(n) != before.numbers.get(n)]
        parts = [f"《{re.escape(t)}》" for t in sorted(titles)] + [p for n in sorted(numbers) if (p := docnumber.pattern(n))]
        return re.compile("|".join(parts)) if titles or numbers else None


@dataclass(frozen=True, slots=True)
class Cited:
    """A citation in running text; spans are (start, end) offsets into the text."""

    start: int
    end: int
    title: tuple[int, int] | None
    """Inside 《》, when a title is cited."""
    number: tuple[int, int] | None
    """The 文号: cited alone, or in brackets after the title to say which edition."""


#: The brackets around the 文号 that may follow a cited title, with the spaces inside them.
_OPENING = re.compile(r"[（(]\s*")
_CLOSING = re.compile(r"\s*[）)]")


class CitationFinder:
    """Finds cited titles and 文号 left to right, each the leftmost citation after the previous one
    and, at its place, the longest known title or 机关代字.

    It reads each 《 and each bracketed year once and looks what it finds up in a dict, so the work
    grows with the text, not with how many titles and 文号 may be cited.
    """

    def __init__(self, citations: Citations):
        self.citations = citations
        self._numbers = docnumber.KnownNumbers(citations.numbers)
        # A title with 》 inside (关于印发《…》的通知) goes on past the first 》 after its start.
        self._title_heads = {t[:i] for t in citations.titles for i, c in enumerate(t) if c == "》"}
        self._longest_title = max(map(len, citations.titles), default=0)

    def links(self, text: str, self_key: str | None) -> list[tuple[int, int, str]]:
        """(start, end, key) of each link in `text`, in order; never a link to the page itself."""
        if not self.may_cite(text):
            return []
        return [link for cited in self._find(text) for link in self._links_for(text, cited, self_key)]

    @staticmethod
    def may_cite(text: str) -> bool:
        """False when `text` cites nothing: a title is cited in 《》 and a 文号 ends with 号 (on the corpus, 9,160 of
        336,095 lines of plain bodies may cite; looking through the others took 0.4 s of a build)."""
        return "《" in text or "号" in text

    def _find(self, text: str) -> Iterator[Cited]:
        # The next title and the next 文号 each stay the next one of their kind until the text they
        # start in is taken by a citation before them: a title is a title wherever the scan starts, and
        # so is a 文号 that starts after the citation taken.
        title, number = self._title(text, 0), self._number(text, 0)
        while title is not None or number is not None:
            cited = min((c for c in (title, number) if c is not None), key=lambda c: c.start)
            yield cited
            if title is not None and title.start < cited.end:
                title = self._title(text, cited.end)
            if number is not None and number.start < cited.end:
                number = self._number(text, cited.end)

    def _number(self, text: str, pos: int) -> Cited | None:
        span = self._numbers.search(text, pos)
        return Cited(span[0], span[1], None, span) if span else None

    def _title(self, text: str, pos: int) -> Cited | None:
        """The first cited title at or after `pos`, with the 文号 in brackets after it if there is one."""
        if not self._longest_title:
            return None
        while (start := text.find("《", pos)) != -1:
            end, close, limit = None, start, start + self._longest_title + 2
            while (close := text.find("》", close + 1, limit)) != -1:
                name = text[start + 1:close]
                if name in self.citations.titles:
                    end = close
                if name not in self._title_heads:
                    break
            if end is not None:
                return self._with_number(text, Cited(start, end + 1, (start + 1, end), None))
            pos = start + 1
        return None

    def _with_number(self, text: str, cited: Cited) -> Cited:
        """《title》 followed by （文号）: the 文号 decides which edition is meant."""
        opening = _OPENING.match(text, cited.end)
        end = self._numbers.match(text, opening.end()) if opening else None
        closing = _CLOSING.match(text, end) if end is not None else None
        if opening is None or end is None or closing is None:
            return cited
        return Cited(cited.start, closing.end(), cited.title, (opening.end(), end))

    def _links_for(self, text: str, cited: Cited, self_key: str | None) -> list[tuple[int, int, str]]:
        """(start, end, key) of each link inside one citation; none to the page itself."""
        out: list[tuple[int, int, str]] = []
        number = text[slice(*cited.number)] if cited.number else None
        number_key = self.citations.numbers.get(docnumber.normalize(number)) if number else None
        if cited.title is not None:
            title = text[slice(*cited.title)]
            if not title:  # 《》, when some title is empty: it links nothing, not even the 文号 after it
                return out
            candidates = [k for k in self.citations.titles[title] if k != self_key]
            title_key = number_key if number_key else (candidates[0] if len(candidates) == 1 else None)
            if title_key and title_key != self_key:
                out.append((*cited.title, title_key))
        if cited.number is not None and number_key and number_key != self_key:
            out.append((*cited.number, number_key))
        return out


class BodyRenderer:
    """Renders bodies; one instance per build, since what a body may cite depends on the whole library."""

    def __init__(self, citations: Citations):
        self.citations = citations
        self.finder = CitationFinder(citations)
        md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
        for name in CONTAINERS:
            md.use(container_plugin, name=name)
        md.core.ruler.push("gongbao_citations", self._link_citations)
        md.add_render_rule("table_open", _table_open)
        md.add_render_rule("table_close", _table_close)
        self.md = md

    def render(self, body: str, href: Callable[[str], str], self_key: str | None) -> RenderedBody:
        """A body's HTML, outline and plain text; `href(key)` links a cited document."""
        paragraphs = plain_paragraphs(body)
        if paragraphs is None:
            return self.render_markdown(body, href, self_key)
        return self.render_plain(paragraphs, href, self_key)

    def render_plain(self, paragraphs: list[list[str]], href: Callable[[str], str], self_key: str | None
                     ) -> RenderedBody:
        """What render_markdown makes of a body that is only these paragraphs of plain text (see plain.py):
        markdown-it's <p> for each, a line break between its lines, text escaped as its renderer does, and
        the citations linked in each line as the core rule links them."""
        html, texts = [], []
        for lines in paragraphs:
            html.append("<p>")
            texts.append(text := "\n".join(lines))
            if not self.finder.may_cite(text):  # (escaped at once: escapeHtml keeps "\n")
                html += [escapeHtml(text), "</p>\n"]
                continue
            for n, line in enumerate(lines):
                if n:
                    html.append("\n")
                pos = 0
                for start, end, key in self.finder.links(line, self_key):
                    html += [escapeHtml(line[pos:start]), '<a href="', escapeHtml(href(key)), '" class="cite">',
                             escapeHtml(line[start:end]), "</a>"]
                    pos = end
                html.append(escapeHtml(line[pos:]))
            html.append("</p>\n")
        return RenderedBody("".join(html), [], "\n".join(texts))

    def render_markdown(self, body: str, href: Callable[[str], str], self_key: str | None) -> RenderedBody:
        """A body's HTML, outline and plain text, from one parse by markdown-it."""
        env: dict[str, Any] = {"href": href, "self_key": self_key}
        tokens = self.md.parse(body, env)
        outline: list[Heading] = []
        lines: list[str] = []
        for i, tok in enumerate(tokens):
            if tok.type == "heading_open":
                anchor = f"s{len(outline) + 1}"
                tok.attrSet("id", anchor)
                text = "".join(c.content for c in tokens[i + 1].children or [] if c.type == "text")
                outline.append(Heading(int(tok.tag[1]), text, anchor))
            elif tok.type in ("th_open", "td_open") and len(tokens[i + 1].content) <= SHORT_CELL:
                tok.attrJoin("class", "short")
            elif tok.type == "inline":
                lines.append("".join(
                    c.content if c.type in ("text", "code_inline") else "\n" if c.type in ("softbreak", "hardbreak") else ""
                    for c in tok.children or []))
        text = "\n".join(line for line in "\n".join(lines).split("\n") if line.strip())
        return RenderedBody(self.md.renderer.render(tokens, self.md.options, env), outline, text)

    # -- the core rule

    def _link_citations(self, state: StateCore) -> None:
        href = state.env.get("href")
        if href is None:
            return
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            out: list[Token] = []
            for tok in block.children:
                links = self.finder.links(tok.content, state.env["self_key"]) if tok.type == "text" else []
                out.extend(_split(tok.content, links, href) if links else [tok])
            block.children = out


def _split(text: str, links: list[tuple[int, int, str]], href: Callable[[str], str]) -> list[Token]:
    """Text with (start, end, key) links in it, as text and link tokens."""
    tokens: list[Token] = []
    pos = 0
    for start, end, key in links:
        if start > pos:
            tokens.append(_text(text[pos:start]))
        tokens.extend(_link(text[start:end], href(key)))
        pos = end
    if pos < len(text):
        tokens.append(_text(text[pos:]))
    return tokens


#: A table cell of at most this many characters (序号, 2024 年, 改（扩）建) is kept on one line; a longer
#: one wraps between characters, never inside a number or a Latin word (see style.css).
SHORT_CELL = 8


def _table_open(renderer: Any, tokens: list[Token], idx: int, options: Any, env: MutableMapping[str, Any]) -> str:
    """A table in a box of its own that scrolls sideways on a phone: a focusable region, so that a
    keyboard can scroll it too, named by its place among the body's tables (names must differ)."""
    env["tables"] = env.get("tables", 0) + 1
    return (f'<div class="table-wrap" role="region" tabindex="0" aria-label="表格{env["tables"]}">\n'
            + renderer.renderToken(tokens, idx, options, env))


def _table_close(renderer: Any, tokens: list[Token], idx: int, options: Any, env: MutableMapping[str, Any]) -> str:
    return renderer.renderToken(tokens, idx, options, env) + "</div>\n"


#: A body's HTML as a build keeps it until a page shows it: the str, or `packed`.
Packed = bytes | str


def packed(html: str) -> bytes:
    """HTML as a large build keeps it (see BodyCache.pack): zlib-compressed UTF-8, a third of the str for Chinese
    text. Level 1: on 800 of the corpus' bodies, level 6 took 2.5 times as long for no MiB less (16 → 5 MiB)."""
    return zlib.compress(html.encode(), 1)


def unpacked(data: Packed) -> str:
    return data if isinstance(data, str) else zlib.decompress(data).decode()


@quick_pickle
@dataclass(frozen=True, slots=True)
class CachedBody:
    """A rendered body, as this build's pages and search take it and as later builds find it."""

    packed_html: Packed
    """The HTML, `packed` from the moment it is rendered when BodyCache.pack says so: it is the largest thing a
    build holds for every document (1.7 GB as str at 100,000 documents), and only the document's page reads it,
    once."""
    outline: list[Heading]
    text: str
    """As RenderedBody.text: the search records take it as it is, so it is not held twice."""
    links: tuple[tuple[str, str], ...]
    """(key, URL) of every document it links to: the body is stale once one of them moves."""
    text_digest: bytes = b""
    """digests.digest of `text` in UTF-8: the search index keys a document by it (search.reuse), and a build in a new
    process would otherwise digest every text again (0.13 s on the corpus)."""

    @property
    def html(self) -> str:
        return unpacked(self.packed_html)


#: A body's identity in the cache: its text's digest, the page showing it, the document it belongs to
#: (never linked to itself), and whether links name index.html.
BodyKey = tuple[bytes, str, str | None, bool]


class BodyCache:
    """Rendered bodies from build to build: parsing Markdown is most of the work of a build.

    A body is rendered again when its text changes, when it moves to another page or document,
    when a document it links to moves, or when the citation table changes in a title or 文号 it
    contains (see `Citations.changed_since`); otherwise the kept rendering is exactly what a new
    one would be.
    """

    def __init__(self) -> None:
        self.citations = Citations({}, {})
        self.entries: dict[BodyKey, CachedBody] = {}
        self.used: set[BodyKey] = set()
        self.rendered = 0
        """Bodies rendered (not taken from the cache) since `start`."""
        self.changed: set[BodyKey] = set()
        """Entries added or dropped since the cache was last saved (it saves only their part)."""
        self.pack = True
        """Whether the HTML of the bodies rendered is kept `packed`: the build says so (build._publish) for a site
        past build.BESIDE_CHARS, whose bodies would not fit in memory as str, or when a cache folder saves them.
        Otherwise the str is kept: compressing and decompressing every body was 2 s of CPU on the corpus."""

    def start(self, citations: Citations) -> None:
        """A new build with this citation table: forget what it would render differently."""
        changed = citations.changed_since(self.citations)
        if changed is not None:
            # Citations are found in text tokens, and a body's plain text holds each one's content unbroken.
            self._keep(lambda key, entry: not changed.search(entry.text))
        self.citations = citations
        self.used = set()
        self.rendered = 0

    def forget(self) -> None:
        """Let go of every rendered body (the counts of this build stay): no later build will ask for them."""
        self.entries = {}

    def finish(self) -> None:
        """Keep only what this build used: deleted and edited bodies go."""
        self._keep(lambda key, entry: key in self.used)

    def _keep(self, wanted: Callable[[BodyKey, CachedBody], bool]) -> None:
        dropped = [key for key, entry in self.entries.items() if not wanted(key, entry)]
        for key in dropped:
            del self.entries[key]
        self.changed.update(dropped)

    def render(self, renderer: BodyRenderer, body: str, body_digest: bytes, self_key: str | None, page_url: str,
               explicit_index: bool, url_of: Callable[[str], str], link: Callable[[str], str]) -> CachedBody:
        """`renderer.render(body, …)`, kept, or its kept result; `body_digest` is digests.digest of its UTF-8,
        `url_of(key)` a document's URL, `link(url)` the link to it from the page at `page_url`."""
        key = (body_digest, page_url, self_key, explicit_index)
        self.used.add(key)
        kept = self.entries.get(key)
        if kept is not None and all(_url_or_none(url_of, k) == url for k, url in kept.links):
            return kept
        links: dict[str, str] = {}

        def href(target: str) -> str:
            links[target] = url_of(target)
            return link(links[target])

        rendered = renderer.render(body, href, self_key)
        links_now = tuple(sorted(links.items()))
        kept = self.entries[key] = CachedBody(packed(rendered.html) if self.pack else rendered.html, rendered.outline,
                                              rendered.text, links_now, digest(rendered.text.encode()))
        self.changed.add(key)
        self.rendered += 1
        return kept


def _url_or_none(url_of: Callable[[str], str], key: str) -> str | None:
    try:
        return url_of(key)
    except KeyError:  # the document is gone: the body must be rendered again
        return None


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok


def _link(content: str, url: str) -> list[Token]:
    open_ = Token("link_open", "a", 1)
    open_.attrs = {"href": url, "class": "cite"}
    close = Token("link_close", "a", -1)
    return [open_, _text(content), close]
