"""yoloop tasks: the work, one subpackage per capability, as plain typed functions.

Importing `tasks` does nothing: the entry points (flows, the CLI, benchmarks, the tests)
call `tasks.core.runtime.configure()` before the libraries that read the environment.
"""
