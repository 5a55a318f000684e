"""Where the embedding starts: GloVe by default, the user's vectors, or at random."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sk_textcnn import SequenceVectorizer, TextCNNClassifier
from sk_textcnn._embedding_start import MIN_COVERAGE
from sk_textcnn._glove import glove_vectors

from .helpers import reviews

# The FAST settings of conftest without embedding_dim, which decides between GloVe and random.
SMALL = dict(num_filters=8, filter_sizes=(2, 3), epochs=5, learning_rate=0.01, random_state=0)
ENGLISH = ["good movie", "great film", "lovely story", "awful movie", "bad film", "boring story"]
LABELS = ["pos", "pos", "pos", "neg", "neg", "neg"]
# Tokens GloVe does not know: text of another kind (identifiers, another script's transliteration).
FOREIGN = ["qzx_vlorp 7f3a", "zzkq_brrn 9e1c", "vlorp_qzx 2b2b", "brrn_zzkq 0d0d"] * 2


def fitted(texts=ENGLISH * 4, labels=LABELS * 4, **params):
    return make_pipeline(SequenceVectorizer(), TextCNNClassifier(**{**SMALL, **params})).fit(
        texts, labels
    )


def embedding_table(classifier):
    return classifier.model_.get_layer("embedding").get_weights()[0]


def test_the_default_pipeline_starts_from_glove_on_english_text():
    model = fitted(embedding_mode="static", linear_term=False, early_stopping=False, epochs=20)
    vectorizer, classifier = model
    assert classifier.embedding_source_ == "glove-6b-50d"
    assert classifier.embedding_coverage_ == 1.0
    table = embedding_table(classifier)
    assert table.shape == (vectorizer.n_ids_, 50)
    _, expected = glove_vectors(["good", "film"])
    ids = [vectorizer.vocabulary_["good"], vectorizer.vocabulary_["film"]]
    np.testing.assert_array_equal(table[ids], expected)
    np.testing.assert_array_equal(table[0], 0)
    assert model.score(ENGLISH, LABELS) == 1.0


def test_text_the_vectors_do_not_cover_starts_at_random():
    classifier = fitted(FOREIGN, ["a", "b"] * 4, validation_fraction=0.5)[-1]
    assert classifier.embedding_source_ == "random"
    assert classifier.embedding_coverage_ < MIN_COVERAGE
    assert embedding_table(classifier).shape[1] == 100


def test_tokens_that_are_not_str_have_no_vector_and_the_default_pipeline_still_fits():
    # As CountVectorizer, a tokenizer may give other hashable tokens (here an int per word).
    vectorizer = SequenceVectorizer(
        tokenizer=lambda text: [sum(map(ord, word)) for word in text.split()]
    )
    texts, labels = reviews()
    model = make_pipeline(vectorizer, TextCNNClassifier(**SMALL)).fit(texts, labels)
    assert model[-1].embedding_source_ == "random" and model[-1].embedding_coverage_ == 0.0
    assert model[-1].linear_term_ is not None and not len(model[-1].linear_term_.skipped_ids)
    assert model.predict(texts).shape == (len(texts),)
    found, vectors = glove_vectors(["film", 4, None])
    np.testing.assert_array_equal(found, [True, False, False])
    assert vectors.shape == (1, 50)


def test_a_plain_id_matrix_starts_at_random_and_glove_then_refuses_it():
    X = SequenceVectorizer().fit_transform(ENGLISH * 4)
    classifier = TextCNNClassifier(**SMALL).fit(np.asarray(X), LABELS * 4)
    assert (classifier.embedding_source_, classifier.embedding_coverage_) == ("random", None)
    with pytest.raises(ValueError, match="plain id matrix, not a SequenceVectorizer's output"):
        TextCNNClassifier(**SMALL, embeddings="glove-6b-50d").fit(np.asarray(X), LABELS * 4)
    with pytest.raises(ValueError, match="needs pretrained embeddings.*plain id matrix"):
        TextCNNClassifier(**SMALL, embedding_mode="static").fit(np.asarray(X), LABELS * 4)


def test_embedding_dim_is_honoured_beside_glove():
    wide = fitted(embedding_dim=64, embedding_mode="static")
    vectorizer, classifier = wide
    assert classifier.embedding_source_ == "glove-6b-50d"
    table = embedding_table(classifier)
    assert table.shape == (vectorizer.n_ids_, 64)
    _, expected = glove_vectors(["story"])
    np.testing.assert_array_equal(table[vectorizer.vocabulary_["story"], :50], expected[0])
    narrow = fitted(embedding_dim=8)[-1]
    assert narrow.embedding_source_ == "random"
    assert embedding_table(narrow).shape[1] == 8
    with pytest.raises(ValueError, match="embedding_dim=8 is narrower than GloVe's 50"):
        fitted(embedding_dim=8, embeddings="glove-6b-50d")


def test_embeddings_none_starts_at_random_as_before():
    classifier = fitted(embeddings=None)[-1]
    assert (classifier.embedding_source_, classifier.embedding_coverage_) == ("random", None)
    assert embedding_table(classifier).shape[1] == 100


def test_a_verbose_fit_says_where_the_embedding_starts(capsys):
    fitted(verbose=2, epochs=1)
    lines = [line for line in capsys.readouterr().out.splitlines() if "Embedding" in line]
    assert len(lines) == 1
    assert "glove-6b-50d" in lines[0] and "100.0% of training tokens" in lines[0]


def test_a_pickled_model_holds_only_the_rows_it_uses():
    classifier = fitted()[-1]
    table_bytes = embedding_table(classifier).nbytes
    # The table, the optimizer's two moments and the weight average: a few tables, never
    # GloVe's 400,000 rows (80 MB).
    assert len(pickle.dumps(classifier)) < 6 * table_bytes + 1_000_000
    restored = pickle.loads(pickle.dumps(classifier))
    X = SequenceVectorizer().fit(ENGLISH).transform(ENGLISH)
    np.testing.assert_array_equal(restored.predict_proba(X), classifier.predict_proba(X))


def test_clone_grid_search_and_partial_fit_keep_the_default_start():
    model = make_pipeline(SequenceVectorizer(), TextCNNClassifier(**SMALL))
    search = GridSearchCV(model, {"textcnnclassifier__dropout": [0.2, 0.5]}, cv=2)
    search.fit(ENGLISH * 4, LABELS * 4)
    assert search.best_estimator_[-1].embedding_source_ == "glove-6b-50d"
    assert clone(model)[-1].embeddings == "auto"
    X = SequenceVectorizer().fit_transform(ENGLISH * 4)
    partial = TextCNNClassifier(**SMALL, early_stopping=False)
    partial.partial_fit(X, LABELS * 4).partial_fit(X, LABELS * 4)
    assert partial.embedding_source_ == "glove-6b-50d"
    assert partial.current_epoch == 2
