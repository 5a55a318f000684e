"""The linear term: bag of ids, id bigrams, the SVM and its blend with the network."""

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sk_textcnn import SequenceVectorizer, TextCNNClassifier
from sk_textcnn import _linear as linear_module
from sk_textcnn._linear import (
    ONE_CHARACTER_WORDS_FROM,
    LinearTerm,
    bag_of_ids,
    blended_scores,
    fit_blend,
    frequent_bigrams,
    linear_alone_weight,
    proba_of_scores,
    single_character_ids,
)
from sk_textcnn.network import output_scores, pooled_features

from .helpers import X_MULTI, Y_MULTI, fast, reviews

IDS = np.array([[2, 3, 2, 1, 0], [3, 4, 0, 0, 0], [2, 3, 5, 0, 0]], dtype=np.int32)


def test_bag_of_ids_counts_words_but_not_padding_or_unknown_tokens():
    counts = bag_of_ids(IDS, n_ids=6).toarray()
    np.testing.assert_array_equal(
        counts, [[0, 0, 2, 1, 0, 0], [0, 0, 0, 1, 1, 0], [0, 0, 1, 1, 0, 1]]
    )


def test_bigrams_in_two_documents_get_a_column_of_their_own():
    codes = frequent_bigrams(IDS, n_ids=6)
    # (2, 3) is in rows 0 and 2; (3, 2), (3, 4), (3, 5) in one row each; (2, 1) has an
    # unknown token.
    np.testing.assert_array_equal(codes, [2 * 6 + 3])
    counts = bag_of_ids(IDS, n_ids=6, bigram_codes=codes).toarray()
    np.testing.assert_array_equal(counts[:, 6], [1, 0, 1])
    np.testing.assert_array_equal(counts[:, :6], bag_of_ids(IDS, n_ids=6).toarray())


@pytest.mark.parametrize("multiclass", [False, True])
def test_the_blend_trusts_the_informative_model(multiclass):
    rng = np.random.RandomState(0)
    n, k = 400, 3
    Y = rng.randint(k, size=n) if multiclass else (rng.rand(n, k) < 0.3).astype(float)
    truth = np.eye(k)[Y] if multiclass else Y
    informative = 4 * (truth - 0.5) + rng.normal(size=(n, k))
    noise = rng.normal(size=(n, k))  # network logits unrelated to the target
    weights, bias = fit_blend(noise, informative, Y, multiclass=multiclass)
    assert weights[1] > 0.5 and weights[0] < 0.1 * weights[1]
    assert bias.shape == ((k,) if multiclass else (1,))
    # Swapping roles: an informative network and uninformative linear scores.
    weights, _ = fit_blend(informative, rng.normal(size=(n, k)), Y, multiclass=multiclass)
    assert weights[0] > 0.5 and weights[1] < 0.1 * weights[0]


def test_blend_weights_stay_finite_on_separable_rows():
    Y = np.array([[0.0], [1.0]] * 10)
    weights, bias = fit_blend(np.zeros((20, 1)), 2 * Y - 1, Y, multiclass=False)
    assert np.isfinite(weights).all() and np.isfinite(bias).all() and weights[1] < 100
    scores = blended_scores(np.zeros((2, 1)), np.array([[1e3], [-1e3]]), weights, bias)
    proba = proba_of_scores(scores, multiclass=False)
    assert 0 < proba.min() and proba.max() < 1  # a threshold of 1 still means "never"


def test_linear_term_scores_one_column_per_output_and_pickles():
    term = LinearTerm("multilabel-indicator", n_ids=12, random_state=0)
    term.fit(X_MULTI, Y_MULTI.astype(np.float32), np.ones(len(X_MULTI), np.float32))
    scores = term.decision_function(X_MULTI)
    assert scores.shape == Y_MULTI.shape
    # Each label fires on one marker id, which a linear model separates exactly.
    np.testing.assert_array_equal(scores > 0, Y_MULTI.astype(bool))
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(term)).decision_function(X_MULTI), scores
    )


