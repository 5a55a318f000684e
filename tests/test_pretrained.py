"""Pretrained word vectors as the embedding: static, non-static and multichannel."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sk_textcnn import SequenceVectorizer, TextCNNClassifier
from sk_textcnn.word_vectors import load_word_vectors, save_word_vectors

from .conftest import FAST

WORDS = ["good", "great", "lovely", "awful", "bad", "boring", "movie", "film"]


@pytest.fixture
def vectors(tmp_path):
    rng = np.random.RandomState(0)
    matrix = rng.normal(size=(len(WORDS), 6)).astype(np.float32)
    matrix[:3, 0] += 3  # positive words share a direction
    path = tmp_path / "vectors.txt.gz"
    save_word_vectors(path, WORDS, matrix, format="glove")
    return load_word_vectors(path)


def pipeline(vectors, **params):
    return make_pipeline(
        SequenceVectorizer(vocabulary=vectors.words),
        TextCNNClassifier(
            **{**FAST, "embedding_dim": None, "random_state": 0, "embeddings": vectors, **params}
        ),
    )


def table(model, name="embedding"):
    return model.model_.get_layer(name).get_weights()[0]


def test_static_embedding_is_bit_identical_after_fit(vectors, sentiment):
    fitted = pipeline(vectors, embedding_mode="static").fit(*sentiment)
    weights = table(fitted[-1])
    np.testing.assert_array_equal(weights[2 : 2 + len(WORDS)], vectors.vectors)
    np.testing.assert_array_equal(weights[0], 0)
    np.testing.assert_allclose(weights[1], vectors.vectors.mean(axis=0), rtol=1e-6)
    assert fitted.score(*sentiment) > 0.8


def test_non_static_embedding_starts_from_the_vectors_and_moves(vectors, sentiment):
    fitted = pipeline(vectors, embedding_mode="non-static").fit(*sentiment)
    rows = table(fitted[-1])[2 : 2 + len(WORDS)]
    assert not np.array_equal(rows, vectors.vectors)
    assert np.corrcoef(rows.ravel(), vectors.vectors.ravel())[0, 1] > 0.9


def test_multichannel_has_a_frozen_and_a_tuned_copy(vectors, sentiment):
    fitted = pipeline(vectors, embedding_mode="multichannel").fit(*sentiment)
    frozen = table(fitted[-1], "embedding_static")[2 : 2 + len(WORDS)]
    tuned = table(fitted[-1], "embedding")[2 : 2 + len(WORDS)]
    np.testing.assert_array_equal(frozen, vectors.vectors)
    assert not np.array_equal(tuned, vectors.vectors)


def test_learned_vocabulary_gets_vectors_where_the_file_has_them(vectors, sentiment):
    texts, labels = sentiment
    vectorizer = SequenceVectorizer(vocabulary=vectors.words, extend_vocabulary=True)
    fitted = make_pipeline(
        vectorizer,
        TextCNNClassifier(**{**FAST, "embedding_dim": None}, random_state=0, embeddings=vectors),
    ).fit(texts, labels)
    learned = set(fitted[0].vocabulary_) - set(WORDS)
    assert learned == {"story", "a", "an"}
    used = set(WORDS) & {token for text in texts for token in text.split()}
    assert fitted[-1].embedding_coverage_ == pytest.approx(len(used) / (len(used) + len(learned)))
    assert fitted[-1].n_ids_ == 2 + len(fitted[0].vocabulary_)


def test_accepts_a_plain_matrix_and_checks_its_width(vectors, sentiment):
    fitted = pipeline(vectors, embeddings=vectors.vectors, embedding_mode="static").fit(*sentiment)
    np.testing.assert_array_equal(table(fitted[-1])[2 : 2 + len(WORDS)], vectors.vectors)
    with pytest.raises(ValueError, match="embedding_dim=4 differs from the width"):
        pipeline(vectors, embedding_dim=4).fit(*sentiment)
    with pytest.raises(ValueError, match="non-empty 2-D array of finite vectors"):
        pipeline(vectors, embeddings=np.zeros(5)).fit(*sentiment)


def test_frozen_modes_need_vectors(sentiment):
    model = make_pipeline(SequenceVectorizer(), TextCNNClassifier(**FAST, embedding_mode="static"))
    with pytest.raises(ValueError, match="needs pretrained embeddings"):
        model.fit(*sentiment)


def test_clone_pickle_and_grid_search_over_modes(vectors, sentiment):
    model = pipeline(vectors, embedding_mode="static")
    cloned = clone(model)[-1].get_params()["embeddings"]
    assert cloned.words == vectors.words
    np.testing.assert_array_equal(cloned.vectors, vectors.vectors)
    fitted = model.fit(*sentiment)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        restored.predict_proba(sentiment[0]), fitted.predict_proba(sentiment[0])
    )
    search = GridSearchCV(
        pipeline(vectors),
        {"textcnnclassifier__embedding_mode": ["static", "non-static", "multichannel"]},
        cv=2,
    ).fit(*sentiment)
    assert len(search.cv_results_["mean_test_score"]) == 3
