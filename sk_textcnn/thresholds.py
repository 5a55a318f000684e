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
    _check_sample_weight,
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
from sk_textcnn.model_selection import (
    MultiLabelStratifiedKFold,
    multilabel_train_test_split_indices,
)

__all__ = ["MultiLabelThresholdClassifier", "label_decisions", "tune_thresholds"]

# The tuning policy of TextCNNClassifier(threshold="auto") and MultiLabelThresholdClassifier:
# a coarse grid inside [0.05, 0.95], and labels with fewer tuning positives share one threshold
# tuned on them pooled: on Reuters 62 of 86 labels have fewer than 5 positives in the default
# 10% validation split, and pooling them lifted the defaults' macro-F1 from 0.509 and 0.500 to
# 0.555 and 0.553 (micro-F1 0.894 to 0.901 and 0.902; seeds 0 and 1, trained on 80% of the
# training split, scored on the other 20%; the test split was not looked at). The
# network's probabilities are extreme (mostly near 0 or 1), so a label with a few held-out
# positives gets an exact-search threshold just under their scores, often ~1e-5, which floods
# that label on new documents: on Reuters unguarded tuning dropped the CNN's test micro-F1 from
# 0.86 to 0.34 (0.86 with these guards). One training positive and cv=2 gave TF-IDF + logistic
# regression a threshold of 0.0 for that label, predicted for every new document.
TUNING_GRID = np.linspace(0.05, 0.95, 19)
MIN_TUNING_POSITIVES = 5
# Each label's threshold then moves halfway to one shared by all labels (tune_thresholds'
# shrinkage). Per-label F1 alone cut SemEval's two weakest emotions at 0.05, predicted for 17%
# and 34% of tweets where 4-5% carry them: micro-F1 0.583 on the dev split, under TF-IDF +
# balanced LinearSVC's 0.588; one shared threshold gave 0.641 but macro-F1 0.492 (under its
# 0.495); halfway gave 0.635 / 0.510. On Reuters' 80/20 split halfway gave 0.903 / 0.549 and
# 0.903 / 0.546 (seeds 0, 1) against the per-label 0.901 / 0.555 and 0.902 / 0.553, and the
# linear model's 0.894 / 0.546. A quarter of the way did as well on Reuters; halfway kept more
# micro-F1 on SemEval.
TUNING_SHRINKAGE = 0.5
# Candidate thresholds per label a callable metric is evaluated at, unless told otherwise.
_DEFAULT_CALLABLE_CANDIDATES = 100
# Scores closer than this count as equal, so that float rounding does not decide ties.
_SCORE_TOLERANCE = 1e-12


def _cut_points(scores):
    """Thresholds between consecutive distinct scores, and below the lowest and above the top.

    Returns the thresholds in increasing order and, for each, the distinct score just above it
    (``inf`` for the threshold above every score): ``scores >= threshold`` then selects exactly
    the scores at or above that one.
    """
    values = np.unique(scores)
    below = values[:-1] + (values[1:] - values[:-1]) / 2
    # Rounding can land a midpoint on the lower value, which would then be selected too.
    below = np.where(below > values[:-1], below, values[1:])
    thresholds = np.concatenate([[values[0] / 2], below])
    upper = values
    if values[-1] < 1:
        top = values[-1] + (1 - values[-1]) / 2
        if top > values[-1]:
            thresholds = np.append(thresholds, top)
            upper = np.append(upper, np.inf)
    return thresholds, upper


def _thin(thresholds, upper, positive_scores, limit):
    """At most ``limit`` cut points: those just below a positive score, evenly spaced.

    A metric that rewards true positives and penalizes false positives peaks just below some
    positive's score, or above every score; the lowest cut (select all) is kept too.
    """
    below_positive = np.isin(upper, positive_scores)
    keep = np.flatnonzero(below_positive)
    if len(keep) > limit:
        keep = keep[np.unique(np.linspace(0, len(keep) - 1, limit).round().astype(np.int64))]
    ends = [0] if upper[-1] != np.inf else [0, len(thresholds) - 1]
    keep = np.union1d(keep, ends)
    return thresholds[keep]


