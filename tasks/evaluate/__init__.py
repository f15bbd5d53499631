"""Is the model good, and better than production? Validation, per-image statistics, scoring
(speed, size, exports and int8, forgetting), the bootstrap comparison with the champion, the
verdict and promotion, the evaluated model's registered version, the champion's classes, the
report and the MLflow log.

Imports core/ and ops/ (MLflow tracking and the registry).
"""
