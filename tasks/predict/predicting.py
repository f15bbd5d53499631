"""`yoloop predict`: a model's boxes on new photos or video, drawn, and listed in one table.

The model is the champion of the params' registered model unless told otherwise: another registered model's
champion (`--model NAME`), a version or alias (`models:/NAME/3`, `models:/NAME@challenger`), or a .pt file.
Every image and every video frame is predicted once, at the confidence and size the model is evaluated at
(evaluate.operating_conf, evaluate.imgsz) unless told otherwise, and drawn with Ultralytics' own plotting
(`Results.plot`, with OpenCV: no font is fetched; class names that are not ASCII are drawn transliterated,
because Ultralytics would fetch a Unicode font for them). The outputs (drawn/, boxes.csv, boxes.json) are built
beside `--out` and swapped in whole.
"""

from __future__ import annotations

import csv
import io
import time
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tasks.core import (
    InputError,
    Progress,
    TrackingParams,
    atomic_dir,
    quiet_ultralytics,
    require_weights,
    write_json,
    write_text_atomic,
)
from tasks.predict.sources import Media, frame_count, read_image, video_frames
from tasks.tracking import (
    CHAMPION,
    champion_version,
    client,
    fetch_registered_weights,
    reachable_tracking_uri,
    require_registered_model,
)

BOX_COLUMNS = ["file", "frame", "class", "confidence", "x1", "y1", "x2", "y2"]
TABLE_FILE = "boxes.json"
DRAWN_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")  # others (webp, tif) are drawn as .png


@dataclass(frozen=True)
class PredictSettings:
    """Ultralytics predictor arguments (their names) and the device; `imgsz` None: the size the model was trained at."""

    conf: float
    imgsz: int | None
    iou: float
    device: str

    def predictor_args(self) -> dict[str, Any]:
        return {"conf": self.conf, "imgsz": self.imgsz, "iou": self.iou, "device": self.device, "verbose": False}


@dataclass
class Predicted:
    """What a prediction made: every box, every image or frame predicted, and the model that made them."""

    model: str
    settings: PredictSettings
    boxes: list[dict[str, Any]] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)

    def summary(self, media: Media, out: Path) -> str:
        frames = sum(1 for i in self.inputs if i["frame"] is not None)
        counts = Counter(b["class"] for b in self.boxes)
        per_class = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        seen = f"{len(media.images)} images" + (f" and {frames} frames of {len(media.videos)} videos" if frames else "")
        found = f"{len(self.boxes)} boxes" + (f" ({per_class})" if per_class else "")
        hint = "" if self.boxes else f"; none at conf {self.settings.conf:g}: try a lower --conf"
        return (
            f"predicted {seen} with {self.model} (conf {self.settings.conf:g}, imgsz {self.settings.imgsz}): "
            f"{found}{hint}; drawn images, boxes.csv and boxes.json in {out}"
        )


def default_out(reports: Path, source: Path) -> Path:
    """reports/predict/<source name>-<date and time>."""
    return reports / "predict" / f"{source.resolve().name or 'source'}-{time.strftime('%Y%m%d-%H%M%S')}"


def _champion_of(name: str, option: str, scratch: Path) -> tuple[Path, str]:
    require_registered_model(name, option)
    version = champion_version(client(), name)
    if version is None:
        raise InputError(
            f"{option} {name}: no version holds {CHAMPION} in the MLflow store at {reachable_tracking_uri()}; "
            f"evaluate promotes one (`yoloop repro`), or pass --model models:/{name}/<version> or a .pt file"
        )
    fetched = fetch_registered_weights(f"models:/{name}@{CHAMPION}", scratch, option)
    return fetched.weights, f"{name} version {fetched.version} ({CHAMPION})"


def resolve_weights(model: str | None, tracking: TrackingParams, scratch: Path) -> tuple[Path, str]:
    """The weights to predict with and how to name them: `model` (a .pt file, a registered name, a models:/ URI),
    or the champion of `tracking.registered_model`; registry weights are downloaded into `scratch`."""
    if model is None:
        return _champion_of(tracking.registered_model, "tracking.registered_model", scratch)
    if model.startswith("models:/"):
        fetched = fetch_registered_weights(model, scratch, "--model")
        return fetched.weights, f"{model} (version {fetched.version})"
    if model.endswith(".pt") or Path(model).is_file():
        return require_weights(Path(model)), model
    return _champion_of(model, "--model", scratch)


def ascii_names(names: dict[int, str]) -> dict[int, str]:
    """Class names Ultralytics draws with OpenCV: transliterated to ASCII (`class N` when nothing is left).

    A name that is not ASCII makes Ultralytics draw with PIL and a Unicode font it downloads (Arial.Unicode.ttf).
    """
    safe = {}
    for index, name in names.items():
        plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().strip()
        safe[index] = plain or f"class {index}"
    return safe


