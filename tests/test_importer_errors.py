"""The importer on damaged and hostile input: a clear refusal that writes nothing, or files that pass `gongbao check`.

Every case is the seed issue (or something that is not an issue at all) damaged one way: other
encodings, binary data, empty or partial texts, truncation at 100 points, shuffled, duplicated or
missing lines, control characters, odd source names and output folders; then a hypothesis test
mixes such edits at random (with a fixed seed).
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import random
import signal
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, run, write_project
from gongbao.importer import CODES, ImportRefused, ImportResult, import_into, import_issue

SEED = FIXTURES / "seed" / "000_c2ec7535d22ea83c.txt"
SEED_BYTES = SEED.read_bytes()
SEED_TEXT = SEED_BYTES.decode("utf-8")
SEED_LINES = SEED_TEXT.splitlines(keepends=True)
LAYOUT = yaml.safe_load((FIXTURES / "seed" / "expected_layout.yaml").read_text(encoding="utf-8"))
DOC_NUMBERS = [d["doc_number"] for d in LAYOUT["documents"]]
#: The seed without the one character (³) that GBK cannot encode.
GBK_TEXT = SEED_TEXT.replace("³", "3")
#: The save stage's module (the package's `save` names its function).
SAVE = sys.modules["gongbao.importer.save"]
#: No case may take longer; a hang fails its test instead of stalling the suite.
TIMEOUT = 120


@pytest.fixture(autouse=True)
def _bounded():
    def expire(signum, frame):
        raise TimeoutError(f"no result within {TIMEOUT} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _import(where: Path, data: bytes | str, name: str = "issue.txt") -> ImportResult | ImportRefused:
    """Import `data` into a fresh project under `where`: the refusal, having checked that nothing at
    all was written, or the result, having checked that `gongbao check` passes on what was written."""
    source = where / name
    source.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    project = write_project(where / "proj", base=False)
    before = _files(where)
    try:
        result = import_issue(source, project / "content")
    except ImportRefused as refused:
        assert _files(where) == before and not (project / "content").exists()
        assert refused.errors and all(e.code in CODES for e in refused.errors)
        return refused
    checked = run(project, "check")
    assert checked.exit_code == 0, checked.output
    written = {p.relative_to(where).as_posix() for p in result.written}
    assert set(_files(where)) == set(before) | written, "wrote something besides its files"
    return result


def _refused(where: Path, data: bytes | str, name: str = "issue.txt") -> list[str]:
    outcome = _import(where, data, name)
    assert isinstance(outcome, ImportRefused), "imported what should have been refused"
    return [e.code for e in outcome.errors]


def _imported(where: Path, data: bytes | str, name: str = "issue.txt") -> ImportResult:
    outcome = _import(where, data, name)
    assert isinstance(outcome, ImportResult), [f"{e.line}: {e.code} {e.message}" for e in outcome.errors]
    return outcome


def _codes(result: ImportResult) -> set[str]:
    return {n.code for n in result.review}


def _contents(result: ImportResult) -> list[bytes]:
    return [p.read_bytes() for p in result.written]


def _doc_numbers(result: ImportResult) -> list[str]:
    return [yaml.safe_load(p.read_text(encoding="utf-8").split("---\n")[1])["doc_number"]
            for p in result.written if p.parent.parent.name == "documents"]


def _front(result: ImportResult, doc_number: str) -> dict:
    fronts = (yaml.safe_load(p.read_text(encoding="utf-8").split("---\n")[1]) for p in result.written)
    return next(front for front in fronts if front.get("doc_number") == doc_number)


def _relative(result: ImportResult) -> dict[str, bytes]:
    """Written files by their path in the content folder (the issue record, written first, is in gazettes/)."""
    content = result.written[0].parents[1]
    return {p.relative_to(content).as_posix(): p.read_bytes() for p in result.written}


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> ImportResult:
    return _imported(tmp_path_factory.mktemp("seed"), SEED_BYTES)


@pytest.fixture(scope="module")
def gbk_safe(tmp_path_factory) -> ImportResult:
    """The GBK-encodable seed, imported from UTF-8: what every other encoding must give."""
    return _imported(tmp_path_factory.mktemp("plain"), GBK_TEXT)


# ---------------------------------------------------------------- encodings

ENCODINGS = {
    "gbk": (GBK_TEXT.encode("gbk"), "GB18030"),
    "gb18030": (GBK_TEXT.encode("gb18030"), "GB18030"),
    "utf-8-bom": (codecs.BOM_UTF8 + GBK_TEXT.encode("utf-8"), "UTF-8"),
    "utf-16-le-bom": (codecs.BOM_UTF16_LE + GBK_TEXT.encode("utf-16-le"), "UTF-16"),
    "utf-16-be-bom": (codecs.BOM_UTF16_BE + GBK_TEXT.encode("utf-16-be"), "UTF-16"),
    "utf-16-le": (GBK_TEXT.encode("utf-16-le"), "UTF-16"),
    "utf-16-be": (GBK_TEXT.encode("utf-16-be"), "UTF-16"),
    "utf-16-le-crlf": (GBK_TEXT.replace("\n", "\r\n").encode("utf-16-le"), "UTF-16"),
}


@pytest.mark.parametrize("name", ENCODINGS)
def test_issue_in_any_supported_encoding_imports_as_from_utf8(tmp_path, gbk_safe, name):
    data, encoding = ENCODINGS[name]
    result = _imported(tmp_path, data)
    assert result.encoding == encoding
    assert result.review == gbk_safe.review
    assert _contents(result) == _contents(gbk_safe)


@pytest.mark.parametrize("codec", ["utf-8", "gb18030", "utf-16-le"])
def test_file_cut_inside_its_last_character_drops_only_that_character(tmp_path, codec):
    data = GBK_TEXT.rstrip("\n").encode(codec)
    result = _imported(tmp_path, data[:-1])
    last = len(GBK_TEXT.rstrip("\n").splitlines())
    assert ("REVIEW-TRUNCATED" in _codes(result)
            and any(n.line == last and "最后一个字符不完整" in n.message for n in result.review))


# ---------------------------------------------------------------- not an issue

NOT_TEXT = {
    "every-byte": bytes(range(256)) * 8,
    "nul-bytes": bytes(4096),
    "png-like": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "random": random.Random(11).randbytes(20000),
    "utf-8-with-nul-everywhere": "\x00".join(SEED_TEXT[:3000]).encode("utf-8"),
}


@pytest.mark.parametrize("name", NOT_TEXT)
def test_binary_input_is_refused_as_not_text(tmp_path, name):
    assert _refused(tmp_path, NOT_TEXT[name]) == ["I001"]


@pytest.mark.parametrize("data", [b"", b"\n\n   \n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE],
                         ids=["empty", "blank", "bom-utf8", "bom-utf16"])
def test_empty_source_is_refused(tmp_path, data):
    assert _refused(tmp_path, data) == ["I002"]


PROSE = "春天来了，河边的柳树发芽了。孩子们在草地上放风筝，老人们坐在长椅上聊天。\n\n" * 40


@pytest.mark.parametrize(("name", "text", "missing"), [
    ("cover-only", "".join(SEED_LINES[:72]), ["I005"]),
    ("toc-only", "".join(SEED_LINES[20:51]), ["I003", "I004", "I005"]),
    ("prose", PROSE, ["I003", "I004", "I005"]),
    ("documents-without-cover", "".join(SEED_LINES[72:]), ["I003", "I004"]),
    ("cover-without-its-date", "".join(SEED_LINES[:71] + SEED_LINES[72:]), ["I004"]),
    ("cover-with-impossible-date", SEED_TEXT.replace("出版日期：2024年10月10日", "出版日期：2024年13月10日"), ["I004"]),
], ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "")
def test_text_that_is_not_an_issue_is_refused_naming_what_is_missing(tmp_path, name, text, missing):
    assert _refused(tmp_path, text) == missing


@pytest.mark.parametrize("shuffle", range(5))
def test_shuffled_lines_are_refused_as_having_no_document(tmp_path, shuffle):
    lines = list(SEED_LINES)
    random.Random(shuffle).shuffle(lines)
    assert "I005" in _refused(tmp_path, "".join(lines))


# ---------------------------------------------------------------- truncation

TRUNCATIONS = [len(SEED_BYTES) * k // 100 for k in range(100)]


def _line_starts(text: str) -> list[int]:
    """Character offset of each line's start; [0] is line 1."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


