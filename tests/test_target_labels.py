import numpy as np
import pytest
import scipy.sparse as sp

from sk_textcnn._target_labels import TargetLabelEncoder


@pytest.mark.parametrize(
    ("y", "target_type", "classes", "encoded"),
    [
        (["b", "a", "b"], "binary", ["a", "b"], [[1.0], [0.0], [1.0]]),
        ([2, 0, 1, 2], "multiclass", [0, 1, 2], [2, 0, 1, 2]),
        ([[0, 1], [1, 1], [0, 0]], "multilabel-indicator", [0, 1], [[0, 1], [1, 1], [0, 0]]),
        ([("x",), ("y", "x"), ()], "multilabel-indicator", ["x", "y"], [[1, 0], [1, 1], [0, 0]]),
    ],
)
def test_each_kind_of_target_encodes_and_decodes_back(y, target_type, classes, encoded):
    encoder = TargetLabelEncoder().fit(y)
    assert encoder.target_type_ == target_type
    assert encoder.classes_.tolist() == classes
    Y = encoder.transform(y)
    np.testing.assert_array_equal(Y, encoded)
    np.testing.assert_array_equal(encoder.transform(encoder.inverse_transform(Y)), Y)


def test_label_lists_decode_to_sorted_tuples():
    encoder = TargetLabelEncoder().fit([("y", "x"), ()])
    assert encoder.inverse_transform([[1, 1], [0, 1]]) == [("x", "y"), ("y",)]


def test_classes_widen_what_a_first_batch_holds():
    encoder = TargetLabelEncoder().fit(["a", "a"], classes=["a", "b", "c"])
    assert encoder.target_type_ == "multiclass" and encoder.classes_.tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(encoder.transform(["c", "a"]), [2, 0])


def test_a_sparse_indicator_is_remembered_for_predictions():
    encoder = TargetLabelEncoder().fit(sp.csr_matrix([[0, 1], [1, 0]]))
    assert encoder.sparse_output_ and not encoder.label_lists_
    assert encoder.transform(sp.csr_matrix([[1, 1]])).dtype == np.float32


@pytest.mark.parametrize(
    ("y", "error", "message"),
    [
        (["a", "a"], ValueError, "at least 2 classes"),
        ([0.5, 1.5, 2.5], ValueError, "Unknown label type"),
        (np.array(["a", 1], dtype=object), TypeError, "mixes labels of different types"),
        (np.array([[0, 2], [1, 0]]), ValueError, "got a multiclass-multioutput target"),
        (np.array([[0, 2], [2, 0]]), ValueError, "indicator matrix of 0 and 1"),
        (
            ["ab", "ab", ["x"], ("y", "x")],
            ValueError,
            r"mixes label lists with single labels: sample 2 is \['x'\] and sample 0 is 'ab'",
        ),
    ],
)
def test_targets_it_cannot_encode_are_refused_by_name(y, error, message):
    with pytest.raises(error, match=message):
        TargetLabelEncoder().fit(y)


def test_labels_or_columns_unseen_in_fit_are_refused():
    with pytest.raises(ValueError, match=r"not seen in fit: \['c'\]"):
        TargetLabelEncoder().fit(["a", "b"]).transform(["a", "c"])
    with pytest.raises(ValueError, match="indicator matrix with 2 columns"):
        TargetLabelEncoder().fit([[0, 1], [1, 0]]).transform([[0, 1, 1]])
