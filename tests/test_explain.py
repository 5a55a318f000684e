"""explain and top_ngrams: exact n-gram contributions that sum with the bias to the score."""

import html
import pickle
import re

import keras
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sk_textcnn import (
    SequenceVectorizer,
    TextCNNClassifier,
    explain,
    make_multilabel_ensemble,
    top_ngrams,
)

from .helpers import FAST, NEGATIVE, POSITIVE, SENTIMENT_LABELS, SENTIMENT_TEXTS, reviews

# Short, long, with punctuation, capitals and out-of-vocabulary words, and empty.
DOCUMENTS = [
    "a great good film",
    "Awful, BAD movie!",
    "great",
    "",
    "a lovely story but a boring zebra film, good and great",
]
TOPICS = ["film story", "movie film", "story", "movie", "film movie story", "story film"]
MULTILABEL_Y = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1], [1, 1, 1], [1, 1, 0]])


def fit(texts, y, vectorizer=None, **params):
    # The network alone, whose scores network_scores reads from its layers; the blend with
    # the linear term has tests of its own.
    params = {"linear_term": False, **params}
    return make_pipeline(
        vectorizer or SequenceVectorizer(),
        TextCNNClassifier(**{**FAST, "random_state": 0, **params}),
    ).fit(texts, y)


@pytest.fixture(scope="module")
def binary():
    return fit(SENTIMENT_TEXTS, SENTIMENT_LABELS)


@pytest.fixture(scope="module")
def multiclass():
    texts = (POSITIVE + NEGATIVE + TOPICS) * 3
    return fit(texts, (["pos"] * 4 + ["neg"] * 4 + ["topic"] * 6) * 3)


@pytest.fixture(scope="module")
def multilabel():
    return fit(TOPICS * 6, np.tile(MULTILABEL_Y, (6, 1)), threshold=0.4)


def network_scores(pipeline, documents):
    """Logits / pre-softmax scores from the network's own layers, one column per output."""
    network = pipeline[-1].model_
    features = keras.Model(network.inputs, network.get_layer("output").input)
    output = network.get_layer("output")
    ids = pipeline[0].transform(documents)
    return features.predict_on_batch(ids) @ np.asarray(output.kernel) + np.asarray(output.bias)


def assert_exact(pipeline, documents, **kwargs):
    """Contributions + bias == score == the network's score, probabilities == predict_proba."""
    classifier = pipeline[-1]
    explanations = explain(pipeline, documents, labels="all", top_k=None, **kwargs)
    scores = network_scores(pipeline, documents)
    proba = pipeline.predict_proba(documents)
    binary = classifier.target_type_ == "binary"
    for row, explanation in enumerate(explanations):
        assert len(explanation) == len(classifier.classes_)
        for column, explained in enumerate(explanation):
            total = explained.bias + sum(ngram.contribution for ngram in explained.ngrams)
            assert total == pytest.approx(explained.score, abs=1e-9)
            expected = scores[row, 0] * (2 * column - 1) if binary else scores[row, column]
            assert explained.score == pytest.approx(expected, abs=2e-5)
            assert explained.probability == pytest.approx(proba[row, column], abs=1e-5)
    return explanations


@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
def test_contributions_and_bias_sum_to_the_networks_score(target, request):
    assert_exact(request.getfixturevalue(target), DOCUMENTS)


@pytest.fixture(scope="module", params=["binary", "multiclass", "multilabel"])
def blended(request):
    """The default model, network and linear term blended, on each kind of target."""
    texts, sentiments = reviews()
    y = {
        "binary": sentiments,
        # Sentiment, or a third class for the stories.
        "multiclass": [
            "story" if "story" in text else label
            for text, label in zip(texts, sentiments, strict=True)
        ],
        # Positive; about a film or movie; opened by "the".
        "multilabel": np.array(
            [
                [label == "pos", "film" in text or "movie" in text, text.startswith("the ")]
                for text, label in zip(texts, sentiments, strict=True)
            ],
            dtype=int,
        ),
    }[request.param]
    pipeline = fit(texts, y, linear_term=True)
    # On 60 documents the blend may drop a part (a weight of 0); here both weigh in.
    pipeline[-1].blend_weights_ = np.array([0.8, 0.6])
    return pipeline