@pytest.mark.parametrize("cut", TRUNCATIONS, ids=[f"{k}%" for k in range(100)])
def test_truncated_issue_imports_what_it_has_or_names_what_is_missing(tmp_path, cut):
    kept = SEED_BYTES[:cut].decode("utf-8", errors="ignore")
    starts = _line_starts(SEED_TEXT)
    present = [d["doc_number"] for d in LAYOUT["documents"] if len(kept) > starts[d["title_lines"][0] - 1]]
    expected = ([] if kept.strip() else ["I002"]) or (
        (["I003"] if "2024年第2期" not in kept else []) + (["I004"] if "出版日期：2024年10月10日" not in kept else [])
        + (["I005"] if not present else []))
    outcome = _import(tmp_path, SEED_BYTES[:cut])
    if expected:
        assert isinstance(outcome, ImportRefused) and [e.code for e in outcome.errors] == expected
        return
    assert isinstance(outcome, ImportResult), outcome.errors
    assert _doc_numbers(outcome) == present
    if len(kept.encode("utf-8")) < cut:  # the cut fell inside a character
        assert any(n.code == "REVIEW-TRUNCATED" and "最后一个字符不完整" in n.message for n in outcome.review)


def test_issue_cut_inside_its_first_document_keeps_it_with_a_stand_in_date(tmp_path):
    result = _imported(tmp_path, "".join(SEED_LINES[:95]))
    assert _doc_numbers(result) == ["武隆府发〔2024〕9号"]
    assert _front(result, "武隆府发〔2024〕9号")["signed"] == dt.date(2024, 10, 10)
    signature = [n for n in result.review if n.code == "REVIEW-SIGNATURE"]
    assert len(signature) == 1 and signature[0].line == 76 and "暂填本期出版日期 2024-10-10" in signature[0].message


