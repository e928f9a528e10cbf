"""文号: the one place that knows how a document number is written, typed and cited."""

from __future__ import annotations

import re
import unicodedata

#: Brackets a typist may put around the year; the printed form is 〔〕.
OPEN_BRACKETS = "〔[【（(［{〖"
CLOSE_BRACKETS = "〕]】）)］}〗"
_TO_PRINTED = str.maketrans({**dict.fromkeys(OPEN_BRACKETS, "〔"), **dict.fromkeys(CLOSE_BRACKETS, "〕")})
_OPEN = f"[{re.escape(OPEN_BRACKETS)}]"
_CLOSE = f"[{re.escape(CLOSE_BRACKETS)}]"

_CANONICAL = re.compile(r"^(?P<prefix>[\u3400-\u9fffA-Za-z]+)〔(?P<year>\d{4})〕(?P<seq>\d+)号$")

#: A 文号 in running text, in any bracket style; not preceded by another Han character, so
#: that 决定对武隆府办发… does not swallow 决定对 into the 机关代字.
IN_TEXT = re.compile(rf"(?<![\u3400-\u9fff])[\u3400-\u9fff]{{1,12}}{_OPEN}\s*\d{{4}}\s*{_CLOSE}\s*\d{{1,5}}\s*号")


def normalize(text: str) -> str:
    """Canonical 文号: half-width digits, 〔〕 around the year, no spaces."""
    text = unicodedata.normalize("NFKC", text)
    # NFKC turns 〔〕 into (), so every bracket kind is translated back to the printed form.
    return re.sub(r"\s+", "", text).translate(_TO_PRINTED)


def parse(text: str) -> tuple[str, int, int] | None:
    """(机关代字, year, 序号) of a canonical 文号, or None when it is malformed."""
    m = _CANONICAL.match(text)
    return (m["prefix"], int(m["year"]), int(m["seq"])) if m else None


def year_of(text: str) -> int | None:
    """The year of a canonical 文号: all that is known of the date of a document only cited."""
    parsed = parse(text)
    return parsed[1] if parsed else None


def pattern(number: str) -> str | None:
    """A regular expression for one canonical 文号 as it may be typed in a body (any brackets, spaces)."""
    parsed = parse(number)
    if parsed is None:
        return None
    prefix, year, seq = parsed
    return rf"{re.escape(prefix)}\s*{_OPEN}\s*{year}\s*{_CLOSE}\s*{seq}\s*号"
