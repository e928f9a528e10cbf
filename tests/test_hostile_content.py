"""Hostile content: each class of bad input ends as `path:line: CODE message` or is accepted — no traceback, no hang, bounded memory."""

from __future__ import annotations

import datetime as dt
import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import write_project
from gongbao import build as pipeline
from gongbao.config import load_settings
from gongbao.problems import CODES, MESSAGE_LIMIT, ContentError, Problem, Problems

AS_OF = dt.date(2025, 1, 1)
PROBLEM_LINE = re.compile(r"^[^\n]+?(:\d+)?: (?P<code>[EW]\d{3}) [^\n]+$")

# A document whose keys sit on known lines: title 2, doc_number 3, issuer 4, doc_type 5, signed 6,
# gazette 7, section 8; `extra` keys start on line 9; with no extra, the body starts on line 10.
HEAD = {
    "title": "关于废止区政府文件的决定",
    "doc_number": "武隆府发〔2024〕50号",
    "issuer": "重庆市武隆区人民政府",
    "doc_type": "决定",
    "signed": "2024-08-09",
    "gazette": "2024-01",
    "section": "区政府文件",
}


def doc(extra: str = "", body: str = "正文。\n", **replace: str) -> str:
    head = "".join(f"{k}: {replace.get(k, v)}\n" for k, v in HEAD.items())
    return f"---\n{head}{extra}---\n{body}"


def nested_list(depth: int) -> str:
    return "".join("  " * i + f"- 第{i + 1}层\n" for i in range(depth)) + "\n::: signature\n重庆市武隆区人民政府\n:::\n"


ALIAS_BOMB = "".join(f"x{i}: &a{i} [{', '.join([f'*a{i - 1}' if i else '哈'] * 9)}]\n" for i in range(9))


@dataclass(frozen=True)
class Case:
    """One hostile file and what `check` must say about it (an empty `expect` means: accepted)."""

    name: str
    text: str | bytes
    expect: frozenset[tuple[str, int]] = frozenset()
    path: str = "content/documents/x.md"


def case(name: str, text: str | bytes, *expect: tuple[str, int], path: str = "content/documents/x.md") -> Case:
    return Case(name, text, frozenset(expect), path)


GAZETTE = "content/gazettes/2024-02.md"


def gazette(extra: str = "", sections: str = "  - title: 区政府文件\n") -> str:
    # year 2, number 3, published 4, sections 5, its items from 6.
    return f"---\nyear: 2024\nnumber: 2\npublished: 2024-08-30\nsections:\n{sections}{extra}---\n"


