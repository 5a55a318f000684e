"""TextCNNClassifier: targets, probabilities, thresholds, weights, embeddings, persistence."""

import copy
import pickle
import random
import subprocess
import sys
import warnings

import joblib
import keras
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    check_cv,
    cross_val_score,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MultiLabelBinarizer
from sklearn.svm import LinearSVC
from tensorflow.python.framework import config as tf_config

from sk_textcnn import SequenceVectorizer, TextCNNClassifier, load_reuters
from sk_textcnn.network import trained_model
from sk_textcnn.word_vectors import load_word_vectors, save_word_vectors

from .helpers import (
    FAST,
    SENTIMENT_LABELS,
    SENTIMENT_TEXTS,
    X_MULTI,
    Y_MULTI,
    fast,
    reviews,
)


@pytest.fixture(scope="module")
def binary_pipeline():
    texts, labels = list(SENTIMENT_TEXTS), list(SENTIMENT_LABELS)
    return make_pipeline(SequenceVectorizer(), fast()).fit(texts, labels), texts, labels


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
    noise = 0.5 * np.random.RandomState(1).rand(60, 3)
    y = np.array(["a", "b", "c"])[np.argmax(Y_MULTI * [3, 2, 1] + noise, axis=1)]
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
    # Set after fit, it is refused by predict too, not silently ignored.
    fitted = fast(epochs=1).fit(X_MULTI, y)
    with pytest.raises(ValueError, match="threshold=0.3 has no meaning for a multiclass"):
        fitted.set_params(threshold=0.3).predict(X_MULTI)
    assert len(fitted.set_params(threshold=None).predict(X_MULTI)) == 60


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


LABEL_NAMES = np.array(["acq", "earn", "grain"])  # sorted: the columns of Y_MULTI in order


def as_label_lists(Y, names=LABEL_NAMES, kind=list):
    return [kind(names[row == 1].tolist()) for row in np.asarray(Y)]


@pytest.mark.parametrize(
    "names, kind",
    [(LABEL_NAMES, list), (LABEL_NAMES, tuple), (LABEL_NAMES, set), (np.array([3, 10, 20]), list)],
)
def test_label_lists_fit_predict_and_score_as_their_indicator_matrix(multilabel_model, names, kind):
    lists = as_label_lists(Y_MULTI, names, kind)
    assert lists[4] == kind()  # documents without a label: empty lists
    model = fast(epochs=30).fit(X_MULTI, lists)
    assert model.label_lists_ and model.classes_.tolist() == names.tolist()
    # The same network as on the indicator matrix, whose columns are the sorted labels.
    np.testing.assert_array_equal(
        model.predict_proba(X_MULTI), multilabel_model.predict_proba(X_MULTI)
    )
    predicted = model.predict(X_MULTI)
    binarizer = MultiLabelBinarizer(classes=names).fit(lists)
    assert predicted == binarizer.inverse_transform(multilabel_model.predict(X_MULTI))
    assert all(type(labels) is tuple for labels in predicted)
    assert model.score(X_MULTI, lists) == multilabel_model.score(X_MULTI, Y_MULTI) > 0.8
    # Either form of y scores either model.
    assert multilabel_model.score(X_MULTI, as_label_lists(Y_MULTI, np.arange(3))) == (
        model.score(X_MULTI, binarizer.transform(lists))
    )
    assert model.target_encoder.inverse_transform(model.target_encoder.transform(lists)) == [
        tuple(sorted(labels)) for labels in lists
    ]


def test_label_lists_in_partial_fit_with_all_label_names():
    lists = as_label_lists(Y_MULTI)
    model = fast(early_stopping=False, threshold=0.5)
    first = [labels for labels in lists if "grain" not in labels]
    with pytest.warns(UserWarning, match=r"Label columns \[2\] absent from all"):
        model.partial_fit(X_MULTI[: len(first)], first, classes=["grain", "acq", "earn"])
    assert model.classes_.tolist() == ["acq", "earn", "grain"]
    model.partial_fit(X_MULTI, lists)
    assert model.current_epoch == 2 and model.predict_proba(X_MULTI).shape == (60, 3)
    assert {label for labels in model.predict(X_MULTI) for label in labels} <= set(LABEL_NAMES)


def test_labels_not_seen_in_fit_are_refused_by_name():
    lists = as_label_lists(Y_MULTI)
    model = fast(epochs=1).fit(X_MULTI, lists)
    unseen = [["acq", "wheat"], *lists[1:]]
    with pytest.raises(ValueError, match=r"y contains labels not seen in fit: \['wheat'\]"):
        model.score(X_MULTI, unseen)
    with pytest.raises(ValueError, match=r"y contains labels not seen in fit: \['wheat'\]"):
        model.partial_fit(X_MULTI, unseen)
    with pytest.raises(ValueError, match=r"not seen in fit: \['wheat'\]"):
        fast(early_stopping=False).partial_fit(X_MULTI, unseen, classes=LABEL_NAMES)


def test_label_lists_without_labels_or_of_mixed_types_are_refused():
    with pytest.raises(ValueError, match="y holds no label: every sample's label list is empty"):
        fast(epochs=1).fit(X_MULTI, [[] for _ in X_MULTI])
    with pytest.raises(TypeError, match="y mixes labels that cannot be sorted together"):
        fast(epochs=1).fit(X_MULTI, [["a", 1], *as_label_lists(Y_MULTI)[1:]])


def test_scikit_learn_splitters_refuse_label_lists_naming_the_fix():
    lists = as_label_lists(Y_MULTI)
    search = GridSearchCV(fast(epochs=1), {"batch_size": [16, 32]}, cv=2)
    with pytest.raises(ValueError, match="legacy multi-label .* MultiLabelBinarizer"):
        search.fit(X_MULTI, lists)
    with pytest.raises(ValueError, match="legacy multi-label .* MultiLabelBinarizer"):
        cross_val_score(fast(epochs=1), X_MULTI, lists, cv=2)


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
    with pytest.warns(UserWarning, match=r"Label columns \[1\] absent from all training examples"):
        model = fast(epochs=1).fit(X_MULTI, y)
    assert model.predict(X_MULTI).shape == (60, 3)


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
        token_dropout=0.2,
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
        "token_dropout",
        "optimizer",
        "learning_rate",
        "ema_momentum",
        "batch_size",
        "epochs",
        "threshold",
        "at_least_one_label",
        "class_weight",
        "positive_weight",
        "linear_term",
        "early_stopping",
        "refit",
        "validation_fraction",
        "n_iter_no_change",
        "jit_compile",
        "compute_dtype",
        "random_state",
        "warm_start",
        "callbacks",
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
        ({"token_dropout": 1.0}, "token_dropout"),
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


