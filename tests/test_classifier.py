"""TextCNNClassifier: targets, probabilities, thresholds, scikit-learn integration."""

import pickle
import random
import warnings

import joblib
import keras
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    check_cv,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from tensorflow.python.framework import config as tf_config

from sk_textcnn import SequenceVectorizer, TextCNNClassifier

from .conftest import FAST

RNG = np.random.RandomState(0)
# Label 0 fires on id 5, label 1 on id 6, label 2 on id 7; ids 2..9 are noise words.
X_MULTI = RNG.randint(8, 12, size=(60, 8)).astype(np.int32)
for marker in (5, 6, 7):
    rows = RNG.rand(60) < 0.4
    X_MULTI[rows, RNG.randint(0, 8, rows.sum())] = marker
Y_MULTI = np.stack([(X_MULTI == marker).any(axis=1) for marker in (5, 6, 7)], axis=1).astype(int)


def fast(**params):
    return TextCNNClassifier(**{**FAST, "random_state": 0, **params})


@pytest.fixture(scope="module")
def binary_pipeline():
    from .conftest import NEGATIVE, POSITIVE

    texts = (POSITIVE + NEGATIVE) * 4
    labels = (["pos"] * 4 + ["neg"] * 4) * 4
    return make_pipeline(SequenceVectorizer(), fast()).fit(texts, labels), texts, labels


@pytest.fixture(scope="module")
def multilabel_model():
    return fast(epochs=30).fit(X_MULTI, Y_MULTI)


def test_binary_string_labels(binary_pipeline):
    pipeline, texts, labels = binary_pipeline
    assert pipeline.predict(["good great film", "awful bad movie"]).tolist() == ["pos", "neg"]
    proba = pipeline.predict_proba(texts)
    assert proba.shape == (len(texts), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    classifier = pipeline[-1]
    assert classifier.classes_.tolist() == ["neg", "pos"]
    assert classifier.target_type_ == "binary"
    assert (pipeline.predict(texts) == np.asarray(labels)).mean() == 1.0
    # column 1 is the probability of classes_[1]
    assert proba[labels.index("pos"), 1] > 0.5


def test_multiclass_softmax_rows_sum_to_one():
    y = np.array(["a", "b", "c"])[np.argmax(Y_MULTI * [3, 2, 1] + 0.5 * RNG.rand(60, 3), axis=1)]
    model = fast(epochs=30).fit(X_MULTI, y)
    proba = model.predict_proba(X_MULTI)
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(model.predict(X_MULTI), model.classes_[proba.argmax(axis=1)])
    assert model.score(X_MULTI, y) > 0.8


def test_multiclass_refuses_a_threshold():
    y = np.arange(60) % 3
    with pytest.raises(ValueError, match="no meaning for a multiclass target"):
        fast(threshold=0.3, epochs=1).fit(X_MULTI, y)


def test_multilabel_independent_sigmoids(multilabel_model):
    proba = multilabel_model.predict_proba(X_MULTI)
    assert proba.shape == (60, 3)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert not np.allclose(proba.sum(axis=1), 1)
    predicted = multilabel_model.predict(X_MULTI)
    assert isinstance(predicted, np.ndarray) and predicted.shape == (60, 3)
    np.testing.assert_array_equal(predicted, (proba >= 0.5).astype(int))
    assert (predicted == Y_MULTI).mean() > 0.9
    np.testing.assert_array_equal(multilabel_model.classes_, [0, 1, 2])


def test_sparse_multilabel_target_gives_sparse_predictions():
    model = fast(epochs=2).fit(X_MULTI, sp.csr_matrix(Y_MULTI))
    predicted = model.predict(X_MULTI)
    assert sp.issparse(predicted) and predicted.shape == (60, 3)


def test_threshold_moves_decisions(multilabel_model):
    proba = multilabel_model.predict_proba(X_MULTI)
    model = clone(multilabel_model)
    model.__dict__.update({k: v for k, v in vars(multilabel_model).items() if k.endswith("_")})
    model.set_params(threshold=0.0)
    assert model.predict(X_MULTI).all()
    per_label = [0.0, 1.0, 0.5]
    model.set_params(threshold=per_label)
    predicted = model.predict(X_MULTI)
    assert predicted[:, 0].all() and not predicted[:, 1].any()
    np.testing.assert_array_equal(predicted[:, 2], proba[:, 2] >= 0.5)


@pytest.mark.parametrize(
    "threshold, match",
    [([0.5, 0.5], "one value per label"), (1.5, "threshold"), ([0.2, -0.1, 0.5], r"\[0, 1\]")],
)
def test_bad_threshold(threshold, match):
    with pytest.raises(ValueError, match=match):
        fast(threshold=threshold, epochs=1).fit(X_MULTI, Y_MULTI)


def test_label_constant_in_training_data_warns_and_fits():
    y = Y_MULTI.copy()
    y[:, 1] = 0
    with pytest.warns(UserWarning, match="Label 1 is absent from all training examples"):
        model = fast(epochs=1).fit(X_MULTI, y)
    assert model.predict(X_MULTI).shape == (60, 3)


def test_padding_and_batch_invariance(multilabel_model):
    proba = multilabel_model.predict_proba(X_MULTI)
    # The same documents with extra padding, moved to the front, in another order.
    wider = np.hstack([X_MULTI, np.zeros((60, 8), np.int32)])
    wider_model = clone(multilabel_model)
    wider_model.__dict__.update(
        {k: v for k, v in vars(multilabel_model).items() if k.endswith("_")}, n_features_in_=16
    )
    np.testing.assert_allclose(wider_model.predict_proba(wider), proba, atol=1e-6)
    pre_padded = np.hstack([np.zeros((60, 8), np.int32), X_MULTI])
    np.testing.assert_allclose(wider_model.predict_proba(pre_padded), proba, atol=1e-6)
    order = RNG.permutation(60)
    np.testing.assert_allclose(
        multilabel_model.predict_proba(X_MULTI[order]), proba[order], atol=1e-6
    )
    np.testing.assert_allclose(multilabel_model.predict_proba(X_MULTI[:1]), proba[:1], atol=1e-6)


def test_short_and_empty_documents_and_unknown_ids(multilabel_model):
    X = np.zeros((3, 8), np.int32)
    X[0, 0] = 5  # one token, shorter than every filter
    X[2, :2] = [10_000, 6]  # an id never seen in fit
    proba = multilabel_model.predict_proba(X)
    assert np.isfinite(proba).all()
    X_oov = X.copy()
    X_oov[2, 0] = 1
    np.testing.assert_allclose(multilabel_model.predict_proba(X_oov), proba, atol=1e-6)


def test_whole_number_floats_are_accepted(multilabel_model):
    np.testing.assert_allclose(
        multilabel_model.predict_proba(X_MULTI.astype(np.float64)),
        multilabel_model.predict_proba(X_MULTI),
        atol=1e-6,
    )


def test_same_seed_same_probabilities_and_no_global_state_change():
    tf_determinism = tf_config.is_op_determinism_enabled()
    numpy_state = np.random.get_state()[1].copy()
    python_state = random.getstate()
    settings = keras.config.floatx(), keras.config.image_data_format(), keras.backend.backend()
    first = fast(epochs=3).fit(X_MULTI, Y_MULTI).predict_proba(X_MULTI)
    second = fast(epochs=3).fit(X_MULTI, Y_MULTI).predict_proba(X_MULTI)
    other = fast(epochs=3, random_state=1).fit(X_MULTI, Y_MULTI).predict_proba(X_MULTI)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)
    assert tf_config.is_op_determinism_enabled() == tf_determinism
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    assert random.getstate() == python_state
    assert (
        keras.config.floatx(),
        keras.config.image_data_format(),
        keras.backend.backend(),
    ) == settings


