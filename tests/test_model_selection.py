"""Iterative stratification of multi-label data."""

import re
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from sk_textcnn.model_selection import (
    MultiLabelStratifiedKFold,
    multilabel_train_test_split_indices,
)

try:
    from .helpers import imbalanced_indicator
except ImportError:  # run as a script, to record SPLITS_PATH
    from helpers import imbalanced_indicator


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_split_keeps_labels_with_two_positives_in_both_parts(seed):
    Y = imbalanced_indicator(seed=seed)
    totals = Y.sum(axis=0)
    assert (totals == 1).any() and (totals == 2).any() and (totals == 3).any()
    train, test = multilabel_train_test_split_indices(Y, test_size=0.2, random_state=seed)
    in_train, in_test = Y[train].sum(axis=0), Y[test].sum(axis=0)
    assert (in_train[totals >= 2] >= 1).all()
    assert (in_test[totals >= 2] >= 1).all()
    # A label with a single positive is trained on.
    assert (in_train[totals == 1] == 1).all()
    # Common labels keep their share in the test part.
    common = totals >= 50
    np.testing.assert_allclose(in_test[common] / totals[common], 0.2, atol=0.03)


def test_split_keeps_each_group_whole_and_stratifies_the_groups():
    rng = np.random.RandomState(0)
    documents = imbalanced_indicator(n_samples=300, n_labels=10, seed=3)
    copies = rng.randint(1, 6, size=len(documents))  # each document 1 to 5 times
    groups = np.repeat(np.arange(len(documents)), copies)
    Y = documents[groups]
    train, test = multilabel_train_test_split_indices(
        Y, test_size=0.2, random_state=0, groups=groups
    )
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(len(Y)))
    assert not set(groups[train]) & set(groups[test])
    # test_size counts groups, and the labels of the groups keep their share.
    assert len(set(groups[test])) == 60
    in_test = documents[np.unique(groups[test])].sum(axis=0)
    common = documents.sum(axis=0) >= 30
    np.testing.assert_allclose(in_test[common] / documents.sum(axis=0)[common], 0.2, atol=0.04)
    with pytest.raises(ValueError, match=rf"groups must hold one group per sample \({len(Y)}\)"):
        multilabel_train_test_split_indices(Y, test_size=0.2, groups=groups[:-1])


@pytest.mark.parametrize(
    ("test_size", "n_test"), [(0.2, 200), (0.25, 250), (0.3333, 334), (137, 137)]
)
def test_split_sizes_follow_test_size(test_size, n_test):
    Y = imbalanced_indicator()
    train, test = multilabel_train_test_split_indices(Y, test_size=test_size, random_state=0)
    assert len(test) == n_test and len(train) == len(Y) - n_test
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(len(Y)))
    assert np.array_equal(train, np.sort(train)) and np.array_equal(test, np.sort(test))


def test_split_is_deterministic_per_seed_and_leaves_global_rng_alone():
    Y = imbalanced_indicator()
    state = np.random.get_state()
    first = multilabel_train_test_split_indices(Y, test_size=0.2, random_state=3)
    again = multilabel_train_test_split_indices(Y, test_size=0.2, random_state=3)
    other = multilabel_train_test_split_indices(Y, test_size=0.2, random_state=4)
    multilabel_train_test_split_indices(Y, test_size=0.2, random_state=None)
    instance = multilabel_train_test_split_indices(
        Y, test_size=0.2, random_state=np.random.RandomState(3)
    )
    after = np.random.get_state()
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2:] == state[2:]
    assert np.array_equal(first[1], again[1])
    assert np.array_equal(first[1], instance[1])
    assert not np.array_equal(first[1], other[1])


def test_split_accepts_sparse_indicator_matrices_unchanged():
    Y = imbalanced_indicator()
    Y_sparse = sp.csr_matrix(Y.astype(np.int64))
    data = Y_sparse.data.copy()
    dense = multilabel_train_test_split_indices(Y, test_size=0.2, random_state=0)
    sparse = multilabel_train_test_split_indices(Y_sparse, test_size=0.2, random_state=0)
    assert np.array_equal(dense[0], sparse[0]) and np.array_equal(dense[1], sparse[1])
    assert np.array_equal(Y_sparse.data, data)
    coo = multilabel_train_test_split_indices(Y_sparse.tocoo(), test_size=0.2, random_state=0)
    assert np.array_equal(dense[1], coo[1])


