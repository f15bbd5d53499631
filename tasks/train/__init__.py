"""Training: where a training starts (one spec for a model yaml, a .pt, an Ultralytics name, a registered version,
a zoo entry: checked and resolved), fitting with Ultralytics, checkpoints and resume, the start of a transfer (source,
widened head, frozen layers, the retrain schedule), and the tracked training that registers and
publishes a model in the stage's MLflow run; the zoo (every model a team can start from, in one table, and
checkpoints added to the zoo folder with their card) and its probe (each start fine-tuned briefly on a fixed sample
and scored, scratch beside them).

Imports core/ and tracking/ (MLflow runs and the registry, the champion's classes checked before training).
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "checkpoints": ["run_fingerprint", "run_folder"],
        "fit": ["Meter", "TrainOutcome", "train_detector", "train_detector_in_process", "ultralytics_args"],
        "model_spec": [
            "ModelPlaces",
            "ModelSpec",
            "ResolvedModel",
            "ZooCard",
            "check_model_spec",
            "check_start",
            "parse_model_spec",
            "resolve_model_spec",
            "resolve_start",
            "with_resolved_train_model",
        ],
        "probe": ["ProbeSettings", "probe_zoo", "stage_sample", "train_images"],
        "tracked": ["TrainingStart", "tracked_training"],
        "transfer": ["current_lineage", "plan_next_training", "resolve_source", "stage_transfer_set"],
        "transfer_start": ["transfer_stage_start", "transfer_start"],
        "widen_head": ["write_start_checkpoint"],
        "zoo": ["StartModel", "add_to_zoo", "format_table", "found_start_models", "start_models"],
    },
)
