"""Site settings: one file, `gongbao.yaml` beside `content/`, with defaults that serve the bundled gazette."""

from __future__ import annotations

import datetime as dt
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


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything about a site that is not content. Paths are relative to the project folder."""

    title: str = "重庆市武隆区人民政府公报"
    """Name of the gazette, shown in every page header and in the bundle's file name."""
    organ: str = "重庆市武隆区人民政府办公室"
    """The office that publishes the gazette (主办单位), shown in the footer."""
    description: str = "重庆市武隆区人民政府公报的网络版：历期公报、规范性文件及其效力状态。"
    """One sentence for search engines and the home page."""
    base_url: str = ""
    """Absolute address of the published site (e.g. https://example.gov.cn/gazette/).
    Optional: pages link to each other relatively and never need it; when set, the build writes
    sitemap.xml, robots.txt and feed.xml, and pages name their own address (canonical, og:url)."""
    content_dir: str = "content"
    templates_dir: str = "templates"
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
        """The project's templates; a project without its own uses the ones gongbao ships with."""
        own = self.project_dir / self.templates_dir
        return own if own.is_dir() or self.templates_dir != "templates" else DEFAULT_TEMPLATES

    @property
    def output_path(self) -> Path:
        return self.project_dir / self.output_dir

    @property
    def dist_path(self) -> Path:
        return self.project_dir / self.dist_dir


_KEYS = {f.name for f in fields(Settings)} - {"project_dir"}


def load_settings(project_dir: Path, problems: Problems, **overrides: Any) -> Settings:
    """Read `gongbao.yaml` if present; unknown keys and wrong types are reported, not ignored."""
    settings = Settings(project_dir=project_dir)
    path = project_dir / SETTINGS_FILE
    if path.is_file():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
            problems.error(path, line, "E024", f"无法读取站点配置：{exc}")
            return settings
        if not isinstance(data, dict):
            problems.error(path, 1, "E024", "站点配置须为“键: 值”形式的映射")
            return settings
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in _KEYS:
                problems.error(path, 0, "E024", f"未知的配置项 {key!r}；可用：{', '.join(sorted(_KEYS))}")
            elif not isinstance(value, str):
                problems.error(path, 0, "E024", f"配置项 {key} 须为字符串")
            elif key == "base_url" and value and (problem := base_url_problem(value)):
                problems.error(path, 0, "E060", problem)
            else:
                values[key] = value
        settings = replace(settings, **values)
    return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


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
