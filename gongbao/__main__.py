"""`python -m gongbao …` is the same as the `gongbao` command."""

from .cli import main

main()
