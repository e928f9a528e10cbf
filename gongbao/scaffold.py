"""Scaffold: `gongbao init DIR` — a new gazette site: its settings, one example issue and document, .gitignore."""

from __future__ import annotations

import datetime as dt
import json
import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

from .config import SETTINGS_FILE
from .load import DOCUMENTS_DIR, GAZETTES_DIR
from .render import cn_date

EXAMPLE_GAZETTE = f"content/{GAZETTES_DIR}/example.md"
EXAMPLE_DOCUMENT = f"content/{DOCUMENTS_DIR}/example.md"

SETTINGS_TEXT = """\
# {title}的站点设置：gongbao build 读取本文件。全部配置项见 gongbao 的 README。
title: {title_yaml}
organ: {organ_yaml}
# description: 一句话介绍本站（不写则为“刊名的网络版：历期公报、规范性文件及其效力状态。”）
# base_url: 网站的正式地址，如 https://www.example.gov.cn/gongbao/（正式发布前填写：有了它才生成
#   sitemap.xml、robots.txt 和 feed.xml，每页也标明自己的正式网址；不填写时网站照样可以浏览）

# 政府网站标识（可选）：填写的显示在每页页脚，不填写的不显示。
# site_code: 网站标识码（10 位数字或字母）
# icp: ICP备案号，如 某ICP备00000000号
# police_record: 公安机关备案号，如 某公网安备00000000000000号
# contact:
#   address: 地址
#   phone: 电话
#   email: 电子邮箱
# portal:
#   name: 本站所属的政府门户网站
#   url: 门户网站的网址（https://…）
# logo: 本文件夹中的图片，如 logo.png（显示在页眉，并用作网站图标）
"""

GAZETTE_TEXT = """\
---
# 示例：gongbao init 生成的一期公报，演示写法。发布正式内容前删除本文件和 {document}。
title: {title_yaml}
year: {year}
number: 1
published: {today}
remark: 示例期次（gongbao init 生成，发布前请删除）
sections:
  - title: 示例栏目
---
"""

DOCUMENT_TEXT = """\
---
# 示例：gongbao init 生成的一件公文，演示写法。发布正式内容前删除本文件和 {gazette}。
title: 示例：公报网络版文件的写法
slug: example
issuer: {organ_yaml}
doc_type: 通知
signed: {today}
gazette: example
page: 1
section: 示例栏目
disclosure: 此件公开发布
---
::: addressee
各有关单位：
:::

这是 `gongbao init` 生成的示例文件，不是正式公文。

每件公文是 content/documents/ 中的一个 Markdown 文件：开头两行 `---` 之间是前言，写标题（title）、文号（doc_number）、发文机关（issuer）、文种（doc_type）、成文日期（signed）和所在公报期号（gazette）；其后是正文。每期公报是 content/gazettes/ 中的一个文件，文件名即期号，如 2025-01.md。已有印刷版公报的文本时，可用 `gongbao import` 一次生成一期的全部文件。

发布正式内容前，删除本文件和 {gazette}，再运行 `gongbao build`。

::: signature
{organ}\\
{today_cn}
:::
"""

GITIGNORE_TEXT = "# gongbao build 和 gongbao bundle 的输出及构建缓存，可随时重新生成\nsite/\ndist/\n.gongbao-cache/\n"


class InitError(Exception):
    """Why a site was not created; one line, and nothing was written."""


@dataclass(frozen=True, slots=True)
class NewSite:
    root: Path
    title: str
    files: tuple[str, ...]
    """The files written, relative to `root`."""


def init_site(root: Path, title: str, organ: str, today: dt.date) -> NewSite:
    """Write a new site into `root`, which must be absent or empty; an existing project is never touched."""
    title, organ = _one_line(title, "刊名（--title）"), _one_line(organ, "主办单位（--organ）")
    files = {
        SETTINGS_FILE: SETTINGS_TEXT.format(title=title, title_yaml=_yaml_text(title), organ_yaml=_yaml_text(organ)),
        EXAMPLE_GAZETTE: GAZETTE_TEXT.format(document=EXAMPLE_DOCUMENT, title_yaml=_yaml_text(f"{title}（示例）"),
                                            year=today.year, today=today.isoformat()),
        EXAMPLE_DOCUMENT: DOCUMENT_TEXT.format(gazette=EXAMPLE_GAZETTE, organ=organ, organ_yaml=_yaml_text(organ),
                                              today=today.isoformat(), today_cn=cn_date(today)),
        ".gitignore": GITIGNORE_TEXT,
    }
    check_target(root)
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return NewSite(root, title, tuple(files))


def next_steps(site: NewSite) -> str:
    """What to run next, in the order an office does it."""
    cd = shlex.quote(str(site.root))
    return "\n".join([
        "下一步：",
        f"  cd {cd}",
        "  gongbao serve                              # 预览：http://127.0.0.1:8000/",
        "  gongbao import 某期公报.txt --out content   # 导入一期公报的文本（或在 content/ 中手写）",
        f"  rm {EXAMPLE_GAZETTE} {EXAMPLE_DOCUMENT}   # 删除示例",
        "  gongbao build                              # 生成 site/，把它上传到网站服务器即发布",
    ])


def _one_line(value: str, what: str) -> str:
    text = value.strip()
    if not text or "\n" in text:
        raise InitError(f"{what}须为一行文字，不能为空")
    return text


def _yaml_text(text: str) -> str:
    """`text` as a YAML value: bare when YAML reads it back unchanged, else quoted."""
    try:
        if yaml.safe_load(f"k: {text}") == {"k": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def check_target(root: Path) -> None:
    """Refuse a folder with a project or any other visible file in it; hidden ones such as .git are fine."""
    if root.exists() and not root.is_dir():
        raise InitError(f"{root} 已存在且不是文件夹，未作任何改动")
    if (root / SETTINGS_FILE).exists():
        raise InitError(f"{root / SETTINGS_FILE} 已存在：这里已有一个站点，未作任何改动")
    present = sorted(p.name for p in root.iterdir()
                     if not p.name.startswith(".") or p.name == ".gitignore") if root.is_dir() else []
    if present:
        raise InitError(f"{root} 不是空文件夹（已有 {'、'.join(present[:5])}{' 等' if len(present) > 5 else ''}），"
                        "为免覆盖，未作任何改动；请指定一个新文件夹")
