"""The `gongbao` command: init, build, check, serve, import, bundle."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from . import build as pipeline
from .config import Settings, default_as_of, load_settings
from .output import OutputFault, check_output
from .problems import ContentError, Problems
from .publish import WITHOUT_BASE_URL
from .search import SearchIndexError


def _as_of(value: str | None) -> dt.date:
    if value is None:
        return default_as_of()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} 不是 YYYY-MM-DD 格式的日期") from None


def _settings(project: Path, problems: Problems, output: Path | None = None) -> Settings:
    settings = load_settings(project, problems, output_dir=str(output) if output else None)
    if problems.errors:
        _report(problems, "配置有误，未构建")
        sys.exit(1)
    return settings


def _report(problems: Problems, failure: str | None) -> None:
    for p in problems.sorted():
        click.echo(str(p), err=True)
    if failure:
        n, w = len(problems.errors), len(problems.warnings)
        click.secho(f"{failure}：{n} 个错误" + (f"，{w} 个警告" if w else ""), fg="red", err=True)


project_option = click.option("--project", "-C", type=click.Path(file_okay=False, path_type=Path), default=".",
                              show_default=True, help="项目目录（含 content/、templates/ 和可选的 gongbao.yaml）")
as_of_option = click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
                            help="按此日期计算文件效力（默认今天；设置 SOURCE_DATE_EPOCH 亦可），用于可重现的构建")
strict_option = click.option("--strict", is_flag=True, help="有警告也视为失败")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gongbao")
def main() -> None:
    """gongbao：把 content/ 中的公报与公文（Markdown + YAML 前言）生成为静态网站。"""


def _run_build(project: Path, as_of: str | None, strict: bool, output: Path | None = None,
               explicit_index: bool = False) -> pipeline.BuildResult:
    problems = Problems(root=project.resolve())
    settings = _settings(project, problems)
    out = output or settings.output_path
    try:
        result = pipeline.build(settings, _as_of(as_of), problems, output=out, explicit_index=explicit_index)
    except ContentError:
        _report(problems, f"构建失败，{problems.show(out)}/ 保持原样")
        sys.exit(1)
    except SearchIndexError as exc:
        _report(problems, None)
        click.secho(f"构建失败：搜索索引未能生成（{exc}），{problems.show(out)}/ 保持原样", fg="red", err=True)
        sys.exit(1)
    except OutputFault as exc:
        _report(problems, None)
        click.secho(f"构建失败：{exc}；{problems.show(out)}/ 保持原样", fg="red", err=True)
        sys.exit(1)
    _report(problems, None)
    if strict and problems.warnings:
        click.secho(f"--strict：{len(problems.warnings)} 个警告视为失败（网站已生成）", fg="red", err=True)
        sys.exit(1)
    lib = result.library
    click.echo(f"已生成 {problems.show(result.output)}/：{len(lib.documents)} 件公文，"
               f"{len(lib.referenced)} 件被引用文件，{len(lib.gazettes)} 期公报，{result.pages} 个页面")
    return result


@main.command()
@project_option
@as_of_option
@strict_option
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="输出目录（默认 site/）")
def build(project: Path, as_of: str | None, strict: bool, output: Path | None) -> None:
    """构建网站到 site/（失败时原网站不变）。"""
    _run_build(project, as_of, strict, output)


@main.command()
@project_option
@as_of_option
@strict_option
def check(project: Path, as_of: str | None, strict: bool) -> None:
    """只检查内容，不生成网站。"""
    problems = Problems(root=project.resolve())
    settings = _settings(project, problems)
    check_output(settings, settings.output_path, problems)
    try:
        lib = pipeline.check(settings, _as_of(as_of), problems)
    except ContentError:
        _report(problems, "检查未通过")
        sys.exit(1)
    _report(problems, None)
    if strict and problems.warnings:
        click.secho(f"--strict：{len(problems.warnings)} 个警告视为失败", fg="red", err=True)
        sys.exit(1)
    click.echo(f"检查通过：{len(lib.documents)} 件公文，{len(lib.gazettes)} 期公报"
               + (f"，{len(problems.warnings)} 个警告" if problems.warnings else ""))
    if not settings.base_url:
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
    from .serve import Rebuilder, preview

    if no_build:
        preview(_settings(project, Problems(root=project.resolve())).output_path, port, bind, None)
        return
    output = _run_build(project, as_of, False).output
    preview(output, port, bind, Rebuilder(project, _as_of(as_of) if as_of else None, output))


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
def bundle(project: Path, as_of: str | None) -> None:
    """生成可离线浏览（含搜索）的网站压缩包，写入 dist/。"""
    from .bundle import make_bundle

    problems = Problems(root=project.resolve())
    settings = _settings(project, problems)
    try:
        path = make_bundle(settings, _as_of(as_of), problems)
    except ContentError:
        _report(problems, "打包失败")
        sys.exit(1)
    except SearchIndexError as exc:
        _report(problems, None)
        click.secho(f"打包失败：搜索索引未能生成（{exc}）", fg="red", err=True)
        sys.exit(1)
    except OutputFault as exc:
        _report(problems, None)
        click.secho(f"打包失败：{exc}", fg="red", err=True)
        sys.exit(1)
    _report(problems, None)
    size = path.stat().st_size
    click.echo(f"{problems.show(path)}  {size / 1024 / 1024:.1f} MB（{size} 字节）")


if __name__ == "__main__":
    main()
