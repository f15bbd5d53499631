"""Operations: the Prefect stack and workers, zombie runs, DVC commands, MLflow tracking and the model
registry; for more than one machine, the shared S3 remote's check, runs in clones of their own, the
tracking server and the registry's promotion lock.

Imports core/.
"""