def test_outputs_match_the_recorded_reference():
    from .reference_outputs import REFERENCE_PATH, classifier_outputs

    reference = np.load(REFERENCE_PATH)
    for name, value in classifier_outputs().items():
        # atol: float32 convolutions round differently across CPUs (oneDNN picks its kernels
        # by the instruction set); 1e-5 has been seen on AMD EPYC, a behaviour change is larger.
        np.testing.assert_allclose(value, reference[name], rtol=1e-5, atol=2e-5, err_msg=name)


def test_auto_threshold_is_tuned_per_label_and_used_by_predict():
    model = fast(threshold="auto", epochs=5, validation_fraction=0.3, linear_term=False)
    model.fit(X_MULTI, Y_MULTI)
    assert model.threshold_.shape == (3,)
    assert not np.allclose(model.threshold_, 0.5)
    proba = model.predict_proba(X_MULTI)
    np.testing.assert_array_equal(model.predict(X_MULTI), (proba >= model.threshold_).astype(int))
    # The network decides alone: refitted on all documents, its thresholds those tuned before.
    assert set(model.history_) == {"loss", "val_loss", "val_micro_f1", "val_macro_f1", "refit_loss"}


def test_auto_threshold_is_at_least_as_good_as_half_on_its_validation_data():
    from sk_textcnn.thresholds import multilabel_train_test_split_indices, tune_thresholds

    model = fast(epochs=3).fit(X_MULTI, Y_MULTI)
    _, held_out = multilabel_train_test_split_indices(Y_MULTI, test_size=0.3, random_state=0)
    proba = model.predict_proba(X_MULTI[held_out])
    tuned = tune_thresholds(Y_MULTI[held_out], proba)
    for average in ("micro", "macro"):
        assert f1_score(Y_MULTI[held_out], proba >= tuned, average=average) >= f1_score(
            Y_MULTI[held_out], proba >= 0.5, average=average
        )


def test_auto_threshold_for_binary_and_refused_for_multiclass():
    y = Y_MULTI[:, 0]
    model = fast(threshold="auto", epochs=2).fit(X_MULTI, y)
    assert model.threshold_.shape == (1,)
    with pytest.raises(ValueError, match="most probable class"):
        fast(threshold="auto", epochs=1).fit(X_MULTI, np.arange(60) % 3)


def test_balanced_positive_weight_raises_recall_of_a_rare_label():
    y = Y_MULTI.copy()
    y[10:, 2] = 0  # label 2 becomes rare
    plain = fast(epochs=5).fit(X_MULTI, y)
    weighted = fast(epochs=5, positive_weight="balanced").fit(X_MULTI, y)
    positives = y[:, 2].sum()
    np.testing.assert_allclose(weighted.positive_weight_[2], (60 - positives) / positives)
    assert (
        weighted.predict_proba(X_MULTI)[y[:, 2] == 1, 2].mean()
        > plain.predict_proba(X_MULTI)[y[:, 2] == 1, 2].mean()
    )


@pytest.mark.parametrize(
    "params, y, match",
    [
        ({"positive_weight": [1.0, 2.0]}, Y_MULTI, "one value per label"),
        ({"positive_weight": [1.0, 0.0, 2.0]}, Y_MULTI, "must be positive"),
        ({"positive_weight": "balanced"}, np.arange(60) % 3, "use class_weight"),
        ({"class_weight": "balanced"}, Y_MULTI, "use positive_weight"),
    ],
)
def test_bad_weights(params, y, match):
    with pytest.raises(ValueError, match=match):
        fast(epochs=1, **params).fit(X_MULTI, y)


def test_class_weight_and_sample_weight_are_honoured():
    y = Y_MULTI[:, 0]
    base = fast(epochs=3).fit(X_MULTI, y).predict_proba(X_MULTI)[:, 1]
    heavy_positive = fast(epochs=3, class_weight={0: 1, 1: 20}).fit(X_MULTI, y)
    assert heavy_positive.predict_proba(X_MULTI)[:, 1].mean() > base.mean()
    weights = np.where(y == 1, 20.0, 1.0)
    by_sample = fast(epochs=3).fit(X_MULTI, y, sample_weight=weights)
    np.testing.assert_allclose(
        by_sample.predict_proba(X_MULTI),
        heavy_positive.predict_proba(X_MULTI),
        rtol=1e-5,
        atol=1e-6,
    )


EMPTY_DOCUMENT = np.zeros((1, X_MULTI.shape[1]), dtype=np.int32)


@pytest.mark.parametrize(
    ("y", "params", "expected"),
    [
        # Smoothed label frequencies: (positives + 0.5) / (n + 1).
        (Y_MULTI, {}, (Y_MULTI.sum(axis=0) + 0.5) / 61),
        # Positive weight w turns the optimal constant's odds p / (1 - p) into w * p / (1 - p).
        (
            Y_MULTI,
            {"positive_weight": [3.0, 1.0, 1.0]},
            1
            / (
                1
                + (61 - Y_MULTI.sum(axis=0) - 0.5)
                / (np.array([3, 1, 1]) * (Y_MULTI.sum(axis=0) + 0.5))
            ),
        ),
        (np.arange(60) % 3 == 0, {}, [40.5 / 61, 20.5 / 61]),
        (np.arange(60) % 3 == 0, {"class_weight": "balanced"}, [0.5, 0.5]),
        (np.arange(60) % 4 % 3, {}, [30.5 / 61.5, 15.5 / 61.5, 15.5 / 61.5]),
    ],
    ids=["multilabel", "positive_weight", "binary", "binary_balanced", "multiclass"],
)
def test_a_document_without_evidence_scores_the_base_rates(y, params, expected):
    # A learning rate this small leaves the network as initialized; an empty document has all
    # pooled features 0 and so scores exactly the output bias.
    model = fast(learning_rate=1e-12, epochs=1, linear_term=False, **params).fit(X_MULTI, y)
    np.testing.assert_allclose(model.predict_proba(EMPTY_DOCUMENT)[0], expected, rtol=1e-4)


