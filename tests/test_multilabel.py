"""Shared multi-label behaviour: the target check, probabilities, decisions and tags."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils import get_tags

from sk_textcnn import (
    MultiLabelThresholdClassifier,
    MultiLabelVotingClassifier,
    TextCNNClassifier,
    label_decisions,
)
from sk_textcnn._multilabel import (
    multilabel_target,
    positive_proba,
    predicted_indicator,
    set_multilabel_tags,
)


def test_label_decisions_give_empty_rows_their_most_probable_label():
    proba = np.array([[0.9, 0.6, 0.1], [0.2, 0.4, 0.3], [0.1, 0.1, 0.45]])
    thresholds = [0.5, 0.7, 0.5]
    plain = label_decisions(proba, thresholds)
    np.testing.assert_array_equal(plain, (proba >= thresholds).astype(int))
    filled = label_decisions(proba, thresholds, at_least_one_label=True)
    np.testing.assert_array_equal(filled, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])


@pytest.mark.parametrize(
    ("proba", "thresholds", "match"),
    [
        (np.ones(3), 0.5, "proba must be a 2-D array"),
        (np.ones((2, 3)), [0.5, 0.5], r"one value per label \(3\)"),
        (np.ones((2, 3)), np.full((1, 3), 0.5), "thresholds must be a float"),
        (np.ones((2, 2)), [0.5, np.nan], r"thresholds must lie in \[0, 1\]; got \[0.5, nan\]"),
        (np.ones((2, 2)), 1.5, r"thresholds must lie in \[0, 1\]"),
        (np.ones((2, 2)), [-0.1, 0.5], r"thresholds must lie in \[0, 1\]"),
        ([[0.2, 0.1], [np.nan, 0.2]], 0.5, r"proba must be finite; sample 1, label 0 has nan"),
    ],
)
def test_label_decisions_rejects_bad_input(proba, thresholds, match):
    with pytest.raises(ValueError, match=match):
        label_decisions(proba, thresholds)


def test_predicted_indicator_is_sparse_exactly_when_asked():
    proba = np.array([[0.9, 0.1], [0.2, 0.7]])
    dense = predicted_indicator(proba, 0.5, at_least_one_label=False, sparse_output=False)
    sparse = predicted_indicator(proba, 0.5, at_least_one_label=False, sparse_output=True)
    assert isinstance(dense, np.ndarray) and sp.issparse(sparse) and sparse.format == "csr"
    np.testing.assert_array_equal(sparse.toarray(), dense)
    np.testing.assert_array_equal(dense, [[1, 0], [0, 1]])


@pytest.mark.parametrize(
    ("y", "match"),
    [
        (np.array([0, 1, 1, 0]), "needs a multi-label indicator matrix y .* got a binary target"),
        (np.array([0, 1, 2, 0]), "got a multiclass target"),
        (None, "requires y to be passed, but the target y is None"),
        (np.array([[-1, 1], [1, -1], [1, 1], [-1, -1]]), r"of 0 and 1; got the values \[-1, 1\]"),
        (np.array([[0, 2], [2, 0], [2, 2], [0, 0]]), r"of 0 and 1; got the values \[0, 2\]"),
        (sp.csr_matrix(np.array([[0, 2], [2, 0], [2, 2], [0, 0]])), "got the values"),
    ],
)
def test_multilabel_target_refuses_other_targets_by_name(y, match):
    with pytest.raises(ValueError, match=match):
        multilabel_target(BaseEstimator(), np.zeros((4, 1)), y)


@pytest.mark.parametrize("values", [(-1, 1), (0, 2)])
def test_every_multilabel_estimator_refuses_an_indicator_that_is_not_0_1(values):
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    X = np.random.RandomState(0).randint(2, 9, size=(8, 4))
    Y = np.array(values)[np.random.RandomState(1).randint(2, size=(8, 3))]
    for estimator in (
        TextCNNClassifier(epochs=1),
        MultiLabelThresholdClassifier(OneVsRestClassifier(LogisticRegression())),
        MultiLabelVotingClassifier([("lr", OneVsRestClassifier(LogisticRegression()))]),
    ):
        with pytest.raises(ValueError, match="y must be a multi-label indicator matrix of 0 and 1"):
            estimator.fit(X, Y)


def test_multilabel_target_keeps_sparse_and_checks_lengths():
    Y = sp.csc_matrix(np.eye(3, dtype=int))
    assert multilabel_target(BaseEstimator(), np.zeros((3, 1)), Y).format == "csr"
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        multilabel_target(BaseEstimator(), np.zeros((4, 1)), Y)


class _PerLabelClassifier:
    classes_ = [np.array([0, 1]), np.array([1]), np.array([0, 1])]


def test_positive_proba_reads_both_conventions():
    columns = np.array([[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_array_equal(positive_proba(None, columns, 2), columns)
    per_label = [np.array([[0.8, 0.2], [0.4, 0.6]]), np.ones((2, 1)), np.array([[0, 1], [1, 0]])]
    np.testing.assert_array_equal(
        positive_proba(_PerLabelClassifier(), per_label, 2), [[0.2, 1, 1], [0.6, 1, 0]]
    )
    with pytest.raises(ValueError, match=r"returned shape \(3, 2\); expected \(2, n_labels\)"):
        positive_proba(BaseEstimator(), np.ones((3, 2)), 2)


def test_the_estimators_share_the_multilabel_tags():
    from sklearn.linear_model import LogisticRegression

    for estimator in (
        TextCNNClassifier(),
        MultiLabelThresholdClassifier(LogisticRegression()),
        MultiLabelVotingClassifier([("lr", LogisticRegression())]),
    ):
        assert get_tags(estimator).classifier_tags.multi_label
    assert get_tags(TextCNNClassifier()).target_tags.single_output
    assert not get_tags(
        MultiLabelThresholdClassifier(LogisticRegression())
    ).target_tags.single_output
    tags = set_multilabel_tags(get_tags(BaseEstimator()), indicator_only=True)
    assert tags.classifier_tags.multi_label and tags.target_tags.multi_output
