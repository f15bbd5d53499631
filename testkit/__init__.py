"""What the tests and the benchmarks share: this checkout's commands in subprocesses, params profiles,
the real datasets, and Prefect's flow runs. Neither tests/ nor benchmarks/ imports the other. Waiting for a
state is tasks/core's `wait_for`, the one polling helper of the project.

Importing it configures nothing; the entry points (tests/conftest.py, benchmarks/common.py) do.
"""