def draw(result: Any) -> Any:
    """The image of `result` with its boxes, labels and confidences drawn (BGR), by Ultralytics' `plot`."""
    names = result.names
    result.names = ascii_names(names)
    try:
        return result.plot()
    finally:
        result.names = names


def box_rows(result: Any, file: str, frame: int | None) -> list[dict[str, Any]]:
    """One row per box of `result`: the file, the video frame (None for a photo), class, confidence, corners (px)."""
    rows = []
    boxes = result.boxes
    for corners, conf, cls in zip(boxes.xyxy.tolist(), boxes.conf.tolist(), boxes.cls.tolist(), strict=True):
        x1, y1, x2, y2 = (round(v, 2) for v in corners)
        name = result.names[int(cls)]
        rows.append({"file": file, "frame": frame, "class": name, "confidence": round(conf, 5)})
        rows[-1].update(x1=x1, y1=y1, x2=x2, y2=y2)
    return rows


def drawn_path(media: Media, path: Path, frame: int | None) -> Path:
    """drawn/<name> for a photo (<name>.png when OpenCV writes its kind poorly), drawn/<video name>/frame_NNNNNN.jpg
    for a frame: names that two files of a source never share (clip.mp4 and clip.avi, a.webp and a.png)."""
    name = media.name(path)
    if frame is not None:
        return Path("drawn") / name / f"frame_{frame:06d}.jpg"
    return Path("drawn") / (name if Path(name).suffix.lower() in DRAWN_SUFFIXES else f"{name}.png")


class _Predictor:
    """One model over a source: predicts a picture, draws it into the staging folder, keeps its rows."""

    def __init__(self, weights: Path, settings: PredictSettings, staging: Path, predicted: Predicted, frames: bool):
        quiet_ultralytics()
        from ultralytics import YOLO

        self.model, self.staging = YOLO(str(weights)), staging
        trained_at = int(self.model.overrides.get("imgsz") or 640)  # Ultralytics' own default for a loaded model
        self.settings = replace(settings, imgsz=settings.imgsz or trained_at)
        predicted.settings = self.settings
        self.predicted, self.keep_frames = predicted, frames

    def __call__(self, picture: Any, file: str, frame: int | None, drawn: Path) -> None:
        import cv2

        result = self.model.predict(picture, **self.settings.predictor_args())[0]
        (self.staging / drawn).parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(self.staging / drawn), draw(result)):
            raise OSError(f"{self.staging / drawn}: OpenCV could not write the drawn image")
        entry = {"file": file, "frame": frame, "drawn": drawn.as_posix(), "width": picture.shape[1]}
        entry.update(height=picture.shape[0], boxes=len(result.boxes))
        if frame is not None and self.keep_frames:  # the frame itself, for the FiftyOne dataset
            entry["image"] = f"frames/{drawn.relative_to('drawn').as_posix()}"
            (self.staging / entry["image"]).parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(self.staging / entry["image"]), picture)
        self.predicted.inputs.append(entry)
        self.predicted.boxes += box_rows(result, file, frame)


def boxes_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=BOX_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({**row, "frame": "" if row["frame"] is None else row["frame"]} for row in rows)
    return buffer.getvalue()


def require_out(out: Path) -> None:
    """`--out` is new, or an earlier prediction's (it is replaced whole): never a folder of other files."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / TABLE_FILE).is_file())):
        raise InputError(f"{out}: exists and is not the output of `yoloop predict`; choose another --out")


def predict_source(
    weights: Path, label: str, media: Media, settings: PredictSettings, out: Path, frames: bool = False
) -> Predicted:
    """Predict every image and video frame of `media`; write drawn/, boxes.csv and boxes.json into `out` whole.

    `frames` keeps each video frame itself too (frames/), for a FiftyOne dataset of the predictions."""
    require_out(out)
    predicted = Predicted(label, settings)
    total = len(media.images) + sum(frame_count(video) for video in media.videos)
    with atomic_dir(out) as staging, Progress("predict", total, unit="images") as progress:
        predict = _Predictor(weights, settings, staging, predicted, frames)
        for image in media.images:
            predict(read_image(image), media.name(image), None, drawn_path(media, image, None))
            progress.advance()
        for video in media.videos:
            for index, frame in video_frames(video):
                predict(frame, media.name(video), index, drawn_path(media, video, index))
                progress.advance()
        write_text_atomic(staging / "boxes.csv", boxes_csv(predicted.boxes))
        write_json(staging / TABLE_FILE, table(predicted, media))
    return predicted


def table(predicted: Predicted, media: Media) -> dict[str, Any]:
    """boxes.json: the model and settings, every image or frame predicted, and every box."""
    return {
        "model": predicted.model,
        "settings": asdict(predicted.settings),
        "source": str(media.root.resolve()),
        "columns": BOX_COLUMNS,
        "inputs": predicted.inputs,
        "boxes": predicted.boxes,
    }
