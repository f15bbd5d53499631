"""Zombie flow runs: a run whose worker dies must not stay Running forever.

Every flow run of ours sends a heartbeat event every `HEARTBEAT_S` seconds: a worker's runs
(PREFECT_FLOWS_HEARTBEAT_FREQUENCY in the stack's environment) and the stages of `yoloop repro`
(`serving()` and `talking_to()` set it, tasks/orchestration/server.py). This automation, Prefect's
documented recipe, marks a run Crashed when neither another heartbeat nor a final state follows
one (or the run's Running state, which the recipe does not watch) within `zombie_after()`:
`ZOMBIE_AFTER`, three heartbeats, unless $YOLOOP_ZOMBIE_AFTER_S says otherwise (tests shorten it).
`yoloop stack` and `yoloop repro` create it on their server. A stage run alone, whose server dies
with it, sweeps the runs such a stage left Running instead (`crash_stale_runs`).
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from tasks.core import InputError
from tasks.orchestration.server import HEARTBEAT_S, heartbeat_s

AUTOMATION_NAME = "yoloop: crash zombie flow runs"
ZOMBIE_AFTER = timedelta(seconds=3 * HEARTBEAT_S)  # three missed heartbeats
ZOMBIE_AFTER_ENV = "YOLOOP_ZOMBIE_AFTER_S"


def zombie_after() -> timedelta:
    """How long a Running flow run may stay silent before it counts as dead: $YOLOOP_ZOMBIE_AFTER_S, else
    `ZOMBIE_AFTER`. It must exceed one heartbeat interval, or live runs would be taken for dead ones."""
    text = os.environ.get(ZOMBIE_AFTER_ENV)
    if not text:
        return ZOMBIE_AFTER
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if seconds <= heartbeat_s():
        raise InputError([f"{ZOMBIE_AFTER_ENV}={text}: must be seconds above the heartbeat interval ({heartbeat_s()})"])
    return timedelta(seconds=seconds)


def ensure_zombie_automation() -> str:
    """Create the automation on the server of PREFECT_API_URL, replacing an older copy; return its id."""
    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    with contextlib.suppress(ValueError):  # ValueError: none yet
        Automation.read(name=AUTOMATION_NAME).delete()
    automation = Automation(
        name=AUTOMATION_NAME,
        trigger=EventTrigger(
            # Armed by the Running state too (the server emits it as it sets the state): a stage killed
            # before its first heartbeat reached the server is crashed as well, not left Running.
            after={"prefect.flow-run.heartbeat", "prefect.flow-run.Running"},
            expect={
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=zombie_after(),
        ),
        actions=[ChangeFlowRunState(state=StateType.CRASHED, message="No heartbeat: the worker or its machine died.")],
    )
    return str(automation.create().id)


def heartbeat_filter(flow_run_id: Any, since: datetime | None = None) -> Any:
    """The events API filter for the heartbeats of one flow run (since a time, or Prefect's default window)."""
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter

    occurred = {"occurred": EventOccurredFilter(since=since)} if since else {}
    return EventFilter(
        event=EventNameFilter(name=["prefect.flow-run.heartbeat"]),
        resource=EventResourceFilter(id=[f"prefect.flow-run.{flow_run_id}"]),
        **occurred,
    )


def last_sign_of_life(client: Any, run: Any) -> datetime:
    """When the run last said it was alive: its newest stored heartbeat, or the time it turned Running."""
    since = run.state.timestamp
    newest = client.read_events(filter=heartbeat_filter(run.id, since), limit=1).events  # newest first
    return max([since, *(event.occurred for event in newest)])


def crash_stale_runs() -> list[str]:
    """Mark Crashed the flow runs of the server of PREFECT_API_URL that are Running with no sign of life for
    `zombie_after()` (the automation's rule, applied once); their ids.

    A stage run alone reports to a server it started itself, which dies with it: a killed stage's run
    stays Running in that server's database, and no automation was running to see its heartbeats stop.
    The next stage run alone sweeps such runs when its own server is up (tasks/orchestration/stage_entry.py).
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    running = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING])))
    crashed, window = [], zombie_after()
    with get_client(sync_client=True) as client:
        for run in client.read_flow_runs(flow_run_filter=running):
            silent = datetime.now(UTC) - last_sign_of_life(client, run)
            if silent > window:
                message = f"No heartbeat for {silent.total_seconds():.0f} s: the stage's process died."
                client.set_flow_run_state(run.id, Crashed(message=message), force=True)
                crashed.append(str(run.id))
    return crashed