def _f1_at(thresholds, scores, truth, weight):
    """Weighted F1 of ``scores >= t`` against ``truth`` for every t, from sorted cumulative
    weights (no loop)."""
    order = np.argsort(scores, kind="stable")
    scores, truth, weight = scores[order], truth[order], weight[order]
    # Weight of the scores at or above position i, for i = 0 .. n.
    at_or_above = np.append(np.cumsum(weight[::-1])[::-1], 0.0)
    positive_at_or_above = np.append(np.cumsum((weight * truth)[::-1])[::-1], 0.0)
    first = np.searchsorted(scores, thresholds, side="left")
    true_positives = positive_at_or_above[first]
    denominator = at_or_above[first] + positive_at_or_above[0]
    return np.divide(
        2 * true_positives, denominator, out=np.zeros(len(first)), where=denominator > 0
    )


def _best(thresholds, scores, anchor):
    """The best-scoring threshold; among equals the one nearest ``anchor``, then the higher."""
    best = scores.max()
    tied = thresholds[scores >= best - _SCORE_TOLERANCE * max(1.0, abs(best))]
    distance = np.abs(tied - anchor)
    nearest = tied[distance == distance.min()]
    return float(nearest.max())


def tune_thresholds(
    Y_true,
    proba,
    *,
    metric="f1",
    candidates=None,
    default=0.5,
    min_positives=1,
    pool_rare=False,
    shrinkage=0.0,
    sample_weight=None,
):
    """For each label, the probability threshold that maximizes a metric on held-out data.

    Label ``j`` is predicted where ``proba[:, j] >= thresholds[j]``. Every threshold between two
    consecutive distinct probabilities of a label gives the same decisions, so candidates are
    the midpoints between them (plus one below the lowest and one above the highest), and
    ``default`` itself. Among equally good thresholds the one nearest ``default`` wins: the
    decisions are the same on these data, and staying near the usual cut-off overfits less.

    Parameters
    ----------
    Y_true : {array-like, sparse matrix} of shape (n_samples, n_labels)
        True labels as a 0/1 indicator matrix. A 1-D array is read as a single label.
    proba : array-like of shape (n_samples, n_labels)
        Predicted probability of each label, in [0, 1].
    metric : "f1" or callable, default="f1"
        What to maximize per label. ``"f1"`` is computed exactly at every distinct cut with
        cumulative counts. A callable ``metric(y_true, y_pred) -> float`` (higher is better,
        both arguments 1-D 0/1 int arrays), such as
        ``functools.partial(sklearn.metrics.fbeta_score, beta=2, zero_division=0)``, is
        called once per candidate.
    candidates : int, array-like of float or None, default=None
        Which thresholds to try. None: every distinct cut for ``"f1"``, and at most 100 per
        label for a callable. An int: at most that many per label, taken just below the
        scores of positive examples (where a metric that rewards true positives and penalizes
        false positives peaks), evenly spaced, plus the cuts selecting all or none and
        ``default``. An array: exactly these thresholds, in [0, 1], for every label.
    default : float in [0, 1], default=0.5
        Threshold of a label with fewer than ``min_positives`` positives in ``Y_true`` (too
        little evidence to move it) that ``pool_rare`` does not tune (``shrinkage`` still
        moves it), and the value ties are broken towards.
    min_positives : int, default=1
        Positives a label needs in ``Y_true`` to be tuned. A label with one or two low-scoring
        positives otherwise gets a threshold under nearly every score, which floods it on new
        data when the model's probabilities are extreme.
    pool_rare : bool, default=False
        Whether the labels with fewer than ``min_positives`` positives share one threshold,
        tuned on all their scores together (``metric`` of the flattened decisions: for F1, the
        micro-average over those labels) when they have at least ``min_positives`` positives
        between them. Calibrated probabilities of a label are best cut below 0.5 for F1 (at
        half the best F1 reachable), so ``default`` leaves rare labels under-predicted; one
        shared threshold moves them together on the evidence of all their positives.
    shrinkage : float in [0, 1], default=0.0
        How far each label's threshold moves towards one threshold shared by all labels,
        tuned on all their scores pooled (for F1: the micro-average): ``(1 - shrinkage) *
        own + shrinkage * shared``. Each label's own optimum maximizes its F1 and so the
        macro-average on these data, but gives a label the model barely separates a low
        threshold and many false positives, which micro-averaged F1 pays for; the shared
        threshold is the micro-average's optimum. Values in between trade one for the other.
        Skipped when all labels together have fewer than ``min_positives`` positives. With
        an array of ``candidates`` the results can then lie between the candidates.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weight of each sample in the metric: ``"f1"`` counts true and false
        positives by weight, and a callable gets them as ``sample_weight=`` (repeated once
        per label where labels are pooled). Positives count towards ``min_positives`` where
        their weight is positive.

    Returns
    -------
    thresholds : ndarray of shape (n_labels,)
        One threshold per label, in [0, 1].

    Notes
    -----
    Without ``pool_rare`` and ``shrinkage``, each label's threshold is optimal for that label
    alone, and ``default`` is always a candidate (unless ``candidates`` is an explicit array),
    so on ``(Y_true, proba)`` the metric of every label, and its macro average, is at least
    what ``default`` gives.
    Micro-averaged scores usually rise too, but need not: a rare label may gain one true
    positive for several false ones.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_textcnn import tune_thresholds
    >>> Y = np.array([[1, 0], [1, 0], [0, 0], [0, 1]])
    >>> proba = np.array([[0.4, 0.1], [0.3, 0.2], [0.2, 0.3], [0.1, 0.9]])
    >>> tune_thresholds(Y, proba).tolist()
    [0.25, 0.5]
    """
    Y = Y_true.toarray() if sp.issparse(Y_true) else np.asarray(Y_true)
    P = np.asarray(proba, dtype=np.float64)
    if Y.ndim == 1 and P.ndim == 1:
        Y, P = Y[:, None], P[:, None]
    if Y.ndim != 2 or P.shape != Y.shape:
        raise ValueError(
            f"Y_true and proba must have the same shape (n_samples, n_labels); got "
            f"{Y.shape} and {P.shape}."
        )
    if Y.size and not np.isin(Y, (0, 1)).all():
        raise ValueError(
            f"Y_true must hold only 0 and 1; got values {np.unique(Y)[:10].tolist()!r}."
        )
    if not np.isfinite(P).all() or (P < 0).any() or (P > 1).any():
        raise ValueError(
            "proba must hold probabilities in [0, 1] (predict_proba output, not "
            "decision_function scores); got values outside it or not finite."
        )
    if metric != "f1" and not callable(metric):
        raise ValueError(
            f"metric must be 'f1' or a callable metric(y_true, y_pred); got {metric!r}."
        )
    if not isinstance(default, Real) or isinstance(default, bool) or not 0 <= default <= 1:
        raise ValueError(f"default must be a float in [0, 1]; got {default!r}.")
    if (
        not isinstance(min_positives, Integral)
        or isinstance(min_positives, bool)
        or min_positives < 1
    ):
        raise ValueError(f"min_positives must be an int >= 1; got {min_positives!r}.")
    if not isinstance(pool_rare, bool | np.bool_):
        raise ValueError(f"pool_rare must be a bool; got {pool_rare!r}.")
    if not isinstance(shrinkage, Real) or isinstance(shrinkage, bool) or not 0 <= shrinkage <= 1:
        raise ValueError(f"shrinkage must be a float in [0, 1]; got {shrinkage!r}.")
    grid = limit = None
    if candidates is None:
        limit = None if metric == "f1" else _DEFAULT_CALLABLE_CANDIDATES
    elif isinstance(candidates, Integral) and not isinstance(candidates, bool):
        if candidates < 1:
            raise ValueError(f"candidates must be a positive int; got {candidates!r}.")
        limit = int(candidates)
    else:
        grid = np.unique(np.asarray(candidates, dtype=np.float64))
        if grid.ndim != 1 or not grid.size or (grid < 0).any() or (grid > 1).any():
            raise ValueError(
                "candidates must be None, a positive int or a non-empty 1-D array of "
                f"thresholds in [0, 1]; got {candidates!r}."
            )

    weighted = sample_weight is not None
    weight = np.ones(len(Y))
    if weighted:
        weight = _check_sample_weight(sample_weight, Y, dtype=np.float64, ensure_non_negative=True)

    Y = Y.astype(bool)
    thresholds = np.full(Y.shape[1], float(default))
    counts = (Y & (weight > 0)[:, None]).sum(axis=0)

    def tuned(columns, name):
        # Flattened, the columns' decisions are scored as one: micro-averaged F1 over them.
        return _tuned(
            P[:, columns].ravel(),
            Y[:, columns].ravel(),
            np.repeat(weight, len(columns)),
            weighted,
            grid,
            limit,
            metric,
            default,
            name,
        )

    for j in np.flatnonzero(counts >= min_positives):
        thresholds[j] = tuned([j], f"label {j}")
    rare = np.flatnonzero(counts < min_positives)
    if pool_rare and counts[rare].sum() >= min_positives:
        thresholds[rare] = tuned(rare, "the pooled rare labels")
    # The shared threshold needs the evidence any tuned threshold needs: without it (no
    # positives at all, or one rare label alone) every threshold keeps what it has.
    if shrinkage and counts.sum() >= min_positives:
        shared = tuned(np.arange(Y.shape[1]), "all labels pooled")
        thresholds = (1 - shrinkage) * thresholds + shrinkage * shared
    return thresholds


