"""Shared test helpers: tiny corpora, fast model settings and the builders of small models.

Plain module, imported by the tests (``from .helpers import ...``); the fixtures built on it
are in ``conftest.py``.
"""

import os

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sk_textcnn import SequenceVectorizer, TextCNNClassifier, make_multilabel_ensemble

# Small and quick, but enough capacity to fit the toy problems below.
FAST = dict(embedding_dim=8, num_filters=8, filter_sizes=(2, 3), epochs=10, learning_rate=0.01)

POSITIVE = ["good movie", "great film", "lovely story", "a great good film"]
NEGATIVE = ["awful movie", "bad film", "boring story", "an awful bad film"]
# The separable binary text problem of many tests (and the ``sentiment`` fixture): 32 documents.
SENTIMENT_TEXTS = (POSITIVE + NEGATIVE) * 4
SENTIMENT_LABELS = (["pos"] * len(POSITIVE) + ["neg"] * len(NEGATIVE)) * 4


def _marked_ids():
    """60 id documents; label 0 fires on id 5, label 1 on id 6, label 2 on id 7."""
    rng = np.random.RandomState(0)
    X = rng.randint(8, 12, size=(60, 8)).astype(np.int32)
    for marker in (5, 6, 7):
        rows = rng.rand(60) < 0.4
        X[rows, rng.randint(0, 8, rows.sum())] = marker
    Y = np.stack([(X == marker).any(axis=1) for marker in (5, 6, 7)], axis=1).astype(int)
    return X, Y


X_MULTI, Y_MULTI = _marked_ids()


def fast(**params):
    """A TextCNNClassifier with the FAST settings and a fixed seed, overridden by ``params``."""
    return TextCNNClassifier(**{**FAST, "random_state": 0, **params})


def reviews(n_per_class=30, seed=0):
    """Distinct short reviews, ``n_per_class`` of each sentiment, and their labels.

    Enough distinct documents for the held-out stages (early stopping, the linear term's
    blend, thresholds), which copies of a few sentences do not give.
    """
    rng = np.random.RandomState(seed)
    openers = ["a", "the", "this", "that", "one", "my"]
    subjects = ["movie", "film", "story", "plot", "show", "cast", "script", "ending"]
    words = {"pos": ["good", "great", "lovely", "fine"], "neg": ["awful", "bad", "boring", "dull"]}
    texts, labels = [], []
    for label, sentiment_words in words.items():
        combos = [(o, w, s) for o in openers for w in sentiment_words for s in subjects]
        for index in rng.permutation(len(combos))[:n_per_class]:
            texts.append(" ".join(combos[index]))
            labels.append(label)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], [labels[i] for i in order]


def imbalanced_indicator(n_samples=1000, n_labels=40, seed=0):
    """Label frequencies falling geometrically from 30% to a handful of samples."""
    rng = np.random.RandomState(seed)
    rates = 0.3 * 0.85 ** np.arange(n_labels)
    Y = (rng.rand(n_samples, n_labels) < rates).astype(int)
    # A label with exactly one positive and one with exactly two.
    Y[:, -2:] = 0
    Y[7, -1] = 1
    Y[[3, 11], -2] = 1
    return Y


def text_problem(n_samples=400, seed=0):
    """Documents mixing noise words with words of their topics; topics from common to rare."""
    rng = np.random.RandomState(seed)
    rates = np.array([0.35, 0.25, 0.12, 0.06, 0.04, 0.025])
    Y = (rng.rand(n_samples, len(rates)) < rates).astype(int)
    noise = [f"noise{i}" for i in range(150)]
    docs = []
    for row in Y:
        words = list(rng.choice(noise, 25))
        for label in np.flatnonzero(row):
            words += [f"topic{label}w{k}" for k in rng.randint(6, size=2)]
        # Topic words also turn up, more rarely, in documents without the topic.
        for label in np.flatnonzero(rng.rand(len(rates)) < 0.1):
            words.append(f"topic{label}w{rng.randint(6)}")
        rng.shuffle(words)
        docs.append(" ".join(words))
    return docs, Y


# The network of the tests that fit many models in workers or on a cluster.
TINY_TEXT_CNN = dict(embedding_dim=8, num_filters=8, filter_sizes=(2, 3), epochs=3)


def tiny_ensemble(**params):
    """The recommended ensemble on 2 folds, with a tiny network."""
    model = make_multilabel_ensemble(cv=2, min_positives=5, random_state=0, **params)
    return model.set_params(
        **{f"estimator__cnn__textcnnclassifier__{k}": v for k, v in TINY_TEXT_CNN.items()}
    )


def tiny_text_search(**params):
    """GridSearchCV of 2 learning rates x 2 folds over a tiny text pipeline, by log loss.

    Log loss moves with every probability, so comparing two runs' scores has teeth.
    """
    pipeline = make_pipeline(
        SequenceVectorizer(), TextCNNClassifier(**TINY_TEXT_CNN, random_state=0)
    )
    grid = {"textcnnclassifier__learning_rate": [0.003, 0.03]}
    return GridSearchCV(pipeline, grid, cv=2, scoring="neg_log_loss", refit=False, **params)


def split_scores(search):
    """The test score of every candidate on every split, as a (n_splits, n_candidates) list."""
    return [search.cv_results_[f"split{i}_test_score"].tolist() for i in range(search.n_splits_)]


def jax_known_failure(reason):
    """Mark a test that fails under KERAS_BACKEND=jax (.ci/run's second run) for ``reason``."""
    import keras  # here: sk_textcnn, imported above, brings the backend in quietly

    return pytest.mark.xfail(keras.backend.backend() == "jax", reason=reason, strict=False)


PROBA_TOLERANCE = 1e-5
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tensorflow_threads():
    """OMP_NUM_THREADS and TensorFlow's pool sizes in this process, once sk_textcnn is imported."""
    import tensorflow as tf

    import sk_textcnn  # noqa: F401  (first: it imports TensorFlow, quietly)

    return (
        os.environ.get("OMP_NUM_THREADS"),
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )
