"""The preview: serve site/ until Ctrl+C, rebuild on save, and keep the open pages up to date."""

from __future__ import annotations

import ipaddress
import signal
import threading
from pathlib import Path

import click

from ..problems import Problems
from .live import LiveState
from .server import make_server
from .watch import BuildOutcome, IndexFollower, Rebuilder, Watcher, keep_building, sources

__all__ = ["Rebuilder", "Watcher", "announce", "make_server", "preview", "sources"]


def preview(output: Path, port: int, bind: str, rebuilder: Rebuilder | None, watcher: Watcher | None = None) -> None:
    """Serve `output`; with a rebuilder, also rebuild after each save and reload the open pages. `watcher`, if
    given, was started before the first build, so that a save made while it ran is rebuilt now."""
    live = LiveState(output) if rebuilder else None
    try:
        server = make_server(output, port, bind, live)
    except OSError as exc:
        raise click.ClickException(f"无法在 {bind}:{port} 上启动服务（{exc.strerror or exc}）；"
                                   "可用 --port 换一个端口") from None
    host = f"[{bind}]" if ":" in bind else bind
    click.echo(f"网站已在 http://{host}:{server.server_address[1]}/ 上提供（按 Ctrl+C 停止）")
    if not output.is_dir():
        server.tell_not_built()
    if not _loopback(bind):
        click.secho("注意：这是预览服务器，只供在局域网内预览，不可用于正式发布；"
                    "正式发布请用 nginx 等网页服务器提供生成的 site/。", fg="yellow", err=True)
    worker = index = None
    if rebuilder is not None and live is not None:
        watcher = watcher or Watcher(rebuilder.project)
        index = IndexFollower(rebuilder, lambda outcome: _publish(live, outcome))
        worker = threading.Thread(target=keep_building, name="gongbao-rebuild", daemon=True,
                                  args=(rebuilder, watcher, lambda outcome: _publish(live, outcome),
                                        lambda changed: announce(rebuilder.project, changed), index))
        worker.start()
        click.echo("保存 content/、模板或 gongbao.yaml 的改动后，网站会重新构建，打开的页面会自动刷新")
    # `kill` (a service manager, a test) stops it as Ctrl+C does: a rebuild under way may finish first.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if watcher is not None and worker is not None and index is not None:
            watcher.close()
            worker.join()  # a rebuild under way finishes, so that no staging folder is left behind
            index.close(lambda: click.echo("正在完成搜索索引（再按 Ctrl+C 立即停止）…"))
        server.server_close()
        click.echo("已停止")


def announce(project: Path, changed: set[Path]) -> None:
    """Name the saved files; an editor's temporary files (`sed -i`'s sedXXXXXX) are gone by now and are not."""
    kept = sorted(path for path in changed if path.exists()) or sorted(changed)  # only deletions: name those
    first = Problems(root=project).show(kept[0])
    more = f" 等 {len(kept)} 个文件" if len(kept) > 1 else ""
    click.echo(f"{first}{more} 有改动，重新构建…")


def _publish(live: LiveState, outcome: BuildOutcome) -> None:
    *problems, summary = outcome.lines
    for line in problems:
        click.echo(line, err=True)
    click.secho(summary, fg="red" if outcome.failed else None, err=outcome.failed)
    if outcome.failed:
        live.publish(tuple(problems), summary)
    else:
        live.publish((), "")


def _loopback(bind: str) -> bool:
    try:
        return ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return bind == "localhost"