def test_empty_documents_stay_below_one_half_after_training():
    model = fast(epochs=10).fit(X_MULTI, Y_MULTI)
    assert (model.predict_proba(EMPTY_DOCUMENT) < 0.5).all()


def test_at_least_one_label_fills_only_the_empty_rows():
    model = fast(epochs=3).fit(X_MULTI, Y_MULTI)
    proba = model.predict_proba(X_MULTI)
    plain = model.predict(X_MULTI)
    filled = model.set_params(at_least_one_label=True).predict(X_MULTI)
    empty = plain.sum(axis=1) == 0
    assert empty.any() and (filled.sum(axis=1) >= 1).all()
    np.testing.assert_array_equal(filled[~empty], plain[~empty])
    np.testing.assert_array_equal(filled[empty].argmax(axis=1), proba[empty].argmax(axis=1))
    assert (filled[empty].sum(axis=1) == 1).all()


@pytest.mark.parametrize("y", [Y_MULTI[:, 0], np.arange(60) % 3], ids=["binary", "multiclass"])
def test_at_least_one_label_is_refused_for_single_label_targets(y):
    with pytest.raises(ValueError, match="at_least_one_label applies to multi-label targets"):
        fast(epochs=1, at_least_one_label=True).fit(X_MULTI, y)


WORDS = ["good", "great", "lovely", "awful", "bad", "boring", "movie", "film"]


@pytest.fixture
def vectors(tmp_path):
    rng = np.random.RandomState(0)
    matrix = rng.normal(size=(len(WORDS), 6)).astype(np.float32)
    matrix[:3, 0] += 3  # positive words share a direction
    path = tmp_path / "vectors.txt.gz"
    save_word_vectors(path, WORDS, matrix, format="glove")
    return load_word_vectors(path)


def pipeline(vectors, **params):
    return make_pipeline(
        SequenceVectorizer(vocabulary=vectors.words),
        TextCNNClassifier(
            **{**FAST, "embedding_dim": None, "random_state": 0, "embeddings": vectors, **params}
        ),
    )


def table(model, name="embedding"):
    return model.model_.get_layer(name).get_weights()[0]


def test_static_embedding_is_bit_identical_after_fit(vectors, sentiment):
    fitted = pipeline(vectors, embedding_mode="static").fit(*sentiment)
    weights = table(fitted[-1])
    np.testing.assert_array_equal(weights[2 : 2 + len(WORDS)], vectors.vectors)
    np.testing.assert_array_equal(weights[0], 0)
    np.testing.assert_allclose(weights[1], vectors.vectors.mean(axis=0), rtol=1e-6)
    assert fitted.score(*sentiment) > 0.8


def test_non_static_embedding_starts_from_the_vectors_and_moves(vectors, sentiment):
    fitted = pipeline(vectors, embedding_mode="non-static").fit(*sentiment)
    rows = table(fitted[-1])[2 : 2 + len(WORDS)]
    assert not np.array_equal(rows, vectors.vectors)
    assert np.corrcoef(rows.ravel(), vectors.vectors.ravel())[0, 1] > 0.9


def test_multichannel_has_a_frozen_and_a_tuned_copy(vectors, sentiment):
    fitted = pipeline(vectors, embedding_mode="multichannel").fit(*sentiment)
    frozen = table(fitted[-1], "embedding_static")[2 : 2 + len(WORDS)]
    tuned = table(fitted[-1], "embedding")[2 : 2 + len(WORDS)]
    np.testing.assert_array_equal(frozen, vectors.vectors)
    assert not np.array_equal(tuned, vectors.vectors)


def test_learned_vocabulary_gets_vectors_where_the_file_has_them(vectors, sentiment):
    texts, labels = sentiment
    vectorizer = SequenceVectorizer(vocabulary=vectors.words, extend_vocabulary=True)
    fitted = make_pipeline(
        vectorizer,
        TextCNNClassifier(**{**FAST, "embedding_dim": None}, random_state=0, embeddings=vectors),
    ).fit(texts, labels)
    learned = set(fitted[0].vocabulary_) - set(WORDS)
    assert learned == {"story", "a", "an"}
    tokens = [token for text in texts for token in text.split()]
    covered = sum(token in WORDS for token in tokens)
    assert fitted[-1].embedding_coverage_ == pytest.approx(covered / len(tokens))
    assert fitted[-1].embedding_source_ == "user"
    assert fitted[-1].n_ids_ == 2 + len(fitted[0].vocabulary_)


def test_accepts_a_plain_matrix_and_checks_its_width(vectors, sentiment):
    fitted = pipeline(vectors, embeddings=vectors.vectors, embedding_mode="static").fit(*sentiment)
    np.testing.assert_array_equal(table(fitted[-1])[2 : 2 + len(WORDS)], vectors.vectors)
    with pytest.raises(ValueError, match="embedding_dim=4 is narrower than embeddings"):
        pipeline(vectors, embedding_dim=4).fit(*sentiment)
    with pytest.raises(ValueError, match="non-empty 2-D array of finite vectors"):
        pipeline(vectors, embeddings=np.zeros(5)).fit(*sentiment)


def test_frozen_modes_need_vectors(sentiment):
    model = make_pipeline(SequenceVectorizer(), TextCNNClassifier(**FAST, embedding_mode="static"))
    with pytest.raises(ValueError, match="needs pretrained embeddings"):
        model.fit(*sentiment)


