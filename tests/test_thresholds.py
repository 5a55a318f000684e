"""Threshold search and MultiLabelThresholdClassifier."""

import pickle
from functools import partial

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, fbeta_score
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC
from sklearn.utils import get_tags

from sk_textcnn.model_selection import MultiLabelStratifiedKFold
from sk_textcnn.thresholds import (
    TUNING_GRID,
    TUNING_SHRINKAGE,
    MultiLabelThresholdClassifier,
    multilabel_train_test_split_indices,
    tune_thresholds,
)

from .helpers import (
    imbalanced_indicator,
    text_problem,
)

# The package's tuning policy, as TextCNNClassifier and MultiLabelThresholdClassifier apply it.
POLICY = {"pool_rare": True, "shrinkage": TUNING_SHRINKAGE}


def f1_per_label(Y, decisions):
    return f1_score(Y, decisions, average=None, zero_division=0)


def best_on_grid(y, scores, beta=1.0, n_points=2001):
    """Highest F-beta of ``scores >= t`` over a fine grid of t, computed all at once."""
    y = np.asarray(y, dtype=bool)
    chosen = scores[:, None] >= np.linspace(0, 1, n_points)[None, :]
    true_positives = (chosen & y[:, None]).sum(axis=0)
    denominator = beta**2 * y.sum() + chosen.sum(axis=0)
    return ((1 + beta**2) * true_positives / np.maximum(denominator, 1)).max()


def noisy_probabilities(Y, seed=0):
    """Probabilities that rank positives higher, but mostly below 0.5 for rare labels."""
    rng = np.random.RandomState(seed)
    logits = 2.5 * Y - 3 + 1.2 * rng.randn(*Y.shape)
    return 1 / (1 + np.exp(-logits))


def test_tune_finds_the_exact_optimum_by_hand():
    y = np.array([1, 1, 0, 0, 0, 1])
    proba = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    # Selecting the top two gives F1 = 4 / 5, better than any other cut; the midpoint between
    # 0.7 and 0.8 is the threshold.
    (threshold,) = tune_thresholds(y[:, None], proba[:, None])
    assert threshold == pytest.approx(0.75)
    assert f1_score(y, proba >= threshold) == pytest.approx(0.8)


def test_tune_matches_a_brute_force_search():
    Y = imbalanced_indicator(n_samples=300, n_labels=12, seed=5)
    proba = np.round(noisy_probabilities(Y, seed=5), 3)  # rounding creates tied scores
    thresholds = tune_thresholds(Y, proba)
    for j in range(Y.shape[1]):
        best = best_on_grid(Y[:, j], proba[:, j])
        assert f1_score(Y[:, j], proba[:, j] >= thresholds[j]) == pytest.approx(best)


def test_ties_go_to_the_threshold_nearest_one_half():
    y = np.array([1, 0, 0, 1])
    # Top one and everything both give F1 = 2/3: 0.75 (top one) is nearer 0.5 than 0.025.
    assert tune_thresholds(y, np.array([0.9, 0.6, 0.3, 0.05])).tolist() == [0.75]
    # Here "everything" (0.2) is nearer 0.5 than "top one" (0.945).
    assert tune_thresholds(y, np.array([0.99, 0.9, 0.45, 0.4])) == pytest.approx([0.2])
    # Any threshold in (0.1, 0.7] gives the best decisions; 0.5 is one of them.
    y = np.array([1, 0, 1, 0])
    assert tune_thresholds(y, np.array([0.9, 0.8, 0.7, 0.1])).tolist() == [0.5]


def test_labels_without_positives_keep_the_default():
    Y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    proba = np.array([[0.3, 0.9], [0.1, 0.8], [0.35, 0.1], [0.2, 0.2]])
    assert tune_thresholds(Y, proba).tolist() == [0.25, 0.5]
    assert tune_thresholds(Y, proba, default=0.7).tolist() == [0.25, 0.7]
    assert tune_thresholds(sp.csr_matrix(Y), proba).tolist() == [0.25, 0.5]


