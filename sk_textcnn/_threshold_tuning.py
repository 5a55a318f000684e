"""How decision thresholds are tuned: the search and the package's policy.

:func:`tune_thresholds` is the search (public as :func:`sk_textcnn.tune_thresholds`);
:func:`thresholds_by_policy` applies the policy that ``TextCNNClassifier(threshold="auto")``
and :class:`~sk_textcnn.thresholds.MultiLabelThresholdClassifier` share.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

from sk_textcnn._compat import _check_sample_weight

# The package's tuning policy (README, "Thresholds and imbalance", has the measurements behind
# it). A coarse grid: the network's probabilities are extreme (mostly near 0 or 1), and an exact
# search puts the threshold of a label with a few held-out positives just under their scores,
# which floods that label on new documents.
TUNING_GRID = np.linspace(0.05, 0.95, 19)
# Labels with fewer tuning positives than this share one threshold, tuned on them pooled: most
# labels of a skewed multi-label set have only a few positives in a validation split.
MIN_TUNING_POSITIVES = 5
# Each label's threshold then moves halfway to one shared by all labels: a label the model
# barely separates otherwise gets a low threshold and many false positives.
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


def f1_at(thresholds, scores, truth, weight):
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
        values = f1_at(tried, scores, truth, weight)
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


def thresholds_by_policy(
    Y_true,
    proba,
    *,
    metric="f1",
    candidates=TUNING_GRID,
    min_positives=MIN_TUNING_POSITIVES,
    shrinkage=TUNING_SHRINKAGE,
    sample_weight=None,
):
    """Per-label thresholds by the package's policy: rare labels pooled, then shrunk.

    :func:`tune_thresholds` with ``pool_rare=True`` and the policy's grid, minimum positives
    and shrinkage unless given.
    """
    return tune_thresholds(
        Y_true,
        proba,
        metric=metric,
        candidates=candidates,
        min_positives=min_positives,
        pool_rare=True,
        shrinkage=shrinkage,
        sample_weight=sample_weight,
    )
