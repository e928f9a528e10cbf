"""文号: the one place that knows how a document number is written, typed and cited."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

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
    """A regular expression for one canonical 文号 as it may be typed in a body (any brackets, spaces):
    for a few 文号 at a time, such as those whose target changed between two builds."""
    parsed = parse(number)
    if parsed is None:
        return None
    prefix, year, seq = parsed
    return rf"{re.escape(prefix)}\s*{_OPEN}\s*{year}\s*{_CLOSE}\s*{seq}\s*号"


#: A 文号 in running text from the last character of its 机关代字: spaces, the year in brackets of any
#: style, the 序号, 号. Digits are ASCII, as the year and 序号 of a known 文号 are printed.
_AGENCY = r"[\u3400-\u9fffA-Za-z]"
_REST = rf"\s*{_OPEN}\s*([0-9]+)\s*{_CLOSE}\s*([0-9]+)\s*号"
_AGENCY_END_AND_REST = re.compile(_AGENCY + _REST)
_AGENCY_AND_REST = re.compile(rf"({_AGENCY}+){_REST}")


class KnownNumbers:
    """Known 文号 found in running text as typed (any brackets, spaces), with work that grows with
    the text and the longest 机关代字, not with how many 文号 are known.

    A 文号 is written like a known one when its 机关代字, year and 序号 are, the digits as the known
    one prints them (no leading zeros). A sentence may run straight into the 机关代字
    (根据武隆府办发〔2017〕1号), so the 文号 starts where the longest known 机关代字 ends the run of Han
    and Latin letters before the bracket.
    """

    def __init__(self, numbers: Iterable[str]):
        parsed = [p for n in numbers if (p := parse(n)) is not None]
        self._known = {(agency, str(year), str(seq)) for agency, year, seq in parsed}
        self._longest = max((len(agency) for agency, _, _ in parsed), default=0)

    def search(self, text: str, pos: int = 0) -> tuple[int, int] | None:
        """(start, end) of the leftmost 文号 in text[pos:] written like a known one; None if there is none."""
        at = pos
        while self._known and (m := _AGENCY_END_AND_REST.search(text, at)) is not None:
            end_of_agency, lowest = m.start() + 1, max(pos, m.start() + 1 - self._longest)
            start = m.start()
            while start > lowest and _is_agency_char(text[start - 1]):
                start -= 1
            for start in range(start, end_of_agency):  # the longest known 机关代字 first
                if (text[start:end_of_agency], m[1], m[2]) in self._known:
                    return start, m.end()
            at = m.end() - 1  # this 号 may be the 机关代字 of the next (号〔2019〕1号)
        return None

    def match(self, text: str, pos: int) -> int | None:
        """The end of a 文号 written like a known one that starts exactly at `pos`; None if there is none."""
        m = _AGENCY_AND_REST.match(text, pos)
        return m.end() if m is not None and (m[1], m[2], m[3]) in self._known else None


def _is_agency_char(c: str) -> bool:
    """A character a 机关代字 may have (the class `_AGENCY` matches)."""
    return "\u3400" <= c <= "\u9fff" or "A" <= c <= "Z" or "a" <= c <= "z"


_SENTENCE_ENDS = "。；！？\n"
_REPEAL = "废止"


def said_repealed(body: str) -> Iterator[re.Match[str]]:
    """Each 文号 said to be 废止: the last one cited before a 废止 in the same sentence, in one pass.

    根据《…》（渝府令〔2019〕329号）…决定对《…》（X）予以废止 repeals X, not the 渝府令. Each stretch
    of text between two 废止 is searched once for sentence ends, and citations are found once, left
    to right: linear in the body's length.
    """
    if _REPEAL not in body:  # most bodies: skip looking for citations at all
        return
    citations = IN_TEXT.finditer(body)
    citation = next(citations, None)
    sentence_start, searched, last, said = 0, 0, None, None
    for verb in re.finditer(_REPEAL, body):
        sentence_start = max(sentence_start, *(body.rfind(end, searched, verb.start()) + 1 for end in _SENTENCE_ENDS))
        searched = verb.start()
        while citation is not None and citation.end() <= verb.start():
            last, citation = citation, next(citations, None)
        if last is not None and last is not said and last.start() >= sentence_start:
            said = last
            yield last
