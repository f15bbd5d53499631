"""Training: fitting with Ultralytics, checkpoints and resume, the start of a transfer
(source, widened head, frozen layers), and the tracked training that publishes a model.

Imports core/ and ops/ (MLflow tracking and the registry).
"""
