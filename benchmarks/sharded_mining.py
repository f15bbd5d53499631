"""Pool scoring, `mine.engine: ray` with 1 and 2 actors against `local`, on this machine.

Same pool, same weights, same mine params; each engine warms up on one batch first (the Ray
figures leave out starting the cluster and the actors, which the mine stage pays once per run),
then scores the whole pool with scores, shortlist and views. Prints images per second and the
ratio to local. On one machine the actors share its cores with each other; Ray is given logical
GPUs (one per actor) so that `gpus_per_worker: 1` places one actor per "GPU" as on a cluster.
On a 2-core CPU machine two actors cannot beat local: local already uses cores - 1 torch threads
(Ultralytics' select_device), and the driver and Ray's processes need the rest.

    python -m benchmarks.sharded_mining [--images 400] [--weights models/train/weights.pt]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import benchmarks.common  # noqa: F401  (state dir out of the project)
from benchmarks.pool_scoring import pool_images, weights_file
from tasks.core import MineParams, load_params
from tasks.mine import load_detector, score_images
from tasks.mine.sharded_scoring import actors_for
from testkit.profiles import PROJECT_PARAMS


def images_per_second(detector, paths: list[Path], section: MineParams) -> float:
    score_images(detector, paths[: section.batch], section, True)  # warm-up (and, for ray, the actors)
    started = time.perf_counter()
    score_images(detector, paths, section, True)
    return len(paths) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--weights", default=None)
    options = parser.parse_args()
    import ray
    import torch

    section = load_params(PROJECT_PARAMS).mine
    cores = os.cpu_count() or 1
    ray.init(num_cpus=cores, num_gpus=2, include_dashboard=False, log_to_driver=False)
    with tempfile.TemporaryDirectory(prefix="yoloop-bench-") as tmp:
        paths = pool_images(Path(tmp), options.images)
        detector = load_detector(weights_file(options.weights, Path(tmp)), "cpu")
        local = images_per_second(detector, paths, section)
        figures = {"local": local}
        for workers in (1, 2):
            ray_section = section.model_copy(update={"engine": "ray"})
            ray_section.ray = ray_section.ray.model_copy(update={"workers": workers})
            figures[f"ray, {workers} worker{'s' if workers > 1 else ''}"] = images_per_second(
                detector, paths, ray_section
            )
            places = ray.get([actor.where.remote() for actor in actors_for(detector, ray_section)])
            print(f"ray, {workers} workers: actors on logical GPUs {[place['gpu'] for place in places]}")
    ray.shutdown()
    print(f"images: {len(paths)}  imgsz {section.imgsz}  batch {section.batch}  cores: {cores}  torch threads (local): "
          f"{torch.get_num_threads()}  ray actors: 1 CPU each")  # fmt: skip
    for name, rate in figures.items():
        print(f"{name:<16}: {rate:7.1f} img/s   ratio to local {rate / local:5.2f}")


if __name__ == "__main__":
    main()
