"""Fidelity of content/ to the printed issue: every sentence of the source is in its document's body.

The ground truth is tests/fixtures/seed/expected_layout.yaml (which source lines belong to which
document). Bodies are compared as plain text — Markdown rendered by markdown-it, markup dropped,
all whitespace removed — so only the words count, not the layout. Our editor's notes are not
source text and are left out of the comparison.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.container import container_plugin

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed"
LAYOUT = yaml.safe_load((SEED / "expected_layout.yaml").read_text(encoding="utf-8"))
SOURCE = (SEED / LAYOUT["source"]).read_text(encoding="utf-8").splitlines()
DOCUMENTS_DIR = ROOT / "content" / "documents" / LAYOUT["gazette"]
GAZETTE_FILE = ROOT / "content" / "gazettes" / f"{LAYOUT['gazette']}.md"

MARKER_RE = re.compile(r"[（(]\s*(?:下转|上接)第\s*\d+\s*页\s*[）)]")
SENTENCE_END = "。；！？"
#: An item's closing （牵头单位：…）/（责任单位：…）, brackets inside allowed.
DUTY_END = re.compile(r"[（(](?:牵头单位|责任单位)[^（）()]*(?:[（(][^（）()]*[）)][^（）()]*)*[）)]$")
GAP = "\n"
"""Stands for a documented source gap inside the joined source text."""


def _split_front_matter(path: Path) -> tuple[dict, str]:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    for name in ("addressee", "signature", "disclosure", "editor-note"):
        md.use(container_plugin, name=name)
    return md


def body_plain_text(body: str) -> str:
    """The words of a Markdown body, without markup, whitespace or our editor's notes."""
    words: list[str] = []
    in_note = 0
    for token in _markdown().parse(body):
        if token.type == "container_editor-note_open":
            in_note += 1
        elif token.type == "container_editor-note_close":
            in_note -= 1
        elif token.type == "inline" and not in_note:
            words.extend(c.content for c in token.children or [] if c.type in ("text", "code_inline"))
    return _squash("".join(words))


def source_text(doc: dict) -> str:
    """The document's source lines in reading order: markers and list bullets removed, reviewed
    corrections applied, all whitespace removed, GAP at each documented gap."""
    corrections = {c["line"]: c for c in doc.get("corrections", [])}
    gaps_after = {g["after"] for g in doc.get("gaps", [])}
    out: list[str] = []
    for start, end in doc["body"]:
        for no in range(start, end + 1):
            line = SOURCE[no - 1]
            if no in corrections:
                fix = corrections[no]
                assert fix["source"] in line, f"correction for line {no} does not match the source"
                line = line.replace(fix["source"], fix["corrected"])
            line = MARKER_RE.sub("", line).strip()
            out.append(_squash(re.sub(r"^-\s+", "", line)))
            if no in gaps_after:
                out.append(GAP)
    return "".join(out)


def sentences(text: str) -> list[str]:
    """Split on 。；！？ (kept) and on gaps; lines without a sentence end run on into the next."""
    return [s for s in re.split(rf"(?<=[{SENTENCE_END}])|{GAP}", text) if s]


def _documents() -> dict[str, tuple[Path, dict, str]]:
    found: dict[str, tuple[Path, dict, str]] = {}
    for path in sorted(DOCUMENTS_DIR.glob("*.md")):
        front, body = _split_front_matter(path)
        found[front["doc_number"]] = (path, front, body)
    return found


DOCUMENTS = _documents()
IDS = [DOCUMENTS[d["doc_number"]][0].stem if d["doc_number"] in DOCUMENTS else d["doc_number"]
       for d in LAYOUT["documents"]]


def test_content_has_one_file_per_document_of_the_issue():
    numbers = [d["doc_number"] for d in LAYOUT["documents"]]
    assert sorted(DOCUMENTS) == sorted(numbers)
    printed_order = [DOCUMENTS[n][0].name[:2] for n in numbers]
    assert printed_order == [f"{i:02d}" for i in range(1, len(IDS) + 1)]


@pytest.mark.parametrize("doc", LAYOUT["documents"], ids=IDS)
def test_every_source_sentence_is_whole_in_its_document(doc, record_property):
    _, _, body = DOCUMENTS[doc["doc_number"]]
    plain = body_plain_text(body)
    all_sentences = sentences(source_text(doc))
    gap_fragments = _gap_fragments(doc)
    missing = [s for s in all_sentences if s not in plain and s not in gap_fragments]
    counted = [s for s in all_sentences if s not in gap_fragments]
    found = len(counted) - len(missing)
    coverage = found / len(counted)
    record_property("coverage", f"{found}/{len(counted)}")
    print(f"{doc['doc_number']}: {found}/{len(counted)} sentences ({coverage:.2%})"
          + (f", {len(gap_fragments)} fragments at source gaps" if gap_fragments else ""))
    assert not missing, f"{len(missing)} sentences not found, first: {missing[0]}"