def test_clone_pickle_and_grid_search_over_modes(vectors, sentiment):
    model = pipeline(vectors, embedding_mode="static")
    cloned = clone(model)[-1].get_params()["embeddings"]
    assert cloned.words == vectors.words
    np.testing.assert_array_equal(cloned.vectors, vectors.vectors)
    fitted = model.fit(*sentiment)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        restored.predict_proba(sentiment[0]), fitted.predict_proba(sentiment[0])
    )
    search = GridSearchCV(
        pipeline(vectors),
        {"textcnnclassifier__embedding_mode": ["static", "non-static", "multichannel"]},
        cv=2,
    ).fit(*sentiment)
    assert len(search.cv_results_["mean_test_score"]) == 3


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
    pipeline = fitted_pipeline(sentiment, linear_term=False)
    pipeline[-1].export_network(tmp_path / "network.keras")
    served = keras.saving.load_model(tmp_path / "network.keras")
    ids = pipeline[0].transform(sentiment[0])
    np.testing.assert_allclose(
        served.predict_on_batch(ids)[:, 0], pipeline.predict_proba(sentiment[0])[:, 1], atol=1e-6
    )


def test_keras_native_export_refuses_a_blended_classifier(tmp_path):
    pipeline = fitted_pipeline(reviews())
    assert pipeline[-1].linear_term_ is not None
    with pytest.raises(ValueError, match="linear_term=False to export"):
        pipeline[-1].export_network(tmp_path / "network.keras")
    assert not (tmp_path / "network.keras").exists()


@pytest.mark.slow
def test_default_pipeline_beats_tfidf_linear_svc_on_reuters():
    train, test = load_reuters(subset="train"), load_reuters(subset="test")
    pipelines = {
        "cnn": make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0)),
        "svm": make_pipeline(
            TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
            OneVsRestClassifier(LinearSVC()),
        ),
    }
    predicted = {
        name: pipeline.fit(train.data, train.target).predict(test.data)
        for name, pipeline in pipelines.items()
    }
    # The recommended CNN setting for Reuters (the faster alternative to the README's ensemble),
    # on the same fitted network.
    pipelines["cnn"][-1].set_params(at_least_one_label=True)
    predicted["cnn_at_least_one"] = pipelines["cnn"].predict(test.data)
    assert (predicted["cnn_at_least_one"].sum(axis=1) >= 1).all()
    scores = {
        name: np.array(
            [
                f1_score(test.target, Y, average=average, zero_division=0)
                for average in ("micro", "macro")
            ]
        )
        for name, Y in predicted.items()
    }
    assert (scores["cnn"] >= scores["svm"]).all()
    assert (scores["cnn_at_least_one"] > scores["cnn"]).all()


# ---------------------------------------------------------------- the scikeras surface


def test_initialize_builds_the_network_without_training():
    y = np.arange(60) % 2
    model = fast()
    assert model.initialize(X_MULTI, y) is model
    assert model.initialized_ and model.current_epoch == 0 and model.history_ == {"loss": []}
    assert model.predict_proba(X_MULTI).shape == (60, 2)
    model.partial_fit(X_MULTI, y)
    assert model.current_epoch == 1


def test_warm_start_continues_from_the_fitted_weights():
    model = fast(epochs=2, warm_start=True).fit(X_MULTI, Y_MULTI)
    network, first_losses = model.model_, list(model.history_["loss"])
    model.fit(X_MULTI, Y_MULTI)
    assert model.model_ is network and model.current_epoch == 4
    assert model.history_["loss"][:2] == first_losses
    # A fresh fit starts over from the first epoch's loss.
    assert model.history_["loss"][2] < first_losses[0]
    cold = fast(epochs=2).fit(X_MULTI, Y_MULTI)
    cold.fit(X_MULTI, Y_MULTI)
    assert cold.current_epoch == 2


def test_encoders_are_what_the_estimator_uses(multilabel_model):
    binary = fast(epochs=1).fit(X_MULTI, np.where(np.arange(60) % 2, "yes", "no"))
    labels = np.array(["yes", "no", "yes"])
    encoded = binary.target_encoder.transform(labels)
    np.testing.assert_array_equal(encoded, [[1.0], [0.0], [1.0]])
    np.testing.assert_array_equal(binary.target_encoder.inverse_transform(encoded), labels)
    np.testing.assert_array_equal(
        multilabel_model.target_encoder.transform(Y_MULTI), Y_MULTI.astype(np.float32)
    )
    ids = multilabel_model.feature_encoder.transform(X_MULTI + 100)
    assert (ids == 1).all()  # ids never seen in fit read as out-of-vocabulary
    np.testing.assert_array_equal(multilabel_model.feature_encoder.transform(X_MULTI), X_MULTI)


def exported_matches(fitted, path):
    """Whether the network ``export_network`` saved gives ``predict_proba``'s positive column."""
    fitted.export_network(path)
    network = keras.saving.load_model(path)
    exported = np.asarray(network(np.asarray(X_MULTI, dtype=np.int32))).ravel()
    return np.allclose(exported, fitted.predict_proba(X_MULTI)[:, 1], atol=1e-6)


