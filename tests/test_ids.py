"""TokenIds: the id matrix that carries the token of each id."""

import pickle

import joblib
import numpy as np
from sklearn.model_selection import train_test_split

from sk_textcnn import SequenceVectorizer
from sk_textcnn._ids import TokenIds, id_tokens_of

TEXTS = ["good movie", "bad film", "a good film", "an awful movie"]


def test_the_vectorizer_output_knows_the_token_of_each_id():
    vectorizer = SequenceVectorizer()
    X = vectorizer.fit_transform(TEXTS)
    tokens = id_tokens_of(X)
    assert tokens[X[2, :3]].tolist() == ["a", "good", "film"]
    assert id_tokens_of(vectorizer.transform(["good"])) is tokens
    assert tokens[:2].tolist() == [None, None]


def test_rows_taken_keep_the_tokens_and_computed_values_drop_them(tmp_path):
    X = SequenceVectorizer().fit_transform(TEXTS)
    tokens = id_tokens_of(X)
    train, _ = train_test_split(X, test_size=0.5, random_state=0)
    joblib.dump(X, tmp_path / "ids.joblib")
    for taken in (X[1:], X[[0, 3]], X.copy(), train, pickle.loads(pickle.dumps(X))):
        np.testing.assert_array_equal(id_tokens_of(taken), tokens)
    np.testing.assert_array_equal(id_tokens_of(joblib.load(tmp_path / "ids.joblib")), tokens)
    for computed in (X + 1, np.maximum(X, 3), X > 2, np.asarray(X)):
        assert type(computed) is np.ndarray
        assert id_tokens_of(computed) is None


def test_a_plain_matrix_has_no_tokens():
    assert id_tokens_of(np.zeros((2, 3), dtype=int)) is None
    assert isinstance(TokenIds([[2]], np.array([None, None, "x"], dtype=object)), np.ndarray)