def test_tuned_thresholds_beat_one_half_on_the_tuning_data():
    Y = imbalanced_indicator(n_samples=600, n_labels=20, seed=1)
    proba = noisy_probabilities(Y, seed=1)
    thresholds = tune_thresholds(Y, proba)
    assert ((thresholds >= 0) & (thresholds <= 1)).all()
    tuned, plain = (proba >= thresholds).astype(int), (proba >= 0.5).astype(int)
    assert (f1_per_label(Y, tuned) >= f1_per_label(Y, plain) - 1e-12).all()
    macro = [f1_score(Y, d, average="macro", zero_division=0) for d in (tuned, plain)]
    assert macro[0] > macro[1] + 0.1
    # Not implied by per-label optima in general, but holds here by a wide margin.
    micro = [f1_score(Y, d, average="micro", zero_division=0) for d in (tuned, plain)]
    assert micro[0] > micro[1]


def test_callable_metric():
    Y = imbalanced_indicator(n_samples=300, n_labels=3, seed=2)
    # Fewer than 100 positives per label: every useful cut is tried, so the optimum is exact.
    proba = np.round(noisy_probabilities(Y, seed=2), 3)
    f2 = partial(fbeta_score, beta=2, zero_division=0)
    thresholds = tune_thresholds(Y, proba, metric=f2)
    for j in range(Y.shape[1]):
        reached = f2(Y[:, j], (proba[:, j] >= thresholds[j]).astype(int))
        assert reached == pytest.approx(best_on_grid(Y[:, j], proba[:, j], beta=2))
    # F2 weighs recall more, so its thresholds are at most F1's.
    assert (thresholds <= tune_thresholds(Y, proba) + 1e-12).all()

    def three_positives(y_true, y_pred):
        return -abs(int(y_pred.sum()) - 3)

    proba_column = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    (threshold,) = tune_thresholds([1, 0, 0, 0, 0, 0], proba_column, metric=three_positives)
    assert threshold == pytest.approx(0.65)


def test_sample_weight_counts_like_repeated_samples():
    Y = imbalanced_indicator(n_samples=200, n_labels=3, seed=4)
    proba = np.round(noisy_probabilities(Y, seed=4), 3)
    # From 1: a zero weight keeps its score among the cut points, a dropped row does not.
    repeats = np.random.RandomState(0).randint(1, 5, size=len(Y))
    for kwargs in ({}, {"pool_rare": True, "min_positives": 30, "shrinkage": 0.5}):
        weighted = tune_thresholds(Y, proba, sample_weight=repeats, **kwargs)
        repeated = tune_thresholds(
            np.repeat(Y, repeats, axis=0), np.repeat(proba, repeats, axis=0), **kwargs
        )
        np.testing.assert_allclose(weighted, repeated)
    np.testing.assert_array_equal(
        tune_thresholds(Y, proba, sample_weight=np.ones(len(Y))), tune_thresholds(Y, proba)
    )
    # Heavier positives pull every threshold down: missing one now costs more.
    heavy = np.where(Y[:, 0] == 1, 20.0, 1.0)
    assert (
        tune_thresholds(Y[:, 0], proba[:, 0], sample_weight=heavy)[0]
        < (tune_thresholds(Y[:, 0], proba[:, 0])[0])
    )