def _exercise_public_member(name, fitted, unfitted, tmp_path):
    """Use ``name`` as its docstring says, on a fitted and an unfitted estimator."""
    y = np.arange(60) % 2

    def routed(request):
        with config_context(enable_metadata_routing=True):
            copy = clone(unfitted)
            return request(copy) is copy and "True" in str(copy.get_metadata_routing())

    members = {
        "current_epoch": lambda: (fitted.current_epoch, unfitted.current_epoch) == (2, 0),
        "initialized_": lambda: fitted.initialized_ and not unfitted.initialized_,
        "initialize": lambda: clone(unfitted).initialize(X_MULTI, y).current_epoch == 0,
        "fit": lambda: clone(unfitted).fit(X_MULTI, y).current_epoch == 2,
        "partial_fit": lambda: clone(unfitted).partial_fit(X_MULTI, y).current_epoch == 1,
        "predict": lambda: fitted.predict(X_MULTI).shape == (60,),
        "predict_proba": lambda: fitted.predict_proba(X_MULTI).shape == (60, 2),
        "predict_log_proba": lambda: np.allclose(
            np.exp(fitted.predict_log_proba(X_MULTI)), fitted.predict_proba(X_MULTI)
        ),
        "decision_function": lambda: np.array_equal(
            fitted.decision_function(X_MULTI) > 0, fitted.predict(X_MULTI) == 1
        ),
        "score": lambda: fitted.score(X_MULTI, y) == np.mean(fitted.predict(X_MULTI) == y),
        "scorer": lambda: fitted.scorer(y, y) == 1.0,
        "export_network": lambda: exported_matches(fitted, tmp_path / "n.keras"),
        "get_params": lambda: fitted.get_params()["epochs"] == 2,
        "set_params": lambda: clone(unfitted).set_params(epochs=3).epochs == 3,
        "get_metadata_routing": lambda: "sample_weight" in str(fitted.get_metadata_routing()),
        "set_fit_request": lambda: routed(lambda c: c.set_fit_request(sample_weight=True)),
        "set_partial_fit_request": lambda: routed(
            lambda c: c.set_partial_fit_request(classes=True)
        ),
        "set_score_request": lambda: routed(lambda c: c.set_score_request(sample_weight=True)),
        "target_encoder": lambda: fitted.target_encoder.transform(y).shape == (60, 1),
        "feature_encoder": lambda: fitted.feature_encoder.transform(X_MULTI).shape == (60, 8),
    }
    return members[name]()


FITTED_ONLY = [
    "predict",
    "predict_proba",
    "score",
    "export_network",
    "target_encoder",
    "feature_encoder",
]


def test_every_public_member_does_what_its_docstring_says(tmp_path):
    # Without a linear term, so that export_network has a network to export.
    fitted = fast(epochs=2, linear_term=False).fit(X_MULTI, np.arange(60) % 2)
    unfitted = fast(epochs=2)
    public = [name for name in dir(TextCNNClassifier) if not name.startswith("_")]
    for name in public:
        assert _exercise_public_member(name, fitted, unfitted, tmp_path), name
    for name in FITTED_ONLY:
        with pytest.raises(NotFittedError, match="not fitted yet"):
            member = getattr(unfitted, name)
            member(X_MULTI, np.arange(60) % 2) if name == "score" else member(X_MULTI)


def test_routed_parameters_are_not_offered():
    with pytest.raises(ValueError, match="Invalid parameter 'model'"):
        fast().set_params(model__units=3)
    assert not any(name.startswith("model__") for name in fast().get_params())


# ---------------------------------------------------------------- partial_fit


def test_partial_fit_validates_its_parameters():
    with pytest.raises(ValueError, match="'batch_size' parameter"):
        fast(batch_size=0).partial_fit(X_MULTI, Y_MULTI)
    model = fast().partial_fit(X_MULTI, Y_MULTI)
    with pytest.raises(ValueError, match="'learning_rate' parameter"):
        model.set_params(learning_rate=-1.0).partial_fit(X_MULTI, Y_MULTI)


@pytest.mark.parametrize(
    ("params", "match"),
    # early_stopping, of any value, partial_fit leaves unapplied (tests/test_training.py).
    [({"threshold": "auto"}, "cannot honour threshold='auto'")],
)
def test_partial_fit_refuses_what_one_epoch_cannot_honour(params, match):
    with pytest.raises(ValueError, match=match):
        fast(**params).partial_fit(X_MULTI, Y_MULTI)


def test_partial_fit_works_whatever_the_defaults_become(monkeypatch):
    defaults = TextCNNClassifier.__init__.__kwdefaults__
    monkeypatch.setitem(defaults, "early_stopping", True)
    monkeypatch.setitem(defaults, "threshold", "auto")
    model = TextCNNClassifier(**FAST).partial_fit(X_MULTI, Y_MULTI)
    assert model.early_stopping is True and model.current_epoch == 1
    np.testing.assert_array_equal(model.threshold_, 0.5)


def test_partial_fit_follows_set_params_or_says_why_not():
    y = np.arange(60) % 2
    model = fast(epochs=1).fit(X_MULTI, y)
    model.set_params(learning_rate=0.25, batch_size=7).partial_fit(X_MULTI, y)
    assert float(model.model_.optimizer.learning_rate) == 0.25
    assert int(model.model_.optimizer.iterations) == 2 + 9  # 2 steps of 32, then 9 of 7
    model.set_params(filter_sizes=(2, 4), optimizer="sgd")
    with pytest.raises(ValueError, match="filter_sizes, optimizer changed"):
        model.partial_fit(X_MULTI, y)


def test_partial_fit_with_classes_accepts_a_one_class_first_batch():
    model = fast().partial_fit(X_MULTI, np.zeros(60, dtype=int), classes=[0, 1])
    assert model.classes_.tolist() == [0, 1] and model.predict_proba(X_MULTI).shape == (60, 2)
    model.partial_fit(X_MULTI, np.ones(60, dtype=int))
    assert model.current_epoch == 2


def test_partial_fit_after_pickling_matches_partial_fit_without():
    y = np.arange(60) % 2
    model = fast(epochs=2).fit(X_MULTI, y)
    restored = pickle.loads(pickle.dumps(model))
    model.partial_fit(X_MULTI, y)
    restored.partial_fit(X_MULTI, y)
    np.testing.assert_array_equal(restored.predict_proba(X_MULTI), model.predict_proba(X_MULTI))


# ---------------------------------------------------------------- warnings


def test_labels_constant_in_training_data_get_one_warning_at_the_callers_line():
    y = Y_MULTI.copy()
    y[:, 0], y[:, 2] = 0, 1
    for estimator in (fast(epochs=1), make_pipeline(FunctionTransformer(), fast(epochs=1))):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator.fit(X_MULTI, y)
        assert [str(w.message) for w in caught] == [
            "Label columns [0] absent from all and [2] present in all training examples: the "
            "network learns only their base rate."
        ]
        assert caught[0].filename == __file__


def test_auto_threshold_does_not_let_one_positive_flood_its_label():
    lone = np.zeros((len(X_MULTI), 1), dtype=int)
    lone[3] = 1  # a label with a single training positive
    model = fast(threshold="auto", epochs=5).fit(X_MULTI, np.hstack([Y_MULTI, lone]))
    new_documents = np.random.RandomState(7).randint(2, 12, size=(200, 8)).astype(np.int32)
    assert model.predict(new_documents)[:, -1].mean() <= 0.05


