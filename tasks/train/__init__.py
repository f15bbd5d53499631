"""Training: fitting with Ultralytics, checkpoints and resume, the start of a transfer (source,
widened head, frozen layers, the retrain schedule), and the tracked training that registers and
publishes a model, its MLflow run kept by a process beside the training.

Imports core/, ops/ (MLflow tracking and the registry) and evaluate/ (whether the champion knows the
dataset's classes, checked by that process).
"""
