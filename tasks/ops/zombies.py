"""Zombie flow runs: a run whose worker dies must not stay Running forever.

Flow runs started by the worker send a heartbeat event every `stack.HEARTBEAT_S`
seconds (PREFECT_FLOWS_HEARTBEAT_FREQUENCY in the deployments' environment). This
automation, Prefect's documented recipe, marks a run Crashed when neither another
heartbeat nor a final state follows one within `ZOMBIE_AFTER`.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

AUTOMATION_NAME = "yoloop: crash zombie flow runs"
ZOMBIE_AFTER = timedelta(seconds=90)  # three missed heartbeats at 30 s


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
            after={"prefect.flow-run.heartbeat"},
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
            within=ZOMBIE_AFTER,
        ),
        actions=[ChangeFlowRunState(state=StateType.CRASHED, message="No heartbeat: the worker or its machine died.")],
    )
    return str(automation.create().id)
