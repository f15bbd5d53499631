"""Every Prefect task of the flows, declared once: a plain function of tasks/ wrapped by `as_task`.

One module per part of the pipeline, so a stage's import closure (and so its dvc.yaml deps)
takes only the steps it runs: prepare, train (scratch and transfer, and the studies that
train), evaluate, mine, and the operations flows (DVC, labels taken back, the oracle rounds).
A flow module imports steps and tasks, never another flow.
"""


def retry_unless_bad_input(_task, _task_run, state) -> bool:
    """Retry a failed attempt unless it failed on bad input (an InputError: bad data, a lost tracking store),
    which a second attempt would meet again."""
    from tasks.core import InputError

    return not isinstance(state.data, InputError)


def as_task(fn, *, retries: int = 0):
    """A Prefect task over a plain function, named after it; DVC caches stage results, so Prefect does not."""
    from prefect import task
    from prefect.cache_policies import NO_CACHE

    name = fn.__name__.replace("_", "-")
    return task(fn, name=name, retries=retries, retry_condition_fn=retry_unless_bad_input, cache_policy=NO_CACHE)
