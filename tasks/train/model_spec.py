"""Where a training starts: one spec for `train.model` and `transfer.from`, parsed, checked and resolved.

A spec is one of:

- a model yaml (`yolov8n.yaml`): a new model with random weights, trained from scratch (Ultralytics ships
  the yamls of its models; a path names a yaml of the project's);
- a `.pt` path: relative paths are the project's;
- an Ultralytics name (`yolo11n.pt`): a bare file name that Ultralytics publishes as a GitHub release asset,
  looked for in the project and in Ultralytics' weights folder (tasks/core/runtime.py `weights_dir`), and
  downloaded into that folder, once, only where `project.downloads: named` allows it;
- a registered version of the MLflow registry: `models:/NAME@alias`, `models:/NAME/3`;
- a zoo entry, `zoo:NAME`: `NAME.pt` and its card `NAME.json` in `project.zoo_dir`;
- for `transfer.from` alone, a stage (`train`, `transfer`): the model it published in models/<stage>.

`check_model_spec` says in one line where the model is, or that it will be downloaded and from where; when the
model is not here and may not be fetched it raises an InputError (exit 2) naming the params key, the file looked
for and where to put it. `resolve_model_spec` checks the same way, then downloads or fetches what it must and
returns a local file. The stages resolve before any training, so a missing model stops them with one line, and
is not retried (flows/steps: an InputError never is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tasks.core import (
    WEIGHTS_FILE,
    Contract,
    InputError,
    Layout,
    Params,
    ProjectParams,
    quiet_ultralytics,
    read_contract,
    read_model_card,
    require_weights,
    weights_dir,
)

SpecKind = Literal["yaml", "file", "ultralytics", "registered", "zoo", "stage"]
# Where Ultralytics publishes its weights (ultralytics.utils.downloads.attempt_download_asset downloads from here).
ULTRALYTICS_RELEASES = "https://github.com/ultralytics/assets/releases/download"
SCRATCH_NOTE = "a model yaml (such as yolov8n.yaml) trains from scratch"


class ZooCard(Contract):
    """`<project.zoo_dir>/<NAME>.json`: the card beside a zoo entry's weights `<NAME>.pt`, written by whoever put
    them there; `zoo:NAME` is read only when both are present."""

    names: list[str] = []
    """The model's classes, in the order of its class ids (informative: the weights hold them too)."""
    source: str | None = None
    """Where the weights came from (a URL, a paper, a team's run)."""
    license: str | None = None
    """The licence the weights are under."""
    description: str | None = None
    """What the model is good at."""


@dataclass(frozen=True)
class ModelSpec:
    """A params value that names a start model, the key it is under, and its kind."""

    text: str
    key: str
    kind: SpecKind

    @property
    def name(self) -> str:
        """The zoo entry's name; else the text as it is."""
        return self.text.removeprefix("zoo:")


@dataclass(frozen=True)
class ModelPlaces:
    """Where models are looked for (the project, Ultralytics' weights folder, the zoo), and whether one may be
    downloaded; `params_file` is the file the errors name."""

    root: Path
    weights: Path
    zoo: Path
    downloads: Literal["never", "named"] = "never"
    params_file: str = "params.yaml"

    @classmethod
    def of(cls, project: ProjectParams, root: Path, params_file: str | Path = "params.yaml") -> ModelPlaces:
        zoo = Path(project.zoo_dir).expanduser()
        return cls(root, weights_dir(), zoo if zoo.is_absolute() else root / zoo, project.downloads, str(params_file))

    def problem(self, spec: ModelSpec, reason: str) -> InputError:
        return InputError(f"{self.params_file}: {spec.key}: {spec.text}: {reason}")


@dataclass(frozen=True)
class ResolvedModel:
    """What Ultralytics is given (a model yaml, or a local .pt file), a description for the card, and how many
    transfers in a row the model already is from a training from scratch."""

    model: str
    description: str
    transfers_since_scratch: int = 0


def ultralytics_asset_names() -> frozenset[str]:
    """The file names Ultralytics publishes as GitHub release assets (yolov8n.pt, yolo11n.pt, ...)."""
    from ultralytics.utils.downloads import GITHUB_ASSETS_NAMES

    return frozenset(GITHUB_ASSETS_NAMES)


def asset_url(name: str) -> str:
    """Where Ultralytics' own download takes `name` from: its assets repository's release of this version."""
    import inspect

    from ultralytics.utils.downloads import attempt_download_asset

    release = inspect.signature(attempt_download_asset).parameters["release"].default
    return f"{ULTRALYTICS_RELEASES}/{release}/{name}"