def test_issue_cut_before_its_index_lacks_only_the_index_check(tmp_path, seed):
    result = _imported(tmp_path, "".join(SEED_LINES[:1705]))
    assert _doc_numbers(result) == DOC_NUMBERS
    assert _codes(result) == _codes(seed) - {"REVIEW-INDEX"}
    assert _contents(result)[1:] == _contents(seed)[1:]


# ---------------------------------------------------------------- damage inside the issue


def _without(*numbers: int) -> str:
    return "".join(line for no, line in enumerate(SEED_LINES, 1) if no not in numbers)


def _with_copy(first: int, last: int, after: int) -> str:
    """The seed with lines first..last printed again after line `after`."""
    return "".join(SEED_LINES[:after] + SEED_LINES[first - 1:last] + SEED_LINES[after:])


def test_page_printed_twice_inside_a_document_is_dropped_and_reported(tmp_path, seed):
    result = _imported(tmp_path, _with_copy(302, 340, 340))
    duplicate = [n for n in result.review if n.code == "REVIEW-DUPLICATE"]
    assert [(n.line, n.message[:22]) for n in duplicate] == [(341, "第341–378行与第302–339行相同，")]
    assert _contents(result) == _contents(seed)


def test_page_printed_twice_across_documents_opens_no_document_twice(tmp_path, seed):
    result = _imported(tmp_path, _with_copy(101, 175, 175))
    assert _doc_numbers(result) == DOC_NUMBERS
    assert [n.line for n in result.review if n.code == "REVIEW-DUPLICATE"] == [176]
    assert _contents(result) == _contents(seed)


def test_header_and_doc_number_printed_twice_are_left_as_text(tmp_path):
    result = _imported(tmp_path, _with_copy(107, 110, 122))
    assert _doc_numbers(result) == DOC_NUMBERS
    duplicate = [n for n in result.review if n.code == "REVIEW-DUPLICATE"]
    assert len(duplicate) == 1 and "武隆府发〔2024〕11号 已在第109行开始过一件公文" in duplicate[0].message


def test_signature_without_its_organ_line_still_gives_the_date(tmp_path):
    result = _imported(tmp_path, _without(133))
    front = _front(result, "武隆府发〔2024〕9号")
    assert (front["signed"], front["issuer"]) == (dt.date(2024, 6, 13), "重庆市武隆区人民政府")
    assert [n.line for n in result.review if n.code == "REVIEW-SIGNATURE"] == [133]