def _tuned(scores, truth, weight, weighted, grid, limit, metric, default, name):
    """The threshold of ``scores`` that maximizes ``metric`` against boolean ``truth``, each
    sample counted by its ``weight`` (passed on to a callable metric when ``weighted``)."""
    if grid is not None:
        tried = grid
    else:
        tried, upper = _cut_points(scores)
        if limit is not None and len(tried) > limit:
            tried = _thin(tried, upper, scores[truth], limit)
        tried = np.union1d(tried, [default])
    if metric == "f1":
        values = _f1_at(tried, scores, truth, weight)
    else:
        y_true = truth.astype(np.int64)
        keywords = {"sample_weight": weight} if weighted else {}
        values = np.array(
            [float(metric(y_true, (scores >= t).astype(np.int64), **keywords)) for t in tried]
        )
        if not np.isfinite(values).all():
            bad = np.flatnonzero(~np.isfinite(values))[0]
            raise ValueError(
                f"metric returned {values[bad]} for {name} at threshold {tried[bad]:.6g}; "
                "it must return a finite score (set zero_division=0 on scikit-learn metrics)."
            )
    return _best(tried, values, float(default))


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
    for many documents. On Reuters (TF-IDF and one-vs-rest logistic regression, ModApte test
    set; measured before rare labels were pooled and thresholds shrunk) tuning raised macro-F1
    from 0.31 to 0.56 with ``refit=True`` and to 0.55 with ``refit=False``, but micro-F1 fell
    from 0.83 to 0.73 with ``refit=True`` and only to 0.81 with ``refit=False``, hence the
    default.

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
        self.thresholds_ = tune_thresholds(
            _safe_indexing(y, tuning_rows),
            proba,
            metric=self.metric,
            candidates=TUNING_GRID if isinstance(self.candidates, str) else self.candidates,
            min_positives=self.min_positives,
            pool_rare=True,
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