def parse_model_spec(text: str, key: str) -> ModelSpec:
    """`text` (already of a valid form: tasks/core/schema.py `model_spec_problem`) as a typed spec."""
    quiet_ultralytics()  # a .pt name is looked up in Ultralytics' list: its settings first
    if text.startswith("models:/"):
        kind: SpecKind = "registered"
    elif text.startswith("zoo:"):
        kind = "zoo"
    elif text.endswith((".yaml", ".yml")):
        kind = "yaml"
    elif text.endswith(".pt"):
        bare = "/" not in text and "\\" not in text
        kind = "ultralytics" if bare and text in ultralytics_asset_names() else "file"
    else:
        kind = "stage"
    return ModelSpec(text, key, kind)


def local_path(text: str, root: Path) -> Path:
    """A path of the params: `~` expanded, a relative one the project's."""
    path = Path(text).expanduser()
    return path if path.is_absolute() else root / path


def shipped_yaml(name: str) -> bool:
    """Whether Ultralytics ships the model yaml `name` (yolov8n.yaml is yolov8.yaml at scale n)."""
    from ultralytics.utils.checks import check_yaml

    unified = re.sub(r"(\d+)([nslmx])(.+)?$", r"\1\3", name)
    return bool(check_yaml(name, hard=False) or check_yaml(unified, hard=False))


def yaml_origin(spec: ModelSpec, places: ModelPlaces) -> str:
    local = local_path(spec.text, places.root)
    if local.is_file():
        return f"a model yaml at {local}, trained from scratch"
    if "/" not in spec.text and shipped_yaml(spec.text):
        return "a model yaml that Ultralytics ships, trained from scratch"
    looked = f"looked for {local.absolute()} and among the yamls Ultralytics ships"
    raise places.problem(spec, f"no such model yaml ({looked})")


def local_weights(spec: ModelSpec, places: ModelPlaces) -> Path:
    path = local_path(spec.text, places.root)
    if not path.is_file():
        looked = f"looked for {path.absolute()}"
        raise places.problem(spec, f"no such weights file ({looked}); put the .pt there, or {SCRATCH_NOTE}")
    return path


def ultralytics_weights(spec: ModelSpec, places: ModelPlaces) -> Path | None:
    """The Ultralytics-named file where Ultralytics looks for it: the project, then its weights folder."""
    return next((p for p in (places.root / spec.text, places.weights / spec.text) if p.is_file()), None)


def download_note(spec: ModelSpec, places: ModelPlaces) -> str:
    """What happens to an Ultralytics name that is not here: downloaded (`named`), or an InputError (`never`)."""
    target, url = places.weights / spec.text, asset_url(spec.text)
    if places.downloads == "never":
        raise places.problem(
            spec,
            f"not on this machine (looked for {(places.root / spec.text).absolute()} and {target}) and "
            f"project.downloads is never: put {spec.text} at {target} (Ultralytics' weights folder), or set "
            f"project.downloads: named to download it from {url}",
        )
    return (
        f"not on this machine yet: the stage downloads it once from {url} into {places.weights} "
        "(project.downloads: named; never forbids downloads)"
    )


def download_weights(spec: ModelSpec, places: ModelPlaces) -> Path:
    """The Ultralytics-named weights, downloaded into the weights folder (only where `project.downloads` allows)."""
    download_note(spec, places)
    from ultralytics.utils.downloads import safe_download

    target, url = places.weights / spec.text, asset_url(spec.text)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        safe_download(url=url, file=target, unzip=False, min_bytes=1e5)
    except Exception as exc:  # no network, a proxy, a 404: requests and urllib say it in many ways
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise places.problem(spec, f"could not download {url} ({reason}); put the file at {target}") from exc
    if not target.is_file():
        raise places.problem(spec, f"could not download {url}; put the file at {target}")
    return target


def registered_version(spec: ModelSpec, places: ModelPlaces) -> Any:
    """The registry's ModelVersion the spec names; an InputError naming it when there is none."""
    from mlflow.exceptions import MlflowException

    from tasks.tracking import find_version, reachable_tracking_uri, split_model_uri

    name, ref = split_model_uri(spec.text)
    uri = reachable_tracking_uri()
    try:
        return find_version(name, ref)
    except MlflowException as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise places.problem(spec, f"not in the registry at {uri} ({reason})") from None


