"""A build killed with SIGKILL at any moment leaves a complete site/, no process of its own, and nothing
that the next build does not clean up. Slow (about eight builds of 2,000 documents): run it alone with
    python -m pytest tests/test_kill.py
or leave it out with -m "not kill"."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import AS_OF
from gongbao.cache import CACHE_DIR
from gongbao.output import STAMP

pytestmark = [pytest.mark.kill,
              pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; children die with the build on Linux")]

TESTS = Path(__file__).resolve().parent
DOCUMENTS = 2000
#: The moments of tests/paused_build.py, in the order a build meets them.
POINTS = ("recover", "render", "tokens", "pagefind", "tables", "swap", "swapped")
#: The other kills land at these fractions of a whole build's time, wherever in a stage that is.
FRACTIONS = (0.2, 0.45, 0.7, 0.9)
_WORDS = "森林防火 禁火令 营商环境 乡村振兴 安全生产 应急管理 城乡建设 交通运输 生态环境 文化旅游 农业农村 卫生健康".split()


def write_content(project: Path, generation: int) -> None:
    """DOCUMENTS short documents; the first one's title carries `generation`, so a site tells which build made it."""
    docs = project / "content" / "documents"
    if not docs.is_dir():
        docs.mkdir(parents=True)
        (project / "content" / "gazettes").mkdir()
        (project / "gongbao.yaml").write_text("title: 测试公报\n", encoding="utf-8")  # every project needs one
        (project / "content" / "gazettes" / "2024-01.md").write_text(
            "---\nyear: 2024\nnumber: 1\npublished: 2024-12-30\nsections:\n  - title: 区政府文件\n---\n", encoding="utf-8")
        for i in range(1, DOCUMENTS):
            body = "".join(f"{_WORDS[(i * 7 + k) % len(_WORDS)]}工作第{i * k % 997}项，按照有关规定执行。" for k in range(12))
            _document(docs / f"d{i:04d}.md", i, f"关于{_WORDS[i % len(_WORDS)]}的通知（{i}）", body)
    _document(docs / "d0000.md", 0, f"关于构建的通知（第{generation}版）", "构建测试。")


def _document(path: Path, i: int, title: str, body: str) -> None:
    path.write_text(f"---\ntitle: {title}\ndoc_number: 测府发〔2024〕{i + 1}号\nissuer: 测试区人民政府\ndoc_type: 通知\n"
                    f"signed: 2024-{1 + i % 12:02d}-{1 + i % 28:02d}\n---\n{body}\n", encoding="utf-8")


def site_generation(site: Path) -> int:
    """The generation of the complete site at `site` (every page its catalogue lists, and the search index)."""
    for name in ("index.html", "404.html", STAMP, "search/pagefind/pagefind-entry.json"):
        assert (site / name).is_file(), f"{name} missing: the site is not complete"
    entry = json.loads((site / "search/pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert (site / "search" / entry["gongbao"]["meta"]).is_file(), "the index's meta missing"
    records = json.loads((site / "api" / "documents.json").read_text(encoding="utf-8"))["documents"]
    assert len(records) == DOCUMENTS
    missing = [r["url"] for r in records if not (site / r["url"] / "index.html").is_file()]
    assert missing == [], f"{len(missing)} pages missing, e.g. {missing[:3]}"
    (first,) = [r for r in records if r["doc_number"] == "测府发〔2024〕1号"]
    match = re.search(r"第(\d+)版", first["title"])
    assert match
    return int(match.group(1))


def processes_with(mark: str) -> list[str]:
    """The living processes started with `mark` in their environment (a zombie's environment reads empty)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and mark.encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append(" ".join(a.decode() for a in (entry / "cmdline").read_bytes().split(b"\0")))
        except OSError:  # ended meanwhile
            continue
    return found


def leftovers(project: Path) -> list[str]:
    """What is in the project besides its content, its site and the build cache (kept on purpose)."""
    return sorted(p.name for p in project.iterdir() if p.name not in ("content", "site", "gongbao.yaml", CACHE_DIR))


def test_a_build_killed_anywhere_leaves_a_complete_site_and_nothing_behind(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    write_content(project, 0)
    tmpdir = tmp_path / "tmp"  # the builds' TMPDIR: they must leave nothing there either
    tmpdir.mkdir()
    mark = f"GONGBAO_KILL_TEST={uuid.uuid4().hex}"
    env = {**os.environ, "TMPDIR": str(tmpdir), mark.split("=")[0]: mark.split("=")[1]}
    args = ["-C", str(project), "--as-of", AS_OF]

    def whole_build() -> float:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "gongbao", "build", *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return time.monotonic() - started

    duration = whole_build()
    published = site_generation(project / "site")
    kills = [(point, 0.0) for point in POINTS] + [("", f * duration) for f in FRACTIONS]
    for generation, (point, delay) in enumerate(kills, 1):
        write_content(project, generation)
        if point:
            proc = subprocess.Popen([sys.executable, str(TESTS / "paused_build.py"), point, *args], env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            assert proc.stdout is not None
            lines = iter(proc.stdout.readline, "")
            assert any(line.startswith(f"PAUSED {point}") for line in lines), f"the build never reached {point}"
        else:
            proc = subprocess.Popen([sys.executable, "-m", "gongbao", "build", *args], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stdin:
            proc.stdin.close()
        if proc.stdout:
            proc.stdout.close()
        where = point or f"{delay:.1f} s"

        site = site_generation(project / "site")
        assert site in (published, generation), f"killed at {where}: a site of neither the old nor the new build"
        published = site
        deadline = time.monotonic() + 5
        while processes_with(mark) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_with(mark) == [], f"killed at {where}: its children outlived it"
        # each build cleans up after the one killed before it, so no more than its own remains
        assert len(leftovers(project)) <= 1, (where, leftovers(project))
        assert list(tmpdir.iterdir()) == [], where

    whole_build()
    assert site_generation(project / "site") == len(kills)
    assert leftovers(project) == [] and list(tmpdir.iterdir()) == []
