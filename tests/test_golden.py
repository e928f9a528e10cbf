"""The golden site: the whole output of tests/golden/content compared with tests/golden/expected/.

When a change to templates or rendering is intended, regenerate the expected output with
    GONGBAO_REGEN_GOLDEN=1 python -m pytest tests/test_golden.py
and review the diff of tests/golden/expected/ before committing it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from conftest import REPO, run

GOLDEN = REPO / "tests" / "golden"
EXPECTED = GOLDEN / "expected"
#: The search index (binary; Pagefind's part versioned by Pagefind) is checked by the search tests,
#: and assets/ is the theme's assets/ copied verbatim: neither is rendered output. Of search/, only
#: the search page is.
SKIP = ("assets/", "search/")
KEEP = ("search/index.html",)
#: The assets' folder is named after their bytes (assets/<digest>/style.css), which are not rendered
#: output either: the pages are compared with the digest written as ASSETS.
ASSETS_FOLDER = re.compile(rb"assets/[0-9a-f]{10}/")


def _files(root: Path) -> dict[str, bytes]:
    return {rel: ASSETS_FOLDER.sub(b"assets/ASSETS/", p.read_bytes()) for p in sorted(root.rglob("*"))
            if p.is_file() and (not (rel := p.relative_to(root).as_posix()).startswith(SKIP) or rel in KEEP)}


def test_golden_site_matches_expected_output(tmp_path: Path) -> None:
    project = tmp_path / "golden"
    shutil.copytree(GOLDEN / "content", project / "content")
    shutil.copyfile(GOLDEN / "gongbao.yaml", project / "gongbao.yaml")
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    actual = _files(project / "site")
    if os.environ.get("GONGBAO_REGEN_GOLDEN"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for rel, data in actual.items():
            (EXPECTED / rel).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / rel).write_bytes(data)
    expected = _files(EXPECTED)
    assert sorted(actual) == sorted(expected), "pages added or missing: regenerate if intended (see docstring)"
    changed = [rel for rel in expected if actual[rel] != expected[rel]]
    assert changed == [], f"pages differ from tests/golden/expected: {changed[:10]} — regenerate if intended"
