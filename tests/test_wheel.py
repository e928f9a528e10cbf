"""As a new office would: build the sdist and the wheel, install it outside the repository, start and build a site.

Kept fast: the wheel is built from the sdist without build isolation, and the fresh venv takes its
dependencies from the environment running the tests; gongbao itself comes only from the wheel.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from conftest import AS_OF, REPO, published_assets

TITLE = "青禾县人民政府公报"
ORGAN = "青禾县人民政府办公室"
#: What goes into the sdist: the package, the theme, and what setuptools reads.
SOURCES = ("gongbao", "templates", "setup.py", "pyproject.toml", "README.md")
THEME_FILES = ("base.html", "document.html", "assets/style.css", "assets/search.js")

OTHER_OFFICE_DOCUMENT = """\
---
title: 青禾县农业农村局关于做好春耕备耕工作的通知
doc_number: 青禾农发〔2025〕3号
issuer: 青禾县农业农村局
doc_type: 通知
signed: 2024-12-20
---
各乡镇人民政府：

请做好春耕备耕工作。
"""


def _run(cmd: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (cmd, done.stdout, done.stderr)
    return done.stdout


def _fresh_venv(root: Path, env: dict[str, str]) -> Path:
    """A venv whose own site-packages will hold only gongbao; a .pth lends it this environment's dependencies.

    (`--system-site-packages` would lend the base interpreter's instead when the tests run in a venv.)
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", root], check=True, timeout=120)
    python = root / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], root, env).strip())
    (purelib / "_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    return purelib


def test_the_wheel_installed_elsewhere_starts_and_builds_a_site_of_another_office(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "SOURCE_DATE_EPOCH")}
    src, dist = tmp_path / "src", tmp_path / "dist"
    for name in SOURCES:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copyfile
        copy(REPO / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__")} if copy is shutil.copytree else {}))

    sdist = dist / _run([sys.executable, "-c", "import sys, setuptools.build_meta as b; print(b.build_sdist(sys.argv[1]))",
                         dist], src, env).strip().splitlines()[-1]
    with tarfile.open(sdist) as tar:
        in_sdist = {"/".join(n.split("/")[1:]) for n in tar.getnames()}
    assert {f"templates/{f}" for f in THEME_FILES} <= in_sdist
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
          "-w", dist, sdist], tmp_path, env)
    wheel = next(dist.glob("gongbao-*.whl"))
    assert {f"gongbao/theme/{f}" for f in THEME_FILES} <= set(zipfile.ZipFile(wheel).namelist())

    venv = tmp_path / "venv"
    purelib = _fresh_venv(venv, env)
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], tmp_path, env)
    where = _run([venv / "bin" / "python", "-c",
                  "import gongbao, gongbao.config as c; print(gongbao.__file__); print(c.DEFAULT_TEMPLATES)"],
                 tmp_path, env).split()
    assert all(Path(p).resolve().is_relative_to(purelib.resolve()) for p in where), where

    gongbao = venv / "bin" / "gongbao"
    _run([gongbao, "init", "qinghe", "--title", TITLE, "--organ", ORGAN], tmp_path, env)
    project = tmp_path / "qinghe"
    _run([gongbao, "build", "--as-of", AS_OF], project, env)
    assert "示例" in (project / "site/docs/example/index.html").read_text(encoding="utf-8")

    (project / "content/documents/qhnf-2025-3.md").write_text(OTHER_OFFICE_DOCUMENT, encoding="utf-8")
    (project / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with (project / "gongbao.yaml").open("a", encoding="utf-8") as settings:
        settings.write("site_code: 5001560001\nicp: 渝ICP备05003300号-1\nlogo: logo.png\n")
    (project / "templates/assets").mkdir(parents=True)
    (project / "templates/base.html").write_text(
        '{% extends "theme/base.html" %}\n{% block footer %}{{ super() }}<p class="own">青禾县人民政府办公室维护</p>{% endblock %}\n',
        encoding="utf-8")
    (project / "templates/assets/search.css").write_text(".own { color: #a00; }\n", encoding="utf-8")
    _run([gongbao, "build", "--as-of", AS_OF], project, env)

    out = project / "site"
    assert "青禾县农业农村局关于做好春耕备耕工作的通知" in (out / "docs/qhnf-2025-3/index.html").read_text(encoding="utf-8")
    assets = published_assets(out)
    assert (assets / "search.css").read_text(encoding="utf-8") == ".own { color: #a00; }\n"
    assert (assets / "style.css").read_bytes() == (REPO / "templates/assets/style.css").read_bytes()
    html = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*.html")}
    assert len(html) > 10
    for rel, page in html.items():
        for mark in (f"主办：{ORGAN}", "网站标识码：5001560001", "渝ICP备05003300号-1</a>",
                     f"{assets.relative_to(out).as_posix()}/logo.png",
                     '<p class="own">青禾县人民政府办公室维护</p>'):
            assert mark in page, (rel, mark)
    for path in out.rglob("*"):
        if path.suffix in (".html", ".json", ".css", ".js", ".txt"):
            assert "武隆" not in path.read_text(encoding="utf-8"), path
