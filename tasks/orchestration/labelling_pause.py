"""The human pause of the active-learning loop: wait until the labellers say where the labels are.

The flow run pauses (the Prefect UI shows a form with one field, the folder); a person
resumes it with the folder of corrected labels. A folder that does not exist is refused
with a message in the run's log and the run pauses again, so a typo loses nothing.
"""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput

WEEK_S = 7 * 24 * 3600  # how long a labelling round waits for its labels by default


class LabelsReady(RunInput):
    """Where the corrected labels of this round's batch are (a folder on the worker's machine)."""

    labels_dir: str


def wait_for_labels(batch_dir: Path, timeout_s: int = WEEK_S, poll_s: int = 5) -> Path:
    """Pause until a person names an existing folder of returned labels; return it."""
    logger = get_run_logger()
    logger.info(f"batch to label: {batch_dir}; resume this run with the folder of corrected labels")
    while True:
        answer = pause_flow_run(
            wait_for_input=LabelsReady.with_initial_data(
                description=f"Label the images of {batch_dir}, then give the folder of the returned labels.",
                labels_dir=str(batch_dir / "labels"),
            ),
            timeout=timeout_s,
            poll_interval=poll_s,
        )
        folder = Path(answer.labels_dir).expanduser()
        if folder.is_dir():
            return folder
        logger.error(f"{folder}: no such folder; the run pauses again for the right one")
