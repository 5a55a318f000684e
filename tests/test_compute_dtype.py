"""compute_dtype="bfloat16": layers compute in bfloat16, weights, outputs and loss stay float32."""

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

import sk_textcnn
from sk_textcnn import SequenceVectorizer, explain, network

from .helpers import X_MULTI, Y_MULTI, fast, reviews

TEXTS, LABELS = reviews()
# Short and long documents, an unknown word and an empty one, which predict batches first.
DOCUMENTS = TEXTS[:20] + ["", "a great zebra", "the dull boring awful bad plot of this show"]
# What bfloat16 rounding moves the probabilities of one set of weights by, at most (the
# docstring's figure; 0.0067 on Reuters' 3/4/5 x 128 network, under 1e-3 here).
PROBABILITY_TOLERANCE = 1e-2


def pipeline(**params):
    return make_pipeline(SequenceVectorizer(), fast(linear_term=False, **params))


@pytest.fixture(scope="module")
def bfloat16():
    return pipeline(compute_dtype="bfloat16").fit(TEXTS, LABELS)


def test_layers_compute_in_bfloat16_on_float32_variables(bfloat16):
    network_ = bfloat16[-1].model_
    pooling = network_.get_layer("convolutions")
    for layer in [network_.get_layer("embedding"), pooling, *pooling.convolutions]:
        assert layer.compute_dtype == "bfloat16"
        assert layer.variable_dtype == "float32"
    assert network_.get_layer("output").compute_dtype == "float32"
    floats = [v for v in network_.variables + network_.optimizer.variables if "float" in v.dtype]
    assert floats and {v.dtype for v in floats} == {"float32"}
    assert keras.config.dtype_policy().name == "float32"


def test_probabilities_are_float32_and_bfloat16_rounding_moves_them_little(bfloat16):
    proba = bfloat16.predict_proba(DOCUMENTS)
    assert proba.dtype == np.float32
    assert bfloat16.score(TEXTS, LABELS) >= 0.9
    # The same weights computed in float32: what rounding alone changes.
    same_weights = pipeline().fit(TEXTS, LABELS)
    same_weights[-1].model_.set_weights(bfloat16[-1].model_.get_weights())
    np.testing.assert_allclose(
        same_weights.predict_proba(DOCUMENTS), proba, atol=PROBABILITY_TOLERANCE
    )


def test_a_float32_fit_predicts_as_the_bfloat16_one(bfloat16):
    float32 = pipeline().fit(TEXTS, LABELS)
    agree = np.mean(float32.predict(DOCUMENTS) == bfloat16.predict(DOCUMENTS))
    assert agree >= 0.9


def test_explain_reads_the_features_of_predict(bfloat16):
    classifier = bfloat16[-1]
    positive = classifier.classes_[1]
    scores = bfloat16.decision_function(DOCUMENTS)
    explanations = explain(bfloat16, DOCUMENTS, labels="all", top_k=None)
    for explanation, score in zip(explanations, scores, strict=True):
        explained = explanation[positive]
        total = explained.bias + sum(ngram.contribution for ngram in explained.ngrams)
        assert total == pytest.approx(explained.score, abs=1e-9)
        if keras.backend.backend() == "tensorflow":
            # The same batches through the same kernels: the same bfloat16 features.
            assert explained.score == score
        else:
            # XLA may keep excess precision: one bfloat16 rounding of each feature.
            features = classifier._features_of_ids(bfloat16[0].transform([explanation.document]))
            kernel = np.asarray(classifier.model_.get_layer("output").kernel)[:, 0]
            assert abs(explained.score - score) <= 2**-8 * np.abs(features[0] * kernel).sum()
    predicted = [explanation.labels[0] for explanation in explain(bfloat16, DOCUMENTS)]
    assert predicted == bfloat16.predict(DOCUMENTS).tolist()


def test_pickle_skops_and_export_round_trips(bfloat16, tmp_path):
    proba = bfloat16.predict_proba(DOCUMENTS)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(bfloat16)).predict_proba(DOCUMENTS), proba
    )
    sk_textcnn.save(bfloat16, tmp_path / "model.skops")
    loaded = sk_textcnn.load(tmp_path / "model.skops")
    assert loaded[-1].model_.get_layer("convolutions").compute_dtype == "bfloat16"
    np.testing.assert_array_equal(loaded.predict_proba(DOCUMENTS), proba)
    bfloat16[-1].export_network(tmp_path / "network.keras")
    exported = keras.saving.load_model(tmp_path / "network.keras")
    assert exported.get_layer("embedding").compute_dtype == "bfloat16"
    # The output layer in float32 rather than predict's float64: float32 rounding only.
    outputs = exported.predict_on_batch(bfloat16[0].transform(DOCUMENTS))
    np.testing.assert_allclose(outputs[:, 0], proba[:, 1], atol=1e-6)


def test_clone_keeps_compute_dtype_and_other_models_stay_float32(bfloat16):
    assert clone(bfloat16[-1]).compute_dtype == "bfloat16"
    assert clone(bfloat16[-1]).get_params() == bfloat16[-1].get_params()
    other = fast(epochs=1).fit(X_MULTI, Y_MULTI)
    assert other.model_.get_layer("convolutions").compute_dtype == "float32"


def test_an_invalid_compute_dtype_is_refused_naming_it():
    with pytest.raises(ValueError, match="'compute_dtype' parameter"):
        fast(compute_dtype="float16").fit(X_MULTI, Y_MULTI)


@pytest.mark.parametrize("how", ["partial_fit", "warm fit"])
def test_continued_training_refuses_a_changed_compute_dtype(how):
    model = fast(epochs=1).fit(X_MULTI, Y_MULTI)
    model.set_params(compute_dtype="bfloat16", warm_start=True)
    with pytest.raises(ValueError, match="compute_dtype changed"):
        model.partial_fit(X_MULTI, Y_MULTI) if how == "partial_fit" else model.fit(X_MULTI, Y_MULTI)
    # A new fit builds a new network, in bfloat16.
    model.set_params(warm_start=False).fit(X_MULTI, Y_MULTI)
    assert model.model_.get_layer("convolutions").compute_dtype == "bfloat16"


def test_a_backend_without_bfloat16_kernels_gets_a_clear_error(monkeypatch):
    convolve = keras.layers.Conv1D.call

    def without_bfloat16(layer, inputs):
        if layer.compute_dtype == "bfloat16":
            raise RuntimeError("No registered 'Conv2D' OpKernel for 'CPU' devices (T=DT_BFLOAT16)")
        return convolve(layer, inputs)

    monkeypatch.setattr(keras.layers.Conv1D, "call", without_bfloat16)
    network._bfloat16_problem.cache_clear()
    try:
        model = fast(compute_dtype="bfloat16")
        with pytest.raises(ValueError, match="compute_dtype='bfloat16' does not run") as error:
            model.fit(X_MULTI, Y_MULTI)
        assert "OpKernel" in str(error.value.__cause__)  # the backend's own error, chained
        assert not model.initialized_
    finally:
        network._bfloat16_problem.cache_clear()
