"""Is the model good, and better than production? Validation, per-image statistics, the
bootstrap comparison with the champion, promotion, speed, exports and int8, forgetting, the report.

Imports core/ and ops/.
"""
