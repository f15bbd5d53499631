"""A relabel batch into Label Studio (tasks with the drafts as predictions) and its finished annotations back.

push: one project per round (`yoloop relabel round N`, created once, reused after), with the
batch's label config; the batch's images folder is registered as local storage (never synced)
so Label Studio serves the images from data/relabel itself; the tasks of
label_studio_tasks.json not yet in the project are imported, their image URLs made relative
to the server's document root (data/relabel), their drafts as predictions.

pull: Label Studio's JSON export of the project, each task's latest submitted annotation turned
into a YOLO label file (an annotation with no box is an image with nothing on it). A task with
no submitted annotation (none yet, or only skipped) is unfinished: it is reported and left out,
never imported as empty. The files then go through `yoloop labels import`, unchanged.

The HTTP calls are the few a relabel round needs, with the standard library only: `label-studio-sdk`
would pull many packages (black, nltk, Faker, datamodel-code-generator, ...) into the project's
environment, and against the project's pins pip resolves an older SDK than the server's. Auth
(Label Studio 1.23): a new organisation accepts personal access tokens only (legacy `Token` headers
get 401); a personal access token is a JWT refresh token, POSTed to /api/token/refresh/ for a
short-lived access token, sent as `Authorization: Bearer`.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.core import MANIFEST, InputError, Label, read_manifest, write_json, write_labels
from tasks.labelling.batch_files import LABEL_STUDIO_CONFIG, LABEL_STUDIO_TASKS

EXPORT_FILE = "label_studio_export.json"
ACCESS_TTL_S = 240  # Label Studio's access tokens live 300 s; refresh a little before


class LabelStudioError(RuntimeError):
    """Label Studio answered with an error status; the message carries its JSON detail."""


class LabelStudio:
    """A client for one server and one user's personal access token."""

    def __init__(self, url: str, token: str, timeout_s: float = 60) -> None:
        self.url, self._token, self.timeout_s = url.rstrip("/"), token, timeout_s
        self._access: str | None = None
        self._access_at = 0.0

    def _send(self, method: str, path: str, payload: Any = None, headers: dict[str, str] | None = None) -> bytes:
        body = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=body, method=method)
        request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:2000]
            raise LabelStudioError(f"{method} {self.url}{path}: HTTP {exc.code}: {detail}") from exc

    def access_token(self) -> str:
        """A fresh access token from the personal access token (refresh token)."""
        if self._access is None or time.monotonic() - self._access_at > ACCESS_TTL_S:
            answer = json.loads(self._send("POST", "/api/token/refresh/", {"refresh": self._token}))
            self._access, self._access_at = answer["access"], time.monotonic()
        return self._access

    def raw(self, method: str, path: str, payload: Any = None) -> bytes:
        return self._send(method, path, payload, {"Authorization": f"Bearer {self.access_token()}"})

    def call(self, method: str, path: str, payload: Any = None) -> Any:
        answer = self.raw(method, path, payload)
        return json.loads(answer) if answer else None

    def find_project(self, title: str) -> dict | None:
        """The project with exactly this title (the API filters by substring)."""
        query = urllib.parse.urlencode({"title": title, "page_size": 1000})
        found = self.call("GET", f"/api/projects/?{query}")
        return next((p for p in found["results"] if p["title"] == title), None)

    def create_project(self, title: str, label_config: str, description: str) -> dict:
        payload = {"title": title, "label_config": label_config, "description": description}
        return self.call("POST", "/api/projects/", payload)

    def local_storages(self, project: int) -> list[dict]:
        return self.call("GET", f"/api/storages/localfiles/?project={project}")

    def add_local_storage(self, project: int, path: str, title: str) -> dict:
        """Registers `path` with the project: Label Studio serves /data/local-files/ only below such a path.

        It is never synced: the tasks come from the batch's own JSON (with the drafts as predictions).
        """
        payload = {"project": project, "path": path, "title": title, "use_blob_urls": True, "regex_filter": ".*"}
        return self.call("POST", "/api/storages/localfiles/", payload)

    def tasks(self, project: int) -> list[dict]:
        query = urllib.parse.urlencode({"project": project, "page_size": 100000, "fields": "all"})
        answer = self.call("GET", f"/api/tasks/?{query}")
        return answer["tasks"] if isinstance(answer, dict) else answer

    def import_tasks(self, project: int, tasks: list[dict]) -> dict:
        return self.call("POST", f"/api/projects/{project}/import?return_task_ids=true", tasks)

    def export_tasks(self, project: int) -> list[dict]:
        """Every task with its annotations (Label Studio's JSON export, unfinished tasks included)."""
        query = urllib.parse.urlencode({"exportType": "JSON", "download_all_tasks": "true"})
        return self.call("GET", f"/api/projects/{project}/export?{query}")

    def annotate(self, task: int, result: list[dict], cancelled: bool = False) -> dict:
        """What an annotator's Submit (or Skip, `cancelled`) sends."""
        return self.call("POST", f"/api/tasks/{task}/annotations/", {"result": result, "was_cancelled": cancelled})


def project_title(round_number: int) -> str:
    return f"yoloop relabel round {round_number}"


def task_file(task: dict) -> str:
    """The image file a task shows: the last part of its local-files path (`?d=.../images/NAME`)."""
    url = task["data"]["image"]
    path = urllib.parse.parse_qs(urllib.parse.urlparse(url).query).get("d", [url])[0]
    return Path(path).name


def served_path(batch: Path, document_root: Path) -> str:
    """The batch folder relative to the server's document root; outside it, Label Studio cannot serve it."""
    try:
        return batch.resolve().relative_to(document_root.resolve()).as_posix()
    except ValueError:
        raise InputError(
            f"{batch}: outside the folder this Label Studio serves ({document_root}); restart `yoloop labelstudio`"
        ) from None