@pytest.mark.parametrize("text", [_without(133, 134), SEED_TEXT.replace("2024年6月13日", "2024年2月30日")],
                         ids=["signature-deleted", "impossible-date"])
def test_document_without_a_real_signing_date_gets_the_issue_date_to_correct(tmp_path, text):
    result = _imported(tmp_path, text)
    assert _front(result, "武隆府发〔2024〕9号")["signed"] == dt.date(2024, 10, 10)
    assert [n.line for n in result.review if n.code == "REVIEW-SIGNATURE"] == [76]


def test_missing_table_of_contents_leaves_pages_unknown(tmp_path):
    result = _imported(tmp_path, _without(*range(21, 51)))
    assert _doc_numbers(result) == DOC_NUMBERS
    assert [n.code for n in result.review].count("REVIEW-TOC") == 12
    assert "page" not in _front(result, "武隆府发〔2024〕9号")


def test_garbled_table_of_contents_line_is_reported(tmp_path):
    result = _imported(tmp_path, SEED_TEXT.replace("森林防火禁火令的通告.....1", "森林防火禁火令的通告.....", 1))
    assert {(n.line, n.code) for n in result.review} >= {(23, "REVIEW-TOC"), (76, "REVIEW-TOC")}


def test_clause_copied_into_another_document_that_contradicts_it_is_refused(tmp_path):
    """32号 replaces 武隆府办发〔2022〕76号; the same clause copied into 9号 would end it on two dates (E020)."""
    outcome = _import(tmp_path, _with_copy(842, 843, 81))
    assert isinstance(outcome, ImportRefused) and [e.code for e in outcome.errors] == ["I006"]
    message = outcome.errors[0].message
    assert "E020 武隆府办发〔2022〕76号" in message and "武隆府发〔2024〕9号 于 2024-06-13" in message


def test_control_characters_are_dropped_and_reported_except_page_breaks(tmp_path, seed):
    lines = list(SEED_LINES)
    lines[79] = "\x07" + lines[79][:5] + "\x00\x1b" + lines[79][5:]
    lines[105] = "\f" + lines[105]
    result = _imported(tmp_path, "".join(lines))
    control = [n for n in result.review if n.code == "REVIEW-CONTROL"]
    assert [(n.line, "U+0000、U+0007、U+001B" in n.message) for n in control] == [(80, True)]
    assert _contents(result) == _contents(seed)


# ---------------------------------------------------------------- no hang on huge input


def test_table_of_contents_line_with_a_huge_leader_imports(tmp_path):
    """A regular expression that backtracked over the leader took minutes here."""
    text = "".join(SEED_LINES[:22] + ["- 某某事项的通知" + "." * 100_000 + "x\n"] + SEED_LINES[22:])
    assert any(n.line == 23 and n.code == "REVIEW-TOC" for n in _imported(tmp_path, text).review)


def test_long_run_of_text_after_the_index_is_reported_once(tmp_path):
    """Each stray line used to be joined to all before it and matched again: quadratic."""
    result = _imported(tmp_path, SEED_TEXT + "\n\n" + "一句话。\n\n" * 50_000)
    stray = [n for n in result.review if n.code == "REVIEW-INDEX" and "未列入索引" in n.message]
    assert [n.line for n in stray] == [len(SEED_LINES) + 2]


# ---------------------------------------------------------------- names and folders


@pytest.mark.parametrize("name", ["...txt", "..txt", ".txt", "-.txt", "a b.txt", "2024年第2期.txt", "x.md"])
def test_source_name_never_shapes_where_files_go(tmp_path, seed, name):
    result = _imported(tmp_path, SEED_BYTES, name)
    assert result.written[0].parents[1] == tmp_path / "proj" / "content"
    assert _relative(result) == _relative(seed)


def test_source_named_with_dots_and_no_cover_writes_nothing(tmp_path):
    assert _refused(tmp_path, "".join(SEED_LINES[72:]), "...txt") == ["I003", "I004"]


def test_source_path_from_a_parent_folder_is_read_where_it_is(tmp_path):
    (tmp_path / "deep").mkdir()
    (tmp_path / "x.txt").write_bytes(SEED_BYTES)
    result = import_issue(tmp_path / "deep" / ".." / "x.txt", tmp_path / "deep" / "content")
    assert all(p.is_relative_to(tmp_path / "deep" / "content") for p in result.written)


