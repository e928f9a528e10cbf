"""Fuzzing the checks: random front matter and bodies never raise out of `check`, every problem is one `path:line: CODE message` line, and the one-pass scans agree with their plain readings."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_project
from gongbao import build as pipeline
from gongbao.config import load_settings
from gongbao.load import CONTAINERS, DOCUMENT_FIELDS, GAZETTE_FIELDS
from gongbao.markdown import BodyRenderer, Citations
from gongbao.problems import ContentError, Problems
from gongbao import docnumber, lint
from gongbao.docnumber import said_repealed
from test_hostile_content import assert_well_formed, deadline

# Fixed seed and bounded counts: the same examples on every run, a few seconds in CI.
FUZZ = settings(derandomize=True, max_examples=100, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

CONTROLS = ["\x00", "\x0c", "\x1b", "\x85", "\u2028", "\r", "\ufeff"]
PIECES = list("[]{}:,&*!|>-#'\"%@`?~ \t\n\\武隆府发〔〕号ab01.") + [
    "\\f", "\\x00", "武隆府发〔2024〕9号", "渝府令〔2019〕329号", "废止", "予以废止。", "2024-02-30", "2024年6月13日",
    "2024-06-13", "0x" + "f" * 40, "9" * 30, "yes", "null", "~", ".nan", "1:2:3", "<<", "&a", "*a", "!!bool", "---", "..."]
FIELD_NAMES = sorted({*DOCUMENT_FIELDS, *GAZETTE_FIELDS, "doc_number", "omitted", "items", "<<"})


def _strategies(controls: bool) -> tuple[st.SearchStrategy[str], st.SearchStrategy[str], st.SearchStrategy[object]]:
    """text, keys and YAML values; with `controls`, text holds control characters too."""
    text = st.lists(st.sampled_from(PIECES + (CONTROLS if controls else [])), max_size=12).map("".join)
    scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.dates(), text)
    keys = st.sampled_from(FIELD_NAMES) | text
    value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                         max_leaves=12)
    return text, keys, value


# Half the examples have control characters (refused outright), so that the other half get past them.
VARIANTS = {controls: _strategies(controls) for controls in (False, True)}
controls = st.shared(st.booleans(), key="controls")
MOSTLY = st.sampled_from((True,) * 7 + (False,))

VALID_DOCUMENT = {"title": "标题", "doc_number": "武隆府发〔2024〕77号", "issuer": "重庆市武隆区人民政府", "doc_type": "决定",
                  "signed": "2024-08-09", "gazette": "2024-01", "section": "区政府文件"}
VALID_GAZETTE = {"year": "2024", "number": "2", "published": "2024-08-30", "sections": "[区政府文件, 区政府办公室文件]"}


@st.composite
def front_matter(draw: st.DrawFn, valid: dict[str, str]) -> str:
    """Mostly valid keys, shuffled with random ones: well-formed dumps of random values, or raw
    text that is YAML only by accident."""
    text, keys, value = VARIANTS[draw(controls)]
    lines = [f"{key}: {v}\n" for key, v in valid.items() if draw(MOSTLY)]
    for key in draw(st.lists(keys, max_size=6)):
        if draw(MOSTLY):
            style = draw(st.sampled_from([False, None]))  # block, or flow for innermost lists (a flow mapping would end the map)
            lines.append(yaml.safe_dump({key: draw(value)}, allow_unicode=True, default_flow_style=style))
        else:
            lines.append(f"{key}: {draw(text)}\n")
    return "".join(draw(st.permutations(lines)))


MARKERS = ["> ", "- ", "1. ", "* ", "  ", ">"]
BLOCKS = ["", "    ", "::: signature", "::: nonsense", ":::", "[x]: ", "```", "# ", "---", "\\"]


@st.composite
def markdown(draw: st.DrawFn) -> str:
    """Lines of stacked quote and list markers (up to past markdown-it's limit), container fences,
    tables with rows of any width, and text."""
    text = VARIANTS[draw(controls)][0]
    nested = st.builds(lambda markers, block, content: "".join(markers) + block + content,
                       st.lists(st.sampled_from(MARKERS), max_size=30), st.sampled_from(BLOCKS), text)
    cells = st.lists(text.map(lambda t: t.replace("\n", " ")), min_size=1, max_size=4).map(lambda c: "| " + " | ".join(c) + " |")
    table = st.builds(lambda head, rows: "\n".join([head, "|" + " --- |" * (head.count("|") - 1), *rows]),
                      cells, st.lists(cells, max_size=3))
    return "\n".join(draw(st.lists(nested | table, max_size=20)))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """One project for all the examples of a test, each overwriting its file: a fresh one each would take most of the time."""
    return write_project(tmp_path / "proj")


def check_file(project: Path, rel: str, text: str) -> None:
    (project / rel).write_text(text, encoding="utf-8")
    problems = Problems(root=project.resolve())
    with deadline(30):
        try:
            pipeline.check(load_settings(project, problems), dt.date(2025, 1, 1), problems)
        except ContentError:
            pass
    assert_well_formed(problems.items)
    lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for p in problems.items:
        assert p.path in (rel, "content/documents/base.md", "content/gazettes/2024-01.md"), str(p)
        assert 0 <= p.line <= lines or p.path != rel, str(p)


@FUZZ
@given(front_matter(VALID_DOCUMENT), markdown())
def test_random_document_is_reported_never_raised(project: Path, head: str, body: str) -> None:
    check_file(project, "content/documents/fuzz.md", f"---\n{head}---\n{body}")


@FUZZ
@given(front_matter(VALID_GAZETTE), markdown())
def test_random_gazette_is_reported_never_raised(project: Path, head: str, body: str) -> None:
    check_file(project, "content/gazettes/2024-02.md", f"---\n{head}---\n{body}")


# The renderer's parser, twice, without the inline pass (blocks are where content is dropped): as configured,
# and with no practical nesting limit.
_renderer = BodyRenderer(Citations({}, {})).md.disable("inline")
_unlimited = BodyRenderer(Citations({}, {})).md.disable("inline")
_unlimited.options["maxNesting"] = 1000


@settings(FUZZ, max_examples=200)
@given(markdown())
def test_a_body_without_E030_renders_whole(body: str) -> None:
    """Where lint reports no E030, the renderer's own parse equals one with no nesting limit: nothing is dropped."""
    problems = Problems()
    lint.check_body(Path("x.md"), body, 1, CONTAINERS, problems)
    if any(p.code == "E030" for p in problems.items):
        return
    shape = [[(t.type, t.level, t.map) for t in md.parse(body)] for md in (_renderer, _unlimited)]
    assert shape[0] == shape[1]


REPEAL_PIECES = ["废止", "。", "\n", "；", "武隆府发〔2019〕1号", "渝府令 [2019] 2号", "x", "，", " ", "关于", "〔", "〕", "3号", "止"]


@settings(FUZZ, max_examples=300)
@given(st.lists(st.sampled_from(REPEAL_PIECES), max_size=30).map("".join))
def test_one_pass_repeal_scan_reads_like_sentence_by_sentence(body: str) -> None:
    """The linear W101 scan finds what the plain reading finds: per 废止, the last 文号 cited before it in its sentence."""
    plain = []
    for verb in re.finditer("废止", body):
        start = max((m.end() for m in re.finditer(r"[。；！？\n]", body[:verb.start()])), default=0)
        cited = list(docnumber.IN_TEXT.finditer(body, start, verb.start()))
        if cited and (not plain or plain[-1] != (cited[-1].start(), cited[-1].group())):
            plain.append((cited[-1].start(), cited[-1].group()))
    assert [(m.start(), m.group()) for m in said_repealed(body)] == plain
