"""MultiLabelVotingClassifier and make_multilabel_ensemble."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from sk_textcnn import (
    MultiLabelThresholdClassifier,
    MultiLabelVotingClassifier,
    SequenceVectorizer,
    TextCNNClassifier,
    make_multilabel_ensemble,
)

from .helpers import (
    FAST,
    text_problem,
)


@pytest.fixture(scope="module")
def tabular():
    return make_multilabel_classification(n_samples=200, n_classes=5, random_state=0)


def linear_and_knn(weights=None, **params):
    return MultiLabelVotingClassifier(
        [("linear", OneVsRestClassifier(LogisticRegression())), ("knn", KNeighborsClassifier())],
        weights=weights,
        **params,
    )


def test_probabilities_are_the_weighted_mean_of_the_members(tabular):
    X, Y = tabular
    clf = linear_and_knn(weights=[3, 1]).fit(X, Y)
    linear = OneVsRestClassifier(LogisticRegression()).fit(X, Y).predict_proba(X)
    # KNeighborsClassifier gives one (n_samples, 2) array per label.
    knn = np.column_stack([p[:, 1] for p in KNeighborsClassifier().fit(X, Y).predict_proba(X)])
    np.testing.assert_allclose(clf.predict_proba(X), 0.75 * linear + 0.25 * knn)
    np.testing.assert_allclose(clf.weights_, [0.75, 0.25])
    assert list(clf.named_estimators_) == ["linear", "knn"]
    assert clf.named_estimators_["knn"] is clf.estimators_[1]
    np.testing.assert_array_equal(clf.classes_, np.arange(5))


def test_predict_applies_threshold_and_at_least_one_label(tabular):
    X, Y = tabular
    clf = linear_and_knn().fit(X, Y)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict(X), (proba >= 0.5).astype(int))
    clf.set_params(threshold=0.9, at_least_one_label=True)
    decisions = clf.predict(X)
    empty = (proba >= 0.9).sum(axis=1) == 0
    assert empty.any()
    np.testing.assert_array_equal(decisions[~empty], (proba[~empty] >= 0.9).astype(int))
    np.testing.assert_array_equal(decisions[empty].sum(axis=1), 1)
    np.testing.assert_array_equal(decisions[empty].argmax(axis=1), proba[empty].argmax(axis=1))


def test_sparse_y_gives_sparse_predictions(tabular):
    X, Y = tabular
    # KNeighborsClassifier does not take a sparse y; one-vs-rest models do.
    clf = MultiLabelVotingClassifier(
        [
            ("strong", OneVsRestClassifier(LogisticRegression())),
            ("weak", OneVsRestClassifier(LogisticRegression(C=0.01))),
        ]
    )
    dense = clone(clf).fit(X, Y).predict(X)
    assert sp.issparse(clf.fit(X, sp.csr_matrix(Y)).predict(X))
    np.testing.assert_array_equal(clf.predict(X).toarray(), dense)


def test_nested_parameters_clone_and_grid_search(tabular):
    X, Y = tabular
    clf = linear_and_knn()
    assert is_classifier(clf)
    assert clf.get_params()["knn__n_neighbors"] == 5
    clf.set_params(knn__n_neighbors=3, linear__estimator__C=0.1)
    copy = clone(clf)
    assert copy.get_params()["knn__n_neighbors"] == 3
    assert copy.fit(X, Y).estimators_[0].estimators_[0].C == 0.1
    search = GridSearchCV(clf, {"knn__n_neighbors": [1, 7]}, cv=3, scoring="f1_micro")
    assert search.fit(X, Y).best_params_["knn__n_neighbors"] in (1, 7)
    assert len(search.cv_results_["mean_test_score"]) == 2


def test_raw_text_members_pickle_and_threshold_tuning():
    docs, Y = text_problem(n_samples=200)
    clf = MultiLabelVotingClassifier(
        [
            ("cnn", make_pipeline(SequenceVectorizer(), TextCNNClassifier(random_state=0, **FAST))),
            ("linear", make_pipeline(TfidfVectorizer(), OneVsRestClassifier(LogisticRegression()))),
        ]
    ).fit(docs, Y)
    proba = clf.predict_proba(docs)
    cnn, linear = (clf.named_estimators_[name].predict_proba(docs) for name in ("cnn", "linear"))
    np.testing.assert_allclose(proba, (cnn + linear) / 2, rtol=1e-6)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(docs), proba, rtol=1e-6)
    tuned = MultiLabelThresholdClassifier(clf, cv=2, random_state=0).fit(docs, Y)
    assert tuned.thresholds_.shape == (Y.shape[1],)
    assert tuned.predict(docs[:3]).shape == (3, Y.shape[1])


@pytest.mark.parametrize(
    ("estimators", "weights", "match"),
    [
        ([], None, "at least one"),
        ([("a", KNeighborsClassifier()), ("a", KNeighborsClassifier())], None, "unique names"),
        ([KNeighborsClassifier()], None, r"list of \(name, estimator\) pairs; got KNeighbors"),
        ([(1, KNeighborsClassifier())], None, r"pairs; got \(1, KNeighborsClassifier\(\)\)"),
        ([("a", KNeighborsClassifier())], [1, 2], "one finite non-negative value per estimator"),
        ([("a", KNeighborsClassifier())], [-1], "one finite non-negative value per estimator"),
        ([("a", KNeighborsClassifier())], [np.nan], "one finite non-negative value per estimator"),
        ([("a", KNeighborsClassifier())], [0], "not all zero"),
    ],
)
def test_rejects_bad_estimators_and_weights(tabular, estimators, weights, match):
    X, Y = tabular
    with pytest.raises(ValueError, match=match):
        MultiLabelVotingClassifier(estimators, weights=weights).fit(X, Y)


def test_rejects_targets_that_are_not_indicator_matrices(tabular):
    X, _ = tabular
    with pytest.raises(ValueError, match="multi-label indicator matrix y .* got a multiclass"):
        linear_and_knn().fit(X, np.arange(len(X)) % 3)
    # Label lists of different lengths, which NumPy cannot make an array of.
    lists = [["a"] if i % 2 else ["a", "b"] for i in range(len(X))]
    with pytest.raises(ValueError, match="indicator matrix y .* got label lists. Use .*Binarizer"):
        linear_and_knn().fit(X, lists)


def test_predict_before_fit_raises(tabular):
    X, _ = tabular
    with pytest.raises(NotFittedError):
        linear_and_knn().predict_proba(X)


def test_recommended_ensemble_fits_raw_documents():
    docs, Y = text_problem(n_samples=200)
    model = make_multilabel_ensemble(cv=2, min_positives=3, random_state=0)
    cnn = "estimator__cnn__textcnnclassifier__"
    model.set_params(**{cnn + name: value for name, value in FAST.items()})
    assert (model.cv, model.min_positives, model.at_least_one_label) == (2, 3, "auto")
    Y[Y.sum(axis=1) == 0, 0] = 1  # every document labelled, so "auto" gives each one a label
    model.fit(docs, Y)
    assert model.at_least_one_label_ is True
    blend = model.estimator_
    assert [name for name, _ in blend.estimators] == ["cnn", "linear"]
    assert blend.named_estimators_["cnn"][-1].epochs == FAST["epochs"]
    assert blend.named_estimators_["linear"][-1].estimator.C == 100
    decisions = model.predict(docs)
    assert decisions.shape == Y.shape
    assert decisions.sum(axis=1).min() >= 1
    assert f1_score(Y, decisions, average="micro") > 0.8


class _TwoColumns(OneVsRestClassifier):
    """A member whose predict_proba forgets all labels but the first two."""

    def predict_proba(self, X):
        return super().predict_proba(X)[:, :2]


def test_member_with_wrong_number_of_columns_is_named(tabular):
    X, Y = tabular
    good, bad = OneVsRestClassifier(LogisticRegression()), _TwoColumns(LogisticRegression())
    clf = MultiLabelVotingClassifier([("good", good), ("bad", bad)]).fit(X, Y)
    expected = r"estimator 'bad' gave shape \(200, 2\); expected \(200, 5\)"
    with pytest.raises(ValueError, match=expected):
        clf.predict_proba(X)


class NaNProbabilities(ClassifierMixin, BaseEstimator):
    """A multi-label classifier whose probabilities are all NaN, as a diverged model's were."""

    def fit(self, X, y):
        self.n_labels_ = np.shape(y)[1]
        return self

    def predict_proba(self, X):
        return np.full((len(X), self.n_labels_), np.nan)


def test_a_member_with_non_finite_probabilities_is_named(tabular):
    X, Y = tabular
    voting = MultiLabelVotingClassifier(
        [("linear", OneVsRestClassifier(LogisticRegression())), ("broken", NaNProbabilities())]
    ).fit(X, Y)
    with pytest.raises(ValueError, match=r"predict_proba of estimator 'broken' is not finite"):
        voting.predict_proba(X)
    with pytest.raises(ValueError, match="'broken' is not finite"):
        voting.predict(X)


def test_verbose_names_each_member_as_it_starts(tabular, capsys):
    linear_and_knn(verbose=1).fit(*tabular)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "[MultiLabelVotingClassifier] 1/2 fitting linear"
    assert lines[1].startswith("[MultiLabelVotingClassifier] 2/2 fitting knn, about ")
    linear_and_knn().fit(*tabular)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("verbose", "network_verbose"), [(0, 0), (1, 0), (2, 2)])
def test_ensemble_verbose_reaches_folds_members_and_at_2_the_network(verbose, network_verbose):
    model = make_multilabel_ensemble(verbose=verbose)
    assert model.verbose == model.estimator.verbose == verbose
    assert model.get_params()["estimator__cnn__textcnnclassifier__verbose"] == network_verbose
