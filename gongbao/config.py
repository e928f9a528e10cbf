"""Site settings: one file, `gongbao.yaml` beside `content/`, read with the line of every key and checked."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .problems import Problems

SETTINGS_FILE = "gongbao.yaml"
#: The theme installed with gongbao (the repository's templates/, packaged as gongbao.theme).
DEFAULT_TEMPLATES = Path(str(resources.files("gongbao.theme")))
#: Where a project's logo is copied in the site, before its suffix (.png, .svg, …).
LOGO_ASSET = "assets/logo"
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico")
POLICE_RECORD_SITE = "https://beian.mps.gov.cn/#/query/webSearch?code="
INIT_HINT = "新建站点请运行 gongbao init DIR"

_SITE_CODE_RE = re.compile(r"[0-9A-Za-z]{10}")
#: 公安机关备案号 such as 渝公网安备50023202000123号: the national record site looks it up by its 14 digits.
_POLICE_RECORD_RE = re.compile(r"公网安备\s*(\d{14})")


@dataclass(frozen=True, slots=True)
class Contact:
    """How citizens reach the publishing office (联系我们), shown in every footer."""

    address: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Portal:
    """The government portal the gazette belongs to (所属门户网站)."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything about a site that is not content. Paths are relative to the project folder."""

    title: str = ""
    """Name of the gazette (刊名), shown in every page header and in the bundle's file name. Required."""
    organ: str | None = None
    """The office that publishes the gazette (主办单位), shown in the footer when set."""
    description: str = ""
    """One sentence for search engines and the home page; made from the title when not set."""
    base_url: str = ""
    """Absolute address of the published site (e.g. https://example.gov.cn/gazette/).
    Optional: pages link to each other relatively and never need it; when set, the build writes
    sitemap.xml, robots.txt and feed.xml, and pages name their own address (canonical, og:url)."""
    site_code: str | None = None
    """网站标识码: the ten characters every government website is registered under."""
    icp: str | None = None
    """ICP备案号, linked to the national ICP record site."""
    police_record: str | None = None
    """公安机关备案号, linked to the national police record site when its 14 digits are there."""
    contact: Contact | None = None
    portal: Portal | None = None
    logo: str | None = None
    """An image file in the project, shown in the masthead and used as the favicon."""
    content_dir: str = "content"
    templates_dir: str = "templates"
    """The project's own templates: any subset of the theme's files, each replacing the theme's."""
    output_dir: str = "site"
    dist_dir: str = "dist"
    """Where `gongbao bundle` writes its zip."""

    project_dir: Path = Path(".")
    """Folder the paths above are relative to (the folder of gongbao.yaml)."""

    @property
    def content_path(self) -> Path:
        return self.project_dir / self.content_dir

    @property
    def templates_path(self) -> Path:
        """The project's own templates folder (it may not exist)."""
        return self.project_dir / self.templates_dir

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        """Where templates and assets are looked for, first match wins: the project's, then the theme's."""
        own = self.templates_path
        return ((own,) if own.is_dir() else ()) + (DEFAULT_TEMPLATES,)

    @property
    def output_path(self) -> Path:
        return self.project_dir / self.output_dir

    @property
    def dist_path(self) -> Path:
        return self.project_dir / self.dist_dir

    @property
    def logo_url(self) -> str | None:
        """The logo's address in the site, relative to its root."""
        return LOGO_ASSET + Path(self.logo).suffix.lower() if self.logo else None

    @property
    def police_record_url(self) -> str | None:
        """The police record site's page for this 备案号, when the number can be recognised."""
        match = _POLICE_RECORD_RE.search(self.police_record or "")
        return POLICE_RECORD_SITE + match.group(1) if match else None


#: Keys whose value is a mapping of text, with the class it becomes.
_GROUPS: dict[str, type[Contact] | type[Portal]] = {"contact": Contact, "portal": Portal}
_KEYS = {f.name for f in fields(Settings)} - {"project_dir"}


@dataclass(frozen=True, slots=True)
class _Reader:
    """Reads one settings file node by node, reporting each problem at the line of its key."""

    path: Path
    problems: Problems

    def entries(self, key: str, node: yaml.Node, line: int, allowed: set[str]) -> dict[str, tuple[yaml.Node, int]]:
        """A mapping's entries: name → (value node, line). Unknown names are reported and left out."""
        if not isinstance(node, yaml.MappingNode):
            self.problems.error(self.path, line, "E024", f"{key or '站点配置'} 须为“键: 值”形式的映射")
            return {}
        out = {}
        for key_node, value_node in node.value:
            name, at = str(key_node.value), key_node.start_mark.line + 1
            if name in allowed:
                out[name] = (value_node, at)
            else:
                full = f"{key}.{name}" if key else name
                self.problems.error(self.path, at, "E024", f"未知的配置项 {full!r}；可用：{', '.join(sorted(allowed))}")
        return out

    def text(self, key: str, node: yaml.Node, line: int) -> str | None:
        """A scalar's text exactly as written, so 02377722222 or 5001560001 stay what they are, not numbers."""
        if not isinstance(node, yaml.ScalarNode):
            self.problems.error(self.path, line, "E024", f"配置项 {key} 须为一行文字")
        elif node.tag == "tag:yaml.org,2002:null" or not node.value.strip():
            self.problems.error(self.path, line, "E024", f"配置项 {key} 没有值：填写它，或删去这一行")
        else:
            return str(node.value).strip()
        return None

    def invalid(self, line: int, message: str) -> None:
        self.problems.error(self.path, line, "E052", message)


