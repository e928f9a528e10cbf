"""The importer: the seed issue end to end, and each repair rule on a tiny made-up issue."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
import yaml

from gongbao.importer import ImportResult, ReviewNote, import_into, import_issue
from gongbao.importer.text import title_text

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed"
LAYOUT = yaml.safe_load((SEED / "expected_layout.yaml").read_text(encoding="utf-8"))
SEED_SOURCE = SEED / LAYOUT["source"]


def _front(path: Path) -> tuple[dict, str]:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def _documents(result: ImportResult) -> list[tuple[Path, dict, str]]:
    return [(p, *_front(p)) for p in result.written if p.parent.parent.name == "documents"]


@pytest.fixture(scope="module")
def seed_import(tmp_path_factory) -> ImportResult:
    return import_issue(SEED_SOURCE, tmp_path_factory.mktemp("content"))


# ---------------------------------------------------------------- the seed issue


def test_seed_gives_the_twelve_documents_in_printed_order(seed_import):
    docs = _documents(seed_import)
    assert [front["doc_number"] for _, front, _ in docs] == [d["doc_number"] for d in LAYOUT["documents"]]
    assert [p.name[:3] for p, _, _ in docs] == [f"{i:02d}-" for i in range(1, 13)]


@pytest.mark.parametrize("expected", LAYOUT["documents"], ids=[d["doc_number"] for d in LAYOUT["documents"]])
def test_seed_document_metadata(seed_import, expected):
    front = next(f for _, f, _ in _documents(seed_import) if f["doc_number"] == expected["doc_number"])
    for key in ("title", "issuer", "doc_type", "signed", "page", "section"):
        assert front[key] == expected[key], key
    assert front["gazette"] == LAYOUT["gazette"]
    assert front["disclosure"] == "此件公开发布"
    assert front.get("attachments", []) == expected.get("attachments", [])
    for kind in ("repeals", "replaces", "amends"):
        assert front.get(kind, []) == expected.get(kind, []), kind


def test_seed_issue_record(seed_import):
    gazette = next(p for p in seed_import.written if p.parent.name == "gazettes")
    assert gazette.name == "2024-02.md"
    front, body = _front(gazette)
    assert front["title"] == "重庆市武隆区人民政府公报"
    assert (front["year"], front["number"], front["total_number"]) == (2024, 2, 165)
    assert front["published"] == dt.date(2024, 10, 10)
    assert (front["frequency"], front["remark"]) == ("双月刊", "内部资料 免费交流")
    assert front["sections"] == [
        {"title": "重庆市武隆区人民政府文件"},
        {"title": "重庆市武隆区人民政府办公室文件"},
        {"title": "文件检索", "items": [{"title": "重庆市武隆区人民政府办公室2024年第2、3季度主要文件目录", "page": 48}]},
    ]
    assert front["editorial_board"] == {
        "主任": "刘高永", "副主任": "程建平 安朝茂",
        "委员": "谢俐俐 朱晓琴 贺玲娜 徐梅 代林海 王小明 卫中华 刘华松 甘元胜 刘伟清",
        "主编": "安朝茂", "责任主编": "徐霜 应朋佳",
    }
    assert front["colophon"] == {
        "主管单位": "重庆市武隆区人民政府", "主办单位": "重庆市武隆区人民政府办公室",
        "编辑出版": "重庆市武隆区人民政府公报编辑部", "地址": "重庆市武隆区芙蓉街道芙蓉中路9号",
        "电话": "77726209", "邮编": "408500", "网站": "http://cqwl.gov.cn",
    }
    listed = [line for line in body.splitlines() if line.startswith("- ")]
    assert len(listed) == 12
    assert all(f"（{d['doc_number']}）" in body for d in LAYOUT["documents"])


def test_seed_review_notes_are_exactly_the_expected_ones(seed_import):
    for note in seed_import.review:
        print(f"{SEED_SOURCE.name}:{note.line}: {note.code} {note.message}")
    assert sorted((n.line, n.code) for n in seed_import.review) == sorted(map(tuple, LAYOUT["review"]))


def test_content_is_importer_output_plus_the_reviewed_corrections(seed_import):
    """content/ may differ from a fresh import only by the corrections listed in the layout."""
    corrections = {d["doc_number"]: d.get("corrections", []) for d in LAYOUT["documents"]}
    for path in seed_import.written:
        relative = path.relative_to(path.parents[2] if path.parent.parent.name == "documents" else path.parents[1])
        expected = path.read_text(encoding="utf-8")
        front, _ = _front(path)
        for fix in corrections.get(front.get("doc_number"), []):
            assert expected.count(fix["source"]) == 1
            expected = expected.replace(fix["source"], fix["corrected"])
        assert (ROOT / "content" / relative).read_text(encoding="utf-8") == expected, relative


# ---------------------------------------------------------------- reading and writing


@pytest.mark.parametrize(("codec", "reported"), [("utf-8-sig", "UTF-8"), ("utf-16", "UTF-16"), ("gb18030", "GB18030")])
def test_issue_saved_in_another_encoding_imports_as_from_utf8(tmp_path, seed_import, codec, reported):
    source = tmp_path / SEED_SOURCE.name
    source.write_bytes(SEED_SOURCE.read_text(encoding="utf-8").encode(codec))
    result = import_issue(source, tmp_path / "content")
    assert result.encoding == reported
    assert result.review == seed_import.review
    assert [p.read_bytes() for p in result.written] == [p.read_bytes() for p in seed_import.written]


def test_import_into_keeps_a_file_an_editor_changed_unless_forced(tmp_path):
    out = tmp_path / "content"
    first = import_into(SEED_SOURCE, out)
    assert len(first.written) == 13 and first.kept == ()
    reviewed = first.written[3]
    reviewed.write_text(reviewed.read_text(encoding="utf-8") + "人工校对。\n", encoding="utf-8")
    again = import_into(SEED_SOURCE, out)
    assert again.kept == (reviewed,) and reviewed not in again.written and len(again.written) == 12
    assert reviewed.read_text(encoding="utf-8").endswith("人工校对。\n")
    forced = import_into(SEED_SOURCE, out, force=True)
    assert forced.kept == () and reviewed in forced.written
    assert not reviewed.read_text(encoding="utf-8").endswith("人工校对。\n")


# ---------------------------------------------------------------- rules, on a made-up issue

COVER = """\
测试市人民政府公报

