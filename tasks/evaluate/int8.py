"""int8 ONNX through ONNX Runtime's static quantization, which runs on any CPU.

Ultralytics' ONNX export has no int8 mode, but ONNX Runtime can quantize the exported
float model (QDQ format: int8 weights, uint8 activations) after seeing a few calibration
images. Calibration uses images the model was validated on during training, never the
test split, so the test score of the int8 model stays honest.

Only convolutions are quantized. YOLO's output concatenates box coordinates (pixels) with
class scores (0..1) in one tensor; quantizing that with one scale flattens every score, so
int8 of the whole graph loses the detections that conv-only int8 keeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np


def calibration_batches(images: list[Path], imgsz: int, input_name: str) -> Iterator[dict[str, np.ndarray]]:
    """Images as Ultralytics feeds them: letterboxed to `imgsz`, RGB, CHW, 0..1, batch of one."""
    import cv2
    from ultralytics.data.augment import LetterBox

    letterbox = LetterBox((imgsz, imgsz), auto=False)
    for path in images:
        boxed = letterbox(image=cv2.imread(str(path)))
        chw = boxed[:, :, ::-1].transpose(2, 0, 1).astype(np.float32) / 255.0
        yield {input_name: np.ascontiguousarray(chw[None])}


def quantize_int8(model: Path, images: list[Path], imgsz: int, dest: Path) -> Path:
    """Static int8 quantization of an exported float ONNX model; Ultralytics' metadata is kept."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    input_name = onnx.load(str(model), load_external_data=False).graph.input[0].name

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = calibration_batches(images, imgsz, input_name)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.batches, None)

    prepared = dest.with_name(f"{dest.stem}.pre.onnx")
    quant_pre_process(str(model), str(prepared), skip_symbolic_shape=True)
    quantize_static(
        str(prepared),
        str(dest),
        Reader(),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["Conv"],
    )
    prepared.unlink()
    return dest
