"""A new office's site: `gongbao init`, its own names and identity marks, and a theme it overrides file by file."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import published_assets, run, write_project
from gongbao.cli import main
from gongbao.config import DEFAULT_TEMPLATES

TITLE = "青禾县人民政府公报"
ORGAN = "青禾县人民政府办公室"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16

IDENTITY = """\
site_code: 5001560001
icp: 渝ICP备05003300号-1
police_record: 渝公网安备 50023202000123号
contact:
  address: 青禾县青禾大道1号
  phone: 02377722222
  email: gb@qinghe.example.gov.cn
portal:
  name: 青禾县人民政府
  url: https://www.qinghe.example.gov.cn/
logo: images/logo.png
"""


def init(directory: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["init", str(directory), *args], catch_exceptions=False)


def pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}


@pytest.fixture
def new_site(tmp_path: Path) -> Path:
    site = tmp_path / "qinghe"
    result = init(site, "--title", TITLE, "--organ", ORGAN)
    assert result.exit_code == 0, result.output
    return site


def test_init_writes_a_site_whose_examples_build(new_site: Path) -> None:
    assert sorted(p.relative_to(new_site).as_posix() for p in new_site.rglob("*") if p.is_file()) == [
        ".gitignore", "content/documents/example.md", "content/gazettes/example.md", "gongbao.yaml"]
    assert (new_site / ".gitignore").read_text(encoding="utf-8").splitlines()[1:] == ["site/", "dist/", ".gongbao-cache/"]

    result = run(new_site, "build")

    assert result.exit_code == 0, result.output
    site = pages(new_site / "site")
    assert "示例" in site["docs/example/index.html"] and "示例" in site["gazette/example/index.html"]
    for rel, html in site.items():
        assert f"<title>{TITLE}" in html or f" - {TITLE}</title>" in html, rel
        assert f"主办：{ORGAN}" in html, rel
        assert "武隆" not in html, rel
        assert "网站标识码" not in html and "beian" not in html, rel


def test_init_prints_the_next_commands(tmp_path: Path) -> None:
    result = init(tmp_path / "qinghe", "--title", TITLE, "--organ", ORGAN)
    assert [line.split("#")[0].strip() for line in result.output.splitlines() if line.startswith("  ")] == [
        f"cd {tmp_path / 'qinghe'}", "gongbao serve", "gongbao import 某期公报.txt --out content",
        "rm content/gazettes/example.md content/documents/example.md", "gongbao build"]


def test_removing_the_examples_as_printed_leaves_a_site_that_checks(new_site: Path) -> None:
    (new_site / "content/gazettes/example.md").unlink()
    (new_site / "content/documents/example.md").unlink()
    result = run(new_site, "check")
    assert result.exit_code == 0, result.output
    assert "0 件公文，0 期公报" in result.output


@pytest.mark.parametrize("existing", ["gongbao.yaml", "notes.txt", ".gitignore"])
def test_init_never_writes_into_an_existing_project_or_folder(tmp_path: Path, existing: str) -> None:
    target = tmp_path / "proj"
    target.mkdir()
    (target / existing).write_text("keep me\n", encoding="utf-8")

    result = init(target, "--title", TITLE, "--organ", ORGAN)

    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and "未作任何改动" in result.output
    assert [p.name for p in target.iterdir()] == [existing]
    assert (target / existing).read_text(encoding="utf-8") == "keep me\n"


def test_init_into_a_folder_with_only_hidden_files_such_as_git(tmp_path: Path) -> None:
    (tmp_path / "proj" / ".git").mkdir(parents=True)
    assert init(tmp_path / "proj", "--title", TITLE, "--organ", ORGAN).exit_code == 0
    assert (tmp_path / "proj" / "gongbao.yaml").is_file()


@pytest.mark.parametrize("missing", ["--title", "--organ"])
def test_init_without_a_name_off_a_terminal_is_refused(tmp_path: Path, missing: str) -> None:
    given = {"--title": TITLE, "--organ": ORGAN}
    del given[missing]
    result = init(tmp_path / "proj", *[x for kv in given.items() for x in kv])
    assert result.exit_code == 1
    assert f"缺少 {missing}" in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "proj").exists()


def test_the_settings_comment_on_base_url_names_every_file_it_adds(new_site: Path) -> None:
    assert run(new_site, "build").exit_code == 0
    without = {p.relative_to(new_site / "site").as_posix() for p in (new_site / "site").rglob("*")}
    settings = new_site / "gongbao.yaml"
    text = settings.read_text(encoding="utf-8")
    (comment,) = re.findall(r"^# base_url: .*\n(?:#   .*\n)*", text, re.MULTILINE)
    settings.write_text(text + "base_url: https://www.example.gov.cn/gongbao/\n", encoding="utf-8")
    assert run(new_site, "build").exit_code == 0
    added = {p.relative_to(new_site / "site").as_posix() for p in (new_site / "site").rglob("*")} - without
    assert added == {"sitemap.xml", "robots.txt", "feed.xml"}
    assert all(name in comment for name in added), comment
    assert "只用于" not in comment


def test_the_readmes_command_prints_the_folder_of_the_theme_to_copy_from(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    (command,) = re.findall(r'^python -c "(import gongbao\.config.*)"$', readme, re.MULTILINE)
    printed = subprocess.run([sys.executable, "-c", command], cwd=tmp_path, capture_output=True, text=True,
                             check=True, timeout=60).stdout.strip()
    assert Path(printed) == DEFAULT_TEMPLATES
    assert (Path(printed) / "base.html").is_file() and (Path(printed) / "document.html").is_file()


def test_init_asks_for_the_names_on_a_terminal(tmp_path: Path) -> None:
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    with subprocess.Popen([sys.executable, "-m", "gongbao", "init", "proj"], cwd=tmp_path, env=env,
                          stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        os.close(secondary)
        os.write(primary, f"{TITLE}\n{ORGAN}\n".encode())
        out, err = proc.communicate(timeout=60)
    os.close(primary)
    assert proc.returncode == 0, err.decode()
    assert "刊名" in out.decode() and "主办单位" in out.decode()
    settings = (tmp_path / "proj" / "gongbao.yaml").read_text(encoding="utf-8")
    assert f"title: {TITLE}\n" in settings and f"organ: {ORGAN}\n" in settings


def test_awkward_names_are_quoted_so_the_settings_read_back(tmp_path: Path) -> None:
    title = '公报: "试刊" # 第一版'
    assert init(tmp_path / "proj", "--title", title, "--organ", ORGAN).exit_code == 0
    result = run(tmp_path / "proj", "build")
    assert result.exit_code == 0, result.output
    assert "公报: &#34;试刊&#34; # 第一版" in (tmp_path / "proj/site/index.html").read_text(encoding="utf-8")


def test_a_project_without_settings_is_told_to_run_init_not_given_another_name(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj")
    (project / "gongbao.yaml").unlink()
    result = run(project, "build")
    assert result.exit_code == 1
    assert result.stderr.startswith("gongbao.yaml: E050 ") and "gongbao init" in result.stderr
    assert "武隆" not in result.output
    assert not (project / "site").exists()


def test_every_page_shows_the_identity_marks_that_are_set(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {"gongbao.yaml": f"title: {TITLE}\norgan: {ORGAN}\n{IDENTITY}"})
    (project / "images").mkdir()
    (project / "images/logo.png").write_bytes(PNG)

    result = run(project, "build")

    assert result.exit_code == 0, result.output
    site = project / "site"
    assets = published_assets(site).relative_to(site).as_posix()
    assert (site / assets / "logo.png").read_bytes() == PNG
    for rel, html in pages(site).items():
        depth = "../" * rel.count("/") if rel != "404.html" else "/"
        for mark in ["<span>网站标识码：5001560001</span>",
                     '<a href="https://beian.miit.gov.cn/">渝ICP备05003300号-1</a>',
                     '<a href="https://beian.mps.gov.cn/#/query/webSearch?code=50023202000123">渝公网安备 50023202000123号</a>',
                     "地址：青禾县青禾大道1号", "电话：02377722222",
                     '<a href="mailto:gb@qinghe.example.gov.cn">gb@qinghe.example.gov.cn</a>',
                     '<a href="https://www.qinghe.example.gov.cn/">青禾县人民政府</a>',
                     f'<link rel="icon" href="{depth}{assets}/logo.png">',
                     f'<img class="site-logo" src="{depth}{assets}/logo.png" alt="{TITLE}">']:
            assert mark in html, (rel, mark)


def test_a_police_record_without_its_fourteen_digits_is_shown_but_not_linked(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {"gongbao.yaml": "title: 测试公报\npolice_record: 渝公网安备（申请中）\n"})
    assert run(project, "build").exit_code == 0
    html = (project / "site/index.html").read_text(encoding="utf-8")
    assert "<span>渝公网安备（申请中）</span>" in html and "beian" not in html and "网站标识码" not in html


@pytest.mark.parametrize(("settings", "expected"), [
    ("title: 测试公报\ncontact:\n  phone: 1\n  fax: 2\n", "gongbao.yaml:4: E024 未知的配置项 'contact.fax'"),
    ("title: 测试公报\nportal:\n  name: 青禾县人民政府\n", "gongbao.yaml:2: E050 配置项 portal 缺少 url"),
    ("title: 测试公报\nportal:\n  name: 青禾\n  url: www.qinghe.gov.cn\n", "gongbao.yaml:4: E052 portal.url"),
    ("title: 测试公报\ncontact:\n  email: gb.qinghe.gov.cn\n", "gongbao.yaml:3: E052 contact.email"),
    ("title: 测试公报\ntemplates_dir: theme\n", "gongbao.yaml:2: E052 templates_dir"),
    ("title: 测试公报\nlogo: notes.txt\n", "gongbao.yaml:2: E051 logo notes.txt 不是网页能显示的图片"),
    ("title: 测试公报\nsite_code:\n", "gongbao.yaml:2: E024 配置项 site_code 没有值"),
    ("title:\n  - 测试公报\n", "gongbao.yaml:1: E024 配置项 title 须为一行文字"),
])
def test_bad_settings_are_reported_at_their_line_and_nothing_is_built(tmp_path: Path, settings: str,
                                                                      expected: str) -> None:
    project = write_project(tmp_path / "proj", {"gongbao.yaml": settings, "notes.txt": "x"})
    result = run(project, "build")
    assert result.exit_code == 1
    assert any(line.startswith(expected) for line in result.stderr.splitlines()), result.stderr
    assert "Traceback" not in result.output
    assert not (project / "site").exists()


def test_a_project_template_replaces_only_its_own_file(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {
        "templates/home.html": '{% extends "base.html" %}{% block content %}<p class="own-home">本县公报</p>{% endblock %}\n'})
    assert run(project, "build").exit_code == 0
    site = pages(project / "site")
    assert '<p class="own-home">本县公报</p>' in site["index.html"]
    assert "own-home" not in site["docs/wlff-2024-9/index.html"]
    assert '<dl class="meta-box">' in site["docs/wlff-2024-9/index.html"]


def test_a_project_overrides_one_block_of_the_theme_on_every_page(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {
        "templates/base.html": '{% extends "theme/base.html" %}\n'
                               '{% block footer %}{{ super() }}<p class="own-footer">本站由县政府办公室维护</p>{% endblock %}\n',
        "templates/document.html": '{% extends "theme/document.html" %}\n'
                                   '{% block metadata %}<p class="own-meta">{{ doc.doc_number }}</p>{% endblock %}\n'})
    assert run(project, "build").exit_code == 0
    for rel, html in pages(project / "site").items():
        assert '<p class="own-footer">本站由县政府办公室维护</p>' in html, rel
        assert "文件效力状态按" in html, rel
    doc = (project / "site/docs/wlff-2024-9/index.html").read_text(encoding="utf-8")
    assert '<p class="own-meta">武隆府发〔2024〕9号</p>' in doc and "meta-box" not in doc


def test_project_assets_are_merged_over_the_theme_assets(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {"templates/assets/style.css": "body { color: #123; }\n",
                                                "templates/assets/seal.svg": "<svg/>\n"})
    assert run(project, "build").exit_code == 0
    assets = published_assets(project / "site")
    assert (assets / "style.css").read_text(encoding="utf-8") == "body { color: #123; }\n"
    assert (assets / "seal.svg").read_text(encoding="utf-8") == "<svg/>\n"
    for name in ("search.js", "search.css"):
        assert (assets / name).read_bytes() == (DEFAULT_TEMPLATES / "assets" / name).read_bytes()


def test_a_template_error_names_the_file_it_is_in_project_or_theme(tmp_path: Path) -> None:
    project = write_project(tmp_path / "proj", {"templates/_macros.html": "{% macro status_badge(s) %}{% endmacro %}\n"})
    result = run(project, "build")
    assert result.exit_code == 1
    # The project's _macros.html lacks a macro a theme page imports: the error is in that theme page.
    theme_page = re.compile(rf"{re.escape(DEFAULT_TEMPLATES.resolve().as_posix())}/\w+\.html:\d+: E025 .*'_macros.html'")
    assert any(theme_page.match(line) for line in result.stderr.splitlines()), result.stderr
    assert not (project / "site").exists()
