"""Training: fitting with Ultralytics, checkpoints and resume, the start of a transfer (source,
widened head, frozen layers, the retrain schedule), and the tracked training that registers and
publishes a model.

Imports core/ and ops/ (MLflow tracking and the registry).
"""
