"""yoloop tasks: the work, as plain typed functions with Prefect tasks over them."""

from tasks import runtime

runtime.configure()