def test_explanations_of_the_blend_cover_both_parts_exactly(blended):
    classifier = blended[-1]
    explanations = explain(blended, DOCUMENTS, labels="all", top_k=None)
    scores = blended.decision_function(DOCUMENTS).reshape(len(DOCUMENTS), -1)
    proba = blended.predict_proba(DOCUMENTS)
    binary = classifier.target_type_ == "binary"
    biases = set()
    for row, explanation in enumerate(explanations):
        for column, explained in enumerate(explanation):
            total = explained.bias + sum(ngram.contribution for ngram in explained.ngrams)
            assert total == pytest.approx(explained.score, abs=1e-9)
            expected = scores[row, 0] * (2 * column - 1) if binary else scores[row, column]
            # The network's float32 features come from explain's own forward pass, whose
            # batch shapes (and so oneDNN's kernels) differ from decision_function's.
            assert explained.score == pytest.approx(expected, rel=1e-6, abs=1e-6)
            assert explained.probability == pytest.approx(proba[row, column], abs=1e-6)
            biases.add((column, explained.bias))
            contributions = [ngram.contribution for ngram in explained.ngrams]
            assert contributions == sorted(contributions, reverse=True)
    # Constants only: one bias per label, whatever the document.
    assert len(biases) == len(classifier.classes_)
    # The linear term has each known token of a document once, credited to its first
    # occurrence, but for the one-character words it leaves out ("a"), and its bigrams
    # (binary and multiclass targets). (Tokens past max_length are in neither part.)
    ids = blended[0].transform(DOCUMENTS)
    for explanation, row in zip(explanations, ids, strict=True):
        explained = explanation[classifier.classes_[0]]
        linear = {(n.text, n.start) for n in explained.ngrams if n.source == "linear"}
        kept = explanation.tokens[: len(row)]
        first = {
            (token, kept.index(token))
            for token, i in zip(kept, row, strict=False)
            if i > 1 and len(token) > 1
        }
        assert {(text, start) for text, start in linear if " " not in text} == first
    assert {n.source for n in explained.ngrams} == {"network", "linear"}
    # The empty document has nothing but its bias.
    assert all(not explained.ngrams for explained in explanations[3])


def test_linear_contributions_are_tfidf_times_weighted_coefficients(blended):
    classifier = blended[-1]
    if classifier.target_type_ == "multiclass":
        pytest.skip("one case suffices; multiclass differs only in its columns")
    term = classifier.linear_term_
    ids = blended[0].transform(["great film great"])
    (explanation,) = explain(blended, ["great film great"], labels="all", top_k=None)
    features = term.features(ids)
    great = blended[0].vocabulary_["great"]
    column = list(features.indices).index(great)
    scale = np.broadcast_to(term.scale_, term.intercept_.shape)[-1]
    expected = features.data[column] * term.coef_[-1, great] * scale * classifier.blend_weights_[1]
    explained = explanation[classifier.classes_[-1]]
    (entry,) = [n for n in explained.ngrams if n.source == "linear" and n.text == "great"]
    assert entry.contribution == pytest.approx(expected, rel=1e-9)
    assert (entry.start, entry.end, entry.char_start, entry.char_end) == (0, 1, 0, 5)


def test_predicted_labels_follow_set_params(blended):
    classifier = blended[-1]
    if classifier.target_type_ == "multiclass":
        pytest.skip("multiclass predictions have no threshold")
    for threshold in (0.2, 0.5, 0.8):
        classifier.set_params(threshold=threshold)
        predicted = blended.predict(DOCUMENTS)
        for explanation, row in zip(explain(blended, DOCUMENTS), predicted, strict=True):
            if classifier.target_type_ == "binary":
                assert explanation.labels == [row]
            else:
                assert explanation.labels == np.flatnonzero(row).tolist()
    classifier.set_params(threshold=None)


