"""How a whole build scales: wall time, ms per document, and the peak memory of each stage, per project.

    python bench/scale.py /tmp/gb-10k /tmp/gb-30k [--as-of 2025-06-01] [--bundle]

Each project (made by generate.py) is built with `python -m gongbao build --no-cache`, the command
line only. Its stderr is a pseudo-terminal, so the build shows its stages there as it does to an
editor ("渲染…"): the memory of the whole process tree (measure.tree_rss, every 50 ms) is counted
against the stage under way, which gives the peak of each stage, not only of the build. With
--bundle, `gongbao bundle` follows, measured the same way, and the sizes of the zip, of the folder
it unzips to and of the built site are printed with their ratios. Figures, not assertions: note the
load average printed beside them (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from measure import tree_rss

MIB = 1 << 20
#: The progress line of a stage beginning (report.Terminal): "\r\033[K读取…".
_STAGE = re.compile(r"\x1b\[K([^\s…\[\]]+)…")
_DOCUMENTS = re.compile(r"(\d+) 件公文")


@dataclass(slots=True)
class Stages:
    """The stage under way, as the build's terminal shows it; the peak memory seen in each."""

    current: str = "启动"
    peaks: dict[str, int] = field(default_factory=dict)

    def follow(self, fd: int) -> None:
        """Read the pseudo-terminal until the build closes it."""
        pending = ""
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the build ended
                return
            if not data:
                return
            pending += data.decode("utf-8", "replace")
            for m in _STAGE.finditer(pending):
                self.current = m.group(1)
            pending = pending[-64:]


@dataclass(frozen=True, slots=True)
class Measured:
    seconds: float
    peak: int
    stages: dict[str, int]
    stdout: str
    load: tuple[float, float, float]


def run(cmd: list[str]) -> Measured:
    master, slave = pty.openpty()
    stages = Stages()
    reader = threading.Thread(target=stages.follow, args=(master,), daemon=True)
    reader.start()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    out: list[str] = []
    drain = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    drain.start()
    peak = 0
    while proc.poll() is None:
        rss = tree_rss(proc.pid)
        peak = max(peak, rss)
        stages.peaks[stages.current] = max(stages.peaks.get(stages.current, 0), rss)
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    drain.join()
    reader.join(timeout=1)
    os.close(master)
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{''.join(out)}")
    return Measured(seconds, peak, stages.peaks, "".join(out), os.getloadavg())


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def show(label: str, m: Measured, documents: int) -> None:
    print(f"  {label}: {m.seconds:.0f} s, {1000 * m.seconds / documents:.1f} ms/doc, peak {m.peak / MIB:,.0f} MiB "
          f"(load {m.load[0]:.1f} {m.load[1]:.1f} {m.load[2]:.1f})")
    print("    peak per stage: " + " · ".join(f"{s} {p / MIB:,.0f} MiB" for s, p in m.stages.items()))
    for line in m.stdout.strip().splitlines()[-1:]:
        print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("projects", nargs="+", type=Path)
    parser.add_argument("--as-of", default="2025-06-01")
    parser.add_argument("--bundle", action="store_true", help="also time `gongbao bundle` and compare sizes")
    parser.add_argument("--bundle-only", action="store_true",
                        help="time `gongbao bundle` alone (it builds the whole site itself), sizes next to site/")
    args = parser.parse_args()
    for project in args.projects:
        gongbao = [sys.executable, "-m", "gongbao"]
        if not args.bundle_only:
            built = run([*gongbao, "build", "--project", str(project), "--as-of", args.as_of, "--no-cache"])
            documents = int(_DOCUMENTS.search(built.stdout).group(1))
            print(f"{project}: {documents} documents")
            show("build", built, documents)
        if not (args.bundle or args.bundle_only):
            continue
        bundled = run([*gongbao, "bundle", "--project", str(project), "--as-of", args.as_of])
        documents = len(list((project / "content" / "documents").rglob("*.md")))
        show("bundle", bundled, documents)
        (zip_path,) = (project / "dist").glob("*.zip")
        with zipfile.ZipFile(zip_path) as zf:
            unzipped = sum(i.file_size for i in zf.infolist())
        zipped = zip_path.stat().st_size
        print(f"  bundle zip {zipped / MIB:,.1f} MiB, unzipped {unzipped / MIB:,.1f} MiB")
        if (project / "site").is_dir():
            site = folder_bytes(project / "site")
            print(f"  site {site / MIB:,.1f} MiB: zip {zipped / site:.2f}×, unzipped {unzipped / site:.2f}×")


if __name__ == "__main__":
    main()
