"""A local Label Studio on 127.0.0.1, from its own virtual environment, with its state under .yoloop/labelstudio.

Label Studio pins Django, pandas, numpy and friends against the project's, so it lives in a
venv of its own (`make labelstudio` builds `.venv-labelstudio`); yoloop only starts its
`label-studio` executable and talks HTTP to it. The first start creates a user and a personal
access token without a prompt (tasks/labelling/labelstudio_bootstrap.py, run by Label Studio's own
interpreter) and keeps them in `.yoloop/labelstudio/credentials.json` (mode 600); the server
writes `.yoloop/labelstudio/server.json` (its URL) for `yoloop labels push/pull`. The relabel
batches folder (data/relabel) is the local-files document root, so each round's images are
served from where `mine` wrote them, without a copy.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tasks.core import CODE_ROOT, HOST, InputError, port_in_use, start_service, state_dir, stop_all, wait_while_running

EXECUTABLE_ENV = "YOLOOP_LABEL_STUDIO"  # path to a `label-studio` executable, to use another install
PROJECT_VENV = CODE_ROOT / ".venv-labelstudio"
BOOTSTRAP = Path(__file__).with_name("labelstudio_bootstrap.py")
USER_EMAIL = "yoloop@localhost"

# Telemetry and phoning home off: usage analytics, Sentry (backend and browser), the PyPI version check.
QUIET_ENV = {
    "LABEL_STUDIO_COLLECT_ANALYTICS": "false",
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "LATEST_VERSION_CHECK": "false",
    "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
}


def labelstudio_home() -> Path:
    return state_dir() / "labelstudio"


def label_studio_executable() -> Path:
    """$YOLOOP_LABEL_STUDIO, else the project's .venv-labelstudio, else `label-studio` on PATH."""
    candidates = [os.environ.get(EXECUTABLE_ENV), PROJECT_VENV / "bin" / "label-studio", shutil.which("label-studio")]
    for candidate in filter(None, candidates):
        if Path(candidate).is_file():
            return Path(candidate)
    raise InputError(
        [
            f"label-studio: not found (${EXECUTABLE_ENV}, {PROJECT_VENV}/bin/label-studio, PATH)",
            "install it in a venv of its own: `make labelstudio` (its pins clash with the project's)",
        ]
    )


def server_env(document_root: Path, home: Path) -> dict[str, str]:
    """Label Studio's settings come from the environment: data dir, local-files serving, no telemetry."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return {
        **env,
        **QUIET_ENV,
        "LABEL_STUDIO_BASE_DATA_DIR": str(home / "data"),
        "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
        "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(document_root.resolve()),
    }


def ensure_credentials(executable: Path, env: dict[str, str], home: Path) -> dict:
    """The user and its personal access token, created once (a new database gets a new token)."""
    path = home / "credentials.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    if not (home / "data" / "label_studio.sqlite3").exists():
        known.pop("token", None)  # the token lives in the database it was made in
    wanted = {"email": USER_EMAIL, "password": known.get("password") or secrets.token_urlsafe(18), **known}
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(wanted, out)
    result = subprocess.run(
        [str(executable.parent / "python"), str(BOOTSTRAP), str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Label Studio bootstrap failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return json.loads(path.read_text())


@dataclass
class RunningLabelStudio:
    """A started server: its URL, the token to talk to it, and the process group to stop."""

    url: str
    token: str
    process: subprocess.Popen
    log: Path

    def stop(self, timeout_s: float = 30) -> None:
        """SIGTERM to the whole process group (runserver's children too), SIGKILL if it will not go."""
        stop_all([self.process], grace_s=timeout_s)
        info = labelstudio_home() / "server.json"
        if info.exists() and json.loads(info.read_text()).get("pid") == self.process.pid:
            info.unlink()


def start_label_studio(port: int, document_root: Path, logs: Path, timeout_s: float = 300) -> RunningLabelStudio:
    """Bootstrap (migrations, user, token), start `label-studio start` on 127.0.0.1:`port`, wait for /health."""
    executable, home = label_studio_executable(), labelstudio_home()
    if port_in_use(port):  # Label Studio would quietly move to the next free port
        raise InputError(f"port {port} on {HOST} is in use: pass another with --port")
    document_root.mkdir(parents=True, exist_ok=True)
    env = server_env(document_root, home)
    credentials = ensure_credentials(executable, env, home)
    log, url = logs / "labelstudio.log", f"http://{HOST}:{port}"
    args = [str(executable), "start", "--no-browser", "--internal-host", HOST, "--port", str(port)]
    process = start_service(args, env, log, f"{url}/health", timeout_s)
    running = RunningLabelStudio(url, credentials["token"], process, log)
    server = {"url": running.url, "pid": process.pid, "document_root": str(document_root.resolve())}
    (home / "server.json").write_text(json.dumps(server) + "\n")
    return running


def running_server() -> tuple[str, str, Path]:
    """(URL, token, document root) of the server `yoloop labelstudio` started; a clear error when none runs."""
    home = labelstudio_home()
    if not (home / "server.json").exists() or not (home / "credentials.json").exists():
        raise InputError(f"{home / 'server.json'}: no Label Studio is running; start one with `yoloop labelstudio`")
    server = json.loads((home / "server.json").read_text())
    token = json.loads((home / "credentials.json").read_text())["token"]
    return server["url"], token, Path(server["document_root"])


def serve_label_studio(port: int, document_root: Path, logs: Path) -> int:
    """`yoloop labelstudio`: start it, say how to log in, run until Ctrl-C or SIGTERM; 1 if it stops by itself."""

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    running = start_label_studio(port, document_root, logs)
    try:
        print(
            f"Label Studio: {running.url}   user: {USER_EMAIL}   password and token: "
            f"{labelstudio_home() / 'credentials.json'}   log: {running.log}"
        )
        print("then: yoloop labels push   (and, once the tasks are done: yoloop labels pull)", flush=True)
        return wait_while_running([running.process], "Label Studio stopped; see the log")
    finally:
        running.stop()