def test_callable_metric_receives_the_sample_weight():
    y = np.array([1, 1, 0, 0, 1, 0, 0])
    proba = np.array([0.9, 0.15, 0.7, 0.3, 0.6, 0.4, 0.2])
    weight = np.array([1.0, 5.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    f1 = partial(fbeta_score, beta=1, zero_division=0)
    (threshold,) = tune_thresholds(y, proba, metric=f1, sample_weight=weight)
    # Weighted, the heavy positive at 0.15 is worth selecting everything for.
    assert threshold == tune_thresholds(y, proba, sample_weight=weight)[0] < 0.15
    assert tune_thresholds(y, proba, metric=f1)[0] == tune_thresholds(y, proba)[0] > 0.4
    with pytest.raises(ValueError, match="[Nn]egative"):
        tune_thresholds(y, proba, sample_weight=-weight)


def test_meta_estimator_tunes_on_weighted_held_out_samples():
    X = np.arange(100.0)[:, None]
    Y = (np.random.RandomState(0).rand(100, 3) < 0.3).astype(int)
    clf = MultiLabelThresholdClassifier(
        _ScoredByFeature(), refit=False, candidates=None, shrinkage=0.0, random_state=0
    )
    weight = np.where(Y[:, 0] == 1, 30.0, 1.0)
    weighted = clf.fit(X, Y, sample_weight=weight).thresholds_
    _, held_out = multilabel_train_test_split_indices(Y, test_size=0.2, random_state=0)
    proba = clf.predict_proba(X[held_out])
    expected = tune_thresholds(
        Y[held_out],
        proba,
        min_positives=clf.min_positives,
        pool_rare=True,
        sample_weight=weight[held_out],
    )
    np.testing.assert_array_equal(weighted, expected)
    assert weighted[0] != clone(clf).fit(X, Y).thresholds_[0]
    # A pipeline's step weights weigh the thresholds too.
    in_pipeline = clone(clf).set_params(estimator=make_pipeline(_ScoredByFeature()))
    in_pipeline.fit(X, Y, _scoredbyfeature__sample_weight=weight)
    np.testing.assert_array_equal(in_pipeline.thresholds_, weighted)


def test_candidates_limit_or_grid():
    y = np.array([1, 1, 0, 0])
    proba = np.array([0.9, 0.8, 0.7, 0.1])
    assert tune_thresholds(y, proba, candidates=[0.1, 0.75, 0.95]).tolist() == [0.75]
    assert tune_thresholds(y, proba, candidates=[0.2, 0.95]).tolist() == [0.2]
    Y = imbalanced_indicator(n_samples=400, n_labels=5, seed=3)
    proba = noisy_probabilities(Y, seed=3)
    exact = tune_thresholds(Y, proba)
    thinned = tune_thresholds(Y, proba, candidates=10)
    f1_exact, f1_thinned = (f1_per_label(Y, proba >= t) for t in (exact, thinned))
    assert (f1_thinned <= f1_exact + 1e-12).all()
    assert (f1_thinned >= f1_per_label(Y, proba >= 0.5) - 1e-12).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(Y_true=np.ones((3, 2)), proba=np.ones((3, 3))), "same shape"),
        (dict(Y_true=np.full((2, 1), 2), proba=np.ones((2, 1))), "only 0 and 1"),
        (dict(Y_true=np.ones((2, 1)), proba=np.full((2, 1), 1.5)), r"in \[0, 1\]"),
        (dict(Y_true=np.ones((2, 1)), proba=np.ones((2, 1)), metric="f2"), "metric must be"),
        (dict(Y_true=np.ones((2, 1)), proba=np.ones((2, 1)), candidates=0), "candidates"),
        (dict(Y_true=np.ones((2, 1)), proba=np.ones((2, 1)), candidates=[2.0]), "candidates"),
        (dict(Y_true=np.ones((2, 1)), proba=np.ones((2, 1)), default=-1), "default"),
        (dict(Y_true=np.ones((2, 1)), proba=np.ones((2, 1)), min_positives=0), "min_positives"),
    ],
)
def test_tune_rejects_bad_input(kwargs, match):
    Y_true, proba = kwargs.pop("Y_true"), kwargs.pop("proba")
    with pytest.raises(ValueError, match=match):
        tune_thresholds(Y_true, proba, **kwargs)


def tfidf_ovr_lr():
    return make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression()))


@pytest.fixture(scope="module")
def text_data():
    return text_problem()


@pytest.fixture(scope="module")
def fitted(text_data):
    """The meta-estimator fitted with and without refitting, on the same validation split."""
    docs, Y = text_data
    kept = MultiLabelThresholdClassifier(tfidf_ovr_lr(), refit=False, random_state=0)
    refitted = clone(kept).set_params(refit=True)
    return kept.fit(docs, Y), refitted.fit(docs, Y)


def test_meta_estimator_beats_plain_pipeline_on_its_validation_split(text_data, fitted):
    docs, Y = text_data
    kept, _ = fitted
    train, validation = multilabel_train_test_split_indices(Y, test_size=0.2, random_state=0)
    docs_train = [docs[i] for i in train]
    docs_validation = [docs[i] for i in validation]
    plain = tfidf_ovr_lr().fit(docs_train, Y[train])
    # refit=False keeps the estimator fitted on the training part of this very split.
    np.testing.assert_allclose(
        kept.predict_proba(docs_validation), plain.predict_proba(docs_validation)
    )
    macro_tuned = f1_score(Y[validation], kept.predict(docs_validation), average="macro")
    macro_plain = f1_score(
        Y[validation], plain.predict(docs_validation), average="macro", zero_division=0
    )
    assert macro_tuned > macro_plain + 0.1
    assert (kept.thresholds_ < 0.5).sum() >= 3


