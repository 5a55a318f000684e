"""What the multi-label estimators share: the target check, probabilities, decisions and tags."""

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils import ClassifierTags
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_consistent_length, check_is_fitted


def is_label_lists(y):
    """Whether ``y`` holds one list (tuple, set) of labels per sample, as most multi-label data
    arrives and as :class:`~sklearn.preprocessing.MultiLabelBinarizer` takes it.

    Equally long lists of 0 and 1 (at least two each) are what scikit-learn reads as an
    indicator matrix, and stay one.
    """
    if isinstance(y, (str, bytes)) or sp.issparse(y) or getattr(y, "ndim", 1) != 1:
        return False
    if not isinstance(y, Iterable):
        return False
    items = list(y)
    if not items or not all(isinstance(labels, (list, tuple, set, frozenset)) for labels in items):
        return False
    try:
        return type_of_target(items) != "multilabel-indicator"
    except ValueError:  # lists of different lengths: "legacy multi-label data representation"
        return True


def fit_label_lists(y, classes=None):
    """The label names of label lists ``y`` (or ``classes``), sorted, and y's indicator matrix."""
    names = {label for labels in y for label in labels} if classes is None else set(classes)
    try:
        names = np.asarray(sorted(names))
    except TypeError:
        raise TypeError(
            "y mixes labels that cannot be sorted together (such as str and int); give every "
            "label the same type."
        ) from None
    if not names.size:
        raise ValueError("y holds no label: every sample's label list is empty.")
    return names, label_indicator(y, names)


def label_indicator(y, classes):
    """The 0/1 matrix of label lists ``y`` over ``classes``, refusing labels not among them."""
    unseen = {label for labels in y for label in labels}.difference(classes.tolist())
    if unseen:
        raise ValueError(f"y contains labels not seen in fit: {sorted(unseen, key=repr)!r}.")
    return MultiLabelBinarizer(classes=classes).fit_transform(y)


def label_lists(decisions, classes):
    """The labels of each row of an indicator matrix, as ``MultiLabelBinarizer`` gives them."""
    return [tuple(classes[np.flatnonzero(row)].tolist()) for row in np.asarray(decisions)]


def fitted_on_label_lists(estimator):
    """Whether ``estimator`` was fitted on label lists; models saved before they were
    accepted lack ``label_lists_`` and were not."""
    return getattr(estimator, "label_lists_", False)


def multilabel_score(estimator, X, y, sample_weight=None):
    """``ClassifierMixin.score`` (subset accuracy for multi-label targets), where ``y`` or the
    predictions may be label lists."""
    check_is_fitted(estimator)
    if not (is_label_lists(y) or fitted_on_label_lists(estimator)):
        return ClassifierMixin.score(estimator, X, y, sample_weight)
    Y, predicted = label_list_indicators(estimator, y, estimator.predict(X))
    return accuracy_score(Y, predicted, sample_weight=sample_weight)


def label_list_indicators(classifier, y, predicted=None):
    """``y`` and ``predicted`` as indicator matrices over ``classifier.classes_``: ``y`` where
    it holds label lists, ``predicted`` where ``classifier`` was fitted on them (and predicts
    them); otherwise as given."""
    classes = np.asarray(classifier.classes_)
    if is_label_lists(y):
        y = label_indicator(y, classes)
    if predicted is not None and fitted_on_label_lists(classifier):
        predicted = label_indicator(predicted, classes)
    return y, predicted


def multilabel_target(estimator, X, y):
    """``y`` as a CSR matrix or ndarray, checked to be a multi-label indicator matrix for X."""
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )
    # Label lists of different lengths are not an array: name them before NumPy refuses them.
    target_type = "label lists" if is_label_lists(y) else None
    if sp.issparse(y):
        y = sp.csr_matrix(y)
    elif not hasattr(y, "shape") and target_type is None:
        y = np.asarray(y)
    target_type = target_type or type_of_target(y, input_name="y")
    if target_type != "multilabel-indicator":
        got = target_type if target_type == "label lists" else f"a {target_type} target"
        raise ValueError(
            f"{type(estimator).__name__} needs a multi-label indicator matrix y of shape "
            f"(n_samples, n_labels) with 0/1 entries; got {got}. Use "
            "sklearn.preprocessing.MultiLabelBinarizer to build one from label sets."
        )
    check_indicator_values(y)
    check_consistent_length(X, y)
    return y


def check_indicator_values(Y, *, name="y"):
    """Refuse an indicator matrix holding anything but 0 and 1, such as -1/1 or 0/2.

    scikit-learn calls any two-valued integer matrix "multilabel-indicator"; read as 0/1 such a
    matrix would train on impossible targets (log of a negative base rate, NaN everywhere).
    """
    values = np.unique(Y.data if sp.issparse(Y) else np.asarray(Y))
    if not np.isin(values, (0, 1)).all():
        raise ValueError(
            f"{name} must be a multi-label indicator matrix of 0 and 1; got the values "
            f"{values[:10].tolist()!r}. Map them to 0/1 first, e.g. (y > 0).astype(int)."
        )