def test_fit_resets_and_partial_fit_continues():
    model = fast(epochs=2).fit(X_MULTI, Y_MULTI)
    first_network = model.model_
    model.fit(X_MULTI[:, :6], Y_MULTI[:, :2])
    assert model.model_ is not first_network
    assert model.n_features_in_ == 6 and len(model.classes_) == 2
    assert len(model.history_["loss"]) == 2
    model.partial_fit(X_MULTI[:, :6], Y_MULTI[:, :2])
    assert len(model.history_["loss"]) == 3
    fresh = fast().partial_fit(X_MULTI, np.arange(60) % 2, classes=[0, 1, 2])
    assert fresh.classes_.tolist() == [0, 1, 2] and fresh.target_type_ == "multiclass"


def test_is_a_classifier_with_stratified_folds():
    model = fast()
    assert is_classifier(model)
    assert isinstance(
        check_cv(3, np.arange(60) % 2, classifier=is_classifier(model)), StratifiedKFold
    )


def test_clone_keeps_every_parameter():
    model = TextCNNClassifier(
        embedding_dim=7,
        filter_sizes=(2,),
        num_filters=3,
        dropout=0.1,
        optimizer="sgd",
        learning_rate=0.3,
        ema_momentum=0.5,
        batch_size=5,
        epochs=4,
        threshold=[0.1, 0.2],
        at_least_one_label=True,
        random_state=3,
        verbose=1,
    )
    assert clone(model).get_params() == model.get_params()
    assert set(model.get_params()) == {
        "embedding_dim",
        "embeddings",
        "embedding_mode",
        "filter_sizes",
        "num_filters",
        "dropout",
        "optimizer",
        "learning_rate",
        "ema_momentum",
        "batch_size",
        "epochs",
        "threshold",
        "at_least_one_label",
        "class_weight",
        "positive_weight",
        "early_stopping",
        "validation_fraction",
        "n_iter_no_change",
        "jit_compile",
        "random_state",
        "verbose",
    }


def test_pickle_and_joblib_round_trips(binary_pipeline, tmp_path):
    pipeline, texts, _ = binary_pipeline
    expected = pipeline.predict_proba(texts)
    restored = pickle.loads(pickle.dumps(pipeline))
    np.testing.assert_array_equal(restored.predict_proba(texts), expected)
    joblib.dump(pipeline, tmp_path / "pipeline.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "pipeline.joblib").predict_proba(texts), expected
    )
    assert clone(pipeline)[-1].get_params() == pipeline[-1].get_params()


