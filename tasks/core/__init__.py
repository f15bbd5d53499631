"""The ground every capability stands on: params and their schema, the project layout (paths),
errors, findings, YOLO label files and boxes, the model card, the prepared-dataset card, and the
process set-up (offline, private state).

Imports nothing else of `tasks`.
"""
