"""yoloop flows: Prefect flows that wire the tasks into stages and operations (the CLI is cli/).

Every flow module is an entry point, and Prefect reads its settings when it is first
imported: the offline, private environment is set here, before any flow imports Prefect.
"""

from tasks.core import configure

configure()