def _gap_fragments(doc: dict) -> set[str]:
    """The two sentence fragments on either side of each documented gap."""
    parts = source_text(doc).split(GAP)
    fragments: set[str] = set()
    for before, after in zip(parts, parts[1:]):
        fragments.add(sentences(before)[-1])
        fragments.add(sentences(after)[0])
    return fragments


def test_coverage_over_the_whole_issue(capsys):
    total = found = exempt = 0
    for doc in LAYOUT["documents"]:
        plain = body_plain_text(DOCUMENTS[doc["doc_number"]][2])
        fragments = _gap_fragments(doc)
        for s in sentences(source_text(doc)):
            if s in fragments:
                exempt += 1
                continue
            total += 1
            found += s in plain
    with capsys.disabled():
        print(f"\nfidelity: {found}/{total} source sentences found whole in their documents "
              f"({found / total:.2%}); {exempt} fragments at documented source gaps")
    assert found == total


@pytest.mark.parametrize("doc", LAYOUT["documents"], ids=IDS)
def test_body_holds_exactly_the_source_text_in_order(doc):
    """Nothing added (besides editor's notes), nothing dropped, nothing out of order."""
    _, _, body = DOCUMENTS[doc["doc_number"]]
    assert body_plain_text(body) == source_text(doc).replace(GAP, "")


@pytest.mark.parametrize("doc", LAYOUT["documents"], ids=IDS)
def test_no_continuation_marker_or_running_header_survives(doc):
    _, _, body = DOCUMENTS[doc["doc_number"]]
    gazette, _ = _split_front_matter(GAZETTE_FILE)
    headers = {s["title"] for s in gazette["sections"]}
    assert not re.search(r"(下转|上接)第\s*\d+\s*页", body)
    for line in body.splitlines():
        assert _squash(re.sub(r"^[#>\s]*", "", line)) not in headers, line
        assert not re.fullmatch(r"\s*\S+〔\d{4}〕\d+号\s*", line), f"stray 文号 line: {line}"


def test_missing_pages_of_17_are_marked_by_an_editor_note_at_the_break():
    doc = next(d for d in LAYOUT["documents"] if d.get("gaps"))
    _, _, body = DOCUMENTS[doc["doc_number"]]
    gap = doc["gaps"][0]
    before = _squash(MARKER_RE.sub("", SOURCE[gap["after"] - 1]))[-8:]
    after = _squash(SOURCE[gap["before"] - 1])[:8]
    notes = re.finditer(r"(?P<before>\S+)\n\n::: editor-note\n(?P<note>.+?)\n:::\n\n(?P<after>\S+)", body)
    at_gap = [m for m in notes if m["before"].endswith(before) and m["after"].startswith(after)]
    assert len(at_gap) == 1, "no editor's note between the two fragments"
    assert at_gap[0]["note"].startswith("编者注：") and "缺失" in at_gap[0]["note"]


def test_displaced_part_of_9_ends_it():
    _, front, body = DOCUMENTS["武隆府发〔2024〕9号"]
    plain = body_plain_text(body)
    assert "《重庆市森林防火条例》规定的行为，依据《重庆市森林防火条例》第四十八条" in plain
    assert plain.endswith("十、本通告自发布之日起执行。森林火灾报警电话：77777119，77712350。"
                          "重庆市武隆区人民政府2024年6月13日（此件公开发布）")
    assert "规定的行为" not in body_plain_text(DOCUMENTS["武隆府发〔2024〕11号"][2])


@pytest.mark.parametrize("doc", LAYOUT["documents"], ids=IDS)
def test_no_paragraph_breaks_off_mid_sentence(doc):
    """A page break inside a sentence is not a paragraph: every paragraph ends its sentence.

    Exceptions: the fragment before a documented source gap, a table's caption, short lines set
    one per line (name pairs), and the signature block."""
    _, _, body = DOCUMENTS[doc["doc_number"]]
    fragments = {f[-10:] for f in _gap_fragments(doc)}
    tokens = _markdown().parse(body)
    container = None
    for k, token in enumerate(tokens):
        if token.type.startswith("container_"):
            container = token.type.removeprefix("container_").rsplit("_", 1)[0] if token.nesting == 1 else None
        if token.type != "inline" or tokens[k - 1].type != "paragraph_open" or container in ("signature", "editor-note"):
            continue
        last_row = _squash(re.split(r"\n", token.content)[-1].rstrip("\\"))
        followed_by_table = k + 2 < len(tokens) and tokens[k + 2].type == "table_open"
        if (last_row[-1] in SENTENCE_END + "：" or last_row.endswith("（略）") or re.search(r"[。；！？][）”]$", last_row)
                or DUTY_END.search(last_row) or len(last_row) < 15 or followed_by_table or last_row[-10:] in fragments):
            continue
        pytest.fail(f"paragraph ends mid-sentence: …{last_row[-20:]}")
