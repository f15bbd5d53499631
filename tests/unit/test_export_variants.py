"""Which exported variants are built where, and the reason given for each one left out."""

from __future__ import annotations

import pytest

from tasks.evaluate.export_check import export_cost, export_variants, onnx_scoring_device


def test_cpu_builds_float_and_int8_and_says_why_not_fp16():
    variants, skipped = export_variants(onnx=True, half=True, int8=True, device="cpu")
    assert variants == {"onnx": "fp32", "onnx_int8": "int8"}
    assert set(skipped) == {"onnx_half"} and "CUDA" in skipped["onnx_half"] and "cpu" in skipped["onnx_half"]


def test_cuda_builds_fp16_too():
    variants, skipped = export_variants(onnx=True, half=True, int8=True, device="0")
    assert variants == {"onnx": "fp32", "onnx_half": "fp16", "onnx_int8": "int8"} and skipped == {}


def test_switches_off_are_reported_not_silent():
    variants, skipped = export_variants(onnx=True, half=False, int8=False, device="0")
    assert variants == {"onnx": "fp32"}
    assert skipped == {"onnx_half": "evaluate.export.half is false", "onnx_int8": "evaluate.export.int8 is false"}
    assert export_variants(onnx=False, half=True, int8=True, device="0") == (
        {},
        {"onnx": "evaluate.export.onnx is false"},
    )


def test_export_cost_is_exported_minus_pytorch():
    rows = export_cost({"onnx_int8": {"map50_95": 0.5264, "map50": 0.74}}, map50_95=0.5357, map50=0.7568)
    assert (
        round(rows["onnx_int8"]["map50_95_cost"], 4) == -0.0093 and round(rows["onnx_int8"]["map50_cost"], 4) == -0.0168
    )


@pytest.mark.parametrize(
    ("device", "providers", "scored_on", "provider", "why"),
    [
        ("cpu", ["CPUExecutionProvider"], "cpu", "CPUExecutionProvider", "this run uses cpu"),
        ("0", ["CUDAExecutionProvider", "CPUExecutionProvider"], "0", "CUDAExecutionProvider", "CUDA device 0"),
        ("1", ["AzureExecutionProvider", "CPUExecutionProvider"], "cpu", "CPUExecutionProvider", "no CUDA provider"),
    ],
)
def test_exports_are_scored_where_onnx_runtime_can_run_them_and_say_where(
    monkeypatch, device, providers, scored_on, provider, why
):
    """The CPU build of ONNX Runtime on a GPU machine scores on the CPU, saying so, rather than under CUDA's name."""
    import onnxruntime

    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: providers)
    where = onnx_scoring_device(device)
    assert (where["device"], where["provider"]) == (scored_on, provider) and why in where["why"]