def test_default_classifier_blends_the_network_with_the_linear_term():
    model = fast(epochs=3).fit(X_MULTI, Y_MULTI)
    assert isinstance(model.linear_term_, LinearTerm)
    assert model.blend_weights_.shape == (2,) and (model.blend_weights_ >= 0).all()
    alone = fast(epochs=3, linear_term=False).fit(X_MULTI, Y_MULTI)
    assert alone.linear_term_ is None and not hasattr(alone, "blend_weights_")
    # Same seed, same split, same network: only the blend differs.
    network = alone.model_.predict_on_batch(X_MULTI)
    np.testing.assert_allclose(alone.predict_proba(X_MULTI), network, atol=1e-6)
    network_scores = output_scores(
        model.model_, pooled_features(model.model_).predict_on_batch(X_MULTI)
    )
    np.testing.assert_allclose(
        expit(network_scores), model.model_.predict_on_batch(X_MULTI), atol=1e-6
    )
    scores = blended_scores(
        network_scores,
        model.linear_term_.decision_function(X_MULTI),
        model.blend_weights_,
        model.blend_bias_,
    )
    expected = proba_of_scores(scores, multiclass=False)
    np.testing.assert_allclose(model.predict_proba(X_MULTI), expected, atol=1e-6)


def test_the_linear_term_is_refitted_on_all_rows_for_every_target_type():
    # Document frequencies tell which rows a TF-IDF was fitted on, in any order.
    multilabel = fast(epochs=2).fit(X_MULTI, Y_MULTI)
    every_row = TfidfTransformer(sublinear_tf=True).fit(bag_of_ids(X_MULTI, multilabel.n_ids_))
    np.testing.assert_allclose(multilabel.linear_term_.tfidf_.idf_, every_row.idf_)
    n_ids = multilabel.n_ids_
    for y in (Y_MULTI[:, 0], Y_MULTI.argmax(axis=1) + Y_MULTI.sum(axis=1)):
        single_label = fast(epochs=2).fit(X_MULTI, y)
        idf = single_label.linear_term_.tfidf_.idf_[:n_ids]  # then the bigrams' columns
        np.testing.assert_allclose(idf, every_row.idf_[:n_ids])


def test_a_multilabel_refit_keeps_the_calibration_and_learns_the_new_rows():
    weights = np.ones(len(X_MULTI), np.float32)
    half = len(X_MULTI) // 2
    term = LinearTerm("multilabel-indicator", n_ids=12, random_state=0)
    term.fit(X_MULTI[:half], Y_MULTI[:half], weights[:half])
    scale, first_coef = term.scale_.copy(), term.coef_.copy()
    term.refit(X_MULTI, Y_MULTI, weights)
    np.testing.assert_array_equal(term.scale_, scale)
    assert not np.allclose(term.coef_, first_coef)
    every_row = TfidfTransformer(sublinear_tf=True).fit(bag_of_ids(X_MULTI, 12))
    np.testing.assert_allclose(term.tfidf_.idf_, every_row.idf_)
    features = term.tfidf_.transform(bag_of_ids(X_MULTI, 12))
    expected = _one_vs_rest(features, Y_MULTI).decision_function(features) * scale
    np.testing.assert_allclose(term.decision_function(X_MULTI), expected, rtol=1e-12)


def test_a_multilabel_refit_calibrates_a_label_constant_in_the_first_rows():
    weights = np.ones(len(X_MULTI), np.float32)
    half = len(X_MULTI) // 2
    Y = Y_MULTI.copy()
    Y[:half, 0] = 0  # label 0 is never positive in the first rows, then is
    term = LinearTerm("multilabel-indicator", n_ids=12, random_state=0)
    term.fit(X_MULTI[:half], Y[:half], weights[:half])
    assert abs(term.scale_[0]) < 1e-3
    term.refit(X_MULTI, Y, weights)
    fresh = LinearTerm("multilabel-indicator", n_ids=12, random_state=0).fit(X_MULTI, Y, weights)
    np.testing.assert_allclose(term.scale_, fresh.scale_)
    assert term.scale_[0] > 0.1