def test_bias_is_the_output_bias_and_ngrams_are_sorted(multiclass):
    bias = np.asarray(multiclass[-1].model_.get_layer("output").bias)
    for explained in explain(multiclass, DOCUMENTS, labels="all", top_k=None)[0]:
        assert explained.bias == pytest.approx(
            bias[list(multiclass[-1].classes_).index(explained.label)], abs=1e-7
        )
        contributions = [ngram.contribution for ngram in explained.ngrams]
        assert contributions == sorted(contributions, reverse=True)


def test_binary_negative_class_has_the_same_terms_with_opposite_sign(binary):
    explanation = explain(binary, ["a great movie but awful"], top_k=None, labels="all")[0]
    negative, positive = explanation["neg"], explanation["pos"]
    assert negative.score == -positive.score and negative.bias == -positive.bias
    assert negative.probability == pytest.approx(1 - positive.probability)
    assert [(n.text, -n.contribution) for n in reversed(negative.ngrams)] == [
        (n.text, n.contribution) for n in positive.ngrams
    ]


def test_top_k_keeps_the_largest_windows(binary):
    every = explain(binary, DOCUMENTS, labels=["pos"], top_k=None)
    top = explain(binary, DOCUMENTS, labels=["pos"], top_k=2)
    for all_windows, kept in zip(every, top, strict=True):
        assert kept["pos"].ngrams == all_windows["pos"].ngrams[:2]
        assert kept["pos"].score == all_windows["pos"].score


def test_documents_shorter_than_the_widest_filter():
    texts = ["good", "bad", "good good", "bad bad", "very good", "very bad"] * 6
    pipeline = fit(texts, ["pos", "neg"] * 18, filter_sizes=(2, 5))
    explanations = assert_exact(pipeline, ["good", "very bad", "bad good very"])
    for explanation in explanations:
        for explained in explanation:
            assert explained.ngrams
            for ngram in explained.ngrams:
                assert 1 <= ngram.end - ngram.start <= len(explanation.tokens)
                assert ngram.text == " ".join(explanation.tokens[ngram.start : ngram.end])


def test_empty_document_scores_its_bias_with_no_ngrams(multilabel):
    explanation = assert_exact(multilabel, ["", "!!!"])
    for document in explanation:
        assert document.tokens == []
        for explained in document:
            assert explained.ngrams == [] and explained.score == explained.bias


def test_pre_padding_and_pre_truncation_explain_the_kept_tokens(sentiment):
    vectorizer = SequenceVectorizer(padding="pre", truncating="pre", max_length=3)
    pipeline = fit(*sentiment, vectorizer=vectorizer)
    document = "awful bad movie but a great good film"
    (explanation,) = assert_exact(pipeline, [document])
    assert explanation.tokens == document.split()
    starts = [n.start for explained in explanation for n in explained.ngrams]
    assert min(starts) == len(explanation.tokens) - 3


def test_multichannel_embeddings():
    vectors = np.random.default_rng(0).normal(size=(12, 8)).astype(np.float32)
    pipeline = fit(
        SENTIMENT_TEXTS, SENTIMENT_LABELS, embeddings=vectors, embedding_mode="multichannel"
    )
    assert pipeline[-1].model_.get_layer("embedding_static") is not None
    assert_exact(pipeline, DOCUMENTS)


def test_pickled_model_explains_the_same(multiclass):
    restored = pickle.loads(pickle.dumps(multiclass))
    original = explain(multiclass, DOCUMENTS, labels="all", top_k=None)
    again = assert_exact(restored, DOCUMENTS)
    for before, after in zip(original, again, strict=True):
        for label in before.labels:
            texts = [ngram.text for ngram in before[label].ngrams]
            assert [ngram.text for ngram in after[label].ngrams] == texts
            assert [ngram.contribution for ngram in after[label].ngrams] == pytest.approx(
                [ngram.contribution for ngram in before[label].ngrams], abs=1e-6
            )
    pickle.loads(pickle.dumps(multiclass))  # explaining left the model picklable