def test_grid_search_over_filters_and_threshold(sentiment):
    texts, labels = sentiment
    search = GridSearchCV(
        make_pipeline(SequenceVectorizer(), fast()),
        {"textcnnclassifier__num_filters": [4, 8], "textcnnclassifier__threshold": [0.3, 0.5]},
        cv=2,
    ).fit(texts, labels)
    assert search.best_score_ > 0.8
    assert search.best_estimator_[-1].threshold in (0.3, 0.5)
    assert (
        cross_val_score(make_pipeline(SequenceVectorizer(), fast()), texts, labels, cv=2).mean()
        > 0.8
    )


def test_binary_meta_estimators(sentiment):
    texts, labels = sentiment
    X = SequenceVectorizer().fit_transform(texts)
    tuned = TunedThresholdClassifierCV(fast(), cv=2).fit(X, labels)
    assert set(tuned.predict(X)) <= {"pos", "neg"}
    calibrated = CalibratedClassifierCV(fast(), cv=2).fit(X, labels)
    np.testing.assert_allclose(calibrated.predict_proba(X).sum(axis=1), 1)
    voting = VotingClassifier([("a", fast()), ("b", fast(random_state=1))], voting="soft")
    assert (voting.fit(X, labels).predict(X) == np.asarray(labels)).mean() > 0.8


def test_fitting_is_quiet(capfd):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast(epochs=2).fit(X_MULTI, Y_MULTI).predict(X_MULTI)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_verbose_prints_the_loss(capsys):
    fast(epochs=2, verbose=1).fit(X_MULTI, Y_MULTI)
    assert capsys.readouterr().out.count("loss:") == 2


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "X, error, match",
    [
        (["good movie", "bad film"], TypeError, "Put a SequenceVectorizer in front"),
        ("good movie", TypeError, "Put a SequenceVectorizer in front"),
        ([[1.5, 2.0], [3.0, 4.0]], ValueError, r"Non-integer values in data.*X\[0, 0\] = 1.5"),
        ([[1, -2], [3, 4]], ValueError, r"Negative values in data.*X\[0, 1\] = -2"),
        ([[np.nan, 2.0], [3.0, 4.0]], ValueError, "NaN"),
        ([1, 2], ValueError, "Expected 2D array"),
    ],
)
def test_bad_X_in_fit(X, error, match):
    with pytest.raises(error, match=match):
        fast(epochs=1).fit(X, [0, 1])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"filter_sizes": ()}, "filter_sizes must be a non-empty"),
        ({"filter_sizes": (3, 0)}, "filter_sizes must be a non-empty"),
        ({"filter_sizes": (2.5,)}, "filter_sizes must be a non-empty"),
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": -0.1}, "dropout"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"epochs": 0}, "epochs"),
    ],
)
def test_bad_parameters_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        fast(**params).fit(X_MULTI, Y_MULTI)


def test_mismatched_lengths_single_class_and_unfitted():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fast(epochs=1).fit(X_MULTI, Y_MULTI[:10])
    with pytest.raises(ValueError, match="at least 2 classes"):
        fast(epochs=1).fit(X_MULTI, np.ones(60))
    with pytest.raises(ValueError, match="need a positive sample_weight"):
        fast(epochs=1).fit(X_MULTI, np.arange(60) % 2, sample_weight=np.arange(60) % 2)
    with pytest.raises(NotFittedError):
        fast().predict(X_MULTI)


def test_wrong_number_of_columns_at_predict(multilabel_model):
    with pytest.raises(ValueError, match="X has 5 features, but TextCNNClassifier is expecting 8"):
        multilabel_model.predict(X_MULTI[:, :5])


def test_xla_compilation_gives_the_same_probabilities():
    jitted = fast(epochs=3, jit_compile=True).fit(X_MULTI, Y_MULTI)
    proba = jitted.predict_proba(X_MULTI)
    # The same weights without XLA (and without width rounding)
    jitted.set_params(jit_compile=False)
    jitted.model_.jit_compile = False
    jitted.model_.predict_function = None
    np.testing.assert_allclose(jitted.predict_proba(X_MULTI), proba, atol=1e-5)


def test_many_batch_widths_log_nothing(capfd):
    # Documents of 1..60 tokens: prediction batches of many different widths.
    X = np.zeros((600, 60), np.int32)
    for row in range(600):
        X[row, : 1 + row % 60] = 5 + row % 3
    model = fast(epochs=1).fit(X[:60], np.arange(60) % 2)
    capfd.readouterr()
    for size in (7, 31, 64, 600):
        model.predict_proba(X[:size][::-1])
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_outputs_match_the_recorded_reference():
    from .reference_outputs import REFERENCE_PATH, classifier_outputs

    reference = np.load(REFERENCE_PATH)
    for name, value in classifier_outputs().items():
        np.testing.assert_allclose(value, reference[name], rtol=1e-5, atol=1e-6, err_msg=name)
