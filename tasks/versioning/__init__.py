"""DVC and git as the record of every result: the repository (`dvc repro`, push, `dvc add`, dvc.lock),
one `yoloop repro` at a time, the shared remote checked up front, runs in a clone of their own that publish
a result branch, and the import closure of a stage (what dvc.yaml's deps must cover).

Imports core/.
"""

import lazy_loader

# What other rooms, the flows and the CLI use: loaded on first use (PEP 562), so importing the room loads nothing.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "clone": [
            "GitError",
            "checkout_result",
            "clone_variables",
            "fetch_results",
            "publish",
            "publish_run",
            "pull_data",
            "result_branch",
            "run_name",
        ],
        "import_closure": ["import_closure", "imported_modules"],
        "remote": ["check_remote", "default_remote"],
        "repository": [
            "DvcError",
            "dvc",
            "dvc_add",
            "dvc_env",
            "dvc_repository",
            "locked_outputs",
            "push",
            "reproduce",
            "version_with_dvc",
        ],
        "repro_lock": ["LOCK_FILE", "dvc_lock_holders", "repro_lock"],
    },
)
