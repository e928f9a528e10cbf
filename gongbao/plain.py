"""Plain bodies: telling a body that is nothing but paragraphs of plain text, which needs no Markdown parser.

Most laws and notices are only paragraphs of Chinese text, and markdown-it tries every block rule on
every line of them and every inline rule at every terminator: parsing was 12 of the 35 s of a full
build of the 3,366-law corpus. A body qualifies only when no line could mean anything but text: no
ASCII punctuation that Markdown reads anywhere (``, . ; ' " / ? ( ) %`` are allowed, and ``: - = +``
but at the start of a line, where they open a container, a list, a rule or a heading's underline),
no line starting as ``1.`` or ``1)`` (a list), no tab or control character, and no line beginning or
ending with white space (Markdown trims it). markdown.BodyRenderer renders such a body directly and
any other through markdown-it; tests/test_plain.py checks that both give the same bytes, on the
corpus and on bodies generated to come close to the line.
"""

from __future__ import annotations

import re

#: A character that keeps a body off the fast path: ASCII punctuation other than the harmless few,
#: control characters (the newline aside) and the line and paragraph separators.
_MARKUP = re.compile("[\x00-\x09\x0b-\x1f!#$&*<>@\\[\\\\\\]^_`{|}~\x7f\u2028\u2029]")
#: The start of a line that may be more than text: a container, a list (bullet or numbered), a
#: thematic break, a setext heading's underline.
_OPENS_BLOCK = re.compile(r"[:\-=+]|[0-9]+[.)]")


def plain_paragraphs(body: str) -> list[list[str]] | None:
    """The paragraphs of `body`, each its lines (Markdown joins them with a soft break), or None when
    the body is not plain text."""
    if _MARKUP.search(body):
        return None
    paragraphs: list[list[str]] = []
    run: list[str] = []
    for line in body.split("\n"):
        if not line.strip(" "):  # blank for Markdown: spaces (tabs are refused above)
            if run:
                paragraphs.append(run)
                run = []
        elif line[0].isspace() or line[-1].isspace() or _OPENS_BLOCK.match(line):
            return None
        else:
            run.append(line)
    if run:
        paragraphs.append(run)
    return paragraphs
