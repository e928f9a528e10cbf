"""The search index made by tables.py against Pagefind's own, side by side, on the records of a built site.

    python bench/index_identity.py SITE [--runs K] [--part-chars N]

SITE is a site gongbao built (its records are read back from its index, as search_quality.py reads them). Its
index is built K times each way, in turn, into temporary folders: by tables.py (what every build does) and by
Pagefind indexing every part (`by_pagefind`, the reference). Prints the time of each (min–max), their ratio,
and whether the two indexes hold the same files with the same bytes; exits 1 if they do not. Figures, not
assertions about time: note the load average printed beside them (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gongbao.search import build_index  # noqa: E402
from gongbao.search.writer import read_index  # noqa: E402


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--part-chars", type=int, default=None, help="smaller parts: more of them (default: the build's)")
    args = ap.parse_args()
    records = read_index(args.site)
    print(f"{len(records)} documents, {sum(len(r.text) for r in records) / 1e6:.1f} M characters of text")
    seconds: dict[bool, list[float]] = {False: [], True: []}
    made: dict[bool, dict[str, bytes]] = {}
    with tempfile.TemporaryDirectory(prefix="index-identity-") as tmp:
        for run in range(args.runs):
            for by_pagefind in (False, True):
                out = Path(tmp) / f"{'pagefind' if by_pagefind else 'tables'}{run}"
                out.mkdir()
                start = time.perf_counter()
                build_index(out, records, args.part_chars, by_pagefind=by_pagefind)
                seconds[by_pagefind].append(time.perf_counter() - start)
                made[by_pagefind] = files(out)
                print(f"run {run + 1}: {'Pagefind for every part' if by_pagefind else 'tables.py'} "
                      f"{seconds[by_pagefind][-1]:.1f} s (load {os.getloadavg()[0]:.1f})", flush=True)
    tables, pagefind = made[False], made[True]
    ratios = [t / p for t, p in zip(seconds[False], seconds[True])]
    print(f"tables.py {min(seconds[False]):.1f}–{max(seconds[False]):.1f} s, Pagefind {min(seconds[True]):.1f}–"
          f"{max(seconds[True]):.1f} s, ratio {min(ratios):.2f}–{max(ratios):.2f}")
    differ = sorted(name for name in tables.keys() | pagefind.keys() if tables.get(name) != pagefind.get(name))
    print(f"{len(pagefind)} files, {sum(map(len, pagefind.values())) / 1e6:.1f} MB: "
          + ("the same bytes" if not differ else f"{len(differ)} differ, e.g. {differ[:5]}"))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