CASES = [
    # YAML features front matter never needs
    case("alias bomb as page", f"---\n{ALIAS_BOMB}page: *a8\n---\n", ("E027", 2)),
    case("alias bomb as signed", doc(ALIAS_BOMB, signed="*a8"), ("E027", 6)),
    case("anchor alone", doc(title="&t 标题"), ("E027", 2)),
    case("tag that breaks the constructor", doc("page: !!bool maybe\n"), ("E027", 9)),
    case("python object tag", doc("x: !!python/object/apply:os.system [ls]\n"), ("E027", 9)),
    case("merge key", doc("<<: {title: 别的标题}\n"), ("E005", 9)),
    case("list as key", doc("[a, b]: 1\n"), ("E028", 9)),
    case("mapping as key inside a value", doc("attachments:\n  - ? {a: 1}\n    : x\n"), ("E028", 10)),
    case("10,000 nested [", doc("attachments: " + "[" * 10000 + "\n"), ("E029", 9)),
    case("block mappings nested 25 deep", doc("".join("  " * i + f"k{i}:\n" for i in range(25)) + "  " * 25 + "v\n"),
         ("E029", 28)),
    case("key of 100,000 characters", doc("k" * 100_000 + ": 1\n"), ("E003", 9)),
    case("unknown key of 1,000 characters", doc("k" * 1000 + ": 1\n"), ("E005", 9)),
    # invisible characters
    case("NUL in a value", doc("disclosure: 此件\x00公开\n"), ("E026", 9)),
    case("form feed in the title", doc(title="关于\x0c废止"), ("E026", 2)),
    case("ESC in the body", doc(body="正文\x1b[31m红色\n"), ("E026", 10)),
    case("line separator U+2028", doc(title="关于\u2028废止"), ("E026", 2)),
    case("C1 control U+0085", doc(body="第一行\x85第二行\n"), ("E026", 10)),
    case("control character as a YAML escape", doc(title='"关于\\f废止"'), ("E026", 2)),
    case("NUL on 12 body lines", doc(body="正文\x00\n" * 12), *[("E026", n) for n in range(10, 21)]),
    case("CRLF line endings", doc("unknown: 1\n").replace("\n", "\r\n"), ("E005", 9)),
    case("CR line endings", doc("unknown: 1\n").replace("\n", "\r"), ("E005", 9)),
    case("BOM and CRLF", ("\ufeff" + doc()).replace("\n", "\r\n")),
    case("not UTF-8", doc().encode("utf-8") + b"\xff\xfe", ("E001", 0)),
    # values
    case("huge hexadecimal page", doc("page: 0x" + "f" * 5000 + "\n"), ("E009", 9)),
    case("title of 5,000 digits", doc(title="9" * 5000), ("E007", 2)),
    case("page 0", doc("page: 0\n"), ("E009", 9)),
    case("page 1.5", doc("page: 1.5\n"), ("E009", 9)),
    case("impossible date", doc(signed="2024-02-30"), ("E008", 6)),
    case("timezone of 99 hours", doc(signed="2024-01-01 00:00:00+99:00"), ("E008", 6)),
    case("year 0", doc(signed="0000-01-01"), ("E008", 6)),
    case("文号 with a 5,000-digit 序号", doc(doc_number="武隆府发〔2024〕" + "1" * 5000 + "号"), ("E011", 3)),
    case("文号 with a 100,000-character 机关代字", doc(doc_number="长" * 100_000 + "〔2024〕1号"), ("E011", 3)),
    case("issuer of 300 characters", doc(issuer="武" * 300), ("E007", 4)),
    case("slug of 300 characters", doc("slug: " + "a" * 300 + "\n"), ("E007", 9)),
    case("key twice", doc("title: 又一个标题\n"), ("E007", 9)),
    case("key twice inside a relation",
         doc("repeals:\n  - doc_number: 武隆府发〔2019〕1号\n    doc_number: 武隆府发〔2019〕2号\n"), ("E007", 11)),
    case("no issuer", doc(issuer="[]"), ("E007", 4)),
    case("issuer twice", doc(issuer="[重庆市武隆区人民政府, 重庆市武隆区教育委员会, 重庆市武隆区人民政府]"), ("E032", 4)),
    case("issuer twice but for spaces",
         doc(issuer="\n  - 重庆市 武隆区人民政府\n  - 重庆市  武隆区人民政府"), ("E032", 6)),
    case("expires before signed", doc("expires: 2024-08-01\n"), ("E034", 9)),
    case("expires before effective", doc("effective: 2024-09-01\nexpires: 2024-08-20\n"), ("E034", 10)),
    case("same 文号 repealed and replaced",
         doc("repeals:\n  - 武隆府发〔2019〕1号\nreplaces:\n  - 武隆府发〔2019〕1号\n"), ("E031", 12)),
    case("same 文号 repealed and amended", doc("repeals: [武隆府发〔2019〕1号]\namends: [武隆府发〔2019〕1号]\n"),
         ("E031", 10)),
    case("two cited 文号 with one slug", doc("repeals:\n  - 武隆府发〔2019〕1号\n  - 五龙府发〔2019〕1号\n"), ("E015", 10)),
    case("duplicate 文号 points at doc_number", doc(doc_number="武隆府发〔2024〕9号"), ("E010", 3)),
    case("unknown gazette points at gazette", doc(gazette="2024-09"), ("E012", 7)),
    case("unknown section points at section", doc(section="通知公告"), ("E013", 8)),
    case("slug collision points at slug", doc("slug: wlff-2024-9\n"), ("E015", 9)),
    # file shape
    case("empty file", "", ("E002", 1)),
    case("no closing ---", "---\ntitle: x\n", ("E002", 1)),
    case("empty front matter", "---\n---\n正文\n", ("E006", 1)),
    case("front matter is a list", "---\n- a\n---\n", ("E004", 2)),
    # bodies markdown-it would lose
    case("list nested 10 deep", doc(body=nested_list(10)), ("E030", 19)),
    case("list nested 9 deep", doc(body=nested_list(9))),
    case("20 > on one line", doc(body="> " * 20 + "引文\n\n正文\n"), ("E030", 10)),
    case("18 > on one line", doc(body="> " * 18 + "引文\n")),
    case("9 lists inside a container", doc(body="::: signature\n" + nested_list(9).split("\n\n")[0] + "\n:::\n"),
         ("E030", 19)),
    case("10,000 > on one line", doc(body=">" * 10000 + " 引文\n"), ("E030", 10)),
    case("table row with an extra cell", doc(body="| 项目 | 金额 |\n| --- | --- |\n| 教育 | 100 | 备注 |\n"), ("E035", 12)),
    case("table row with an extra empty cell", doc(body="| 项目 | 金额 |\n| --- | --- |\n| 教育 | 100 | |\n")),
    case("table row with a missing cell", doc(body="| 项目 | 金额 |\n| --- | --- |\n| 教育 |\n")),
    case("table in a quote with an extra cell", doc(body="> | 项目 | 金额 |\n> | --- | --- |\n> | 教育 | 1 | 备注 |\n"),
         ("E035", 12)),
    case("line read as a link definition", doc(body="正文。\n\n[附件1]:说明文字\n"), ("W103", 12)),
    case("100,000 [ in the body", doc(body="[" * 100_000 + "\n")),
    case("100,000 * in the body", doc(body="*" * 100_000 + "\n")),
    case("one line of a million characters", doc(body="字" * 1_000_000 + "\n")),
    case("body says 废止 without a relation", doc(body="决定对《某通知》（武隆府办发〔2017〕60号）予以废止。\n"), ("W101", 10)),
    # gazettes
    case("section twice", gazette(sections="  - title: 区政府文件\n  - 区政府文件\n"), ("E033", 7), path=GAZETTE),
    case("label twice in editorial_board", gazette("editorial_board:\n  主编: 甲\n  主编: 乙\n"), ("E007", 9), path=GAZETTE),
]


