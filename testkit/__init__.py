"""What the tests and the benchmarks share: this checkout's commands in subprocesses, params profiles,
the real datasets, and polling with a deadline. Neither tests/ nor benchmarks/ imports the other.

Importing it configures nothing; the entry points (tests/conftest.py, benchmarks/common.py) do.
"""
