"""Combining multi-label classifiers: soft voting, and the recommended CNN + TF-IDF ensemble.

scikit-learn's ``VotingClassifier`` refuses multi-label targets. Averaging the probabilities of
a convolutional network and a TF-IDF linear model helps on Reuters because the two err on
different documents (word order and learned embeddings against exact, idf-weighted word
counts); see :class:`MultiLabelVotingClassifier` and :func:`make_multilabel_ensemble`.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from sk_textcnn._compat import Interval, _BaseComposition, _fit_context, _num_samples
from sk_textcnn._multilabel import (
    multilabel_target,
    positive_proba,
    predicted_indicator,
    set_multilabel_tags,
)
from sk_textcnn._progress import FitProgress, announced
from sk_textcnn.classifier import TextCNNClassifier
from sk_textcnn.thresholds import MultiLabelThresholdClassifier
from sk_textcnn.vectorizer import SequenceVectorizer

__all__ = ["MultiLabelVotingClassifier", "make_multilabel_ensemble"]


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
    n_jobs : int or None, default=None
        Estimators fitted in parallel, with joblib's semantics (None: one, unless in a
        ``joblib.parallel_config`` context; -1: all cores). The probabilities equal those of
        ``n_jobs=1`` up to float rounding (see
        :class:`~sk_textcnn.MultiLabelThresholdClassifier`).
    verbose : int, default=0
        When positive, print a line as each estimator's fit starts (its name, and the time
        left for the whole ``fit``). The estimators' own ``verbose`` is left as set.

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
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimators,
        *,
        weights=None,
        threshold=0.5,
        at_least_one_label=False,
        n_jobs=None,
        verbose=0,
    ):
        self.estimators = estimators
        self.weights = weights
        self.threshold = threshold
        self.at_least_one_label = at_least_one_label
        self.n_jobs = n_jobs
        self.verbose = verbose

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
        tags = set_multilabel_tags(super().__sklearn_tags__(), indicator_only=True)
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
        for item in self.estimators:
            pair = isinstance(item, (tuple, list)) and len(item) == 2
            if not (pair and isinstance(item[0], str)):
                raise ValueError(
                    f"estimators must be a list of (name, estimator) pairs; got {item!r} in it."
                )
        names = [name for name, _ in self.estimators]
        if not names or len(set(names)) != len(names):
            raise ValueError(
                f"estimators needs at least one (name, estimator) pair with unique names; got "
                f"names {names}."
            )
        self._validate_names(names)
        self.weights_ = self._check_weights()
        progress = FitProgress(self, len(names), self.verbose)
        jobs = [delayed(_fit_clone)(estimator, X, y) for _, estimator in self.estimators]
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(announced(jobs, names, progress))
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
            proba = positive_proba(estimator, estimator.predict_proba(X), n_samples)
            if proba.shape != average.shape:
                raise ValueError(
                    f"predict_proba of estimator {name!r} gave shape {proba.shape}; expected "
                    f"{average.shape}, one column per label of y."
                )
            if not np.isfinite(proba).all():
                row, column = np.argwhere(~np.isfinite(proba))[0]
                raise ValueError(
                    f"predict_proba of estimator {name!r} is not finite: sample {row}, label "
                    f"{column} has {proba[row, column]}. Refit that estimator so that it gives "
                    "probabilities."
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
        return predicted_indicator(
            self.predict_proba(X),
            self.threshold,
            at_least_one_label=self.at_least_one_label,
            sparse_output=self.sparse_output_,
        )


def _fit_clone(estimator, X, y):
    return clone(estimator).fit(X, y)


def make_multilabel_ensemble(*, cv=5, min_positives=10, random_state=None, n_jobs=None, verbose=0):
    """Build a cross-fitted blend of the CNN and a TF-IDF linear model, for raw documents.

    The label probabilities of ``SequenceVectorizer() -> TextCNNClassifier()`` and of TF-IDF
    (sublinear) ``-> OneVsRest(LogisticRegression(C=100))`` are averaged: the network and the
    linear model err on different documents. Per-label F1 thresholds are then tuned on
    out-of-fold averages (``cv`` folds stratified per label, so rare labels are tuned on all
    their positives; thresholds from the grid 0.05 .. 0.95, moved halfway to one shared by all
    labels), both models are refitted on all documents, and, where every training document
    has a label, a document reaching no threshold gets its most probable label. Fitting
    costs ``cv + 1`` fits of both models.

    ``python -m benchmarks.quality suite --ensemble`` measures it against the TF-IDF linear
    models and ``TextCNNClassifier()`` alone (README, "Thresholds and
    imbalance").

    Parameters
    ----------
    cv : int >= 2, default=5
        Folds the thresholds are cross-fitted on.
    min_positives : int, default=10
        Positives a label needs among the training documents to get its own threshold; rarer
        labels share one, tuned on them pooled.
    random_state : int or None, default=None
        Seeds the network and the folds.
    n_jobs : int or None, default=None
        Fits run in parallel (joblib's semantics): the ``cv`` fold fits and the final fit, each
        fitting both models in turn, so up to ``cv + 1`` cores are used. See
        :class:`~sk_textcnn.MultiLabelThresholdClassifier` and the README's "Scale out".
    verbose : int, default=0
        1: a line as each fold's fit (and the final one) starts, with the time left for the
        whole fit, and a line per model within it; 2: also the network's one line per
        epoch.

    Returns
    -------
    model : MultiLabelThresholdClassifier
        Unfitted; ``fit(documents, Y)`` with ``Y`` a multi-label indicator matrix. Its parts are
        tunable as usual, e.g. ``estimator__cnn__textcnnclassifier__epochs``.

    Examples
    --------
    >>> from sk_textcnn import make_multilabel_ensemble
    >>> model = make_multilabel_ensemble(random_state=0)
    >>> [name for name, _ in model.estimator.estimators]
    ['cnn', 'linear']
    >>> model.set_params(estimator__cnn__textcnnclassifier__epochs=5).cv
    5
    """
    blend = MultiLabelVotingClassifier(
        [
            (
                "cnn",
                make_pipeline(
                    SequenceVectorizer(),
                    TextCNNClassifier(random_state=random_state, verbose=2 if verbose >= 2 else 0),
                ),
            ),
            (
                "linear",
                make_pipeline(
                    TfidfVectorizer(sublinear_tf=True),
                    OneVsRestClassifier(LogisticRegression(C=100, max_iter=1000)),
                ),
            ),
        ],
        verbose=verbose,
    )
    return MultiLabelThresholdClassifier(
        blend,
        cv=cv,
        min_positives=min_positives,
        at_least_one_label="auto",
        random_state=random_state,
        n_jobs=n_jobs,
        verbose=verbose,
    )