class Hang(Exception):
    """`check` ran past its deadline."""


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check(project: Path) -> list[Problem]:
    """Run the checking pipeline in-process, as `gongbao check` does; any exception but ContentError escapes."""
    problems = Problems(root=project.resolve())
    settings = load_settings(project, problems)
    with deadline(30):
        try:
            pipeline.check(settings, AS_OF, problems)
        except ContentError:
            pass
    return problems.items


def assert_well_formed(problems: list[Problem]) -> None:
    for p in problems:
        assert p.code in CODES
        assert PROBLEM_LINE.match(str(p)), str(p)
        assert len(p.message) <= MESSAGE_LIMIT


@pytest.mark.parametrize("hostile", CASES, ids=lambda c: c.name)
def test_hostile_file_is_reported_at_its_line_or_accepted(tmp_path: Path, hostile: Case) -> None:
    project = write_project(tmp_path / "proj")
    path = project / hostile.path
    path.write_bytes(hostile.text if isinstance(hostile.text, bytes) else hostile.text.encode("utf-8"))

    problems = check(project)

    assert_well_formed(problems)
    assert {(p.code, p.line) for p in problems if p.path == hostile.path} == hostile.expect
    assert not [p for p in problems if p.path != hostile.path and p.severity == "error"]


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir], ids=["named pipe", "folder"])
def test_a_content_path_that_is_not_a_file_is_reported_not_read(tmp_path: Path, make: Callable[[Path], None]) -> None:
    project = write_project(tmp_path / "proj")
    make(project / "content/documents/x.md")
    assert {(p.code, p.line) for p in check(project)} == {("E001", 0)}


