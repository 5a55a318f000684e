"""Where TextCNNClassifier's embedding starts: GloVe, the user's vectors, or at random.

The rule that keeps pretrained rows aligned with ids: GloVe rows are looked up by word, and
the words come only with a :class:`~sk_textcnn._ids.TokenIds` matrix (what
``SequenceVectorizer`` returns); a plain id matrix has no words and starts at random. The
user's ``embeddings`` are rows for ids ``2, 3, ...`` in the order of the vocabulary given to the
vectorizer, as they always were.
"""

from typing import NamedTuple

import numpy as np

from sk_textcnn import _glove
from sk_textcnn._ids import FIRST_LEARNED_ID, OOV_ID, PAD_ID

RANDOM_WIDTH = 100
# embeddings="auto" keeps GloVe when at least this share of the training tokens has a vector.
# English text scores 0.9 or more; text the vectors were not made for (another language, code,
# ids) far less, and a start that is mostly random rows at GloVe's scale serves it no better.
MIN_COVERAGE = 0.5


class EmbeddingStart(NamedTuple):
    """The initial table (None: Keras' random start), its shape, and where it came from."""

    table: np.ndarray | None
    n_ids: int
    width: int
    source: str
    coverage: float | None

    def summary(self):
        """One line for verbose fits."""
        covered = "" if self.coverage is None else f"; {self.coverage:.1%} of training tokens"
        if self.source == "random":
            how = "at random" + (covered and f"{covered} have a GloVe vector")
        else:
            how = f"from {self.source} vectors{covered and covered + ' have one'}"
        return f"Embedding of {self.n_ids} ids x {self.width} starts {how}."


def token_coverage(X, has_vector):
    """Share of the real tokens of ``X`` (out-of-vocabulary ones included) with a vector."""
    real = X[X != PAD_ID]
    return float(has_vector[real].mean()) if real.size else 0.0


def initial_embedding(embeddings, embedding_dim, embedding_mode, X, id_tokens, n_ids, rng):
    """The embedding start of a fit on validated ids ``X`` with the table of ``n_ids`` rows.

    Parameters
    ----------
    embeddings, embedding_dim, embedding_mode
        The classifier's parameters.
    X : ndarray of int32
        Validated training ids, all below ``n_ids``.
    id_tokens : ndarray of object or None
        Token of each id, from a ``TokenIds`` training matrix; None for a plain matrix.
    n_ids : int
        Rows of the table: the largest training id + 1.
    rng : numpy.random.RandomState
        Draws the rows and columns that have no vector.
    """
    if embeddings is None or isinstance(embeddings, str):
        start = _glove_start(embeddings, embedding_dim, X, id_tokens, n_ids, rng)
        if start.table is None and embedding_mode != "non-static":
            raise ValueError(
                f"embedding_mode={embedding_mode!r} needs pretrained embeddings, and this fit "
                f"starts at random ({_why_random(embeddings, embedding_dim, id_tokens)}); pass "
                "embeddings=load_word_vectors(path), or ids from a SequenceVectorizer."
            )
        return start
    vectors = np.asarray(getattr(embeddings, "vectors", embeddings), np.float32)
    if vectors.ndim != 2 or not len(vectors) or not np.isfinite(vectors).all():
        raise ValueError(
            "embeddings must be a non-empty 2-D array of finite vectors (one row per word), "
            f"WordVectors, 'auto', {_glove.NAME!r} or None; got shape {vectors.shape}."
        )
    width = _width(embedding_dim, vectors.shape[1], "embeddings")
    n_ids = max(n_ids, FIRST_LEARNED_ID + len(vectors))
    rows = np.zeros((n_ids, vectors.shape[1]), dtype=np.float32)
    rows[FIRST_LEARNED_ID : FIRST_LEARNED_ID + len(vectors)] = vectors
    has_vector = np.zeros(n_ids, dtype=bool)
    has_vector[FIRST_LEARNED_ID : FIRST_LEARNED_ID + len(vectors)] = True
    table = _table(rows, has_vector, width, rng)
    return EmbeddingStart(table, n_ids, width, "user", token_coverage(X, has_vector))


def _width(embedding_dim, vector_width, name):
    if embedding_dim is not None and embedding_dim < vector_width:
        raise ValueError(
            f"embedding_dim={embedding_dim} is narrower than {name} ({vector_width} columns); "
            "leave embedding_dim=None to use the vectors' width, or give at least as many "
            "(the extra columns start at random)."
        )
    return vector_width if embedding_dim is None else embedding_dim


def _why_random(embeddings, embedding_dim, id_tokens):
    if embeddings is None:
        return "embeddings=None"
    if id_tokens is None:
        return "X is a plain id matrix, not a SequenceVectorizer's output, so it has no words"
    if embedding_dim is not None and embedding_dim < _glove.WIDTH:
        return f"embedding_dim={embedding_dim} is narrower than GloVe's {_glove.WIDTH} columns"
    return f"fewer than {MIN_COVERAGE:.0%} of the training tokens have a GloVe vector"


def _glove_start(embeddings, embedding_dim, X, id_tokens, n_ids, rng):
    """GloVe for ``"auto"`` and ``"glove-6b-50d"`` where the words allow, else random."""
    random = EmbeddingStart(None, n_ids, embedding_dim or RANDOM_WIDTH, "random", None)
    narrow = embedding_dim is not None and embedding_dim < _glove.WIDTH
    if embeddings is None or (embeddings == "auto" and (id_tokens is None or narrow)):
        return random
    if id_tokens is None or narrow:
        raise ValueError(
            f"embeddings={embeddings!r} cannot be used: "
            f"{_why_random(embeddings, embedding_dim, id_tokens)}. Fit on a "
            "SequenceVectorizer's output (e.g. in make_pipeline), or use embeddings='auto'."
        )
    tokens = np.full(n_ids, None, dtype=object)
    known = min(n_ids, len(id_tokens))
    tokens[:known] = id_tokens[:known]
    has_vector, vectors = _glove.glove_vectors(tokens.tolist())
    coverage = token_coverage(X, has_vector)
    if embeddings == "auto" and coverage < MIN_COVERAGE:
        return random._replace(coverage=coverage)
    rows = np.zeros((n_ids, _glove.WIDTH), dtype=np.float32)
    rows[has_vector] = vectors
    width = _glove.WIDTH if embedding_dim is None else embedding_dim
    table = _table(rows, has_vector, width, rng)
    return EmbeddingStart(table, n_ids, width, _glove.NAME, coverage)


def _table(rows, has_vector, width, rng):
    """The initial table: the vectors where there are some, random at their scale elsewhere.

    Padding is zero and the out-of-vocabulary row is the mean vector; ids without a vector and
    the columns past the vectors' width are drawn from a normal of the vectors' spread.
    """
    vectors = rows[has_vector]
    table = rng.normal(0, vectors.std(), (len(rows), width)).astype(np.float32)
    table[has_vector, : rows.shape[1]] = vectors
    table[PAD_ID] = 0
    table[OOV_ID, : rows.shape[1]] = vectors.mean(axis=0)
    return table