def load_settings(project_dir: Path, problems: Problems, **overrides: Any) -> Settings:
    """Read and check `gongbao.yaml`; a project without one, or without a title, is an error (never another site's name)."""
    path = project_dir / SETTINGS_FILE
    settings = Settings(project_dir=project_dir)
    if not path.is_file():
        problems.error(path, 0, "E050", f"找不到站点配置 {SETTINGS_FILE}：{INIT_HINT}，或用 --project 指向已有站点")
        return settings
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        problems.error(path, line, "E024", f"无法读取站点配置：{exc}")
        return settings
    reader = _Reader(path, problems)
    entries = reader.entries("", node if node is not None else yaml.MappingNode("", []), 1, _KEYS)
    values: dict[str, Any] = {
        name: _group(reader, name, *entry, _GROUPS[name]) if name in _GROUPS else reader.text(name, *entry)
        for name, entry in entries.items()}
    if not values.get("title"):
        problems.error(path, 0, "E050", f"缺少刊名：在 {SETTINGS_FILE} 中写上 title: 某某人民政府公报（{INIT_HINT}）")
    values.update({k: v for k, v in overrides.items() if v is not None})  # an unset option keeps the file's value
    settings = replace(settings, **{k: v for k, v in values.items() if v is not None})
    if not settings.description:
        settings = replace(settings, description=f"{settings.title}的网络版：历期公报、规范性文件及其效力状态。")
    _check_identity(settings, _key_lines(node), reader)
    return settings


def _group(reader: _Reader, key: str, node: yaml.Node, line: int,
           cls: type[Contact] | type[Portal]) -> Contact | Portal | None:
    """contact or portal: a mapping of text whose fields without a default are required."""
    if not isinstance(node, yaml.MappingNode):
        reader.entries(key, node, line, set())  # reports that it is not a mapping
        return None
    texts = {name: reader.text(f"{key}.{name}", *entry)
             for name, entry in reader.entries(key, node, line, {f.name for f in fields(cls)}).items()}
    values = {name: text for name, text in texts.items() if text is not None}
    if len(values) < len(texts):
        return None
    missing = [f.name for f in fields(cls) if f.name not in values and f.default is not None]
    if missing or not values:
        reader.problems.error(reader.path, line, "E050",
                              f"配置项 {key} 缺少 {'、'.join(missing or [f.name for f in fields(cls)])}")
        return None
    return cls(**values)


def _key_lines(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """The line of every key, nested ones as contact.email."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            name = f"{prefix}{key_node.value}"
            lines[name] = key_node.start_mark.line + 1
            lines |= _key_lines(value_node, f"{name}.")
    return lines


def _check_identity(settings: Settings, lines: dict[str, int], reader: _Reader) -> None:
    """The marks a government site shows must be what was registered: catch the usual slips."""
    if settings.base_url and (problem := base_url_problem(settings.base_url)):
        reader.problems.error(reader.path, lines.get("base_url", 0), "E060", problem)
    if settings.site_code and not _SITE_CODE_RE.fullmatch(settings.site_code):
        reader.invalid(lines["site_code"], f"网站标识码 {settings.site_code!r} 应为 10 位数字或字母，如 5001560001")
    if settings.icp and "ICP" not in settings.icp.upper():
        reader.invalid(lines["icp"], f"icp {settings.icp!r} 不像 ICP 备案号（应如 渝ICP备05003300号）")
    if settings.portal and not settings.portal.url.startswith(("https://", "http://")):
        reader.invalid(lines["portal.url"], f"portal.url 须为 http:// 或 https:// 开头的网址，而不是 {settings.portal.url!r}")
    if settings.contact and settings.contact.email and "@" not in settings.contact.email:
        reader.invalid(lines["contact.email"], f"contact.email {settings.contact.email!r} 不是电子邮件地址")
    if settings.logo:
        logo = settings.project_dir / settings.logo
        if not logo.is_file():
            reader.problems.error(reader.path, lines["logo"], "E051", f"logo 文件 {settings.logo} 不存在（相对于项目文件夹）")
        elif logo.suffix.lower() not in LOGO_SUFFIXES:
            reader.problems.error(reader.path, lines["logo"], "E051",
                                  f"logo {settings.logo} 不是网页能显示的图片（可用：{' '.join(LOGO_SUFFIXES)}）")
    if "templates_dir" in lines and not settings.templates_path.is_dir():
        reader.invalid(lines["templates_dir"], f"templates_dir 指向的文件夹 {settings.templates_dir} 不存在")


def base_url_problem(value: str) -> str | None:
    """Why `value` can't be the site's address, or None: sitemaps, feeds and canonical links need an
    absolute http(s) URL, and one ending in / so that a page's URL can be appended to it."""
    parts = urlsplit(value)
    if (parts.scheme in ("http", "https") and parts.netloc and parts.path.endswith("/")
            and not parts.query and not parts.fragment and not any(c.isspace() for c in value)):
        return None
    return (f"base_url {value!r} 须为以 http:// 或 https:// 开头、以 / 结尾的完整网址，"
            "如 https://www.example.gov.cn/gongbao/")


def default_as_of() -> dt.date:
    """The date statuses are computed for: SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()
