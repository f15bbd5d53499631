"""Image embeddings from the detector's own backbone: no second model, nothing fetched from a hub.

A forward hook on the last backbone layer of the Ultralytics model (SPPF in YOLOv8/11) keeps
its feature map; global average pooling turns it into one vector per image. The vectors come
out of the same forward pass that scores the pool, so diversity costs no extra inference.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch


def backbone_layer(net: torch.nn.Module) -> torch.nn.Module:
    """The last layer of the backbone, as the model's yaml declares it (`backbone:` entries)."""
    layers = net.model
    count = len(net.yaml.get("backbone", [])) if hasattr(net, "yaml") else 0
    return layers[count - 1] if 0 < count <= len(layers) else layers[len(layers) // 2]


@contextmanager
def pooled_features(net: torch.nn.Module) -> Iterator[list[np.ndarray]]:
    """While open, every forward pass appends its (batch, channels) pooled backbone features."""
    captured: list[np.ndarray] = []

    def keep(_module: torch.nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
        captured.append(output.float().mean(dim=(2, 3)).cpu().numpy())

    handle = backbone_layer(net).register_forward_hook(keep)
    try:
        yield captured
    finally:
        handle.remove()
