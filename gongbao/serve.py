"""Serve: a small static server for site/ on 127.0.0.1, with the site's own 404 page."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

import click


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
                      ".json": "application/json", ".css": "text/css", ".html": "text/html; charset=utf-8"}

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:  # quieter than the default
        pass


def make_server(directory: Path, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Handler, directory=str(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve_forever(directory: Path, port: int) -> None:
    try:
        server = make_server(directory, port)
    except OSError as exc:
        raise click.ClickException(f"无法在 127.0.0.1:{port} 上启动服务（{exc.strerror}）；可用 --port 换一个端口") from None
    real_port = server.server_address[1]
    click.echo(f"网站已在 http://127.0.0.1:{real_port}/ 上提供（按 Ctrl+C 停止）")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("已停止")
    finally:
        server.server_close()
