"""The `gongbao` command: init, build, check, serve, import, bundle, new."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import build as pipeline
from .cache import CACHE_DIR
from .config import SETTINGS_FILE, Settings, default_as_of, load_settings
from .output import OutputFault, check_output
from .problems import ContentError, Problems
from .publish import WITHOUT_BASE_URL
from .report import Report
from .search.parallel import settle_gc

if TYPE_CHECKING:
    from .newfile import NewFile
from .search import SearchIndexError


def _as_of(value: str | None) -> dt.date:
    if value is None:
        return default_as_of()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} 不是 YYYY-MM-DD 格式的日期") from None


def _settings(project: Path, problems: Problems, report: Report) -> Settings:
    settings = load_settings(project, problems)
    if problems.errors:
        report.fail(problems, "配置有误，未构建")
    return settings


project_option = click.option("--project", "-C", type=click.Path(file_okay=False, path_type=Path), default=".",
                              show_default=True, help="项目目录（含 content/、templates/ 和可选的 gongbao.yaml）")
as_of_option = click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
                            help="按此日期计算文件效力（默认今天；设置 SOURCE_DATE_EPOCH 亦可），用于可重现的构建")
strict_option = click.option("--strict", is_flag=True, help="有警告也视为失败（不写入任何文件）")


def report_options(command: Callable[..., None]) -> Callable[..., None]:
    """--quiet and --verbose: what the command's Report prints."""
    command = click.option("--verbose", "-v", is_flag=True, help="另列各阶段做了什么、沿用了多少")(command)
    return click.option("--quiet", "-q", is_flag=True, help="只输出问题和失败")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gongbao")
def main() -> None:
    """gongbao：把 content/ 中的公报与公文（Markdown + YAML 前言）生成为静态网站。"""
    # numpy's OpenBLAS would start a thread per core beyond the first in each process that imports it (the build's
    # and its workers), idle or spinning beside the build's work (1-2 % of a build's CPU time in a profile of the
    # corpus): gongbao does no linear algebra. Set before numpy is imported, and inherited by the workers.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    settle_gc()


def _run_build(project: Path, as_of: str | None, strict: bool, output: Path | None = None,
               report: Report | None = None, cache: bool = True,
               builder: pipeline.Builder | None = None) -> pipeline.BuildResult:
    report = report or Report()  # made now: it times the command from its start
    problems = Problems(root=project.resolve())
    settings = _settings(project, problems, report)
    out = output or settings.output_path
    builder = builder or pipeline.Builder(project / CACHE_DIR if cache else None, report.display(), once=True)
    try:
        result = builder.build(settings, _as_of(as_of), problems, output=out, strict=strict)
    except ContentError:
        report.fail(problems, f"构建失败，{problems.show(out)}/ 保持原样")
    except SearchIndexError as exc:
        report.fail(problems, f"构建失败：搜索索引未能生成（{exc}），{problems.show(out)}/ 保持原样")
    except OutputFault as exc:
        report.fail(problems, f"构建失败：{exc}；{problems.show(out)}/ 保持原样")
    lib = result.library
    report.succeed(problems, f"已生成 {problems.show(result.output)}/：{len(lib.documents)} 件公文，"
                             f"{len(lib.referenced)} 件被引用文件，{len(lib.gazettes)} 期公报，{result.pages} 个页面",
                   result.stats)
    return result


@main.command()
@project_option
@as_of_option
@strict_option
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="输出目录（默认 site/）")
@click.option("--no-cache", is_flag=True, help=f"不读也不写 {CACHE_DIR}/，从头完整构建")
@report_options
def build(project: Path, as_of: str | None, strict: bool, output: Path | None, no_cache: bool, quiet: bool,
          verbose: bool) -> None:
    """构建网站到 site/（失败时原网站不变）。

    上次构建的结果保存在项目的 .gongbao-cache/ 中（可随时删除）：只有改动涉及的页面才重新生成。
    """
    _run_build(project, as_of, strict, output, Report(quiet, verbose), cache=not no_cache)


@main.command()
@project_option
@as_of_option
@strict_option
@report_options
def check(project: Path, as_of: str | None, strict: bool, quiet: bool, verbose: bool) -> None:
    """只检查内容，不生成网站。"""
    report = Report(quiet, verbose)
    problems = Problems(root=project.resolve())
    settings = _settings(project, problems, report)
    check_output(settings, settings.output_path, problems)
    try:
        checked = pipeline.Builder(project / CACHE_DIR, report.display()).check(settings, _as_of(as_of), problems,
                                                                                 strict)
    except ContentError:
        report.fail(problems, "检查未通过")
    lib = checked.library
    report.succeed(problems, f"检查通过：{len(lib.documents)} 件公文，{len(lib.gazettes)} 期公报"
                             + (f"，{len(problems.warnings)} 个警告" if problems.warnings else ""), checked.stats)
    if not settings.base_url and not report.quiet:
        click.echo(WITHOUT_BASE_URL)


