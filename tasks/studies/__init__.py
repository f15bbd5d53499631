"""Studies outside `dvc repro`: the economics of scratch against transfer (the four experiments,
their figures and the report), architectures side by side, and which layers to fine-tune (the transfer
stage's three strategies on nested shares of the train split).

Imports core/, train/ and evaluate/.
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "architectures": ["compare_architectures", "write_comparison"],
        "economics": [
            "economics_study",
            "experiment_metrics",
            "measure",
            "train_experiments",
            "write_economics_report",
        ],
        "transfer_modes": ["cell_metrics", "transfer_modes_study", "write_modes_report"],
    },
)
