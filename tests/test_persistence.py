"""Fitted pipelines survive pickle/joblib, a fresh Python process, and a Keras-native export."""

import subprocess
import sys

import joblib
import keras
import numpy as np
from sklearn.pipeline import make_pipeline

from sk_textcnn import SequenceVectorizer, TextCNNClassifier

from .conftest import FAST

LOAD_AND_PREDICT = """
import sys, joblib, numpy as np
pipeline = joblib.load(sys.argv[1])
np.save(sys.argv[2], pipeline.predict_proba(["good great film", "awful bad movie", ""]))
"""


def fitted_pipeline(sentiment, **params):
    return make_pipeline(
        SequenceVectorizer(), TextCNNClassifier(**{**FAST, "random_state": 0, **params})
    ).fit(*sentiment)


def test_joblib_round_trip_in_a_fresh_process(sentiment, tmp_path):
    pipeline = fitted_pipeline(sentiment, threshold="auto", validation_fraction=0.25)
    joblib.dump(pipeline, tmp_path / "model.joblib")
    subprocess.run(
        [sys.executable, "-c", LOAD_AND_PREDICT, tmp_path / "model.joblib", tmp_path / "p.npy"],
        check=True,
    )
    expected = pipeline.predict_proba(["good great film", "awful bad movie", ""])
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), expected)


def test_unpickled_model_keeps_training(sentiment, tmp_path):
    pipeline = fitted_pipeline(sentiment, positive_weight="balanced")
    joblib.dump(pipeline, tmp_path / "model.joblib")
    classifier = joblib.load(tmp_path / "model.joblib")[-1]
    X = pipeline[0].transform(sentiment[0])
    classifier.partial_fit(X, sentiment[1])
    assert len(classifier.history_["loss"]) == FAST["epochs"] + 1


def test_keras_native_export_serves_the_same_probabilities(sentiment, tmp_path):
    pipeline = fitted_pipeline(sentiment)
    pipeline[-1].export_network(tmp_path / "network.keras")
    served = keras.saving.load_model(tmp_path / "network.keras")
    ids = pipeline[0].transform(sentiment[0])
    np.testing.assert_allclose(
        served.predict_on_batch(ids)[:, 0], pipeline.predict_proba(sentiment[0])[:, 1], atol=1e-6
    )
