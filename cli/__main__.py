"""`python -m cli ...`: the `yoloop` command, with this interpreter."""

from cli.main import main

main()
