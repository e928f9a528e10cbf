"""What the search tests share: a record in one line, and strings that are hard to normalise alike."""

from __future__ import annotations

from gongbao.search import SearchRecord


def record(url: str, title: str, text: str, doc_number: str | None = None, date: str = "2024-01-01") -> SearchRecord:
    return SearchRecord(url=url, title=title, doc_number=doc_number, issuers=("重庆市武隆区人民政府",),
                        doc_type="通知", date=date, year=int(date[:4]), status="现行有效", gazette=None, text=text)


#: Full-width forms, brackets of a 文号, capital sigma (its lower case depends on what follows),
#: combining marks, Hangul jamo (they compose), halfwidth kana with voiced marks, enclosed and
#: compatibility characters that become several, astral letters, NUL, NBSP, ideographic space,
#: zero-width joiner and emoji sequences, and the characters where Python's str.isspace() and
#: JavaScript's \s differ (U+001C, U+0085, U+FEFF).
TRICKY = ["ＡＢＣ１２３，Ｘ", "武隆府办发〔2024〕39号", "ΑΣ ΣΑ", "ΟΔΟΣ.", "cafe\u0301 café", "e\u0301\u0327",
          "\u1100\u1161\u11a8 ㄱㅏ", "ｶﾞｷﾞﾊﾟ", "⑩⑳㈠℡ﬁ½㍻", "İstanbul ß ẞ Ǆǅ", "𝚺𝛂", "\x00 bad\x00", "一\n\n二三",
          "〔2024〕【3】", "a\u00a0b\u3000c", "👨\u200d👩\u200d👧 🇨🇳", "a\u200db", "a\x1cb", "a\x85b", "a\ufeffb"]
