"""Length-sorted, width-cut batches: predictions do not depend on padding, order or batching."""

import keras
import numpy as np
import pytest
from sklearn.base import clone

from sk_textcnn._batching import batch_width, left_aligned, length_sorted_batches

from .helpers import X_MULTI, Y_MULTI, fast


def test_padding_and_batch_invariance(multilabel_model):
    proba = multilabel_model.predict_proba(X_MULTI)
    # The same documents with extra padding, moved to the front, in another order.
    wider = np.hstack([X_MULTI, np.zeros((60, 8), np.int32)])
    wider_model = clone(multilabel_model)
    wider_model.__dict__.update(
        {k: v for k, v in vars(multilabel_model).items() if k.endswith("_")}, n_features_in_=16
    )
    np.testing.assert_allclose(wider_model.predict_proba(wider), proba, atol=1e-6)
    pre_padded = np.hstack([np.zeros((60, 8), np.int32), X_MULTI])
    np.testing.assert_allclose(wider_model.predict_proba(pre_padded), proba, atol=1e-6)
    order = np.random.RandomState(0).permutation(60)
    np.testing.assert_allclose(
        multilabel_model.predict_proba(X_MULTI[order]), proba[order], atol=1e-6
    )
    np.testing.assert_allclose(multilabel_model.predict_proba(X_MULTI[:1]), proba[:1], atol=1e-6)


def test_xla_compilation_gives_the_same_probabilities():
    jitted = fast(epochs=3, jit_compile=True).fit(X_MULTI, Y_MULTI)
    proba = jitted.predict_proba(X_MULTI)
    # The same weights without XLA (and without width rounding)
    jitted.set_params(jit_compile=False)
    jitted.model_.jit_compile = False
    jitted.model_.predict_function = None
    np.testing.assert_allclose(jitted.predict_proba(X_MULTI), proba, atol=1e-5)


def test_many_batch_widths_log_nothing(capfd):
    # Documents of 1..60 tokens: prediction batches of many different widths.
    X = np.zeros((600, 60), np.int32)
    for row in range(600):
        X[row, : 1 + row % 60] = 5 + row % 3
    model = fast(epochs=1).fit(X[:60], np.arange(60) % 2)
    capfd.readouterr()
    for size in (7, 31, 64, 600):
        model.predict_proba(X[:size][::-1])
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_left_aligned_moves_real_ids_to_the_front_in_order():
    X = np.array([[0, 0, 4, 5], [6, 7, 0, 0], [0, 8, 0, 9]], np.int32)
    aligned, lengths = left_aligned(X)
    np.testing.assert_array_equal(aligned, [[4, 5, 0, 0], [6, 7, 0, 0], [8, 9, 0, 0]])
    np.testing.assert_array_equal(lengths, [2, 2, 2])
    already = np.array([[3, 0], [3, 4]], np.int32)
    assert left_aligned(already)[0] is already


def test_length_sorted_batches_cover_every_document_once_with_similar_lengths():
    lengths = np.random.RandomState(0).randint(1, 400, size=1000)
    batches = length_sorted_batches(lengths, 10, np.random.RandomState(0))
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(1000))
    assert all(len(batch) <= 10 for batch in batches)
    # Sorted within pools: a batch spans far less than the whole range of lengths.
    spread = np.median([np.ptp(lengths[batch]) for batch in batches])
    assert spread < 0.1 * np.ptp(lengths)


@pytest.mark.parametrize(
    ("longest", "available", "jit_compile", "expected", "expected_on_jax"),
    # JAX compiles every step, so there widths are rounded with or without jit_compile.
    [
        (5, 100, False, 5, 32),
        (0, 100, False, 1, 32),
        (5, 100, True, 32, 32),
        (33, 40, True, 40, 40),
        (33, 40, False, 33, 40),
    ],
)
def test_batch_width_is_the_longest_document_rounded_under_xla(
    longest, available, jit_compile, expected, expected_on_jax
):
    if keras.backend.backend() == "jax":
        expected = expected_on_jax
    assert batch_width(longest, available, jit_compile=jit_compile) == expected