def test_out_of_vocabulary_tokens_show_as_the_word_and_offsets_slice_the_text(binary):
    document = "Zebra: GREAT film!"
    (explanation,) = explain(binary, [document], labels=["pos"], top_k=None)
    assert explanation.tokens == ["zebra", "great", "film"]
    ngrams = explanation["pos"].ngrams
    assert any("zebra" in ngram.text for ngram in ngrams)
    for ngram in ngrams:
        span = document[ngram.char_start : ngram.char_end].lower()
        assert re.findall(r"\w+", span) == ngram.text.split()


def test_offsets_are_unknown_when_the_tokenizer_rewrites_words(sentiment):
    vectorizer = SequenceVectorizer(tokenizer=lambda text: [word[::-1] for word in text.split()])
    pipeline = fit(*sentiment, vectorizer=vectorizer)
    (explanation,) = explain(pipeline, ["a great film"], labels="all", top_k=None)
    assert explanation.tokens == ["a", "taerg", "mlif"]
    ngrams = [ngram for explained in explanation for ngram in explained.ngrams]
    assert ngrams and all(n.char_start is None and n.char_end is None for n in ngrams)
    assert ">taerg</span>" in explanation.to_html()


def test_predicted_labels_are_those_predict_gives(binary, multilabel):
    for pipeline in (binary, multilabel):
        predicted = pipeline.predict(DOCUMENTS)
        for explanation, row in zip(explain(pipeline, DOCUMENTS), predicted, strict=True):
            if pipeline[-1].target_type_ == "binary":
                assert explanation.labels == [row]
            else:
                assert explanation.labels == np.flatnonzero(row).tolist()


def test_label_names_name_the_labels(multilabel):
    names = ["film", "movie", "story"]
    (explanation,) = explain(multilabel, ["film movie"], labels=["story", 0], label_names=names)
    assert explanation.labels == ["story", "film"]
    assert [explained.label for explained in explanation] == ["story", "film"]
    assert explanation[2] is explanation["story"]
    assert explanation["movie"].label == "movie"  # any label, explained on demand


def test_make_multilabel_ensemble_cnn_member_can_be_explained():
    model = make_multilabel_ensemble(cv=2, random_state=0).set_params(
        **{
            f"estimator__cnn__textcnnclassifier__{k}": v
            for k, v in {**FAST, "linear_term": False}.items()
        }
    )
    model.fit(TOPICS * 6, np.tile(MULTILABEL_Y, (6, 1)))
    cnn = model.estimator_.named_estimators_["cnn"]
    assert_exact(cnn, DOCUMENTS, label_names=["film", "movie", "story"])


def test_text_steps_before_the_vectorizer_are_applied(sentiment):
    pipeline = make_pipeline(
        FunctionTransformer(lambda texts: [text.replace("!", " ") for text in texts]),
        SequenceVectorizer(),
        TextCNNClassifier(**FAST, random_state=0, linear_term=False),
    ).fit(*sentiment)
    (explanation,) = explain(pipeline, ["great!film"])
    assert explanation.document == "great film" and explanation.tokens == ["great", "film"]


def test_str_and_html(binary):
    document = "<b>great</b> & good film"
    (explanation,) = explain(binary, [document], labels=["pos"], top_k=2)
    text = str(explanation)
    assert "pos: probability" in text
    assert all(repr(ngram.text) in text for ngram in explanation["pos"].ngrams)
    page = explanation.to_html()
    assert explanation._repr_html_() == page
    assert "<b>great" not in page and "&lt;" in page and "&amp;" in page
    shaded = page.split('<p style="white-space: pre-wrap">')[1].removesuffix("</p></div>")
    assert html.unescape(re.sub(r"<[^>]+>", "", shaded)) == document
    assert page.count("<span") == len(explanation.tokens)