@main.command()
@project_option
@as_of_option
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True, help="端口（0 表示任选空闲端口）")
@click.option("--bind", default="127.0.0.1", show_default=True, metavar="ADDR",
              help="监听地址；如 0.0.0.0 可让局域网内的其他电脑预览（仍只供预览）")
@click.option("--no-build", is_flag=True, help="不构建、不监视改动，直接提供现有的 site/")
def serve(project: Path, as_of: str | None, port: int, bind: str, no_build: bool) -> None:
    """构建后在 http://127.0.0.1:PORT/ 预览网站，保存改动后自动重新构建并刷新已打开的页面。

    只供预览：正式发布请把生成的 site/ 交给 nginx、IIS 等正式的网页服务器。
    """
    from .serve import Rebuilder, Watcher, preview, sources

    if no_build:
        preview(_settings(project, Problems(root=project.resolve()), Report()).output_path, port, bind, None)
        return
    # Watching starts before the first build, as hugo server's does: a save made while it runs is rebuilt
    # right after it, and one made just after the address is shown is never missed.
    watcher = Watcher(project) if (project / SETTINGS_FILE).is_file() else None  # else the build says what is amiss
    try:
        if watcher is not None:
            watcher.follow(sources(project))
        # The rebuilds keep this build's builder: a new one would read the whole cache again at the first save.
        report = Report()
        builder = pipeline.Builder(project / CACHE_DIR, report.display())
        output = _run_build(project, as_of, False, report=report, builder=builder).output
    except BaseException:
        if watcher is not None:
            watcher.close()
        raise
    builder.display = pipeline.Silent()  # the terminal shows each rebuild as one line, not as progress bars
    preview(output, port, bind, Rebuilder(project, _as_of(as_of) if as_of else None, output, builder), watcher)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="刊名，如 青禾县人民政府公报")
@click.option("--organ", help="主办单位，如 青禾县人民政府办公室")
def init(directory: Path, title: str | None, organ: str | None) -> None:
    """新建公报网站：gongbao.yaml、content/（含一期示例公报和一件示例公文）和 .gitignore。不覆盖已有项目。"""
    from .scaffold import InitError, check_target, init_site, next_steps

    try:
        check_target(directory)
        site = init_site(directory, _ask(title, "--title", "刊名（如 青禾县人民政府公报）"),
                         _ask(organ, "--organ", "主办单位（如 青禾县人民政府办公室）"), default_as_of())
    except InitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已新建站点“{site.title}”：{directory}/ 中的 {'、'.join(site.files)}")
    click.echo(next_steps(site))


def _ask(value: str | None, option: str, prompt: str) -> str:
    """An option's value, asked for on a terminal; a script without it is refused rather than left waiting."""
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise click.ClickException(f"缺少 {option}：{prompt}。不在终端上运行时须在命令行给出")
    return str(click.prompt(prompt))