def test_predict_applies_the_thresholds(text_data, fitted):
    docs, Y = text_data
    _, clf = fitted
    proba = clf.predict_proba(docs[:50])
    assert proba.shape == (50, Y.shape[1])
    predicted = clf.predict(docs[:50])
    assert predicted.dtype.kind == "i"
    np.testing.assert_array_equal(predicted, (proba >= clf.thresholds_).astype(int))
    np.testing.assert_array_equal(clf.classes_, np.arange(Y.shape[1]))
    assert clf.thresholds_.shape == (Y.shape[1],)
    # Subset accuracy: the share of documents given exactly their labels.
    assert clf.score(docs, Y) == np.mean((clf.predict(docs) == Y).all(axis=1))


def test_refit_true_uses_all_samples_with_the_same_thresholds(text_data, fitted):
    docs, Y = text_data
    kept, refitted = fitted
    np.testing.assert_array_equal(kept.thresholds_, refitted.thresholds_)
    full = tfidf_ovr_lr().fit(docs, Y)
    np.testing.assert_allclose(refitted.predict_proba(docs), full.predict_proba(docs))
    assert not np.allclose(kept.predict_proba(docs), full.predict_proba(docs))


def test_sparse_y_gives_sparse_predictions(text_data, fitted):
    docs, Y = text_data
    _, dense = fitted
    clf = clone(dense).fit(docs, sp.csr_matrix(Y))
    np.testing.assert_array_equal(clf.thresholds_, dense.thresholds_)
    predicted = clf.predict(docs[:20])
    assert sp.issparse(predicted) and predicted.format == "csr"
    np.testing.assert_array_equal(predicted.toarray(), dense.predict(docs[:20]))


def test_label_lists_fit_predict_and_score_as_their_indicator_matrix(text_data, fitted):
    docs, Y = text_data
    _, indicator = fitted
    names = np.array([f"topic {j}" for j in range(Y.shape[1])])  # sorted, as the columns
    lists = [names[row == 1].tolist() for row in Y]
    assert [] in lists
    clf = clone(indicator).fit(docs, lists)
    assert clf.label_lists_ and clf.classes_.tolist() == names.tolist()
    np.testing.assert_array_equal(clf.thresholds_, indicator.thresholds_)
    np.testing.assert_array_equal(clf.predict_proba(docs), indicator.predict_proba(docs))
    predicted = clf.predict(docs)
    binarizer = MultiLabelBinarizer(classes=names).fit(lists)
    assert predicted == binarizer.inverse_transform(indicator.predict(docs))
    assert clf.score(docs, lists) == clf.score(docs, Y) == indicator.score(docs, Y) > 0.5
    with pytest.raises(ValueError, match=r"y contains labels not seen in fit: \['wheat'\]"):
        clf.score(docs, [["wheat"], *lists[1:]])


def test_clone_get_params_and_pickle(text_data, fitted):
    docs, _ = text_data
    clf = MultiLabelThresholdClassifier(tfidf_ovr_lr(), validation_fraction=0.3, random_state=2)
    params = clf.get_params()
    assert params["validation_fraction"] == 0.3 and params["metric"] == "f1"
    assert "estimator__onevsrestclassifier__estimator__C" in params
    clf.set_params(estimator__onevsrestclassifier__estimator__C=2.0)
    assert clone(clf).get_params()["estimator__onevsrestclassifier__estimator__C"] == 2.0
    _, fitted_clf = fitted
    copy = clone(fitted_clf)
    assert not hasattr(copy, "thresholds_") and copy.get_params()["refit"] is True
    restored = pickle.loads(pickle.dumps(fitted_clf))
    np.testing.assert_array_equal(restored.thresholds_, fitted_clf.thresholds_)
    np.testing.assert_array_equal(restored.predict(docs[:30]), fitted_clf.predict(docs[:30]))
    assert is_classifier(fitted_clf)
    assert get_tags(fitted_clf).classifier_tags.multi_label


