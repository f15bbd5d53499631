"""Reading datasets as people publish them (YOLO, Pascal VOC, COCO), checking every image
and label file, and writing the canonical raw copy (data/raw/<name>) with its class statistics:
`import_dataset` is `yoloop import`.

Imports core/ and versioning/ (the copy is `dvc add`ed).
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "class_stats": ["imbalance_findings", "imbalance_ratio", "plot_class_stats", "split_stats"],
        "importing": ["ImportResult", "import_dataset", "read_checked"],
        "label_check": ["check_label_file"],
        "read_unlabelled": ["VIDEO_SUFFIXES"],
        "near_duplicates": ["NearRule", "leaks_across", "linked_groups", "near_pairs", "perceptual_hash"],
        "source": ["SPLITS"],
        "validate_import": ["ValidationFailed"],
    },
)
