"""Waiting, in a test, for a flow run to pause for its input."""

from __future__ import annotations

from tasks.core import wait_for


def paused_run(flow_name: str, after, timeout_s: float = 120, not_state=None):
    """The first run of `flow_name` started after `after` that is Paused; fails after `timeout_s`.

    With `not_state` (the state id of an earlier pause), only a new pause counts: a run that was
    resumed and paused again, not one still showing the pause it was resumed from.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStartTime

    with get_client(sync_client=True) as client:

        def paused():
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=after)))
            flow_id = _flow_id(client, flow_name)
            found = [r for r in runs if r.flow_id == flow_id and r.state.is_paused() and r.state.id != not_state]
            return found[0] if found else None

        return wait_for(paused, timeout_s, f"a run of {flow_name} to pause", interval_s=1)


def _flow_id(client, flow_name: str):
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

    try:
        return client.read_flow_by_name(flow_name).id
    except (ObjectNotFound, PrefectHTTPStatusError):  # the flow has not reported yet
        return None
