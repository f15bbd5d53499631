"""Flow runs on the Prefect server of this process's settings: which exist, their state, their heartbeats."""

from __future__ import annotations

from uuid import UUID


def flow_run_ids(flow_name: str) -> set[UUID]:
    """Every flow run of the flow named `flow_name`."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    wanted = FlowFilter(name=FlowFilterName(any_=[flow_name]))
    with get_client(sync_client=True) as client:
        return {run.id for run in client.read_flow_runs(flow_filter=wanted, limit=200)}


def flow_run_state(flow_run_id: UUID) -> str:
    """The run's state type: RUNNING, CRASHED, COMPLETED, ..."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id).state.type.value


def heartbeats(flow_run_id: UUID) -> int:
    """How many heartbeat events of the flow run the server has stored."""
    from prefect.client.orchestration import get_client

    from tasks.orchestration import heartbeat_filter

    with get_client(sync_client=True) as client:
        return client.read_events(filter=heartbeat_filter(flow_run_id), limit=1).total
