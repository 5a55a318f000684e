"""The token-id convention every part of the package follows, and the matrix that carries it.

Id 0 is padding, id 1 any out-of-vocabulary token, learned tokens have ids from 2 up.

:class:`TokenIds` is how pretrained vectors meet a vocabulary. The classifier sees token ids,
never words, yet a pretrained embedding row belongs to a word. Two ways could keep ids and rows
aligned without the user passing the vocabulary twice: the vectorizer numbering known words in
the vectors' own order (the classifier then keeps only the rows it sees), or the vectorizer's
output carrying its vocabulary. The first cannot tell ids a ``SequenceVectorizer`` made from any
other integer matrix, which it would then read as rows of the vectors, silently misaligned. So
``SequenceVectorizer.transform`` returns a ``TokenIds``: an ndarray that also holds the token of
each id (a reference to the fitted vectorizer's table, not a copy). Rows taken from it (slicing,
indexing, ``train_test_split``, cross-validation folds, pickling) keep the table; anything
computed from the ids (arithmetic, comparisons, ``np.asarray``) is a plain ndarray, since its
values need no longer be those ids. A classifier given a plain matrix has no words to look up,
and starts its embedding at random.
"""

import numpy as np

PAD_ID = 0
OOV_ID = 1
OOV_TOKEN = "<oov>"
FIRST_LEARNED_ID = 2


class TokenIds(np.ndarray):
    """A matrix of token ids that knows the token behind each id.

    Behaves as the plain integer ndarray it views; ``id_tokens[i]`` is the token of id ``i``
    (None for padding, out-of-vocabulary and unused ids).

    Parameters
    ----------
    ids : array-like of int
        Token ids.
    id_tokens : ndarray of object
        Token of each id, as made by :class:`SequenceVectorizer`.

    Examples
    --------
    >>> import numpy as np
    >>> ids = TokenIds([[2, 3, 0]], np.array([None, None, "good", "film"], dtype=object))
    >>> ids[:, :2].id_tokens[ids[0, :2]].tolist()
    ['good', 'film']
    >>> type(ids + 1).__name__
    'ndarray'
    """

    def __new__(cls, ids, id_tokens):
        matrix = np.asarray(ids).view(cls)
        matrix.id_tokens = id_tokens
        return matrix

    def __array_finalize__(self, source):
        # Views, copies and rows taken from a TokenIds hold the same ids: they keep the table.
        self.id_tokens = getattr(source, "id_tokens", None)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # Values computed from ids are no longer those ids: the result is a plain ndarray.
        inputs = tuple(np.asarray(x) if isinstance(x, TokenIds) else x for x in inputs)
        if "out" in kwargs:
            kwargs["out"] = tuple(
                np.asarray(x) if isinstance(x, TokenIds) else x for x in kwargs["out"]
            )
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __reduce__(self):
        rebuild, arguments, state = super().__reduce__()
        return rebuild, arguments, (state, self.id_tokens)

    def __setstate__(self, state):
        array_state, self.id_tokens = state
        super().__setstate__(array_state)


def id_tokens_of(X):
    """The token of each id behind ``X``, or None when X is not a :class:`TokenIds`."""
    return X.id_tokens if isinstance(X, TokenIds) else None