def test_the_linear_term_leaves_global_random_state_alone():
    before = np.random.get_state()[1].copy()
    first = fast(epochs=2).fit(X_MULTI, Y_MULTI).predict_proba(X_MULTI)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    second = fast(epochs=2).fit(X_MULTI, Y_MULTI).predict_proba(X_MULTI)
    np.testing.assert_array_equal(first, second)


def test_default_threshold_is_tuned_for_multilabel_and_half_for_binary():
    multilabel = fast(epochs=2)
    multilabel.fit(X_MULTI, Y_MULTI)
    tuned = fast(epochs=2, threshold="auto").fit(X_MULTI, Y_MULTI)
    np.testing.assert_array_equal(multilabel.threshold_, tuned.threshold_)
    binary = fast(epochs=2).fit(X_MULTI, Y_MULTI[:, 0])
    np.testing.assert_array_equal(binary.threshold_, [0.5])
    proba = binary.predict_proba(X_MULTI)[:, 1]
    np.testing.assert_array_equal(binary.predict(X_MULTI), (proba >= 0.5).astype(int))


def test_partial_fit_trains_the_network_and_keeps_the_blend():
    model = fast(epochs=2).fit(X_MULTI, Y_MULTI)
    term, weights = model.linear_term_, model.blend_weights_.copy()
    model.partial_fit(X_MULTI, Y_MULTI)
    assert model.linear_term_ is term
    np.testing.assert_array_equal(model.blend_weights_, weights)
    fresh = fast().partial_fit(X_MULTI, Y_MULTI)
    assert fresh.linear_term_ is None


def test_the_blend_weighs_held_out_rows_by_their_sample_weight():
    rng = np.random.RandomState(0)
    Y = (rng.rand(400, 1) < 0.5).astype(float)
    informative = 4 * (Y - 0.5) + rng.normal(size=Y.shape)
    network = (Y - 0.5) + rng.normal(size=Y.shape)  # weakly informative everywhere
    # Rows where the linear scores point the wrong way: weighted heavily, they veto them.
    wrong = rng.rand(400) < 0.3
    scores = np.where(wrong[:, None], -informative, informative)
    plain, _ = fit_blend(network, scores, Y, multiclass=False)
    weighted, _ = fit_blend(network, scores, Y, multiclass=False, sample_weight=1 + 9 * wrong)
    assert plain[1] > 0.3
    assert weighted[1] < 0.1 * plain[1] and weighted[0] > 0.1


def _one_vs_rest(features, Y):
    """What the multi-label term's SVMs are: scikit-learn's one-vs-rest balanced SVMs."""
    svm = LinearSVC(class_weight="balanced", random_state=0)
    return OneVsRestClassifier(svm).fit(features, Y)


@pytest.mark.filterwarnings("ignore:Label not 3 is present in all training examples")
def test_the_multilabel_term_scores_as_one_vs_rest_svms_in_one_product():
    Y = np.column_stack([Y_MULTI, np.zeros(len(Y_MULTI))]).astype(np.float32)  # one constant
    term = LinearTerm("multilabel-indicator", n_ids=12, random_state=0)
    term.fit(X_MULTI, Y, np.ones(len(X_MULTI), np.float32))
    features = term.tfidf_.transform(bag_of_ids(X_MULTI, 12))
    expected = _one_vs_rest(features, Y).decision_function(features) * term.scale_ + term.offset_
    np.testing.assert_allclose(term.decision_function(X_MULTI), expected, rtol=1e-12)


def test_the_multilabel_term_weighs_every_label_svm_and_its_calibration():
    weights = np.linspace(0.2, 3.0, len(X_MULTI)).astype(np.float32)
    Y = Y_MULTI.astype(np.float32).copy()
    Y[:, 2] = 0
    Y[weights < 0.5, 2] = 1  # label 2's positives: the lightest rows, then weightless
    weights[weights < 0.5] = 0
    term = LinearTerm("multilabel-indicator", n_ids=12, random_state=0)
    term.fit(X_MULTI, Y, weights)
    features = term.tfidf_.transform(bag_of_ids(X_MULTI, 12))
    for label in (0, 1):
        svm = LinearSVC(class_weight="balanced", random_state=0)
        svm.fit(features, Y[:, label], sample_weight=weights)
        np.testing.assert_allclose(term.coef_[label], svm.coef_.ravel(), rtol=1e-10)
    # No row of positive weight is positive for label 2: it scores 0, as a constant label.
    assert not term.coef_[2].any() and term.intercept_[2] == 0
    assert not term.calibrated_[2]
    unweighted = LinearTerm("multilabel-indicator", n_ids=12, random_state=0)
    unweighted.fit(X_MULTI, Y, np.ones(len(X_MULTI), np.float32))
    assert not np.allclose(term.scale_[:2], unweighted.scale_[:2])