def test_estimators_returning_one_array_per_label():
    rng = np.random.RandomState(0)
    X = rng.randn(120, 4)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.5, np.zeros(120)]).astype(int)
    clf = MultiLabelThresholdClassifier(KNeighborsClassifier(), random_state=0).fit(X, Y)
    proba = clf.predict_proba(X[:10])
    per_label = clf.estimator_.predict_proba(X[:10])
    assert isinstance(per_label, list)
    np.testing.assert_allclose(proba[:, :2], np.column_stack([p[:, 1] for p in per_label[:2]]))
    # The label never seen positive: probability 0, never predicted.
    np.testing.assert_array_equal(proba[:, 2], 0)
    assert clf.thresholds_[2] > 0 and not clf.predict(X)[:, 2].any()
    assert clf.n_features_in_ == 4


class _RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier that records how many sample weights ``fit`` received."""

    def fit(self, X, y, sample_weight=None):
        self.n_weights_ = len(sample_weight)
        self.rate_ = np.asarray(y).mean(axis=0)
        return self

    def predict_proba(self, X):
        return np.tile(self.rate_, (len(X), 1))


class _ScoredByFeature(ClassifierMixin, BaseEstimator):
    """Multi-label classifier whose probability of every label is a fixed noisy score."""

    def fit(self, X, y, sample_weight=None):
        self.n_labels_ = np.asarray(y).shape[1]
        return self

    def predict_proba(self, X):
        scores = np.random.RandomState(0).rand(1000)[np.asarray(X, dtype=int).ravel()]
        return np.tile(scores[:, None], (1, self.n_labels_))


@pytest.mark.parametrize(("refit", "n_weights"), [(False, 80), (True, 100)])
def test_fit_params_are_sliced_to_the_training_part(refit, n_weights):
    X = np.arange(100.0)[:, None]
    Y = (np.random.RandomState(0).rand(100, 3) < 0.3).astype(int)
    clf = MultiLabelThresholdClassifier(_RecordingClassifier(), refit=refit, random_state=0)
    clf.fit(X, Y, sample_weight=np.ones(100))
    assert clf.estimator_.n_weights_ == n_weights


@pytest.mark.parametrize(
    ("y", "match"),
    [
        (np.array([0, 1, 2, 1] * 10), "multi-label indicator matrix y .* got a multiclass"),
        (np.linspace(0, 1, 40), "got a continuous target"),
    ],
)
def test_rejects_targets_that_are_not_indicator_matrices(text_data, y, match):
    docs, _ = text_data
    clf = MultiLabelThresholdClassifier(tfidf_ovr_lr())
    with pytest.raises(ValueError, match=match):
        clf.fit(docs[:40], y)


def test_rejects_estimators_without_predict_proba(text_data):
    docs, Y = text_data
    estimator = make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LinearSVC()))
    with pytest.raises(ValueError, match="'estimator' parameter .* 'predict_proba'"):
        MultiLabelThresholdClassifier(estimator).fit(docs, Y)


def test_rejects_bad_validation_fraction(text_data):
    docs, Y = text_data
    clf = MultiLabelThresholdClassifier(tfidf_ovr_lr(), validation_fraction=1.5)
    with pytest.raises(ValueError, match="'validation_fraction' parameter"):
        clf.fit(docs, Y)


def test_fit_params_follow_metadata_routing():
    X = np.arange(100.0)[:, None]
    Y = (np.random.RandomState(0).rand(100, 3) < 0.3).astype(int)
    with config_context(enable_metadata_routing=True):
        requested = _RecordingClassifier().set_fit_request(sample_weight=True)
        clf = MultiLabelThresholdClassifier(requested, refit=False, random_state=0)
        clf.fit(X, Y, sample_weight=np.ones(100))
        assert clf.estimator_.n_weights_ == 80
        with pytest.raises(ValueError, match="sample_weight"):
            MultiLabelThresholdClassifier(_RecordingClassifier()).fit(
                X, Y, sample_weight=np.ones(100)
            )


def test_labels_with_too_few_positives_keep_the_default():
    Y = np.array([[1, 1], [1, 0], [0, 0], [1, 0]])
    proba = np.array([[0.01, 0.01], [0.02, 0.9], [0.3, 0.8], [0.03, 0.7]])
    assert tune_thresholds(Y, proba)[1] < 0.5
    np.testing.assert_array_equal(tune_thresholds(Y, proba, min_positives=2)[1], 0.5)
    assert tune_thresholds(Y, proba, min_positives=2)[0] != 0.5
    with pytest.raises(ValueError, match="min_positives must be an int"):
        tune_thresholds(Y, proba, min_positives=1.5)


def test_meta_estimator_min_positives_leaves_rare_labels_at_half():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 4)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 1.8]).astype(int)  # label 1: 7 positives
    plain = MultiLabelThresholdClassifier(
        KNeighborsClassifier(), min_positives=1, random_state=0
    ).fit(X, Y)
    guarded = clone(plain).set_params(min_positives=4).fit(X, Y)
    assert plain.thresholds_[1] < 0.5
    assert guarded.thresholds_[1] == 0.5
    assert guarded.thresholds_[0] == plain.thresholds_[0]


def test_meta_estimator_at_least_one_label(text_data, fitted):
    docs, Y = text_data
    kept, _ = fitted
    filled = clone(kept).set_params(at_least_one_label=True).fit(docs, Y)
    plain, forced = kept.predict(docs), filled.predict(docs)
    empty = plain.sum(axis=1) == 0
    assert empty.any() and (forced.sum(axis=1) >= 1).all()
    np.testing.assert_array_equal(forced[~empty], plain[~empty])
    proba = kept.predict_proba(docs)
    np.testing.assert_array_equal(forced[empty].argmax(axis=1), proba[empty].argmax(axis=1))


def test_at_least_one_label_auto_follows_the_training_labels(text_data, fitted):
    docs, Y = text_data
    kept, _ = fitted
    assert (Y.sum(axis=1) == 0).any()
    auto = clone(kept).set_params(at_least_one_label="auto").fit(docs, Y)
    assert auto.at_least_one_label_ is False
    np.testing.assert_array_equal(auto.predict(docs), kept.predict(docs))
    labelled = Y.copy()
    labelled[Y.sum(axis=1) == 0, 0] = 1
    auto.fit(docs, labelled)
    forced = clone(kept).set_params(at_least_one_label=True).fit(docs, labelled)
    assert auto.at_least_one_label_ is True
    np.testing.assert_array_equal(auto.predict(docs), forced.predict(docs))
    assert (auto.predict(docs).sum(axis=1) >= 1).all()


def test_cross_fitted_thresholds_are_tuned_on_out_of_fold_probabilities(text_data):
    docs, Y = text_data
    clf = MultiLabelThresholdClassifier(tfidf_ovr_lr(), cv=3, min_positives=3, random_state=0)
    clf.fit(docs, Y)
    # By hand: the same stratified folds, every document scored by the model not fitted on it.
    folds = MultiLabelStratifiedKFold(3, random_state=0).split(docs, Y)
    held_out = out_of_fold_proba(docs, Y, folds)
    np.testing.assert_allclose(
        clf.thresholds_,
        tune_thresholds(Y, held_out, candidates=TUNING_GRID, min_positives=3, **POLICY),
    )
    assert not np.all(clf.thresholds_ == 0.5)
    # The predicting model is fitted on every document.
    full = tfidf_ovr_lr().fit(docs, Y)
    np.testing.assert_allclose(clf.predict_proba(docs), full.predict_proba(docs))


def out_of_fold_proba(docs, Y, folds):
    held_out = np.empty(Y.shape)
    for train, test in folds:
        model = tfidf_ovr_lr().fit([docs[i] for i in train], Y[train])
        held_out[test] = model.predict_proba([docs[i] for i in test])
    return held_out


def test_cv_takes_a_splitter_and_refuses_one_that_misses_samples(text_data):
    docs, Y = text_data
    splitter = KFold(3, shuffle=True, random_state=0)
    clf = MultiLabelThresholdClassifier(tfidf_ovr_lr(), cv=splitter, candidates=None)
    held_out = out_of_fold_proba(docs, Y, splitter.split(docs))
    np.testing.assert_allclose(
        clf.fit(docs, Y).thresholds_, tune_thresholds(Y, held_out, min_positives=5, **POLICY)
    )
    with pytest.raises(ValueError, match="must put every sample in exactly one test fold"):
        clf.set_params(cv=ShuffleSplit(2, test_size=0.2, random_state=0)).fit(docs, Y)


def test_integer_cv_folds_are_stratified_per_label(text_data):
    docs, Y = text_data
    clf = MultiLabelThresholdClassifier(tfidf_ovr_lr(), cv=5, min_positives=3, random_state=0)
    folds = MultiLabelStratifiedKFold(5, random_state=0).split(docs, Y)
    held_out = out_of_fold_proba(docs, Y, folds)
    np.testing.assert_allclose(
        clf.fit(docs, Y).thresholds_,
        tune_thresholds(Y, held_out, candidates=TUNING_GRID, min_positives=3, **POLICY),
    )


@pytest.mark.parametrize("cv", [None, 2])
def test_defaults_do_not_let_one_positive_flood_its_label(text_data, cv):
    docs, Y = text_data
    lone = np.zeros((len(docs), 1), dtype=int)
    lone[3] = 1  # a label with a single training positive
    Y_train = np.hstack([Y, lone])
    clf = MultiLabelThresholdClassifier(tfidf_ovr_lr(), cv=cv, random_state=0).fit(docs, Y_train)
    new_docs, _ = text_problem(n_samples=200, seed=1)
    assert clf.predict(new_docs)[:, -1].mean() <= 0.05
    if cv is not None:
        # What the defaults guard against (issue 14): the exact search tunes the lone positive,
        # out of fold, and floods its label. A single split keeps it out of the validation part.
        exact = clone(clf).set_params(candidates=None, min_positives=1, shrinkage=0.0)
        exact.fit(docs, Y_train)
        assert exact.predict(new_docs)[:, -1].mean() > 0.05


def test_metric_returning_nan_is_named():
    Y = np.array([[1], [0], [1], [0]])
    proba = np.array([[0.9], [0.2], [0.6], [0.4]])
    with pytest.raises(ValueError, match="metric returned nan for label 0 at threshold"):
        tune_thresholds(Y, proba, metric=lambda y_true, y_pred: float("nan"))


def test_cross_fitting_tunes_rare_labels_a_single_split_cannot(text_data):
    # Topics with 22, 22 and 8 positives have fewer than 5 in a 20% validation split, so it
    # gives them one threshold tuned on them pooled; out of fold, each is tuned on its own.
    docs, Y = text_data
    single = MultiLabelThresholdClassifier(tfidf_ovr_lr(), min_positives=5, random_state=0)
    crossed = clone(single).set_params(cv=5)
    rare = Y.sum(axis=0) < 25
    single.fit(docs, Y)
    # By hand: the same validation split, its rare labels pooled.
    _, validation = multilabel_train_test_split_indices(Y, test_size=0.2, random_state=0)
    proba = single.estimator_.predict_proba([docs[i] for i in validation])
    tuning = dict(candidates=TUNING_GRID, min_positives=5, shrinkage=TUNING_SHRINKAGE)
    pooled = tune_thresholds(Y[validation], proba, pool_rare=True, **tuning)
    np.testing.assert_allclose(single.thresholds_, pooled)
    assert len(np.unique(pooled[rare])) == 1
    assert not np.allclose(pooled[rare], tune_thresholds(Y[validation], proba, **tuning)[rare])
    assert len(np.unique(crossed.fit(docs, Y).thresholds_[rare])) > 1


@pytest.mark.parametrize("cv", [1, 0, 2.5])
def test_rejects_bad_cv(text_data, cv):
    docs, Y = text_data
    with pytest.raises(ValueError, match="'cv' parameter"):
        MultiLabelThresholdClassifier(tfidf_ovr_lr(), cv=cv).fit(docs, Y)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cv": 2}, ["1/3 fitting fold 1 of 2", "2/3 fitting fold 2 of 2", "3/3 fitting the"]),
        ({}, ["1/1 fitting the estimator on the training split"]),
        ({"refit": True}, ["1/2 fitting the estimator on the training", "2/2 fitting the"]),
    ],
)
def test_verbose_says_which_fit_starts(text_data, capsys, params, expected):
    texts, Y = text_data
    MultiLabelThresholdClassifier(tfidf_ovr_lr(), verbose=1, random_state=0, **params).fit(texts, Y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(expected)
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(f"[MultiLabelThresholdClassifier] {start}")
    assert ("left" in lines[-1]) == (len(lines) > 1)
    MultiLabelThresholdClassifier(tfidf_ovr_lr(), random_state=0, **params).fit(texts, Y)
    assert capsys.readouterr().out == ""


def test_pool_rare_tunes_labels_with_few_positives_together():
    # Three labels with 2 positives each, scored 0.3 against negatives at 0.1: each alone is
    # too little to tune (min_positives=3), together they are 6 positives.
    Y = np.zeros((20, 4), dtype=int)
    proba = np.full((20, 4), 0.1)
    for j in range(3):
        Y[2 * j : 2 * j + 2, j] = 1
        proba[2 * j : 2 * j + 2, j] = 0.3
    Y[:10, 3], proba[:10, 3] = 1, 0.8  # a common label, tuned on its own
    alone = tune_thresholds(Y, proba, candidates=TUNING_GRID, min_positives=3)
    pooled = tune_thresholds(Y, proba, candidates=TUNING_GRID, min_positives=3, pool_rare=True)
    np.testing.assert_array_equal(alone[:3], 0.5)
    assert len(np.unique(pooled[:3])) == 1 and 0.1 < pooled[0] <= 0.3
    assert pooled[3] == alone[3]
    assert ((proba >= pooled) == Y).all()
    # Fewer than min_positives between them: the default stays.
    few = tune_thresholds(Y[:, :1], proba[:, :1], min_positives=3, pool_rare=True)
    assert few.tolist() == [0.5]


def test_shrinkage_moves_thresholds_towards_the_shared_one():
    rng = np.random.RandomState(0)
    Y = (rng.rand(300, 5) < [0.5, 0.3, 0.2, 0.1, 0.05]).astype(int)
    proba = np.clip(0.25 * Y + rng.rand(300, 5) * 0.7, 0, 1)
    own = tune_thresholds(Y, proba, candidates=TUNING_GRID)
    shared = tune_thresholds(Y.ravel(), proba.ravel(), candidates=TUNING_GRID)[0]
    np.testing.assert_allclose(
        tune_thresholds(Y, proba, candidates=TUNING_GRID, shrinkage=0.5), (own + shared) / 2
    )
    everywhere = tune_thresholds(Y, proba, candidates=TUNING_GRID, shrinkage=1.0)
    np.testing.assert_allclose(everywhere, shared)
    assert len(np.unique(own)) > 1
    # The shared threshold is micro-F1's optimum among the candidates.
    micro = [f1_score(Y, proba >= t, average="micro") for t in TUNING_GRID]
    assert np.isclose(f1_score(Y, proba >= shared, average="micro"), max(micro))


@pytest.mark.parametrize("shrinkage", [-0.1, 1.5, "half", True])
def test_rejects_bad_shrinkage(shrinkage):
    with pytest.raises(ValueError, match="shrinkage must be a float in"):
        tune_thresholds([[1], [0]], [[0.9], [0.1]], shrinkage=shrinkage)


@pytest.mark.parametrize(
    "Y",
    [np.zeros((10, 3), int), np.zeros((0, 3), int), np.eye(10, 1, k=-2, dtype=int)],
    ids=["no positives", "no samples", "one rare label"],
)
def test_without_evidence_shrinkage_and_pooling_keep_the_default(Y):
    proba = np.linspace(0.05, 0.95, Y.size).reshape(Y.shape)
    thresholds = tune_thresholds(Y, proba, min_positives=3, pool_rare=True, shrinkage=0.5)
    np.testing.assert_array_equal(thresholds, np.full(Y.shape[1], 0.5))


def test_rejects_pool_rare_that_is_not_a_bool():
    with pytest.raises(ValueError, match="pool_rare must be a bool"):
        tune_thresholds([[1], [0]], [[0.9], [0.1]], pool_rare="yes")
