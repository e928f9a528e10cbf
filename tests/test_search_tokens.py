"""Search tokens: normalisation, the literal truth a match is measured against, and the spelled bigrams."""

from __future__ import annotations

from collections import Counter

import pytest

from gongbao.search import SearchRecord, matches, normalize, query_words
from gongbao.search import layout, tokens
from tests.search_samples import TRICKY, record


# --- normalisation ---------------------------------------------------------------------------

def test_full_width_and_case_are_folded() -> None:
    assert normalize("ＡＢＣ１２３") == "abc123"


def test_every_bracket_form_of_a_doc_number_normalises_alike() -> None:
    forms = ["武隆府办发〔2024〕39号", "武隆府办发[2024]39号", "武隆府办发(2024)39号",
             "武隆府办发【2024】39号", "武隆府办发（２０２４）39号"]
    assert {normalize(f) for f in forms} == {"武隆府办发202439号"}


def test_spaces_separate_query_words_and_punctuation_is_dropped() -> None:
    assert query_words(" 森林　防火 ，") == ["森林", "防火"]


def test_a_document_matches_only_when_it_contains_every_word() -> None:
    doc = record("docs/a/", "关于发布森林防火禁火令的通告", "禁火时间：每年1月1日至5月10日。")
    assert matches(doc, "森林 禁火令")
    assert matches(doc, "1月1日")
    assert not matches(doc, "森林 超充")
    assert not matches(doc, "防火令")


def test_tokens_are_letters_and_digits_and_no_token_is_a_prefix_of_another() -> None:
    assert tokens.spell("超充") == "ryd" + tokens.spell("充") and len(tokens.spell("超充")) == 6
    assert tokens.spell("超充") != tokens.spell("充超")
    chars = ["超", "充", "a", "1", "가", "\uffff", "\U00020000", "\U0010fffd", chr(tokens.SHORT_CODES - 1),
             chr(tokens.SHORT_CODES)]
    codes = {c: tokens.spell(c) for c in chars}
    assert all(code.isascii() and code.isalnum() and code == code.lower() for code in codes.values())
    assert len(set(codes.values())) == len(chars)
    bigrams = {tokens.spell(a + b) for a in chars for b in chars}
    assert not any(x != y and y.startswith(x) for x in bigrams for y in bigrams)


@pytest.mark.parametrize("text", TRICKY)
def test_fast_normalisation_equals_normalize_line_by_line(text: str) -> None:
    expected = "\n".join(normalize(line) for line in text.split("\n"))
    assert tokens.normalize_lines(text) == expected
    assert "".join(map(chr, tokens._folded_codes(text).tolist())) == expected


def _reference_tokens(record: SearchRecord) -> tuple[list[str], list[int], list[int], list[int]]:
    """document_tokens, written the obvious way (the definition the fast one must meet)."""
    title, number, *paras = [normalize(x) for x in [record.title, record.doc_number or "", *record.text.split("\n")]]
    counts: Counter[str] = Counter()
    for p in [title, number, *paras]:
        counts.update(p[i:i + 2] for i in range(len(p) - 1))
    in_number = sorted({number[i:i + 2] for i in range(len(number) - 1)})
    in_title = sorted({title[i:i + 2] for i in range(len(title) - 1)} - set(in_number))
    body = sorted((b for b in counts if b not in in_number and b not in in_title), key=lambda b: (-counts[b], b))
    tf = [sum(1 for b in body if counts[b] >= t) for t in layout.TF_BUCKETS]
    chars = sorted({ord(c) for p in [title, number, *paras] for c in p})
    return ([*in_number, *in_title, *body], [len(in_number) + len(in_title) + len(body), *tf,
            len(in_number), len(in_title)], sorted({ord(c) for c in title}), chars)


@pytest.mark.parametrize("text", [*TRICKY, "火火火火火 火灾\n防火防火防火\n" * 3, ""])
def test_document_tokens_match_the_reference(text: str) -> None:
    doc = record("docs/a/", "关于森林防火的通告" + text[:3].replace("\n", ""), text, "武隆府发〔2024〕9号")
    spelled, row, title_chars, chars = tokens.document_tokens(doc)
    bigrams, expected_row, expected_title, expected_chars = _reference_tokens(doc)
    assert spelled == "".join(tokens.spell(b) + " " for b in bigrams)
    assert (row, title_chars.tolist(), chars.tolist()) == (expected_row, expected_title, expected_chars)




@pytest.mark.parametrize("text", ["", "a", "法" * 50, "ab\nba", "第一条 𠀀𪚥 ｆｕｌｌ ＡＢ 123 \U0010fffd 一", TRICKY[0] if TRICKY else "x"])
def test_distinct_code_points_are_numpy_unique(text: str) -> None:
    import numpy as np

    codes = tokens._folded_codes(text)
    found = tokens._distinct(codes)
    assert found.tolist() == np.unique(codes).tolist()
    if len(codes):  # the table it marks is left clear: the ends alone find the ends alone
        ends = np.array([codes.min(), codes.max()], dtype=codes.dtype)
        assert tokens._distinct(ends).tolist() == sorted(set(ends.tolist()))