# ---------------------------------------------------------------- reliability (issue 14)


def learned_attributes(model):
    return {name for name in vars(model) if name.endswith("_")}


@pytest.mark.parametrize(
    "first_y, params, second_y, match",
    [
        (Y_MULTI, {"at_least_one_label": True}, Y_MULTI[:, 0], "at_least_one_label applies"),
        (Y_MULTI, {"positive_weight": [1, 2, 3]}, np.arange(60) % 3, "positive_weight applies"),
        (Y_MULTI[:, 0], {"threshold": [0.5, 0.5]}, Y_MULTI[:, 0], "one value per label"),
    ],
)
def test_a_refit_that_fails_validation_leaves_the_fitted_model_as_it_was(
    first_y, params, second_y, match
):
    model = fast(epochs=2).fit(X_MULTI, first_y)
    learned = {name: getattr(model, name) for name in learned_attributes(model)}
    proba = model.predict_proba(X_MULTI)
    with pytest.raises(ValueError, match=match):
        model.set_params(**params).fit(X_MULTI, second_y)
    assert learned_attributes(model) == learned.keys()
    assert all(getattr(model, name) is value for name, value in learned.items())
    np.testing.assert_array_equal(model.predict_proba(X_MULTI), proba)


def test_a_first_fit_that_fails_leaves_the_estimator_unfitted():
    model = fast(epochs=1, at_least_one_label=True)
    with pytest.raises(ValueError, match="at_least_one_label applies"):
        model.fit(X_MULTI, Y_MULTI[:, 0])
    assert learned_attributes(model) == set()
    with pytest.raises(NotFittedError):
        model.predict(X_MULTI)


def test_an_interrupted_refit_keeps_the_previous_model(monkeypatch):
    from sk_textcnn import _training

    model = fast(epochs=2).fit(X_MULTI, Y_MULTI)
    proba, history = model.predict_proba(X_MULTI), model.history_
    epochs_checked = []

    def interrupt_in_the_second_epoch(*args, **kwargs):
        epochs_checked.append(kwargs["epoch"])
        if len(epochs_checked) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(_training, "raise_if_diverged", interrupt_in_the_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        model.set_params(epochs=5).fit(X_MULTI, Y_MULTI)
    assert epochs_checked == [1, 2]
    assert model.history_ is history and len(history["loss"]) == 2
    np.testing.assert_array_equal(model.predict_proba(X_MULTI), proba)
    # A new estimator interrupted in its first fit stays unfitted.
    epochs_checked.clear()
    fresh = fast(epochs=5)
    with pytest.raises(KeyboardInterrupt):
        fresh.fit(X_MULTI, Y_MULTI)
    assert learned_attributes(fresh) == set()


def test_a_refit_leaves_no_attribute_of_the_earlier_fit(vectors, sentiment):
    model = pipeline(vectors, early_stopping=True, threshold="auto", validation_fraction=0.25).fit(
        *reviews()
    )
    classifier = model[-1]
    assert {"best_epoch_", "embedding_coverage_"} <= learned_attributes(classifier)
    model.set_params(
        textcnnclassifier__early_stopping=False,
        textcnnclassifier__linear_term=False,
        textcnnclassifier__threshold=0.5,
        textcnnclassifier__embeddings=None,
        textcnnclassifier__embedding_dim=8,
    ).fit(*sentiment)
    assert "best_epoch_" not in learned_attributes(classifier)
    assert classifier.embedding_coverage_ is None
    assert classifier.embedding_source_ == "random"
    assert set(classifier.history_) == {"loss"}
    np.testing.assert_array_equal(classifier.threshold_, [0.5])


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (np.r_[-1.0, np.ones(59)], "Negative values in data passed to `sample_weight`"),
        (np.r_[np.nan, np.ones(59)], "sample_weight contains NaN"),
        (np.r_[np.inf, np.ones(59)], "sample_weight contains infinity"),
    ],
)
def test_non_finite_or_negative_sample_weights_are_refused(sample_weight, match):
    with pytest.raises(ValueError, match=match):
        fast(epochs=1).fit(X_MULTI, Y_MULTI, sample_weight=sample_weight)


def test_ids_past_int32_are_read_as_oov_at_predict_and_refused_in_fit(multilabel_model):
    X = X_MULTI[:4].astype(np.int64)
    wrapped = X.copy()
    wrapped[:, 0] = 2**32 + 5  # wraps onto id 5 when cast to int32
    as_oov = X.copy()
    as_oov[:, 0] = 1
    np.testing.assert_array_equal(
        multilabel_model.predict_proba(wrapped), multilabel_model.predict_proba(as_oov)
    )
    huge = X_MULTI.astype(np.int64)
    huge[8, 3] = 2**31 + 5
    with pytest.raises(ValueError, match=r"Token ids must be at most 2147483646.*X\[8, 3\]"):
        fast(epochs=1).fit(huge, Y_MULTI)


def test_ids_past_int32_from_a_vectorizer_vocabulary_are_refused():
    vectorizer = SequenceVectorizer(vocabulary={"alpha": 2, "beta": 2**31 + 5}, dtype=np.int64)
    with pytest.raises(ValueError, match="Token ids must be at most"):
        make_pipeline(vectorizer, fast(epochs=1)).fit(["alpha beta", "alpha", "beta"], [0, 1, 0])


@pytest.mark.parametrize(
    "learning_rate", [1, np.float32(0.25), np.int64(1), np.float64(0.5)], ids=repr
)
def test_learning_rate_of_any_real_type_trains_as_its_float(learning_rate):
    # SGD, since Adam at a learning rate of 1 may diverge on this toy problem.
    params = dict(epochs=2, optimizer="sgd")
    model = fast(learning_rate=learning_rate, **params).fit(X_MULTI, Y_MULTI)
    reference = fast(learning_rate=float(learning_rate), **params).fit(X_MULTI, Y_MULTI)
    np.testing.assert_array_equal(model.predict_proba(X_MULTI), reference.predict_proba(X_MULTI))


