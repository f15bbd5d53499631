"""Prefect: the server (one per run, or the stack's), the local stack and its N GPU workers, zombie
runs, the entry every stage shares (`python -m flows.<stage>`), and the human pause of a labelling round.

Imports core/, tracking/ (the stack's MLflow UI and store), versioning/ (what the clone deployments clone)
and labelling/ (Label Studio beside the stack).
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "labelling_pause": ["LabelsReady", "WEEK_S", "wait_for_labels"],
        "server": [
            "API_URL_ENV",
            "HEARTBEAT_ENV",
            "HEARTBEAT_S",
            "heartbeat_s",
            "serving",
            "start_server",
            "talking_to",
        ],
        "stack": ["Stack", "deploy", "run_stack", "stack_env", "start_worker"],
        "stage_entry": ["run_stage", "stage_main"],
        "workers": ["WORK_POOL", "start_gpu_workers"],
        "zombies": [
            "ZOMBIE_AFTER",
            "ZOMBIE_AFTER_ENV",
            "crash_stale_runs",
            "ensure_zombie_automation",
            "heartbeat_filter",
            "zombie_after",
        ],
    },
)
