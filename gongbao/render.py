"""Render: the pages' views → files under the output folder (HTML through Jinja2, the JSON catalogue, the assets)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import jinja2

from . import urls
from .config import DEFAULT_TEMPLATES, Settings
from .digests import TextDigests
from .markdown import BodyCache
from .model import Document
from .pages import NOT_FOUND, Page, SiteViews
from .problems import Problems
from .publish import page_head, write_discovery
from .relations import Library
from .views import SiteContext, template_context

ASSETS_DIR = "assets"
#: `{% extends "theme/base.html" %}` reaches the built-in file even from a project file of the same name.
THEME_PREFIX = "theme"

T = TypeVar("T")
#: progress(label, items) yields the items, showing on a terminal how far it got.
Progress = Callable[[str, Sequence[T]], Iterable[T]]


def cn_date(value: dt.date | None) -> str:
    """2024-06-13 → 2024年6月13日, the way the gazette prints dates."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


@dataclass(frozen=True, slots=True)
class Reuse:
    """What a build gives the render stage from the builds before it."""

    bodies: BodyCache
    templates: jinja2.BytecodeCache
    """Compiled templates, by name and source."""
    texts: TextDigests
    """The build's digests of long strings: a body's is its key in `bodies`."""
    kept: Callable[[Page], bool]
    """Whether the previous build's file of a page stands for it (then it is not rendered)."""
    catalogue_kept: Callable[[], bool]
    """Whether the previous build's catalogue stands for this one's (then it is not encoded: that is slow)."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """What the render stage hands on: the plain text of every document's body, by key."""

    body_texts: Mapping[str, str]
    extras: tuple[str, ...] = ()
    """The files it wrote other than pages and the catalogue (assets, discovery files, PDFs), relative to the site."""


class SiteRenderer:
    """Turns the pages' views into files, every link relative to the page that holds it."""

    def __init__(self, lib: Library, settings: Settings, explicit_index: bool = False, reuse: Reuse | None = None,
                 assets: Assets | None = None):
        self.lib = lib
        self.settings = settings
        self.views = SiteViews(lib, explicit_index, reuse.bodies if reuse else None,
                               reuse.texts if reuse else None)
        self.env = jinja2.Environment(
            bytecode_cache=reuse.templates if reuse else None,
            loader=theme_loader(settings),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            # One environment renders one build: its templates are read once, not looked at again for every page
            # (a system call for each template a page extends or imports).
            auto_reload=False,
        )
        self.env.filters["cn_date"] = cn_date
        self.assets = assets or Assets.of(settings)

    def site_context(self, page: Page) -> SiteContext:
        page_url = page.url
        explicit_index = self.views.explicit_index
        if page_url == NOT_FOUND:
            # The 404 page is served in place of any missing URL, so relative links can't work there.
            root = urlsplit(self.settings.base_url).path.rstrip("/") + "/"

            def link(to: str) -> str:
                to = self.assets.published(to)
                return root + (urls.page_file(to) if explicit_index else to)
        else:
            root = self.views.link(page_url, urls.HOME).removesuffix("index.html") or "./"

            def link(to: str) -> str:
                return self.views.link(page_url, self.assets.published(to))
        return SiteContext(site=self.settings, page_url=page_url, root=root, url=link,
                           status_as_of=self.lib.as_of, explicit_index=explicit_index, urls=urls,
                           head=page_head(self.settings, page, link))

    def render_page(self, page: Page) -> str:
        template = self.env.get_template(page.view.template)
        return template.render(template_context(self.site_context(page), page.view))

    def write_catalogue(self, path: Path) -> None:
        """site/api/documents.json: one record per document, referenced ones included. Written a record at a time,
        with the bytes json.dumps(indent=1) gives the whole: the whole took 400 MiB at 100,000 documents (the
        render stage's peak), its records' dicts and the encoder's pieces of text."""
        lib = self.lib
        keys = sorted(list(lib.documents) + list(lib.referenced), key=lib.sort_key)
        with path.open("w", encoding="utf-8") as f:
            f.write(f'{{\n "generated_for": {_json(lib.as_of.isoformat())},\n "documents": [')
            for n, key in enumerate(keys):
                # a record's lines as they are indented at its depth in the whole (no string holds a newline)
                f.write(("\n  " if n == 0 else ",\n  ") + _json(self._record(key)).replace("\n", "\n  "))
            f.write("\n ]\n}\n" if keys else "]\n}\n")

    def _record(self, key: str) -> dict[str, object]:
        lib = self.lib
        doc = lib.documents.get(key)
        status = lib.status[key]
        return {
            "doc_number": doc.doc_number if doc else key,
            "title": lib.title_of(key) if doc or lib.referenced[key].title else None,
            "issuer": list(doc.issuers) if doc else [],
            "doc_type": doc.doc_type if doc else None,
            "date": doc.signed.isoformat() if doc else None,
            "gazette": doc.gazette if doc else None,
            "gazette_label": lib.gazettes[doc.gazette].label if doc and doc.gazette else None,
            "page": doc.page if doc else None,
            "status": status.label,
            "status_code": status.code,
            "status_since": status.since.isoformat() if status.since else None,
            "status_by": status.by,
            "url": urls.document(lib.slug_of(key)),
            "in_collection": doc is not None,
            "relations": [{"type": kind, "doc_number": other} for kind, other in lib.relations_of(key)],
        }


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