def test_grid_search_over_learning_rates_of_numpy_and_int_types():
    search = GridSearchCV(
        fast(epochs=2, optimizer="sgd"),
        {"learning_rate": [1, np.float32(0.1), np.int64(1)]},
        cv=2,
        error_score="raise",
    ).fit(X_MULTI, Y_MULTI[:, 0])
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_labels_mixing_strings_and_ints_are_refused_by_name():
    y = np.array(["spam", 1] * 30, dtype=object)
    with pytest.raises(TypeError, match=r"y mixes labels of different types, e.g. 'spam' \(str\)"):
        fast(epochs=1).fit(X_MULTI, y)


def test_export_refuses_h5_and_writes_a_keras_file_that_loads_back(tmp_path):
    multilabel_model = fast(epochs=5, linear_term=False).fit(X_MULTI, Y_MULTI)
    with pytest.raises(ValueError, match="path must end in '.keras'"):
        multilabel_model.export_network(tmp_path / "network.h5")
    path = tmp_path / "network.keras"
    multilabel_model.export_network(path)
    assert [p.name for p in tmp_path.iterdir()] == ["network.keras"]
    served = keras.saving.load_model(path)
    np.testing.assert_allclose(
        served.predict_on_batch(X_MULTI), multilabel_model.predict_proba(X_MULTI), atol=1e-6
    )


@pytest.mark.parametrize("linear_term", [True, False])
def test_decision_function_is_the_score_behind_every_prediction(linear_term):
    binary = fast(epochs=3, linear_term=linear_term).fit(X_MULTI, Y_MULTI[:, 0])
    scores = binary.decision_function(X_MULTI)
    proba = binary.predict_proba(X_MULTI)
    assert scores.shape == (len(X_MULTI),)
    np.testing.assert_array_equal(scores > 0, proba[:, 1] > 0.5)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(binary.predict_log_proba(X_MULTI), np.log(proba), rtol=1e-6)
    multiclass = fast(epochs=3, linear_term=linear_term).fit(X_MULTI, Y_MULTI.argmax(axis=1))
    scores = multiclass.decision_function(X_MULTI)
    assert scores.shape == (len(X_MULTI), 3)
    np.testing.assert_array_equal(
        multiclass.classes_[scores.argmax(axis=1)], multiclass.predict(X_MULTI)
    )
    multilabel = fast(epochs=3, linear_term=linear_term, threshold=0.5).fit(X_MULTI, Y_MULTI)
    np.testing.assert_array_equal(
        multilabel.decision_function(X_MULTI) >= 0, multilabel.predict(X_MULTI) == 1
    )


@pytest.fixture
def recorded_splits(monkeypatch):
    """The (train, held-out) index pairs of every internal validation split, as made."""
    import sk_textcnn.classifier as module

    splits = []
    split = module.multilabel_train_test_split_indices

    def recording(*args, **kwargs):
        splits.append(split(*args, **kwargs))
        return splits[-1]

    monkeypatch.setattr(module, "multilabel_train_test_split_indices", recording)
    return splits


def documents_on_both_sides(X, train, held_out):
    return {row.tobytes() for row in X[train]} & {row.tobytes() for row in X[held_out]}


def test_copies_of_a_document_stay_on_one_side_of_the_held_out_split(recorded_splits):
    texts, labels = reviews()
    texts, labels = texts * 3 + texts[:20], labels * 3 + labels[:20]
    ids = SequenceVectorizer().fit_transform(texts)
    model = fast(epochs=2).fit(ids, labels)
    ((train, held_out),) = recorded_splits
    assert not documents_on_both_sides(np.asarray(ids), train, held_out)
    # validation_fraction counts distinct documents: 6 of 60.
    assert len({row.tobytes() for row in np.asarray(ids)[held_out]}) == 6
    assert model.linear_term_ is not None and "val_loss" in model.history_


def test_random_oversampling_puts_no_copy_on_both_sides(recorded_splits):
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    over_sampling = pytest.importorskip("imblearn.over_sampling")
    texts, labels = reviews(n_per_class=60)
    keep = [i for i, label in enumerate(labels) if label == "neg" or i % 4 == 0]
    texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    pipeline = imblearn_pipeline.make_pipeline(
        SequenceVectorizer(),
        over_sampling.RandomOverSampler(random_state=0),
        TextCNNClassifier(**{**FAST, "random_state": 0, "epochs": 2}),
    ).fit(texts, labels)
    ((train, held_out),) = recorded_splits
    resampled, _ = pipeline[1].fit_resample(pipeline[0].transform(texts), labels)
    assert not documents_on_both_sides(np.asarray(resampled), train, held_out)
    assert len(train) + len(held_out) == len(resampled) > len(texts)


def test_too_few_distinct_documents_hold_nothing_out(sentiment, recorded_splits):
    texts, labels = sentiment  # 8 distinct documents, 4 copies each
    model = make_pipeline(SequenceVectorizer(), fast(threshold="auto")).fit(texts, labels)
    classifier = model[-1]
    assert recorded_splits == []
    assert classifier.linear_term_ is None and set(classifier.history_) == {"loss"}
    assert len(classifier.history_["loss"]) == classifier.epochs
    np.testing.assert_array_equal(classifier.threshold_, [0.5])
    np.testing.assert_array_equal(model.predict(texts), labels)


@pytest.mark.parametrize("left_out", [("target_encoder_",), ("target_encoder_", "label_lists_")])
def test_a_model_saved_before_the_target_encoder_predicts_and_scores(multilabel_model, left_out):
    # As in files written before the encoder was an attribute, and before label lists.
    state = multilabel_model.__getstate__()
    for name in left_out:
        del state[name]
    old = object.__new__(type(multilabel_model))
    old.__setstate__(state)
    np.testing.assert_array_equal(old.predict(X_MULTI), multilabel_model.predict(X_MULTI))
    assert old.score(X_MULTI, Y_MULTI) == multilabel_model.score(X_MULTI, Y_MULTI)
    assert old.target_encoder_.target_type_ == "multilabel-indicator"
    assert not old.target_encoder_.label_lists_ and not old.label_lists_
    np.testing.assert_array_equal(old.target_encoder.transform(Y_MULTI), Y_MULTI)