@pytest.mark.parametrize("source", ["a\0b.txt", "missing.txt", "."], ids=["nul", "missing", "folder"])
def test_unreadable_source_is_refused(tmp_path, source):
    with pytest.raises(ImportRefused) as refused:
        import_issue(tmp_path / source, tmp_path / "content")
    assert [e.code for e in refused.value.errors] == ["I007"] and not (tmp_path / "content").exists()


def test_output_folder_that_is_a_file_is_refused_and_left_alone(tmp_path):
    (tmp_path / "content").write_text("not a folder", encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        import_issue(SEED, tmp_path / "content")
    assert [e.code for e in refused.value.errors] == ["I008"]
    assert (tmp_path / "content").read_text(encoding="utf-8") == "not a folder"


def test_refused_import_removes_the_folders_it_made(tmp_path):
    (tmp_path / "cover.txt").write_text("".join(SEED_LINES[:72]), encoding="utf-8")
    with pytest.raises(ImportRefused):
        import_issue(tmp_path / "cover.txt", tmp_path / "a" / "b" / "content")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cover.txt"]


def test_import_interrupted_while_moving_files_leaves_whole_files_only(tmp_path, seed, monkeypatch):
    moves = 0
    real_replace = os.replace

    def replace_then_interrupt(src, dst):
        nonlocal moves
        if moves == 5:
            raise KeyboardInterrupt
        moves += 1
        real_replace(src, dst)

    monkeypatch.setattr(SAVE.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        import_into(SEED, tmp_path / "content")
    left = _files(tmp_path / "content")
    whole = _relative(seed)
    assert len(left) == 5 and all(whole[name] == data for name, data in left.items())


def test_import_interrupted_before_moving_writes_nothing(tmp_path, monkeypatch):
    def interrupt(staging):
        raise KeyboardInterrupt

    monkeypatch.setattr(SAVE, "_check", interrupt)
    with pytest.raises(KeyboardInterrupt):
        import_into(SEED, tmp_path / "content")
    assert list(tmp_path.iterdir()) == []


def test_readme_lists_every_importer_code():
    readme = (FIXTURES.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Importing a new issue", 1)[1].split("\n## ", 1)[0]
    assert [line.split("|")[1].strip(" `") for line in section.splitlines() if line.startswith("| `I")] == list(CODES)
    assert all(f"| `{code}` | {meaning} |" in section for code, meaning in CODES.items())


# ---------------------------------------------------------------- random edits

CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\r\u2028"
_span = st.tuples(st.integers(0, len(SEED_LINES) - 1), st.integers(1, 80))
EDITS = st.one_of(
    st.tuples(st.just("delete"), _span),
    st.tuples(st.just("duplicate"), _span),
    st.tuples(st.just("move"), _span, st.integers(0, len(SEED_LINES) - 1)),
    st.tuples(st.just("control"), st.tuples(st.integers(0, len(SEED_LINES) - 1), st.integers(0, 80)),
              st.sampled_from(CONTROLS)),
)


def _edit(lines: list[str], edit: tuple) -> list[str]:
    kind, (at, size), *rest = edit
    if not lines:
        return lines
    start = at % len(lines)
    end = min(len(lines), start + size)
    match kind:
        case "delete":
            return lines[:start] + lines[end:]
        case "duplicate":
            return lines[:end] + lines[start:end] + lines[end:]
        case "move":
            block, others = lines[start:end], lines[:start] + lines[end:]
            to = rest[0] % (len(others) + 1)
            return others[:to] + block + others[to:]
        case "control":
            column = size % (len(lines[start]) + 1)
            return lines[:start] + [lines[start][:column] + rest[0] + lines[start][column:]] + lines[start + 1:]
    raise AssertionError(kind)


@settings(derandomize=True, database=None, max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDITS, min_size=1, max_size=6))
def test_randomly_edited_issue_is_refused_or_imports_into_content_that_passes_check(tmp_path_factory, edits):
    lines = list(SEED_LINES)
    for edit in edits:
        lines = _edit(lines, edit)
    _import(tmp_path_factory.mktemp("edited"), "".join(lines))
