"""Pool scoring sharded over a Ray cluster (`mine.engine: ray`): one actor per GPU, each holding the model once.

The pool is cut into the same chunks of `mine.batch` images that the local path forms, so every
chunk goes through the network exactly as it would locally; Ray's ActorPool hands chunks to free
actors and gives results back in order. Both forward passes (every image, then the augmented views
of the shortlist) run on the actors; choosing the shortlist between them is the local code
(tasks/mine/pool_scoring.py:complete_scores), so scores and the chosen batch do not depend on the
engine. Actors get image bytes, not paths, so they may run on machines without the pool on disk.
"""

from __future__ import annotations

import copy
import os
import weakref
from pathlib import Path
from typing import Any

import numpy as np

from tasks.core import InputError, MineParams, RayParams
from tasks.mine.pool_scoring import Detector, ScoredImage, complete_scores, detect_images, view_detections
from tasks.mine.uncertainty import Detections


def _ray():
    try:
        import ray
    except ImportError as exc:
        raise InputError(
            "params.yaml: mine.engine: ray needs the `ray` package: pip install -c constraints.txt '.[cluster]'"
        ) from exc
    return ray


def connect(section: RayParams) -> None:
    """Join the Ray session of this process, the cluster at mine.ray.address or $RAY_ADDRESS, or start one here."""
    ray = _ray()
    if ray.is_initialized():
        return
    address = section.address or os.environ.get("RAY_ADDRESS") or None
    ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)


def actor_count(section: RayParams, resources: dict[str, float]) -> int:
    """mine.ray.workers, or as many actors as the cluster's GPUs (CPUs for CPU actors) hold at once."""
    if section.gpus_per_worker > 0 and resources.get("GPU", 0) < section.gpus_per_worker:
        raise InputError(
            f"params.yaml: mine.ray.gpus_per_worker: {section.gpus_per_worker} but the Ray cluster has "
            f"{resources.get('GPU', 0):g} GPUs; set it to 0 to score on CPU actors"
        )
    if section.workers:
        return section.workers
    if section.gpus_per_worker > 0:
        return max(1, int(resources["GPU"] // section.gpus_per_worker))
    return max(1, int(resources.get("CPU", 1) // section.cpus_per_worker))


class PoolScorer:
    """A Ray actor's state: the fused network on its own device, and the mine params."""

    def __init__(self, net: Any, names: list[str], params: dict, use_cuda: bool) -> None:
        import torch

        device = torch.device("cuda:0" if use_cuda and torch.cuda.is_available() else "cpu")
        self.detector = Detector(net.to(device).eval(), names, device)
        self.params = MineParams.model_validate(params)

    def where(self) -> dict[str, str]:
        """This actor's process and the GPU Ray gave it (CUDA_VISIBLE_DEVICES), for logs and tests."""
        gpu = os.environ.get("CUDA_VISIBLE_DEVICES", "")
        return {"pid": str(os.getpid()), "gpu": gpu, "device": str(self.detector.device)}

    @staticmethod
    def _reader(images: dict[str, bytes]):
        import cv2

        def read(paths: list[Path]) -> list[np.ndarray]:
            return [cv2.imdecode(np.frombuffer(images[p.as_posix()], np.uint8), cv2.IMREAD_COLOR) for p in paths]

        return read

    def detect(self, images: dict[str, bytes]) -> list[ScoredImage]:
        paths = [Path(key) for key in images]
        return detect_images(self.detector, paths, self.params, self._reader(images))

    def views(self, images: dict[str, bytes]) -> list[list[Detections]]:
        paths = [Path(key) for key in images]
        return view_detections(self.detector, paths, self.params, self._reader(images))


def _chunks(paths: list[Path], size: int) -> list[dict[str, bytes]]:
    """The local path's batches, each as {path: file bytes} in order."""
    return [{p.as_posix(): p.read_bytes() for p in paths[i : i + size]} for i in range(0, len(paths), size)]


# Actors per network: the mine stage scores the pool, then the labelled images, with the same model.
_ACTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def actors_for(detector: Detector, params: MineParams) -> list[Any]:
    """The actors holding this detector's network for these params, started on first use.

    Ray ends them when their handles go: with the process, or when the network is garbage.
    """
    key = params.model_dump_json()
    cached = _ACTORS.get(detector.net)
    if cached is None or cached[0] != key:
        cached = (key, start_actors(detector, params))
        _ACTORS[detector.net] = cached
    return cached[1]


def start_actors(detector: Detector, params: MineParams) -> list[Any]:
    """One actor per worker slot, each given the network once (through Ray's object store)."""
    ray = _ray()
    connect(params.ray)
    section = params.ray
    count = actor_count(section, ray.cluster_resources())
    net = ray.put(copy.deepcopy(detector.net).to("cpu"))
    remote = ray.remote(num_gpus=section.gpus_per_worker, num_cpus=section.cpus_per_worker)(PoolScorer)
    use_cuda = detector.device.type == "cuda"
    return [remote.remote(net, detector.names, params.model_dump(), use_cuda) for _ in range(count)]


def score_images_sharded(
    detector: Detector, paths: list[Path], params: MineParams, with_scores: bool
) -> list[ScoredImage]:
    """score_images with both forward passes on Ray actors; the same ScoredImage list as the local engine."""
    from ray.util import ActorPool

    if not paths:
        return []
    pool = ActorPool(actors_for(detector, params))
    by_key = {p.as_posix(): p for p in paths}
    chunks = pool.map(lambda actor, chunk: actor.detect.remote(chunk), _chunks(paths, params.batch))
    images = [image for chunk in chunks for image in chunk]
    for image in images:
        image.path = by_key[image.path.as_posix()]

    def views_of(shortlist: list[Path]) -> list[list[Detections]]:
        parts = pool.map(lambda actor, chunk: actor.views.remote(chunk), _chunks(shortlist, params.batch))
        return [views for part in parts for views in part]

    return complete_scores(images, detector.names, params, with_scores, views_of)
