"""Property-based tests of SequenceVectorizer on arbitrary unicode text."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sk_textcnn import SequenceVectorizer

documents = st.lists(st.text(max_size=60), min_size=1, max_size=12)
# Words the default token pattern reads as one token each.
words = st.text(alphabet=st.characters(categories=("L", "Nd")), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(train=documents, test=documents, max_length=st.integers(1, 20))
def test_never_crashes_and_keeps_shape_and_dtype(train, test, max_length):
    vectorizer = SequenceVectorizer(max_length=max_length)
    try:
        vectorizer.fit(train)
    except ValueError as error:  # text without a single word character
        assert "vocabulary is empty" in str(error)
        return
    X = vectorizer.transform(test)
    assert X.shape == (len(test), max_length) and X.dtype == np.int32
    assert X.min() >= 0 and X.max() < vectorizer.n_ids_
    # padding only ever follows the tokens
    real = X != 0
    assert (real == (np.arange(max_length) < real.sum(axis=1, keepdims=True))).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(words, min_size=1, max_size=10), min_size=1, max_size=8))
def test_in_vocabulary_tokens_survive_the_round_trip(token_lists):
    texts = [" ".join(tokens) for tokens in token_lists]
    vectorizer = SequenceVectorizer(max_length=None).fit(texts)
    recovered = vectorizer.inverse_transform(vectorizer.transform(texts))
    # lowercasing may split or change a word (e.g. "İ"); compare with the vectorizer's own tokens
    assert recovered == [list(tokens) for tokens in vectorizer._tokenize(texts)]
