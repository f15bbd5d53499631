"""The ground every capability stands on: params and their schema, paths, errors, findings,
YOLO label files, the prepared-dataset card, and the process set-up (offline, private state).

Imports nothing else of `tasks`.
"""
