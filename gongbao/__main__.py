"""The `gongbao` command's entry: Ctrl+C and command-line mistakes end in one Chinese line, never a traceback."""

from __future__ import annotations

import os
import sys
import threading

#: The shell's exit status for a program ended by Ctrl+C (128 + SIGINT).
INTERRUPTED = 130


def run() -> None:
    """Run the command line; used by the `gongbao` script, `python -m gongbao` and build.py."""
    try:
        code = _run()
    except KeyboardInterrupt:
        # Ctrl+C may come while the heavy imports load, before click could catch it.
        print("\n已中断", file=sys.stderr)
        sys.exit(INTERRUPTED)
    _leave(code)


def _leave(code: int) -> None:
    """End the process once the command is done. Python's own exit frees every object the command made, one by one
    (0.1-0.15 s after a build of the corpus that changed one document: a tenth of the time an editor waits); nothing
    needs it once the output is flushed and no other thread runs (every file gongbao writes is closed by then, its
    processes ended). Otherwise, or when the output cannot be flushed, Python exits as usual."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe, a closed stream: let Python report it as it would
        sys.exit(code)
    if threading.active_count() == 1:
        os._exit(code)
    sys.exit(code)


def _run() -> int:
    import click

    from .cli import main
    from .usage import explain

    try:
        code = main.main(standalone_mode=False)
    except click.Abort as abort:
        # click.prompt turns Ctrl+C into Abort `from None`, which still keeps it as the context.
        if isinstance(abort.__context__, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        click.echo("\n已取消", err=True)  # end of input at a question
        return 1
    except click.UsageError as error:
        # Without arguments click answers with the help text, as an error (click ≥ 8.2).
        if error.ctx is not None and error.message == error.ctx.get_help():
            click.echo(error.message, err=True)
        else:
            click.echo(explain(error), err=True)
        return error.exit_code
    except click.ClickException as error:
        click.echo(f"错误：{error.format_message()}", err=True)
        return error.exit_code
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    run()
