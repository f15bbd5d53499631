"""Boxes measured on stored pixels land on the same object once the image is turned upright (EXIF 1-8)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from tasks.core import Label
from tasks.data.source import orient_label


@pytest.mark.parametrize("orientation", range(1, 9))
def test_box_follows_the_pixels(orientation):
    stored = np.zeros((20, 40), np.uint8)
    stored[2:8, 4:14] = 255  # rows 2-7, columns 4-13
    image = Image.fromarray(stored)
    exif = image.getexif()
    exif[0x0112] = orientation
    image.info["exif"] = exif.tobytes()
    upright = np.asarray(ImageOps.exif_transpose(image))
    ys, xs = np.nonzero(upright)
    height, width = upright.shape
    expected = ((xs.min() + xs.max() + 1) / 2 / width, (ys.min() + ys.max() + 1) / 2 / height)
    moved = orient_label(Label(0, 9 / 40, 5 / 20, 10 / 40, 6 / 20), orientation)
    assert (moved.x, moved.y) == pytest.approx(expected)
    assert (moved.w * width, moved.h * height) == pytest.approx((xs.max() - xs.min() + 1, ys.max() - ys.min() + 1))
