"""Shared fixtures; the helpers they use (and the tests import) are in ``helpers.py``."""

import pytest

from .helpers import SENTIMENT_LABELS, SENTIMENT_TEXTS, X_MULTI, Y_MULTI, fast


@pytest.fixture
def sentiment():
    """A separable binary text problem: 32 documents."""
    return list(SENTIMENT_TEXTS), list(SENTIMENT_LABELS)


@pytest.fixture(scope="module")
def multilabel_model():
    """``fast`` fitted on the marked-id multi-label problem."""
    return fast(epochs=30).fit(X_MULTI, Y_MULTI)
