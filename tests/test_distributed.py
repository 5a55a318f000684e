"""Grid searches and the cross-fitted ensemble on local Dask and Ray clusters, through joblib.

Each engine's results are checked against the same fits run in this process, one at a time, to
the float-rounding tolerance of ``test_parallel`` (a worker runs fewer TensorFlow threads).
Skipped without the ``dask`` and ``ray`` extras.
"""

import os

import numpy as np
import pytest
from joblib import parallel_config

from .conftest import (
    SENTIMENT_LABELS,
    SENTIMENT_TEXTS,
    split_scores,
    text_problem,
    tiny_ensemble,
    tiny_text_search,
)
from .test_parallel import PROBA_TOLERANCE, REPO

ENSEMBLE_DOCS, ENSEMBLE_Y = text_problem(n_samples=200)


def worker_tensorflow_threads():
    """OMP_NUM_THREADS and TensorFlow's pool sizes in a worker, once sk_textcnn is imported."""
    import tensorflow as tf

    import sk_textcnn  # noqa: F401

    return (
        os.environ.get("OMP_NUM_THREADS"),
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )


@pytest.fixture(scope="module")
def one_at_a_time():
    """The grid search and the ensemble fitted in this process, with n_jobs=1."""
    search = tiny_text_search(n_jobs=1).fit(SENTIMENT_TEXTS, SENTIMENT_LABELS)
    ensemble = tiny_ensemble(n_jobs=1).fit(ENSEMBLE_DOCS, ENSEMBLE_Y)
    return search, ensemble


def check_against_one_at_a_time(backend, one_at_a_time):
    """Run both under ``backend`` (on all its workers) and compare with the n_jobs=1 fits."""
    search, ensemble = one_at_a_time
    with parallel_config(backend=backend):
        distributed_search = tiny_text_search(n_jobs=-1).fit(SENTIMENT_TEXTS, SENTIMENT_LABELS)
        distributed_ensemble = tiny_ensemble(n_jobs=-1).fit(ENSEMBLE_DOCS, ENSEMBLE_Y)
    assert distributed_search.best_params_ == search.best_params_
    np.testing.assert_allclose(
        split_scores(distributed_search), split_scores(search), atol=PROBA_TOLERANCE
    )
    np.testing.assert_allclose(
        distributed_ensemble.thresholds_, ensemble.thresholds_, atol=PROBA_TOLERANCE
    )
    np.testing.assert_allclose(
        distributed_ensemble.predict_proba(ENSEMBLE_DOCS),
        ensemble.predict_proba(ENSEMBLE_DOCS),
        atol=PROBA_TOLERANCE,
    )


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_dask_workers_run_one_tensorflow_thread_each(dask_client):
    # A Dask nanny sets OMP_NUM_THREADS=1 in its worker processes.
    reports = dask_client.run(worker_tensorflow_threads)
    assert list(reports.values()) == [("1", 1, 1)] * 2


def test_grid_search_and_ensemble_on_dask_match_one_at_a_time(dask_client, one_at_a_time):
    check_against_one_at_a_time("dask", one_at_a_time)


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    # Ray's workers start from the environment of the processes ray.init starts, not from this
    # process's sys.path: they import the tests (and an uninstalled sk_textcnn) from here.
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, path]))
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        register_ray()
        yield ray
    finally:
        ray.shutdown()
        if path is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = path


def test_ray_workers_run_one_tensorflow_thread_each(ray_cluster):
    # Ray sets OMP_NUM_THREADS to the CPUs of a task: 1 unless it asks for more.
    task = ray_cluster.remote(worker_tensorflow_threads)
    assert ray_cluster.get([task.remote() for _ in range(2)]) == [("1", 1, 1)] * 2


def test_grid_search_and_ensemble_on_ray_match_one_at_a_time(ray_cluster, one_at_a_time):
    check_against_one_at_a_time("ray", one_at_a_time)
