"""`yoloop` commands for more than one machine: check the shared remote, fetch results that runs pushed."""

from __future__ import annotations

import argparse

from flows.stage import project_root


def _remote_check(_options: argparse.Namespace) -> int:
    """The default DVC remote answers and accepts the credentials (what every clone run checks first)."""
    from tasks.ops.s3 import check_remote

    print(check_remote(project_root()))
    return 0


def _results_pull(options: argparse.Namespace) -> int:
    """Fetch the result branches that runs pushed; with a name, switch to it and `dvc pull` its outputs."""
    from tasks.ops.workspace_clone import checkout_result, fetch_results

    names = fetch_results(project_root(), options.origin)
    if not options.name:
        print("\n".join(names) if names else f"no results on {options.origin} yet")
        return 0
    print(checkout_result(project_root(), options.name, options.origin))
    return 0


def add_cluster_commands(commands: argparse._SubParsersAction) -> None:
    remote = commands.add_parser("remote", help="the shared DVC remote")
    remote_actions = remote.add_subparsers(dest="action", required=True)
    check = remote_actions.add_parser("check", help="check that the default remote answers and takes the credentials")
    check.set_defaults(handler=_remote_check)
    results = commands.add_parser("results", help="results that deployments pushed as branches")
    results_actions = results.add_subparsers(dest="action", required=True)
    pull = results_actions.add_parser("pull", help="fetch result branches; NAME: switch to it and dvc pull")
    pull.add_argument("name", nargs="?", help="a run's result, as listed (e.g. yoloop/runs/<run>)")
    pull.add_argument("--origin", default="origin", help="the git remote the runs pushed to")
    pull.set_defaults(handler=_results_pull)
