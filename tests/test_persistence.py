"""sk_textcnn.save / load: exact round trips of every estimator, and refusal of unsafe files."""

import io
import os
import pickle
import zipfile

import joblib
import keras
import numpy as np
import pytest
import skops.io
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

import sk_textcnn
from sk_textcnn import MultiLabelThresholdClassifier, SequenceVectorizer

from .helpers import (
    SENTIMENT_TEXTS,
    X_MULTI,
    Y_MULTI,
    fast,
    reviews,
    text_problem,
    tiny_ensemble,
)

DOCS, Y_DOCS = text_problem(n_samples=120)


class Foreign(BaseEstimator):
    """A type that neither skops nor sk_textcnn trusts."""


def _fitted(name):
    if name == "vectorizer":
        return SequenceVectorizer().fit(SENTIMENT_TEXTS), SENTIMENT_TEXTS
    if name == "binary pipeline":
        # Enough distinct documents for a linear term, which leaves out "a" on so few.
        texts, labels = reviews()
        model = make_pipeline(SequenceVectorizer(), fast(epochs=3)).fit(texts, labels)
        assert len(model[-1].linear_term_.skipped_ids)
        return model, texts
    if name == "multi-label classifier":
        return fast(epochs=3, positive_weight="balanced").fit(X_MULTI, Y_MULTI), X_MULTI
    if name == "threshold classifier":
        model = MultiLabelThresholdClassifier(
            make_pipeline(SequenceVectorizer(), fast(epochs=2, linear_term=False)),
            cv=sk_textcnn.model_selection.MultiLabelStratifiedKFold(2, random_state=0),
        )
        return model.fit(DOCS, Y_DOCS), DOCS
    return tiny_ensemble().fit(DOCS, Y_DOCS), DOCS


@pytest.mark.parametrize(
    "name",
    [
        "vectorizer",
        "binary pipeline",
        "multi-label classifier",
        "threshold classifier",
        "ensemble",
    ],
)
def test_every_estimator_round_trips_exactly(name, tmp_path):
    model, X = _fitted(name)
    path = tmp_path / "model.bin"
    sk_textcnn.save(model, path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]  # the path given, as given
    assert zipfile.is_zipfile(path)
    loaded = sk_textcnn.load(path)
    assert type(loaded) is type(model)
    methods = ["transform"] if name == "vectorizer" else ["predict", "predict_proba"]
    for method in methods:
        np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))


def test_file_objects_and_containers_round_trip():
    model, _ = _fitted("multi-label classifier")
    buffer = io.BytesIO()
    sk_textcnn.save({"model": model, "labels": ["a", "b", "c"]}, buffer)
    buffer.seek(0)
    loaded = sk_textcnn.load(buffer)
    assert loaded["labels"] == ["a", "b", "c"]
    np.testing.assert_array_equal(loaded["model"].predict(X_MULTI), model.predict(X_MULTI))


def test_callbacks_are_not_saved(tmp_path):
    logger = keras.callbacks.History()
    model = fast(epochs=2, callbacks=[logger]).fit(X_MULTI, Y_MULTI)
    sk_textcnn.save(model, tmp_path / "model.skops")
    loaded = sk_textcnn.load(tmp_path / "model.skops")
    assert loaded.callbacks is None and model.callbacks == [logger]
    np.testing.assert_array_equal(loaded.predict_proba(X_MULTI), model.predict_proba(X_MULTI))
    # Pickling, outside save, still keeps (untrained copies of) them.
    assert isinstance(pickle.loads(pickle.dumps(model)).callbacks[0], keras.callbacks.History)


@pytest.mark.parametrize(
    "dump", [joblib.dump, lambda obj, path: path.write_bytes(pickle.dumps(obj))]
)
def test_pickle_and_joblib_files_are_refused(dump, tmp_path):
    path = tmp_path / "model.joblib"
    dump(SequenceVectorizer().fit(SENTIMENT_TEXTS), path)
    with pytest.raises(ValueError, match=r"model\.joblib is a pickle \(or joblib\) file"):
        sk_textcnn.load(path)


def test_other_files_are_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("just some text")
    with pytest.raises(ValueError, match=r"notes\.txt is not a skops file \(it starts with b'just"):
        sk_textcnn.load(text)
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match=r"other\.zip is a zip archive but not a skops file"):
        sk_textcnn.load(archive)


def test_a_file_holding_an_untrusted_type_is_refused_naming_it(tmp_path):
    path = tmp_path / "foreign.skops"
    skops.io.dump(make_pipeline(SequenceVectorizer(), Foreign()), path)
    with pytest.raises(
        ValueError, match=r"holds types .* not trust: tests\.test_persistence\.Foreign\."
    ):
        sk_textcnn.load(path)


def test_save_refuses_what_load_would_refuse(tmp_path):
    path = tmp_path / "model.skops"
    model = OneVsRestClassifier(LogisticRegression())  # scikit-learn's own: trusted
    sk_textcnn.save(model, path)
    assert isinstance(sk_textcnn.load(path), OneVsRestClassifier)
    with pytest.raises(ValueError, match=r"model holds types .* tests\.test_persistence\.Foreign"):
        sk_textcnn.save(Foreign(), tmp_path / "foreign.skops")
    assert not (tmp_path / "foreign.skops").exists()


def test_a_network_holding_python_code_is_refused_even_where_keras_allows_it(tmp_path):
    from keras.src.saving.serialization_lib import SafeModeScope

    model = fast(epochs=1).fit(X_MULTI, Y_MULTI)
    ids = keras.Input(shape=(None,), dtype="int32")
    # A crafted file: the state of a classifier whose network runs a Python function.
    model.model_ = keras.Model(ids, keras.layers.Lambda(lambda x: x * 2)(ids))
    model.model_.compile(optimizer="adam", loss="mse")
    path = tmp_path / "crafted.skops"
    sk_textcnn.save(model, path)
    with SafeModeScope(False), pytest.raises(ValueError, match=r"crafted\.skops .*Lambda"):
        sk_textcnn.load(path)


def test_a_failed_save_leaves_the_earlier_file_and_no_other(tmp_path, monkeypatch):
    path = tmp_path / "model.skops"
    sk_textcnn.save(SequenceVectorizer().fit(SENTIMENT_TEXTS), path)
    before = path.read_bytes()

    def full_disk(source, destination):
        raise OSError("No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        sk_textcnn.save(SequenceVectorizer().fit(["other words"]), path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["model.skops"]


def test_a_damaged_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "model.skops"
    sk_textcnn.save(SequenceVectorizer().fit(SENTIMENT_TEXTS), path)
    damaged = tmp_path / "damaged.skops"
    damaged.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(ValueError, match=r"damaged\.skops (is a zip archive but not|could not)"):
        sk_textcnn.load(damaged)
