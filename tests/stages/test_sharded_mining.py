"""`mine.engine: ray` on a local Ray cluster with two logical GPUs: one actor per GPU, and the merged scores and
the chosen batch are exactly those of the local engine on the same pool and model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tasks.core import InputError, MineParams, RayParams, list_images, load_params
from tasks.mine import load_detector, rank_pool
from tasks.mine.sharded_scoring import actor_count, actors_for
from tasks.prepare.builtin import write_split
from testkit.profiles import PROJECT_PARAMS

pytestmark = pytest.mark.slow
SECTION = {"imgsz": 64, "batch": 4, "k": 3, "conf": 0.001, "draft_conf": 0.001}


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 2**20)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def pool_and_detector(tmp_path_factory):
    """22 built-in pool images (6 chunks of 4, the last one short) and an untrained YOLOv8n (no download)."""
    from ultralytics import YOLO

    folder = tmp_path_factory.mktemp("pool")
    builtin = load_params(PROJECT_PARAMS).prepare.builtin.model_copy(update={"image_size": 64})
    write_split("pool", 22, [0, 1, 2], folder / "images", folder / "labels", builtin, 11)
    weights = folder / "untrained.pt"
    YOLO("yolov8n.yaml").save(str(weights))
    return {path.name: path for path in list_images(folder / "images")}, load_detector(weights, "cpu")


def test_ray_scores_and_batch_are_identical_to_local(ray_cluster, pool_and_detector):
    images, detector = pool_and_detector
    local_pool, local_table, local_choices = rank_pool(detector, images, MineParams(**SECTION), set())
    ray_pool, ray_table, ray_choices = rank_pool(detector, images, MineParams(engine="ray", **SECTION), set())
    assert [c.image for c in ray_choices] == [c.image for c in local_choices] and len(local_choices) == 3
    assert ray_table == local_table  # every score of every image, exactly
    assert sum(row["shortlisted"] for row in local_table.values()) == 9  # the views ran, on shortlist * k images
    assert list(ray_pool) == list(local_pool)
    for mine, theirs in zip(local_pool.values(), ray_pool.values(), strict=True):
        assert mine.path == theirs.path and (mine.width, mine.height) == (theirs.width, theirs.height)
        assert np.array_equal(mine.embedding, theirs.embedding)
        assert np.array_equal(mine.detections.boxes, theirs.detections.boxes)
        assert np.array_equal(mine.detections.conf, theirs.detections.conf)


def test_one_actor_per_gpu_each_on_its_own(ray_cluster, pool_and_detector):
    _, detector = pool_and_detector
    actors = actors_for(detector, MineParams(engine="ray", **SECTION))
    places = ray_cluster.get([actor.where.remote() for actor in actors])
    assert len(actors) == 2
    assert len({place["pid"] for place in places}) == 2 and {place["gpu"] for place in places} == {"0", "1"}
    assert actors_for(detector, MineParams(engine="ray", **SECTION)) is actors  # the model is loaded once per actor


def test_an_empty_pool_starts_no_actor(ray_cluster, pool_and_detector):
    _, detector = pool_and_detector
    assert rank_pool(detector, {}, MineParams(engine="ray", **SECTION), set())[0] == {}


def test_gpu_actors_on_a_cluster_without_gpus_are_refused_with_the_key_to_change():
    with pytest.raises(InputError, match=r"mine.ray.gpus_per_worker: 1.0 but the Ray cluster has 0 GPUs"):
        actor_count(RayParams(), {"CPU": 8.0})
    assert actor_count(RayParams(gpus_per_worker=0, cpus_per_worker=2), {"CPU": 8.0}) == 4
    assert actor_count(RayParams(), {"CPU": 8.0, "GPU": 3.0}) == 3
    assert actor_count(RayParams(workers=1), {"CPU": 8.0, "GPU": 3.0}) == 1


def test_the_params_file_takes_the_engine_and_refuses_an_unknown_one(tmp_path: Path):
    from testkit.profiles import write_params

    assert load_params(write_params(tmp_path / "p.yaml", {"mine": {"engine": "ray"}})).mine.engine == "ray"
    with pytest.raises(InputError, match="mine.engine"):
        load_params(write_params(tmp_path / "q.yaml", {"mine": {"engine": "spark"}}))
