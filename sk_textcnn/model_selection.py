"""Splitting multi-label data so that every label, rare ones included, keeps its share in each part.

:func:`multilabel_train_test_split_indices` carves a validation part out of an indicator matrix
with iterative stratification (early stopping and the threshold search hold out such a part);
:class:`MultiLabelStratifiedKFold` cuts it into stratified folds, for cross-fitted thresholds.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils.multiclass import type_of_target

from sk_textcnn._compat import _num_samples
from sk_textcnn._random import check_random_state

__all__ = ["MultiLabelStratifiedKFold", "multilabel_train_test_split_indices"]


def _label_matrix(Y, *, name):
    """Y as a CSR matrix of 0/1 int64 entries, one column per label.

    A multi-label indicator matrix is kept as it is; 1-D class labels (or a column vector) are
    one-hot encoded, so that each class is stratified like a label.
    """
    if sp.issparse(Y):
        Y = sp.csr_matrix(Y)
    elif not hasattr(Y, "shape"):
        Y = np.asarray(Y)
    target_type = type_of_target(Y, input_name=name)
    if target_type == "multilabel-indicator":
        Y = sp.csr_matrix(Y, dtype=np.int64, copy=True)
        Y.sum_duplicates()
        Y.eliminate_zeros()
        Y.data[:] = 1
        return Y
    if target_type in ("binary", "multiclass") and not sp.issparse(Y):
        y = np.asarray(Y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim == 1:
            _, codes = np.unique(y, return_inverse=True)
            ones = np.ones(len(y), dtype=np.int64)
            return sp.csr_matrix(
                (ones, (np.arange(len(y)), codes)), shape=(len(y), int(codes.max()) + 1)
            )
    raise ValueError(
        f"{name} must be a multi-label indicator matrix or 1-D class labels; got a "
        f"{target_type} target of shape {getattr(Y, 'shape', None)}."
    )


def _n_test_samples(test_size, n_samples):
    """Number of test samples for ``test_size``, as ShuffleSplit counts it."""
    if isinstance(test_size, Integral) and not isinstance(test_size, bool):
        n_test = int(test_size)
        if not 1 <= n_test <= n_samples - 1:
            raise ValueError(
                f"test_size={test_size!r} must leave at least one sample in each part: an int "
                f"in [1, {n_samples - 1}] for {n_samples} samples."
            )
        return n_test
    if isinstance(test_size, Real) and not isinstance(test_size, bool) and 0 < test_size < 1:
        n_test = int(np.ceil(test_size * n_samples))
        if not 1 <= n_test <= n_samples - 1:
            raise ValueError(
                f"test_size={test_size!r} with {n_samples} samples gives {n_test} test "
                "samples; each part needs at least one."
            )
        return n_test
    raise ValueError(f"test_size must be a float in (0, 1) or a positive int; got {test_size!r}.")


def _assign_rows(rows, desired, capacity, rng):
    """Send each row to the part that still wants most of the current label (in order).

    ``desired`` holds the current label's wanted count per part, ``capacity`` the free places
    per part. A full part takes no more rows, so part sizes are exact. Ties go to the part with
    more free places, then to a coin: one draw per row, made whether or not it is needed, so
    that the random stream does not depend on how often ties occur.
    """
    wanted = [float(w) for w in desired]
    free = [int(f) for f in capacity]
    coins = rng.randint(len(free), size=len(rows))
    parts = np.empty(len(rows), dtype=np.int64)
    for i in range(len(rows)):
        # Never empty: the parts have as many free places in all as there are unplaced rows.
        open_parts = [p for p in range(len(free)) if free[p] > 0]
        best = max((wanted[p], free[p]) for p in open_parts)
        ties = [p for p in open_parts if (wanted[p], free[p]) == best]
        part = ties[coins[i] % len(ties)]
        parts[i] = part
        wanted[part] -= 1
        free[part] -= 1
    return parts


def _labels_of(Y, rows):
    """The labels of ``rows`` of CSR ``Y``: (position in ``rows``, label) of each positive."""
    starts = Y.indptr[rows]
    lengths = Y.indptr[np.asarray(rows) + 1] - starts
    owner = np.repeat(np.arange(len(starts)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, Y.indices[starts[owner] + offsets]


def _label_counts(Y, rows, parts, n_parts=2):
    """Positives of each label among ``rows``, per part: an (n_parts, n_labels) array."""
    owner, labels = _labels_of(Y, rows)
    n_labels = Y.shape[1]
    counts = np.bincount(parts[owner] * n_labels + labels, minlength=n_parts * n_labels)
    return counts.reshape(n_parts, n_labels)


def _rows_avoiding(Y, rows, forbidden):
    """The rows holding none of the labels flagged in the boolean vector ``forbidden``."""
    owner, labels = _labels_of(Y, rows)
    hits = np.bincount(owner, weights=forbidden[labels], minlength=len(rows))
    return rows[hits == 0]


def _repair_missing_labels(Y, part, totals, rng):
    """Swap rows between the parts so that labels with >= 2 positives occur in both, if possible.

    The greedy pass can send all positives of a label to one part when they were placed earlier
    through rarer labels. For each such label, a positive is moved to the part lacking it and a
    row of that part moved back, each chosen so that no label loses its last positive in the
    part it leaves; sizes do not change. Rows with the fewest labels are moved first.
    """
    counts = _label_counts(Y, np.arange(len(part)), part)
    missing = (totals >= 2) & (counts.min(axis=0) == 0)
    if not missing.any():
        return
    row_sizes = np.diff(Y.indptr)
    csc = Y.tocsc()
    for label in np.flatnonzero(missing)[np.argsort(totals[missing], kind="stable")]:
        if counts.min(axis=0)[label] > 0:
            continue
        source = 0 if counts[0, label] > 0 else 1
        target = 1 - source
        rows = csc.indices[csc.indptr[label] : csc.indptr[label + 1]]
        movable = _rows_avoiding(Y, rows, counts[source] < 2)
        if not movable.size:
            continue
        moved = _fewest_labels(movable, row_sizes, rng)
        gained = np.zeros(Y.shape[1], dtype=counts.dtype)
        gained[_labels_of(Y, [moved])[1]] = 1
        returnable = _rows_avoiding(Y, np.flatnonzero(part == target), counts[target] + gained < 2)
        if not returnable.size:
            continue
        returned = _fewest_labels(returnable, row_sizes, rng)
        lost = np.zeros_like(gained)
        lost[_labels_of(Y, [returned])[1]] = 1
        part[moved], part[returned] = target, source
        counts[source] += lost - gained
        counts[target] += gained - lost


def _fewest_labels(rows, row_sizes, rng):
    """A random one of the rows holding the fewest labels."""
    fewest = rows[row_sizes[rows] == row_sizes[rows].min()]
    return fewest[rng.randint(len(fewest))]


def _iterative_stratification(Y, desired, capacity, rng):
    """The part of each row of CSR ``Y``, by iterative stratification over ``len(capacity)`` parts.

    ``desired`` is the (n_parts, n_labels) count of positives each part should get of each label
    and ``capacity`` the number of rows of each part; it sums to the number of rows. The label
    with the fewest unplaced positives is handled first, so that rare labels are spread before
    common ones fill the parts; its positives go, in random order, to the parts by
    :func:`_assign_rows`. Rows without any label fill the remaining places at random.
    """
    n_samples, n_labels = Y.shape
    totals = np.bincount(Y.indices, minlength=n_labels)
    desired = np.array(desired, dtype=np.float64)
    capacity = np.array(capacity)
    n_parts = len(capacity)
    remaining = totals.copy()
    part = np.full(n_samples, -1, dtype=np.int64)
    csc = Y.tocsc()
    tie_order = rng.permutation(n_labels)

    while remaining.any():
        open_labels = np.flatnonzero(remaining > 0)
        # Fewest unplaced positives first; single-positive labels before others as rare.
        key = np.lexsort((tie_order[open_labels], totals[open_labels], remaining[open_labels]))
        label = open_labels[key[0]]
        rows = csc.indices[csc.indptr[label] : csc.indptr[label + 1]]
        rows = rng.permutation(rows[part[rows] < 0])
        parts = _assign_rows(rows, desired[:, label], capacity, rng)
        part[rows] = parts
        capacity -= np.bincount(parts, minlength=n_parts)
        counts = _label_counts(Y, rows, parts, n_parts)
        desired -= counts
        remaining -= counts.sum(axis=0)

    # The last part is filled first: for two parts, the test part takes the first of the
    # shuffled rows, as it always has.
    unlabeled = rng.permutation(np.flatnonzero(part < 0))
    part[unlabeled] = np.repeat(np.arange(n_parts)[::-1], capacity[::-1])
    return part


def multilabel_train_test_split_indices(Y, *, test_size, random_state=None, groups=None):
    """Split sample indices in two parts so that every label keeps its share in each.

    Iterative stratification (Sechidis, Tsoumakas and Vlahavas, 2011): the label with the
    fewest unplaced positives is handled first, and each of its positives goes to the part that
    still wants most of that label, so rare labels are spread before common ones fill the parts.
    Two adjustments make the validation part usable for tuning thresholds: a label with at
    least two positives is wanted at least once in each part (and, after the greedy pass, rows
    are swapped where possible so that it is), and a label with a single positive is wanted in
    the training part only. Part sizes are exact. Rows without any label fill the remaining
    places at random.

    Parameters
    ----------
    Y : {array-like, sparse matrix} of shape (n_samples, n_labels) or (n_samples,)
        Multi-label indicator matrix, or 1-D class labels (stratified as one-hot columns).
    test_size : float or int
        Share of the samples in the test part, in (0, 1), rounded up as
        :class:`~sklearn.model_selection.ShuffleSplit` does; or their number.
    random_state : int, RandomState instance or None, default=None
        Breaks ties and orders the positives of a label. An int gives the same split on every
        call. NumPy's global random state is never used.
    groups : array-like of shape (n_samples,), default=None
        Group of each sample (e.g. one per distinct document): the samples of a group go to
        the same part. The groups are then split as samples holding the union of their
        members' labels, ``test_size`` counts groups, and part sizes in samples follow from
        the groups' sizes.

    Returns
    -------
    train_indices : ndarray of shape (n_samples - n_test,)
        Sorted indices of the training part.
    test_indices : ndarray of shape (n_test,)
        Sorted indices of the test (validation) part.

    Notes
    -----
    That both parts hold every label with two or more positives is best effort: a label missed
    by the greedy pass is fixed by swapping one row each way when such a swap hurts no other
    label. It is not always possible: labels on the sample pairs {0, 1}, {1, 2} and {0, 2}
    cannot all be cut in two.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_textcnn.model_selection import multilabel_train_test_split_indices
    >>> Y = np.zeros((10, 3), dtype=int)
    >>> Y[:, 0] = 1
    >>> Y[[0, 1], 1] = 1
    >>> Y[5, 2] = 1
    >>> train, test = multilabel_train_test_split_indices(Y, test_size=0.2, random_state=0)
    >>> len(train), len(test)
    (8, 2)
    >>> int(Y[test, 1].sum()), int(Y[train, 1].sum()), int(Y[train, 2].sum())
    (1, 1, 1)
    """
    Y = _label_matrix(Y, name="Y")
    if groups is not None:
        return _split_groups(Y, np.asarray(groups), test_size, random_state)
    rng = check_random_state(random_state)
    n_samples, n_labels = Y.shape
    n_test = _n_test_samples(test_size, n_samples)
    capacity = np.array([n_samples - n_test, n_test])
    totals = np.bincount(Y.indices, minlength=n_labels)
    wanted_test = np.clip(totals * (n_test / n_samples), 1, np.maximum(totals - 1, 1))
    wanted_test[totals < 2] = 0
    desired = np.vstack([totals - wanted_test, wanted_test])
    part = _iterative_stratification(Y, desired, capacity, rng)

    _repair_missing_labels(Y, part, totals, rng)
    return np.flatnonzero(part == 0), np.flatnonzero(part == 1)


def _split_groups(Y, groups, test_size, random_state):
    """Train and test indices with every group whole in one part (see ``groups``)."""
    if groups.shape != (Y.shape[0],):
        raise ValueError(
            f"groups must hold one group per sample ({Y.shape[0]}); got shape {groups.shape}."
        )
    _, group = np.unique(groups, return_inverse=True)
    n_groups = int(group.max(initial=-1)) + 1
    members = sp.csr_matrix(
        (np.ones(len(group), dtype=np.int64), (group, np.arange(len(group)))),
        shape=(n_groups, len(group)),
    )
    # A group holds a label if any member does.
    labels = (members @ Y).sign()
    if labels.shape[1] == 1:  # one label: split as its two classes, 0 and 1
        labels = labels.toarray().ravel()
    _, test_groups = multilabel_train_test_split_indices(
        labels, test_size=test_size, random_state=random_state
    )
    in_test = np.isin(group, test_groups)
    return np.flatnonzero(~in_test), np.flatnonzero(in_test)


def _stratified_folds(Y, n_splits, rng):
    """The fold of each row of CSR ``Y``: ``n_splits`` parts of n // k or n // k + 1 rows."""
    n_samples, n_labels = Y.shape
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    totals = np.bincount(Y.indices, minlength=n_labels)
    return _iterative_stratification(Y, np.outer(sizes / n_samples, totals), sizes, rng)


