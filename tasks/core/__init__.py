"""The ground every room stands on: params and their schema, the project layout (paths), errors,
findings, YOLO label files and boxes, the model card, the prepared-dataset card, the process set-up
(offline, private state, FiftyOne's connection), and processes on this machine (services on 127.0.0.1,
the one polling helper, questions about a pid).

Imports nothing else of `tasks`.
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "errors": ["DiskFull", "EXIT_BAD_INPUT", "InputError", "disk_full_or_raise", "print_input_error"],
        "fiftyone_setup": ["DatabaseGone", "load_fiftyone", "needs_database"],
        "findings": ["Finding", "errors_in", "grouped_lines", "summarize"],
        "headline": ["details_file", "evaluation_headline", "training_headline"],
        "model_card": ["MODEL_CARD", "WEIGHTS_FILE", "read_model_card", "require_weights"],
        "params": ["load_params"],
        "paths": ["Layout", "project_root"],
        "plots": ["pyplot", "save_figure"],
        "prepared": [
            "LEFT_OUT",
            "PreparedDataset",
            "SUBSET_FOLDERS",
            "copy_remapped",
            "read_card",
            "read_left_out",
            "read_split_stats",
            "stage_test_set",
            "stage_training_set",
            "write_card",
        ],
        "progress": ["Progress", "track"],
        "runtime": ["CODE_ROOT", "configure", "quiet_ultralytics", "resolve_device", "state_dir"],
        "schema": [
            "ActiveLearningParams",
            "AuditParams",
            "EvaluateParams",
            "FitArgs",
            "MineParams",
            "Params",
            "RayParams",
            "TrackingParams",
            "TransferParams",
        ],
        "schema_data": [
            "BuiltinParams",
            "ClassSets",
            "DatasetRef",
            "ImportParams",
            "OracleParams",
            "PrepareParams",
            "ResplitParams",
        ],
        "services": [
            "HOST",
            "WaitTimedOut",
            "answers",
            "bin_path",
            "command_line",
            "free_port",
            "port_in_use",
            "running",
            "spawn",
            "start_service",
            "started_at",
            "stop_all",
            "wait_for",
            "wait_while_running",
        ],
        "yolo_files": [
            "IMAGE_SUFFIXES",
            "Label",
            "MANIFEST",
            "atomic_dir",
            "label_path",
            "list_images",
            "read_labels",
            "read_manifest",
            "top_left_box",
            "write_data_yaml",
            "write_json",
            "write_labels",
            "write_text_atomic",
        ],
    },
)
