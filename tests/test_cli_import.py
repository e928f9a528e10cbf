"""`gongbao import`: review notes as path:line, reviewed files never silently overwritten, the encoding named."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from conftest import FIXTURES, REPO
from gongbao.cli import main

SEED = FIXTURES / "seed" / "000_c2ec7535d22ea83c.txt"


def test_import_prints_review_notes_with_source_lines(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import", str(SEED), "--out", str(tmp_path / "content")])
    assert result.exit_code == 0, result.output
    assert f"{SEED}:125: REVIEW-DISPLACED" in result.stdout
    assert "已写入 13 个文件" in result.stdout and "源文本按 UTF-8 解码" in result.stdout
    assert len(list((tmp_path / "content" / "documents").rglob("*.md"))) == 12


def test_import_keeps_reviewed_files_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "content"
    runner = CliRunner()
    assert runner.invoke(main, ["import", str(SEED), "--out", str(out)]).exit_code == 0
    reviewed = out / "documents/2024-02/03-wlff-2024-13.md"
    reviewed.write_text((REPO / "content/documents/2024-02/03-wlff-2024-13.md").read_text(encoding="utf-8"),
                        encoding="utf-8")
    again = runner.invoke(main, ["import", str(SEED), "--out", str(out)])
    assert f"{reviewed}: 已存在且内容不同，未覆盖" in again.stderr
    assert "不再施行。" in reviewed.read_text(encoding="utf-8")
    forced = runner.invoke(main, ["import", str(SEED), "--out", str(out), "--force"])
    assert forced.exit_code == 0 and "未覆盖" not in forced.output
    assert "不再施行。" not in reviewed.read_text(encoding="utf-8")


def test_import_says_which_encoding_a_source_not_in_utf8_was_read_in(tmp_path: Path) -> None:
    source = tmp_path / "issue.txt"
    source.write_bytes(SEED.read_text(encoding="utf-8").encode("gb18030"))
    result = CliRunner().invoke(main, ["import", str(source), "--out", str(tmp_path / "content")])
    assert result.exit_code == 0, result.output
    assert "已写入 13 个文件" in result.stdout and "源文本按 GB18030 解码" in result.stdout


def _import(source: Path, out: Path) -> Result:
    return CliRunner().invoke(main, ["import", str(source), "--out", str(out)], catch_exceptions=False)


def test_import_refuses_binary_input_naming_the_line_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "scan.pdf.txt"
    source.write_bytes(b"%PDF-1.7\n" + bytes(range(256)))
    result = _import(source, tmp_path / "content")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"{source}:3: I001 ")
    assert "导入失败：1 个错误，未写入任何文件" in result.stderr and result.stdout == ""
    assert sorted(tmp_path.iterdir()) == [source]


def test_import_refuses_an_empty_file_and_a_cover_alone(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    cover = tmp_path / "cover.txt"
    cover.write_text("".join(SEED.read_text(encoding="utf-8").splitlines(keepends=True)[:72]), encoding="utf-8")
    for source, code in ((empty, "I002"), (cover, "I005")):
        result = _import(source, tmp_path / "content")
        assert result.exit_code == 1 and result.stderr.startswith(f"{source}: {code} ")
    assert not (tmp_path / "content").exists()


def test_import_reads_utf16_without_byte_order_mark(tmp_path: Path) -> None:
    source = tmp_path / "issue.txt"
    source.write_bytes(SEED.read_text(encoding="utf-8").encode("utf-16-le"))
    result = _import(source, tmp_path / "content")
    assert result.exit_code == 0 and "已写入 13 个文件" in result.stdout and "源文本按 UTF-16 解码" in result.stdout


def test_import_of_a_source_named_dots_writes_only_into_its_output_folder(tmp_path: Path) -> None:
    source = tmp_path / "...txt"
    source.write_bytes(SEED.read_bytes())
    result = _import(source, tmp_path / "content")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["...txt", "content"]
    assert sorted(p.name for p in (tmp_path / "content").iterdir()) == ["documents", "gazettes"]
    assert [p.name for p in (tmp_path / "content" / "gazettes").iterdir()] == ["2024-02.md"]
