"""Waiting, in a test, for a flow run to pause for its input."""

from __future__ import annotations

import time


def paused_run(flow_name: str, after, timeout_s: float = 120):
    """The first run of `flow_name` started after `after` that is Paused; fails after `timeout_s`."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStartTime

    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=after)))
            flow_id = _flow_id(client, flow_name)
            paused = [run for run in runs if run.flow_id == flow_id and run.state.is_paused()]
            if paused:
                return paused[0]
            time.sleep(1)
    raise AssertionError(f"no run of {flow_name} paused within {timeout_s} s")


def _flow_id(client, flow_name: str):
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

    try:
        return client.read_flow_by_name(flow_name).id
    except (ObjectNotFound, PrefectHTTPStatusError):  # the flow has not reported yet
        return None