class MultiLabelStratifiedKFold:
    """K folds in which every label keeps its share, for multi-label indicator targets.

    Iterative stratification (Sechidis, Tsoumakas and Vlahavas, 2011), as in
    :func:`multilabel_train_test_split_indices`: the label with the fewest unplaced positives
    is placed first, each positive going to the fold that still wants most of that label, so
    rare labels are spread over the folds before common ones fill them. A full fold takes no
    more samples, so fold sizes are exact: n_samples // n_splits, plus one for the first
    n_samples % n_splits folds. 1-D class labels are stratified as one-hot columns.

    Parameters
    ----------
    n_splits : int >= 2, default=5
        Number of folds.
    random_state : int, RandomState instance or None, default=None
        Breaks ties and orders the positives of a label. An int gives the same folds on every
        call. NumPy's global random state is never used.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_textcnn.model_selection import MultiLabelStratifiedKFold
    >>> Y = np.zeros((9, 2), dtype=int)
    >>> Y[:3, 0] = 1
    >>> Y[3:9:2, 1] = 1
    >>> for train, test in MultiLabelStratifiedKFold(3, random_state=0).split(Y, Y):
    ...     print(len(test), Y[test].sum(axis=0).tolist())
    3 [1, 1]
    3 [1, 1]
    3 [1, 1]
    """

    def __init__(self, n_splits=5, *, random_state=None):
        self.n_splits = n_splits
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """The number of folds, ``n_splits``.

        Parameters
        ----------
        X, y, groups : object
            Ignored, as in scikit-learn's splitters.

        Returns
        -------
        n_splits : int
            Number of folds.
        """
        return self.n_splits

    def split(self, X, y, groups=None):
        """Generate train and test indices of each fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Only its length is used.
        y : {array-like, sparse matrix} of shape (n_samples, n_labels) or (n_samples,)
            Multi-label indicator matrix, or 1-D class labels.
        groups : None
            Ignored.

        Yields
        ------
        train : ndarray
            Sorted training indices of the fold.
        test : ndarray
            Sorted test indices of the fold.
        """
        if (
            not isinstance(self.n_splits, Integral)
            or isinstance(self.n_splits, bool)
            or self.n_splits < 2
        ):
            raise ValueError(f"n_splits must be an int >= 2; got {self.n_splits!r}.")
        Y = _label_matrix(y, name="y")
        if X is not None and _num_samples(X) != Y.shape[0]:
            raise ValueError(f"X has {_num_samples(X)} samples but y has {Y.shape[0]}.")
        if self.n_splits > Y.shape[0]:
            raise ValueError(
                f"n_splits={self.n_splits} is more than the number of samples ({Y.shape[0]})."
            )
        fold = _stratified_folds(Y, self.n_splits, check_random_state(self.random_state))
        for k in range(self.n_splits):
            yield np.flatnonzero(fold != k), np.flatnonzero(fold == k)

    def __repr__(self):
        return f"{type(self).__name__}(n_splits={self.n_splits}, random_state={self.random_state})"
