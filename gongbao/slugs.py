"""Permalinks: stable ASCII URL segments derived from 文号 and other Chinese names."""

from __future__ import annotations

import re

from . import docnumber

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

#: Text → its initials, for every text this process or the builds cached before it worked out: saved with
#: the build cache, so that a build of names all seen before never imports pypinyin (a third of a second).
KNOWN_INITIALS: dict[str, str] = {}


def initials(text: str) -> str:
    """Lower-case pinyin initials of the Chinese characters; ASCII letters and digits kept."""
    known = KNOWN_INITIALS.get(text)
    if known is None:
        from pypinyin import Style, lazy_pinyin  # only for a text not seen before: see KNOWN_INITIALS

        parts = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
        known = KNOWN_INITIALS[text] = re.sub(r"[^a-z0-9]", "", "".join(parts).lower())
    return known


def slug_for_doc_number(doc_number: str) -> str:
    """武隆府发〔2024〕9号 → wlff-2024-9: pinyin initials of the 机关代字, the year, the 序号."""
    parsed = docnumber.parse(doc_number)
    if parsed is None:
        return initials(doc_number) or "doc"
    prefix, year, seq = parsed
    return f"{initials(prefix) or 'doc'}-{year}-{seq}"


def slug_for_name(name: str) -> str:
    """An issuer or 文种 name → its initials (重庆市武隆区人民政府 → cqswlqrmzf)."""
    return initials(name) or "x"
