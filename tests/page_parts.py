"""A built page as the publishing tests read it, through Python's HTML parser: its elements and scripts."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    """The text inside it, for a <script> (the only element whose text the tests read)."""


class PageParts(HTMLParser):
    """Every start tag of a page, in order, with its attributes; a script's text too."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._script: Element | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs)))
        self._script = self.elements[-1] if tag == "script" else None

    def handle_endtag(self, tag: str) -> None:
        self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.text += data

    def find(self, tag: str, **attrs: str) -> list[Element]:
        """The elements with this tag whose attributes include `attrs`."""
        return [e for e in self.elements if e.tag == tag and all(e.attrs.get(k) == v for k, v in attrs.items())]

    def meta(self, prop: str) -> str | None:
        """The content of <meta property=prop> or <meta name=prop>."""
        found = self.find("meta", property=prop) or self.find("meta", name=prop)
        return found[0].attrs["content"] if found else None


def parse(page: Path | str) -> PageParts:
    parts = PageParts()
    parts.feed(page.read_text(encoding="utf-8") if isinstance(page, Path) else page)
    parts.close()
    return parts
