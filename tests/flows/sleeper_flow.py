"""A flow that only waits: the stand-in for a long training run in the zombie test."""

import time

from prefect import flow


@flow(name="sleeper")
def sleeper(seconds: int = 900) -> None:
    time.sleep(seconds)
