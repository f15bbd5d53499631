"""Operations: the Prefect stack and workers, zombie runs, DVC commands, MLflow tracking and
the model registry.

Imports core/.
"""