def test_split_stratifies_class_labels():
    y = np.array(["a"] * 60 + ["b"] * 30 + ["c"] * 8 + ["d"] * 2 + ["e"])
    train, test = multilabel_train_test_split_indices(y, test_size=0.25, random_state=0)
    assert len(test) == 26
    classes, counts = np.unique(y[test], return_counts=True)
    assert dict(zip(classes.tolist(), counts.tolist(), strict=True)) == {
        "a": 15,
        "b": 8,
        "c": 2,
        "d": 1,
    }
    assert "e" in y[train]


def test_split_fills_with_unlabeled_rows():
    Y = np.zeros((50, 3), dtype=int)
    Y[:6, 0] = 1
    Y[6:8, 1] = 1
    train, test = multilabel_train_test_split_indices(Y, test_size=10, random_state=0)
    assert len(test) == 10 and len(train) == 40
    assert Y[test].sum(axis=0).tolist() == [1, 1, 0]
    assert (Y[test].sum(axis=1) == 0).sum() == 8


@pytest.mark.parametrize(
    ("test_size", "match"),
    [(0, r"test_size=0 must leave"), (1.0, r"test_size must be .* got 1\.0"), (1000, "1000")],
)
def test_split_rejects_bad_test_size(test_size, match):
    with pytest.raises(ValueError, match=match):
        multilabel_train_test_split_indices(imbalanced_indicator(), test_size=test_size)


def test_split_rejects_continuous_targets():
    with pytest.raises(ValueError, match="Y must be a multi-label indicator .* continuous"):
        multilabel_train_test_split_indices(np.random.RandomState(0).rand(9, 2), test_size=0.2)


def _fold_counts(Y, folds):
    """Fold sizes, positives of each label per fold, and each label's share of every fold."""
    sizes = np.array([len(test) for _, test in folds])
    per_fold = np.array([Y[test].sum(axis=0) for _, test in folds])
    return sizes, per_fold, np.outer(sizes / len(Y), Y.sum(axis=0))


def _exact_sizes(n_samples, n_splits):
    """n // k samples per fold, one more in each of the first n % k folds."""
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    return sizes


@pytest.mark.parametrize("n_splits", [2, 3, 5])
def test_folds_partition_the_samples_and_keep_every_label_balanced(n_splits):
    Y = imbalanced_indicator()
    folds = list(MultiLabelStratifiedKFold(n_splits, random_state=0).split(Y, Y))
    assert len(folds) == n_splits
    tests = [test for _, test in folds]
    np.testing.assert_array_equal(np.sort(np.concatenate(tests)), np.arange(len(Y)))
    for train, test in folds:
        np.testing.assert_array_equal(np.union1d(train, test), np.arange(len(Y)))
    sizes, per_fold, share = _fold_counts(Y, folds)
    np.testing.assert_array_equal(sizes, _exact_sizes(len(Y), n_splits))
    totals = Y.sum(axis=0)
    # Rare labels, placed first, differ by at most one positive between folds; common labels,
    # placed last, stay within one positive and 10% of their share.
    rare = totals < 5 * n_splits
    assert (per_fold.max(axis=0) - per_fold.min(axis=0) <= 1)[rare].all()
    assert (np.abs(per_fold - share) <= 1 + 0.1 * share)[:, ~rare].all()


@pytest.mark.parametrize("n_splits", [2, 3, 5, 7])
def test_fold_sizes_are_exact_when_no_unlabeled_samples_even_them_out(n_splits):
    rng = np.random.RandomState(0)
    Y = (rng.rand(500, 15) < 0.5 * rng.rand(15)).astype(int)
    Y[Y.sum(axis=1) == 0, 0] = 1
    folds = list(MultiLabelStratifiedKFold(n_splits, random_state=0).split(Y, Y))
    sizes, per_fold, share = _fold_counts(Y, folds)
    np.testing.assert_array_equal(sizes, _exact_sizes(len(Y), n_splits))
    # The common labels, placed last, must fill the places left, so they keep their share less
    # closely than with unlabeled samples to fill up, but still better than a shuffled KFold's
    # folds (off by 2.4 to 3.2 positives on average here, against 1.1 to 1.8).
    assert np.abs(per_fold - share).mean() < 2


def test_folds_are_deterministic_per_seed_and_leave_global_rng_alone():
    Y = imbalanced_indicator()
    state = np.random.get_state()[1].copy()
    first = [test for _, test in MultiLabelStratifiedKFold(3, random_state=0).split(Y, Y)]
    again = [test for _, test in MultiLabelStratifiedKFold(3, random_state=0).split(Y, Y)]
    other = [test for _, test in MultiLabelStratifiedKFold(3, random_state=1).split(Y, Y)]
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_folds_work_in_cross_validation_and_stratify_class_labels():
    from sklearn.model_selection import cross_val_score
    from sklearn.tree import DecisionTreeClassifier

    y = np.array([0] * 30 + [1] * 6)
    X = np.arange(36)[:, None]
    for _, test in MultiLabelStratifiedKFold(3, random_state=0).split(X, y):
        assert (y[test] == 1).sum() == 2
    cv = MultiLabelStratifiedKFold(3, random_state=0)
    assert cv.get_n_splits() == 3
    assert len(cross_val_score(DecisionTreeClassifier(), X, y, cv=cv)) == 3