(内部资料)

(月刊)
2024年第1期
(总第7期)

测试市人民政府文件

- 测试市人民政府关于甲事项的通告.....1
- 测试市人民政府关于乙事项的决定.....2
{more_toc}
编辑委员会

主 任：张 三
委 员：李 四 王五五

主管单位：测试市人民政府
出版日期：2024年2月1日
"""


def _issue(tmp_path: Path, text: str, more_toc: str = "") -> tuple[ImportResult, dict[str, tuple[dict, str]]]:
    source = tmp_path / "issue.txt"
    source.write_text(COVER.format(more_toc=more_toc) + textwrap.dedent(text), encoding="utf-8")
    result = import_issue(source, tmp_path / "content")
    return result, {f["doc_number"]: (f, b) for _, f, b in _documents(result)}


def _codes(result: ImportResult) -> set[str]:
    return {n.code for n in result.review}


def test_fragment_printed_after_a_finished_document_returns_to_the_one_left_unfinished(tmp_path):
    result, docs = _issue(tmp_path, """
        测试市人民政府文件

        测府发〔2024〕1号

        测试市人民政府 关于甲事项的通告

        一、本通告适用于全市范围内的各类活动和有关单位，具体要求按照

        测试市人民政府文件

        测府发〔2024〕2号

        测试市人民政府 关于乙事项的决定

        各区人民政府，市政府各部门：

        决定对《测试市人民政府关于丙事项的通知》（测府发〔2020〕3号）予以废止。

        测试市人民政府
        2024年1月20日

        （此件公开发布）

        下列规定执行。

        二、本通告自发布之日起施行。

        测试市人民政府
        2024年1月10日

        （此件公开发布）
        """)
    first, second = docs["测府发〔2024〕1号"], docs["测府发〔2024〕2号"]
    assert "具体要求按照下列规定执行。\n\n二、本通告自发布之日起施行。" in first[1]
    assert first[0]["signed"] == dt.date(2024, 1, 10)
    assert "下列规定" not in second[1]
    assert second[0]["repeals"] == [{"doc_number": "测府发〔2020〕3号", "title": "测试市人民政府关于丙事项的通知"}]
    displaced = [n for n in result.review if n.code == "REVIEW-DISPLACED"]
    assert len(displaced) == 1 and "测府发〔2024〕1号" in displaced[0].message


def test_continuations_are_paired_by_their_page_numbers(tmp_path):
    result, docs = _issue(tmp_path, """
        测试市人民政府文件

        测府发〔2024〕1号

        测试市人民政府 关于甲事项的通告

        一、甲事项的第一部分写在这里，而它的后半部分印在后面（下转第4页）

        测试市人民政府文件

        测府发〔2024〕2号

        测试市人民政府 关于乙事项的决定

        一、乙事项的第一部分写在这里，而它的后半部分也印在后面（下转第5页）

        测试市人民政府文件

        测府发〔2024〕3号

        测试市人民政府 关于丁事项的通知

        丁事项的全文在此。

        测试市人民政府
        2024年1月5日

        （上接第2页）的第五页上。

        （上接第1页）的第四页上。
        """, more_toc="- 测试市人民政府关于丁事项的通知.....3\n")
    assert "而它的后半部分印在后面的第四页上。" in docs["测府发〔2024〕1号"][1]
    assert "而它的后半部分也印在后面的第五页上。" in docs["测府发〔2024〕2号"][1]
    assert "上接" not in docs["测府发〔2024〕3号"][1]
    assert [n.code for n in result.review].count("REVIEW-CONTINUATION") == 2


def test_sentence_broken_over_a_page_is_joined_but_short_lines_stay_lines(tmp_path):
    _, docs = _issue(tmp_path, """
        测试市人民政府文件

        测府发〔2024〕1号

        测试市人民政府 关于甲事项的通告

        为做好甲事项，现将有关事项通告如下，请各单位认真

        遵照执行。

        AB角：张三—李四

        王 五—赵 六

        测试市人民政府

        2024年1月10日
        """)
    body = docs["测府发〔2024〕1号"][1]
    assert "请各单位认真遵照执行。" in body
    assert "AB角：张三—李四\\\n王 五—赵 六" in body
    assert "::: signature\n测试市人民政府\\\n2024年1月10日\n:::" in body


def test_inline_enumeration_cut_after_its_semicolon_is_one_paragraph(tmp_path):
    _, docs = _issue(tmp_path, """
        测试市人民政府文件

        测府发〔2024〕1号

        测试市人民政府 关于甲事项的通告

        需要报告的情形：（1）发生甲类事件；

        （2）发生乙类事件；（3）其他情形。

        （1）另起一项。
        """)
    body = docs["测府发〔2024〕1号"][1]
    assert "需要报告的情形：（1）发生甲类事件；（2）发生乙类事件；（3）其他情形。\n\n（1）另起一项。" in body


def test_text_cut_off_before_the_signature_is_reported_not_repaired(tmp_path):
    result, docs = _issue(tmp_path, """
        测试市人民政府文件

        测府发〔2024〕2号

        测试市人民政府 关于乙事项的决定

        决定对《测试市人民政府关于丙事项的通知》（测府发〔2020〕3号）予以废止，不再施

        测试市人民政府
        2024年1月20日
        """)
    assert "不再施\n" in docs["测府发〔2024〕2号"][1]
    assert "REVIEW-TRUNCATED" in _codes(result)


def test_section_numbers_that_jump_over_a_broken_sentence_mark_a_gap(tmp_path):
    result, docs = _issue(tmp_path, """
        测试市人民政府文件

        测府发〔2024〕1号

        测试市人民政府 关于甲事项的通告

        1 总则

        1.1 目的

        为了做好甲事项的各项工作，依照有关规定和本地实际，由市级

        部门及时移交指挥权，积极配合开展工作。

        2.3 附则

        本通告自发布之日起施行。

        测试市人民政府
        2024年1月10日
        """)
    body = docs["测府发〔2024〕1号"][1]
    assert "由市级\n\n::: editor-note\n编者注：" in body
    assert ":::\n\n部门及时移交指挥权" in body
    gap = [n for n in result.review if n.code == "REVIEW-GAP"]
    lines = (tmp_path / "issue.txt").read_text(encoding="utf-8").splitlines()
    assert len(gap) == 1 and lines[gap[0].line - 1].endswith("由市级")


def test_numbering_that_skips_between_whole_sentences_is_only_reported(tmp_path):
    result, docs = _issue(tmp_path, """
        测试市人民政府文件

        测府发〔2024〕1号

        测试市人民政府 关于甲事项的通告

        一、总体要求

        （一）基本原则。

        坚持依法办事。

        （三）发展目标。

        到年底完成。
        """)
    assert "REVIEW-NUMBERING" in _codes(result)
    assert "editor-note" not in docs["测府发〔2024〕1号"][1]
    assert "#### （三）发展目标。" in docs["测府发〔2024〕1号"][1]


def test_only_a_space_between_two_issuing_organs_survives_in_a_title():
    assert title_text("重庆市武隆区人民政府 关于发布森林防火禁火令的通告") == "重庆市武隆区人民政府关于发布森林防火禁火令的通告"
    assert title_text("武隆区推动外贸稳规模优结构暨 跨境电商高质量发展 若干措施的通知") == \
        "武隆区推动外贸稳规模优结构暨跨境电商高质量发展若干措施的通知"
    assert title_text("中共中央办公厅 国务院办公厅关于进一步加强矿山安全生产工作的意见") == \
        "中共中央办公厅 国务院办公厅关于进一步加强矿山安全生产工作的意见"


def test_review_note_is_a_plain_record():
    note = ReviewNote(3, "REVIEW-GAP", "x")
    with pytest.raises(AttributeError):
        note.line = 4  # type: ignore[misc]
