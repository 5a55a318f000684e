"""Shared fixtures: tiny corpora and fast model settings."""

import pytest

import sk_textcnn  # noqa: F401  (imports TensorFlow quietly before any test does)

# Small and quick, but enough capacity to fit the toy problems below.
FAST = dict(embedding_dim=8, num_filters=8, filter_sizes=(2, 3), epochs=10, learning_rate=0.01)

POSITIVE = ["good movie", "great film", "lovely story", "a great good film"]
NEGATIVE = ["awful movie", "bad film", "boring story", "an awful bad film"]


@pytest.fixture
def sentiment():
    """A separable binary text problem: 32 documents."""
    texts = (POSITIVE + NEGATIVE) * 4
    labels = (["pos"] * len(POSITIVE) + ["neg"] * len(NEGATIVE)) * 4
    return texts, labels
