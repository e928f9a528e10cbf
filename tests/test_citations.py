"""Citation links: the one-pass finder links exactly what one regex alternation of every known 文号 and
《title》 linked, with work that grows with the text and not with the collection."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from gongbao import docnumber
from gongbao.build import check
from gongbao.config import load_settings
from gongbao.markdown import BodyRenderer, CitationFinder, Citations
from gongbao.pages import SiteViews
from gongbao.problems import Problems
from test_hostile_content import deadline

# Fixed seed and bounded counts: the same examples on every run, a few seconds in all.
SAME_EXAMPLES = settings(derandomize=True, max_examples=600, deadline=None, database=None)


class Alternation:
    """The linker before issue 16, kept as the specification: one regex listing every known 文号 (any
    brackets, spaces) and every 《title》, longest first, so that the leftmost citation wins and, at
    its place, the longest title or 文号. Compiling and scanning it grew with the collection."""

    def __init__(self, citations: Citations):
        self.citations = citations
        numbers = "|".join(p for n in sorted(citations.numbers, key=len, reverse=True) if (p := _typed(n)))
        titles = "|".join(re.escape(t) for t in sorted(citations.titles, key=len, reverse=True))
        parts = []
        if titles:
            tail = f"(?:[（(]\\s*(?P<tnum>{numbers})\\s*[）)])?" if numbers else ""
            parts.append(f"《(?P<title>{titles})》{tail}")
        if numbers:
            parts.append(f"(?P<num>{numbers})")
        self.pattern = re.compile("|".join(parts)) if parts else None

    def links(self, text: str, self_key: str | None) -> list[tuple[int, int, str]]:
        return [link for m in (self.pattern.finditer(text) if self.pattern else []) for link in self._links(m, self_key)]

    def _links(self, m: re.Match[str], self_key: str | None) -> list[tuple[int, int, str]]:
        out: list[tuple[int, int, str]] = []
        if m.groupdict().get("title"):
            tnum = m.groupdict().get("tnum")
            number_key = self.citations.numbers.get(docnumber.normalize(tnum)) if tnum else None
            candidates = [k for k in self.citations.titles[m["title"]] if k != self_key]
            title_key = number_key if number_key else (candidates[0] if len(candidates) == 1 else None)
            if title_key and title_key != self_key:
                out.append((m.start("title"), m.end("title"), title_key))
            if number_key and number_key != self_key:
                out.append((m.start("tnum"), m.end("tnum"), number_key))
        elif m.groupdict().get("num"):
            key = self.citations.numbers.get(docnumber.normalize(m["num"]))
            if key and key != self_key:
                out.append((m.start("num"), m.end("num"), key))
        return out


def _typed(number: str) -> str | None:
    parsed = docnumber.parse(number)
    if parsed is None:
        return None
    agency, year, seq = parsed
    return rf"{re.escape(agency)}\s*[{re.escape(docnumber.OPEN_BRACKETS)}]\s*{year}\s*[{re.escape(docnumber.CLOSE_BRACKETS)}]\s*{seq}\s*号"


# ------------------------------------------------------------------ a small vocabulary, and noise

#: Agencies that are suffixes of each other (a sentence runs into the longer one), a 序号 with a
#: leading zero and a year below 1000 (which the alternation typed without their zeros), and 号 as a
#: whole 机关代字 (号〔2019〕2号 right after another 文号's 号).
NUMBERS = ["武隆府发〔2024〕9号", "府发〔2024〕9号", "发〔2024〕9号", "武隆府发〔2024〕90号", "武隆府办发〔2017〕60号",
           "武隆府办发〔2017〕1号", "渝府令〔2019〕329号", "发〔2019〕07号", "发〔2019〕7号", "号〔2019〕2号",
           "号发〔2024〕9号", "ABC〔2020〕1号", "BC〔2020〕1号", "武隆府发〔0999〕1号"]
#: Titles that are prefixes and suffixes of each other, titles with 《 or 》 inside, and an empty one.
TITLES = ["实施方案", "关于印发实施方案的通知", "印发实施方案", "关于印发《实施方案》的通知", "关于印发《实施方案",
          "实施方案》的通知", "A》B》C", "A》B", "A", "《", "》", ""]
KEYS = ["k1", "k2", "k3", *NUMBERS[:4]]
SPACES = ["", "", "", " ", "\u3000", "\t", "\xa0", "\x1c", "\n"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
NOISE = ["根据", "决定对", "《", "》", "（", "）", "(", ")", "〔", "〕", "[", "号", "2024", "9", "、", "A", "B", " ", "予以废止。"]
#: What makes a 文号 of the 号 that ends the one before it.
TAILS = ["〔2019〕2号", "发〔2024〕9号", "〔2024〕9号"]


@st.composite
def typed_number(draw: st.DrawFn) -> str:
    """A known 文号 (or a near miss) as a typist may write it: any brackets, spaces, digits."""
    agency, year, seq = docnumber.parse(draw(st.sampled_from(NUMBERS))) or ("", 0, 0)
    year_text = draw(st.sampled_from([str(year)] * 4 + [f"{year:04d}", str(year + 1)]))
    seq_text = draw(st.sampled_from([str(seq)] * 4 + [f"0{seq}", f"{seq}0"]))
    digits = "".join([draw(st.sampled_from(SPACES)), year_text, draw(st.sampled_from(SPACES)),
                      draw(st.sampled_from(docnumber.CLOSE_BRACKETS)), draw(st.sampled_from(SPACES)), seq_text])
    digits = digits.translate(FULL_WIDTH) if draw(st.integers(0, 9)) == 0 else digits
    cut = draw(st.sampled_from([0, 0, 0, *range(len(agency))]))  # mostly whole, else a sentence runs into it
    return "".join([agency[cut:], draw(st.sampled_from(SPACES)),
                    draw(st.sampled_from(docnumber.OPEN_BRACKETS)), digits, draw(st.sampled_from(SPACES)), "号"])


piece = st.one_of(
    typed_number(),
    st.sampled_from(TITLES).map(lambda t: f"《{t}》"),
    st.tuples(st.sampled_from(TITLES), st.sampled_from(SPACES[:4]), st.sampled_from("（("), st.sampled_from(SPACES),
              typed_number(), st.sampled_from(SPACES), st.sampled_from("）)")).map(lambda p: f"《{p[0]}》{''.join(p[1:])}"),
    st.sampled_from(NOISE + SPACES),
    st.sampled_from(TAILS),
)
collection = st.tuples(
    st.lists(st.sampled_from(NUMBERS), min_size=1, unique=True).map(lambda ns: {n: KEYS[i % len(KEYS)] for i, n in enumerate(ns)}),
    st.dictionaries(st.sampled_from(TITLES), st.lists(st.sampled_from(KEYS), min_size=1, max_size=2, unique=True)
                    .map(tuple)),
).map(lambda c: Citations(*c))


@SAME_EXAMPLES
@given(collection, st.lists(piece, max_size=14).map("".join), st.sampled_from([None, *KEYS]))
def test_finder_links_what_the_alternation_linked(citations: Citations, text: str, self_key: str | None) -> None:
    assert CitationFinder(citations).links(text, self_key) == Alternation(citations).links(text, self_key)


def test_the_seed_gazettes_bodies_render_as_with_the_alternation() -> None:
    problems = Problems(root=REPO)
    views = SiteViews(check(load_settings(REPO, problems), dt.date(2025, 1, 1), problems), explicit_index=False)
    reference = BodyRenderer(views.markdown.citations)
    reference.finder = Alternation(views.markdown.citations)  # type: ignore[assignment]
    linked = 0
    for doc in views.lib.documents.values():
        rendered = views.markdown.render(doc.body, views.url_of, doc.key)
        expected = reference.render(doc.body, views.url_of, doc.key)
        assert rendered == expected, doc.path
        linked += rendered.html.count('class="cite"')
    assert linked >= 5, "the seed gazette cites its documents; the comparison should see links"


# ------------------------------------------------------------------ behaviours, by example

def _links(citations: Citations, text: str, self_key: str | None = None) -> list[tuple[str, str]]:
    return [(text[start:end], key) for start, end, key in CitationFinder(citations).links(text, self_key)]


def test_a_sentence_running_into_a_doc_number_links_the_longest_known_agency() -> None:
    citations = Citations({"府办发〔2017〕1号": "short", "武隆府办发〔2017〕1号": "long"}, {})
    assert _links(citations, "根据武隆府办发〔2017〕1号的规定") == [("武隆府办发〔2017〕1号", "long")]
    assert _links(citations, "根据府办发（ 2017 ）1 号") == [("府办发（ 2017 ）1 号", "short")]


def test_a_title_with_brackets_inside_is_linked_whole_and_the_doc_number_after_it_picks_the_edition() -> None:
    citations = Citations({"渝府发〔2020〕1号": "2020", "渝府发〔2023〕2号": "2023"},
                          {"关于印发《办法》的通知": ("2020", "2023"), "办法": ("x",)})
    text = "按《关于印发《办法》的通知》（渝府发[2023]2号）执行，《关于印发《办法》的通知》另行修订"
    assert _links(citations, text) == [("关于印发《办法》的通知", "2023"), ("渝府发[2023]2号", "2023")]


def test_a_doc_number_right_after_another_is_found_even_when_its_agency_ends_the_first() -> None:
    citations = Citations({"武隆府发〔2024〕9号": "a", "号〔2019〕2号": "b"}, {})
    assert _links(citations, "武隆府发〔2024〕9号〔2019〕2号") == [("武隆府发〔2024〕9号", "a")]
    assert _links(citations, "武隆府发〔2024〕8号〔2019〕2号") == [("号〔2019〕2号", "b")]


# ------------------------------------------------------------------ linear in the collection

class CountingTitles(dict[str, tuple[str, ...]]):
    """Titles that count how often they are looked up."""

    lookups = 0

    def __contains__(self, title: object) -> bool:
        self.lookups += 1
        return super().__contains__(title)


def test_each_title_mark_costs_a_few_lookups_however_many_titles_are_known() -> None:
    titles = CountingTitles({f"第{i}号通知": ("k",) for i in range(20_000)} | {"关于印发《办法》的通知": ("k",)})
    text = "依照《第7号通知》《第20001号通知》《关于印发《办法》的通知》《未知》和《" * 100
    links = CitationFinder(Citations({}, titles)).links(text, None)
    assert [text[start:end] for start, end, _ in links[:2]] == ["第7号通知", "关于印发《办法》的通知"]
    assert len(links) == 200
    # A look-up for each 《, and one more for each 》 inside a title it may be the start of; none per known title.
    assert 0 < titles.lookups <= text.count("《") + text.count("》")


def test_a_long_body_citing_thousands_of_known_documents_renders_within_seconds() -> None:
    # With one alternation of 5,000 文号 this took minutes (issue 16); now the scan reads the body once.
    numbers = {f"{agency}〔{2000 + i % 25}〕{i}号": f"k{i}" for i in range(5_000) for agency in ("武隆府发", "渝府办发")}
    titles: Mapping[str, tuple[str, ...]] = {f"关于第{i}项工作的通知": (f"k{i}",) for i in range(5_000)}
    body = "".join(f"根据《关于第{i}项工作的通知》（武隆府发〔{2000 + i % 25}〕{i}号）和渝府办发[{2000 + i % 25}] {i}号，"
                   for i in range(0, 5_000, 2))
    renderer = BodyRenderer(Citations(numbers, titles))
    with deadline(60):
        html = renderer.render(body, lambda key: f"/{key}/", None).html
    assert html.count('class="cite"') == 3 * 2_500
