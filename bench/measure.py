"""Running a benchmarked command: wall time and peak memory of its whole process tree, and the tools it needs."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True, slots=True)
class Run:
    """One finished command."""

    returncode: int
    seconds: float
    """Wall time from start to exit."""
    peak_bytes: int
    """Largest sum of the resident memory of the process and all its descendants seen at one poll.
    getrusage(RUSAGE_CHILDREN) would only give the largest single child, which misses a build
    that fans out into worker processes."""


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    # the command name in parentheses may hold spaces; the parent pid follows it
                    kids.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(pid))
            except OSError:
                pass
    return kids


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process descended from it, now."""
    kids, total, stack = _children(), 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(kids.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            pass
    return total


def measure(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
            log: IO[bytes] | None = None, interval: float = 0.05) -> Run:
    """Run `cmd` to its end, polling its process tree's memory every `interval` seconds.

    Its output goes to `log` (stdout and stderr together), or nowhere.
    """
    sink = log if log is not None else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT if log else sink)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(interval)
    return Run(proc.returncode, time.perf_counter() - start, peak)


def pagefind_extended() -> Path:
    """The Pagefind extended binary of the `pagefind-bin-extended` package (the `bench` extra)."""
    import pagefind_bin_extended

    return Path(pagefind_bin_extended.__file__).parent / "pagefind_extended"
