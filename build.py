"""Entry point: `python build.py …` is the same as the `gongbao` command."""

from gongbao.__main__ import run

if __name__ == "__main__":
    run()