def zoo_entry(spec: ModelSpec, places: ModelPlaces) -> tuple[Path, ZooCard]:
    """The zoo entry's weights and card; an InputError naming the file that is missing and where it goes."""
    weights, card = places.zoo / f"{spec.name}.pt", places.zoo / f"{spec.name}.json"
    if not weights.is_file():
        raise places.problem(
            spec, f"no zoo entry {weights}; put the weights there with their card {card.name} (project.zoo_dir)"
        )
    missing = f"a zoo entry's card; write one beside {weights.name} (docs/how-to/pretrained-start.md)"
    return weights, read_contract(card, ZooCard, missing=missing)


def stage_weights(spec: ModelSpec, places: ModelPlaces) -> Path:
    return Layout(places.root).model_dir(spec.text) / WEIGHTS_FILE


def check_model_spec(spec: ModelSpec, places: ModelPlaces) -> str:
    """One line saying where the model is, or where it will come from; an InputError when it cannot be had."""
    quiet_ultralytics()  # Ultralytics' settings (its weights folder among them) before it is imported
    said = f"{spec.key}: {spec.text}"
    if spec.kind == "yaml":
        return f"{said}: {yaml_origin(spec, places)}"
    if spec.kind == "file":
        return f"{said}: found at {local_weights(spec, places)}"
    if spec.kind == "ultralytics":
        found = ultralytics_weights(spec, places)
        return f"{said}: found at {found}" if found else f"{said}: {download_note(spec, places)}"
    if spec.kind == "registered":
        from tasks.tracking import reachable_tracking_uri

        version = registered_version(spec, places)
        return f"{said}: version {version.version} of {version.name} in the registry at {reachable_tracking_uri()}"
    if spec.kind == "zoo":
        weights, card = zoo_entry(spec, places)
        classes = f", {len(card.names)} classes" if card.names else ""
        return f"{said}: found at {weights} (card {weights.with_suffix('.json').name}{classes})"
    weights = stage_weights(spec, places)
    if weights.is_file():
        return f"{said}: the model stage {spec.text} published, {weights}"
    return f"{said}: {weights} is written by stage {spec.text} (`dvc repro` runs it first)"


def resolve_model_spec(spec: ModelSpec, places: ModelPlaces, work: Path) -> ResolvedModel:
    """The spec as Ultralytics takes it: a model yaml, or a local .pt (downloaded, fetched from the registry into
    `work`, or found) that holds a model; an InputError naming the key when it cannot be had."""
    quiet_ultralytics()
    if spec.kind == "yaml":
        yaml_origin(spec, places)
        return ResolvedModel(spec.text, spec.text)
    if spec.kind == "file":
        return ResolvedModel(str(require_weights(local_weights(spec, places))), spec.text)
    if spec.kind == "ultralytics":
        found = ultralytics_weights(spec, places) or download_weights(spec, places)
        return ResolvedModel(str(require_weights(found)), spec.text)
    if spec.kind == "registered":
        from tasks.tracking import fetch_registered_weights

        registered_version(spec, places)  # a missing version in one line, before any download
        fetched = fetch_registered_weights(spec.text, work, spec.key)
        lineage = int(fetched.tags.get("transfers_since_scratch", 0))
        return ResolvedModel(str(require_weights(fetched.weights)), spec.text, lineage)
    if spec.kind == "zoo":
        return ResolvedModel(str(require_weights(zoo_entry(spec, places)[0])), spec.text)
    weights = stage_weights(spec, places)
    if not weights.is_file():
        raise InputError(f"{places.params_file}: {spec.key}: {weights}: missing; run `dvc repro {spec.text}` first")
    card = read_model_card(weights.parent, required=False)
    lineage = card.transfers_since_scratch if card else 0
    return ResolvedModel(str(require_weights(weights)), f"stage {spec.text}", lineage)


def resolve_start(text: str, key: str, project: ProjectParams, root: Path, work: Path) -> ResolvedModel:
    """`resolve_model_spec` of a params value: what the stages call before any training."""
    return resolve_model_spec(parse_model_spec(text, key), ModelPlaces.of(project, root), work)


def check_start(text: str, key: str, project: ProjectParams, root: Path, params_file: str | Path) -> str:
    """`check_model_spec` of a params value: what `yoloop check-params` prints for each start-model key."""
    return check_model_spec(parse_model_spec(text, key), ModelPlaces.of(project, root, params_file))


def with_resolved_train_model(params: Params, root: Path, work: Path) -> Params:
    """`params` with `train.model` resolved (a local file, or the yaml as it was): for what trains from it besides
    the train stage (the audit's folds, the economics study, the oracle loop), before any of them trains."""
    resolved = resolve_start(params.train.model, "train.model", params.project, root, work)
    return params.model_copy(update={"train": params.train.model_copy(update={"model": resolved.model})})
