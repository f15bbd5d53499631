"""CLI wiring for `yoloop report [--open]`: rewrite reports/loop/index.html (tasks/loop/loop_page.py)."""

from __future__ import annotations

import argparse


def _report(options: argparse.Namespace) -> int:
    from flows.stage import project_root
    from tasks.core.params import load_params
    from tasks.core.paths import Layout
    from tasks.loop.loop_page import write_loop_page

    page = write_loop_page(load_params(options.params), Layout(project_root())).resolve()
    print(page)
    if options.open:
        import webbrowser

        webbrowser.open(page.as_uri())
    return 0


def add_report_command(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="write the loop page reports/loop/index.html and print its path")
    report.add_argument("--params", default="params.yaml")
    report.add_argument("--open", action="store_true", help="open it in the default browser too")
    report.set_defaults(handler=_report)
