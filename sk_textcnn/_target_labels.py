"""The classifier's target encoding: labels in the form ``fit`` saw, and the network's targets.

A fitted :class:`TargetLabelEncoder` is what ``TextCNNClassifier.target_encoder_`` holds: it learns
the kind of target and its classes once, in ``fit`` (or a first ``partial_fit``), and encodes
every later ``y`` with them, so ``fit``, ``partial_fit``, warm starts and ``score`` agree on
what a label is.
"""

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from sk_textcnn._multilabel import (
    check_indicator_values,
    fit_label_lists,
    is_label_lists,
    label_indicator,
    label_lists,
)


def _check_not_partly_label_lists(y):
    """Refuse a ``y`` that holds label lists for some samples and single labels for others,
    naming one of each (NumPy would only say that the sequences are inhomogeneous)."""
    if isinstance(y, (str, bytes, np.ndarray)) or sp.issparse(y) or not isinstance(y, Iterable):
        return
    is_list = [isinstance(labels, (list, tuple, set, frozenset)) for labels in y]
    if any(is_list) and not all(is_list):
        first_list, first_label = is_list.index(True), is_list.index(False)
        raise ValueError(
            f"y mixes label lists with single labels: sample {first_list} is "
            f"{list(y)[first_list]!r} and sample {first_label} is {list(y)[first_label]!r}. "
            "Give one list (tuple, set) of labels per sample, or one label per sample."
        )


def _check_label_types(y):
    """Refuse labels mixing strings with other values: they cannot be sorted into classes."""
    if sp.issparse(y) or np.asarray(y).dtype.kind != "O":
        return
    first_of_kind = {}
    for label in np.asarray(y).ravel():
        kind = next((text for text in (str, bytes) if isinstance(label, text)), object)
        first_of_kind.setdefault(kind, label)
    if len(first_of_kind) > 1:
        examples = " and ".join(
            f"{label!r} ({type(label).__name__})" for label in first_of_kind.values()
        )
        raise TypeError(
            f"y mixes labels of different types, e.g. {examples}; give every label the same "
            "type, e.g. y.astype(str)."
        )


class TargetLabelEncoder(TransformerMixin, BaseEstimator):
    """Encode classification targets as the network trains on them, and decode them back.

    Binary targets become a float32 column, 1 for ``classes_[1]``; multiclass targets int32
    class indices; multi-label targets (an indicator matrix, dense or sparse, or one list of
    labels per sample) a float32 indicator matrix over ``classes_``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or (n_labels,)
        Class labels; for an indicator matrix its column numbers, for label lists the label
        names, sorted.
    target_type_ : {"binary", "multiclass", "multilabel-indicator"}
        Kind of target.
    sparse_output_ : bool
        Whether a multi-label ``y`` came as a sparse matrix (``predict`` then returns one).
    label_lists_ : bool
        Whether ``y`` came as label lists (``predict`` then returns them).

    Examples
    --------
    >>> from sk_textcnn._target_labels import TargetLabelEncoder
    >>> encoder = TargetLabelEncoder().fit([["acq"], ["earn", "acq"], []])
    >>> encoder.classes_.tolist(), encoder.target_type_
    (['acq', 'earn'], 'multilabel-indicator')
    >>> encoder.transform([["earn"]]).tolist()
    [[0.0, 1.0]]
    >>> encoder.inverse_transform([[1, 1]])
    [('acq', 'earn')]
    """

    def fit(self, y, classes=None):
        """Learn the kind of target and its classes from ``y``, or from ``classes``.

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_labels), or list of label lists
            Targets.
        classes : array-like of shape (n_classes,), default=None
            All classes (for label lists, all label names), where ``y`` may lack some; not
            used for indicator matrices, whose columns are the labels.

        Returns
        -------
        self : TargetLabelEncoder
        """
        self.label_lists_ = is_label_lists(y)
        self.sparse_output_ = False
        if self.label_lists_:
            self.target_type_ = "multilabel-indicator"
            self.classes_, _ = fit_label_lists(y, classes)
            return self
        _check_not_partly_label_lists(y)
        _check_label_types(y)
        check_classification_targets(y)
        self.target_type_ = type_of_target(y, input_name="y")
        if self.target_type_ == "multilabel-indicator":
            check_indicator_values(y)
            self.sparse_output_ = sp.issparse(y)
            self.classes_ = np.arange(np.shape(y)[1])
            return self
        if self.target_type_ not in ("binary", "multiclass"):
            raise ValueError(
                "Supported targets are binary, multiclass and multi-label indicator ones; got "
                f"a {self.target_type_} target y."
            )
        y = column_or_1d(y)  # transform warns about a column vector
        self.classes_ = np.unique(y if classes is None else np.asarray(classes))
        if len(self.classes_) < 2:
            raise ValueError(
                "Training needs samples of at least 2 classes in y; got only one class: "
                f"{self.classes_[0]!r}."
            )
        if len(self.classes_) > 2:
            self.target_type_ = "multiclass"
        return self

    def transform(self, y):
        """Encode ``y`` with the classes learned in ``fit``.

        Parameters
        ----------
        y : array-like of shape (n_samples,) or (n_samples, n_labels), or list of label lists
            Targets holding only labels seen in ``fit``.

        Returns
        -------
        Y : ndarray of shape (n_samples, 1), (n_samples,) or (n_samples, n_labels)
            Binary: float32 column of 0/1; multiclass: int32 class indices; multi-label: the
            float32 indicator matrix.
        """
        check_is_fitted(self)
        if self.target_type_ == "multilabel-indicator" and is_label_lists(y):
            return label_indicator(y, self.classes_).astype(np.float32)
        if self.target_type_ == "multilabel-indicator":
            check_indicator_values(y)
            Y = (y.toarray() if sp.issparse(y) else np.asarray(y)).astype(np.float32)
            if Y.ndim != 2 or Y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y must be an indicator matrix with {len(self.classes_)} columns, as in "
                    f"fit; got shape {Y.shape}."
                )
            return Y
        y = column_or_1d(y, warn=True)
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(f"y contains labels not seen in fit: {unseen.tolist()!r}.")
        codes = np.searchsorted(self.classes_, y)
        if self.target_type_ == "binary":
            return codes.astype(np.float32)[:, None]
        return codes.astype(np.int32)

    def inverse_transform(self, Y):
        """The labels of encoded targets ``Y``, in the form ``fit`` saw.

        Parameters
        ----------
        Y : array-like
            Targets as ``transform`` gives them.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels), or list of tuple
            Class labels; an indicator matrix of ints; or a tuple of labels per sample.
        """
        check_is_fitted(self)
        if self.label_lists_:
            return label_lists(Y, self.classes_)
        if self.target_type_ == "multilabel-indicator":
            return np.asarray(Y).astype(int)
        return self.classes_[np.asarray(Y).astype(int).reshape(len(Y))]
