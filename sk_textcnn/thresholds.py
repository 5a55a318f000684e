"""Per-label decision thresholds for multi-label classifiers, tuned on held-out data.

On imbalanced multi-label data (Reuters: 90 topics, most of them rare) a probability cut-off of
0.5 leaves the rare labels almost never predicted, and macro-averaged F1 low. This module
picks for each label the cut-off that maximizes F1 (or any metric) on held-out data:

- :func:`tune_thresholds` finds the best threshold of each label from true labels and
  probabilities;
- :func:`label_decisions` applies per-label thresholds;
- :class:`MultiLabelThresholdClassifier` holds out part of the data (stratified by
  :mod:`sk_textcnn.model_selection`) and tunes around any multi-label classifier with
  ``predict_proba``.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from sk_textcnn._compat import (
    HasMethods,
    Interval,
    StrOptions,
    _check_method_params,
    _fit_context,
    _num_samples,
    _routing_enabled,
    _safe_indexing,
)
from sk_textcnn._multilabel import (
    fit_label_lists,
    fitted_on_label_lists,
    is_label_lists,
    label_decisions,
    label_lists,
    multilabel_score,
    multilabel_target,
    positive_proba,
    predicted_indicator,
    set_multilabel_tags,
)
from sk_textcnn._progress import FitProgress, announced
from sk_textcnn._threshold_tuning import (
    MIN_TUNING_POSITIVES,
    TUNING_GRID,
    TUNING_SHRINKAGE,
    thresholds_by_policy,
    tune_thresholds,
)
from sk_textcnn.model_selection import (
    MultiLabelStratifiedKFold,
    multilabel_train_test_split_indices,
)

__all__ = ["MultiLabelThresholdClassifier", "label_decisions", "tune_thresholds"]


class MultiLabelThresholdClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Multi-label classifier with per-label decision thresholds tuned on a validation split.

    ``fit`` holds out ``validation_fraction`` of the samples with
    :func:`multilabel_train_test_split_indices` (so rare labels are in it), fits a clone of
    ``estimator`` on the rest, and picks each label's threshold on the held-out
    probabilities with :func:`tune_thresholds`. With ``refit=True`` a second clone is then
    fitted on all samples and used for prediction with these thresholds. ``predict`` says yes
    to label ``j`` where its probability is at least ``thresholds_[j]``.

    With ``cv=k`` the thresholds are instead cross-fitted: ``k`` clones, each fitted without one
    of ``k`` folds (:class:`~sk_textcnn.model_selection.MultiLabelStratifiedKFold`, so each
    fold holds its share of every label), give every sample a held-out probability, every label
    is tuned on all its positives, and ``estimator_`` is fitted on all samples. That costs
    ``k + 1`` fits, and suits rare labels: a 20% validation split holds a fifth of their few
    positives.

    The tuning policy is that of ``TextCNNClassifier(threshold="auto")``: thresholds from a grid
    of 0.05 to 0.95 in steps of 0.05; labels with fewer than 5 tuning positives share one
    threshold, tuned on all their positives together, so that one or two positives never set a
    threshold that floods their label; and each threshold is then moved halfway (``shrinkage``)
    to one shared by all labels, which keeps weak labels from being predicted everywhere.

    Parameters
    ----------
    estimator : estimator object
        A multi-label classifier with ``fit`` and ``predict_proba``, such as
        ``OneVsRestClassifier(LogisticRegression())`` or a pipeline ending in one.
        ``predict_proba`` may return an (n_samples, n_labels) array or a list of
        (n_samples, 2) arrays, one per label.
    metric : "f1" or callable, default="f1"
        Maximized per label on the validation part; see :func:`tune_thresholds`.
    candidates : "grid", int, array-like of float or None, default="grid"
        Thresholds tried per label: "grid" for 0.05, 0.10, ..., 0.95; otherwise as in
        :func:`tune_thresholds` (None: every distinct cut, an exact search that overfits rare
        labels more).
    validation_fraction : float in (0, 1), default=0.2
        Share of the samples held out to tune the thresholds.
    min_positives : int, default=5
        Held-out positives (in the validation split, or all of them with ``cv``) a label needs
        to be tuned on their own; the others share one threshold, tuned on them pooled (0.5 if
        they have fewer than ``min_positives`` positives between them, before ``shrinkage``).
        See :func:`tune_thresholds`.
    shrinkage : float in [0, 1], default=0.5
        How far each threshold moves towards one shared by all labels (see
        :func:`tune_thresholds`): 0 tunes each label for its own F1 (the macro-average's
        optimum on the tuning data), 1 gives all labels the micro-average's optimum.
    at_least_one_label : bool or "auto", default=False
        Whether ``predict`` gives a sample that reaches no threshold its most probable label.
        Suits data where every sample has at least one label, as Reuters, and not data where
        some have none (2-3% of SemEval's tweets carry no emotion). "auto": only where every
        training sample has a label (``at_least_one_label_``). See :func:`label_decisions`.
    refit : bool, default=False
        Whether to refit ``estimator`` on all samples after tuning. If False, ``estimator_``
        is the one fitted without the validation part, which the thresholds were tuned for.
        See the notes on why that is the default.
    cv : int >= 2, cross-validation splitter or None, default=None
        None: tune on one validation split of ``validation_fraction`` (see ``refit``). An int:
        cross-fit the thresholds on that many folds, stratified per label; a splitter (an
        object with ``split(X, y)`` whose test folds cover every sample once, such as
        ``KFold(5)``): cross-fit on its folds. ``estimator_`` is then fitted on all samples, and
        ``validation_fraction`` and ``refit`` are unused.
    random_state : int, RandomState instance or None, default=None
        Seeds the validation split or the folds (not the estimator). NumPy's global random
        state is never used.
    n_jobs : int or None, default=None
        Fits run in parallel, with joblib's semantics (None: one, unless in a
        ``joblib.parallel_config`` context; -1: all cores): the ``cv`` fold fits and the fit on
        all samples (or, with ``refit=True``, the fits on the split and on all samples). A
        worker gives the same thresholds and probabilities as ``n_jobs=1`` up to float
        rounding: TensorFlow in a worker runs its share of the cores, and a different thread
        count changes the order of float sums (by about 1e-7 in the tests' probabilities).
    verbose : int, default=0
        When positive, print a line as each fit of ``estimator`` starts (which fold, and the
        time left for the whole ``fit``). The estimator's own ``verbose`` is left as set.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator`` used for prediction.
    thresholds_ : ndarray of shape (n_labels,)
        Decision threshold of each label.
    at_least_one_label_ : bool
        Whether ``predict`` gives every sample a label: ``at_least_one_label``, with "auto"
        resolved on the training labels.
    classes_ : ndarray of shape (n_labels,)
        The label names, sorted, when ``y`` was a list of label lists; else the indicator's
        column indices ``0 .. n_labels - 1``.
    label_lists_ : bool
        Whether ``y`` was a list of label lists, and so ``predict`` returns one.
    sparse_output_ : bool
        Whether ``y`` was a sparse matrix, and so ``predict`` returns one.
    n_features_in_ : int
        Number of features seen in ``fit``, when the estimator records it.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in ``fit``, when the estimator records them.

    See Also
    --------
    tune_thresholds : The threshold search.
    sklearn.model_selection.TunedThresholdClassifierCV : One threshold for binary targets.

    Notes
    -----
    With ``refit=True`` the thresholds were tuned for a model that saw fewer positives of each
    label than the one that predicts. For labels with a handful of positives the refitted
    model gives them markedly higher probabilities, while their tuned thresholds are tiny (the
    validation positive scored low under the first model), so such labels can be predicted
    for many documents: micro-F1 pays for it, hence the default ``refit=False`` (README,
    "Thresholds and imbalance", gives the figures).

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from sk_textcnn import MultiLabelThresholdClassifier
    >>> X, Y = make_multilabel_classification(n_samples=200, n_classes=5, random_state=0)
    >>> clf = MultiLabelThresholdClassifier(
    ...     OneVsRestClassifier(LogisticRegression()), random_state=0
    ... ).fit(X, Y)
    >>> clf.thresholds_.shape
    (5,)
    >>> clf.predict(X[:3]).shape
    (3, 5)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "metric": [StrOptions({"f1"}), callable],
        "candidates": [
            StrOptions({"grid"}),
            Interval(Integral, 1, None, closed="left"),
            "array-like",
            None,
        ],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "min_positives": [Interval(Integral, 1, None, closed="left")],
        "shrinkage": [Interval(Real, 0, 1, closed="both")],
        "at_least_one_label": ["boolean", StrOptions({"auto"})],
        "refit": ["boolean"],
        "cv": [Interval(Integral, 2, None, closed="left"), HasMethods("split"), None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        *,
        metric="f1",
        candidates="grid",
        validation_fraction=0.2,
        min_positives=MIN_TUNING_POSITIVES,
        shrinkage=TUNING_SHRINKAGE,
        at_least_one_label=False,
        refit=False,
        cv=None,
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.metric = metric
        self.candidates = candidates
        self.validation_fraction = validation_fraction
        self.min_positives = min_positives
        self.shrinkage = shrinkage
        self.at_least_one_label = at_least_one_label
        self.refit = refit
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = set_multilabel_tags(super().__sklearn_tags__(), indicator_only=True)
        inner = get_tags(self.estimator).input_tags
        tags.input_tags.sparse = inner.sparse
        tags.input_tags.string = inner.string
        tags.input_tags.allow_nan = inner.allow_nan
        return tags

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Tune the thresholds on a validation split or out-of-fold, and fit the estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or list of str
            Whatever ``estimator`` takes, e.g. raw documents for a text pipeline.
        y : {array-like, sparse matrix} of shape (n_samples, n_labels) or list of label lists
            Multi-label indicator matrix, or one list (tuple, set) of str or int labels per
            sample, possibly empty; ``estimator`` is fitted on its indicator matrix, whose
            columns are ``classes_``.
        **fit_params : dict
            Passed to ``estimator.fit`` (sliced to the training part where they hold one value
            per sample). With metadata routing enabled, routed parameters instead. A
            ``sample_weight`` among them (for a pipeline, its one ``<step>__sample_weight``)
            also weighs the held-out samples the thresholds are tuned on.

        Returns
        -------
        self : MultiLabelThresholdClassifier
            The fitted classifier.
        """
        self.label_lists_ = is_label_lists(y)
        if self.label_lists_:
            classes, y = fit_label_lists(y)
        y = multilabel_target(self, X, y)
        if _routing_enabled():
            params = process_routing(self, "fit", **fit_params).estimator.fit
        else:
            params = fit_params
        self.sparse_output_ = sp.issparse(y)

        if self.cv is None:
            splits = [
                multilabel_train_test_split_indices(
                    y, test_size=self.validation_fraction, random_state=self.random_state
                )
            ]
            names = ["the estimator on the training split"]
        else:
            if isinstance(self.cv, Integral):
                folds = MultiLabelStratifiedKFold(self.cv, random_state=self.random_state)
            else:
                folds = self.cv
            splits = list(folds.split(X, y))
            _check_test_folds(self.cv, splits, y.shape[0])
            names = [f"fold {k + 1} of {len(splits)}" for k in range(len(splits))]
        refit = self.refit or self.cv is not None
        # The held-out fits and the fit on all samples do not depend on each other: one batch.
        # scikit-learn's Parallel takes its configuration (metadata routing) and the warning
        # filters into the workers.
        jobs = [
            delayed(_fit_and_score)(
                self.estimator, X, y, params, train, validation, keep_estimator=not refit
            )
            for train, validation in splits
        ]
        if refit:
            jobs.append(delayed(_fit)(self.estimator, X, y, params))
            names.append("the estimator on all samples")
        progress = FitProgress(self, len(jobs), self.verbose)
        results = Parallel(n_jobs=self.n_jobs)(announced(jobs, names, progress))
        held_out = results[: len(splits)]
        if self.cv is None:
            estimator, proba = held_out[0]
            tuning_rows = splits[0][1]
        else:
            proba = np.empty(y.shape)
            for (_, validation), (_, fold_proba) in zip(splits, held_out, strict=True):
                proba[validation] = fold_proba
            tuning_rows = np.arange(y.shape[0])
        # The thresholds weigh the held-out samples as the estimator's loss did: by
        # sample_weight, or a pipeline's one "<step>__sample_weight".
        weights = [params[key] for key in params if key.split("__")[-1] == "sample_weight"]
        sample_weight = weights[0] if len(weights) == 1 else None
        if sample_weight is not None:
            sample_weight = _safe_indexing(np.asarray(sample_weight), tuning_rows)
        self.thresholds_ = thresholds_by_policy(
            _safe_indexing(y, tuning_rows),
            proba,
            metric=self.metric,
            candidates=TUNING_GRID if isinstance(self.candidates, str) else self.candidates,
            min_positives=self.min_positives,
            shrinkage=self.shrinkage,
            sample_weight=sample_weight,
        )
        self.estimator_ = results[-1] if refit else estimator
        if self.at_least_one_label == "auto":
            self.at_least_one_label_ = bool((np.asarray(y.sum(axis=1)).ravel() > 0).all())
        else:
            self.at_least_one_label_ = self.at_least_one_label
        self.classes_ = classes if fitted_on_label_lists(self) else np.arange(y.shape[1])
        for attribute in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, attribute):
                setattr(self, attribute, getattr(self.estimator_, attribute))
        return self

    def predict_proba(self, X):
        """Probability of each label, from the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or list of str
            Samples, as ``estimator`` takes them.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_labels)
            Independent probability of each label (the positive-class column when the
            estimator returns one array per label).
        """
        check_is_fitted(self)
        return _positive_proba(self.estimator_, X)

    def predict(self, X):
        """Predict labels: 1 where a label's probability reaches its threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or list of str
            Samples, as ``estimator`` takes them.

        Returns
        -------
        y_pred : {ndarray, sparse matrix} of shape (n_samples, n_labels) or list of tuple
            Indicator matrix of ints; CSR if ``y`` was sparse in ``fit``; a tuple of labels per
            sample if ``y`` was a list of label lists.
        """
        decisions = predicted_indicator(
            self.predict_proba(X),
            self.thresholds_,
            at_least_one_label=self.at_least_one_label_,
            sparse_output=self.sparse_output_,
        )
        return label_lists(decisions, self.classes_) if fitted_on_label_lists(self) else decisions

    def score(self, X, y, sample_weight=None):
        """Subset accuracy of ``predict(X)``: the share of samples given exactly their labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or list of str
            Samples, as ``estimator`` takes them.
        y : {array-like, sparse matrix} of shape (n_samples, n_labels) or list of label lists
            True labels; label lists may only hold labels seen in ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample.

        Returns
        -------
        score : float
        """
        return multilabel_score(self, X, y, sample_weight)

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit`` parameters to the estimator's ``fit``.
        """
        return MetadataRouter(owner=self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )


def _fit(estimator, X, y, params):
    """A clone of ``estimator`` fitted on all samples (a function, so that joblib can ship it)."""
    return clone(estimator).fit(X, y, **params)


def _fit_and_score(estimator, X, y, params, train, validation, *, keep_estimator):
    """A clone fitted on the ``train`` rows (None unless ``keep_estimator``: a worker would
    send it back for nothing), and its probabilities of ``validation``."""
    fitted = clone(estimator).fit(
        _safe_indexing(X, train),
        _safe_indexing(y, train),
        **_check_method_params(X, params, train),
    )
    proba = _positive_proba(fitted, _safe_indexing(X, validation))
    if proba.shape[1] != y.shape[1]:
        raise ValueError(
            f"predict_proba of {type(fitted).__name__} gave {proba.shape[1]} columns for "
            f"a y with {y.shape[1]} labels."
        )
    return (fitted if keep_estimator else None), proba


def _positive_proba(estimator, X):
    return positive_proba(estimator, estimator.predict_proba(X), _num_samples(X))


def _check_test_folds(cv, splits, n_samples):
    """Refuse a splitter whose test folds do not hold every sample exactly once."""
    times_held_out = np.zeros(n_samples, dtype=np.int64)
    for _, validation in splits:
        times_held_out[validation] += 1
    if (times_held_out != 1).any():
        raise ValueError(
            f"cv={cv!r} must put every sample in exactly one test fold (a K-fold "
            f"splitter); sample {np.flatnonzero(times_held_out != 1)[0]} is in "
            f"{times_held_out[times_held_out != 1][0]}."
        )
