"""Soft voting for multi-label classifiers: the weighted mean of their label probabilities.

scikit-learn's ``VotingClassifier`` refuses multi-label targets. Averaging the probabilities of
a convolutional network and a TF-IDF linear model helps on Reuters because the two err on
different documents (word order and learned embeddings against exact, idf-weighted word
counts); see :class:`MultiLabelVotingClassifier`.
"""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import Interval
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import _num_samples, check_is_fitted

from sk_textcnn.thresholds import _positive_proba, label_decisions, multilabel_target

__all__ = ["MultiLabelVotingClassifier"]


class MultiLabelVotingClassifier(ClassifierMixin, _BaseComposition):
    """Multi-label classifier averaging the label probabilities of several classifiers.

    Each estimator is cloned and fitted on the same ``X`` and ``y``; ``predict_proba`` is the
    weighted mean of their probabilities of each label. Wrap it in
    :class:`~sk_textcnn.MultiLabelThresholdClassifier` to tune per-label thresholds on the
    averaged probabilities.

    Parameters
    ----------
    estimators : list of (str, estimator) tuples
        Named multi-label classifiers with ``fit`` and ``predict_proba``, such as pipelines
        from raw text: each gets the same ``X``. Their parameters are reachable as
        ``<name>__<parameter>`` in ``set_params`` and ``GridSearchCV``.
    weights : array-like of shape (n_estimators,), default=None
        Non-negative weight of each estimator's probabilities; None for equal weights.
    threshold : float in [0, 1], default=0.5
        ``predict`` says yes to a label whose averaged probability reaches it.
    at_least_one_label : bool, default=False
        Whether ``predict`` gives a sample that reaches no threshold its most probable label;
        see :func:`~sk_textcnn.label_decisions`.

    Attributes
    ----------
    estimators_ : list of estimator objects
        The fitted clones, in the order of ``estimators``.
    weights_ : ndarray of shape (n_estimators,)
        ``weights`` scaled to sum to 1.
    named_estimators_ : dict
        The fitted clones by name.
    classes_ : ndarray of shape (n_labels,)
        Label indices ``0 .. n_labels - 1``.
    sparse_output_ : bool
        Whether ``y`` was a sparse matrix, and so ``predict`` returns one.

    See Also
    --------
    MultiLabelThresholdClassifier : Per-label thresholds around any multi-label classifier.
    sklearn.ensemble.VotingClassifier : The same for binary and multiclass targets.

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sk_textcnn import MultiLabelVotingClassifier
    >>> X, Y = make_multilabel_classification(n_samples=200, n_classes=5, random_state=0)
    >>> clf = MultiLabelVotingClassifier(
    ...     [("linear", OneVsRestClassifier(LogisticRegression())),
    ...      ("knn", KNeighborsClassifier())]
    ... ).fit(X, Y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 5)
    """

    _parameter_constraints: dict = {
        "estimators": [list],
        "weights": ["array-like", None],
        "threshold": [Interval(Real, 0, 1, closed="both")],
        "at_least_one_label": ["boolean"],
    }

    def __init__(self, estimators, *, weights=None, threshold=0.5, at_least_one_label=False):
        self.estimators = estimators
        self.weights = weights
        self.threshold = threshold
        self.at_least_one_label = at_least_one_label

    def get_params(self, deep=True):
        """Get parameters, including those of the named estimators when ``deep``.

        Parameters
        ----------
        deep : bool, default=True
            Whether to include ``<name>__<parameter>`` entries of the estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return self._get_params("estimators", deep=deep)

    def set_params(self, **params):
        """Set parameters, including ``<name>__<parameter>`` ones of the estimators.

        Parameters
        ----------
        **params : dict
            Parameter names mapped to their new values.

        Returns
        -------
        self : MultiLabelVotingClassifier
            This estimator.
        """
        self._set_params("estimators", **params)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.single_output = False
        tags.target_tags.multi_output = True
        tags.input_tags.string = all(
            get_tags(estimator).input_tags.string for _, estimator in self.estimators
        )
        return tags

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit a clone of every estimator on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or list of str
            What the estimators take, e.g. raw documents for text pipelines.
        y : {array-like, sparse matrix} of shape (n_samples, n_labels)
            Multi-label indicator matrix.

        Returns
        -------
        self : MultiLabelVotingClassifier
            The fitted classifier.
        """
        y = multilabel_target(self, X, y)
        names = [name for name, _ in self.estimators]
        if not names or len(set(names)) != len(names):
            raise ValueError(
                f"estimators needs at least one (name, estimator) pair with unique names; got "
                f"names {names}."
            )
        self._validate_names(names)
        self.weights_ = self._check_weights()
        self.estimators_ = [clone(estimator).fit(X, y) for _, estimator in self.estimators]
        self.named_estimators_ = dict(zip(names, self.estimators_, strict=True))
        self.classes_ = np.arange(y.shape[1])
        self.sparse_output_ = sp.issparse(y)
        return self

    def _check_weights(self):
        if self.weights is None:
            return np.full(len(self.estimators), 1 / len(self.estimators))
        weights = np.asarray(self.weights, dtype=float)
        valid = np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0
        if weights.shape != (len(self.estimators),) or not valid:
            raise ValueError(
                f"weights needs one finite non-negative value per estimator "
                f"({len(self.estimators)}), not all zero; got {self.weights!r}."
            )
        return weights / weights.sum()

    def predict_proba(self, X):
        """Weighted mean of the estimators' probabilities of each label.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or list of str
            Samples, as the estimators take them.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_labels)
            Averaged independent probability of each label.
        """
        check_is_fitted(self)
        n_samples = _num_samples(X)
        average = np.zeros((n_samples, len(self.classes_)))
        for (name, estimator), weight in zip(
            self.named_estimators_.items(), self.weights_, strict=True
        ):
            proba = _positive_proba(estimator, estimator.predict_proba(X), n_samples)
            if proba.shape != average.shape:
                raise ValueError(
                    f"predict_proba of estimator {name!r} gave shape {proba.shape}; expected "
                    f"{average.shape}, one column per label of y."
                )
            average += weight * proba
        return average

    def predict(self, X):
        """Predict labels: 1 where the averaged probability reaches ``threshold``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or list of str
            Samples, as the estimators take them.

        Returns
        -------
        y_pred : {ndarray, sparse matrix} of shape (n_samples, n_labels)
            Indicator matrix of ints; CSR if ``y`` was sparse in ``fit``.
        """
        decisions = label_decisions(
            self.predict_proba(X), self.threshold, at_least_one_label=self.at_least_one_label
        )
        return sp.csr_matrix(decisions) if self.sparse_output_ else decisions
