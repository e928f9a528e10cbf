"""Markdown: document bodies → HTML, with cited 文号 and 《titles》 turned into links, and → plain text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from . import docnumber
from .model import CONTAINERS


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

    def pattern(self) -> re.Pattern[str] | None:
        alternatives = [p for n in sorted(self.numbers, key=len, reverse=True) if (p := docnumber.pattern(n))]
        number_re = "|".join(alternatives)
        title_re = "|".join(re.escape(t) for t in sorted(self.titles, key=len, reverse=True))
        parts = []
        if title_re:
            # A title followed by its 文号 in brackets: the 文号 decides which edition is meant.
            tail = f"(?:[（(]\\s*(?P<tnum>{number_re})\\s*[）)])?" if number_re else ""
            parts.append(f"《(?P<title>{title_re})》{tail}")
        if number_re:
            parts.append(f"(?P<num>{number_re})")
        return re.compile("|".join(parts)) if parts else None

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


class BodyRenderer:
    """Renders bodies; one instance per build, since the citation pattern depends on the whole library."""

    def __init__(self, citations: Citations):
        self.citations = citations
        self._pattern = citations.pattern()
        md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
        for name in CONTAINERS:
            md.use(container_plugin, name=name)
        md.core.ruler.push("gongbao_citations", self._link_citations)
        md.add_render_rule("table_open", _table_open)
        md.add_render_rule("table_close", _table_close)
        self.md = md

    def render(self, body: str, href: Callable[[str], str], self_key: str | None) -> RenderedBody:
        """A body's HTML, outline and plain text, from one parse; `href(key)` links a cited document."""
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
        if self._pattern is None or href is None:
            return
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            out: list[Token] = []
            for tok in block.children:
                if tok.type != "text":
                    out.append(tok)
                    continue
                out.extend(self._split(tok.content, state.env, href))
            block.children = out

    def _split(self, text: str, env: MutableMapping[str, Any], href: Callable[[str], str]) -> list[Token]:
        tokens: list[Token] = []
        pos = 0
        assert self._pattern is not None
        for m in self._pattern.finditer(text):
            pieces = self._links_for(m, env["self_key"])
            if not pieces:
                continue
            if m.start() > pos:
                tokens.append(_text(text[pos:m.start()]))
            cursor = m.start()
            for start, end, key in pieces:
                if start > cursor:
                    tokens.append(_text(text[cursor:start]))
                tokens.extend(_link(text[start:end], href(key)))
                cursor = end
            if m.end() > cursor:
                tokens.append(_text(text[cursor:m.end()]))
            pos = m.end()
        if pos < len(text):
            tokens.append(_text(text[pos:]))
        return tokens

    def _links_for(self, m: re.Match[str], self_key: str | None) -> list[tuple[int, int, str]]:
        """(start, end, key) of each link inside one match; never a link to the page itself."""
        out: list[tuple[int, int, str]] = []
        if m.groupdict().get("title"):
            tnum = m.groupdict().get("tnum")
            number_key = self.citations.numbers.get(docnumber.normalize(tnum)) if tnum else None
            candidates = [k for k in self.citations.titles[m["title"]] if k != self_key]
            title_key = number_key if number_key else (candidates[0] if len(candidates) == 1 else None)
            if title_key and title_key != self_key:
                out.append((m.start("title"), m.end("title"), title_key))
            if number_key and number_key != self_key:
                out.append((m.start("tnum"), m.end("tnum"), number_key))
        elif m.groupdict().get("num"):
            key = self.citations.numbers.get(docnumber.normalize(m["num"]))
            if key and key != self_key:
                out.append((m.start("num"), m.end("num"), key))
        return out


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


@dataclass(frozen=True, slots=True)
class CachedBody:
    """A rendered body kept for the next build."""

    body: RenderedBody
    links: tuple[tuple[str, str], ...]
    """(key, URL) of every document it links to: the body is stale once one of them moves."""


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

    def start(self, citations: Citations) -> None:
        """A new build with this citation table: forget what it would render differently."""
        changed = citations.changed_since(self.citations)
        if changed is not None:
            # Citations are found in text tokens, and a body's plain text holds each one's content unbroken.
            self._keep(lambda key, entry: not changed.search(entry.body.text))
        self.citations = citations
        self.used = set()
        self.rendered = 0

    def finish(self) -> None:
        """Keep only what this build used: deleted and edited bodies go."""
        self._keep(lambda key, entry: key in self.used)

    def _keep(self, wanted: Callable[[BodyKey, CachedBody], bool]) -> None:
        dropped = [key for key, entry in self.entries.items() if not wanted(key, entry)]
        for key in dropped:
            del self.entries[key]
        self.changed.update(dropped)

    def render(self, renderer: BodyRenderer, body: str, self_key: str | None, page_url: str, explicit_index: bool,
               url_of: Callable[[str], str], link: Callable[[str], str]) -> RenderedBody:
        """`renderer.render(body, …)` or its kept result; `url_of(key)` is a document's URL,
        `link(url)` the link to it from the page at `page_url`."""
        key = (hashlib.sha1(body.encode()).digest(), page_url, self_key, explicit_index)
        self.used.add(key)
        kept = self.entries.get(key)
        if kept is not None and all(_url_or_none(url_of, k) == url for k, url in kept.links):
            return kept.body
        links: dict[str, str] = {}

        def href(target: str) -> str:
            links[target] = url_of(target)
            return link(links[target])

        rendered = renderer.render(body, href, self_key)
        self.entries[key] = CachedBody(rendered, tuple(sorted(links.items())))
        self.changed.add(key)
        self.rendered += 1
        return rendered


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