def test_a_default_multilabel_fit_takes_sample_weights():
    # The linear term's SVMs and calibration, the blend and the thresholds all see them:
    # weighting one label's positives up raises its probabilities there.
    positives = Y_MULTI[:, 0] == 1
    plain = fast(epochs=2).fit(X_MULTI, Y_MULTI)
    weighted = fast(epochs=2).fit(X_MULTI, Y_MULTI, sample_weight=np.where(positives, 5.0, 1.0))
    assert plain.linear_term_ is not None and weighted.linear_term_ is not None
    mean = lambda model: model.predict_proba(X_MULTI)[positives, 0].mean()  # noqa: E731
    assert mean(weighted) > mean(plain)


def test_feature_spans_credit_each_feature_to_its_first_occurrence():
    term = LinearTerm("binary", n_ids=6, random_state=0)
    term.fit(IDS, np.array([1, 0, 1]), np.ones(3, np.float32))
    (code,) = term.bigram_codes_
    row = np.array([2, 3, 1, 2, 3, 0], dtype=np.int32)
    columns, starts, ends = term.feature_spans(row)
    spans = {int(c): (int(s), int(e)) for c, s, e in zip(columns, starts, ends, strict=True)}
    assert spans == {2: (0, 1), 3: (1, 2), 6: (0, 2)} and code == 2 * 6 + 3
    assert columns.tolist() == sorted(spans)
    # The columns are those of the TF-IDF features: every nonzero one has a span.
    np.testing.assert_array_equal(term.features(row[None, :]).indices, columns)


def test_a_verbose_fit_reports_the_blend_weights(capsys):
    model = fast(epochs=2, verbose=1).fit(X_MULTI, Y_MULTI)
    (line,) = [line for line in capsys.readouterr().out.splitlines() if "Blend" in line]
    network, linear = model.blend_weights_
    assert f"network weight {network:.3f}, linear term weight {linear:.3f}" in line


SST2 = Path(__file__).resolve().parents[2] / "shared" / "data" / "suite" / "sst2.jsonl"


def sst2():
    """SST-2's training and test sentences and labels, from the shared suite (skip without)."""
    if not SST2.exists():
        pytest.skip(f"{SST2} is not here")
    records = [json.loads(line) for line in SST2.read_text().splitlines()]
    return {
        split: (
            [r["text"] for r in records if r["split"] == split],
            np.array([r["labels"][0] for r in records if r["split"] == split]),
        )
        for split in ("train", "test")
    }


def test_class_weight_reaches_the_blended_model_as_it_reaches_the_network():
    # 600 negative and 150 positive training sentences, as users with skewed classes have.
    data = sst2()
    (texts, labels), (test, y_test) = data["train"], data["test"]
    gains = {True: [], False: []}
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        rows = np.concatenate(
            [
                rng.permutation(np.flatnonzero(labels == "negative"))[:600],
                rng.permutation(np.flatnonzero(labels == "positive"))[:150],
            ]
        )
        X, y = [texts[i] for i in rows], labels[rows]
        for linear_term in (True, False):
            scores = []
            for class_weight in (None, "balanced"):
                model = make_pipeline(
                    SequenceVectorizer(),
                    TextCNNClassifier(
                        random_state=seed, linear_term=linear_term, class_weight=class_weight
                    ),
                ).fit(X, y)
                predicted = model.predict(test)
                scores.append(
                    (
                        recall_score(y_test, predicted, pos_label="positive"),
                        balanced_accuracy_score(y_test, predicted),
                    )
                )
            (recall, balanced), (weighted_recall, weighted_balanced) = scores
            gains[linear_term].append(weighted_recall - recall)
            if linear_term:
                assert weighted_balanced >= balanced
    assert np.mean(gains[True]) >= np.mean(gains[False]) > 0


