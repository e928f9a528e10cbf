"""Entry point: `python build.py …` is the same as the `gongbao` command."""

from gongbao.cli import main

if __name__ == "__main__":
    main()
