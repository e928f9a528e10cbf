"""The `gongbao` command as a user types it: mistakes and Ctrl+C are answered in Chinese, never with a traceback."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gongbao.usage import translate


#: The installed script, as a user runs it (pyproject's [project.scripts]).
GONGBAO = str(Path(sys.executable).with_name("gongbao"))


def gongbao(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GONGBAO, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize(("args", "usage", "wrong"), [
    (["init"], "gongbao init [OPTIONS] DIRECTORY", "缺少参数 DIRECTORY"),
    (["import", "issue.txt"], "gongbao import [OPTIONS] SOURCE", "缺少选项 --out"),
    (["import", "missing.txt", "--out", "content"], "gongbao import [OPTIONS] SOURCE", "SOURCE：文件 missing.txt 不存在"),
    (["init", "issue.txt"], "gongbao init [OPTIONS] DIRECTORY", "DIRECTORY：issue.txt 是文件，这里要的是文件夹"),
    (["build", "--bogus"], "gongbao build [OPTIONS]", "没有 --bogus 这个选项"),
    (["biuld"], "gongbao [OPTIONS] COMMAND [ARGS]...", "没有 biuld 这个命令（是否想用 build？）"),
])
def test_a_mistyped_command_line_gets_its_usage_and_the_mistake_in_chinese(
        tmp_path: Path, args: list[str], usage: str, wrong: str) -> None:
    (tmp_path / "issue.txt").write_text("", encoding="utf-8")
    result = gongbao(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"用法：{usage}"
    assert result.stderr.splitlines()[-1].startswith(f"错误：{wrong}")  # click may add a "did you mean"
    assert not any(english in result.stderr for english in ("Error", "Usage:", "Missing", "Try "))


def test_help_is_left_as_click_writes_it(tmp_path: Path) -> None:
    result = gongbao("build", "--help", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("Usage: gongbao build [OPTIONS]")
    assert "--output" in result.stdout


def test_a_refusal_from_a_command_says_error_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj/gongbao.yaml").write_text("title: x\n", encoding="utf-8")
    result = gongbao("init", "proj", "--title", "公报", "--organ", "办公室", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.startswith("错误：") and "Error" not in result.stderr


def test_a_message_click_words_otherwise_is_shown_as_click_wrote_it() -> None:
    assert translate("70000 is not in the range 0<=x<=65535.") == "70000 不在允许的范围 0<=x<=65535 内"
    assert translate("Something new in click.") == "Something new in click."


#: Ctrl+C while the heavy imports still load: the moment jinja2 is asked for, the process interrupts itself
#: (numpy, once the import asked for here, is now imported only when an index is made).
INTERRUPT_WHILE_LOADING = """
import os, signal, sys

signal.signal(signal.SIGINT, signal.default_int_handler)  # as on a terminal, even when started in the background

class InterruptAtJinja:
    def find_spec(self, name, path=None, target=None):
        if name == "jinja2":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, InterruptAtJinja())
sys.argv = ["gongbao", "check"]
from gongbao.__main__ import run
run()
"""


def test_ctrl_c_while_the_command_loads_says_interrupted_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", INTERRUPT_WHILE_LOADING], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 130
    assert result.stderr.strip() == "已中断"


def _wait_until_reading(pid: int, deadline: float) -> None:
    """Until the process sleeps in its read of the terminal. The question is printed just before the
    read begins: a SIGINT between the two only sets Python's flag, and the read that follows would
    then wait for a line (a person's Ctrl+C comes long after; a test's comes at once)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():  # not Linux: a pause stands in
        time.sleep(1)
        return
    while stat.read_text().rsplit(")", 1)[1].split()[0] != "S":
        assert time.monotonic() < deadline, "gongbao init never waited for an answer"
        time.sleep(0.05)
    time.sleep(0.2)  # asleep, and still asleep a moment later: in the read, not between two steps


def test_ctrl_c_at_a_question_says_interrupted_not_aborted(tmp_path: Path) -> None:
    primary, secondary = pty.openpty()
    # A shell that starts jobs in the background hands them SIGINT ignored; the user's terminal does not.
    proc = subprocess.Popen([GONGBAO, "init", "proj"], cwd=tmp_path, stdin=secondary, stdout=secondary,
                            stderr=secondary, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        os.close(secondary)
        said = b""
        deadline = time.monotonic() + 60
        while "刊名".encode() not in said:
            ready, _, _ = select.select([primary], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"gongbao init did not ask for the title: {said.decode(errors='replace')!r}"
            said += os.read(primary, 1024)
        _wait_until_reading(proc.pid, deadline)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        said += os.read(primary, 1024)
    finally:
        if proc.poll() is None:  # never leave the suite waiting on a child that did not stop
            proc.kill()
            proc.wait()
        os.close(primary)
    assert proc.returncode == 130
    assert said.decode().splitlines()[-1] == "已中断"
    assert not (tmp_path / "proj").exists()
