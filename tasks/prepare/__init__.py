"""The prepared dataset: merging imported sets by class name, the built-in generator, the label
rounds taken back from labellers, and the prepare stage's summary.

Imports core/ and data/.
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "builtin": ["generate_builtin"],
        "from_imports": ["prepare_from_datasets"],
        "label_rounds": ["add_label_rounds"],
        "summary": ["write_prepare_summary"],
    },
)