def theme_loader(settings: Settings) -> jinja2.BaseLoader:
    """The project's templates first, then the built-in theme's, as MkDocs' `custom_dir` does.

    A project overrides one block by writing a file of the same name that extends the theme's own,
    under the `theme/` prefix: without it, `{% extends "base.html" %}` in templates/base.html would
    find itself.
    """
    return jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([str(d) for d in settings.template_dirs]),
        jinja2.PrefixLoader({THEME_PREFIX: jinja2.FileSystemLoader(str(DEFAULT_TEMPLATES))}),
    ])


@dataclass(frozen=True, slots=True)
class Assets:
    """The files of assets/: the theme's, then the project's over them (same name replaces, new files
    are added), then the logo; published under assets/<digest of them all>/, so that a browser or a
    CDN may keep them for a year and never mix two builds. Files in the folder stay side by side, so a
    stylesheet's url(seal.svg) still finds its neighbour."""

    files: Mapping[str, Path]
    """name under assets/ → the file it is copied from"""
    folder: str
    """where they are published, relative to the site root: assets/<digest>"""

    @staticmethod
    def of(settings: Settings) -> Assets:
        files = {}
        for templates in reversed(settings.template_dirs):
            for path in sorted((templates / ASSETS_DIR).rglob("*")):
                if path.is_file():
                    files[path.relative_to(templates / ASSETS_DIR).as_posix()] = path
        if settings.logo and settings.logo_url:
            files[settings.logo_url.removeprefix(ASSETS_DIR + "/")] = settings.project_dir / settings.logo
        digest = hashlib.sha256()
        for name, path in sorted(files.items()):
            data = path.read_bytes()
            digest.update(f"{name}\0{len(data)}\0".encode() + data)
        return Assets(files, f"{ASSETS_DIR}/{digest.hexdigest()[:10]}")

    def published(self, url: str) -> str:
        """A URL relative to the site root, with assets/ replaced by the folder they are published in."""
        return self.folder + url[len(ASSETS_DIR):] if url.startswith(ASSETS_DIR + "/") else url

    def copy(self, out_dir: Path) -> None:
        for name, source in self.files.items():
            target = out_dir / self.folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def render_site(lib: Library, settings: Settings, out_dir: Path, problems: Problems, explicit_index: bool,
                reuse: Reuse, progress: Progress = lambda label, items: items, assets: Assets | None = None,
                bodies_done: Callable[[Mapping[str, str], Mapping[str, bytes]], None] = lambda texts, digests: None,
                body_rendered: Callable[[Document, str, bytes], None] | None = None) -> Rendered | None:
    """Write every page into `out_dir` (but those `reuse` keeps); template errors are reported as problems, not raised.
    `assets`: as Assets.of(settings), when the caller has them already. `bodies_done(body_texts, text_digests)`:
    called once every body is rendered, before the pages are (the build starts the search index then, see
    build._publish), with each body's text and its digest (CachedBody.text_digest) by document key;
    `body_rendered(doc, text, text_digest)`: as each body is rendered anew (not kept from a build before), with its
    text and the text's digest (CachedBody.text_digest)."""
    try:
        renderer = SiteRenderer(lib, settings, explicit_index, reuse, assets)
        # Bodies first, each rendered once for its pages and its search text: on a first build they are the long part.
        for doc in progress("正文", list(lib.documents.values())):
            fresh = reuse.bodies.rendered
            body = renderer.views.body_of(doc)
            if body_rendered is not None and reuse.bodies.rendered != fresh:
                body_rendered(doc, body.text, body.text_digest)
        bodies = {key: renderer.views.body_of(doc) for key, doc in lib.documents.items()}
        body_texts = {key: body.text for key, body in bodies.items()}
        bodies_done(body_texts, {key: body.text_digest for key, body in bodies.items()})
        del bodies
        pages = list(renderer.views.pages())
        for page in progress("页面", pages):
            if reuse.kept(page):
                continue
            target = out_dir / urls.page_file(page.url)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(renderer.render_page(page), encoding="utf-8")
        extras = [*write_discovery(out_dir, settings, pages, lib.as_of)]
        if not reuse.catalogue_kept():
            catalogue = out_dir / urls.CATALOGUE
            catalogue.parent.mkdir(parents=True, exist_ok=True)
            renderer.write_catalogue(catalogue)
        renderer.assets.copy(out_dir)
        extras += [f"{renderer.assets.folder}/{name}" for name in renderer.assets.files]
        for g in lib.gazettes.values():  # the printed originals, beside their issue's page
            if g.pdf:
                extras.append(urls.gazette_file(g.id, g.pdf.name))
                shutil.copyfile(g.pdf, out_dir / extras[-1])
        return Rendered(body_texts, tuple(extras))
    except jinja2.TemplateSyntaxError as exc:
        problems.error(exc.filename or exc.name or "?", exc.lineno, "E025",
                       f"模板语法错误：{exc.message}")
    except jinja2.TemplateError as exc:
        path, line = _template_frame(exc, settings.templates_path)
        problems.error(path, line, "E025", f"模板错误：{exc}")
    return None


def _template_frame(exc: BaseException, templates: Path) -> tuple[str | Path, int]:
    """The innermost template file and line in a Jinja2 traceback."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".j2", ".jinja")):
            return frame.filename, frame.lineno or 0
    return templates, 0
