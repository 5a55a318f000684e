"""Grid searches and the cross-fitted ensemble on local Dask and Ray clusters, through joblib;
scoring Dask collections of documents with :func:`sk_textcnn.distributed.score_partitions`.

Each engine's results are checked against the same fits run in this process, one at a time, to
the float-rounding tolerance of ``test_parallel`` (a worker runs fewer TensorFlow threads).
Skipped without the ``dask`` and ``ray`` extras.
"""

import os

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.pipeline import make_pipeline

from sk_textcnn import SequenceVectorizer, TextCNNClassifier
from sk_textcnn.distributed import score_partitions

from .helpers import (
    PROBA_TOLERANCE,
    REPO,
    SENTIMENT_LABELS,
    SENTIMENT_TEXTS,
    TINY_TEXT_CNN,
    split_scores,
    tensorflow_threads,
    text_problem,
    tiny_ensemble,
    tiny_text_search,
)

ENSEMBLE_DOCS, ENSEMBLE_Y = text_problem(n_samples=200)


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
def text_model():
    """A fitted multi-label text pipeline, and documents it was not fitted on."""
    docs, Y = text_problem(n_samples=240, seed=1)
    model = make_pipeline(
        SequenceVectorizer(), TextCNNClassifier(**TINY_TEXT_CNN, random_state=0)
    ).fit(docs[:200], Y[:200])
    return model, docs[200:]


# First in the file: it needs no distributed.Client to be current (the dask_client fixture's).
def test_score_partitions_on_a_local_scheduler(text_model):
    dask_bag = pytest.importorskip("dask.bag")
    model, docs = text_model
    scores = score_partitions(model, dask_bag.from_sequence(docs, npartitions=3))
    np.testing.assert_array_equal(np.stack(scores.compute()), model.predict_proba(docs))


class CountsItsCopies:
    """A 'model' that counts how often it is unpickled in each process."""

    copies = 0

    def __init__(self):
        self.weights = np.ones(1)  # pickle calls __setstate__ only for a non-empty state

    def __setstate__(self, state):
        type(self).copies += 1
        self.__dict__.update(state)

    def predict_proba(self, documents):
        return np.ones((len(documents), 1))


def copies_here():
    return CountsItsCopies.copies


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
    reports = dask_client.run(tensorflow_threads)
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
    task = ray_cluster.remote(tensorflow_threads)
    assert ray_cluster.get([task.remote() for _ in range(2)]) == [("1", 1, 1)] * 2


def test_grid_search_and_ensemble_on_ray_match_one_at_a_time(ray_cluster, one_at_a_time):
    check_against_one_at_a_time("ray", one_at_a_time)


def test_score_partitions_of_a_bag_and_a_series_on_dask(dask_client, text_model):
    import dask.bag
    import dask.dataframe
    import pandas as pd

    model, docs = text_model
    expected = model.predict_proba(docs)
    bag = score_partitions(model, dask.bag.from_sequence(docs, npartitions=4))
    np.testing.assert_allclose(np.stack(bag.compute()), expected, atol=PROBA_TOLERANCE)
    series = dask.dataframe.from_pandas(
        pd.Series(docs, index=np.arange(100, 100 + len(docs))), npartitions=4
    )
    frame = score_partitions(model, series).compute()
    assert frame.index.tolist() == list(range(100, 100 + len(docs)))
    assert frame.columns.tolist() == model.classes_.tolist()
    np.testing.assert_allclose(frame.to_numpy(), expected, atol=PROBA_TOLERANCE)
    labels = score_partitions(model, series, method="predict").compute()
    np.testing.assert_array_equal(labels.to_numpy(), model.predict(docs))


def test_score_partitions_sends_one_copy_of_the_model_per_worker(dask_client):
    import dask.bag

    documents = dask.bag.from_sequence([f"document {i}" for i in range(40)], npartitions=10)
    scores = score_partitions(CountsItsCopies(), documents).compute()
    assert len(scores) == 40
    copies = dask_client.run(copies_here)
    # Ten partitions, two workers: at most one copy each (a worker given no task has none).
    assert sum(copies.values()) >= 1 and max(copies.values()) == 1


@pytest.mark.parametrize(
    "documents, method, error, match",
    [
        (["a list"], "predict_proba", TypeError, "documents must be a dask.bag.Bag"),
        (None, "transform", ValueError, "model has no method 'transform'"),
    ],
)
def test_score_partitions_rejects_bad_input(text_model, documents, method, error, match):
    dask_bag = pytest.importorskip("dask.bag")
    model, docs = text_model
    documents = dask_bag.from_sequence(docs) if documents is None else documents
    with pytest.raises(error, match=match):
        score_partitions(model, documents, method=method)