@main.command(name="import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="写入内容文件的目录（如 content/）")
@click.option("--force", is_flag=True, help="覆盖内容不同的已有文件（会丢失对它们的人工修改）")
def import_(source: Path, out_dir: Path, force: bool) -> None:
    """把一期公报的提取文本（SOURCE.txt）转换为内容文件，并列出需人工核对之处。

    已有文件若内容不同（例如已人工校对过），默认不覆盖，只列出来。源文本不是一期公报、
    或缺少必需的内容时，列出全部错误，不写入任何文件，退出码为 1。
    """
    from .importer import ImportRefused, import_into

    try:
        result = import_into(source, out_dir, force=force)
    except ImportRefused as refused:
        for error in refused.errors:
            click.echo(f"{source}:{error.line}: {error.code} {error.message}" if error.line
                       else f"{source}: {error.code} {error.message}", err=True)
        click.secho(f"导入失败：{len(refused.errors)} 个错误，未写入任何文件", fg="red", err=True)
        sys.exit(1)
    for note in result.review:
        click.echo(f"{source}:{note.line}: {note.code} {note.message}")
    for target in result.kept:
        click.echo(f"{target}: 已存在且内容不同，未覆盖（可能含人工校对；确需覆盖请加 --force）", err=True)
    click.echo(f"已写入 {len(result.written)} 个文件到 {out_dir}/；需人工核对 {len(result.review)} 处"
               + (f"；{len(result.kept)} 个文件未覆盖" if result.kept else "")
               + f"；源文本按 {result.encoding} 解码")


@main.command()
@project_option
@as_of_option
@strict_option
@report_options
def bundle(project: Path, as_of: str | None, strict: bool, quiet: bool, verbose: bool) -> None:
    """生成可离线浏览（含搜索）的网站压缩包，写入 dist/。"""
    report = Report(quiet, verbose)
    from .bundle import make_bundle

    problems = Problems(root=project.resolve())
    settings = _settings(project, problems, report)
    try:
        path = make_bundle(settings, _as_of(as_of), problems, strict=strict)
    except ContentError:
        report.fail(problems, "打包失败")
    except SearchIndexError as exc:
        report.fail(problems, f"打包失败：搜索索引未能生成（{exc}）")
    except OutputFault as exc:
        report.fail(problems, f"打包失败：{exc}")
    size = path.stat().st_size
    report.succeed(problems, f"{problems.show(path)}  {size / 1024 / 1024:.1f} MB（{size} 字节）")


@main.group()
def new() -> None:
    """新建一件公文或一期公报的内容文件：前言按给出的值填好并经过检查，放在导入时会放的位置，不覆盖已有文件。"""


def _write_new(settings: Settings, made: NewFile | None, as_of: dt.date, problems: Problems, strict: bool,
               report: Report) -> None:
    """Check the new file against the content; write it only when it brings no error (nor, with --strict, warning)."""
    from .newfile import check_new, write_new

    if made is not None:
        check_new(settings, made, as_of, problems)
    where = problems.show(made.path) if made else problems.show(settings.content_path)
    if made is None or problems.errors or (strict and problems.warnings):
        report.fail(problems, f"未写入 {where}")
    try:
        write_new(made)
    except FileExistsError:
        problems.error(made.path, 0, "E080", "文件已存在；gongbao new 不覆盖已有文件")
        report.fail(problems, f"未写入 {where}")
    report.succeed(problems, f"已写入 {where}")


def _date(value: str | None) -> dt.date:
    return _as_of(value) if value else dt.date.today()


@new.command("document")
@project_option
@as_of_option
@click.option("--title", required=True, help="标题")
@click.option("--doc-number", help="文号，如 武隆府发〔2024〕9号")
@click.option("--issuer", "issuers", multiple=True, required=True, help="发文机关（联合发文时重复此项）")
@click.option("--doc-type", required=True, help="文种：通告、决定、通知……")
@click.option("--signed", metavar="YYYY-MM-DD", help="成文日期（默认今天）")
@click.option("--gazette", metavar="ID", help="刊登的公报期号，如 2024-02（文件放在 content/documents/ID/ 下）")
@click.option("--page", type=int, help="在该期中的起始页码")
@click.option("--section", help="在该期中的栏目")
@click.option("--slug", help="网址（没有文号时必须给出）")
@click.option("--disclosure", help="公开属性，如 此件公开发布")
@strict_option
@report_options
def new_document(project: Path, as_of: str | None, title: str, doc_number: str | None, issuers: tuple[str, ...], doc_type: str,
                 signed: str | None, gazette: str | None, page: int | None, section: str | None, slug: str | None,
                 disclosure: str | None, strict: bool, quiet: bool, verbose: bool) -> None:
    """新建一件公文：content/documents/[期号/]NN-网址.md。"""
    from .newfile import NewDocument, document_file

    report = Report(quiet, verbose)
    problems = Problems(root=project.resolve())
    settings = _settings(project, problems, report)
    document = NewDocument(title, doc_number, issuers, doc_type, _date(signed), gazette, page, section, slug,
                           disclosure)
    _write_new(settings, document_file(settings, document, problems), _as_of(as_of), problems, strict, report)


@new.command("gazette")
@project_option
@as_of_option
@click.argument("issue", metavar="YEAR-NN")
@click.option("--published", metavar="YYYY-MM-DD", help="出版日期（默认今天）")
@click.option("--total-number", type=int, help="总期号（默认：上一期的总期号加一，若上一期紧接在前）")
@click.option("--section", "sections", multiple=True, help="栏目，按印刷顺序重复此项（默认沿用上一期的栏目）")
@strict_option
@report_options
def new_gazette(project: Path, as_of: str | None, issue: str, published: str | None, total_number: int | None, sections: tuple[str, ...],
                strict: bool, quiet: bool, verbose: bool) -> None:
    """新建一期公报：content/gazettes/YEAR-NN.md。"""
    from .newfile import gazette_file

    report = Report(quiet, verbose)
    problems = Problems(root=project.resolve())
    settings = _settings(project, problems, report)
    made = gazette_file(settings, issue, _date(published), total_number, sections, problems)
    _write_new(settings, made, _as_of(as_of), problems, strict, report)


if __name__ == "__main__":
    main()
