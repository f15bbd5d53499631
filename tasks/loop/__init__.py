"""The active-learning loop with an oracle in place of people: rounds, arms (strategies), repeats, and the
statistics of their learning curves; and the loop page (reports/loop), the loop's history on one page.

Imports core/, train/, evaluate/, mine/ and tracking/ (MLflow, whose runs and registry the loop page shows).
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "arms": ["choosers_by_repeat", "prepared_repeats", "run_repeats"],
        "efficiency": ["write_efficiency_report"],
        "loop_page": ["write_loop_page"],
        "rounds": ["LoopPlan"],
    },
)