@pytest.mark.parametrize(
    ("n_splits", "match"),
    [(1, "n_splits must be an int >= 2"), (2.5, "n_splits must be an int"), (50, "more than")],
)
def test_folds_reject_bad_n_splits(n_splits, match):
    Y = np.eye(10, 2, dtype=int)
    with pytest.raises(ValueError, match=match):
        next(MultiLabelStratifiedKFold(n_splits).split(Y, Y))


# The held-out split of TextCNNClassifier.fit must not move: SPLITS_PATH holds the splits of
# these random problems by commit 336d9a6, the last before the split shared one stratification
# routine with the k-fold splitter. Recorded with that commit's package importable:
# PYTHONPATH=<checkout of 336d9a6> python tests/test_model_selection.py
SPLITS_PATH = Path(__file__).parent / "data" / "held_out_splits.npz"
N_BATCHES, N_CASES = 4, 150


def _random_split_problem(rng):
    """Labels (indicator matrix, sparse or dense, or class labels), a test_size and groups."""
    n_samples = rng.randint(2, 120)
    if rng.rand() < 0.15:
        Y = rng.randint(rng.randint(1, 5), size=n_samples)
    else:
        n_labels = rng.randint(1, 12)
        # Rates from common to a handful of positives, some rows left without any label.
        rates = rng.rand() * 0.6 * rng.rand(n_labels) ** 2
        Y = (rng.rand(n_samples, n_labels) < rates).astype(int)
        Y[rng.rand(n_samples) < rng.rand() * 0.5] = 0
        if rng.rand() < 0.3:
            Y = sp.csr_matrix(Y)
    groups = None
    if rng.rand() < 0.4:
        groups = rng.randint(rng.randint(2, n_samples + 2), size=n_samples)
    n_units = n_samples if groups is None else len(np.unique(groups))
    if rng.rand() < 0.5:
        test_size = float(rng.choice([0.1, 0.2, 0.25, 0.5, 0.8]))
    else:
        test_size = int(rng.randint(1, max(n_units - 1, 1) + 1))
    return Y, test_size, groups


def _split_problems(batch):
    """The problems of ``batch``: (Y, keyword arguments of the split)."""
    rng = np.random.RandomState(batch)
    for _ in range(N_CASES):
        Y, test_size, groups = _random_split_problem(rng)
        yield Y, dict(test_size=test_size, random_state=int(rng.randint(2**31)), groups=groups)


def _record_splits():
    """Each problem's test indices (concatenated, with offsets), or the error it raised."""
    tests, starts, errors = [], [0], []
    for batch in range(N_BATCHES):
        for Y, kwargs in _split_problems(batch):
            try:
                test = multilabel_train_test_split_indices(Y, **kwargs)[1]
                errors.append("")
            except ValueError as error:  # too few samples or groups for test_size, one class
                test = np.zeros(0, dtype=int)
                errors.append(str(error))
            tests.append(test)
            starts.append(starts[-1] + len(test))
    np.savez_compressed(
        SPLITS_PATH, test=np.concatenate(tests).astype(np.int16), starts=starts, errors=errors
    )


@pytest.mark.parametrize("batch", range(N_BATCHES))
def test_split_matches_the_recorded_split_before_the_shared_routine(batch):
    recorded = np.load(SPLITS_PATH)
    compared = 0
    for case, (Y, kwargs) in enumerate(_split_problems(batch)):
        index = batch * N_CASES + case
        error = str(recorded["errors"][index])
        if error:
            with pytest.raises(ValueError, match=re.escape(error)):
                multilabel_train_test_split_indices(Y, **kwargs)
            continue
        train, test = multilabel_train_test_split_indices(Y, **kwargs)
        expected = recorded["test"][recorded["starts"][index] : recorded["starts"][index + 1]]
        np.testing.assert_array_equal(test, expected, err_msg=f"case {index}")
        np.testing.assert_array_equal(train, np.setdiff1d(np.arange(Y.shape[0]), expected))
        compared += 1
    assert compared >= 100


if __name__ == "__main__":
    _record_splits()
