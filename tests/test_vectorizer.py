"""SequenceVectorizer: vocabulary, ids, padding, validation, and properties over random text."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
)

from sk_textcnn import SequenceVectorizer
from sk_textcnn.vectorizer import OOV_TOKEN

from .helpers import fast

CORPUS = [
    "The cat sat on the mat.",
    "The dog sat.",
    "A cat, a dog and the bird",
    "",
]


def test_ids_follow_frequency_then_alphabet():
    vectorizer = SequenceVectorizer().fit(CORPUS)
    # "the" x4, then "a", "cat", "dog", "sat" x2 alphabetically, then the singletons.
    assert list(vectorizer.vocabulary_)[:5] == ["the", "a", "cat", "dog", "sat"]
    assert vectorizer.vocabulary_["the"] == 2
    assert sorted(vectorizer.vocabulary_.values()) == list(range(2, 2 + 9))
    assert vectorizer.n_ids_ == 11


def test_fit_transform_equals_fit_then_transform():
    a = SequenceVectorizer().fit_transform(CORPUS)
    b = SequenceVectorizer().fit(CORPUS).transform(CORPUS)
    np.testing.assert_array_equal(a, b)


def test_transform_shape_dtype_and_padding():
    vectorizer = SequenceVectorizer(max_length=5).fit(CORPUS)
    X = vectorizer.transform(CORPUS)
    assert X.shape == (4, 5) and X.dtype == np.int32
    the, sat = vectorizer.vocabulary_["the"], vectorizer.vocabulary_["sat"]
    np.testing.assert_array_equal(X[1], [the, vectorizer.vocabulary_["dog"], sat, 0, 0])
    np.testing.assert_array_equal(X[3], 0)  # an empty document is all padding


def test_pre_padding_and_pre_truncating():
    vectorizer = SequenceVectorizer(max_length=4, padding="pre", truncating="pre").fit(CORPUS)
    ids = vectorizer.vocabulary_
    X = vectorizer.transform(["dog sat", "the cat sat on the mat"])
    np.testing.assert_array_equal(X[0], [0, 0, ids["dog"], ids["sat"]])
    np.testing.assert_array_equal(X[1], [ids["sat"], ids["on"], ids["the"], ids["mat"]])


def test_unseen_words_become_oov():
    vectorizer = SequenceVectorizer().fit(CORPUS)
    X = vectorizer.transform(["the zebra sat"])
    assert X[0, 1] == 1
    assert vectorizer.inverse_transform(X) == [["the", OOV_TOKEN, "sat"]]


def test_inverse_transform_round_trips_in_vocabulary_tokens():
    vectorizer = SequenceVectorizer(max_length=None).fit(CORPUS)
    tokens = vectorizer.inverse_transform(vectorizer.transform(CORPUS))
    assert tokens[0] == ["the", "cat", "sat", "on", "the", "mat"]
    assert tokens[3] == []
    # Ids past the vocabulary, however large, read as "<oov>" (no table sized by the largest).
    far = np.array([[2, vectorizer.n_ids_, 10**12, 0]], dtype=np.int64)
    first = {i: token for token, i in vectorizer.vocabulary_.items()}[2]
    assert vectorizer.inverse_transform(far) == [[first, "<oov>", "<oov>"]]


@pytest.mark.parametrize(
    "max_length, expected",
    [(None, 7), (3, 3), (0.5, 3), (1.0, 7)],
)
def test_max_length_rules(max_length, expected):
    # token counts 6, 3, 7, 0: half the documents fit in 3 tokens
    assert SequenceVectorizer(max_length=max_length).fit(CORPUS).max_length_ == expected


def test_min_df_counts_documents_not_occurrences_and_max_features():
    # "a" occurs twice, but in one document only
    assert set(SequenceVectorizer(min_df=2).fit(CORPUS).vocabulary_) == {"the", "cat", "dog", "sat"}
    assert set(SequenceVectorizer(min_df=0.5).fit(CORPUS).vocabulary_) == {
        "the",
        "cat",
        "dog",
        "sat",
    }
    assert list(SequenceVectorizer(max_features=2).fit(CORPUS).vocabulary_) == ["the", "a"]


def test_lowercase_tokenizer_and_token_pattern():
    assert "The" in SequenceVectorizer(lowercase=False).fit(CORPUS).vocabulary_
    vectorizer = SequenceVectorizer(tokenizer=str.split).fit(["a-b c.", "c."])
    assert vectorizer.vocabulary_ == {"c.": 2, "a-b": 3}
    vectorizer = SequenceVectorizer(token_pattern=r"[a-z]{3,}").fit(CORPUS)
    assert "a" not in vectorizer.vocabulary_ and "cat" in vectorizer.vocabulary_


def test_fixed_vocabulary_list_and_mapping():
    vectorizer = SequenceVectorizer(vocabulary=["sat", "cat"]).fit(CORPUS)
    assert vectorizer.vocabulary_ == {"sat": 2, "cat": 3}
    np.testing.assert_array_equal(vectorizer.transform(["cat sat dog"])[0, :3], [3, 2, 1])
    vectorizer = SequenceVectorizer(vocabulary={"cat": 7, "sat": 2}).fit(CORPUS)
    assert vectorizer.n_ids_ == 8


@pytest.mark.parametrize(
    "vocabulary, match",
    [
        ({"cat": 1}, "integers >= 2"),
        ({"cat": 2, "dog": 2}, "same id"),
        (["cat", "cat"], "'cat' twice"),
        ([], "vocabulary is empty"),
        ("cat", r"not a string; got 'cat'. Wrap one token in a list: \['cat'\]"),
    ],
)
def test_bad_fixed_vocabulary(vocabulary, match):
    with pytest.raises(ValueError, match=match):
        SequenceVectorizer(vocabulary=vocabulary).fit(CORPUS)


def test_accepts_any_iterable_of_str():
    expected = SequenceVectorizer().fit_transform(CORPUS)
    for documents in (
        tuple(CORPUS),
        np.array(CORPUS),
        np.array(CORPUS, dtype=object),
        pd.Series(CORPUS),
        iter(CORPUS),
    ):
        np.testing.assert_array_equal(SequenceVectorizer().fit_transform(documents), expected)


def test_bare_string_is_refused():
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        SequenceVectorizer().fit("just one document")
    vectorizer = SequenceVectorizer().fit(CORPUS)
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        vectorizer.transform("just one document")


@pytest.mark.parametrize("bad", [None, 3, 2.5, b"bytes"])
def test_non_str_document_is_named_by_position(bad):
    with pytest.raises(TypeError, match=r"raw_documents\[1\] is .* every document must be a str"):
        SequenceVectorizer().fit(["fine", bad, "fine"])


def test_two_dimensional_input_is_refused():
    with pytest.raises(ValueError, match=r"1-D collection .* or a single column .* \(2, 2\)"):
        SequenceVectorizer().fit(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(ValueError, match=r"single column of them, got .* shape \(4, 2\)"):
        SequenceVectorizer().fit(pd.DataFrame({"text": CORPUS, "other": CORPUS}))


def test_one_column_of_text_is_read_as_that_column():
    vectorizer = SequenceVectorizer().fit(CORPUS)
    expected = vectorizer.transform(CORPUS)
    frame = pd.DataFrame({"text": CORPUS})
    for column in (frame, np.array(CORPUS, dtype=object)[:, None], np.array(CORPUS)[:, None]):
        np.testing.assert_array_equal(vectorizer.transform(column), expected)
        np.testing.assert_array_equal(SequenceVectorizer().fit_transform(column), expected)
    with pytest.raises(TypeError, match=r"raw_documents\[1\] is .* must be a str"):
        vectorizer.transform(pd.DataFrame({"text": ["fine", None]}))


def test_a_column_transformer_feeds_the_text_column_to_the_classifier(sentiment):
    texts, labels = sentiment
    frame = pd.DataFrame({"text": texts, "source": "web"})
    model = make_pipeline(
        ColumnTransformer([("text", SequenceVectorizer(), ["text"])]), fast(epochs=20)
    ).fit(frame, labels)
    assert model.predict(frame).tolist() == labels


def test_empty_vocabulary_is_an_error():
    with pytest.raises(ValueError, match="vocabulary is empty"):
        SequenceVectorizer().fit(["", "!!", "..."])
    with pytest.raises(ValueError, match="min_df=3"):
        SequenceVectorizer(min_df=3).fit(["a b", "c d"])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_length": 0}, "max_length"),
        ({"max_length": -3}, "max_length"),
        ({"max_length": 1.5}, "max_length"),
        ({"padding": "middle"}, "padding"),
        ({"truncating": "both"}, "truncating"),
        ({"min_df": 0}, "min_df"),
        ({"max_features": 0}, "max_features"),
        ({"dtype": np.float32}, "dtype must be an integer"),
        ({"token_pattern": r"(a)(b)"}, "capturing groups"),
        ({"token_pattern": "("}, r"token_pattern='\(' is not a regular expression"),
        ({"dtype": np.int8, "vocabulary": {"a": 300}}, r"300, does not fit dtype=int8"),
        ({"vocabulary": {"a": 10**10}}, r"10000000000, does not fit dtype=int32"),
    ],
)
def test_bad_parameters_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        SequenceVectorizer(**params).fit(CORPUS)


def test_a_learned_vocabulary_too_large_for_dtype_is_refused():
    documents = [" ".join(f"w{i}" for i in range(300))]
    assert SequenceVectorizer(dtype=np.uint16).fit(documents).n_ids_ == 302
    with pytest.raises(
        ValueError, match=r"largest id, 301, does not fit dtype=uint8 \(at most 255"
    ):
        SequenceVectorizer(dtype=np.uint8).fit(documents)


def test_transform_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SequenceVectorizer().transform(CORPUS)


def test_refit_starts_over():
    vectorizer = SequenceVectorizer().fit(CORPUS)
    vectorizer.fit(["zebra zebra lion"])
    assert vectorizer.vocabulary_ == {"zebra": 2, "lion": 3}
    assert vectorizer.max_length_ == 3


def test_clone_pickle_and_params():
    vectorizer = SequenceVectorizer(max_length=4, min_df=1, padding="pre")
    assert clone(vectorizer).get_params() == vectorizer.get_params()
    vectorizer.set_params(max_length=6)
    assert vectorizer.get_params()["max_length"] == 6
    fitted = vectorizer.fit(CORPUS)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(CORPUS), fitted.transform(CORPUS))
    check_no_attributes_set_in_init("SequenceVectorizer", SequenceVectorizer())
    check_get_params_invariance("SequenceVectorizer", SequenceVectorizer())


def test_feature_names_and_tags():
    vectorizer = SequenceVectorizer(max_length=3).fit(CORPUS)
    assert vectorizer.get_feature_names_out().tolist() == ["position_0", "position_1", "position_2"]
    tags = vectorizer.__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array


def test_extend_vocabulary_appends_learned_tokens_after_fixed_ones():
    vectorizer = SequenceVectorizer(vocabulary=["cat", "zebra"], extend_vocabulary=True)
    vectorizer.fit(CORPUS)
    assert vectorizer.vocabulary_["cat"] == 2 and vectorizer.vocabulary_["zebra"] == 3
    assert vectorizer.vocabulary_["the"] == 4  # most frequent new token comes first
    assert set(vectorizer.vocabulary_) == {
        "cat",
        "zebra",
        "the",
        "dog",
        "sat",
        "on",
        "mat",
        "a",
        "and",
        "bird",
    }


def test_transform_in_chunks_matches_one_pass(monkeypatch):
    import sk_textcnn.vectorizer as module

    vectorizer = SequenceVectorizer().fit(CORPUS)
    expected = vectorizer.transform(CORPUS * 3)
    monkeypatch.setattr(module, "_TRANSFORM_CHUNK", 5)
    np.testing.assert_array_equal(vectorizer.transform(CORPUS * 3), expected)


def test_outputs_match_the_recorded_reference():
    from .reference_outputs import REFERENCE_PATH, vectorizer_outputs

    reference = np.load(REFERENCE_PATH)
    for name, value in vectorizer_outputs().items():
        np.testing.assert_array_equal(value, reference[name], err_msg=name)


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


def test_countvectorizer_preprocessing_options():
    docs = ["Café au lait", "The café is open"]
    ascii_ids = SequenceVectorizer(strip_accents="ascii").fit(docs)
    assert "cafe" in ascii_ids.vocabulary_ and "café" not in ascii_ids.vocabulary_
    stopped = SequenceVectorizer(stop_words="english").fit(docs)
    assert "the" not in stopped.vocabulary_ and "is" not in stopped.vocabulary_
    listed = SequenceVectorizer(stop_words=["au"]).fit(docs)
    assert "au" not in listed.vocabulary_ and "lait" in listed.vocabulary_
    shouting = SequenceVectorizer(preprocessor=str.upper).fit(docs)
    assert "CAFÉ" in shouting.vocabulary_
    # Stop words are dropped before ids and positions are given.
    np.testing.assert_array_equal(
        stopped.transform(["the open café"]), [[stopped.vocabulary_["open"], 2, 0]]
    )


def test_tokenizer_may_return_a_generator_or_must_return_an_iterable():
    tokens_of = {}
    for name, tokenizer in (("list", str.split), ("generator", lambda d: iter(d.split()))):
        tokens_of[name] = SequenceVectorizer(tokenizer=tokenizer).fit_transform(CORPUS)
    np.testing.assert_array_equal(tokens_of["generator"], tokens_of["list"])
    with pytest.raises(TypeError, match="tokenizer returned int for document 0; it must return"):
        SequenceVectorizer(tokenizer=len).fit(CORPUS)
    with pytest.raises(TypeError, match="tokenizer returned str for document 0"):
        SequenceVectorizer(tokenizer=str.lower).fit(CORPUS)


def test_fit_transform_tokenizes_each_document_once():
    calls = []

    def tokenizer(document):
        calls.append(document)
        return document.split()

    SequenceVectorizer(tokenizer=tokenizer).fit_transform(CORPUS)
    assert len(calls) == len(CORPUS)
