"""The `yoloop` command line: one Typer app (cli/main.py), the table of contents of what a user can do.

Every entry point sets up the process first: the libraries read their settings (offline, private
state) from the environment when they are first imported. `python -m cli ...` runs the same app as
the `yoloop` console script.
"""

from tasks.core import configure

configure()