def _as_saved_before(model, parameter):
    """``model`` unpickled from a state without ``parameter``, as in files older than it."""
    state = model.__getstate__()
    del state[parameter]
    state["_network_params"] = dict(state["_network_params"])  # shared with the model
    del state["_network_params"][parameter]
    old = object.__new__(type(model))
    old.__setstate__(state)
    return old


def test_a_model_saved_before_a_parameter_existed_takes_its_default(multilabel_model):
    old = _as_saved_before(multilabel_model, "compute_dtype")
    assert old.get_params()["compute_dtype"] == "float32"
    assert clone(old).get_params() == clone(multilabel_model).get_params()
    np.testing.assert_array_equal(old.predict(X_MULTI), multilabel_model.predict(X_MULTI))
    # Its network was built in float32, which a warm fit in bfloat16 cannot continue.
    with pytest.raises(ValueError, match="compute_dtype changed"):
        old.set_params(compute_dtype="bfloat16", warm_start=True).fit(X_MULTI, Y_MULTI)


def test_a_model_saved_before_token_dropout_existed_keeps_it_off():
    # Such a file's network has no token dropout layer, as one built with token_dropout=0.
    model = fast(epochs=2, token_dropout=0.0).fit(X_MULTI, Y_MULTI)
    old = _as_saved_before(model, "token_dropout")
    assert old.get_params()["token_dropout"] == 0.0
    np.testing.assert_array_equal(old.predict(X_MULTI), model.predict(X_MULTI))
    old.set_params(warm_start=True).fit(X_MULTI, Y_MULTI)
    with pytest.raises(ValueError, match="token_dropout changed"):
        old.set_params(token_dropout=0.2).fit(X_MULTI, Y_MULTI)


def test_a_network_saved_with_its_activation_in_the_output_layer_predicts_and_trains_on(
    multilabel_model,
):
    # As in files written before the activation was a layer of its own ("probabilities").
    state = multilabel_model.__getstate__()
    config = copy.deepcopy(state["_model_config"])
    (activation,) = [layer for layer in config["layers"] if layer["name"] == "probabilities"]
    config["layers"].remove(activation)
    (output,) = [layer for layer in config["layers"] if layer["name"] == "output"]
    output["config"]["activation"] = activation["config"]["activation"]
    config["output_layers"] = ["output", 0, 0]
    state["_model_config"] = config
    old = object.__new__(type(multilabel_model))
    old.__setstate__(state)
    assert trained_model(old.model_) is old.model_  # no logits model to train
    np.testing.assert_allclose(old.predict_proba(X_MULTI), multilabel_model.predict_proba(X_MULTI))
    # It trains on with the loss of its probabilities, as when it was saved.
    before = old.predict_proba(X_MULTI)
    old.partial_fit(X_MULTI, Y_MULTI)
    assert np.isfinite(old.history_["loss"][-1])
    assert not np.allclose(old.predict_proba(X_MULTI), before)


@pytest.mark.parametrize(("n_documents", "held_out"), [(39, False), (40, True)])
def test_fewer_than_four_documents_to_hold_out_hold_none(n_documents, held_out, recorded_splits):
    texts, labels = reviews()
    model = make_pipeline(SequenceVectorizer(), fast(epochs=2))
    model.fit(texts[:n_documents], labels[:n_documents])
    assert bool(recorded_splits) == held_out
    assert (model[-1].linear_term_ is not None) == held_out


def test_a_warm_fit_with_nothing_to_hold_out_drops_the_blend(sentiment):
    texts, labels = reviews()
    vectorizer = SequenceVectorizer().fit(texts + sentiment[0])
    model = fast(epochs=2, threshold="auto").fit(vectorizer.transform(texts), labels)
    assert model.linear_term_ is not None
    model.set_params(warm_start=True).fit(vectorizer.transform(sentiment[0]), sentiment[1])
    assert model.linear_term_ is None and model.threshold_.tolist() == [0.5]


def test_a_warm_fit_without_the_linear_term_drops_it_and_its_blend():
    model = fast(epochs=2).fit(X_MULTI, Y_MULTI)
    assert model.linear_term_ is not None and model.blend_weights_.shape == (2,)
    model.set_params(warm_start=True, linear_term=False).fit(X_MULTI, Y_MULTI)
    assert model.linear_term_ is None
    assert not hasattr(model, "blend_weights_") and not hasattr(model, "blend_bias_")
    np.testing.assert_allclose(
        model.predict_proba(X_MULTI), model.model_.predict(X_MULTI, verbose=0), atol=1e-6
    )


def test_a_warm_fit_records_the_current_fixed_threshold():
    model = fast(epochs=2, threshold=0.3).fit(X_MULTI, Y_MULTI)
    np.testing.assert_array_equal(model.threshold_, [0.3] * 3)
    model.set_params(warm_start=True, threshold=0.7).fit(X_MULTI, Y_MULTI)
    np.testing.assert_array_equal(model.threshold_, [0.7] * 3)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"class_weight": "balanced"}, "class_weight applies to binary and multiclass"),
        ({"threshold": [0.5, 0.5]}, r"one value per label \(3\)"),
    ],
)
@pytest.mark.parametrize("how", ["partial_fit", "warm fit"])
def test_continued_training_checks_target_parameters_before_training(change, message, how):
    model = fast(epochs=2).fit(X_MULTI, Y_MULTI)
    weights = [w.copy() for w in model.model_.get_weights()]
    model.set_params(**change, warm_start=True)
    with pytest.raises(ValueError, match=message):
        model.partial_fit(X_MULTI, Y_MULTI) if how == "partial_fit" else model.fit(X_MULTI, Y_MULTI)
    for before, after in zip(weights, model.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)


def test_initialize_with_an_invalid_threshold_leaves_the_estimator_unbuilt():
    model = fast(threshold=[0.1, 0.2])
    with pytest.raises(ValueError, match=r"one value per label \(3\)"):
        model.initialize(X_MULTI, Y_MULTI)
    assert not model.initialized_
