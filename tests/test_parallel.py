"""n_jobs: fits in joblib's worker processes, their TensorFlow threads, and their results.

A worker runs TensorFlow on its share of the cores while this process runs all of them, and a
different thread count changes the order of float sums; so probabilities are compared to
``PROBA_TOLERANCE`` (the differences measured here are about 1e-7), and so are thresholds,
which an exact search puts halfway between two probabilities.
"""

import json
import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
from joblib import Parallel, cpu_count, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from sk_textcnn import MultiLabelThresholdClassifier, MultiLabelVotingClassifier
from sk_textcnn import _worker_threads as worker_threads

from .helpers import (
    PROBA_TOLERANCE,
    REPO,
    X_MULTI,
    Y_MULTI,
    fast,
    tensorflow_threads,
    text_problem,
    tiny_ensemble,
)


def test_each_worker_runs_its_share_of_the_cores_and_the_parent_is_left_alone():
    before = tensorflow_threads()
    reports = Parallel(n_jobs=2)(delayed(tensorflow_threads)() for _ in range(2))
    # loky sets OMP_NUM_THREADS to cpu_count // n_jobs in its workers unless this process set it.
    share = int(os.environ.get("OMP_NUM_THREADS", max(cpu_count() // 2, 1)))
    assert reports == [(str(share), share, share)] * 2
    assert tensorflow_threads() == before


@pytest.fixture
def fake_tensorflow(monkeypatch):
    """A stand-in for TensorFlow's thread settings, to test the policy without a new process."""
    calls = {}
    threading = types.SimpleNamespace(
        set_intra_op_parallelism_threads=lambda n: calls.__setitem__("intra", n),
        set_inter_op_parallelism_threads=lambda n: calls.__setitem__("inter", n),
    )
    monkeypatch.setitem(
        sys.modules,
        "tensorflow",
        types.SimpleNamespace(config=types.SimpleNamespace(threading=threading)),
    )
    for variable in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("RAY_RAYLET_PID", raising=False)
    return calls


def as_worker(monkeypatch, is_worker):
    parent = object() if is_worker else None
    monkeypatch.setattr(worker_threads.multiprocessing, "parent_process", lambda: parent)


@pytest.mark.parametrize(
    "is_worker, environment, expected",
    [
        (True, {"OMP_NUM_THREADS": "3"}, {"intra": 3, "inter": 3}),
        (False, {"OMP_NUM_THREADS": "3"}, {}),
        (False, {"OMP_NUM_THREADS": "2", "RAY_RAYLET_PID": "7"}, {"intra": 2, "inter": 2}),
        (True, {}, {}),
        (True, {"OMP_NUM_THREADS": "0"}, {}),
        (True, {"OMP_NUM_THREADS": "two"}, {}),
        (True, {"OMP_NUM_THREADS": "3", "TF_NUM_INTRAOP_THREADS": "1"}, {"inter": 3}),
    ],
)
def test_thread_policy(monkeypatch, fake_tensorflow, is_worker, environment, expected):
    as_worker(monkeypatch, is_worker)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    worker_threads.limit_worker_threads()
    assert fake_tensorflow == expected


def test_a_started_runtime_is_left_as_it_is(monkeypatch, fake_tensorflow):
    def started(n):
        raise RuntimeError("Intra op parallelism cannot be modified after initialization.")

    sys.modules["tensorflow"].config.threading.set_intra_op_parallelism_threads = started
    as_worker(monkeypatch, True)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    worker_threads.limit_worker_threads()
    assert fake_tensorflow == {}


@pytest.mark.parametrize("params", [{"cv": 2}, {"refit": True}, {}])
def test_threshold_classifier_folds_in_workers_match_one_job(params):
    def fitted(n_jobs):
        model = MultiLabelThresholdClassifier(fast(), random_state=0, n_jobs=n_jobs, **params)
        return model.fit(X_MULTI, Y_MULTI)

    one, two = fitted(None), fitted(2)
    np.testing.assert_allclose(two.thresholds_, one.thresholds_, atol=PROBA_TOLERANCE)
    np.testing.assert_allclose(
        two.predict_proba(X_MULTI), one.predict_proba(X_MULTI), atol=PROBA_TOLERANCE
    )


def test_voting_members_in_workers_match_one_job():
    def fitted(n_jobs):
        members = [("cnn", fast()), ("linear", OneVsRestClassifier(LogisticRegression()))]
        return MultiLabelVotingClassifier(members, n_jobs=n_jobs).fit(X_MULTI, Y_MULTI)

    one, two = fitted(1), fitted(2)
    assert list(two.named_estimators_) == ["cnn", "linear"]
    np.testing.assert_allclose(
        two.predict_proba(X_MULTI), one.predict_proba(X_MULTI), atol=PROBA_TOLERANCE
    )


def test_ensemble_n_jobs_matches_one_job():
    docs, Y = text_problem(n_samples=200)
    one, two = tiny_ensemble().fit(docs, Y), tiny_ensemble(n_jobs=2).fit(docs, Y)
    np.testing.assert_allclose(two.thresholds_, one.thresholds_, atol=PROBA_TOLERANCE)
    np.testing.assert_allclose(
        two.predict_proba(docs), one.predict_proba(docs), atol=PROBA_TOLERANCE
    )
    np.testing.assert_array_equal(two.predict(docs), one.predict(docs))


# Runs in a fresh interpreter, so that a deadlock is a timeout, not a hung test run.
_MODEL_SELECTION = """
import json
from sklearn.model_selection import cross_val_score
from tests.helpers import SENTIMENT_LABELS, SENTIMENT_TEXTS, split_scores, tiny_text_search

report = {}
for n_jobs in (1, 2):
    search = tiny_text_search(n_jobs=n_jobs).fit(SENTIMENT_TEXTS, SENTIMENT_LABELS)
    scores = cross_val_score(
        search.estimator, SENTIMENT_TEXTS, SENTIMENT_LABELS, cv=2, n_jobs=n_jobs,
        scoring="neg_log_loss",
    )
    report[n_jobs] = {"grid": split_scores(search), "best": search.best_params_,
                      "cv": scores.tolist()}
print(json.dumps(report))
"""


def test_grid_search_and_cross_val_score_with_two_jobs_match_one():
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_MODEL_SELECTION)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": REPO},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    one, two = report["1"], report["2"]
    assert two["best"] == one["best"]
    np.testing.assert_allclose(two["grid"], one["grid"], atol=PROBA_TOLERANCE)
    np.testing.assert_allclose(two["cv"], one["cv"], atol=PROBA_TOLERANCE)