def ensure_project(client: LabelStudio, batch: Path, manifest: dict) -> tuple[dict, bool]:
    """The round's project, created once with the batch's label config."""
    title = project_title(manifest["round"])
    found = client.find_project(title)
    if found is not None:
        return found, False
    config = (batch / LABEL_STUDIO_CONFIG).read_text()
    about = f"{batch}: {len(manifest['images'])} images, drafts by {manifest.get('model', '?')}"
    return client.create_project(title, config, about), True


@dataclass
class Pushed:
    project: int
    url: str
    created: bool
    imported: int
    already_there: int
    predictions: int


def push_batch(client: LabelStudio, batch: Path, document_root: Path) -> Pushed:
    """Create or reuse the round's project and import the batch's tasks that it does not hold yet."""
    if not (batch / MANIFEST).exists():
        raise InputError(f"{batch / MANIFEST}: missing; `dvc repro mine` hands out the batch first")
    manifest = read_manifest(batch)
    served = served_path(batch, document_root)
    project, created = ensure_project(client, batch, manifest)
    images = str((batch / "images").resolve())
    if not any(s["path"] == images for s in client.local_storages(project["id"])):
        client.add_local_storage(project["id"], images, f"relabel round {manifest['round']}")
    present = {task_file(t) for t in client.tasks(project["id"])}
    tasks = json.loads((batch / LABEL_STUDIO_TASKS).read_text())
    new = [t for t in tasks if task_file(t) not in present]
    for task in new:
        task["data"]["image"] = f"/data/local-files/?d={served}/images/{task_file(task)}"
    answer = client.import_tasks(project["id"], new) if new else {"task_count": 0, "prediction_count": 0}
    if answer["task_count"] != len(new) or answer["prediction_count"] != sum(len(t["predictions"]) for t in new):
        raise RuntimeError(f"Label Studio imported {answer} of {len(new)} tasks: predictions were dropped")
    if new:  # the annotator's editor opens on the drafts (Label Studio accepts a version once it holds predictions)
        settings = {"model_version": new[0]["predictions"][0]["model_version"], "show_collab_predictions": True}
        client.call("PATCH", f"/api/projects/{project['id']}/", settings)
    url = f"{client.url}/projects/{project['id']}/data"
    return Pushed(project["id"], url, created, len(new), len(present), answer["prediction_count"])


def box_label(region: dict, names: list[str], where: str) -> tuple[Label | None, str | None]:
    """One rectangle region as a YOLO row, or the reason it cannot be one."""
    value = region.get("value", {})
    if region.get("type") != "rectanglelabels":
        return None, f"{where}: a {region.get('type')!r} region; only rectangles (RectangleLabels) come back"
    chosen = value.get("rectanglelabels") or []
    if len(chosen) != 1 or chosen[0] not in names:
        return None, f"{where}: label {chosen} is not one of the batch's classes {names}"
    if abs(float(value.get("rotation", 0))) > 1e-6:
        return None, f"{where}: rotated by {value['rotation']} degrees; YOLO boxes are axis-aligned"
    x, y, w, h = (float(value[k]) / 100 for k in ("x", "y", "width", "height"))
    return Label.from_corners(names.index(chosen[0]), x, y, x + w, y + h), None


def latest_submitted(task: dict) -> dict | None:
    """The task's most recently updated annotation that was submitted (not skipped), if any."""
    submitted = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
    return max(submitted, key=lambda a: (a.get("updated_at") or "", a["id"])) if submitted else None


@dataclass
class Pulled:
    returned: Path
    finished: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def annotations_to_labels(exported: list[dict], names: list[str], dest: Path) -> Pulled:
    """Write dest/labels/<stem>.txt for each finished task; any region that is no YOLO box stops it all."""
    pulled, problems = Pulled(dest), []
    for task in sorted(exported, key=task_file):
        name = task_file(task)
        annotation = latest_submitted(task)
        if annotation is None:
            cancelled = any(a.get("was_cancelled") for a in task.get("annotations", []))
            (pulled.skipped if cancelled else pulled.unfinished).append(name)
            continue
        rows = []
        for region in annotation.get("result", []):
            where = f"Label Studio task {task['id']} ({name}), annotation {annotation['id']}, region {region.get('id')}"
            row, problem = box_label(region, names, where)
            rows += [row] if row else []
            problems += [problem] if problem else []
        write_labels(dest / "labels" / f"{Path(name).stem}.txt", rows)
        pulled.finished.append(name)
    if problems:
        raise InputError([*problems, "nothing was imported"])
    return pulled


def pull_batch(client: LabelStudio, batch: Path, pulls: Path) -> Pulled:
    """Export the round's project into a new folder under `pulls`, ready for `yoloop labels import`."""
    manifest = read_manifest(batch)
    project = client.find_project(project_title(manifest["round"]))
    if project is None:
        raise InputError(f"{batch}: Label Studio has no project {project_title(manifest['round'])!r}; push it first")
    exported = client.export_tasks(project["id"])
    dest = pulls / f"{batch.name}-{time.strftime('%Y%m%dT%H%M%S')}"
    write_json(dest / EXPORT_FILE, exported)
    write_json(dest / MANIFEST, {"round": manifest["round"], "label_studio_project": project["id"]})
    pulled = annotations_to_labels(exported, manifest["names"], dest)
    if not pulled.finished:
        waiting = len(pulled.unfinished) + len(pulled.skipped)
        raise InputError(f"Label Studio project {project['id']}: none of its {waiting} tasks is finished yet")
    return pulled