def positive_proba(estimator, proba, n_samples):
    """Probabilities as an (n_samples, n_labels) array, from either multi-label convention.

    Meta-estimators such as OneVsRestClassifier return one column per label; estimators with
    native multi-output support (random forests, k-nearest neighbours) return a list with one
    (n_samples, n_classes) array per label, whose positive column is found via ``classes_``.
    """
    if isinstance(proba, list):
        classes = getattr(estimator, "classes_", None)
        columns = []
        for j, output in enumerate(proba):
            output = np.asarray(output)
            label_classes = (
                np.asarray(classes[j])
                if isinstance(classes, list) and len(classes) == len(proba)
                else None
            )
            if label_classes is not None and output.shape[1:] == label_classes.shape:
                positive = np.flatnonzero(label_classes == 1)
                columns.append(output[:, positive[0]] if positive.size else np.zeros(n_samples))
            elif output.ndim == 2 and output.shape[1] == 2:
                columns.append(output[:, 1])
            else:
                raise ValueError(
                    f"predict_proba of {type(estimator).__name__} returned an array of shape "
                    f"{output.shape} for label {j}; expected (n_samples, 2)."
                )
        return np.column_stack(columns) if columns else np.zeros((n_samples, 0))
    proba = np.asarray(proba)
    if proba.ndim != 2 or proba.shape[0] != n_samples:
        raise ValueError(
            f"predict_proba of {type(estimator).__name__} returned shape {proba.shape}; "
            f"expected ({n_samples}, n_labels) or a list of (n_samples, 2) arrays."
        )
    return proba


def label_decisions(proba, thresholds, *, at_least_one_label=False):
    """Multi-label decisions: label ``j`` where ``proba[:, j] >= thresholds[j]``.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_labels)
        Probability of each label.
    thresholds : float or array-like of shape (n_labels,)
        Decision threshold of each label.
    at_least_one_label : bool, default=False
        Give a sample that no label reaches the threshold of its most probable label, for data
        where every sample has at least one label.

    Returns
    -------
    decisions : ndarray of shape (n_samples, n_labels)
        Indicator matrix of ints.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_textcnn import label_decisions
    >>> proba = np.array([[0.9, 0.6], [0.2, 0.4]])
    >>> label_decisions(proba, [0.5, 0.7]).tolist()
    [[1, 0], [0, 0]]
    >>> label_decisions(proba, [0.5, 0.7], at_least_one_label=True).tolist()
    [[1, 0], [0, 1]]
    """
    proba = np.asarray(proba)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if proba.ndim != 2:
        raise ValueError(
            f"proba must be a 2-D array (n_samples, n_labels); got shape {proba.shape}."
        )
    if thresholds.ndim > 1 or thresholds.size not in (1, proba.shape[1]):
        raise ValueError(
            f"thresholds must be a float or hold one value per label ({proba.shape[1]}); got "
            f"shape {thresholds.shape}."
        )
    if not (np.isfinite(thresholds) & (thresholds >= 0) & (thresholds <= 1)).all():
        raise ValueError(f"thresholds must lie in [0, 1]; got {thresholds.tolist()!r}.")
    if not np.isfinite(proba).all():
        row, column = np.argwhere(~np.isfinite(proba))[0]
        # argmax would pick a NaN as the most probable label.
        raise ValueError(
            f"proba must be finite; sample {row}, label {column} has {proba[row, column]}."
        )
    decisions = (proba >= thresholds).astype(int)
    if at_least_one_label and proba.shape[1]:
        empty = np.flatnonzero(decisions.sum(axis=1) == 0)
        decisions[empty, proba[empty].argmax(axis=1)] = 1
    return decisions


def predicted_indicator(proba, thresholds, *, at_least_one_label, sparse_output):
    """:func:`label_decisions`, as a CSR matrix when the training ``y`` was sparse."""
    decisions = label_decisions(proba, thresholds, at_least_one_label=at_least_one_label)
    return sp.csr_matrix(decisions) if sparse_output else decisions


def set_multilabel_tags(tags, *, indicator_only):
    """Mark ``tags`` as those of a classifier that takes multi-label indicator targets.

    ``indicator_only=False`` for an estimator that also takes binary and multiclass targets;
    ``multi_output`` stays unset for it, since scikit-learn reads that tag as support for
    multiclass-multioutput targets, which only the meta-estimators pass on.
    """
    if tags.classifier_tags is None:
        tags.classifier_tags = ClassifierTags()
    tags.classifier_tags.multi_label = True
    if indicator_only:
        tags.target_tags.single_output = False
        tags.target_tags.multi_output = True
    return tags