def test_sample_weight_of_the_positives_raises_their_probability_through_the_blend():
    data = sst2()
    (texts, labels), (test, _) = data["train"], data["test"]
    rows = np.random.default_rng(0).permutation(len(texts))[:300]
    X, y = [texts[i] for i in rows], labels[rows]
    means = {}
    for linear_term in (True, False):
        for factor in (1, 5, 50):
            model = make_pipeline(
                SequenceVectorizer(), TextCNNClassifier(random_state=0, linear_term=linear_term)
            ).fit(X, y, textcnnclassifier__sample_weight=np.where(y == "positive", factor, 1.0))
            means[linear_term, factor] = model.predict_proba(test)[:, 1].mean()
    for linear_term in (True, False):
        assert means[linear_term, 1] < means[linear_term, 5] < means[linear_term, 50]
    rise = {term: means[term, 50] - means[term, 1] for term in (True, False)}
    assert rise[True] >= rise[False] / 2


def test_a_blend_of_two_uninformative_scores_is_their_mean_not_a_constant():
    Y = np.array([[0.0], [1.0]] * 5)
    weights, bias = fit_blend(np.zeros((10, 1)), np.zeros((10, 1)), Y, multiclass=False)
    np.testing.assert_array_equal(weights, [0.5, 0.5])
    np.testing.assert_array_equal(bias, [0.0])
    # Informative rows still get fitted weights.
    weights, _ = fit_blend(np.zeros((10, 1)), 4 * Y - 2, Y, multiclass=False)
    assert weights[1] > 0.5 and weights[0] < 0.1


def test_tfidf_rows_are_those_of_the_fitted_transformer():
    X = np.vstack([IDS, np.zeros((1, 5), np.int32), np.ones((1, 5), np.int32)])
    for target_type, Y in (("binary", np.array([1, 0, 1])), ("multilabel-indicator", None)):
        Y = np.array([[1, 0], [0, 1], [1, 1]]) if Y is None else Y
        term = LinearTerm(target_type, n_ids=6, random_state=0)
        term.fit(IDS, Y.astype(np.float32), np.ones(3, np.float32))
        expected = term.tfidf_.transform(bag_of_ids(X, 6, term.bigram_codes_))
        np.testing.assert_allclose(term.features(X).toarray(), expected.toarray(), rtol=1e-12)


def test_a_prior_on_the_linear_term_alone_keeps_few_held_out_rows_from_a_constant_blend():
    # Ten held-out rows, seven positive; the linear term barely separates them, the network
    # is noise: without the prior the bias outweighs both and every row is called positive.
    rng = np.random.RandomState(0)
    Y = np.array([1, 1, 0, 1, 1, 0, 1, 1, 0, 1.0])[:, None]
    linear = 0.3 * (2 * Y - 1) * rng.rand(10, 1) + 0.15 * rng.normal(size=(10, 1))
    network = rng.normal(size=(10, 1))
    weights, bias = fit_blend(network, linear, Y, multiclass=False)
    assert (blended_scores(network, linear, weights, bias) > 0).all()
    weights, bias = fit_blend(network, linear, Y, multiclass=False, linear_alone=2.0)
    predicted = blended_scores(network, linear, weights, bias) > 0
    assert 0 < predicted.mean() < 1
    assert weights[0] < 0.1 < 1 < weights[1] and abs(bias[0]) < 0.5
    # The prior fades as held-out rows grow: on 1,000 rows the network's skill shows.
    Y = rng.rand(1000, 1) < 0.5
    network = 4 * Y - 2 + rng.normal(size=(1000, 1))
    linear = 0.1 * (2 * Y - 1) + rng.normal(size=(1000, 1))
    weights, _ = fit_blend(network, linear, Y.astype(float), multiclass=False, linear_alone=2.0)
    assert weights[0] > 1 > weights[1]