def test_top_ngrams_ranks_the_corpus_contributions(binary):
    texts = (POSITIVE + NEGATIVE) * 2
    ranking = top_ngrams(binary, texts, "pos", top_k=3)
    assert ranking.label == "pos" and len(ranking.raising) == len(ranking.lowering) == 3
    assert [n.total for n in ranking.raising] == sorted(
        (n.total for n in ranking.raising), reverse=True
    )
    assert all(n.total > 0 for n in ranking.raising) and all(n.total < 0 for n in ranking.lowering)
    best = ranking.raising[0]
    explanations = explain(binary, texts, labels=["pos"], top_k=None)
    fired = [[n for n in e["pos"].ngrams if n.text == best.text] for e in explanations]
    assert best.n_documents == sum(bool(f) for f in fired)
    assert best.total == pytest.approx(sum(n.contribution for f in fired for n in f))
    assert best.mean == pytest.approx(best.total / best.n_documents)
    assert "n-grams lowering pos" in str(ranking)


def test_the_top_ngram_holds_the_planted_word_order():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(30)]
    trigram = ["alpha", "beta", "gamma"]

    def document(positive):
        tokens = list(rng.choice(words, size=rng.integers(8, 16)))
        # Negatives hold the same three words, one by one: only their order decides.
        pieces = [trigram] if positive else [[word] for word in trigram]
        for piece in pieces:
            at = rng.integers(len(tokens) + 1)
            tokens[at:at] = piece
        if not positive and " ".join(trigram) in " ".join(tokens):
            return document(positive)
        return " ".join(tokens)

    labels = rng.random(400) < 0.5
    texts = [document(positive) for positive in labels]
    positives = [text for text, positive in zip(texts[300:], labels[300:], strict=True) if positive]
    # Every positive holds both bigrams of the trigram, a negative one only by chance: a
    # network or a linear term may rest on either (JAX's network learns "beta gamma").
    bigrams = [" ".join(trigram[:2]), " ".join(trigram[1:])]
    for linear_term in (False, True):
        pipeline = fit(
            texts[:300],
            labels[:300],
            filter_sizes=(3, 4),
            num_filters=16,
            epochs=20,
            linear_term=linear_term,
        )
        explanations = explain(pipeline, positives, labels=[True], top_k=1)
        tops = [e[True].ngrams[0].text for e in explanations]
        hits = [any(bigram in top for bigram in bigrams) for top in tops]
        assert np.mean(hits) >= 0.9, (linear_term, tops)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"labels": "pos"}, ValueError, r"labels must be 'predicted', 'all' or a list"),
        ({"labels": ["happy"]}, ValueError, r"'happy' is not one of the model's labels: 'neg'"),
        ({"top_k": 0}, ValueError, r"top_k must be a positive int or None; got top_k=0"),
        ({"label_names": ["a"]}, ValueError, r"one name per entry of classes_ \(2\); got 1"),
        ({"label_names": ["a", "a"]}, ValueError, r"label_names must be distinct"),
    ],
)
def test_bad_arguments_are_refused(binary, kwargs, error, match):
    with pytest.raises(error, match=match):
        explain(binary, ["good"], **kwargs)


def test_bad_models_and_documents_are_refused(binary):
    with pytest.raises(TypeError, match=r"named_estimators_\['cnn'\]"):
        explain(binary[-1], ["good"])
    with pytest.raises(ValueError, match=r"Wrap a single document in a list"):
        explain(binary, "good film")
    with pytest.raises(ValueError, match=r"top_k must be a positive int; got top_k=None"):
        top_ngrams(binary, ["good"], "pos", top_k=None)


def test_a_model_fitted_on_label_lists_explains_the_labels_it_predicts():
    names = ["film", "movie", "story"]
    lists = [[names[j] for j in np.flatnonzero(row)] for row in np.tile(MULTILABEL_Y, (6, 1))]
    pipeline = fit(TOPICS * 6, lists, threshold=0.4)
    predicted = pipeline.predict(DOCUMENTS)
    assert isinstance(predicted[0], tuple)
    explanations = explain(pipeline, DOCUMENTS)
    assert [explanation.labels for explanation in explanations] == [list(p) for p in predicted]
    assert any(predicted)  # some document has a label to explain
