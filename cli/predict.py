"""`yoloop predict`: a model's boxes on new photos or video (the work is in tasks/predict/)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from cli.options import DEFAULT_PARAMS, ParamsFile
from tasks.core import project_root

EPILOG = (
    "Examples:\n\n"
    "    yoloop predict ~/photos\n\n"
    "    yoloop predict clip.mp4 --model fruit-detector --out reports/predict/clip\n\n"
    "    yoloop predict ~/photos --model models/train/weights.pt --conf 0.1 --fiftyone"
)


def predict(
    source: Annotated[Path, typer.Argument(metavar="SOURCE", help="An image, a video, or a folder of them.")],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="A registered model (its champion), models:/NAME/VERSION or models:/NAME@ALIAS, or a .pt file "
            "(default: the champion of tracking.registered_model).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: reports/predict/SOURCE-DATE-TIME).", show_default=False),
    ] = None,
    conf: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Keep boxes at this confidence (default: evaluate.operating_conf)."),
    ] = None,
    imgsz: Annotated[
        int | None, typer.Option(min=32, help="Image size (default: the size the model was trained at).")
    ] = None,
    fiftyone: Annotated[bool, typer.Option("--fiftyone", help="Add them to FiftyOne as a dataset of its own.")] = False,
    params: ParamsFile = DEFAULT_PARAMS,
) -> None:
    """Run the champion (or --model) on an image, a video or a folder: boxes drawn, boxes.csv and boxes.json."""
    from tasks.core import EvaluateParams, Layout, MineParams, TrackingParams, load_params, resolve_device
    from tasks.predict import PredictSettings, default_out, find_media, predict_source, resolve_weights

    media = find_media(source)  # a bad path or nothing to predict on: exit 2 before any model is fetched
    loaded = load_params(params) if params.exists() else None
    evaluate = loaded.evaluate if loaded else EvaluateParams()
    tracking = loaded.tracking if loaded else TrackingParams()
    device = resolve_device(loaded.project.device if loaded else "auto")
    settings = PredictSettings(evaluate.operating_conf if conf is None else conf, imgsz, evaluate.iou, device)
    out = out or default_out(Layout(project_root()).reports, source)
    with tempfile.TemporaryDirectory(prefix="yoloop-model-") as scratch:
        weights, label = resolve_weights(model, tracking, Path(scratch))
        predicted = predict_source(weights, label, media, settings, out, frames=fiftyone)
    print(predicted.summary(media, out))
    if fiftyone:
        from tasks.predict import add_to_fiftyone, dataset_name

        prefix = (loaded.mine if loaded else MineParams()).fiftyone_dataset
        table = json.loads((out / "boxes.json").read_text())
        print(add_to_fiftyone(table, out, dataset_name(prefix, out)))