def test_linear_alone_weight_is_the_scale_of_informative_scores_and_0_for_noise():
    rng = np.random.RandomState(0)
    Y = (rng.rand(200) < 0.5).astype(float)[:, None]
    assert linear_alone_weight(2 * Y - 1 + 0.5 * rng.normal(size=(200, 1)), Y, False) > 1
    assert linear_alone_weight(rng.normal(size=(200, 1)), Y, False) < 0.3


@pytest.mark.parametrize("target_type", ["binary", "multiclass"])
def test_cross_fitted_scores_score_every_row_out_of_fold(target_type):
    rng = np.random.RandomState(0)
    X = rng.randint(2, 12, size=(60, 6)).astype(np.int32)
    y = (X == 5).any(axis=1).astype(int) + (
        2 * (X == 6).any(axis=1) if target_type == "multiclass" else 0
    )
    y = np.minimum(y, 2 if target_type == "multiclass" else 1)
    Y = y[:, None].astype(np.float32) if target_type == "binary" else y
    term = LinearTerm(target_type, n_ids=12, random_state=0)
    scores = term.fit(X, Y, np.ones(60)).cross_fitted_scores(X, Y, np.ones(60))
    assert scores.shape == (60, 1 if target_type == "binary" else 3)
    predicted = scores[:, 0] > 0 if target_type == "binary" else scores.argmax(axis=1)
    assert np.mean(predicted == y) > 0.7  # out of fold, so not perfect
    # A fold whose training rows hold one class gives no scores.
    assert term.cross_fitted_scores(X, np.zeros_like(Y), np.ones(60)) is None


def test_single_label_blends_get_the_prior_and_multilabel_blends_do_not(monkeypatch):
    from sk_textcnn import classifier

    calls = []

    def recording_fit_blend(*args, **kwargs):
        calls.append(kwargs["linear_alone"])
        return fit_blend(*args, **kwargs)

    monkeypatch.setattr(classifier, "fit_blend", recording_fit_blend)
    for y in (Y_MULTI[:, 0], Y_MULTI.argmax(axis=1) + Y_MULTI.sum(axis=1), Y_MULTI):
        model = fast(epochs=2).fit(X_MULTI, y)
        assert len(np.unique(model.predict(X_MULTI), axis=0)) > 1
    binary, multiclass, multilabel = calls
    assert binary > 0 and multiclass > 0 and multilabel is None


@pytest.mark.parametrize("weighted_classes", [2, 3])
def test_a_class_of_no_weight_scores_below_all_others_and_is_never_predicted(weighted_classes):
    # Four classes; the SVM sees the weighted ones only (scikit-learn's would drop a row of
    # coef_ for a weightless class, and with two classes left fit a single margin).
    y = Y_MULTI.argmax(axis=1) + Y_MULTI.sum(axis=1)
    weightless = {label: 0 for label in range(weighted_classes, 4)}
    model = fast(epochs=2, class_weight={**dict.fromkeys(range(4), 1), **weightless})
    model.fit(X_MULTI, y)
    assert model.linear_term_ is not None
    linear = model.linear_term_.decision_function(X_MULTI)
    assert linear.shape == (len(X_MULTI), 4)
    assert linear[:, weighted_classes:].max() < linear[:, :weighted_classes].min(axis=1).min()
    assert set(model.predict(X_MULTI)) <= set(range(weighted_classes))  # the network agrees here
    # The weighted classes' scores are those of the SVM fitted on their rows alone.
    rows = y < weighted_classes
    term = LinearTerm("multiclass", n_ids=model.n_ids_, random_state=0)
    term.fit(X_MULTI, y, rows.astype(np.float32))
    features = term.features(X_MULTI)
    svm = LinearSVC(random_state=0).fit(features[rows], y[rows])
    expected = svm.decision_function(features)
    if weighted_classes == 2:  # one margin: the first class scores minus it
        expected = np.column_stack([-expected, expected])
    np.testing.assert_allclose(term.decision_function(X_MULTI)[:, :weighted_classes], expected)


