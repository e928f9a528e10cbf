"""Plain bodies are rendered without markdown-it, to the same bytes markdown-it gives (gongbao/plain.py)."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gongbao.markdown import BodyRenderer, Citations, RenderedBody
from gongbao.plain import plain_paragraphs

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "lawrefbook-laws-2f4c5c2.tar.gz"

RENDERER = BodyRenderer(Citations(
    {"武隆府发〔2024〕9号": "wl-9", "渝府发〔2023〕1号": "yu-1"},
    {"武隆区森林防火条例": ("wl-9",), "重庆市安全生产条例": ("yu-1", "yu-2"), "关于印发《方案》的通知": ("yu-1",)},
))


def _href(key: str) -> str:
    return f"../{key}/?a=1&b=\"2\""  # escaped in the attribute as markdown-it escapes it


def _both(body: str, self_key: str | None = None) -> tuple[RenderedBody, RenderedBody]:
    """render's result, and markdown-it's for the same body."""
    return RENDERER.render(body, _href, self_key), RENDERER.render_markdown(body, _href, self_key)


def test_a_plain_body_with_citations_renders_as_markdown_it_renders_it():
    body = ("第一条 根据《武隆区森林防火条例》（武隆府发〔2024〕9号）制定本办法。\n\n"
            "第二条 适用《重庆市安全生产条例》和渝府发〔2023〕1号、《关于印发《方案》的通知》。\n"
            "本条第二行：占比达到22%以上，A=B-C+D，\"引号\" 'single' (括号) a/b; c, d. e?\n\n\n"
            "2024年6月13日\n")
    assert plain_paragraphs(body) == [
        ["第一条 根据《武隆区森林防火条例》（武隆府发〔2024〕9号）制定本办法。"],
        ["第二条 适用《重庆市安全生产条例》和渝府发〔2023〕1号、《关于印发《方案》的通知》。",
         "本条第二行：占比达到22%以上，A=B-C+D，\"引号\" 'single' (括号) a/b; c, d. e?"],
        ["2024年6月13日"]]
    fast, parsed = _both(body)
    assert fast == parsed
    # 《重庆市安全生产条例》 names two editions and no 文号 says which: it links nothing
    assert fast.html.count('class="cite"') == 4
    assert '&amp;b=&quot;2&quot;' in fast.html
    # never a link to the page itself
    assert _both(body, self_key="wl-9")[0] == _both(body, self_key="wl-9")[1]


@pytest.mark.parametrize("body", [
    "1. 第一项", "1) 第一项", "- 一项", "+ 一项", "* 一项", "标题\n---", "标题\n===", ":::附件\n内容\n:::",
    "# 标题", "> 引用", "　　缩进的段落", "行尾空格 ", "  两个空格", "甲\t乙", "a | b\n--|--\n1 | 2",
    "**粗体**", "`代码`", "[链接](x)", "<b>标签</b>", "&amp;", "转义\\.", "硬换行  \n下一行", "甲\r\n乙",
    "第一行\n2. 不是第一项", "第一行\n- 一项",
])
def test_a_body_that_may_hold_markup_takes_markdown_it(body: str):
    assert plain_paragraphs(body) is None
    fast, parsed = _both(body)
    assert fast == parsed


#: Pieces the generated bodies are made of: text and citations, and every character and line start that
#: Markdown reads somewhere (a body holding one of them at the wrong place must take markdown-it).
_TEXT = st.sampled_from([
    "第", "一", "条", "中文", "a", "Z", "9", "2024", "年", "《", "》", "《武隆区森林防火条例》", "《重庆市安全生产条例》",
    "武隆府发〔2024〕9号", "（", "）", "\n", "\n\n", " ", ",", ".", ";", "'", '"', "/", "?", "(", ")", "%", ":", "=",
    "+", "-",
])
_MARKUP = st.sampled_from([
    "\n", "  ", "　", "\u00a0", "\u2003", "\t", "1.", "1)", "12.", "- ", "+ ", "* ", "---", "===", ":::", "#", "|",
    ">", "<", "&", "*", "_", "`", "~", "[", "]", "!", "\\", "\x00", "\r", "\u2028",
])
_BODIES = st.one_of(st.lists(_TEXT, max_size=40),
                    st.lists(st.one_of(_TEXT, _TEXT, _TEXT, _MARKUP), max_size=40)).map("".join)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_BODIES)
def test_every_body_taken_as_plain_renders_as_markdown_it_renders_it(body: str):
    plain = plain_paragraphs(body) is not None
    event("plain" if plain else "markdown-it")
    fast, parsed = _both(body)
    assert fast == parsed


def _corpus_bodies(every: int) -> list[str]:
    """Every `every`-th law's body from the corpus, as written and with its headings' # removed (the
    shape a gazette's documents have)."""
    bodies = []
    with tarfile.open(CORPUS) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.endswith(".md")][::every]
        for member in members:
            raw = tar.extractfile(member).read().decode("utf-8")
            body = raw.partition("<!-- INFO END -->")[2]
            bodies += [body, "\n\n".join(re.sub(r"^#+\s*", "", line).strip() for line in body.split("\n")
                                         if line.strip())]
    return bodies


@pytest.mark.skipif(not CORPUS.is_file(), reason="the corpus (../shared/corpus) is absent")
def test_the_corpus_renders_as_markdown_it_renders_it():
    bodies = _corpus_bodies(every=5)
    plain = [body for body in bodies if plain_paragraphs(body) is not None]
    assert len(plain) > len(bodies) // 3  # the fast path is the common one: most laws are plain paragraphs
    for body in bodies:
        fast, parsed = _both(body)
        assert fast == parsed
