"""Permalinks: stable ASCII URL segments derived from 文号 and other Chinese names."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

from . import docnumber

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def initials(text: str) -> str:
    """Lower-case pinyin initials of the Chinese characters; ASCII letters and digits kept."""
    parts = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return re.sub(r"[^a-z0-9]", "", "".join(parts).lower())


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
