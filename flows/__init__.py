"""yoloop flows: Prefect flows that wire the tasks into stages, plus the CLI."""

import tasks  # noqa: F401  (configures the offline, private environment first)
