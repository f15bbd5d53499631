"""The MLflow pyfunc face of a yoloop detector (logged as "model from code").

`mlflow.pyfunc.load_model("models:/yoloop-detector@champion").predict(df)` takes a
DataFrame with an `image` column of file paths and returns one row per detection.
"""

from __future__ import annotations

import mlflow
import pandas as pd


class YoloDetector(mlflow.pyfunc.PythonModel):
    def load_context(self, context) -> None:
        from ultralytics import YOLO

        self.model = YOLO(context.artifacts["weights"])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        conf = float((params or {}).get("conf", 0.25))
        rows = []
        for path in model_input["image"]:
            result = self.model.predict(str(path), conf=conf, verbose=False)[0]
            for (x0, y0, x1, y1), c, score in zip(
                result.boxes.xyxy.tolist(), result.boxes.cls.tolist(), result.boxes.conf.tolist(), strict=True
            ):
                rows.append(
                    {
                        "image": path,
                        "class": result.names[int(c)],
                        "confidence": score,
                        "x0": x0,
                        "y0": y0,
                        "x1": x1,
                        "y1": y1,
                    }
                )
        return pd.DataFrame(rows, columns=["image", "class", "confidence", "x0", "y0", "x1", "y1"])


mlflow.models.set_model(YoloDetector())
