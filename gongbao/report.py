"""Report: how every command shows its problems, its progress and its outcome, the same way for all of them."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

import click

from .build import BuildStats, Display, Silent
from .problems import Problems

T = TypeVar("T")

STRICT = "（--strict：警告视为错误）"


@dataclass(frozen=True, slots=True)
class Report:
    """What a command prints: every problem (stderr), then either a failure line and exit status 1, or its
    summary and timings (stdout). `quiet`: problems and failures only; `verbose`: what each stage did too."""

    quiet: bool = False
    verbose: bool = False
    started: float = field(default_factory=time.perf_counter)

    def problems(self, problems: Problems) -> None:
        if not self.quiet and sys.stderr.isatty():
            Terminal.erase()  # the progress line, before anything else is printed
        for p in problems.sorted():
            click.echo(str(p), err=True)

    def fail(self, problems: Problems, failure: str) -> NoReturn:
        """Every problem, then what failed with the counts (warnings alone fail only under --strict)."""
        self.problems(problems)
        n, w = len(problems.errors), len(problems.warnings)
        click.secho(f"{failure}{'' if n else STRICT}：{n} 个错误" + (f"，{w} 个警告" if w else ""),
                    fg="red", err=True)
        sys.exit(1)

    def succeed(self, problems: Problems, summary: str, stats: BuildStats | None = None) -> None:
        """Every problem (warnings), then the summary and, after a build or check, its timings."""
        self.problems(problems)
        if self.quiet:
            return
        click.echo(summary)
        if stats is not None:
            if self.verbose:
                for line in details(stats):
                    click.echo(line)
            click.echo(timings(stats, time.perf_counter() - self.started))

    def display(self) -> Display:
        """Progress on a terminal; nothing when the output goes to a file or a pipe, or when quiet."""
        return Terminal() if not self.quiet and sys.stderr.isatty() else Silent()


def seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def timings(stats: BuildStats, total: float) -> str:
    """读取 0.9 s · 关系 0.1 s · 渲染 5.2 s · 索引 18 s · 写入 1.2 s · 共 26 s"""
    return " · ".join([f"{stage} {seconds(spent)}" for stage, spent in stats.seconds] + [f"共 {seconds(total)}"])


_INDEX = {"built": "已重建", "kept": "搜索记录未变，沿用上次的索引", "deferred": "页面已更新，索引随后更新"}


def details(stats: BuildStats) -> list[str]:
    """What each stage did, and how much it took from earlier builds (--verbose)."""
    lines = [f"读取：{stats.files} 个文件，重新解析 {stats.files_parsed} 个"]
    if stats.index:
        lines += [f"渲染：正文 {stats.bodies} 篇，重新渲染 {stats.bodies_rendered} 篇；"
                  f"重新渲染页面 {stats.pages_rendered} 个",
                  f"索引：{_INDEX[stats.index]}"]
    return lines


class Terminal:
    """The stage under way on one line of the terminal (stderr), with a bar for a long one; erased when done."""

    BAR = 24
    #: Redraw at most this often: drawing costs more than rendering a page that was kept.
    EVERY = 0.1

    def stage(self, name: str) -> None:
        self._line(f"{name}…")

    def bar(self, label: str, items: Sequence[T]) -> Iterable[T]:
        return self._bar(label, items)

    def _bar(self, label: str, items: Sequence[T]) -> Iterator[T]:
        drawn = 0.0
        for n, item in enumerate(items):
            if time.monotonic() - drawn >= self.EVERY:
                done = self.BAR * n // max(len(items), 1)
                self._line(f"{label} [{'#' * done}{'-' * (self.BAR - done)}] {n}/{len(items)}")
                drawn = time.monotonic()
            yield item
        self.erase()

    @staticmethod
    def _line(text: str) -> None:
        click.echo(f"\r\033[K{text}", err=True, nl=False)

    @staticmethod
    def erase() -> None:
        Terminal._line("")
