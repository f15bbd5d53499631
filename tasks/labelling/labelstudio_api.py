"""The few Label Studio HTTP API calls a relabel round needs, with the standard library only.

`label-studio-sdk` would pull some twenty packages (black, nltk, Faker, datamodel-code-generator,
...) into the project's environment, and against the project's pins pip resolves an older SDK
than the server's; these calls are few and stable, so they are plain HTTP.

Auth (Label Studio 1.23): a new organisation accepts personal access tokens only (legacy
`Token` headers get 401). A personal access token is a JWT refresh token: POST it to
/api/token/refresh/ for an access token (valid 5 minutes), sent as `Authorization: Bearer`.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

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