def test_a_value_too_long_to_print_is_clipped(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {"content/documents/x.md": doc("published: 2024-01-01" + "1" * 100_000 + "\n")})
    [problem] = [p for p in check(project) if p.path == "content/documents/x.md"]
    assert problem.code == "E008"
    assert "…" in problem.message and len(problem.message) < 200


def test_labels_are_kept_as_written(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {GAZETTE: gazette("editorial_board:\n  邮编: 0123\n  1: 甲\n  01: 乙\n")})
    problems = Problems(root=project.resolve())
    library = pipeline.check(load_settings(project, problems), AS_OF, problems)
    assert library.gazettes["2024-02"].editorial_board == (("邮编", "0123"), ("1", "甲"), ("01", "乙"))


def _cli(project: Path, timeout: int = 60, memory: int | None = None) -> subprocess.CompletedProcess[str]:
    """`gongbao check` in a child process: a hang is a timeout, memory is capped by the kernel."""
    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-m", "gongbao", "check", "--project", str(project), "--as-of", str(AS_OF)],
                          capture_output=True, text=True, timeout=timeout, preexec_fn=limit)


def test_alias_bomb_ends_with_an_error_within_1_gib(tmp_path: Path) -> None:
    # Expanded, this front matter is 9**9 strings; before the strict loader `check` grew to 24 GB.
    project = write_project(tmp_path / "proj", {"content/documents/bomb.md": doc(ALIAS_BOMB + "page: *a8\n")})
    result = _cli(project, memory=1 << 30)
    assert result.returncode == 1
    assert "content/documents/bomb.md:9: E027" in result.stderr
    assert "MemoryError" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("body, warnings", [
    # Old W101 scan rescanned the body from its start for every 废止: 52 s and 120 s for these.
    ("".join(f"决定对《某通知》（武隆府办发〔2017〕{i}号）予以废止。\n" for i in range(1, 20_001)), 20_000),
    ("根据武隆府办发〔2017〕1号，" + "废止" * 100_000 + "\n", 1),
], ids=["20,000 lines that cite and repeal", "100,000 废止 in one sentence"])
def test_body_scans_are_linear(tmp_path: Path, body: str, warnings: int) -> None:
    project = write_project(tmp_path / "proj", {"content/documents/x.md": doc(body=body)})
    result = _cli(project, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.count(": W101 ") == warnings


def edition(n: int, extra: str = "", signed: str = "2024-08-09") -> str:
    return f"---\ntitle: 第{n}版\ndoc_number: 武隆府发〔2024〕{n}号\nissuer: 甲\ndoc_type: 决定\nsigned: {signed}\n{extra}---\n正文\n"


def test_a_chain_of_1200_editions_is_checked_without_recursion(tmp_path: Path) -> None:
    # The cycle check was recursive: past ~1,000 editions it raised RecursionError.
    files = {f"content/documents/{n}.md": edition(n, f"replaces: [武隆府发〔2024〕{n - 1}号]\n" if n > 1 else "")
             for n in range(1, 1201)}
    project = write_project(tmp_path / "proj", files, base=False)
    problems = Problems(root=project.resolve())
    with deadline(60):
        library = pipeline.check(load_settings(project, problems), AS_OF, problems)
    assert not problems.items
    assert library.status["武隆府发〔2024〕1号"].code == "replaced"


def test_a_document_ended_on_many_dates_reports_each_ending_once_with_bounded_messages(tmp_path: Path) -> None:
    files = {f"content/documents/{n}.md": edition(n, "repeals: [武隆府发〔2023〕1号]\n", signed=f"2024-{1 + n % 12:02d}-01")
             for n in range(1, 301)}
    project = write_project(tmp_path / "proj", files, base=False)
    problems = check(project)
    assert_well_formed(problems)
    assert [p.code for p in problems] == ["E020"] * 299
