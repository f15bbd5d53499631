"""Operations: the Prefect stack and workers, zombie runs, the labelling pause, DVC commands,
MLflow tracking and the model registry, and the import closure of a stage (for dvc.yaml's deps).

Imports core/.
"""
