"""Zombie flow runs: a run whose worker dies must not stay Running forever.

Every flow run of ours sends a heartbeat event every `HEARTBEAT_S` seconds: a worker's runs
(PREFECT_FLOWS_HEARTBEAT_FREQUENCY in the stack's environment) and the stages of `yoloop repro`
(`serving()` and `talking_to()` set it, tasks/core/prefect_server.py). This automation, Prefect's
documented recipe, marks a run Crashed when neither another heartbeat nor a final state follows
one (or the run's Running state, which the recipe does not watch) within `ZOMBIE_AFTER`.
`yoloop stack` and `yoloop repro` create it on their server.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from tasks.core.prefect_server import HEARTBEAT_S

AUTOMATION_NAME = "yoloop: crash zombie flow runs"
ZOMBIE_AFTER = timedelta(seconds=3 * HEARTBEAT_S)  # three missed heartbeats


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
            within=ZOMBIE_AFTER,
        ),
        actions=[ChangeFlowRunState(state=StateType.CRASHED, message="No heartbeat: the worker or its machine died.")],
    )
    return str(automation.create().id)