def test_no_linear_term_where_held_out_rows_took_a_class_s_every_weighted_row(monkeypatch):
    import sk_textcnn.classifier as classifier_module

    y = np.arange(len(X_MULTI)) % 2
    weight = np.where(y == 1, 0.0, 1.0)
    weight[1] = 1.0  # the one positive of positive weight, held out below
    split = classifier_module.multilabel_train_test_split_indices

    def holding_out_row_1(Y, **params):
        train, held_out = split(Y, **params)
        return train[train != 1], np.union1d(held_out, [1])

    monkeypatch.setattr(classifier_module, "multilabel_train_test_split_indices", holding_out_row_1)
    model = fast(epochs=1).fit(X_MULTI, y, sample_weight=weight)
    assert model.linear_term_ is None and not hasattr(model, "blend_weights_")
    assert model.predict_proba(X_MULTI).shape == (len(X_MULTI), 2)


def test_on_few_documents_the_linear_term_leaves_out_one_character_words(monkeypatch):
    texts, labels = reviews()
    # One-character words that mark the labels exactly: the linear term does not read them.
    marker = {"pos": "x", "neg": "z"}
    marked = [f"{text} {marker[label]}" for text, label in zip(texts, labels, strict=True)]
    vectorizer, model = make_pipeline(SequenceVectorizer(), fast(epochs=1)).fit(marked, labels)
    term = model.linear_term_
    single = sorted(vectorizer.vocabulary_[word] for word in ("a", "x", "z"))
    np.testing.assert_array_equal(np.sort(term.skipped_ids), single)
    unmarked = term.features(vectorizer.transform(texts)).toarray()
    np.testing.assert_array_equal(term.features(vectorizer.transform(marked)).toarray(), unmarked)
    assert not term.coef_[:, single].any()
    # A plain id matrix has no tokens to tell: every id counts.
    plain = fast(epochs=1).fit(np.asarray(vectorizer.transform(marked)), labels).linear_term_
    assert plain.skipped_ids is None and plain.coef_[:, single].any()
    # The cut counts the documents given to fit, held-out ones included (60 here, 54 trained).
    monkeypatch.setattr(linear_module, "ONE_CHARACTER_WORDS_FROM", len(marked) - 2)
    many = make_pipeline(SequenceVectorizer(), fast(epochs=1)).fit(marked, labels)[-1]
    assert many.linear_term_.skipped_ids is None and many.linear_term_.coef_[:, single].any()
    # Distinct documents, not rows: copies (oversampling) do not lift a fit over the cut.
    monkeypatch.setattr(linear_module, "ONE_CHARACTER_WORDS_FROM", len(marked) + 1)
    copies = make_pipeline(SequenceVectorizer(), fast(epochs=1)).fit(marked * 2, labels * 2)
    np.testing.assert_array_equal(np.sort(copies[-1].linear_term_.skipped_ids), single)


def test_one_character_words_count_on_many_documents_or_where_they_are_most_of_the_text():
    tokens = np.array([None, None, "a", "film", "b"], dtype=object)
    words = np.array([[2, 3, 4, 3, 0], [3, 3, 2, 1, 0]])
    np.testing.assert_array_equal(single_character_ids(tokens, words, 999), [2, 4])
    assert single_character_ids(tokens, words, ONE_CHARACTER_WORDS_FROM) is None
    characters = np.array([[2, 4, 2, 3, 0], [4, 4, 1, 0, 0]])  # text read a character at a time
    assert single_character_ids(tokens, characters, 2) is None
    assert single_character_ids(None, words, 2) is None


def test_a_term_pickled_before_skipped_ids_counts_every_id():
    term = LinearTerm("binary", n_ids=6, random_state=0)
    term.fit(IDS, np.array([1, 0, 1]), np.ones(3, np.float32))
    counted = term.features(IDS).toarray()
    del term.__dict__["skipped_ids"]  # as in a file written before it existed
    old = pickle.loads(pickle.dumps(term))
    assert old.skipped_ids is None
    np.testing.assert_array_equal(old.features(IDS).toarray(), counted)
